"""Step back on long runs: the kept states grow with the log of the run, far ones packed, and stay exact."""

import numpy as np
import pytest

from tests.conftest import assert_same_state, preset_session
from tui_backprop.training import packed
from tui_backprop.training.timeline import Timeline


class FakeSession:
    """What ``Timeline.keep`` reads, with a state shaped like a real one: a few weights and a loss history
    whose older part stays as it was while its newest quarter changes (a million steps in a second, no training)."""

    HISTORY = 4096

    def __init__(self):
        self.step_count = 0
        self.in_step = False
        self.phases_done = ()
        self._history = np.random.default_rng(0).random(self.HISTORY)

    def advance(self, steps: int) -> None:
        self.step_count += steps
        self._history[-self.HISTORY // 4 :] = np.random.default_rng(self.step_count).random(self.HISTORY // 4)

    def state_dict(self) -> dict:
        return {"step_count": self.step_count, "params": np.full(17, float(self.step_count)),
                "history": {"y": self._history.copy(), "weights": np.ones(self.HISTORY)}}


def drive(timeline: Timeline, session: FakeSession, until: int) -> None:
    while session.step_count < until:
        session.advance(Timeline.EVERY)
        timeline.keep(session)


def test_the_interval_is_a_power_of_two_times_every_and_never_shrinks_with_age():
    ages = [*range(0, 40_000, 7), *(int(1.37**k) for k in range(20, 60))]
    intervals = [Timeline.interval(a) for a in sorted(ages)]
    assert all(b >= a for a, b in zip(intervals, intervals[1:]))
    assert all(i % Timeline.EVERY == 0 and i & (i - 1) == 0 for i in intervals)
    assert Timeline.interval(Timeline.RECENT) == Timeline.EVERY
    assert Timeline.interval(100_000) == Timeline.LONGEST
    assert Timeline.interval(10_000_000) <= 10_000_000 // Timeline.FAR  # a far replay: at most 1/FAR of the way


def test_kept_states_grow_with_the_log_of_a_million_steps_and_their_bytes_stay_bounded():
    timeline, session = Timeline(), FakeSession()
    timeline.keep(session)
    counts, sizes = {}, {}
    for n in (250_000, 500_000, 1_000_000, 2_000_000):
        drive(timeline, session, n)
        counts[n], sizes[n] = len(timeline), timeline.nbytes()
    # each doubling of the run adds about FAR states, not a state per LONGEST steps (61 more from 1M to 2M)
    assert counts[2_000_000] - counts[1_000_000] <= Timeline.FAR + 2
    assert counts[1_000_000] - counts[500_000] <= Timeline.FAR + 2
    assert counts[2_000_000] < 60
    full = 2 * FakeSession.HISTORY * 8
    assert timeline.packed_count() >= counts[2_000_000] - 20  # all but the last PACK_AGE steps' states
    # a packed state costs a part of a full one: its history shares what did not change with the older one
    assert sizes[2_000_000] < 20 * full + timeline.packed_count() * full / 4
    assert sizes[2_000_000] - sizes[250_000] < 30 * full / 4
    steps = timeline.kept_steps()
    assert steps[0] == 0 and steps[-1] == 2_000_000
    for a, b in zip(steps, steps[1:]):  # no step further from a kept state than its interval
        assert b - a <= Timeline.interval(2_000_000 - a)


def test_a_packed_state_comes_back_bit_for_bit():
    session = FakeSession()
    session.advance(5000)
    state = session.state_dict()
    state["extra"] = {"ints": np.arange(12, dtype=np.int64).reshape(3, 4), "nan": np.array([np.nan, -0.0, np.inf]),
                      "empty": np.zeros((0, 3)), "plain": (1, "two")}
    older = packed.pack(state)
    session.advance(100)
    newer = packed.pack(session.state_dict(), older)
    for p, original in ((older, state), (newer, session.state_dict())):
        back = packed.unpack(p)
        flat_back, flat_orig = _arrays(back), _arrays(original)
        assert flat_back.keys() == flat_orig.keys()
        for name, arr in flat_orig.items():
            assert flat_back[name].dtype == arr.dtype and flat_back[name].shape == arr.shape
            assert flat_back[name].tobytes() == arr.tobytes(), name
            assert flat_back[name].flags.writeable
    assert packed.unpack(older)["extra"]["plain"] == (1, "two")
    # the history's blocks that did not change are the older state's, not copies
    shared = {id(c) for c in packed.chunks(older)} & {id(c) for c in packed.chunks(newer)}
    assert len(shared) >= FakeSession.HISTORY // packed.BLOCK  # all of "weights" and most of "y"


def _arrays(state, prefix=""):
    out = {}
    for key, value in state.items():
        if isinstance(value, dict):
            out.update(_arrays(value, f"{prefix}{key}."))
        elif isinstance(value, np.ndarray):
            out[prefix + key] = value
    return out


def test_release_free_memory_is_safe_to_call():
    packed.release_free_memory()
    packed.release_free_memory()


@pytest.fixture
def small_intervals(monkeypatch):
    """A real session's timeline with intervals small enough that a few thousand steps pack states."""
    for name, value in (("EVERY", 16), ("RECENT", 64), ("LONGEST", 256), ("FAR", 4), ("PACK_AGE", 300)):
        monkeypatch.setattr(Timeline, name, value)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_going_back_to_a_step_kept_packed_then_on_equals_the_straight_run(small_intervals, optimizer):
    s = preset_session("xor", 6000, headless=True, optimizer=optimizer)
    assert s.timeline.packed_count() >= 5
    far = s.timeline.kept_steps()[2]
    assert 6000 - far > Timeline.PACK_AGE  # loaded from a packed state
    s.go_to_step(far + 37)
    assert_same_state(preset_session("xor", far + 37, headless=True, optimizer=optimizer), s)
    s.run(6000 - s.step_count)
    assert_same_state(preset_session("xor", 6000, headless=True, optimizer=optimizer), s)


def test_a_live_change_kept_packed_is_still_never_crossed(small_intervals):
    s = preset_session("xor", 1001, headless=True)
    s.set_learning_rate(0.5)
    s.run(3000)
    assert 1001 in s.timeline.kept_steps() and s.timeline.packed_count()
    s.go_to_step(1010)
    ref = preset_session("xor", 1001, headless=True)
    ref.set_learning_rate(0.5)
    ref.run(9)
    assert s.learning_rate == 0.5
    assert_same_state(ref, s)
