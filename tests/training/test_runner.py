import pytest
"""The async runner: never blocks the event loop, publishes at a capped rate, pauses within a step."""

import asyncio
import time

import numpy as np

from tests.conftest import inline_config
from tui_backprop.training import Session
from tui_backprop.training.runner import Runner
from tests.conftest import preset_session


def xor_session(**training):
    return preset_session("xor", **training)


async def _run_for(runner, seconds, on_tick=None):
    """Start the runner, keep another coroutine ticking, pause after ``seconds``."""
    ticks = 0
    task = runner.start()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        await asyncio.sleep(0.005)
        ticks += 1
        if on_tick:
            on_tick(ticks)
    steps_at_request = runner.session.step_count
    runner.pause()
    reason = await task
    return reason, ticks, steps_at_request


@pytest.mark.flaky(reruns=2)
def test_runs_without_blocking_the_loop_and_publishes_at_a_capped_rate():
    session = xor_session()
    snaps = []
    runner = Runner(session, snaps.append, fps=20)
    reason, ticks, _ = asyncio.run(_run_for(runner, 0.6))
    assert reason == "requested"
    # the other coroutine kept ticking: 5 ms sleeps for 0.6 s is ~120 ticks if never blocked
    assert ticks >= 40, ticks
    assert session.step_count > 200
    # at most fps·seconds snapshots (+ the final one), far fewer than steps
    assert 2 <= len(snaps) <= 0.6 * 20 + 3
    assert len(snaps) * 20 < session.step_count
    steps = [s.step for s in snaps]
    assert steps == sorted(steps)
    assert snaps[-1].running is False and snaps[-1].step == session.step_count
    assert all(s.running for s in snaps[:-1])
    assert runner.running is False and runner.last_stop_reason == "requested"


@pytest.mark.flaky(reruns=2)
def test_pause_takes_effect_within_one_step():
    session = xor_session()
    runner = Runner(session, fps=10)
    reason, _, steps_at_request = asyncio.run(_run_for(runner, 0.3))
    assert reason == "requested"
    assert runner.pause_requested_at is not None and runner.paused_at is not None
    assert 0 <= runner.paused_at - runner.pause_requested_at < 0.1
    assert session.step_count - steps_at_request <= 1  # at most the step that was running
    assert not session.in_step  # paused between whole steps
    paused_weights = session.network.params.copy()
    time.sleep(0.02)
    assert np.array_equal(session.network.params, paused_weights)  # nothing runs after the pause


def test_runner_matches_a_plain_run():
    """Driven by the runner in chunks, the loss history is bit-identical to session.run."""
    session = xor_session()
    runner = Runner(session, fps=50)
    asyncio.run(_run_for(runner, 0.2))
    n = session.step_count
    plain = xor_session()
    plain.run(n)
    assert np.array_equal(session.history.train.arrays()[1], plain.history.train.arrays()[1])
    assert np.array_equal(session.network.params, plain.network.params)


def test_call_between_steps_applies_at_a_step_boundary():
    session = xor_session()
    runner = Runner(session, fps=10)
    seen = []

    def change(s):
        seen.append((s.next_phase, s.step_count))
        s.set_learning_rate(0.5)

    def on_tick(ticks):
        if ticks == 10:
            runner.call_between_steps(change)

    asyncio.run(_run_for(runner, 0.3, on_tick))
    assert len(seen) == 1
    assert seen[0][0] == "forward L1" and seen[0][1] > 0
    assert session.learning_rate == 0.5
    assert session.config.training.learning_rate == 0.5


def test_call_between_steps_when_idle_applies_at_once():
    session = xor_session()
    runner = Runner(session)
    runner.call_between_steps(lambda s: s.set_learning_rate(0.25))
    assert session.learning_rate == 0.25


def test_runner_stops_at_the_pause_point():
    session = xor_session(pause_after="backward")
    snaps = []
    runner = Runner(session, snaps.append)

    async def go():
        return await runner.start()

    assert asyncio.run(go()) == "pause point"
    assert session.last_phase == "backward L1" and session.step_count == 0
    assert snaps[-1].paused_after_backward
    assert asyncio.run(go()) == "pause point"  # applies the update, then stops after the next backward
    assert session.step_count == 1


def test_runner_stops_on_nan_and_reports_it():
    session = Session(inline_config([[1.0]], [[2.0]], [[4.0]], learning_rate=100.0))
    snaps = []
    runner = Runner(session, snaps.append)

    async def go():
        return await runner.start()

    assert asyncio.run(go()) == "halted"
    assert snaps[-1].halted is not None and snaps[-1].halted.phase == "loss"
    assert snaps[-1].state_word == "halted"


def test_pause_at_one_step_a_second_ends_the_wait_for_the_next_step():
    """The slowest level waited out its second before the pause took effect: space seemed to do nothing."""
    async def go():
        runner = Runner(xor_session(), fps=20)
        runner.max_steps_per_second = 1
        task = runner.start()
        while runner.session.step_count < 1:
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)  # waiting for the next step's turn
        t0 = time.perf_counter()
        runner.pause()
        await task
        return time.perf_counter() - t0, runner.session.step_count

    took, steps = asyncio.run(go())
    assert steps == 1 and took < 0.2, (took, steps)
