"""The training step written plainly: the one to read first.

``Network`` (network.py) is the fast step: preallocated buffers, biases folded
into the weight matrices, fused operations. This module computes exactly the
same numbers (the tests hold the two equal to 1e-12) with one equation per
line and new arrays everywhere, so a learner can follow the chain rule:

    forward    z = W a_prev + b            a = f(z)
    loss       L = mean over samples of loss_i(a_out, y)
    backward   dL/da (from the loss, or from the layer above: Wᵀ delta)
               delta = f'(z) ⊙ dL/da
               dL/dW = mean(delta a_prevᵀ)     dL/db = mean(delta)
    update     W ← W + optimizer step

A batch is one sample per row, so in code ``z = a_prev @ W.T + b``. Every
function works in the dtype it is given: the gradient check runs it in
``np.longdouble`` for extra digits.
"""

from __future__ import annotations

import numpy as np


# ------------------------------------------------------------ activations
def activate(name: str, z: np.ndarray) -> np.ndarray:
    """a = f(z)."""
    with np.errstate(over="ignore"):
        if name == "linear":
            return z.copy()
        if name == "sigmoid":
            return 1 / (1 + np.exp(-z))
        if name == "tanh":
            return np.tanh(z)
        if name == "relu":
            return np.maximum(z, 0)
        if name == "leaky_relu":
            return np.where(z > 0, z, 0.01 * z)
        if name == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))  # minus the row max: no overflow
            return e / e.sum(axis=1, keepdims=True)
    raise ValueError(f"unknown activation {name!r}")


def derivative(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """f'(z), element by element (softmax's full Jacobian is in ``delta``)."""
    if name == "linear":
        return np.ones_like(z)
    if name in ("sigmoid", "softmax"):
        return a * (1 - a)
    if name == "tanh":
        return 1 - a * a
    if name == "relu":
        return (z > 0).astype(z.dtype)  # f'(0) = 0, as PyTorch has it
    if name == "leaky_relu":
        return np.where(z > 0, 1, 0.01).astype(z.dtype)
    raise ValueError(f"unknown activation {name!r}")


def delta(name: str, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
    """delta = dL/dz from dL/da."""
    if name == "softmax":
        # Every output depends on every z: delta_k = a_k (g_k − Σ_j g_j a_j).
        return a * (grad_a - (grad_a * a).sum(axis=1, keepdims=True))
    return derivative(name, z, a) * grad_a  # delta = f'(z) ⊙ dL/da


# ------------------------------------------------------------------ losses
def loss_per_sample(name: str, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """loss_i for each sample. bce and cross_entropy are computed from z, so a
    confident wrong answer costs what it should (z = 40 wrong: loss ≈ 40)."""
    k = a.shape[1]  # outputs per sample
    if name == "mse":
        return ((a - y) ** 2).sum(axis=1) / k
    if name == "half_mse":
        return 0.5 * ((a - y) ** 2).sum(axis=1) / k
    if name == "bce":
        # −[y log σ(z) + (1 − y) log(1 − σ(z))] = softplus(z) − y z, with softplus(z) = max(z, 0) + log(1 + e^−|z|)
        return (np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))).sum(axis=1) / k
    if name == "cross_entropy":
        m = z.max(axis=1, keepdims=True)
        log_softmax = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))  # log a, never log 0
        return -(y * log_softmax).sum(axis=1)
    raise ValueError(f"unknown loss {name!r}")


def output_delta(loss: str, activation: str, z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """delta of the output layer, d(loss_i)/dz, per sample."""
    k = a.shape[1]
    if loss in ("mse", "half_mse"):
        grad_a = (2.0 if loss == "mse" else 1.0) * (a - y) / k  # dL/da
        return delta(activation, z, a, grad_a)
    # bce after sigmoid and cross_entropy after softmax: f'(z) and dL/da cancel to a − y
    # (dL/da alone is infinite once σ(z) rounds to exactly 0 or 1; the product is not).
    if loss == "bce":
        return (a - y) / k
    if loss == "cross_entropy":
        return a - y
    raise ValueError(f"unknown loss {loss!r}")


# --------------------------------------------------------------- the step
def forward(layers, x):
    """``layers``: (W, b or None, activation) per layer. Returns (inputs, zs, activations) per layer."""
    inputs, zs, activations = [], [], []
    a = x
    for W, b, f in layers:
        inputs.append(a)
        z = a @ W.T  # z = W a_prev (+ b)
        if b is not None:
            z = z + b
        a = activate(f, z)  # a = f(z)
        zs.append(z)
        activations.append(a)
    return inputs, zs, activations


def loss(layers, loss_name: str, x, y):
    """L = mean over the batch of loss_i."""
    _, zs, activations = forward(layers, x)
    return loss_per_sample(loss_name, zs[-1], activations[-1], y).mean()


def backward(layers, loss_name: str, x, y):
    """(dL/dW, dL/db or None) per layer, averaged over the batch."""
    inputs, zs, activations = forward(layers, x)
    batch = len(x)
    grads = [None] * len(layers)
    d = output_delta(loss_name, layers[-1][2], zs[-1], activations[-1], y)  # output layer's delta
    for i in reversed(range(len(layers))):
        W, b, f = layers[i]
        grad_W = d.T @ inputs[i] / batch  # dL/dW = mean(delta a_prevᵀ)
        grad_b = d.sum(axis=0) / batch if b is not None else None  # dL/db = mean(delta)
        grads[i] = (grad_W, grad_b)
        if i > 0:
            grad_a = d @ W  # dL/da_prev = Wᵀ delta
            d = delta(layers[i - 1][2], zs[i - 1], activations[i - 1], grad_a)  # delta = f'(z) ⊙ dL/da
    return grads


# ---------------------------------------------------------------- update
def regularization_gradient(kind: str, rate: float, W):
    """What regularization adds to dL/dW (biases are never regularized)."""
    if kind == "l2":
        return rate * W  # d/dW of (rate/2)·ΣW²
    if kind == "l1":
        return rate * np.sign(W)  # d/dW of rate·Σ|W|
    return np.zeros_like(W)  # none, and Playground's L1 (applied after the step)


def optimizer_step(name: str, settings: dict, lr: float, g, state: dict, t: int):
    """The change to one parameter array given its gradient g; ``state`` is updated in place; t counts from 1."""
    if name == "sgd":
        return -lr * g
    if name == "momentum":
        state["velocity"] = settings["momentum"] * state.get("velocity", 0) + g  # v ← μv + g
        return -lr * state["velocity"]
    if name == "rmsprop":
        alpha = settings["alpha"]
        state["square_avg"] = alpha * state.get("square_avg", 0) + (1 - alpha) * g * g  # s ← αs + (1−α)g²
        return -lr * g / (np.sqrt(state["square_avg"]) + settings["epsilon"])
    if name == "adagrad":
        state["sum_squares"] = state.get("sum_squares", 0) + g * g  # s ← s + g²
        return -lr * g / (np.sqrt(state["sum_squares"]) + settings["epsilon"])
    if name == "adam":
        b1, b2 = settings["beta1"], settings["beta2"]
        state["m"] = b1 * state.get("m", 0) + (1 - b1) * g  # first moment
        state["v"] = b2 * state.get("v", 0) + (1 - b2) * g * g  # second moment
        m_hat = state["m"] / (1 - b1**t)  # bias corrections
        v_hat = state["v"] / (1 - b2**t)
        return -lr * m_hat / (np.sqrt(v_hat) + settings["epsilon"])
    raise ValueError(f"unknown optimizer {name!r}")


def playground_l1(new, rate: float, lr: float):
    """TensorFlow Playground's L1, after the step: w shrinks by lr·rate toward 0, and stops at 0."""
    shrunk = new - lr * rate * np.sign(new)
    return np.where(new * shrunk < 0, 0.0, shrunk)  # it crossed zero: set to 0


def train_step(layers, loss_name: str, x, y, optimizer: str, settings: dict, lr: float,
               regularization: str = "none", rate: float = 0.0, state: dict | None = None, t: int = 1):
    """One whole step; returns (loss, new layers). ``state``: per-parameter optimizer state, updated in place."""
    state = {} if state is None else state
    L = loss(layers, loss_name, x, y)
    grads = backward(layers, loss_name, x, y)
    new_layers = []
    for i, ((W, b, f), (grad_W, grad_b)) in enumerate(zip(layers, grads)):
        g_W = grad_W + regularization_gradient(regularization, rate, W)
        W_new = W + optimizer_step(optimizer, settings, lr, g_W, state.setdefault(("W", i), {}), t)
        if regularization == "playground_l1" and rate:
            W_new = playground_l1(W_new, rate, lr)
        b_new = None if b is None else b + optimizer_step(optimizer, settings, lr, grad_b, state.setdefault(("b", i), {}), t)
        new_layers.append((W_new, b_new, f))
    return L, new_layers


def layers_of(net, dtype=np.float64):
    """A Network's parameters as plain (W, b, activation) triples (copies, in ``dtype``)."""
    return [(layer.weights.astype(dtype), None if layer.biases is None else layer.biases.astype(dtype),
             layer.activation.name) for layer in net.layers]
