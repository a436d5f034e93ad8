"""Per-layer health numbers the inspector shows next to the gradients.

Every warning is relative, so a network that is merely large, or a single
neuron chasing a target of 400, raises none:

* vanishing: a layer's ‖∇W‖ below 1/1000 of the largest layer's;
* exploding: a layer's ‖∇W‖ 1000× above every other layer's, or growing
  while its updates are far from healthy (a healthy step is ≈ 1e-3 of the
  weights, CS231n): grown 10× in one step with update/weight ≥ 0.1, or grown
  at all with update/weight ≥ 1;
* dead: a ReLU unit that is never active on the whole training set (not
  just this batch); a leaky ReLU always passes a gradient, so it never dies.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np

from tui_backprop.core.figures import fmt
from tui_backprop.core.network import Network

VANISHING_RATIO = 1e-3  # a layer whose gradient is 1000× smaller than the largest layer's
EXPLODING_RATIO = 1e3  # a layer whose gradient is 1000× larger than every other layer's
EXPLODING_GROWTH = 10.0  # ‖∇W‖ grew this many times from one step to the next
UPDATE_RATIO_REFERENCE = 1e-3  # a healthy update/weight (CS231n): show it next to the measured one
UPDATE_RATIO_HIGH = 0.1  # updates 100× the healthy size
UPDATE_RATIO_LARGE = 1.0  # each update as large as the weights themselves


@dataclass(frozen=True)
class LayerDiagnostics:
    layer: int
    weight_norm: float
    grad_norm: float
    bias_grad_norm: float
    update_ratio: float  # ‖last update‖ / ‖weights it was added to‖ (healthy: ≈ UPDATE_RATIO_REFERENCE)
    dead_share: float  # ReLU units never active on the whole training set (0 unless measured, see HealthWatch)
    saturated_share: float  # sigmoid/tanh outputs pinned near their limits
    has_nan: bool
    gradient_ratio: float | None = None  # ‖∇W‖ / the largest layer's ‖∇W‖ (None: no backward pass yet)
    is_output: bool = False
    others_ratio: float | None = None  # ‖∇W‖ / the largest other layer's ‖∇W‖ (None: one layer, or none yet)
    growth: float | None = None  # ‖∇W‖ / its value one step earlier (None: that step was not seen)
    dead_measured_step: int | None = None  # the step whose weights the dead share was measured with
    update_ratio_reference: float = UPDATE_RATIO_REFERENCE
    stepped_from_norm: float | None = None  # ‖W‖ before the last update (the ratio's denominator), if known

    @property
    def vanishing(self) -> bool:
        return self.gradient_ratio is not None and self.gradient_ratio < VANISHING_RATIO

    @property
    def exploding(self) -> bool:
        if self.gradient_ratio is None:
            return False
        if self.others_ratio is not None and self.others_ratio >= EXPLODING_RATIO:
            return True
        if self.growth is None:
            return False
        # Growing while the steps are far larger than healthy ones: gradients bounce by 10×
        # on a bumpy loss with tiny steps too, and then nothing runs away.
        return ((self.growth >= EXPLODING_GROWTH and self.update_ratio >= UPDATE_RATIO_HIGH)
                or (self.growth > 1.0 and self.update_ratio >= UPDATE_RATIO_LARGE))

    @property
    def warnings(self) -> list[str]:
        out = []
        if self.has_nan:
            out.append("NaN/inf present")
        if self.vanishing:
            out.append(f"gradients vanishing ({fmt(self.gradient_ratio, 1)} of the largest layer's)")
        elif self.exploding:
            out.append("gradients exploding")
        if self.dead_share >= 0.5:
            out.append(f"{self.dead_share:.0%} ReLUs dead")
        # A confident output layer is the goal, not a fault: only hidden layers count as saturated.
        if self.saturated_share >= 0.5 and not self.is_output:
            out.append(f"{self.saturated_share:.0%} saturated (f'≈0)")  # tanh or sigmoid: f' as in the chain rule
        return out


def _norm(a) -> float:
    """‖a‖, scaled by its largest entry where squares would overflow (a gradient of 1e241 has a norm of ~1e241,
    not ∞); NaN/inf entries give NaN/inf."""
    if a is None or not a.size:
        return 0.0
    flat = a.ravel()
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is handled below
        norm = float(np.sqrt(np.dot(flat, flat)))
    if math.isfinite(norm) or not np.isfinite(flat).all():
        return norm
    scaled, top = by_largest(flat)
    return top * float(np.sqrt(np.dot(scaled, scaled)))


def by_largest(v: np.ndarray) -> tuple[np.ndarray, float]:
    """``v`` divided by its largest size, and that size (1 for all zeros or none): squares of 1e200 overflow,
    squares of the scaled values cannot. Norms, means and spreads of huge values are taken so."""
    size = float(np.max(np.abs(v))) if v.size else 0.0
    size = size or 1.0
    return v / size, size


def dead_share(activation: str, z: np.ndarray | None) -> float:
    """Share of units whose z ≤ 0 for every row of ``z`` (pass the whole training set's z)."""
    if z is None or activation != "relu" or z.size == 0:
        return 0.0  # leaky_relu passes 0.01 of the gradient below 0: never dead
    return float(np.mean(np.all(z <= 0.0, axis=0)))


def dead_shares(net: Network, x: np.ndarray) -> list[float]:
    """Each layer's share of ReLU units never active for any input in ``x`` (a = max(z, 0) is 0 exactly when z ≤ 0)."""
    with np.errstate(all="ignore"):
        outputs = net.layer_outputs(x)
    return [dead_share(layer.activation.name, a) for layer, a in zip(net.layers, outputs)]


class HealthWatch:
    """What diagnostics need beyond one step: dead units on the training set, gradient growth.

    The dead share costs a forward pass over the whole training set, so while
    training runs it is re-measured at most every ``interval`` seconds (each
    figure says the step it was measured at); ``fresh=True`` (a paused
    session) measures now.
    """

    def __init__(self, interval: float = 0.5):
        self.interval = interval
        self._dead: list[float] | None = None
        self._dead_key = None
        self._dead_step: int | None = None
        self._dead_time = -math.inf
        self._wait = interval
        self._last: tuple[int, list[float]] | None = None  # (step, ‖∇W‖ per layer) of the last step seen
        self._before: tuple[int, list[float]] | None = None  # and of the step seen before it

    def dead(self, net: Network, x: np.ndarray, step: int, fresh: bool) -> tuple[list[float], int]:
        key = (step, float(np.add.reduce(net.params)), len(x), len(net.layers))
        now = time.monotonic()
        stale = self._dead is None or len(self._dead) != len(net.layers)
        if key != self._dead_key and (stale or fresh or now - self._dead_time >= self._wait):
            self._dead, self._dead_key, self._dead_step = dead_shares(net, x), key, step
            self._dead_time = time.monotonic()
            self._wait = max(self.interval, 20 * (self._dead_time - now))  # at most ~5% of the time
        return self._dead, self._dead_step

    def gradient_growth(self, net: Network, step: int) -> list[float | None]:
        """``growth`` of the network's ‖∇W‖ per layer; ``step`` is the step whose backward pass they are."""
        with np.errstate(all="ignore"):
            return self.growth(step, [_norm(layer.grad_weights) for layer in net.layers])

    def growth(self, step: int, norms: list[float]) -> list[float | None]:
        """‖∇W‖ of ``step`` / ‖∇W‖ of ``step − 1`` per layer, when both were seen."""
        if self._last is None or self._last[0] != step:
            self._before, self._last = self._last, (step, list(norms))
        before = self._before
        if before is None or before[0] != step - 1 or len(before[1]) != len(norms):
            return [None] * len(norms)
        with np.errstate(all="ignore"):
            return [n / p if p > 0 and math.isfinite(n / p) else None for n, p in zip(self._last[1], before[1])]


def saturated_share(activation: str, a: np.ndarray | None) -> float:
    if a is None or a.size == 0:
        return 0.0
    if activation == "sigmoid":
        return float(np.mean((a < 0.02) | (a > 0.98)))
    if activation == "tanh":
        return float(np.mean(np.abs(a) > 0.96))
    return 0.0


def diagnose(net: Network, update: np.ndarray | None = None, z: list | None = None,
             a: list | None = None, has_gradients: bool = True, dead: list[float] | None = None,
             dead_step: int | None = None, growth: list[float | None] | None = None,
             before: np.ndarray | None = None) -> list[LayerDiagnostics]:
    """``update`` is the optimizer's last step (flat) and ``before`` the parameters it was added to (the
    update ratio is ‖ΔW‖ over those weights, as CS231n's; the weights after a huge step are the step itself,
    so against them every explosion reads 1); ``z``/``a`` per layer from the forward pass.

    ``has_gradients``: a backward pass has run, so gradient warnings mean something.
    ``dead``: each layer's dead share on the training set (``HealthWatch.dead``),
    measured at ``dead_step``; ``growth``: ‖∇W‖ over its value a step earlier.
    """
    with np.errstate(all="ignore"):  # a diverging run is reported, not warned about
        layers = _diagnose(net, update, z, a, before)
    if dead is not None:
        layers = [dataclasses.replace(d, dead_share=share, dead_measured_step=dead_step)
                  for d, share in zip(layers, dead)]
    largest = max((d.grad_norm for d in layers), default=0.0)
    if not has_gradients or not largest > 0 or not np.isfinite(largest):
        return layers
    norms = [d.grad_norm for d in layers]
    out = []
    for i, d in enumerate(layers):
        others = max((n for j, n in enumerate(norms) if j != i), default=None)
        out.append(dataclasses.replace(
            d, gradient_ratio=d.grad_norm / largest,
            others_ratio=(d.grad_norm / others if others else None) if others is not None else None,
            growth=growth[i] if growth is not None else None,
        ))
    return out


def _diagnose(net, update, z, a, before=None) -> list[LayerDiagnostics]:
    out = []
    offset = 0
    for layer in net.layers:
        size = layer.param_block.size
        weights_of = lambda flat: flat[offset : offset + size].reshape(layer.param_block.shape)[:, : layer.fan_in]  # noqa: E731
        up = weights_of(update) if update is not None else None
        wn = _norm(layer.weights)
        stepped_from = _norm(weights_of(before)) if before is not None else wn
        zl = z[layer.index] if z is not None else None
        al = a[layer.index] if a is not None else None
        nan = not (np.isfinite(layer.param_block).all() and np.isfinite(layer.grad_block).all())
        if zl is not None:
            nan = nan or not np.isfinite(zl).all()
        out.append(LayerDiagnostics(
            layer=layer.index,
            weight_norm=wn,
            grad_norm=_norm(layer.grad_weights),
            bias_grad_norm=_norm(layer.grad_biases),
            update_ratio=_norm(up) / stepped_from if (up is not None and stepped_from > 0) else 0.0,
            dead_share=0.0,  # measured on the training set by HealthWatch, not on one batch
            saturated_share=saturated_share(layer.activation.name, al),
            has_nan=nan,
            is_output=layer.index == len(net.layers) - 1,
            stepped_from_norm=stepped_from if before is not None else None,
        ))
        offset += size
    return out
