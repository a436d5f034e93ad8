"""The plain reference step (reference.py) computes what the fast network computes.

Every hidden activation × every valid (output activation, loss) pairing on
several shapes, then whole training steps with every optimizer and every
regularization: losses, gradients and new weights equal to 1e-12.
"""

import itertools

import numpy as np
import pytest

from tui_backprop.core import reference
from tui_backprop.core.network import LayerSpec, Network
from tui_backprop.core.optimizers import OPTIMIZERS, REGULARIZATIONS, make_optimizer

from tests.core.test_gradients import ELEMENTWISE, PAIRINGS, SHAPES, _targets

TOL = 1e-12


def _case(hidden_act, out_act, loss, shape, seed):
    inputs, hidden, outputs, batch, bias = shape
    if loss == "cross_entropy" and outputs < 2:
        outputs = 2
    specs = [LayerSpec(u, hidden_act, bias) for u in hidden] + [LayerSpec(outputs, out_act, bias)]
    net = Network(inputs, specs, loss, "xavier", seed, bias_init=0.1 if bias else 0.0)
    rng = np.random.default_rng(seed)
    return net, rng.normal(size=(batch, inputs)), _targets(rng, loss, batch, outputs, out_act)


def _close(a, b):
    np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("out_act,loss", PAIRINGS, ids=[f"{a}+{l}" for a, l in PAIRINGS])
@pytest.mark.parametrize("hidden_act", ELEMENTWISE)
def test_reference_forward_loss_backward_equal_the_fast_network(hidden_act, out_act, loss, shape):
    net, x, y = _case(hidden_act, out_act, loss, shape, seed=len(hidden_act) * 31 + len(loss) + shape[3])
    layers = reference.layers_of(net)
    inputs, zs, activations = reference.forward(layers, x)
    net.forward(x)
    for fast, z, a in zip(net.forward_data(), zs, activations):
        _close(fast.z, z)
        _close(fast.a, a)
    _close(net.compute_loss(y), reference.loss(layers, loss, x, y))
    net.backward(y)
    for layer, (grad_W, grad_b) in zip(net.layers, reference.backward(layers, loss, x, y)):
        _close(layer.grad_weights, grad_W)
        if grad_b is not None:
            _close(layer.grad_biases, grad_b)


@pytest.mark.parametrize("regularization", REGULARIZATIONS)
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_reference_steps_equal_the_fast_steps(optimizer, regularization):
    net, x, y = _case("tanh", "sigmoid", "bce", (3, (5, 4), 2, 6, True), seed=7)
    opt = make_optimizer(optimizer, net.params.size, 0.05, regularization, 0.01)
    layers = reference.layers_of(net)
    state: dict = {}
    for t in range(1, 26):
        net.forward(x)
        fast_loss = net.compute_loss(y)
        net.backward(y)
        opt.step(net.params, net.grads, net.weight_mask)
        ref_loss, layers = reference.train_step(layers, "bce", x, y, optimizer, opt.settings, 0.05,
                                                regularization, 0.01, state, t)
        _close(fast_loss, ref_loss)
        for layer, (W, b, _) in zip(net.layers, layers):
            _close(layer.weights, W)
            _close(layer.biases, b)


def test_playground_l1_stops_a_weight_at_zero():
    # w = 0.003, gradient 0: the L1 shrink of lr·rate = 0.01 would cross zero, so w becomes exactly 0;
    # w = 0.5 shrinks by exactly 0.01; the bias is not regularized.
    net = Network(2, [LayerSpec(1, "linear", True, weights=((0.003, 0.5),), biases=(0.2,))], "mse")
    opt = make_optimizer("sgd", net.params.size, 0.1, "playground_l1", 0.1)
    opt.step(net.params, np.zeros(3), net.weight_mask)
    assert net.params.tolist() == [0.0, 0.49, 0.2]
    np.testing.assert_array_equal(opt.last_update, net.params - opt.previous_params)


def test_reference_has_an_equation_per_backward_line():
    """The fast backward carries the reference's equations as comments."""
    import inspect

    source = inspect.getsource(Network.backward)
    for equation in ("delta = f'(z) ⊙ dL/da", "dL/dW = mean(delta a_prevᵀ)", "dL/da_prev = Wᵀ delta"):
        assert equation in source
        assert equation in inspect.getsource(reference)


@pytest.mark.parametrize("out_act,loss", [("sigmoid", "bce"), ("softmax", "cross_entropy")])
def test_losses_at_saturation_come_from_z(out_act, loss):
    """A confident wrong answer at z = 40 costs ≈ 40, not a clamp at 100 or inf, and matches its gradient."""
    outputs = 2 if loss == "cross_entropy" else 1
    for z_out in (40.0, 400.0, 800.0):
        w = ((z_out,),) if outputs == 1 else ((z_out,), (0.0,))
        net = Network(1, [LayerSpec(outputs, out_act, False, weights=w)], loss)
        x = np.array([[1.0]])
        y = np.array([[0.0]]) if outputs == 1 else np.array([[0.0, 1.0]])
        net.forward(x)
        value = net.compute_loss(y)
        assert value == pytest.approx(z_out, rel=1e-12)
        assert net.evaluate(x, y) == pytest.approx(z_out, rel=1e-12)
        assert float(reference.loss(reference.layers_of(net), loss, x, y)) == pytest.approx(z_out, rel=1e-12)
