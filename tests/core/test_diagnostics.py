"""Per-layer health numbers: norms, update ratio, dead and saturated units, warnings."""

import numpy as np

from tui_backprop.core.diagnostics import dead_share, diagnose, saturated_share
from tui_backprop.core.network import LayerSpec, Network
from tui_backprop.presets import load_preset
from tui_backprop.training.session import Session


def test_norms_and_update_ratio_by_hand():
    net = Network(2, [LayerSpec(1, "linear", True, ((3.0, 4.0),), (7.0,))], loss="mse")
    net.grads[:] = [0.6, 0.8, 2.0]  # dW = (0.6, 0.8), db = 2
    update = np.array([0.03, 0.04, -1.0])
    (d,) = diagnose(net, update)
    assert d.weight_norm == 5.0  # ‖(3, 4)‖, the bias left out
    assert d.grad_norm == 1.0
    assert d.bias_grad_norm == 2.0
    assert d.update_ratio == 0.05 / 5.0


def test_dead_and_saturated_shares():
    z = np.array([[-1.0, 2.0, 0.0], [-3.0, -1.0, 0.0]])
    assert dead_share("relu", z) == 2 / 3  # units 1 and 3 are off for every sample
    assert dead_share("tanh", z) == 0.0
    a = np.array([[0.01, 0.5], [0.99, 0.97]])
    assert saturated_share("sigmoid", a) == 0.5
    assert saturated_share("tanh", np.array([[0.99, -0.97, 0.1, 0.5]])) == 0.5


def test_no_gradient_warnings_before_the_first_backward_pass():
    s = Session(load_preset("vanishing-gradients"))
    assert all(d.gradient_ratio is None and d.warnings == [] for d in s.diagnostics())
    s.advance_phase()  # forward only
    assert all(d.gradient_ratio is None for d in s.diagnostics())


def test_vanishing_is_relative_to_the_largest_layer():
    s = Session(load_preset("vanishing-gradients"))
    s.step()
    diags = s.diagnostics()
    norms = [d.grad_norm for d in diags]
    assert diags[0].gradient_ratio == norms[0] / max(norms)
    assert diags[0].vanishing and "vanishing" in diags[0].warnings[0]
    assert not diags[-1].vanishing


def test_saturated_output_layer_is_not_a_warning():
    s = Session(load_preset("xor"))
    s.run(3000)
    out = s.diagnostics()[-1]
    assert out.is_output
    assert not any("saturated" in w for w in out.warnings)


def test_dead_relu_lesson_warns_about_dead_units():
    s = Session.headless(load_preset("dead-relu"))
    s.run(50)
    first = s.diagnostics()[0]
    assert first.dead_share > 0.5
    assert any("ReLUs dead" in w for w in first.warnings)
