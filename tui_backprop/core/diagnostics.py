"""Per-layer health numbers the inspector shows next to the gradients."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from tui_backprop.core.network import Network

VANISHING_RATIO = 1e-3  # a layer whose gradient is 1000× smaller than the largest layer's
EXPLODING = 1e3  # gradient norm above this: steps will overshoot


@dataclass(frozen=True)
class LayerDiagnostics:
    layer: int
    weight_norm: float
    grad_norm: float
    bias_grad_norm: float
    update_ratio: float  # ‖last update‖ / ‖weights‖
    dead_share: float  # ReLU units that are off for every sample in the batch
    saturated_share: float  # sigmoid/tanh outputs pinned near their limits
    has_nan: bool
    gradient_ratio: float | None = None  # ‖∇W‖ / the largest layer's ‖∇W‖ (None: no backward pass yet)
    is_output: bool = False

    @property
    def vanishing(self) -> bool:
        return self.gradient_ratio is not None and self.gradient_ratio < VANISHING_RATIO

    @property
    def exploding(self) -> bool:
        return self.gradient_ratio is not None and self.grad_norm > EXPLODING

    @property
    def warnings(self) -> list[str]:
        out = []
        if self.has_nan:
            out.append("NaN/inf present")
        if self.vanishing:
            out.append(f"gradients vanishing ({self.gradient_ratio:.0e} of the largest layer's)")
        elif self.exploding:
            out.append("gradients exploding")
        if self.dead_share >= 0.5:
            out.append(f"{self.dead_share:.0%} ReLUs dead")
        # A confident output layer is the goal, not a fault: only hidden layers count as saturated.
        if self.saturated_share >= 0.5 and not self.is_output:
            out.append(f"{self.saturated_share:.0%} saturated (σ'≈0)")
        return out


def _norm(a) -> float:
    return float(np.sqrt(np.dot(a.ravel(), a.ravel()))) if a is not None and a.size else 0.0


def dead_share(activation: str, z: np.ndarray | None) -> float:
    if z is None or activation not in ("relu", "leaky_relu") or z.size == 0:
        return 0.0
    return float(np.mean(np.all(z <= 0.0, axis=0)))


def saturated_share(activation: str, a: np.ndarray | None) -> float:
    if a is None or a.size == 0:
        return 0.0
    if activation == "sigmoid":
        return float(np.mean((a < 0.02) | (a > 0.98)))
    if activation == "tanh":
        return float(np.mean(np.abs(a) > 0.96))
    return 0.0


def diagnose(net: Network, update: np.ndarray | None = None, z: list | None = None,
             a: list | None = None, has_gradients: bool = True) -> list[LayerDiagnostics]:
    """``update`` is the optimizer's last step (flat); ``z``/``a`` per layer from the forward pass.

    ``has_gradients``: a backward pass has run, so gradient warnings mean something.
    """
    with np.errstate(all="ignore"):  # a diverging run is reported, not warned about
        layers = _diagnose(net, update, z, a)
    largest = max((d.grad_norm for d in layers), default=0.0)
    if not has_gradients or not largest > 0 or not np.isfinite(largest):
        return layers
    return [dataclasses.replace(d, gradient_ratio=d.grad_norm / largest) for d in layers]


def _diagnose(net, update, z, a) -> list[LayerDiagnostics]:
    out = []
    offset = 0
    for layer in net.layers:
        size = layer.param_block.size
        up = update[offset : offset + size].reshape(layer.param_block.shape)[:, : layer.fan_in] if update is not None else None
        wn = _norm(layer.weights)
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
            update_ratio=_norm(up) / wn if (up is not None and wn > 0) else 0.0,
            dead_share=dead_share(layer.activation.name, zl),
            saturated_share=saturated_share(layer.activation.name, al),
            has_nan=nan,
            is_output=layer.index == len(net.layers) - 1,
        ))
        offset += size
    return out
