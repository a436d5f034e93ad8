"""What the update will do, worked out on copies: the session is not touched."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from tui_backprop.training.session import Session, Snapshot


@dataclass(frozen=True)
class UpdatePreview:
    weights: tuple[np.ndarray, ...]  # per layer, after the update
    biases: tuple[np.ndarray | None, ...]
    loss_before: float  # the batch loss of this step's forward pass
    loss_after: float  # the same batch with the updated weights


def preview_update(session: Session, snap: Snapshot) -> UpdatePreview | None:
    """The weights and batch loss the pending update would give (None unless gradients wait to be applied).

    ``snap`` is the session's latest snapshot (its batch is the step's); call it while the session is paused.
    """
    if not snap.paused_after_backward or snap.halted or snap.batch_x is None or snap.loss is None:
        return None
    net = session.network
    params = net.params.copy()
    optimizer = copy.deepcopy(session.optimizer)
    optimizer.step(params, net.grads.copy(), net.weight_mask)
    twin = net.clone()
    twin.params[...] = params
    with np.errstate(all="ignore"):
        after = twin.evaluate(snap.batch_x, snap.batch_y)
    weights, biases = [], []
    for layer in twin.layers:
        weights.append(layer.weights.copy())
        biases.append(None if layer.biases is None else layer.biases.copy())
    return UpdatePreview(tuple(weights), tuple(biases), float(snap.loss), float(after))
