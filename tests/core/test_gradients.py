"""Backprop's gradients against central finite differences, for every pairing.

Every hidden activation × every valid (output activation, loss) pair is
checked with ``gradcheck.check_layers`` on several random shapes, depths and
batch sizes, with and without biases. The finite differences only evaluate
the loss, so they are an independent check on the chain rule in ``backward``.
"""

import itertools

import numpy as np
import pytest

from tui_backprop.core.activations import ACTIVATIONS
from tui_backprop.core.gradcheck import check_layers, flat_index, numeric_gradient, relative_error
from tui_backprop.core.losses import LOSSES
from tui_backprop.core.network import LayerSpec, Network
from tui_backprop.core.optimizers import make_optimizer

ELEMENTWISE = ("linear", "sigmoid", "tanh", "relu", "leaky_relu")

# (output activation, loss): every pairing the config accepts.
PAIRINGS = (
    [(act, "mse") for act in ELEMENTWISE]
    + [(act, "half_mse") for act in ELEMENTWISE]
    + [("sigmoid", "bce"), ("softmax", "cross_entropy")]
)

# (inputs, hidden widths, outputs, batch, bias): depths 1 to 3, batch 1 and several.
SHAPES = [
    (1, (), 1, 1, False),
    (3, (4,), 2, 1, True),
    (2, (5, 3), 3, 7, True),
    (4, (3, 4, 2), 2, 5, False),
]

KINK_MARGIN = 1e-2  # finite differences step 1e-4: keep every ReLU input further than this from 0


def test_pairings_cover_every_activation_and_loss():
    assert {a for a, _ in PAIRINGS} | set(ELEMENTWISE) == set(ACTIVATIONS)
    assert {loss for _, loss in PAIRINGS} == set(LOSSES)
    # and the pairings are exactly the ones the losses accept
    for act, loss in itertools.product(ACTIVATIONS, LOSSES):
        ok = LOSSES[loss].check_pairing(act) is None
        assert ok == ((act, loss) in PAIRINGS), (act, loss)


def _targets(rng, loss, batch, outputs, out_act):
    if loss == "cross_entropy":
        return np.eye(outputs)[rng.integers(0, outputs, batch)]
    if loss == "bce":
        # soft targets exercise the general formula, hard 0/1 the usual case
        y = rng.uniform(0.05, 0.95, (batch, outputs))
        y[::2] = np.round(y[::2])
        return y
    return rng.normal(0.0, 1.0, (batch, outputs))


def _network_and_batch(hidden_act, out_act, loss, shape, seed):
    inputs, hidden, outputs, batch, bias = shape
    if loss == "cross_entropy" and outputs < 2:
        outputs = 2
    specs = [LayerSpec(u, hidden_act, bias) for u in hidden] + [LayerSpec(outputs, out_act, bias)]
    rng = np.random.default_rng(seed)
    for attempt in range(200):
        net = Network(inputs, specs, loss, "xavier", seed * 1000 + attempt, bias_init=0.1 if bias else 0.0)
        x = rng.normal(0.0, 1.0, (batch, inputs))
        net.forward(x)
        kinked = any(
            layer.activation.name in ("relu", "leaky_relu") and np.abs(z).min() < KINK_MARGIN
            for layer, z in zip(net.layers, net._ws.z)
        )
        y = _targets(rng, loss, batch, outputs, out_act)
        net.compute_loss(y)
        net.backward(y)
        # a layer whose ReLUs are all off has gradient 0 everywhere: a check that proves nothing
        dead = any(np.abs(layer.grad_block).max() < 1e-8 for layer in net.layers)
        if not kinked and not dead:
            return net, x, y
    raise AssertionError("could not keep the inputs away from the ReLU kink with every layer alive")


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}-{'-'.join(map(str, s[1]))}-{s[2]}x{s[3]}{'b' if s[4] else ''}")
@pytest.mark.parametrize("out_act,loss", PAIRINGS, ids=[f"{a}+{l}" for a, l in PAIRINGS])
@pytest.mark.parametrize("hidden_act", ELEMENTWISE)
def test_gradient_check(hidden_act, out_act, loss, shape):
    seed = sum(map(ord, f"{hidden_act}{out_act}{loss}{shape}")) % 10_000  # varied, fixed per case
    net, x, y = _network_and_batch(hidden_act, out_act, loss, shape, seed)
    before = net.params.copy()
    checks = check_layers(net, x, y)
    assert len(checks) == len(net.layers)
    assert np.array_equal(net.params, before), "the check must leave the parameters as it found them"
    for check in checks:
        assert check.analytic.shape == net.layers[check.layer].param_block.shape
        assert np.abs(check.analytic).max() > 1e-8
        assert check.max_relative_error < 1e-6, (check.layer, check.max_relative_error, check.worst_index)
        assert check.passed


def test_gradcheck_catches_a_wrong_gradient():
    """The check is not vacuous: a gradient off by 1% in one entry fails it."""
    net, x, y = _network_and_batch("tanh", "sigmoid", "bce", (2, (3,), 1, 4, True), 5)
    check = check_layers(net, x, y)[0]
    tampered = check.analytic.copy()
    tampered[1, 1] *= 1.01
    err = relative_error(tampered, check.numeric, floor=1e-10)
    assert err.max() > 1e-3


def test_numeric_gradient_of_one_weight_matches_the_hand_value():
    # ŷ = w·x, x = 2, y = 4, w = 1, mse: dL/dw = 2(ŷ − y)·x = 2·(2 − 4)·2 = −8
    net = Network(1, [LayerSpec(1, "linear", False, weights=((1.0,),))], "mse")
    x, y = np.array([[2.0]]), np.array([[4.0]])
    assert numeric_gradient(net, x, y, flat_index(net, 0, 0, 0)) == pytest.approx(-8.0, abs=1e-9)


# --------------------------------------------------------- hand-computed cases
def test_grad_a_and_delta_by_hand_two_layers():
    """x = 3; hidden relu W1 = [[1], [-1]], b1 = 0; output linear W2 = [[2, 5]], b2 = 1; half_mse, y = 4.

    forward:  z1 = [3, −3], a1 = [3, 0]; ŷ = 2·3 + 5·0 + 1 = 7; C = ½(7 − 4)² = 4.5
    backward: dC/dŷ = ŷ − y = 3 = delta2 (linear);  dW2 = 3·[3, 0] = [9, 0], db2 = 3
              dC/da1 = delta2 · W2 = [6, 15];  delta1 = [6, 15] ⊙ relu'([3, −3]) = [6, 0]
              dW1 = delta1 · x = [[18], [0]], db1 = [6, 0]
    """
    net = Network(1, [LayerSpec(2, "relu", True, ((1.0,), (-1.0,)), (0.0, 0.0)),
                      LayerSpec(1, "linear", True, ((2.0, 5.0),), (1.0,))], "half_mse")
    x, y = np.array([[3.0]]), np.array([[4.0]])
    net.forward(x)
    assert net.compute_loss(y) == 4.5
    net.backward(y)
    fwd, back = net.forward_data(), net.backward_data()
    np.testing.assert_array_equal(fwd[0].z, [[3.0, -3.0]])
    np.testing.assert_array_equal(fwd[0].a, [[3.0, 0.0]])
    np.testing.assert_array_equal(fwd[1].inputs, [[3.0, 0.0]])
    np.testing.assert_array_equal(fwd[1].a, [[7.0]])
    np.testing.assert_array_equal(back[1].grad_a, [[3.0]])
    np.testing.assert_array_equal(back[1].delta, [[3.0]])
    np.testing.assert_array_equal(back[1].grad_weights, [[9.0, 0.0]])
    np.testing.assert_array_equal(back[1].grad_biases, [3.0])
    np.testing.assert_array_equal(back[0].grad_a, [[6.0, 15.0]])
    np.testing.assert_array_equal(back[0].delta, [[6.0, 0.0]])
    np.testing.assert_array_equal(back[0].grad_weights, [[18.0], [0.0]])
    np.testing.assert_array_equal(back[0].grad_biases, [6.0, 0.0])


def test_sigmoid_delta_by_hand():
    """w = 0, b = 0, x = 2: z = 0, a = σ(0) = ½; mse with y = 1.

    dL/da = 2(a − y) = −1; σ'(0) = a(1 − a) = ¼, so delta = −¼;
    dL/dw = delta·x = −½, dL/db = −¼.
    """
    net = Network(1, [LayerSpec(1, "sigmoid", True, ((0.0,),), (0.0,))], "mse")
    net.forward(np.array([[2.0]]))
    assert net.compute_loss(np.array([[1.0]])) == 0.25
    net.backward(np.array([[1.0]]))
    back = net.backward_data()[0]
    assert back.grad_a[0, 0] == -1.0
    assert back.delta[0, 0] == -0.25
    assert back.grad_weights[0, 0] == -0.5
    assert back.grad_biases[0] == -0.25


def test_batch_gradient_is_the_mean_of_per_sample_gradients():
    """ŷ = w·x, w = 1, mse. Sample (2, 4): dL/dw = 2·(2−4)·2 = −8. Sample (1, 0): 2·(1−0)·1 = 2.

    Batch of both: loss = (4 + 1)/2 = 2.5, dL/dw = (−8 + 2)/2 = −3; delta stays per sample: [−4, 2].
    """
    net = Network(1, [LayerSpec(1, "linear", False, ((1.0,),))], "mse")
    x, y = np.array([[2.0], [1.0]]), np.array([[4.0], [0.0]])
    net.forward(x)
    assert net.compute_loss(y) == 2.5
    net.backward(y)
    assert net.grads[0] == -3.0
    np.testing.assert_array_equal(net.backward_data()[0].delta, [[-4.0], [2.0]])


def test_mse_averages_over_outputs_and_half_mse_is_half():
    out, target = np.array([[1.0, 3.0]]), np.array([[0.0, 0.0]])
    assert LOSSES["mse"].value(out, target) == 5.0  # (1 + 9)/2
    assert LOSSES["half_mse"].value(out, target) == 2.5
    np.testing.assert_array_equal(LOSSES["mse"].grad_output(out, target), [[1.0, 3.0]])  # 2(ŷ−y)/2


def test_cross_entropy_delta_is_softmax_minus_target():
    """Softmax of [0, ln 3] is [¼, ¾]; with target [0, 1]: loss = −ln ¾, delta = [¼, −¼]."""
    net = Network(2, [LayerSpec(2, "softmax", False, ((1.0, 0.0), (0.0, 1.0)))], "cross_entropy")
    x = np.array([[0.0, np.log(3.0)]])
    y = np.array([[0.0, 1.0]])
    net.forward(x)
    np.testing.assert_allclose(net.forward_data()[0].a, [[0.25, 0.75]], rtol=1e-15)
    assert net.compute_loss(y) == pytest.approx(-np.log(0.75), rel=1e-15)
    net.backward(y)
    np.testing.assert_allclose(net.backward_data()[0].delta, [[0.25, -0.25]], rtol=1e-14)


def test_relu_derivative_is_zero_at_zero():
    relu = ACTIVATIONS["relu"]
    z = np.array([[-1.0, 0.0, 2.0]])
    a = relu.forward(z)
    np.testing.assert_array_equal(a, [[0.0, 0.0, 2.0]])
    np.testing.assert_array_equal(relu.derivative(z, a), [[0.0, 0.0, 1.0]])
    out = np.empty_like(z)
    np.testing.assert_array_equal(relu.derivative(z, a, out=out), [[0.0, 0.0, 1.0]])
    # backward through a unit sitting exactly at 0 passes no gradient
    delta = relu.backward(z, a, np.array([[5.0, 5.0, 5.0]]), np.empty_like(z), np.empty_like(z))
    np.testing.assert_array_equal(delta, [[0.0, 0.0, 5.0]])


def test_leaky_relu_slope_is_one_hundredth():
    leaky = ACTIVATIONS["leaky_relu"]
    z = np.array([[-3.0, -0.5, 2.0]])
    np.testing.assert_allclose(leaky.forward(z), [[-0.03, -0.005, 2.0]], rtol=1e-15)
    np.testing.assert_allclose(leaky.forward(z, out=np.empty_like(z)), [[-0.03, -0.005, 2.0]], rtol=1e-15)
    a = leaky.forward(z)
    np.testing.assert_array_equal(leaky.derivative(z, a), [[0.01, 0.01, 1.0]])
    np.testing.assert_allclose(leaky.derivative(z, a, out=np.empty_like(z)), [[0.01, 0.01, 1.0]], rtol=1e-15)


def test_sigmoid_and_tanh_derivatives():
    z = np.array([[0.0, 1.0, -2.0]])
    s = ACTIVATIONS["sigmoid"]
    a = s.forward(z)
    sig = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(a, sig, rtol=1e-15)
    np.testing.assert_allclose(s.derivative(z, a), sig * (1 - sig), rtol=1e-15)
    t = ACTIVATIONS["tanh"]
    a = t.forward(z)
    np.testing.assert_allclose(t.derivative(z, a), 1 / np.cosh(z) ** 2, rtol=1e-14)


# ------------------------------------------------------------- regularization
def _net_with_bias():
    # weights [[2, −3]], bias [5]
    return Network(2, [LayerSpec(1, "linear", True, ((2.0, -3.0),), (5.0,))], "mse")


def test_weight_mask_marks_weights_not_biases():
    net = Network(2, [LayerSpec(2, "tanh", True), LayerSpec(1, "linear", False)], "mse")
    # layer 0 block [[w, w, b], [w, w, b]], layer 1 block [[w, w]]
    np.testing.assert_array_equal(net.weight_mask, [1, 1, 0, 1, 1, 0, 1, 1])


@pytest.mark.parametrize("kind,expected_weight_grad", [
    # l2 adds rate·w:        0.1·[2, −3] = [0.2, −0.3]
    ("l2", [0.2, -0.3]),
    # l1 adds rate·sign(w):  0.1·[1, −1] = [0.1, −0.1]
    ("l1", [0.1, -0.1]),
])
def test_regularization_gradient_on_weights_only(kind, expected_weight_grad):
    net = _net_with_bias()
    opt = make_optimizer("sgd", net.params.size, 1.0, kind, 0.1)
    grads = np.zeros_like(net.params)  # no loss gradient: only the regularization moves anything
    opt.step(net.params, grads, net.weight_mask)
    np.testing.assert_allclose(opt.effective_grad, expected_weight_grad + [0.0], rtol=1e-15)
    np.testing.assert_allclose(net.layers[0].weights[0], np.array([2.0, -3.0]) - expected_weight_grad, rtol=1e-15)
    assert net.layers[0].biases[0] == 5.0  # never regularized


def test_regularization_adds_to_the_loss_gradient():
    """Loss gradient for x = [1, 1], y = 0: ŷ = 2 − 3 + 5 = 4, dL/dŷ = 8, so dW = [8, 8], db = 8.

    With l2 rate 0.5: weights' gradient = [8 + 1, 8 − 1.5] = [9, 6.5]; bias stays 8.
    """
    net = _net_with_bias()
    x, y = np.array([[1.0, 1.0]]), np.array([[0.0]])
    net.forward(x)
    net.compute_loss(y)
    net.backward(y)
    np.testing.assert_array_equal(net.grads, [8.0, 8.0, 8.0])
    opt = make_optimizer("sgd", net.params.size, 0.1, "l2", 0.5)
    opt.step(net.params, net.grads, net.weight_mask)
    np.testing.assert_array_equal(opt.effective_grad, [9.0, 6.5, 8.0])
    np.testing.assert_allclose(net.params, [2.0 - 0.9, -3.0 - 0.65, 5.0 - 0.8], rtol=1e-15)


def test_regularization_none_or_zero_rate_changes_nothing():
    for kind, rate in (("none", 0.7), ("l2", 0.0), ("l1", 0.0)):
        net = _net_with_bias()
        opt = make_optimizer("sgd", net.params.size, 1.0, kind, rate)
        opt.step(net.params, np.zeros(3), net.weight_mask)
        np.testing.assert_array_equal(net.params, [2.0, -3.0, 5.0])


def test_extended_precision_loss_matches_the_network_loss():
    """The finite differences evaluate the loss in longdouble; it is the same loss."""
    from tui_backprop.core.gradcheck import extended_loss

    for out_act, loss in PAIRINGS:
        net, x, y = _network_and_batch("tanh", out_act, loss, (2, (3,), 2, 4, True), 11)
        assert float(extended_loss(net, x, y)) == pytest.approx(net.evaluate(x, y), rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("preset", ["xor", "spiral-3-classes", "digits", "circle"])
def test_scoring_training_and_test_data_in_one_pass_gives_each_the_same_bits(preset):
    """The epoch end scores both sets in one forward pass (``evaluate_split``): each row's numbers as alone."""
    from tui_backprop.presets import load_preset
    from tui_backprop.training.session import Session

    s = Session.headless(load_preset(preset), step_back=False)
    s.run(25)
    d, net = s.data, s.network
    train, test, out_train, out_test = net.evaluate_split(np.concatenate([d.x_train, d.x_test]), d.y_train, d.y_test)
    alone_train, alone_out = net.evaluate_output(d.x_train, d.y_train)
    assert train == alone_train and np.array_equal(out_train, alone_out)
    if len(d.x_test):
        alone_test, alone_test_out = net.evaluate_output(d.x_test, d.y_test)
        assert test == alone_test and np.array_equal(out_test, alone_test_out)
