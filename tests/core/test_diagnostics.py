"""Per-layer health numbers: norms, update ratio, dead and saturated units, warnings."""

import dataclasses
import math

import numpy as np
import pytest

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


# ------------------------------------------------ relative warnings, dead on the data
from tui_backprop.config import load_config  # noqa: E402
from tui_backprop.core.diagnostics import UPDATE_RATIO_REFERENCE, HealthWatch, dead_shares  # noqa: E402


def test_a_neuron_chasing_400_converges_without_an_alarm(tmp_path):
    """‖∇W‖ = 1592 at the start (above the old absolute 1e3 limit), yet the error shrinks 5× a step."""
    text = open(load_preset("one-weight").path, encoding="utf-8").read().replace("y = [[4.0]]", "y = [[400.0]]")
    path = tmp_path / "far-target.toml"
    path.write_text(text, encoding="utf-8")
    s = Session(load_config(path))
    s.pause_after = "backward"
    seen = []
    for _ in range(30):
        s.step()  # to the backward pause
        seen.append(s.diagnostics()[0])
        s.step()  # the update
        seen.append(s.diagnostics()[0])
    assert seen[0].grad_norm == 1592.0
    assert not any(d.exploding or d.warnings for d in seen)
    assert s.network.params[0] == pytest.approx(200.0, rel=1e-9)


def test_exploding_gradients_lesson_is_flagged_before_its_halt():
    s = Session(load_preset("exploding-gradients"))
    s.pause_after = "backward"
    flagged = []
    while not s.halted and s.step_count < 10:
        s.step()
        flagged.append(any(d.exploding for d in s.diagnostics()))
    assert s.halted and any(flagged[:-1])
    assert any("exploding" in w for d in s.diagnostics() for w in d.warnings) or any(flagged)


def test_vanishing_lesson_is_not_called_exploding():
    s = Session.headless(load_preset("vanishing-gradients"))
    for _ in range(20):
        s.run(1)
        assert not any(d.exploding for d in s.diagnostics())


def test_a_layer_far_above_the_others_is_exploding():
    net = Network(2, [LayerSpec(3, "tanh"), LayerSpec(1, "linear")], "mse")
    net.grads[:] = 0.001
    net.layers[1].grad_weights[...] = 50.0
    diags = diagnose(net, None, dead=None)
    assert diags[1].others_ratio > 1e3 and diags[1].exploding and not diags[0].exploding


def test_gradient_growth_is_step_over_step():
    watch = HealthWatch()
    assert watch.growth(1, [1.0, 2.0]) == [None, None]
    assert watch.growth(1, [1.0, 2.0]) == [None, None]  # the same step seen again
    assert watch.growth(2, [20.0, 2.0]) == [20.0, 1.0]
    assert watch.growth(2, [20.0, 2.0]) == [20.0, 1.0]
    assert watch.growth(5, [1.0, 1.0]) == [None, None]  # steps 3, 4 unseen: no claim


def test_dead_means_never_active_on_the_whole_training_set():
    """Batch size 1: half the units are off for one sample, far fewer for all of them."""
    cfg = load_preset("circle")
    layers = [dataclasses.replace(cfg.network.layers[0], activation="relu"), *cfg.network.layers[1:]]
    cfg = cfg.replace("network", layers=tuple(layers)).replace("training", batch_size=1)
    s = Session(cfg)
    s.pause_after = "forward"
    for _ in range(50):
        s.step()  # forward of the next one-sample batch
        batch_z = s.network.forward_data()[0].z
        if dead_share("relu", batch_z) >= 0.5:
            break
        s.step()  # the rest of that step
    assert dead_share("relu", batch_z) >= 0.5  # what the old per-batch count said
    d = s.diagnostics()[0]
    assert d.dead_share == dead_shares(s.network, s.data.x_train)[0] < 0.5
    assert not any("dead" in w for w in d.warnings)
    assert d.dead_measured_step == s.step_count


def test_leaky_relu_units_are_never_dead():
    net = Network(1, [LayerSpec(2, "leaky_relu", False, weights=((-1.0,), (-2.0,))), LayerSpec(1, "linear")], "mse")
    x = np.array([[1.0], [2.0], [3.0]])  # z < 0 for every sample: a plain ReLU would be dead
    assert dead_shares(net, x) == [0.0, 0.0]
    assert dead_share("leaky_relu", np.array([[-1.0, -2.0]])) == 0.0


def test_update_ratio_comes_with_its_reference():
    s = Session.headless(load_preset("xor"))
    s.run(3)
    assert UPDATE_RATIO_REFERENCE == 1e-3
    assert all(d.update_ratio_reference == 1e-3 for d in s.diagnostics())


def test_a_saturated_tanh_layer_is_warned_about_with_f_prime_not_the_sigmoids():
    """QA2 12: "⚠ 88% saturated (σ'≈0)" on a tanh layer; σ' is the sigmoid's derivative."""
    from tui_backprop.core.diagnostics import LayerDiagnostics

    diag = LayerDiagnostics(layer=0, weight_norm=1.0, grad_norm=1.0, bias_grad_norm=0.0, update_ratio=0.001,
                            dead_share=0.0, saturated_share=0.88, has_nan=False)
    assert diag.warnings == ["88% saturated (f'≈0)"]


def test_a_huge_finite_gradient_has_a_finite_norm():
    """QA6 B2: exploding-gradients' layer 4 (|∂L/∂w| up to 1.4e241) read '‖∇W‖ ∞': the squares overflowed."""
    from tui_backprop.core.diagnostics import _norm

    g = np.array([[3e241, -4e241], [0.0, 0.0]])
    assert _norm(g) == pytest.approx(5e241)
    assert _norm(np.array([3.0, 4.0])) == 5.0
    assert math.isnan(_norm(np.array([1.0, np.nan]))) and _norm(np.array([1.0, np.inf])) == math.inf


def test_the_vanishing_warning_writes_its_ratio_as_the_app_does():
    """QA6 K4: '⚠ gradients vanishing (6e-06 of the largest layer's)', Python's exponent, not the app's 6e−6."""
    from tui_backprop.core.diagnostics import LayerDiagnostics

    d = LayerDiagnostics(layer=0, weight_norm=1.0, grad_norm=6e-6, bias_grad_norm=0.0, update_ratio=1e-3,
                         dead_share=0.0, saturated_share=0.0, has_nan=False, gradient_ratio=6e-6)
    assert "gradients vanishing (6e−6 of the largest layer's)" in d.warnings
