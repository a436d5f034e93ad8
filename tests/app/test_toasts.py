"""Toasts never cover a dialog or the configuration form's fields (QA #14)."""

from textual.widgets._toast import Toast, ToastRack

from tests.conftest import until
from tui_backprop.app.app import BackpropApp
from tui_backprop.app.screens.question import QuestionScreen
from tui_backprop.presets import load_preset

NOTE = "w[1,1] of layer 1 = 0.540282: forward pass redone, loss 0.7544 (was 0.7544)"


def toasts(screen) -> list:
    return [t.region for t in screen.query(Toast) if t.region]


async def test_toasts_go_above_a_question_and_its_reveal_not_under_it():
    """Over the graph view (toasts at the bottom left) a question's toast covered its last rows, and the main
    view's copy showed through on both sides of the dialog."""
    app = BackpropApp(load_preset("chain-two-weights"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("v", "G")  # the graph covers the panes: the main view's toasts go to the bottom left
        await pilot.pause(0.3)
        assert app.main.toast_area[0] == "bottom"
        app.notify(NOTE, timeout=60)
        await pilot.press("n")
        assert await until(pilot, lambda: isinstance(app.screen, QuestionScreen) and toasts(app.screen))
        await pilot.pause(0.3)
        for answer in ("-48", None):  # the question, then its (taller) reveal
            dialog = app.screen.query_one("Vertical").region
            shown = toasts(app.screen)
            assert shown and not any(t.overlaps(dialog) for t in shown), (shown, dialog)
            assert not any(rack.display for rack in app.main.query(ToastRack))  # no copy under the dialog
            if answer:
                await pilot.press(*answer, "enter")
                assert await until(pilot, lambda: app.screen.revealed)
                await pilot.pause(0.3)
        await pilot.press("enter", "escape", "enter")  # both questions closed: the main view shows its toast again
        assert await until(pilot, lambda: app.screen is app.main and toasts(app.main))


async def test_toasts_over_the_configuration_form_leave_its_fields_free():
    """At 80×24 the weight-edit toast covered the form's Output activation select for seconds."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("c")
        await pilot.pause(0.3)
        app.notify(NOTE, timeout=60)
        await pilot.pause(0.3)
        shown = toasts(app.main)
        fields = [w.region for w in app.main.query("#config Input, #config Select") if w.region]
        assert shown and fields
        assert not any(t.overlaps(f) for t in shown for f in fields), shown
        await pilot.press("escape")  # the form closed: over the curve again
        await pilot.pause(0.3)
        curve = app.main.query_one("#curve").region
        assert all(curve.contains_region(t) for t in toasts(app.main)), (toasts(app.main), curve)


async def test_twenty_quick_step_backs_leave_one_toast_saying_where_the_run_is():
    from tests.conftest import press_at_once

    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("v", *["n"] * 30)
        await press_at_once(pilot, *["backspace"] * 20)
        await pilot.pause(0.3)
        assert app.session.step_count == 10  # every press counted
        said = [str(toast.render()) for toast in app.screen.query(Toast)]
        travel = [text for text in said if "step" in text]
        assert travel == ["Back at step 10 (from step 11): the exact state then"], said
