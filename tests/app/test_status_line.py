"""The status line at 80 columns: lr and the speed level stay (QA 4), the test loss says it is a loss (QA 5),
a replay shows the step it has reached beside its loss (QA 16), losses keep their 4 digits (QA 7)."""

import dataclasses
import re

import numpy as np

from tests.conftest import until
from tui_backprop.app.app import BackpropApp
from tui_backprop.app.widgets.status import fitted
from tui_backprop.core.figures import MINUS, measured
from tui_backprop.presets import load_preset


def status_text(app) -> str:
    return app.query_one("#status").render().plain


async def test_lr_and_speed_stay_visible_at_80_columns_once_test_figures_appear():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")  # one epoch: the test loss and accuracy appear
        assert await until(pilot, lambda: not app.runner.running and app.session.test_loss is not None, 5.0)
        await pilot.pause()
        snap = app.session.snapshot()
        status = status_text(app)
        assert f"test acc {snap.accuracy:.0%}" in status and "lr 0.1" in status, status
        assert "100 steps/s" in status, status
        await pilot.press("full_stop", "plus")  # the keys the QA pressed: both must show
        await pilot.pause()
        status = status_text(app)
        assert "lr 0.3" in status and "300 steps/s" in status, status
        assert f"step {snap.step:,}" in status and f"loss {measured(snap.loss)}" in status, status


async def test_a_long_running_line_keeps_state_step_losses_lr_and_speed_at_80_columns():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        assert await until(pilot, lambda: not app.runner.running and app.session.test_loss is not None, 5.0)
        snap = dataclasses.replace(app.session.snapshot(), step=352_500, epoch=35_250, running=True,
                                   steps_per_second=23_456.0, speed_limit=None, loss=0.146, test_loss=0.488,
                                   accuracy=0.92, pause_after="none")
        status = app.query_one("#status")
        status.show(snap)
        text = status.render().plain
        # the accuracy, which lessons point to in the status line, outlasts the test loss (it has its curve)
        assert text == "● running  step 352,500  batch loss 0.1460  test acc 92%  lr 0.1  full speed", text
        assert len(text) <= status.size.width
        # pausing after backward changes what space does: it stays, shorter, before the test loss
        status.show(dataclasses.replace(snap, pause_after="backward"))
        assert status.render().plain == "● running  step 352,500  loss 0.1460  lr 0.1  full speed  pauses after bwd"
        wide = snap
        await pilot.resize_terminal(160, 30)
        await pilot.pause()
        status.show(wide)
        assert status.render().plain == ("● running  step 352,500 done  epoch 35,250  batch loss 0.1460  "
                                         "test loss 0.4880 (step 10)  test acc 92% (step 10)  lr 0.1  full speed (, .)  "
                                         "23,456 steps/s")


async def test_chain_two_weights_keeps_its_pause_setting_and_lr_at_80_columns():
    """QA: "pauses after backward" went once the loss was long (batch loss C 6.548e−16)."""
    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")  # the lesson pauses after backward: the phase says where, the setting is not repeated
        status = app.query_one("#status")
        # parts given up to fit take back the room left over ("batch", the keys hint)
        assert status.render().plain == "● paused  step 1: backward L1 done  batch loss C 18  lr 0.01  3 steps/s (, .)"
        status.show(dataclasses.replace(app.runner.snapshot(), loss=6.548e-16))  # QA: near convergence
        assert status.render().plain == f"● paused  step 1: backward L1 done  batch loss C 6.548e{MINUS}16  lr 0.01  3 steps/s"
        assert "pauses after" not in status.render().plain
        await pilot.press("p")  # the update: step 1 done
        snap = dataclasses.replace(app.runner.snapshot(), loss=6.548e-16)  # stamped with the speed level
        status.show(snap)
        text = status.render().plain
        assert text == f"● paused  step 1  loss C 6.548e{MINUS}16  lr 0.01  3 steps/s  pauses after backward", text


async def test_a_far_replay_shows_the_step_it_has_reached_beside_its_loss():
    """QA: "● replaying to step 39,168 (space stops)  batch loss 2.631e−11" was the loss of the step it left."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.session.run(20_000)
        app.main.publish_now()
        status = app.query_one("#status")
        left = app.session.snapshot()
        app.main.go_to_step(16_000)  # Enter on the curve: 16,000 steps of replay from step 0
        assert await until(pilot, lambda: "replaying" in status.render().plain
                           and app.main._shown.step < 20_000, 20.0)
        shown = app.main._shown  # the snapshot on screen
        text = status.render().plain
        assert text.startswith("● replaying to step 16,000 (space stops)"), text
        assert f"step {shown.step:,}" in text and f"loss {measured(shown.loss)}" in text, text
        assert f"{shown.step:,}" != f"{left.step:,}" and "steps/s (, .)" not in text  # the level is not the replay's
        await pilot.press("space")
        assert await until(pilot, lambda: not app.runner.running, 20.0)


def lessons_pointing_to_accuracy_in_the_status_line() -> list[str]:
    import re

    from tui_backprop.presets import list_presets

    return [p.name for p in list_presets() if p.origin == "shipped" and re.search(
        r"accuracy in the status line|status line shows [^.]*accuracy", " ".join(p.lesson.split()))]


def test_the_lessons_that_point_to_the_status_lines_accuracy_are_found():
    assert {"circle", "digits", "gauss", "spiral-3-classes"} <= set(lessons_pointing_to_accuracy_in_the_status_line())


async def test_where_a_lesson_points_to_the_accuracy_in_the_status_line_it_is_there_at_80_columns():
    for name in lessons_pointing_to_accuracy_in_the_status_line():
        app = BackpropApp(load_preset(name), questions=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("v", "full_stop", "full_stop", "full_stop", "e")  # one epoch, at any lesson speed
            assert await until(pilot, lambda: not app.runner.running and app.session.accuracy is not None, 20.0)
            await pilot.pause()
            assert f"acc {app.session.accuracy:.0%}" in status_text(app), (name, status_text(app))


async def test_the_smallest_learning_rate_has_a_real_minus():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v", *["minus"] * 8)  # 0.1 → … → 1e−5, the bottom of the list
        assert app.session.learning_rate == 1e-5
        assert f"lr 1e{MINUS}5 " in status_text(app) and "1e-05" not in status_text(app), status_text(app)


async def test_a_test_loss_from_an_earlier_epoch_end_says_its_step_where_there_is_room():
    """QA2 #8: at step 905 the status said "test loss 0.2097", the test loss of step 900."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.press("v", "e", *["n"] * 5)  # an epoch (10 steps), then 5 steps into the next
        assert await until(pilot, lambda: not app.runner.running and app.session.step_count == 15, 5.0)
        await pilot.pause()
        assert f"test loss {measured(app.session.test_loss)} (step 10)" in status_text(app), status_text(app)
        await pilot.press("e")  # at an epoch end the test loss is the step's own
        assert await until(pilot, lambda: not app.runner.running and app.session.step_count == 20, 5.0)
        await pilot.pause()
        assert f"test loss {measured(app.session.test_loss)}  " in status_text(app), status_text(app)


async def test_the_accuracy_says_the_step_it_was_measured_at_as_the_test_loss_does():
    """The accuracy comes from the last epoch end too: mid-epoch it says "(step 10)", at the epoch end nothing."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.press("v", "e", *["n"] * 5)  # an epoch (10 steps), then 5 steps into the next
        assert await until(pilot, lambda: not app.runner.running and app.session.step_count == 15, 5.0)
        await pilot.pause()
        acc = f"test acc {app.session.accuracy:.0%}"
        assert f"test loss {measured(app.session.test_loss)} (step 10)  {acc} (step 10)" in status_text(app)
        await pilot.resize_terminal(80, 24)  # no room for the test loss: the accuracy keeps its mark
        await pilot.pause()
        assert f"{acc} (step 10)" in status_text(app) and "test loss" not in status_text(app), status_text(app)
        await pilot.press("e")  # at an epoch end both are the step's own
        assert await until(pilot, lambda: not app.runner.running and app.session.step_count == 20, 5.0)
        await pilot.pause()
        assert f"{acc[:9]}{app.session.accuracy:.0%}  " in status_text(app), status_text(app)


def marks(text: str) -> dict[str, bool]:
    """Each end-of-epoch figure on the line: whether it says the step it was measured at."""
    return {m[1]: bool(m[2]) for m in re.finditer(r"(test loss|test acc) \S+( \(step [\d,]+\))?", text)}


async def test_the_test_loss_and_accuracy_are_never_left_one_marked_one_not():
    """Paused, a test loss beside a later step always says its step; running, the two marks go together."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        assert await until(pilot, lambda: not app.runner.running and app.session.test_loss is not None, 5.0)
        status = app.query_one("#status")
        seen = set()
        for running in (False, True):
            snap = dataclasses.replace(app.session.snapshot(), step=1_578, epoch=157, running=running,
                                       steps_per_second=98.0, loss=0.2402, test_loss=0.31, accuracy=0.91,
                                       test_steps=np.array([1_570]), accuracy_steps=np.array([1_570]))
            for width in range(58, 159):
                text = fitted(status.parts(snap), ("",), width, running).plain
                shown = marks(text)
                seen.add(tuple(sorted(shown.items())))
                assert len(set(shown.values())) <= 1, (width, text)
                if not running and "test loss" in shown:
                    assert shown["test loss"], (width, text)
        assert (("test acc", True), ("test loss", True)) in seen and (("test acc", False),) in seen


async def test_a_running_line_keeps_the_epoch_at_80_columns():
    """The epoch went first of all: at 80 columns a running xor never showed it. Now the step's "done", the
    keys hint, "batch", the end-of-epoch marks and the test loss give way before it."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        assert await until(pilot, lambda: not app.runner.running and app.session.test_loss is not None, 5.0)
        status = app.query_one("#status")
        snap = dataclasses.replace(app.session.snapshot(), step=578, epoch=57, running=True, steps_per_second=98.0, speed_limit=100,
                                   loss=0.2402, test_loss=0.31, accuracy=0.91, test_steps=np.array([570]),
                                   accuracy_steps=np.array([570]))
        status.show(snap)
        text = status.render().plain
        assert text == "● running  step 578  epoch 57  loss 0.2402  test acc 91%  lr 0.1  100 steps/s", text
        await pilot.press("space")  # and a real run shows it too
        assert await until(pilot, lambda: "epoch" in status_text(app) and app.runner.running, 5.0), status_text(app)
        await pilot.press("space")
        assert await until(pilot, lambda: not app.runner.running, 5.0)


def test_one_step_a_second_is_singular():
    """QA6 K12: the slowest level read '1 steps/s (, .)'."""
    from tui_backprop.training.runner import per_second, speed_text

    assert speed_text(1.0) == "1 step/s" and speed_text(3000.0) == "3,000 steps/s" and speed_text(None) == "full speed"
    assert per_second(1.2) == "1 step/s" and per_second(0.5) == "0.5 steps/s" and per_second(21360.4) == "21,360 steps/s"


async def test_the_first_frame_of_a_far_replay_shows_the_state_it_replays_from_not_the_one_it_left():
    """QA6 C4: "● replaying to step 62,208 (space stops)  step 192,200  loss 0.002141", the step the run left
    and its loss, then "step 49,153 …" (the kept state the replay starts from)."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.session.run(20_000)
        app.main.publish_now()
        status = app.query_one("#status")
        shown = []
        show = app.main.show_snapshot

        def seen(snap):
            show(snap)
            shown.append((snap.step, status.render().plain))

        app.main.show_snapshot = seen
        app.main.go_to_step(16_000)  # 16,000 steps of replay from step 0
        assert await until(pilot, lambda: any("replaying" in text for _, text in shown), 20.0)
        await pilot.press("space")
        assert await until(pilot, lambda: not app.runner.running, 20.0)
        replaying = [(step, text) for step, text in shown if "replaying" in text]
        assert replaying and all(step < 16_000 for step, _ in replaying), replaying
