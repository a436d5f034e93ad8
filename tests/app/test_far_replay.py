"""A far step back replays in the training worker: the UI stays live, the status says so, space stops it exactly."""

import pytest

from tests.conftest import assert_same_state, preset_session, until
from tui_backprop.app.app import BackpropApp
from tui_backprop.app.training_controls import FAR_REPLAY
from tui_backprop.app.widgets.loss_curve import LossCurve
from tui_backprop.presets import load_preset


async def test_a_far_step_is_replayed_in_the_worker_and_is_exact():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(120, 30)) as pilot:
        app.session.run(20_000)  # kept: step 0, 16,384 and the recent past
        app.main.publish_now()
        assert app.session.replay_distance(3_000) > FAR_REPLAY
        app.main.go_to_step(3_000)  # Enter on the curve at step 3,000
        assert await until(pilot, lambda: app.runner.replaying_to == 3_000, 20.0)
        assert app.runner.running  # keys that need a pause wait; space would stop it
        assert await until(pilot, lambda: not app.runner.running, 20.0)
        await pilot.pause()
        assert app.session.step_count == 3_000
        assert any("Back at step 3,000 (from step 20,000)" in n.message for n in app._notifications)
        assert "step 3,000 done" in app.query_one("#status").render().plain
        assert_same_state(preset_session("xor", 3_000), app.session)


async def test_space_stops_a_far_replay_at_an_exact_step_and_the_status_says_replaying():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(120, 30)) as pilot:
        app.session.run(20_000)
        app.main.publish_now()
        app.main.go_to_step(16_000)  # 16,000 steps of replay from step 0
        await pilot.pause()
        assert app.runner.running  # (well before 16,000 steps)
        # (drawn once the kept state it replays from is loaded, a few ms later)
        assert await until(pilot, lambda: "● replaying to step 16,000 (space stops)" in
                           app.query_one("#status").render().plain)
        await pilot.press("space")
        assert await until(pilot, lambda: not app.runner.running, 20.0)
        assert app.runner.paused_at - app.runner.pause_requested_at < 0.5  # within a step or so of the key
        await pilot.pause()
        stopped = app.session.step_count
        assert stopped < 16_000 and not app.session.in_step
        assert any(f"Replay stopped at step {stopped:,}" in n.message for n in app._notifications)
        assert "replaying" not in app.query_one("#status").render().plain
        assert_same_state(preset_session("xor", stopped), app.session)
        await pilot.press("space")  # trains on from there as usual
        assert await until(pilot, lambda: app.session.step_count > stopped + 100, 20.0)
        await pilot.press("space")
        assert await until(pilot, lambda: not app.runner.running, 20.0)


async def test_a_short_step_back_stays_immediate():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(120, 30)) as pilot:
        app.session.run(5_000)
        app.main.publish_now()
        await pilot.press("backspace")
        assert app.session.step_count == 4_999 and not app.runner.running


def slow_replay(session, seconds: float = 0.02) -> None:
    """Each of the replay's chunks takes ``seconds`` more (a step or two a chunk): a key pressed during it
    finds it still going on, however fast the machine."""
    import time

    replay_to = session.replay_to

    def slowly(*args, **kwargs):
        time.sleep(seconds)
        return replay_to(*args, **kwargs)

    session.replay_to = slowly


async def replaying(pilot, app, after: int, step: int, kept: int = 0) -> None:
    """``after`` steps, then Enter on the curve at ``step`` (far): a slowed replay from the kept step ``kept``
    under way, some steps into it."""
    app.session.run(after)
    app.main.publish_now()
    slow_replay(app.session)
    app.main.go_to_step(step)
    assert await until(pilot, lambda: app.runner.replaying_to == step and kept + 3 < app.session.step_count < step,
                       20.0)


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


@pytest.mark.parametrize("key", ["n", "p", "e"])
async def test_n_p_e_during_a_replay_say_the_replay_stopped_and_what_the_key_did(key):
    """QA6 C4: n during a replay said "Training paused for one step (space resumes it)": nothing was training,
    and space trains on rather than go on with the replay."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await replaying(pilot, app, 20_000, 16_000)
        await pilot.press(key)
        assert await until(pilot, lambda: not app.runner.running and any(" run: " in m or " taken: " in m
                                                                          for m in notes(app)))
        await pilot.pause(0.2)
        now, per_epoch = app.session.step_count, app.session.steps_per_epoch
        stopped = {"n": now - 1, "p": now}.get(key)
        done = {"n": f"One step taken: step {now:,}.", "p": f"One phase run: step {now + 1:,}'s forward L1.",
                "e": f"One epoch run: step {now:,}."}[key]
        [said] = notes(app)
        if key == "e":
            assert now % per_epoch == 0
            stopped = int(said.split("stopped at step ")[1].split(".")[0].replace(",", ""))
            assert now - per_epoch <= stopped < now  # (a replay stopped on an epoch's end: e runs the next whole)
        assert said == f"Replay to step 16,000 stopped at step {stopped:,}. {done}"


async def test_enter_during_a_replay_says_where_that_replay_stopped_and_where_this_one_goes():
    """QA6 C4: a second Enter said "Training paused to go to that step (space resumes it)" and nothing of the
    first replay, stopped on the way."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await replaying(pilot, app, 20_000, 16_000)
        app.main.query_one(LossCurve).focus()
        await pilot.press("home", "enter")  # the curve's first point, step 1: near the kept step 0, at once
        assert await until(pilot, lambda: not app.runner.running and app.session.step_count == 1)
        await pilot.pause(0.2)
        [said] = notes(app)
        assert said.startswith("Replay to step 16,000 stopped at step ") and "(space resumes it)" not in said, said
        stopped = int(said.split("stopped at step ")[1].split(".")[0].replace(",", ""))
        assert 3 < stopped < 16_000
        assert said.endswith(f". Back at step 1 (from step {stopped:,}), as it was then. Steps 2–{stopped:,} are dropped."), said


async def test_enter_far_during_a_replay_says_at_once_where_that_replay_stopped_and_where_this_one_goes():
    """QA6 C4: Enter at step 15,040 during a replay to 62,208 said nothing of the first replay, and only once the
    second had ended, "Training paused to go to that step (space resumes it). Replay stopped at step 16 …"."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await replaying(pilot, app, 40_000, 34_000, kept=32_768)  # kept: 0, 16,384, 32,768 and the recent past
        # Enter on the curve at step 12,000, as action_go_to_curve_step does it (far from step 0: a replay)
        paused = await app.main.pause_first("to go to that step")
        stopped = app.session.step_count
        app.main.go_to_step(12_000, paused)
        assert app.runner.replaying_to == 12_000
        await pilot.pause(0.2)
        assert notes(app) == [f"Replay to step 34,000 stopped at step {stopped:,}. Going to step 12,000 (space stops)."]
        await pilot.press("space")  # space stops this one: its own toast, as before
        assert await until(pilot, lambda: not app.runner.running, 20.0)
        await pilot.pause(0.2)
        now = app.session.step_count
        assert now < 12_000
        assert notes(app) == [f"Replay stopped at step {now:,} (on the way to 12,000), as it was then. "
                              f"Steps {now + 1:,}–{stopped:,} are dropped."]  # the run forks there (QA7 C5)


async def test_a_step_it_cannot_go_to_is_said_as_a_sentence():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.session.run(10)
        app.main.publish_now()
        app.main.go_to_step(50)
        await pilot.pause(0.1)
        assert notes(app) == ["Step 50 is not in this run (0 to 10)"]
