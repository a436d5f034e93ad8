"""Per-layer health numbers the inspector shows next to the gradients."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_backprop.core.network import Network

VANISHING = 1e-7  # gradient norm below this: the layer has stopped learning
EXPLODING = 1e3


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

    @property
    def warnings(self) -> list[str]:
        out = []
        if self.has_nan:
            out.append("NaN/inf present")
        if self.grad_norm < VANISHING:
            out.append("gradients vanishing")
        elif self.grad_norm > EXPLODING:
            out.append("gradients exploding")
        if self.dead_share >= 0.5:
            out.append(f"{self.dead_share:.0%} ReLUs dead")
        if self.saturated_share >= 0.5:
            out.append(f"{self.saturated_share:.0%} saturated")
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
             a: list | None = None) -> list[LayerDiagnostics]:
    """``update`` is the optimizer's last step (flat); ``z``/``a`` per layer from the forward pass."""
    with np.errstate(all="ignore"):  # a diverging run is reported, not warned about
        return _diagnose(net, update, z, a)


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
        ))
        offset += size
    return out
