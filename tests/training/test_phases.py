"""Phases one layer at a time: names, pause points, and the same numbers as whole steps."""

import numpy as np
import pytest

from tests.conftest import assert_same_state
from tui_backprop.config import ConfigError, Note, parse_config, step_phases
from tui_backprop.core.optimizers import OPTIMIZERS
from tui_backprop.presets import load_preset
from tui_backprop.training import Session


def test_phase_names_for_three_layers():
    assert step_phases(3) == ("forward L1", "forward L2", "forward L3", "loss",
                              "backward L3", "backward L2", "backward L1", "update")


# Mini-batches and full batch; mse, bce (fused sigmoid delta) and softmax cross-entropy; 1 to 4 layers.
PRESETS = ["xor", "circle", "spiral-3-classes", "one-weight", "vanishing-gradients", "batch-vs-stochastic"]


def _phase_by_phase(session: Session, steps: int) -> None:
    with np.errstate(all="ignore"):
        while session.step_count < steps and not session.halted:
            session.run_phase()


@pytest.mark.parametrize("preset", PRESETS)
def test_layer_by_layer_equals_whole_steps(preset):
    config = load_preset(preset)
    steps = 2 * Session.headless(config).steps_per_epoch + 3  # crosses epoch ends and reshuffles
    whole, phased = Session.headless(config), Session.headless(config)
    whole.run(steps)
    _phase_by_phase(phased, steps)
    assert_same_state(whole, phased)
    assert whole.halted == phased.halted


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_layer_by_layer_equals_whole_steps_for_every_optimizer(optimizer):
    config = load_preset("circle").replace("training", optimizer=optimizer, batch_size=7,
                                           regularization="l2", regularization_rate=0.001)
    whole, phased = Session.headless(config), Session.headless(config)
    whole.run(40)
    _phase_by_phase(phased, 40)
    assert_same_state(whole, phased)


def test_a_halt_leaves_the_session_where_phases_would_stop():
    config = load_preset("exploding-gradients")
    whole, phased = Session.headless(config), Session.headless(config)
    assert whole.run(100) == "halted"
    _phase_by_phase(phased, 100)
    assert whole.halted == phased.halted and whole.halted.phase == "backward"
    assert whole.last_phase == phased.last_phase == f"backward L{whole.halted.layer + 1}"
    a, b = whole.state_dict(), phased.state_dict()
    del a["grads"], b["grads"]  # the fused pass went on to the layers below the overflow
    assert_same_state(_Holder(a), _Holder(b))


@pytest.mark.parametrize("preset", ["xor", "circle", "spiral-3-classes", "sigmoid-neuron", "dead-relu"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e300])
def test_a_bad_weight_halts_whole_steps_where_phases_would(preset, bad):
    # The whole step checks the output only when the loss is bad: it must still name the same phase and layer.
    config = load_preset(preset)
    whole, phased = Session.headless(config), Session.headless(config)
    for s in (whole, phased):
        s.network.params[-1] = bad  # the output layer's last bias (or weight)
    whole.run(5)
    _phase_by_phase(phased, 5)
    assert whole.halted == phased.halted
    assert whole.halted is not None or bad == 1e300  # a huge finite weight may train on
    assert whole.last_phase == phased.last_phase
    assert whole.loss == phased.loss or (whole.loss != whole.loss and phased.loss != phased.loss)


class _Holder:
    def __init__(self, state):
        self.state_dict = lambda: state


def test_pause_points_and_lesson_pauses_name_any_phase():
    config = load_preset("xor").replace("training", pause_after="backward L2")
    s = Session(config)
    assert s.run(10) == "pause point" and s.last_phase == "backward L2" and s.step_count == 0
    assert s.run(10) == "pause point" and s.step_count == 1  # the rest of step 1, then step 2 up to there
    config = load_preset("xor").replace(notes=(Note(3, "look at layer 1", "forward L1"),))
    s = Session.headless(config)
    s.use_notes = True
    assert s.run(10) == "note" and (s.step_count, s.last_phase) == (2, "forward L1")
    assert s.message == "look at layer 1"


def test_old_phase_names_mean_the_whole_pass():
    s = Session(load_preset("xor").replace("training", pause_after="forward"))
    assert s.run(5) == "pause point" and s.last_phase == "forward L2"
    s.pause_after = "backward"
    assert s.run(5) == "pause point" and s.last_phase == "backward L1"
    with pytest.raises(ValueError, match="forward L3"):
        s.pause_after = "forward L3"


def test_a_preset_naming_a_layer_the_network_lacks_is_refused():
    raw = {"network": {"inputs": 2, "layers": [{"units": 1, "activation": "linear"}]},
           "data": {"source": "inline", "x": [[1.0, 2.0]], "y": [[1.0]]},
           "training": {"loss": "mse", "pause_after": "backward L2"}}
    with pytest.raises(ConfigError, match=r"training.pause_after: expected one of .*backward L1, got .backward L2."):
        parse_config(raw, "one.toml")
    raw["training"]["pause_after"] = "sideways"
    with pytest.raises(ConfigError, match="training.pause_after: expected one of"):
        parse_config(raw, "one.toml")
    raw["training"]["pause_after"] = "backward L1"
    assert parse_config(raw, "one.toml").training.pause_after == "backward L1"


def test_snapshot_marks_what_the_step_in_progress_has_reached():
    s = Session.headless(load_preset("vanishing-gradients"))  # several layers
    s.run(2)
    depth = len(s.network.layers)
    for done in range(1, 2 * depth + 2):
        s.run_phase()
        snap = s.snapshot(grid=False)
        assert snap.last_phase == s.phases[done - 1]
        for layer in snap.layers:
            forward_done = done > layer.index
            backward_done = done > 2 * depth - layer.index
            assert layer.forward_pending == (not forward_done)
            assert (layer.z is not None) == forward_done
            assert layer.backward_pending == (not backward_done)
            assert (layer.delta is not None) == backward_done
        assert (snap.output is not None) == (done >= depth)
        # dL/dŷ comes with the loss phase, before the output layer's backward phase
        assert (snap.layers[-1].grad_a is not None) == (done > depth)
    s.run_phase()
    snap = s.snapshot(grid=False)
    assert not any(layer.forward_pending or layer.backward_pending for layer in snap.layers)
    assert all(layer.delta is not None for layer in snap.layers)
