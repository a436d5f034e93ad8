"""Per-layer statistics in the style of makemore part 3 and TensorBoard's histograms.

Two kinds: the distributions of one step (activations, gradients, ∂L/∂W
against W), read from a snapshot when the view draws; and the update:weight
ratio of every layer over the whole run, recorded after each update in
bounded memory (``UpdateRatios``). Karpathy's rule of thumb: log10 of
‖ΔW‖/‖W‖ near −3 is a healthy speed; far below, the layer barely learns; far
above, it thrashes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tui_backprop.core.diagnostics import by_largest, saturated_share
from tui_backprop.core.recording import DecimatedSeries

HEALTHY_LOG_RATIO = -3.0
FLOOR = 1e-300  # ratios of exactly 0 (no update yet) are drawn at the bottom, not as −inf
NO_UPDATE = -150.0  # the log10 ratio recorded for an update of exactly 0 (½·log10 FLOOR)


def with_latest(steps: np.ndarray, history: np.ndarray, step: int, ratios) -> tuple[np.ndarray, np.ndarray]:
    """The thinned series (``UpdateRatios.arrays``) with the latest step's ratios (each layer's ‖ΔW‖ / ‖W‖, the
    same definition) after its last kept step, so the line ends where the run is, not at a kept step before it."""
    if step <= 0 or (len(steps) and steps[-1] >= step):
        return steps, history
    latest = np.log10(np.maximum(np.asarray(ratios, dtype=float), FLOOR))[None, :]
    return np.append(steps, step), np.vstack([history.reshape(-1, latest.shape[1]), latest])


class UpdateRatios:
    """log10(‖ΔW‖ / ‖W‖) of every layer's weights (biases left out) at each update, W the weights it was
    added to (as CS231n's ratio: after a huge step the weights are the step, so the ratio would read 1).

    A handful of whole-network NumPy calls per recorded step, whatever the
    number of layers, and no new arrays: it runs inside the training loop.
    """

    def __init__(self, net, capacity: int = 512):
        self.series = DecimatedSeries(len(net.layers), capacity)
        # One row per layer: 1 on that layer's weights, 0 elsewhere (biases too), so a matmul
        # with the squared parameters gives every layer's ‖W‖² at once.
        self._weights_of = np.zeros((len(net.layers), net.params.size))
        offset = 0
        for i, layer in enumerate(net.layers):
            size = layer.param_block.size
            self._weights_of[i, offset: offset + size] = net.weight_mask[offset: offset + size]
            offset += size
        self._scratch = np.zeros(net.params.size)
        self._sizes = np.zeros(len(net.layers))

    def record(self, step: int, before: np.ndarray, update: np.ndarray) -> None:
        """``update`` (flat, new − old) and ``before``, the parameters it was added to."""
        row = self.series.slot(step)
        if row < 0:
            return
        ratio = self.series.values[row]
        scratch, sizes = self._scratch, self._sizes
        np.multiply(update, update, out=scratch)
        np.dot(self._weights_of, scratch, out=ratio)  # ‖ΔW‖² per layer
        np.multiply(before, before, out=scratch)
        np.dot(self._weights_of, scratch, out=sizes)  # ‖W‖² per layer
        np.maximum(sizes, FLOOR, out=sizes)
        np.divide(ratio, sizes, out=ratio)
        np.maximum(ratio, FLOOR, out=ratio)  # no update yet: drawn at the bottom, not as −inf
        np.log10(ratio, out=ratio)
        ratio *= 0.5  # log10 of the ratio of norms, from their squares
        self.series.commit()

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps, log10 ratios [steps, layers])."""
        return self.series.arrays()


@dataclass(frozen=True)
class Histogram:
    edges: np.ndarray  # bins + 1 (NaN when no value is finite)
    counts: np.ndarray  # of the finite values
    mean: float  # of the finite values (NaN when none is)
    std: float
    nan: int = 0  # values left out of the bins: NaN, +inf and −inf
    posinf: int = 0
    neginf: int = 0

    @property
    def total(self) -> int:
        """How many values are in the bins (the finite ones)."""
        return int(self.counts.sum())

    @property
    def size(self) -> int:
        """How many values there were, finite or not."""
        return self.total + self.nan + self.posinf + self.neginf


def moments(v: np.ndarray) -> tuple[float, float]:
    """Mean and std of finite values, taken over their largest size: a square of 1e200 would overflow."""
    scaled, size = by_largest(v)
    return float(np.mean(scaled)) * size, float(np.std(scaled)) * size


EQUAL = 1e-12  # a range narrower than this share of its values' size is one value (np.histogram needs wider bins)


def histogram(values, bins: int = 20, limits: tuple[float, float] | None = None) -> Histogram:
    """A histogram of the finite values, the others counted (NaN, ±inf); never raises on huge values.

    All values equal (or within ``EQUAL`` of each other): one bar in the middle bin, the range widened by
    ±0.5, or by a millionth of the value where ±0.5 would not widen it (a blown-up layer's 2.9e145).
    The bins are made on the values divided by their largest size, so a range such as −1e308 … 1e308
    (whose width overflows) and its mean and std stay finite.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    ok = np.isfinite(v)
    nan, posinf = int(np.isnan(v).sum()), int(np.isposinf(v).sum())
    neginf = v.size - int(ok.sum()) - nan - posinf
    v = v[ok]
    if v.size == 0:
        return Histogram(np.full(bins + 1, np.nan), np.zeros(bins, dtype=np.int64), math.nan, math.nan,
                         nan, posinf, neginf)
    mean, std = moments(v)
    lo, hi = limits if limits is not None else (float(v.min()), float(v.max()))
    scale = max(abs(lo), abs(hi))
    if hi - lo > EQUAL * scale:
        s = scale  # bins made on values within −1 … 1: a width such as 2e308 would overflow
        ulo, uhi = lo / s, hi / s
    else:  # one value: ±0.5 around it, or a millionth of it where ±0.5 is below its precision
        s = max(scale, 1.0)
        middle, half = lo / s / 2 + hi / s / 2, max(0.5 / s, 1e-6)
        ulo, uhi = middle - half, middle + half
    counts, edges = np.histogram(v / s, bins=bins, range=(ulo, uhi))
    with np.errstate(over="ignore"):
        edges = np.clip(edges * s, -np.finfo(np.float64).max, np.finfo(np.float64).max)
    return Histogram(edges, counts, mean, std, nan, posinf, neginf)


def spread(values) -> float:
    """The std of an array, NaN if a value is not finite (never an overflow warning)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    return moments(v)[1] if np.isfinite(v).all() else math.nan


ACTIVATION_RANGES = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0)}


@dataclass(frozen=True)
class LayerStats:
    """One layer's distributions at one step (None where that pass has not run yet)."""

    layer: int
    activation: str
    activations: Histogram | None
    saturated_share: float | None  # sigmoid/tanh outputs pinned near their limits
    dead_share: float | None  # ReLU outputs that are exactly 0
    gradients: Histogram | None  # ∂L/∂a of the layer's outputs, per sample
    weight_gradients: Histogram | None  # ∂L/∂W, batch mean
    grad_to_weight: float | None  # std(∂L/∂W) / std(W)


def layer_stats(layer, bins: int = 20) -> LayerStats:
    """Distributions of one layer of a snapshot (``weights``, ``grad_weights``, ``a``, ``grad_a``,
    ``backward_pending``)."""
    a = layer.a
    acts = histogram(a, bins, ACTIVATION_RANGES.get(layer.activation)) if a is not None else None
    saturated = saturated_share(layer.activation, a) if a is not None and layer.activation in ("tanh", "sigmoid") else None
    dead = float(np.mean(a <= 0.0)) if a is not None and layer.activation == "relu" else None
    grads = histogram(layer.grad_a, bins) if layer.grad_a is not None else None
    # this step's ∂L/∂W: not while the step in progress has yet to reach the layer going backward (its array
    # still holds the last step's, QA6 C1), nor before any backward pass (all zero)
    pending = getattr(layer, "backward_pending", False)
    has_grads = not pending and (layer.grad_a is not None or np.any(layer.grad_weights))
    wgrads = histogram(layer.grad_weights, bins) if has_grads else None
    w_std = spread(layer.weights)
    g_std = spread(layer.grad_weights)
    ratio = g_std / w_std if has_grads and w_std > 0 and math.isfinite(g_std / w_std) else None
    return LayerStats(layer.index, layer.activation, acts, saturated, dead, grads, wgrads, ratio)
