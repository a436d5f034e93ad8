"""Widgets the app composes; each reads immutable training snapshots only."""

from tui_backprop.app.widgets.boundary import DecisionBoundary, NeuronMaps
from tui_backprop.app.widgets.diagram import NetworkDiagram
from tui_backprop.app.widgets.inspector import Inspector

__all__ = ["DecisionBoundary", "Inspector", "NetworkDiagram", "NeuronMaps"]
