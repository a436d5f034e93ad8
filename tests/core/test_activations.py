"""Activations and products computed a faster way give the very same bits."""

from __future__ import annotations

import numpy as np
import pytest

from tui_backprop.core import workspace as workspace_module
from tui_backprop.core.activations import get_activation
from tui_backprop.core.network import LayerSpec, Network
from tui_backprop.core.optimizers import make_optimizer

SPECIAL = np.array([-0.0, 0.0, -1.5, 2.5, np.nan, -np.nan, np.inf, -np.inf, 1e-320, -1e-320, 5e300, -5e300])


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (32, 8), (64, 16), (7, 33), (640, 16), (2, 5, 9), (300, 300)])
def test_relu_forward_is_max_with_zero_bit_for_bit(shape):
    # ReLU takes the maximum against an array of zeros (faster): every special value at every
    # position of a SIMD lane must come out exactly as np.maximum(z, 0.0) has it, sign of zero and NaN included.
    relu = get_activation("relu")
    rng = np.random.default_rng(sum(shape))
    z = rng.normal(size=shape)
    flat = z.reshape(-1)
    flat[: len(SPECIAL) * (flat.size // len(SPECIAL))] = np.tile(SPECIAL, flat.size // len(SPECIAL))
    flat[-min(flat.size, 5):] = SPECIAL[:min(flat.size, 5)]
    for candidate in (z, np.roll(z, 1), -z):
        expected = np.maximum(candidate, 0.0)
        for got in (relu.forward(candidate), relu.forward(candidate, np.empty_like(candidate))):
            assert got.view(np.uint64).tolist() == expected.view(np.uint64).tolist()


# ------------------------------------------------------------ the products
SHAPES = [  # inputs, layers, batch
    (2, [LayerSpec(8, "tanh"), LayerSpec(8, "tanh"), LayerSpec(1, "tanh")], 32),
    (2, [LayerSpec(16, "relu"), LayerSpec(16, "relu"), LayerSpec(16, "relu"), LayerSpec(1, "linear")], 64),
    (3, [LayerSpec(24, "tanh"), LayerSpec(3, "softmax", bias=False)], 150),
    (5, [LayerSpec(7, "sigmoid", bias=False), LayerSpec(2, "sigmoid")], 1),
    (64, [LayerSpec(33, "leaky_relu"), LayerSpec(10, "softmax")], 10),
]


@pytest.mark.parametrize(("inputs", "layers", "batch"), SHAPES)
def test_np_dot_gives_the_numbers_np_matmul_gives(monkeypatch, inputs, layers, batch):
    # The step and the evaluation take np.dot where it is the same gemm call as np.matmul (less overhead):
    # a network doing every product with np.matmul must come out the same, bit for bit.
    loss = "cross_entropy" if layers[-1].activation == "softmax" else "mse"
    rng = np.random.default_rng(batch)
    x = rng.normal(size=(batch, inputs))
    y = np.eye(layers[-1].units)[rng.integers(0, layers[-1].units, batch)]
    x_eval = rng.normal(size=(3 * batch + 1, inputs))
    runs = []
    for patched in (False, True):
        if patched:
            monkeypatch.setattr(workspace_module, "_product", lambda left, right: np.matmul)
        net = Network(inputs, layers, loss, seed=batch)
        opt = make_optimizer("momentum", net.params.size, 0.1)
        for _ in range(5):
            net.forward(x)
            net.compute_loss(y)
            net.backward(y)
            opt.step(net.params, net.grads, net.weight_mask)
        runs.append((net.params.copy(), net.grads.copy(), net.predict(x_eval), net.layer_outputs(x_eval)[0],
                     net.evaluate(x_eval, np.eye(layers[-1].units)[np.arange(len(x_eval)) % layers[-1].units])))
    for fast, plain in zip(*runs):
        assert np.asarray(fast).tobytes() == np.asarray(plain).tobytes()
