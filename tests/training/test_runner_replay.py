"""Going back by a replay in the runner's worker: exact, published as "replaying", stopped by a pause."""

import asyncio

from tests.conftest import assert_same_state, preset_session
from tui_backprop.training.runner import Runner


def test_a_replay_in_the_worker_reaches_the_exact_step_and_is_published_as_replaying():
    session = preset_session("xor", 20_000, headless=True)
    snaps = []
    runner = Runner(session, snaps.append, fps=1000, chunk_seconds=0.002)
    reached = asyncio.run(runner.replay(6_000))
    assert reached and session.step_count == 6_000 and not runner.running and runner.replaying_to is None
    assert_same_state(preset_session("xor", 6_000, headless=True), session)
    during = [s for s in snaps if s.running]
    assert during and all(s.replaying_to == 6_000 and s.state_word == "replaying" for s in during)
    assert snaps[-1].replaying_to is None and snaps[-1].state_word == "paused" and snaps[-1].step == 6_000


def test_a_pause_stops_a_replay_at_the_exact_state_of_the_step_it_got_to():
    session = preset_session("xor", 20_000, headless=True)
    runner = Runner(session, fps=1000, chunk_seconds=0.002)

    async def go():
        task = asyncio.ensure_future(runner.replay(16_000))
        while session.step_count in (0, 20_000):  # until the replay from step 0 is under way
            await asyncio.sleep(0.001)
        runner.pause()
        return await task

    assert asyncio.run(go()) is False
    stopped = session.step_count
    assert 0 < stopped < 16_000 and not runner.running and runner.last_stop_reason == "requested"
    assert_same_state(preset_session("xor", stopped, headless=True), session)
    session.go_to_step(stopped)  # the states kept on the way are right too
    session.run(500)
    assert_same_state(preset_session("xor", stopped + 500, headless=True), session)


def test_a_change_asked_for_during_a_replay_waits_for_its_end():
    # The replay retraces the exact past: a new learning rate mid-way would change the steps it replays.
    session = preset_session("xor", 20_000, headless=True)
    runner = Runner(session, fps=1000, chunk_seconds=0.002)

    async def go():
        task = asyncio.ensure_future(runner.replay(8_000))
        while session.step_count in (0, 20_000):
            await asyncio.sleep(0.001)
        runner.call_between_steps(lambda s: s.set_learning_rate(0.5))
        assert session.learning_rate == 0.1
        return await task

    assert asyncio.run(go()) is True
    assert session.step_count == 8_000 and session.learning_rate == 0.5
    session.set_learning_rate(0.1)
    assert_same_state(preset_session("xor", 8_000, headless=True), session)
