"""The gradient check (`g`, `tui-backprop gradcheck`) checks what the screen shows, and can fail.

Absolute + relative tolerance together: correct tiny gradients agree (a
converged network, dead ReLUs), a deliberately wrong derivative disagrees,
through the same ``check_layers`` / ``LayerCheck.passed`` the app uses.
"""

import numpy as np
import pytest

from tests.conftest import preset_session
from tui_backprop.cli import main
from tui_backprop.core.activations import ACTIVATIONS
from tui_backprop.core.gradcheck import check_layers, extended_loss
from tui_backprop.core.network import LayerSpec, Network
from tui_backprop.presets import list_presets, load_preset
from tui_backprop.training.session import Session


def _session(name, steps=0):
    return preset_session(name, steps, headless=True)


def _every_layer_agrees(s):
    return [s.check_layer(i).passed for i in range(len(s.network.layers))]


@pytest.mark.parametrize("wrong", ["tanh", "sigmoid", "relu"])
def test_a_wrong_derivative_disagrees(monkeypatch, wrong):
    act = ACTIVATIONS[wrong]
    right = type(act).derivative

    def off_by_a_fifth(z, a, out=None):  # f'(z) × 1.2: a plausible slip in a derivative
        out = right(act, z, a, out)
        out *= 1.2
        return out

    rng = np.random.default_rng(4)
    net = Network(3, [LayerSpec(5, wrong), LayerSpec(2, "linear")], "mse", seed=2, bias_init=0.1)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    assert all(c.passed for c in check_layers(net, x, y))
    monkeypatch.setattr(act, "derivative", off_by_a_fifth)
    monkeypatch.setattr(act, "backward", lambda z, a, g, out, scratch: np.multiply(g, off_by_a_fifth(z, a, scratch), out=out))
    checks = check_layers(net.clone(), x, y)  # a fresh network: its step binds the patched methods
    assert not checks[0].passed  # the layer below the wrong derivative
    assert checks[1].passed  # the output layer's gradient does not go through it


def test_a_wrong_output_delta_disagrees(monkeypatch):
    loss = Network(2, [LayerSpec(1, "sigmoid")], "bce").loss
    monkeypatch.setattr(loss, "fused_delta", lambda act, a, y, out: np.subtract(a, y, out=out))  # forgot 1/k
    net = Network(2, [LayerSpec(3, "tanh"), LayerSpec(2, "sigmoid")], "bce", seed=1)
    x = np.random.default_rng(0).normal(size=(4, 2))
    y = np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])
    assert not any(c.passed for c in check_layers(net, x, y))


@pytest.mark.parametrize(("preset", "steps"), [
    ("dead-relu", 10), ("neuron-with-bias", 200), ("chain-two-weights", 200), ("one-weight", 200),
])
def test_correct_tiny_gradients_agree(preset, steps):
    s = _session(preset, steps)
    assert all(_every_layer_agrees(s))


def test_dead_relu_agrees_at_its_own_step_ten_pause():
    s = Session(load_preset("dead-relu"))
    while s.step_count < 10:
        s.step()
    assert all(_every_layer_agrees(s))


def test_the_check_uses_the_weights_the_shown_backward_pass_used():
    """chain-two-weights, n n g: the screen shows dL/dw1 = −48 from w1 = 3, w2 = 4 (before the update)."""
    s = Session(load_preset("chain-two-weights"))  # pauses after backward
    s.step()  # forward, loss, backward: dL/dw1 = -48
    assert s.network.grads.tolist() == [-48.0, -36.0]
    s.step()  # update: w1 = 3.48, w2 = 4.36; the gradients on screen are still step 1's
    assert s.network.params.tolist() == pytest.approx([3.48, 4.36], abs=1e-12)
    analytic, numeric = s.check_weight(0, 0, 0)
    assert analytic == -48.0
    assert numeric == pytest.approx(-48.0, abs=1e-9)
    check = s.check_layer(0)
    assert check.numeric[0, 0] == pytest.approx(-48.0, abs=1e-9) and check.passed
    assert s.network.params.tolist() == pytest.approx([3.48, 4.36], abs=1e-12)  # the check changed nothing


def test_neuron_with_bias_checks_the_shown_gradient():
    s = Session(load_preset("neuron-with-bias"))
    s.pause_after = "backward"
    s.step()
    shown = s.network.grads.copy()
    s.step()
    for column in range(2):
        analytic, numeric = s.check_weight(0, 0, column)
        assert analytic == shown[column]
        assert numeric == pytest.approx(shown[column], rel=1e-9)


def test_extended_loss_has_more_digits_for_softmax_too():
    """Softmax is computed in longdouble like every other activation (no float64 buffers in the way)."""
    net = Network(2, [LayerSpec(3, "softmax")], "cross_entropy", seed=0)
    x = np.array([[0.3, -0.2]])
    y = np.array([[0.0, 1.0, 0.0]])
    value = extended_loss(net, x, y)
    assert value.dtype == np.longdouble
    if np.finfo(np.longdouble).eps < np.finfo(np.float64).eps:
        w = net.params[0]
        net.params[0] = w + 1e-12  # a change float64 sees only in the last digits
        moved = extended_loss(net, x, y) - value
        assert moved != 0 and abs(float(moved) / 1e-12 - float(check_layers(net, x, y)[0].numeric[0, 0])) < 1e-3


@pytest.mark.parametrize("steps", [0, 10, 200])
def test_cli_gradcheck_agrees_on_every_shipped_preset(capsys, steps):
    for preset in list_presets():
        code = main(["gradcheck", "--preset", preset.name, "--steps", str(steps)])
        out = capsys.readouterr()
        if preset.name == "exploding-gradients" and steps:
            # it halts at step 6 by design (its lesson): gradients overflow float64, nothing finite to check
            assert code == 3 and "halted" in out.err
            continue
        assert code == 0, (preset.name, out.out)
        lines = out.out.splitlines()
        assert len(lines) == 1 + len(load_preset(preset.name).network.layers)
        assert all("agrees" in line and "max relative error" in line for line in lines[1:])


def test_cli_gradcheck_exits_1_when_a_layer_disagrees(capsys, monkeypatch):
    act = ACTIVATIONS["tanh"]
    # f' forgotten, on both paths: a layer's own backward and the derivative the whole step takes for all its layers
    monkeypatch.setattr(act, "backward", lambda z, a, g, out, scratch: np.multiply(g, 1.0, out=out))
    monkeypatch.setattr(act, "derivative", lambda z, a, out=None: np.multiply(a, 0.0, out=out) + 1.0 if out is None
                        else np.add(np.multiply(a, 0.0, out=out), 1.0, out=out))
    assert main(["gradcheck", "--preset", "xor", "--steps", "3"]) == 1
    out = capsys.readouterr().out
    assert "layer 1 (4×2 +bias, tanh)" in out and "DISAGREES" in out


def test_cli_gradcheck_bad_preset_is_one_line(capsys):
    assert main(["gradcheck", "--preset", "no-such-lesson"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no-such-lesson" in err


def test_a_weight_on_a_relu_kink_is_named_not_failed(capsys):
    """QA3: exploding-gradients after 3 steps put a ReLU's z at exactly 0 (its inputs all 0, its bias 0): the
    loss bends there, finite differences see 10¹⁶ on one side and 0 on the other, and the check said DISAGREES."""
    assert main(["gradcheck", "--preset", "exploding-gradients", "--steps", "3"]) == 0
    out = capsys.readouterr().out
    line = next(l for l in out.splitlines() if "layer 3" in l)
    assert "agrees; 1 weight at a kink left out" in line and "DISAGREES" not in out


def test_a_kink_is_only_where_the_two_sides_slope_differently():
    """A smooth point whose gradient is wrong stays DISAGREES: its two one-sided slopes agree."""
    from tui_backprop.core.gradcheck import at_kink, one_sided_slopes

    net = Network(1, [LayerSpec(1, "relu"), LayerSpec(1, "linear")], "mse", "xavier", seed=0)
    net.layers[0].weights[...] = 1.0
    net.layers[0].biases[...] = 0.0
    net.layers[1].weights[...] = 2.0
    x, y = np.array([[0.0]]), np.array([[1.0]])  # z = 1·0 + 0 = 0 exactly: a kink along the bias
    bias = net.layers[0].param_block.size - 1
    left, right = one_sided_slopes(net, x, y, bias, 1e-8)
    assert left == pytest.approx(0.0, abs=1e-6) and right == pytest.approx(-4.0, rel=1e-6)  # 2·(ŷ−y)·w2
    assert at_kink(net, x, y, bias, 0.0, 1.0, 1e-6)  # backprop's f'(0) = 0 gives 0: between the two
    assert not at_kink(net, x, y, bias, 7.0, 1.0, 1e-6)  # outside them: an error, not a kink
    x = np.array([[0.5]])  # z = 0.5: smooth; ŷ = y, a minimum along the bias, where the slopes differ by h·L''
    assert not at_kink(net, x, y, bias, 0.0, 1.0, 1e-6)
    y = np.array([[3.0]])  # smooth and sloping
    assert not at_kink(net, x, y, bias, 0.0, 1.0, 1e-6) and not at_kink(net, x, y, bias, -8.0, 1.0, 1e-6)


def test_a_layer_whose_backprop_overflowed_is_not_said_to_disagree():
    """QA6 B4: after exploding-gradients' halt, g said 'backprop DISAGREES … (max relative error NaN)' for a
    float64 pass that overflowed: nothing to compare, not a wrong derivative."""
    session = Session.headless(load_preset("exploding-gradients"))
    with np.errstate(all="ignore"):
        session.run(50)
    assert session.halted is not None
    checks = [session.check_layer(i) for i in range(len(session.network.layers))]
    overflowed = [c for c in checks if c.overflowed]
    assert overflowed and all(c.verdict.startswith("can't be checked") for c in overflowed)
    assert all("DISAGREES" not in c.verdict for c in overflowed)
