"""Pure-NumPy engine: no Textual, no plotext, nothing from training/app."""

from tui_backprop.core.activations import ACTIVATIONS, get_activation
from tui_backprop.core.losses import LOSSES, get_loss
from tui_backprop.core.network import BackwardLayer, ForwardLayer, Network
from tui_backprop.core.optimizers import OPTIMIZERS, make_optimizer

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "OPTIMIZERS",
    "BackwardLayer",
    "ForwardLayer",
    "Network",
    "get_activation",
    "get_loss",
    "make_optimizer",
]
