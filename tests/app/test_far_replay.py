"""A far step back replays in the training worker: the UI stays live, the status says so, space stops it exactly."""

from tests.conftest import assert_same_state, preset_session, until
from tui_backprop.app.app import BackpropApp
from tui_backprop.app.training_controls import FAR_REPLAY
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
        assert "● replaying to step 16,000 (space stops)" in app.query_one("#status").render().plain
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
