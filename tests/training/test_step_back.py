"""Step back in time: exact earlier states, replay from kept states, bounded memory."""

import numpy as np
import pytest

from tests.conftest import assert_same_state, preset_session
from tui_backprop.config import Note
from tui_backprop.presets import load_preset
from tui_backprop.training import Session
from tui_backprop.training.timeline import Timeline


def straight(preset: str, steps: int, **training) -> Session:
    return preset_session(preset, steps, headless=True, **training)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_three_steps_then_step_back_is_step_two_exactly(optimizer):
    s = straight("xor", 3, optimizer=optimizer)
    assert s.step_back() == 2
    two = straight("xor", 2, optimizer=optimizer)
    assert s.step_count == 2
    assert np.array_equal(s.network.params, two.network.params)
    for name, arr in two.optimizer.state_arrays().items():
        assert np.array_equal(s.optimizer.state_arrays()[name], arr)
    assert s.optimizer.steps == 2
    assert_same_state(two, s)


def test_going_back_500_steps_on_spiral_and_running_on_equals_the_straight_run():
    s = straight("spiral", 1500)
    s.go_to_step(1000)
    assert_same_state(straight("spiral", 1000), s)
    s.run(500)
    assert_same_state(straight("spiral", 1500), s)


def test_step_back_a_thousand_times_in_a_row_stays_exact():
    s = straight("circle", 1100, batch_size=10)
    for _ in range(1000):
        s.step_back()
    assert s.step_count == 100
    assert_same_state(straight("circle", 100, batch_size=10), s)


def test_mid_step_step_back_goes_to_where_the_step_began():
    s = straight("xor", 7)
    s.run_phase()
    s.run_phase()
    assert s.step_back() == 7 and not s.in_step
    assert_same_state(straight("xor", 7), s)


def test_lesson_progress_comes_back():
    config = load_preset("xor").replace(notes=(Note(2, "two"), Note(5, "five")))
    s = Session(config)
    s.pause_after = "none"
    assert s.run(10) == "note" and s.message == "two"
    assert s.run(10) == "note" and s.message == "five"
    s.go_to_step(3)  # step 2's pause has fired, step 5's not yet
    assert s.run(10) == "note" and s.message == "five" and s.step_count == 5


def test_live_changes_are_kept_so_replays_never_cross_them_with_old_settings():
    s = straight("xor", 100)
    s.set_learning_rate(0.5)
    s.run(20)
    s.set_training(optimizer="momentum", optimizer_settings=())
    s.run(30)
    ref = Session.headless(load_preset("xor"))
    ref.run(100)
    ref.set_learning_rate(0.5)
    ref.run(10)
    reference_110 = ref.state_dict()
    s.go_to_step(110)  # between the two changes: lr 0.5, still SGD
    assert s.optimizer.name == "sgd" and s.learning_rate == 0.5
    assert_same_state(type("Saved", (), {"state_dict": lambda self: reference_110})(), s)


def test_going_forward_or_before_the_start_is_refused():
    s = straight("xor", 5)
    with pytest.raises(ValueError, match="not in this run"):
        s.go_to_step(6)
    fresh = Session.headless(load_preset("xor"))
    with pytest.raises(ValueError, match="no step has run"):
        fresh.step_back()


def test_a_loaded_state_is_the_earliest_reachable():
    s = straight("xor", 50)
    t = Session.headless(load_preset("xor"))
    t.load_state_dict(s.state_dict())
    t.run(10)
    t.go_to_step(55)
    assert_same_state(straight("xor", 55), t)
    with pytest.raises(ValueError, match="step 10 is before step 50, where this run was resumed: step back stops"):
        t.go_to_step(10)


def test_step_back_after_new_data_says_it_stops_where_the_data_changed():
    """QA8 C12: after d, ⌫ said "Step 2 is no longer kept (the earliest is step 3)", which reads as a memory
    limit; the states before belong to the old data."""
    s = straight("xor", 3)
    s.regenerate_data(s.config.data_seed + 1)
    s.run(2)
    s.go_to_step(3)  # the new data's first state is reachable
    with pytest.raises(ValueError) as refused:
        s.go_to_step(2)
    assert str(refused.value) == ("step 2 is before step 3, where new data was drawn: step back stops there "
                                  "(r starts over from step 0)")


def test_memory_stays_bounded_on_long_runs():
    s = straight("xor", 20_000)
    kept_20k = len(s.timeline)
    s.run(80_000)
    kept = len(s.timeline)
    recent = Timeline.RECENT // Timeline.EVERY
    # the recent past densely, then about RECENT / EVERY / 2 states per doubling of age
    assert kept <= recent + 1 + 8 * (100_000 // Timeline.RECENT).bit_length() + 2
    assert kept - kept_20k <= 20  # 5× the steps, a few more states
    assert s.timeline.nbytes() < 8_000_000  # the states older than PACK_AGE packed: ~0.1 MB each, not ~0.45
    assert s.timeline.packed_count() >= 5
    kept_steps = s.timeline.kept_steps()
    assert max(b - a for a, b in zip(kept_steps, kept_steps[1:])) <= Timeline.LONGEST  # no far step is far
    s.go_to_step(1_234)  # an old step: replayed from the nearest kept state
    assert_same_state(straight("xor", 1_234), s)


def test_goals_and_asked_questions_come_back():
    s = Session(load_preset("chain-two-weights"))
    s.pause_after = "none"
    s.ask_questions = True
    assert s.run(5) == "question" and s.question is not None  # asked at step 1, before backward
    asked = s.question
    s.ask_questions = False
    while s.step_count < 3:  # past the lesson's notes
        s.run(3 - s.step_count)
    assert asked in s._asked and s.step_count == 3
    s.step_back()
    assert s.step_count == 2 and asked in s._asked and s.question is None  # asked at step 1
    s.go_to_step(0)
    assert asked not in s._asked  # at step 0 it has not been asked yet


def test_goals_met_are_forgotten_when_going_back_before_them():
    s = Session.headless(load_preset("challenge-learning-rate").solution.config)
    s.run(3000)
    met = [g for g in s.goals.results() if g.met]
    assert met, s.goals.results()
    first = min(g.step for g in met)
    s.go_to_step(first - 1)
    assert not any(g.met for g in s.goals.results() if g.step is not None and g.step >= first)
    s.run(1)
    assert any(g.met and g.step == first for g in s.goals.results())


def test_a_large_network_keeps_its_states_within_the_byte_budget(monkeypatch):
    monkeypatch.setattr(Timeline, "BUDGET", 200_000)
    s = straight("spiral", 3000)
    assert s.timeline.nbytes() <= 200_000 + max(s.timeline._bytes.values())
    assert s.timeline.earliest_step == 0  # the start stays reachable, by a longer replay
    s.go_to_step(777)
    assert_same_state(straight("spiral", 777), s)


def test_over_the_byte_budget_a_replay_never_crosses_a_live_change(monkeypatch):
    monkeypatch.setattr(Timeline, "BUDGET", 120_000)
    s = straight("xor", 300)
    s.set_learning_rate(0.5)  # kept where it happened
    s.run(2000)
    ref = straight("xor", 300)
    ref.set_learning_rate(0.5)
    ref.run(100)
    s.go_to_step(400)  # from the change's state or later, never from before it with lr 0.1
    assert s.learning_rate == 0.5
    assert_same_state(ref, s)


def test_the_headless_cli_keeps_no_states_and_says_step_back_is_off():
    """`train` never steps back: its session copies no state every 128 steps, and trains the same numbers."""
    cli = Session.headless(load_preset("xor"), step_back=False)
    kept = Session.headless(load_preset("xor"))
    cli.run(1000)
    kept.run(1000)
    assert np.array_equal(cli.network.params, kept.network.params)
    assert len(cli.timeline) <= 1 and len(kept.timeline) > 5
    with pytest.raises(ValueError, match="step back is off"):
        cli.step_back()
