"""Widgets the app composes; each reads immutable training snapshots only."""

from tui_backprop.app.widgets.boundary import DecisionBoundary
from tui_backprop.app.widgets.diagram import NetworkDiagram
from tui_backprop.app.widgets.inspector import Inspector
from tui_backprop.app.widgets.neuron_maps import NeuronMaps

__all__ = ["DecisionBoundary", "Inspector", "NetworkDiagram", "NeuronMaps"]
