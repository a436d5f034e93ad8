"""The loss curve's keys take effect in the order typed, even in one burst (QA #1)."""

from tests.conftest import press_at_once, wait_until_stopped
from tui_backprop.app.app import BackpropApp
from tui_backprop.app.widgets.loss_curve import LossCurve
from tui_backprop.presets import load_preset


async def test_enter_then_space_at_once_goes_back_before_the_run_starts():
    """Enter at the cursor then space within a few ms ran forward from step 10: the go-to came after space."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        app.session.run(10)
        app.main.publish_now()
        curve = app.query_one(LossCurve)
        curve.focus()
        await pilot.press("home", "right", "right")
        assert curve.cursor == 2  # the third point: step 3
        await press_at_once(pilot, "enter", "space")
        messages = [n.message for n in app._notifications]
        assert any("Back at step 3 (from step 10)" in m for m in messages), messages
        assert not any(m.startswith("Pausing") for m in messages), messages
        assert app.runner.running  # space came second: it runs on from step 3
        await pilot.press("space")
        await wait_until_stopped(pilot, app)


async def test_the_readout_keeps_its_rows_so_the_plot_keeps_its_height():
    """QA #12: the readout took 1, 2 or 3 lines as the cursor moved (a step, a bucket with its range, the test
    loss), so the plot jumped between heights; at 80×24 it shrank to 3 rows."""
    from tests.conftest import until

    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")  # the lesson closed: the curve is on screen
        app.session.run(20_000)  # single steps at both ends, buckets with their range between, test losses
        app.main.publish_now()
        curve = app.query_one(LossCurve)
        assert await until(pilot, lambda: curve.has_figure)
        curve.focus()
        await pilot.press("home")
        tops, kinds = set(), set()
        for _ in range(14):
            await pilot.pause()
            lines = curve.render().plain.splitlines()
            top = next(i for i, line in enumerate(lines) if "┌" in line)  # the plot's frame
            tops.add(top)
            kinds.add(lines[0].split(" ")[0])  # "step" or "steps"
            assert len(lines) - top >= 6, lines  # the plot keeps its rows
            await pilot.press("pagedown")
        assert kinds == {"step", "steps"}, kinds
        assert len(tops) == 1, tops


async def test_enter_while_running_pauses_then_goes_to_the_step():
    """Enter on the curve while the run went on only paused it ("press Enter again"): now it goes there too."""
    from tests.conftest import until

    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        app.session.run(10)
        app.main.publish_now()
        curve = app.query_one(LossCurve)
        curve.focus()
        await pilot.press("home", "right", "right")  # the third point: step 3
        app.runner.max_steps_per_second = 2
        await pilot.press("space")
        assert await until(pilot, lambda: app.session.step_count > 10)
        await pilot.press("enter")
        await wait_until_stopped(pilot, app)
        assert await until(pilot, lambda: app.session.step_count == 3)
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("Training paused to go to that step (space resumes it). Back at step 3 (from step 1")
                   for m in messages), messages
        assert not app.runner.running


async def test_going_back_from_a_step_half_run_names_that_step_and_its_phase():
    """QA6 K5: Enter on the curve from a run halted in step 6's backward pass said "(from step 5)"."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        app.session.run(10)
        app.main.publish_now()
        await pilot.press("p", "p")  # step 11's first two phases
        assert app.session.in_step and app.session.step_count == 10
        phase = app.session.last_phase
        curve = app.query_one(LossCurve)
        curve.focus()
        await pilot.press("home", "right", "right", "enter")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any(f"Back at step 3 (from step 11, run through {phase})" in m for m in messages), messages
        assert app.session.step_count == 3 and not app.session.in_step


async def test_going_back_undoes_a_typed_weight_and_says_so():
    """QA7 C4: ⌫ after typing a weight undid it without a word ("… back at step 0 done")."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.session.set_parameter(0, 0, 0, 2.0)  # as w does
        app.session.advance_phase()
        app.main.publish_now()
        assert app.session.weights_edited and app.session.in_step
        await pilot.press("backspace")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        said = next(m for m in messages if "undone" in m)
        assert said.startswith("Step 1's phases undone") and "back at the start." in said, said
        assert said.endswith("The weight typed by hand is undone too."), said
        assert not app.session.weights_edited


async def test_with_the_readout_the_log_labels_stay_an_equal_number_of_rows_apart():
    """QA5 K9: xor after 49,497 steps (log scale, auto), cursor on at 80×24: the readout's two lines leave the
    plot 4 rows and its 3 labels went to rows 4, 3 and 1 (`0.996` / `0.0085` / blank / `7e−5`). Now each row
    has its label, the value that row stands for (7e−5 × (0.996 / 7e−5)^(i/3): 0.0017, 0.042)."""
    from tests.conftest import until

    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v")  # the lesson closed: the curve is on screen
        app.session.run(49_497)
        app.main.publish_now()
        curve = app.query_one(LossCurve)
        assert await until(pilot, lambda: curve.has_figure)
        curve.focus()
        await pilot.press("left")
        await pilot.pause()
        lines = curve.render().plain.splitlines()
        assert lines[0] == "step 49,496: loss 0.0002369"
        top = next(i for i, line in enumerate(lines) if "┌" in line)
        bottom = next(i for i, line in enumerate(lines) if "└" in line)
        rows = lines[top + 1:bottom]
        assert len(rows) == 4
        labels = [row.split("┤")[0].strip() if "┤" in row else None for row in rows]
        assert labels == ["0.996", "0.042", "0.0017", "7e−5"], labels
