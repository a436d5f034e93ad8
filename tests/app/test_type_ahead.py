"""Keys typed fast right after the key that opens a dialog reach the dialog (or, once it closes, the main view),
in the order typed (screens/type_ahead.py)."""

from tests.conftest import press_at_once, until

from tui_backprop.app.app import BackpropApp
from tui_backprop.app.screens.edit_weight import EditWeightScreen
from tui_backprop.app.screens.main import MainScreen
from tui_backprop.app.screens.picker import PresetPicker
from tui_backprop.presets import load_preset


def xor_app():
    return BackpropApp(load_preset("xor"), questions=False)


async def test_letters_typed_right_after_o_filter_the_picker():
    """QA: 'o' then 'spi' typed fast left the filter empty (the letters ran as main-view keys or were dropped)."""
    app = xor_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await press_at_once(pilot, "o", "s", "p", "i")
        assert isinstance(app.screen, PresetPicker)
        assert app.screen.query_one("#filter").value == "spi"
        assert app.session.step_count == 0 and app.main.query_one("#lesson").hints_shown == 0  # no i: no hint


async def test_a_value_typed_right_after_w_is_applied_and_the_next_key_steps():
    app = xor_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await press_at_once(pilot, "w", "ctrl+u", "minus", "0", ".", "5", "enter", "n")
        assert isinstance(app.screen, MainScreen)
        assert app.session.network.layers[0].weights[0, 0] != 0.5402819  # edited, then the step updated it
        # the n after Enter reached the main view, not the closing dialog (its step may finish a moment later)
        assert await until(pilot, lambda: app.session.step_count == 1)
        notes = [n.message for n in app._notifications]
        assert any("= −0.5: forward pass redone" in m for m in notes)


async def test_keys_after_a_dialog_is_cancelled_reach_the_main_view_in_order():
    app = xor_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await press_at_once(pilot, "o", "x", "escape", "n", "n")
        assert isinstance(app.screen, MainScreen) and app.session.step_count == 2
        assert app.session.config.title == load_preset("xor").title


async def test_two_dialogs_typed_ahead_one_after_the_other():
    app = xor_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await press_at_once(pilot, "w", "escape", "o", "c", "h", "a", "i", "n")
        assert isinstance(app.screen, PresetPicker) and app.screen.query_one("#filter").value == "chain"
        assert not any(isinstance(s, EditWeightScreen) for s in app.screen_stack)


async def test_two_answers_at_one_step_typed_in_one_burst_both_count():
    """QA #2: n, −48 ⏎, ⏎, 3.48 ⏎ in one burst: the second answer was lost and the first scored wrong."""
    from tui_backprop.app.screens.question import QuestionScreen

    app = BackpropApp(load_preset("chain-two-weights"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("v")  # the lesson closed, as a learner at 80×24 does first
        await pilot.pause()
        await press_at_once(pilot, "n", "minus", "4", "8", "enter", "enter", "3", ".", "4", "8", "enter")
        assert await until(pilot, lambda: len(app.main.lesson_pane.answers) == 2)
        assert sorted(app.main.lesson_pane.answers.values()) == ["correct", "correct"], app.main.lesson_pane.answers
        assert isinstance(app.screen, QuestionScreen) and app.screen.revealed  # the second reveal, until Enter
        assert "Questions[/b]: 2 of 2 correct" in app.main.lesson_pane.text()


async def test_two_answers_typed_in_one_burst_into_an_open_question_both_count():
    """Keys typed after Enter reached the answer box before Enter's binding submitted it (−483.48: wrong)."""
    from tui_backprop.app.screens.question import QuestionScreen

    app = BackpropApp(load_preset("chain-two-weights"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("v", "n")
        assert await until(pilot, lambda: isinstance(app.screen, QuestionScreen) and app.type_ahead.ready())
        await press_at_once(pilot, "minus", "4", "8", "enter", "enter", "3", ".", "4", "8", "enter")
        assert await until(pilot, lambda: len(app.main.lesson_pane.answers) == 2)
        assert sorted(app.main.lesson_pane.answers.values()) == ["correct", "correct"], app.main.lesson_pane.answers


async def test_escape_and_a_key_read_as_one_alt_key_are_both_handled_in_order():
    """QA5 C5 / QA6 K15: Escape then n within Textual's escape delay (or in one packet over SSH) is parsed as
    "alt+n": the view stayed open and the run at step 0. The app binds no Alt keys: it is Escape, then n."""
    from textual import events

    from tui_backprop.app.screens.layer_stats import LayerStatsScreen

    app = xor_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("U")
        assert await until(pilot, lambda: isinstance(app.screen, LayerStatsScreen))
        for key, char in (("alt+n", "n"), ("n", "n")):  # as the parser sends "Escape n n"
            event = events.Key(key, char)
            event.set_sender(app)
            app._driver.send_message(event)
        assert await until(pilot, lambda: app.session.step_count == 2)
        assert isinstance(app.screen, MainScreen)
