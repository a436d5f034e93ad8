"""Central finite differences: the independent check on every gradient."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_backprop.core.network import Network


@dataclass(frozen=True)
class LayerCheck:
    layer: int
    max_relative_error: float
    max_abs_error: float
    worst_index: tuple[int, int]  # (row, column) in the [fan_out][fan_in(+bias)] block
    analytic: np.ndarray
    numeric: np.ndarray

    @property
    def passed(self) -> bool:
        return self.max_relative_error < 1e-6


def relative_error(analytic: np.ndarray, numeric: np.ndarray, floor: float = 1e-12) -> np.ndarray:
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    return np.abs(analytic - numeric) / scale


def extended_loss(net: Network, x, y):
    """The batch loss computed in extended precision (``np.longdouble``).

    The same layers, activations and loss as the network's own forward pass,
    but with ~3 more decimal digits where the platform has 80-bit floats, so
    the finite differences below are not swamped by float64 rounding when a
    gradient is 10⁶× smaller than the loss. (Where longdouble is float64 this
    is the ordinary float64 loss.)
    """
    a = np.asarray(x, dtype=np.longdouble)
    for layer in net.layers:
        z = a @ layer.weights.astype(np.longdouble).T
        if layer.biases is not None:
            z = z + layer.biases.astype(np.longdouble)
        with np.errstate(all="ignore"):
            a = layer.activation.forward(z)
    return net.loss.per_sample(a, np.asarray(y, dtype=np.longdouble)).mean()


def _central(net: Network, x, y, index: int, h: float):
    params = net.params
    old = params[index]
    try:
        params[index] = old + h
        up = params[index]  # the values actually stored (old ± h rounded to float64)
        plus = extended_loss(net, x, y)
        params[index] = old - h
        down = params[index]
        minus = extended_loss(net, x, y)
    finally:
        params[index] = old
    return (plus - minus) / (np.longdouble(up) - np.longdouble(down))


def numeric_gradient(net: Network, x: np.ndarray, y: np.ndarray, index: int, eps: float = 1e-4) -> float:
    """dL/dθ for one entry of the flat parameter buffer.

    Central differences at h and h/2 combined by Richardson extrapolation:
    the O(h²) error cancels, so h can stay large enough that rounding is tiny.
    """
    coarse = _central(net, x, y, index, eps)
    fine = _central(net, x, y, index, eps / 2)
    return float((4 * fine - coarse) / 3)


def analytic_gradients(net: Network, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    net.forward(x)
    net.compute_loss(y)
    net.backward(y)
    return net.grads.copy()


def check_layers(net: Network, x: np.ndarray, y: np.ndarray, eps: float = 1e-4,
                 layers: list[int] | None = None) -> list[LayerCheck]:
    """Compare backprop's gradient with finite differences, layer by layer.

    Gradients near zero are compared on an absolute floor, so a gradient of
    1e-14 against a numeric 0 does not count as a 100% error.
    """
    analytic = analytic_gradients(net, x, y)
    results = []
    offset = 0
    for layer in net.layers:
        size = layer.param_block.size
        if layers is None or layer.index in layers:
            numeric = np.array([numeric_gradient(net, x, y, offset + k, eps) for k in range(size)])
            a = analytic[offset : offset + size]
            abs_err = np.abs(a - numeric)
            # Entries 10⁴× smaller than the layer's largest gradient are judged
            # against that scale: their differences are mostly rounding noise.
            floor = max(1e-4 * float(np.abs(a).max(initial=0.0)), 1e-10)
            rel = relative_error(a, numeric, floor=floor)
            worst = int(np.argmax(rel))
            cols = layer.param_block.shape[1]
            results.append(LayerCheck(
                layer.index, float(rel.max()), float(abs_err.max()), divmod(worst, cols),
                a.reshape(layer.param_block.shape), numeric.reshape(layer.param_block.shape),
            ))
        offset += size
    return results


def flat_index(net: Network, layer: int, row: int, column: int) -> int:
    """Index in ``net.params`` of weight [row][column] (column == fan_in is the bias)."""
    offset = sum(l.param_block.size for l in net.layers[:layer])
    return offset + row * net.layers[layer].param_block.shape[1] + column
