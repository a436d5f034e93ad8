"""The loss landscape: the loss as a function of one or two chosen parameters.

Every other parameter stays where it is; the chosen ones move over a grid
around their current values, and each grid point gets one forward pass on
the same data. The layers before the first chosen one see no change, so their
output is computed once; the rest run for many grid points at once, stacked
along a leading axis (one matmul per layer per chunk of grid points).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from tui_backprop.core.names import Names
from tui_backprop.core.network import Network
from tui_backprop.core.recording import DecimatedSeries

CHUNK_FLOATS = 1_000_000  # activations held at once per chunk of grid points (8 MB)


@dataclass(frozen=True)
class Parameter:
    """One weight or bias, by its place in the network and its index in ``Network.params``."""

    layer: int
    row: int
    column: int  # == fan_in: the bias
    flat: int
    name: str


def parameters(net: Network, names: Names | None = None) -> list[Parameter]:
    """Every parameter, named as the inspector names it (core.names): w1, w2 along a chain of single units,
    w1₂₁ for layer 1's weight from input 1 to unit 2, b1₂ for its bias; ``names`` carries a lesson's renames.
    """
    if names is None:
        names = Names.of_network(net)
    out = []
    offset = 0
    for layer in net.layers:
        rows, cols = layer.param_block.shape
        for row in range(rows):
            for col in range(cols):
                flat = offset + row * cols + col
                name = (names.bias(layer.index, row) if col == layer.fan_in
                        else names.weight(layer.index, row, col))
                out.append(Parameter(layer.index, row, col, flat, name))
        offset += layer.param_block.size
    return out


def flat_params(blocks) -> np.ndarray:
    """``Network.params`` rebuilt from per-layer (weights, biases or None) copies, e.g. a snapshot's."""
    parts = []
    for weights, biases in blocks:
        block = weights if biases is None else np.column_stack([weights, biases])
        parts.append(np.asarray(block, dtype=np.float64).ravel())
    return np.concatenate(parts)


@dataclass(frozen=True)
class Surface:
    """Loss over a grid. Two parameters: ``loss[row, col]`` at (xs[col], ys[row]), row 0 = smallest y.

    One parameter: ``ys`` is None and ``loss`` is 1-D over ``xs``.
    """

    axes: tuple[int, ...]  # flat indices of the chosen parameters
    xs: np.ndarray
    ys: np.ndarray | None
    loss: np.ndarray
    centre: tuple[float, ...]

    def contains(self, point, margin: float = 0.2) -> bool:
        """True while ``point`` lies inside the grid, ``margin`` of its width away from each edge."""
        ranges = [self.xs] if self.ys is None else [self.xs, self.ys]
        for value, grid in zip(point, ranges):
            lo, hi = float(grid[0]), float(grid[-1])
            pad = (hi - lo) * margin
            if not lo + pad <= value <= hi - pad:
                return False
        return True

    def loss_at(self, point) -> float:
        """The loss at a point, interpolated linearly between grid points (for tests and labels)."""
        if self.ys is None:
            return float(np.interp(point[0], self.xs, self.loss))
        rows = np.array([np.interp(point[0], self.xs, row) for row in self.loss])
        return float(np.interp(point[1], self.ys, rows))


def half_widths(point, path: np.ndarray | None, step, minimum: float = 0.5) -> tuple[float, ...]:
    """How far the grid reaches on each side of ``point``: the path so far and a few steps fit in it."""
    out = []
    for i, value in enumerate(point):
        reach = max(minimum, 0.5 * abs(value), 4.0 * abs(step[i]) if step is not None else 0.0)
        if path is not None and len(path):
            reach = max(reach, 1.25 * float(np.max(np.abs(path[:, i] - value))))
        out.append(reach if math.isfinite(reach) else minimum)
    return tuple(out)


def evaluate_surface(net: Network, params: np.ndarray, axes: tuple[int, ...], x: np.ndarray, y: np.ndarray,
                     reach: tuple[float, ...], size: tuple[int, ...]) -> Surface:
    """The loss on ``(x, y)`` over a grid of the ``axes`` parameters, ±``reach`` around ``params``.

    ``net`` gives the shape, activations and loss; its own parameters are not
    read or changed. ``size`` is (columns,) or (columns, rows).
    """
    params = np.asarray(params, dtype=np.float64)
    centre = tuple(float(params[a]) for a in axes)
    # c + r·t, not linspace(c − r, c + r): a width 2r above the float maximum made the whole grid NaN
    top = np.finfo(np.float64).max
    with np.errstate(over="ignore"):
        grids = [np.clip(c + r * np.linspace(-1.0, 1.0, n), -top, top) for c, r, n in zip(centre, reach, size)]
    if len(axes) == 1:
        points = grids[0][:, None]
    else:
        gx, gy = np.meshgrid(grids[0], grids[1])  # [rows, cols]
        points = np.column_stack([gx.ravel(), gy.ravel()])
    with np.errstate(all="ignore"):
        losses = losses_at(net, params, axes, points, x, y)
    loss = losses if len(axes) == 1 else losses.reshape(len(grids[1]), len(grids[0]))
    return Surface(tuple(axes), grids[0], grids[1] if len(axes) > 1 else None, loss, centre)


def losses_at(net: Network, params: np.ndarray, axes, points: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The loss at each row of ``points`` (values of the ``axes`` parameters), the rest as in ``params``.

    Only what a chosen parameter changes is recomputed per point: in the first
    layer that holds one, a weight moves one column of z by Δw·input; layers
    without a chosen parameter run as one matmul over all points of a chunk.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    offsets = np.cumsum([0] + [layer.param_block.size for layer in net.layers])
    layer_of = [int(np.searchsorted(offsets, a, side="right")) - 1 for a in axes]
    first = min(layer_of)
    a = x  # the layers before the first chosen parameter's give the same output for every point
    for layer in net.layers[:first]:
        a = _layer(layer, params[offsets[layer.index]: offsets[layer.index + 1]], a)
    z0 = _layer(net.layers[first], params[offsets[first]: offsets[first + 1]], a, activate=False)
    widest = max(layer.units for layer in net.layers[first:])
    per_chunk = max(1, CHUNK_FLOATS // max(1, len(x) * widest))
    out = np.empty(len(points))
    for start in range(0, len(points), per_chunk):
        chunk = points[start: start + per_chunk]
        k = len(chunk)
        h = None
        for layer in net.layers[first:]:
            i = layer.index
            cols = layer.param_block.shape[1]
            mine = [j for j, owner in enumerate(layer_of) if owner == i]
            if i == first:
                z = np.repeat(z0[None], k, axis=0)  # [points, batch, units]
                for j in mine:
                    row, col = divmod(axes[j] - int(offsets[i]), cols)
                    moved = chunk[:, j] - params[axes[j]]
                    z[:, :, row] += moved[:, None] * (a[:, col] if col < layer.fan_in else 1.0)
            elif mine:
                stack = np.repeat(params[None, offsets[i]: offsets[i + 1]], k, axis=0)
                for j in mine:
                    stack[:, axes[j] - int(offsets[i])] = chunk[:, j]
                z = _layer(layer, stack, h, activate=False)
            else:
                block = params[offsets[i]: offsets[i + 1]]
                z = _layer(layer, block, h.reshape(-1, layer.fan_in), activate=False).reshape(k, -1, layer.units)
            h = layer.activation.forward(z.reshape(-1, layer.units)).reshape(z.shape)
        batch, outputs = h.shape[1], h.shape[2]
        per_sample = net.loss.per_sample(h.reshape(k * batch, outputs), np.tile(y, (k, 1)),
                                         z=z.reshape(k * batch, outputs))  # bce/cross_entropy from z
        out[start: start + k] = per_sample.reshape(k, batch).mean(axis=1)
    return out


def _layer(layer, block: np.ndarray, a: np.ndarray, activate: bool = True) -> np.ndarray:
    """One layer's output (or its z); ``block`` is its flat parameters, or a stack of them (one row per grid point)."""
    stacked = block.ndim == 2
    cols = layer.param_block.shape[1]
    shaped = block.reshape((-1, layer.units, cols) if stacked else (layer.units, cols))
    # Contiguous weights: a matmul with a strided operand skips BLAS and runs many times slower.
    weights_t = np.ascontiguousarray(np.swapaxes(shaped[..., : layer.fan_in], -1, -2))
    z = a @ weights_t
    if layer.has_bias:
        z = z + (shaped[:, None, :, layer.fan_in] if stacked else shaped[:, layer.fan_in])
    if not activate:
        return z
    return layer.activation.forward(z.reshape(-1, layer.units)).reshape(z.shape)


def work_per_point(net: Network, axes, batch: int) -> int:
    """Multiply-adds ``losses_at`` spends on one grid point: for keeping a grid's cost in bounds."""
    offsets = np.cumsum([0] + [layer.param_block.size for layer in net.layers])
    first = min(int(np.searchsorted(offsets, a, side="right")) - 1 for a in axes)
    later = sum(layer.units * layer.fan_in for layer in net.layers[first + 1:])
    # Element-wise work (activations, the loss) counts as a few multiply-adds per value.
    elementwise = 8 * sum(layer.units for layer in net.layers[first:]) + 16 * net.outputs
    return batch * (later + elementwise)


def next_update(optimizer, params: np.ndarray, grads: np.ndarray, weight_mask: np.ndarray) -> np.ndarray:
    """The change ``optimizer.step`` would make to ``params`` with ``grads``, on copies (its state is untouched).

    Plain SGD's is −lr·g; momentum, Adam, … and regularization make it another vector (QA8 C11).
    """
    ahead = copy.deepcopy(optimizer)
    moved = np.array(params, dtype=np.float64, copy=True)
    with np.errstate(all="ignore"):
        ahead.step(moved, np.asarray(grads, dtype=np.float64), weight_mask)
    return ahead.last_update.copy()  # (new − old would round −lr·g)


def is_plain_descent(optimizer) -> bool:
    """The optimizer's step is exactly −lr·g: SGD without a regularization term."""
    return optimizer.name == "sgd" and (optimizer.regularization == "none" or optimizer.regularization_rate == 0.0)


def path_length(path: np.ndarray) -> float:
    """The length of a path of points (one per row): the sum of its straight segments."""
    path = np.asarray(path, dtype=np.float64)
    if len(path) < 2:
        return 0.0
    return float(np.sum(np.linalg.norm(np.diff(path, axis=0), axis=1)))


class ParameterPath:
    """Every parameter after every step (step 0: the initial ones), in bounded memory.

    At most ``budget`` numbers are kept (and never more than 1024 points), so
    the path of any two parameters can be drawn later, even for a run that was
    started before the landscape was opened.
    """

    def __init__(self, size: int, budget: int = 500_000):
        # Large networks keep fewer points rather than more memory (784-256-10: 2 rows, not 64 = 104 MB).
        self.series = DecimatedSeries(size, capacity=min(1024, max(2, budget // max(size, 1))))

    def record(self, step: int, params: np.ndarray) -> None:
        row = self.series.slot(step)
        if row >= 0:
            np.copyto(self.series.values[row], params)
            self.series.commit()

    def columns(self, axes) -> tuple[np.ndarray, np.ndarray]:
        """(steps, points [n, len(axes)]) of the chosen parameters."""
        return self.series.arrays(axes)
