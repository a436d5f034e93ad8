"""TensorFlow Playground parity and what its users asked for (issue 8)."""

import json
import math

import numpy as np
import pytest

from tui_backprop.core.figures import measured
from tui_backprop.app.app import BackpropApp
from tui_backprop.cli import main
from tui_backprop.core.datasets import FEATURES, make_dataset
from tui_backprop.presets import load_preset
from tui_backprop.training.session import Session, accuracy

from tests.conftest import until


def test_playground_preset_has_playgrounds_defaults():
    c = load_preset("playground")
    assert (c.data.source, c.data.samples, c.data.test_fraction, c.data.noise) == ("circle", 500, 0.5, 0.0)
    assert [(l.units, l.activation) for l in c.network.layers] == [(4, "tanh"), (2, "tanh"), (1, "tanh")]
    assert (c.training.loss, c.training.learning_rate, c.training.batch_size) == ("half_mse", 0.03, 10)
    s = Session(c)
    assert set(np.unique(s.data.y_train)) == {-1.0, 1.0}
    for layer in s.network.layers:
        assert np.all(np.abs(layer.weights) <= 0.5)
        assert np.all(layer.biases == 0.1)
    assert np.all(np.abs(s.data.points_train) <= 6)


def test_playground_reaches_test_loss_below_005_within_500_epochs():
    s = Session(load_preset("playground"))
    for epoch in range(1, 501):
        s.run_epoch()
        if s.test_loss < 0.05:
            break
    assert s.test_loss < 0.05, (epoch, s.test_loss)
    assert s.epoch <= 500


def test_feature_transforms_values():
    p = np.array([[0.5, -2.0], [3.0, 1.0]])
    expected = {
        "x1": [0.5, 3.0], "x2": [-2.0, 1.0], "x1^2": [0.25, 9.0], "x2^2": [4.0, 1.0],
        "x1*x2": [-1.0, 3.0], "sin(x1)": [math.sin(0.5), math.sin(3.0)], "sin(x2)": [math.sin(-2.0), math.sin(1.0)],
    }
    for name, values in expected.items():
        assert FEATURES[name](p).tolist() == values
    ds = make_dataset("circle", 40, 0.0, 0.5, 1, features=("x1^2", "x2^2", "x1*x2"))
    assert ds.x_train.shape == (20, 3)
    assert np.array_equal(ds.x_train[:, 0], ds.points_train[:, 0] ** 2)
    assert np.array_equal(ds.x_train[:, 2], ds.points_train[:, 0] * ds.points_train[:, 1])


def test_accuracy_figures():
    out = np.array([[0.9], [0.2], [0.6], [0.4]])
    assert accuracy(out, np.array([[1.0], [0.0], [0.0], [0.0]])) == 0.75
    assert accuracy(np.array([[0.3], [-0.1]]), np.array([[1.0], [-1.0]]), labels="plus_minus_one") == 1.0
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.4, 0.5, 0.1]])
    assert accuracy(probs, np.eye(3)[[0, 2, 0]]) == pytest.approx(2 / 3)


def test_cli_reports_accuracy_history(capsys):
    assert main(["train", "--preset", "xor", "--steps", "50", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["accuracy_history"]) == 5  # one per epoch: 100 points, batch 10
    assert all(0.0 <= a <= 1.0 for a in out["accuracy_history"])
    assert out["accuracy"] == out["accuracy_history"][-1]


def test_cli_stop_conditions(capsys):
    assert main(["train", "--preset", "xor", "--steps", "1000", "--json", "--stop-after-epochs", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["steps"] == 30 and "3 epochs" in out["stopped"]
    assert main(["train", "--preset", "playground", "--steps", "100000", "--json", "--stop-below-loss", "0.05"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["final_loss"] < 0.05 and out["steps"] < 100000 and "fell below" in out["stopped"]


def test_three_class_spiral_learns():
    s = Session(load_preset("spiral-3-classes"))
    assert s.network.layers[-1].activation.name == "softmax"
    s.run(4000)
    assert s.accuracy > 0.9


def test_editing_a_weight_changes_the_loss_by_a_forward_pass():
    s = Session(load_preset("xor"))
    s.run(20)
    s.step()  # pause_after none: a whole step; now between steps
    _, loss = s.set_parameter(0, 1, 0, 2.5)
    assert s.network.layers[0].weights[1, 0] == 2.5
    assert s.last_phase == "loss" and s.next_phase == "backward L2"
    x, y = s._x[:, :-1], s._y
    assert loss == pytest.approx(s.network.evaluate(x, y), rel=1e-12)
    # Mid-step: the same batch is redone with the new bias.
    before, loss2 = s.set_parameter(1, 0, 4, -1.0)
    assert before == loss  # the same batch, before this edit
    assert s.network.layers[1].biases[0] == -1.0
    assert loss2 == pytest.approx(s.network.evaluate(x, y), rel=1e-12)
    assert loss2 != loss
    s.step()  # backward and update use the edited weights
    assert s.step_count == 22


def test_an_edit_reports_the_loss_before_and_after_on_one_batch():
    """QA2 3: "loss 0.6621 (was 0.664)": 0.664 was step 40's batch, the redone pass step 41's."""
    s = Session(load_preset("xor"))
    s.run(40)
    before, after = s.set_parameter(0, 0, 0, -2.0)
    assert s.step_count == 40 and s.last_phase == "loss"
    assert before == pytest.approx(0.65275, abs=1e-5) and after == pytest.approx(0.6621, abs=1e-4)
    assert before != pytest.approx(0.6640, abs=1e-4)  # step 40's batch loss, the toast's old "was"


async def test_the_edit_toast_says_both_losses_of_that_batch():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e", "e", "e", "e")  # four epochs of 10 steps, as the QA pass did
        assert await until(pilot, lambda: app.session.step_count == 40 and not app.runner.running)
        await pilot.press("w")
        assert await until(pilot, lambda: type(app.screen).__name__ == "EditWeightScreen")
        await pilot.press("minus", "2", "enter")
        assert await until(pilot, lambda: type(app.screen).__name__ != "EditWeightScreen")
        await pilot.pause()
        notes = [str(n.message) for n in app._notifications]
        assert any("w1₁₁ = −2: forward pass redone on step 41's batch, loss 0.6621 (with the old value "
                   "0.6528)" in m for m in notes), notes


async def test_pilot_edit_weight_key():
    app = BackpropApp(load_preset("neuron-with-bias"), questions=False)  # ŷ = w·4 + b, target 20
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("w")
        await pilot.pause()
        assert type(app.screen).__name__ == "EditWeightScreen"
        inp = app.screen.query_one("Input")
        inp.value = "abc"
        await pilot.press("enter")
        assert "not a number" in str(app.screen.query_one("#edit-error").render())
        await pilot.press("backspace")  # the box changes: the refusal of "abc" no longer applies (QA7 K6)
        assert str(app.screen.query_one("#edit-error").render()).strip() == ""
        inp.value = "2.5"
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.network.layers[0].weights[0, 0] == 2.5
        assert app.session.loss == 49.0  # ŷ = 2.5·4 + 3 = 13, (13 − 20)² = 49
        assert app.main._shown.loss == 49.0


async def test_enter_on_the_weight_editors_figure_keeps_the_weight_exactly():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        before = float(app.session.network.layers[0].weights[0, 0])
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("enter")  # the box's 0.5403, unchanged: not a rounding of the weight
        await pilot.pause()
        assert float(app.session.network.layers[0].weights[0, 0]) == before != 0.5403
        await pilot.press("w")
        await pilot.pause()
        app.screen.query_one("Input").value = "\u22120.25"  # the app's own minus sign is read
        await pilot.press("enter")
        await pilot.pause()
        assert float(app.session.network.layers[0].weights[0, 0]) == -0.25


async def test_pilot_toggles_new_data_and_neuron_view():
    app = BackpropApp(load_preset("playground"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e")
        boundary = app.query_one("#boundary")
        await pilot.press("t")
        assert boundary.show_test
        await pilot.press("x")
        assert boundary.discretize
        await pilot.press("m")
        assert boundary.neuron == (0, 0)  # layer 1 neuron 1 is selected
        await pilot.press("down")
        assert boundary.neuron == (0, 1)
        await pilot.press("m")
        assert boundary.neuron is None
        weights = app.session.network.params.copy()
        first = app.session.data.x_train.copy()
        await pilot.press("d")
        assert not np.array_equal(app.session.data.x_train, first)
        assert np.array_equal(app.session.network.params, weights)
        assert app.session.config.data_seed == 2


async def test_pilot_curve_cursor_shows_exact_values():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*(["n"] * 12))
        curve = app.query_one("#curve")
        curve.focus()
        await pilot.press("left")
        assert curve.cursor == 10  # the 11th of 12 points
        text = curve.cursor_text()
        loss11 = app.session.history.train.arrays()[1][10]
        assert text.startswith(f"step 11: loss {measured(loss11)} ")  # 4 digits, as the status line
        # epoch 1 ended at step 10: the test loss shown is from then, and says so
        assert text.endswith(f" · test {measured(app.session.history.test.arrays()[1][0])} (step 10)"), text
        await pilot.press("left")
        assert curve.cursor_text().endswith(f" · test {measured(app.session.history.test.arrays()[1][0])}")  # step 10
        await pilot.press("home")
        assert curve.cursor == 0 and curve.cursor_text().startswith("step 1:")
        await pilot.press("escape")
        assert curve.cursor is None
        await pilot.press("a")
        assert curve.show_accuracy
        assert "accuracy" in curve.border_title.lower()


async def test_pilot_feature_checkboxes_rebuild_with_wider_input():
    app = BackpropApp(load_preset("playground"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c")
        app.query_one("#feature-2").value = True  # X₁²
        app.query_one("#feature-3").value = True  # X₂²
        app.query_one("#apply").press()
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.session.network.inputs == 4
        assert app.session.config.data.features == ("x1", "x2", "x1^2", "x2^2")
        assert np.array_equal(app.session.data.x_train[:, 2], app.session.data.points_train[:, 0] ** 2)


def test_snapshot_playground_toggles(snap_compare):
    assert snap_compare(BackpropApp(load_preset("playground")), press=["e", "t", "x", "m"], terminal_size=(100, 30))


def test_snapshot_curve_cursor(snap_compare):
    async def focus_curve(pilot):
        await pilot.pause()  # the main screen composes after the app starts
        pilot.app.query_one("#curve").focus()

    assert snap_compare(BackpropApp(load_preset("xor"), questions=False), press=["n"] * 12 + ["left", "left"],
                        run_before=focus_curve, terminal_size=(100, 30))


async def test_the_weight_editor_shows_the_value_as_the_app_does_and_refuses_a_million():
    """QA: the editor read '(now 0.540513)' (six digits, not the app's) and applied -1e6 without a word."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("w")
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "EditWeightScreen"
        before = float(app.session.network.layers[0].weights[0, 0])
        text = " ".join(str(w.render()) for w in screen.query("Static"))
        assert "(now 0.5403)" in text, text
        assert screen.query_one("Input").value == "0.5403"  # the figure the sentence shows (QA: it was 0.540513)
        for typed in ("-1e6", "1e6", "inf", "-2e7"):
            screen.query_one("Input").value = typed
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is screen, typed  # refused: the dialog stays
            assert "too large" in str(screen.query_one("#edit-error").render()), typed
        screen.query_one("Input").value = "nan"
        await pilot.press("enter")
        assert "not a number" in str(screen.query_one("#edit-error").render())
        assert float(app.session.network.layers[0].weights[0, 0]) == before
        screen.query_one("Input").value = "1,000.5"  # a thousands separator: refused, as in a question's box
        await pilot.press("enter")
        assert "no thousands separator" in str(screen.query_one("#edit-error").render())
        screen.query_one("Input").value = "-999999"
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.network.layers[0].weights[0, 0] == -999999.0
        await pilot.press("w")  # a decimal comma reads as a point, as in a question's box (QA9)
        await pilot.pause()
        app.screen.query_one("Input").value = "1,5"
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.network.layers[0].weights[0, 0] == 1.5
