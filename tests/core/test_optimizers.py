"""Each optimizer against values worked out by hand, for three steps.

The problem is the "one-weight" worked example (docs/architecture.md): ŷ = w·x with x = 2, target y = 4,
mse loss, starting from w₀ = 1. Then L = (2w − 4)² and

    g(w) = dL/dw = 2(2w − 4)·2 = 8w − 16.

The definitions are torch.optim's (defaults in brackets):
    sgd       w ← w − lr·g
    momentum  v ← μv + g;               w ← w − lr·v                      [μ 0.9, no dampening]
    rmsprop   s ← αs + (1−α)g²;         w ← w − lr·g/(√s + ε)             [α 0.99, ε 1e-8]
    adagrad   s ← s + g²;               w ← w − lr·g/(√s + ε)             [ε 1e-10]
    adam      m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
              w ← w − (lr/(1−β₁ᵗ))·m/(√v/√(1−β₂ᵗ) + ε)                   [β 0.9/0.999, ε 1e-8]

The reference numbers below were worked out by hand (and checked with
40-digit decimal arithmetic), not by running this code.
"""

import numpy as np
import pytest

from tests.conftest import inline_config
from tui_backprop.core.optimizers import OPTIMIZERS, make_optimizer
from tui_backprop.training import Session

# name, learning rate, [(gradient, weight after the step)] for steps 1..3
REFERENCE = {
    # g₁ = 8·1 − 16 = −8      → w₁ = 1 + 0.1·8 = 1.8
    # g₂ = 14.4 − 16 = −1.6   → w₂ = 1.8 + 0.16 = 1.96
    # g₃ = 15.68 − 16 = −0.32 → w₃ = 1.96 + 0.032 = 1.992
    "sgd": (0.1, [(-8.0, 1.8), (-1.6, 1.96), (-0.32, 1.992)]),
    # v₁ = −8                       → w₁ = 1 + 0.8 = 1.8
    # g₂ = −1.6, v₂ = −7.2 − 1.6 = −8.8 → w₂ = 1.8 + 0.88 = 2.68
    # g₃ = 21.44 − 16 = 5.44, v₃ = −7.92 + 5.44 = −2.48 → w₃ = 2.68 + 0.248 = 2.928 (overshoots 2)
    "momentum": (0.1, [(-8.0, 1.8), (-1.6, 2.68), (5.44, 2.928)]),
    # s₁ = 0.01·64 = 0.64, √s₁ = 0.8 → w₁ = 1 + 0.01·8/(0.8 + 1e-8) = 1.0999999987500000156
    # g₂ = 8·w₁ − 16 = −7.20000001;  s₂ = 0.99·0.64 + 0.01·g₂² = 0.6336 + 0.5184 = 1.15200000144
    #   → w₂ = w₁ + 0.01·7.20000001/(√1.15200000144 + 1e-8) = 1.1670820375012369360
    # g₃ = −6.6633436999901045;  s₃ = 0.99·s₂ + 0.01·g₃² = 1.5844814940675781
    #   → w₃ = w₂ + 0.01·6.66334370/(1.25876192… + 1e-8) = 1.2200177333104047020
    "rmsprop": (0.01, [(-8.0, 1.0999999987500000156), (-7.20000001, 1.1670820375012369360),
                       (-6.6633436999901045116, 1.2200177333104047020)]),
    # s₁ = 64 → w₁ = 1 + 0.1·8/(8 + 1e-10) = 1.09999999999875
    # g₂ = −7.20000000001, s₂ = 64 + 51.84 = 115.84000000014 → w₂ = w₁ + 0.72/(10.7629…) = 1.1668964731604247539
    # g₃ = −6.6648282147166020, s₃ = 115.84 + 44.42 = 160.25993513182649 → w₃ = 1.2195438186497199733
    "adagrad": (0.1, [(-8.0, 1.09999999999875), (-7.20000000001, 1.1668964731604247539),
                      (-6.6648282147166019685, 1.2195438186497199733)]),
    # t=1: m = −0.8, v = 0.064; m̂ = −0.8/0.1 = −8, v̂ = 0.064/0.001 = 64
    #      → w₁ = 1 + 0.1·8/(8 + 1e-8) = 1.0999999998750000002
    # t=2: g₂ = −7.200000001; m = −0.72 − 0.72 = −1.44000000010, v = 0.063936 + 0.05184 = 0.1157760000144
    #      bias corrections 1 − 0.81 = 0.19 and 1 − 0.998001 = 0.001999
    #      → w₂ = w₁ + (0.1/0.19)·1.44/(√(0.115776/0.001999) + 1e-8) = 1.1995877720736167962
    # t=3: g₃ = −6.4032978234110656; m = −1.9363297824311066, v = 0.15666244702968649
    #      corrections 0.271 and 0.002997001 → w₃ = 1.2984137282227589678
    "adam": (0.1, [(-8.0, 1.0999999998750000002), (-7.200000001, 1.1995877720736167962),
                   (-6.4032978234110656305, 1.2984137282227589678)]),
}


def test_every_optimizer_has_a_reference():
    assert set(REFERENCE) == set(OPTIMIZERS)


def test_defaults_are_torchs():
    assert make_optimizer("momentum", 1, 0.1).settings == {"momentum": 0.9}
    assert make_optimizer("rmsprop", 1, 0.1).settings == {"alpha": 0.99, "epsilon": 1e-8}
    assert make_optimizer("adagrad", 1, 0.1).settings == {"epsilon": 1e-10}
    assert make_optimizer("adam", 1, 0.1).settings == {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
    assert make_optimizer("sgd", 1, 0.1).settings == {}


@pytest.mark.parametrize("name", list(REFERENCE))
def test_three_steps_by_hand_on_the_bare_optimizer(name):
    lr, steps = REFERENCE[name]
    params = np.array([1.0])
    opt = make_optimizer(name, 1, lr)
    mask = np.ones(1)
    for i, (grad, expected) in enumerate(steps, start=1):
        g = 8 * params[0] - 16
        assert g == pytest.approx(grad, rel=1e-13), f"step {i} gradient"
        before = params[0]
        update = opt.step(params, np.array([g]), mask)
        assert params[0] == pytest.approx(expected, rel=0, abs=1e-14), f"step {i} weight"
        assert update[0] == pytest.approx(params[0] - before, abs=1e-15)  # the step taken is kept
    assert opt.steps == 3


@pytest.mark.parametrize("name", list(REFERENCE))
def test_three_steps_by_hand_through_a_session(name):
    lr, steps = REFERENCE[name]
    session = Session(inline_config([[1.0]], [[2.0]], [[4.0]], loss="mse", optimizer=name, learning_rate=lr))
    for i, (grad, expected) in enumerate(steps, start=1):
        session.advance_phase()
        session.advance_phase()
        session.advance_phase()  # gradients computed, not applied
        assert session.network.grads[0] == pytest.approx(grad, rel=1e-13), f"step {i} gradient"
        session.advance_phase()
        assert session.network.params[0] == pytest.approx(expected, rel=0, abs=1e-14), f"step {i} weight"


def test_optimizer_settings_from_a_preset_are_used():
    """momentum 0.5: v₂ = 0.5·(−8) − 1.6 = −5.6 → w₂ = 1.8 + 0.56 = 2.36."""
    session = Session(inline_config([[1.0]], [[2.0]], [[4.0]], optimizer="momentum", learning_rate=0.1,
                                    momentum=0.5))
    session.run(2)
    assert session.network.params[0] == pytest.approx(2.36, abs=1e-14)


def test_unknown_optimizer_setting_is_refused():
    with pytest.raises(ValueError, match="beta1"):
        make_optimizer("sgd", 1, 0.1, beta1=0.9)


def test_a_vector_of_parameters_is_updated_element_wise():
    """Adam's first step is ±lr for every element whatever the gradient's size (m̂/√v̂ = sign g)."""
    params = np.zeros(4)
    opt = make_optimizer("adam", 4, 0.01)
    opt.step(params, np.array([1e-3, -5.0, 200.0, 0.0]), np.ones(4))
    np.testing.assert_allclose(params, [-0.01, 0.01, -0.01, 0.0], rtol=1e-4)


@pytest.mark.parametrize("name", list(REFERENCE))
def test_against_torch_optim(name):
    torch = pytest.importorskip("torch")  # usually not installed: then this compares nothing and skips
    lr, _ = REFERENCE[name]
    makers = {
        "sgd": lambda p: torch.optim.SGD(p, lr=lr),
        "momentum": lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9),
        "rmsprop": lambda p: torch.optim.RMSprop(p, lr=lr),
        "adagrad": lambda p: torch.optim.Adagrad(p, lr=lr),
        "adam": lambda p: torch.optim.Adam(p, lr=lr),
    }
    rng = np.random.default_rng(0)
    start = rng.normal(size=5)
    grads = rng.normal(size=(3, 5))
    weight = torch.tensor(start.copy(), dtype=torch.float64, requires_grad=True)
    opt_t = makers[name]([weight])
    params = start.copy()
    opt = make_optimizer(name, 5, lr)
    for g in grads:
        opt_t.zero_grad()
        weight.grad = torch.tensor(g, dtype=torch.float64)
        opt_t.step()
        opt.step(params, g.copy(), np.ones(5))
        np.testing.assert_allclose(params, weight.detach().numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("regularization", ["none", "l2", "playground_l1"])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_update_calls_take_the_steps_step_takes_bit_for_bit(name, regularization):
    """A sweep lays an optimizer's update out once as calls (no branches each step): the same numbers as
    ``step``, with a column of learning rates or one rate for all, regularized or not."""
    rng = np.random.default_rng(5)
    shape = (4, 7)
    mask = np.ones(7)
    mask[-2:] = 0.0  # biases
    for rate in (0.03, np.array([[0.01], [0.03], [0.1], [0.3]])):
        params = rng.normal(size=shape)
        a = make_optimizer(name, shape, 1.0, regularization, 0.01)
        b = make_optimizer(name, shape, 1.0, regularization, 0.01)
        a.learning_rate = b.learning_rate = rate
        pa, pb, grads = params.copy(), params.copy(), np.zeros(shape)
        calls = b.update_calls(pb, grads, mask)
        plain = regularization == "none" and name in ("sgd", "momentum")
        assert (calls[0][0] != b.step) == plain  # laid out where there are no branches
        for _ in range(5):
            grads[...] = rng.normal(size=shape)
            a.step(pa, grads, mask)
            for call, args in calls:
                call(*args)
            assert np.array_equal(pa, pb) and np.array_equal(a.previous_params, b.previous_params)
            assert np.array_equal(a.last_update, b.last_update)
