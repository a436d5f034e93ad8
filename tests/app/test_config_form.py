"""The Config form: driven by the schema, layers compared by value."""

import dataclasses

from tui_backprop.app.app import BackpropApp
from tui_backprop.app.widgets.config_form import ConfigForm
from tui_backprop.core.figures import MINUS
from tui_backprop.presets import load_preset
from tui_backprop.schema import FIELD


async def _retype_layers_and_change_lr(app, pilot, lr: str):
    await pilot.press("c")
    form = app.query_one(ConfigForm)
    hidden = app.query_one("#hidden")
    text = hidden.value
    hidden.value = ""
    hidden.value = text  # retyped, same layers
    app.query_one("#learning_rate").value = lr
    return form, form.changed_fields(form.build_config())


async def test_retyping_the_same_layers_and_changing_the_learning_rate_only_changes_the_learning_rate():
    # A network whose layers differ in bias: the Biases tick (all layers) used to rebuild it.
    xor = load_preset("xor")
    mixed = dataclasses.replace(xor, network=dataclasses.replace(xor.network, layers=(
        dataclasses.replace(xor.network.layers[0], bias=False), xor.network.layers[1])))
    for name, config in (("mixed biases", mixed), ("xor", xor), ("chain", load_preset("chain-two-weights")),
                         ("deep", load_preset("vanishing-gradients"))):
        app = BackpropApp(config)
        async with app.run_test(size=(100, 30)) as pilot:
            form, changed = await _retype_layers_and_change_lr(app, pilot, "0.003")
            assert changed == {"learning_rate"}, name
            app.query_one("#learning_rate").focus()
            await pilot.press("enter")
            await pilot.pause()
            assert type(app.screen).__name__ != "ConfirmScreen", name
            assert app.session.learning_rate == 0.003


async def test_after_a_rebuild_retyping_the_layers_is_no_change():
    app = BackpropApp(load_preset("xor"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c")
        hidden = app.query_one("#hidden")
        hidden.value = "4 tanh, 2 relu"
        hidden.focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert [l.units for l in app.session.network.layers] == [4, 2, 1]
        _, changed = await _retype_layers_and_change_lr(app, pilot, "0.3")
        assert changed == {"learning_rate"}


async def test_form_labels_and_limits_come_from_the_schema():
    app = BackpropApp(load_preset("xor"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c")
        noise = FIELD["data.noise"]
        assert str(app.query_one("#noise-label").render()) == f"Noise ({noise.low:g} … {noise.high:g})"
        field = app.query_one("#noise")
        field.value = "0.6"
        field.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "at most 0.5" in str(app.query_one("#noise-error").render())
        assert "data.noise" not in str(app.query_one("#noise-error").render())  # beside its field: no TOML path
        assert app.session.config.data.noise == 0.0
        await pilot.press("backspace")  # corrected: the refusal goes at once, not at the next Apply (QA8 K5)
        await pilot.pause()
        assert str(app.query_one("#noise-error").render()) == ""
        bias = FIELD["network.bias_init"]
        assert bias.limits_text() == f"{MINUS}100 … 100"  # a real minus in the label


async def test_a_refused_learning_rate_is_in_sight_under_its_field():
    """challenge-learning-rate at 100×30: c puts the cursor in Learning rate at the pane's foot, and its refusal
    appeared below the pane's visible part after Enter."""
    app = BackpropApp(load_preset("challenge-learning-rate"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause(0.3)
        assert app.focused is app.query_one("#learning_rate")
        await pilot.press(*["backspace"] * 8, "minus", "1", "enter")
        await pilot.pause(0.3)
        error = app.query_one("#learning_rate-error")
        assert str(error.render()).strip(), "no refusal"
        form = app.query_one(ConfigForm)
        assert form.region.contains_region(error.region), (form.region, error.region)
        assert app.session.learning_rate == 0.0001
