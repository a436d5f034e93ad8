"""Central finite differences: the independent check on every gradient."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_backprop.core import reference
from tui_backprop.core.figures import counted
from tui_backprop.core.network import Network


# Backprop's gradient agrees with finite differences when, entry by entry,
#     |analytic − numeric| ≤ ATOL · max(|L|, 1) + RTOL · |numeric|
# (torch.autograd.gradcheck's rule, with the absolute part in units of the loss L):
# a correct gradient of 1e-14 at a converged minimum passes (float64 rounding of
# the residual alone is that big), a wrong derivative fails.
ATOL = 1e-10
RTOL = 1e-5


def tolerance(numeric, loss: float):
    """What backprop's gradient may differ from the finite difference ``numeric`` by, at batch loss ``loss``."""
    return ATOL * max(abs(loss), 1.0) + RTOL * np.abs(numeric)


def agrees(analytic: float, numeric: float, loss: float) -> bool:
    """Does one gradient pass the check? (NaN or infinite: no.)"""
    return bool(abs(analytic - numeric) <= tolerance(numeric, loss))


@dataclass(frozen=True)
class LayerCheck:
    layer: int
    max_relative_error: float
    max_abs_error: float
    worst_index: tuple[int, int]  # (row, column) in the [fan_out][fan_in(+bias)] block
    analytic: np.ndarray
    numeric: np.ndarray
    loss: float = 0.0  # the batch loss at the checked weights (sets the absolute tolerance)
    # Entries where the loss has a kink (a ReLU's z exactly 0): its slope differs on the two sides, finite
    # differences have no one value to find, and backprop's (f'(0) = 0) lies between the two slopes.
    kinks: np.ndarray | None = None

    @property
    def tolerance(self) -> np.ndarray:
        """What each entry may differ by: ATOL · max(|L|, 1) + RTOL · |numeric|."""
        return tolerance(self.numeric, self.loss)

    @property
    def kink_count(self) -> int:
        return 0 if self.kinks is None else int(np.count_nonzero(self.kinks))

    @property
    def passed(self) -> bool:
        ok = np.abs(self.analytic - self.numeric) <= self.tolerance
        if self.kinks is not None:
            ok |= self.kinks
        return bool(np.all(ok))  # NaN/inf anywhere else: not passed

    @property
    def overflowed(self) -> bool:
        """Backprop's own gradient is NaN/inf (its float64 pass overflowed): nothing to compare, not a wrong one."""
        return not bool(np.isfinite(self.analytic).all())

    @property
    def verdict(self) -> str:
        """"agrees" or "DISAGREES", and where some weights sit on a kink, how many (left out of the figures)."""
        if self.overflowed:
            return "can't be checked: its gradient overflowed to NaN/inf in float64"
        word = "agrees" if self.passed else "DISAGREES"
        if not self.kink_count:
            return word
        return (f"{word}; {counted(self.kink_count, 'weight')} at a kink left out (a ReLU's z is exactly 0: the "
                f"slope differs on each side, backprop takes f'(0) = 0)")


def relative_error(analytic: np.ndarray, numeric: np.ndarray, floor: float = 1e-12) -> np.ndarray:
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    return np.abs(analytic - numeric) / scale


def extended_loss(net: Network, x, y):
    """The batch loss computed in extended precision (``np.longdouble``).

    The reference step's loss (reference.py) on the network's parameters, for
    every activation and loss alike, with ~3 more decimal digits where the
    platform has 80-bit floats, so the finite differences below are not
    swamped by float64 rounding when a gradient is 10⁶× smaller than the loss.
    (Where longdouble is float64 this is the ordinary float64 loss.)
    """
    ld = np.longdouble
    with np.errstate(all="ignore"):
        return reference.loss(reference.layers_of(net, ld), net.loss.name,
                              np.asarray(x, dtype=ld), np.asarray(y, dtype=ld))


def _loss_at(net: Network, x, y, index: int, value):
    """The loss with parameter ``index`` set to ``value`` (then put back), and the value as stored (float64)."""
    params = net.params
    old = params[index]
    try:
        params[index] = value
        return extended_loss(net, x, y), np.longdouble(params[index])
    finally:
        params[index] = old


def _central(net: Network, x, y, index: int, h: float):
    old = net.params[index]
    h = h * max(1.0, abs(float(old)))  # a step that still moves a large weight
    plus, up = _loss_at(net, x, y, index, old + h)  # (the values actually stored: old ± h rounded to float64)
    minus, down = _loss_at(net, x, y, index, old - h)
    return (plus - minus) / (up - down)


def one_sided_slopes(net: Network, x, y, index: int, h: float) -> tuple[float, float]:
    """(slope from the left, slope from the right) of the loss along one parameter, over steps of ``h``."""
    old = net.params[index]
    h = h * max(1.0, abs(float(old)))
    here = extended_loss(net, x, y)
    minus, down = _loss_at(net, x, y, index, old - h)
    plus, up = _loss_at(net, x, y, index, old + h)
    return float((here - minus) / (np.longdouble(old) - down)), float((plus - here) / (up - np.longdouble(old)))


def at_kink(net: Network, x, y, index: int, analytic: float, loss: float, h: float) -> bool:
    """Does the loss have a kink at this parameter, with backprop's gradient between its two one-sided
    slopes? Then no step, however small, makes finite differences agree: it is not an error.

    On a smooth curve the two slopes differ by about the curvature times h, so a ten times smaller step
    brings them ten times closer; across a kink they stay apart.
    """
    left, right = one_sided_slopes(net, x, y, index, h)
    near_left, near_right = one_sided_slopes(net, x, y, index, h / 10)
    jump, near_jump = abs(right - left), abs(near_right - near_left)
    stays_apart = not agrees(near_left, near_right, loss) and near_jump > 0.5 * jump
    low, high = min(near_left, near_right), max(near_left, near_right)
    return stays_apart and low - tolerance(low, loss) <= analytic <= high + tolerance(high, loss)


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

    ``passed`` applies the absolute + relative tolerance above;
    ``max_relative_error`` (shown beside it) judges entries 10⁴× smaller than
    the layer's largest against that scale, so rounding noise in a gradient
    of 1e-14 does not read as a 100% error.
    """
    with np.errstate(all="ignore"):  # an overflowing network is reported (not passed), not warned about
        return _check_layers(net, x, y, eps, layers)


def _check_layers(net, x, y, eps, layers) -> list[LayerCheck]:
    analytic = analytic_gradients(net, x, y)
    loss = float(extended_loss(net, x, y))
    results = []
    offset = 0
    for layer in net.layers:
        size = layer.param_block.size
        if layers is None or layer.index in layers:
            numeric = np.array([numeric_gradient(net, x, y, offset + k, eps) for k in range(size)])
            a = analytic[offset : offset + size]
            kinks = np.zeros(size, dtype=bool)
            for k in np.flatnonzero(~(np.abs(a - numeric) <= tolerance(numeric, loss))):
                # A step of h may cross a ReLU's kink, where the loss bends: such a
                # difference measures the kink, not the slope. Smaller steps stop crossing it,
                # unless the weight sits on the kink itself (a z of exactly 0).
                for smaller in (eps * 1e-2, eps * 1e-4):
                    numeric[k] = numeric_gradient(net, x, y, offset + k, smaller)
                    if agrees(a[k], numeric[k], loss):
                        break
                else:
                    kinks[k] = at_kink(net, x, y, offset + k, float(a[k]), loss, eps * 1e-2)
            abs_err = np.where(kinks, 0.0, np.abs(a - numeric))  # the figures are of the entries checked
            # Entries 10⁴× smaller than the layer's largest gradient are judged
            # against that scale: their differences are mostly rounding noise.
            floor = max(1e-4 * float(np.abs(a).max(initial=0.0)), 1e-10)
            rel = np.where(kinks, 0.0, relative_error(a, numeric, floor=floor))
            worst = int(np.argmax(rel))
            cols = layer.param_block.shape[1]
            results.append(LayerCheck(
                layer.index, float(rel.max()), float(abs_err.max()), divmod(worst, cols),
                a.reshape(layer.param_block.shape), numeric.reshape(layer.param_block.shape), loss,
                kinks.reshape(layer.param_block.shape) if kinks.any() else None,
            ))
        offset += size
    return results


def flat_index(net: Network, layer: int, row: int, column: int) -> int:
    """Index in ``net.params`` of weight [row][column] (column == fan_in is the bias)."""
    offset = sum(l.param_block.size for l in net.layers[:layer])
    return offset + row * net.layers[layer].param_block.shape[1] + column
