"""Toasts never cover a dialog or the configuration form's fields (QA #14)."""

from textual.geometry import Region
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
        assert travel == ["Back at step 10 (from step 11), as it was then."], said


def visible(app, toast) -> bool:
    """The whole toast is on screen: its region is not clipped by the rack (at the rack's bottom rows)."""
    return app.screen.find_widget(toast).visible_region == toast.region


async def test_a_burst_of_keys_while_training_shows_the_newest_toast_whole():
    """QA6 B1: at 80×24, space then ⌫ d g at once stacked three toasts past the rack's rows: g's answer, the
    newest, was cut after a line or two (or not shown at all)."""
    from tests.conftest import press_at_once

    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("v")
        app.runner.max_steps_per_second = 200
        await pilot.press("space")
        assert await until(pilot, lambda: app.session.step_count > 20)
        await press_at_once(pilot, "backspace", "d", "g")
        assert await until(pilot, lambda: any("backprop agrees" in str(t.render()) for t in app.screen.query(Toast)))
        await pilot.pause(0.2)
        shown = list(app.screen.query(Toast))
        said = [str(t.render()) for t in shown]
        assert said[-1].startswith("Layer 1: backprop agrees with finite differences (max relative error"), said
        assert all(visible(app, t) for t in shown), [(s, t.region) for s, t in zip(said, shown)]
        assert any(s.startswith("New data from seed") for s in said), said
        curve = app.main.query_one("#curve").region
        assert all(curve.contains_region(t.region) for t in shown)  # over the curve still


async def test_the_oldest_toasts_make_way_for_the_newest_and_rows_are_counted_as_textual_draws_them():
    """A full rack: each new toast shows whole at the bottom; the oldest go, the rest stay. The rows counted
    before a toast is shown are the rows Textual gives it (fails if Textual changes how a Toast wraps)."""
    from tui_backprop.app.toast_place import toast_room, toast_rows

    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("v")
        await pilot.pause(0.3)
        width, rows = toast_room(app.screen)
        assert rows == app.main.toast_area[4] == 9  # the curve's inner rows at 80×24
        notes = [f"Note {i}: " + "a longer note that wraps onto more than one line " * (i % 3) for i in range(8)]
        for i, note in enumerate(notes):
            app.notify(note, timeout=60, title="Title" if i == 5 else "")
            await pilot.pause(0.1)
            shown = list(app.screen.query(Toast))
            said = [str(t.render()) for t in shown]
            assert said[-1].endswith(note), (note, said)
            assert all(visible(app, t) for t in shown), said
            assert sum(t.region.height for t in shown) <= rows
            firsts = [int(s.split("Note ")[1].split(":")[0]) for s in said]
            assert firsts == list(range(firsts[0], i + 1)), firsts  # the newest, in order: only the oldest went
            for toast in shown:
                assert toast_rows(toast._notification, width) == toast.region.height, str(toast.render())
        assert firsts[0] > 0  # some did go
        # a rack with room to spare keeps what it shows: one more short note drops none it does not need to
        before = len(shown)
        app.clear_notifications()
        await pilot.pause(0.1)
        app.notify("short", timeout=60)
        app.notify("short too", timeout=60)
        await pilot.pause(0.1)
        assert [str(t.render()) for t in app.screen.query(Toast)] == ["short", "short too"], before


async def test_a_toast_that_takes_the_place_of_another_leaves_no_gap_above_it():
    """Textual removed a replaced toast but not its holder, which kept its rows: the next toast showed two rows
    down the curve, and a full rack cut it off."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("v")
        await pilot.pause(0.3)
        app.notify_replacing("note", "A first note, long enough to wrap onto a second line at 80×24", timeout=60)
        await pilot.pause(0.2)
        app.notify_replacing("note", "its replacement", timeout=60)
        await pilot.pause(0.2)
        [toast] = app.screen.query(Toast)
        assert str(toast.render()) == "its replacement"
        assert toast.region.y == app.main.toast_area[1]  # the rack's first row


async def test_when_the_toasts_move_to_fewer_rows_the_newest_still_shows_whole():
    """v brings the lesson back at 80×24: the toasts leave the curve (9 rows) for the bottom left (fewer)."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("v")
        await pilot.pause(0.3)
        for i in range(4):  # two rows each: 8 of the curve's 9
            app.notify(f"Note {i}: a longer note that wraps onto more than one line", timeout=60)
        await pilot.pause(0.2)
        assert len(app.screen.query(Toast)) == 4
        await pilot.press("v")  # the lesson covers the panes
        await pilot.pause(0.3)
        assert app.main.toast_area[0] == "bottom" and app.main.toast_area[4] < 8
        shown = list(app.screen.query(Toast))
        said = [str(t.render())[:7] for t in shown]
        assert said == ["Note 1:", "Note 2:", "Note 3:"] and all(visible(app, t) for t in shown), said


HALT = ("In step 6: a gradient became NaN or infinite in layer 2 during the backward phase. Training paused. "
        "Try a smaller learning rate or smaller initial weights, then reset.")


async def test_beside_the_lesson_at_100x30_toasts_keep_to_the_curves_column():
    """QA6 K16: with the lesson open at 100×30 the curve is 24 columns wide and the toasts were 36, so every
    toast covered the network's inputs and first layer while it lasted. They keep to the curve's width now, and
    a stack taller than the curve reaches down over the boundary below it: the newest still shows whole."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        assert await until(pilot, lambda: getattr(app.main, "toast_area", None) == ("top", 1, 31, 22, 19))
        assert app.main.query_one("#side").display
        curve, boundary = (app.main.query_one(f"#{pane}").region for pane in ("curve", "boundary"))
        network = app.main.query_one("#diagram").region
        assert (curve.width, network.x) == (24, curve.right)  # the network starts where the curve ends
        column = Region(curve.x + 1, curve.y + 1, curve.width - 2, boundary.bottom - 2 - curve.y)
        assert app.main.toast_area == ("top", 1, 31, 22, 19)  # inside the curve's and the boundary's borders
        for note in (NOTE, "Layer 1: backprop agrees with finite differences (max relative error 2.3e−15)", HALT):
            app.notify(note, timeout=60)
            assert await until(pilot, lambda: [str(t.render()) for t in app.screen.query(Toast)][-1:] == [note])
            await pilot.pause(0.1)
            shown = list(app.screen.query(Toast))
            assert str(shown[-1].render()) == note and visible(app, shown[-1])
            assert all(column.contains_region(t.region) for t in shown), [t.region for t in shown]
            assert not any(t.region.overlaps(network) for t in shown)
        assert sum(t.region.height for t in shown) > curve.height - 2  # the stack went down over the boundary
