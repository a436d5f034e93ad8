"""The hot training step allocates no new arrays once warmed up.

A structural guard for speed: every array of the networks below is larger
than ``ARRAY_BYTES``, so a single array allocated (even briefly) inside a step
would push tracemalloc's peak past that size. Small Python objects (floats,
NumPy scalars) stay far below it.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from tui_backprop.config import Config, DataConfig, NetworkConfig, TrainingConfig
from tui_backprop.core.network import LayerSpec, Network
from tui_backprop.core.optimizers import OPTIMIZERS, make_optimizer
from tui_backprop.training.session import Session
from tui_backprop.training.timeline import Timeline

INPUTS, BATCH = 16, 128
# Every activation, every array > 4 KB: the smallest is the output, 128 × 8 float64 = 8 KB.
LAYERS = [LayerSpec(64, "tanh"), LayerSpec(64, "relu"), LayerSpec(64, "sigmoid"), LayerSpec(64, "leaky_relu"),
          LayerSpec(8, "linear")]
ARRAY_BYTES = 4096
STEPS = 200


def _peak_over(steps: int, step) -> int:
    """Peak traced bytes above the starting point while running ``steps`` steps."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        start, _ = tracemalloc.get_traced_memory()
        for _ in range(steps):
            step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - start


def _smallest_array(net: Network) -> int:
    ws = net.workspace(BATCH)
    arrays = [*ws.z, *ws.a, *ws.delta, *ws.grad_a, *(layer.param_block for layer in net.layers)]
    return min(a.nbytes for a in arrays)


@pytest.mark.parametrize(("loss", "output", "optimizer"), [
    *(("mse", "linear", name) for name in sorted(OPTIMIZERS)),
    ("half_mse", "tanh", "sgd"),
    ("cross_entropy", "softmax", "sgd"),
    ("bce", "sigmoid", "sgd"),
])
def test_network_step_allocates_no_arrays(loss, output, optimizer):
    layers = LAYERS[:-1] + [LayerSpec(8, output)]
    net = Network(INPUTS, layers, loss, seed=3)
    opt = make_optimizer(optimizer, net.params.size, 0.01, regularization="l2", regularization_rate=1e-4)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, INPUTS))
    y = np.eye(8)[rng.integers(0, 8, BATCH)] if loss in ("cross_entropy", "bce") else rng.normal(size=(BATCH, 8))
    assert _smallest_array(net) > ARRAY_BYTES

    def step():
        net.forward(x)
        net.compute_loss(y)
        net.backward(y)
        opt.step(net.params, net.grads, net.weight_mask)

    for _ in range(3):  # warm-up: the workspace for this batch size is built once
        step()
    peak = _peak_over(STEPS, step)
    assert peak < ARRAY_BYTES, f"{STEPS} steps reached a peak of {peak} new bytes (one array is > {ARRAY_BYTES})"


def _session(samples: int, batch: int) -> Session:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(samples, INPUTS))
    y = rng.normal(size=(samples, 8))
    config = Config(
        title="allocations",
        network=NetworkConfig(inputs=INPUTS, seed=2, layers=tuple(LAYERS)),
        data=DataConfig(source="inline", x=x, y=y, test_fraction=0.1),
        training=TrainingConfig(loss="mse", optimizer="momentum", learning_rate=0.01, batch_size=batch),
    )
    return Session.headless(config)


def test_session_run_with_mini_batches_allocates_no_arrays(monkeypatch):
    # The step itself: the states kept for step back (a bounded copy every 64 steps) are measured
    # in tests/training/test_step_back.py.
    monkeypatch.setattr(Timeline, "EVERY", 1 << 40)
    # 300 mini-batches per epoch: the 200 measured steps stay inside one epoch
    # (the end-of-epoch evaluation on the whole data set is measured below).
    session = _session(samples=BATCH * 300 * 10 // 9 + 10, batch=BATCH)
    assert session.steps_per_epoch > STEPS + 10
    assert session.run(5) == "steps"  # warm-up
    assert _smallest_array(session.network) > ARRAY_BYTES
    peak = _peak_over(1, lambda: session.run(STEPS))
    assert session.epoch == 0 and session.step_count == STEPS + 5
    assert peak < ARRAY_BYTES, f"Session.run({STEPS}) reached a peak of {peak} new bytes"


def test_session_memory_does_not_grow_across_epochs(monkeypatch):
    monkeypatch.setattr(Timeline, "EVERY", 1 << 40)  # (step back's kept states: bounded, tested elsewhere)
    session = _session(samples=BATCH * 5, batch=BATCH)
    session.run(3 * session.steps_per_epoch)  # warm-up, includes end-of-epoch evaluations
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        session.run(20 * session.steps_per_epoch)
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert session.epoch == 23
    assert after - before < ARRAY_BYTES, f"20 epochs kept {after - before} more bytes"
