"""The session's whole state: state_dict / load_state_dict, and live optimizer changes that keep it."""

import numpy as np
import pytest

from tests.conftest import assert_same_state
from tui_backprop.config import Note
from tui_backprop.presets import load_preset
from tui_backprop.training import Session
from tests.conftest import preset_session


def xor(**training):
    return preset_session("xor", headless=True, **training)


def test_headless_runs_straight_through_checkpoints():
    config = load_preset("xor").replace(notes=(Note(2, "two"),))
    assert Session(config).run(10) == "note"
    s = Session.headless(config)
    assert (s.pause_after, s.use_notes) == ("none", False)
    assert s.run(10) == "steps" and s.step_count == 10


@pytest.mark.parametrize("phases", [0, 1, 2, 3])
@pytest.mark.parametrize("batch_size", [1, 5, "full"])
def test_loading_an_earlier_state_rewinds_the_run_exactly(phases, batch_size):
    straight = xor(batch_size=batch_size, optimizer="adam")
    straight.run(40)
    s = xor(batch_size=batch_size, optimizer="adam")
    s.run(12)
    for _ in range(phases):
        s.run_phase()
    saved = s.state_dict()
    s.run(30)  # further on, into other epochs
    s.load_state_dict(saved)
    assert s.step_count == 12 and (len(s.phases_done) == phases if phases else not s.in_step)
    assert_same_state_dicts(saved, s.state_dict())
    s.run(28)
    assert_same_state(straight, s)


def assert_same_state_dicts(a: dict, b: dict) -> None:
    class Holder:
        def __init__(self, state):
            self.state_dict = lambda: state

    assert_same_state(Holder(a), Holder(b))


def test_state_dict_is_a_copy():
    s = xor(optimizer="momentum")
    s.run(3)
    state = s.state_dict()
    params = state["params"].copy()
    velocity = state["optimizer"]["state"]["velocity"].copy()
    s.run(3)
    assert np.array_equal(state["params"], params)
    assert np.array_equal(state["optimizer"]["state"]["velocity"], velocity)


def test_lesson_progress_comes_back_with_the_state():
    config = load_preset("xor").replace(notes=(Note(2, "two"), Note(4, "four")))
    s = Session(config)
    s.pause_after = "none"
    before = s.state_dict()
    assert s.run(10) == "note" and s.message == "two"
    s.load_state_dict(before)
    assert s.message is None and s.run(10) == "note" and s.message == "two"  # it fires again


def test_a_state_of_another_network_is_refused():
    other = Session.headless(load_preset("circle"))
    with pytest.raises(ValueError, match="another network"):
        xor().load_state_dict(other.state_dict())


def test_mid_step_state_keeps_the_phase_and_the_batch_results():
    s = xor(batch_size=5)
    s.run(7)
    for _ in range(5):
        s.run_phase()
    saved = s.state_dict()
    snap = s.snapshot(grid=False)
    t = xor(batch_size=5)
    t.load_state_dict(saved)
    assert t.last_phase == "backward L1" and t.next_phase == "update"
    again = t.snapshot(grid=False)
    assert again.loss == snap.loss
    for a, b in zip(snap.layers, again.layers):
        assert np.array_equal(a.z, b.z) and np.array_equal(a.delta, b.delta)
        assert np.array_equal(a.grad_weights, b.grad_weights)


# ----------------------------------------------- live optimizer changes (issue 11)
def _one_more_step_with(session: Session, **settings) -> np.ndarray:
    """The weights after one more step, had the optimizer's settings been changed in place."""
    twin = xor(optimizer=session.optimizer.name)
    twin.load_state_dict(session.state_dict())
    twin.optimizer.settings.update(settings)
    twin.run(1)
    return twin.network.params.copy()


@pytest.mark.parametrize("optimizer, settings", [
    ("adam", {"beta1": 0.8}),
    ("adam", {"epsilon": 1e-6}),
    ("momentum", {"momentum": 0.5}),
    ("rmsprop", {"alpha": 0.9}),
])
def test_new_optimizer_settings_keep_its_state(optimizer, settings):
    s = xor(optimizer=optimizer)
    s.run(20)
    before = {k: v.copy() for k, v in s.optimizer.state_arrays().items()}
    expected = _one_more_step_with(s, **settings)
    s.set_training(optimizer_settings=tuple(settings.items()))
    assert s.optimizer.steps == 20
    for name, arr in s.optimizer.state_arrays().items():
        assert np.array_equal(arr, before[name]), name
    assert s.optimizer.settings.items() >= settings.items()
    s.run(1)
    assert np.array_equal(s.network.params, expected)


@pytest.mark.parametrize("optimizer", ["adam", "momentum", "adagrad"])
def test_new_regularization_keeps_the_optimizer_state(optimizer):
    s = xor(optimizer=optimizer)
    s.run(20)
    before = {k: v.copy() for k, v in s.optimizer.state_arrays().items()}
    s.set_training(regularization="l2", regularization_rate=0.01)
    assert s.optimizer.steps == 20 and s.optimizer.regularization == "l2"
    for name, arr in s.optimizer.state_arrays().items():
        assert np.array_equal(arr, before[name]), name


def test_adam_step_after_a_settings_change_is_not_a_fresh_start():
    """With the moments zeroed and the step count kept, the next step was ≈ lr/(1 − β1^t) · sign(g) ≫ usual."""
    s = xor(optimizer="adam")
    s.run(50)
    s.set_training(optimizer_settings=(("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)))  # same values
    kept = xor(optimizer="adam")
    kept.run(51)
    s.run(1)
    assert np.array_equal(s.network.params, kept.network.params)


def test_another_optimizer_starts_fresh():
    s = xor(optimizer="adam")
    s.run(20)
    s.set_training(optimizer="momentum", optimizer_settings=())
    assert s.optimizer.name == "momentum" and s.optimizer.steps == 0
    assert not s.optimizer.state_arrays()["velocity"].any()
