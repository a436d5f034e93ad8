"""Training session: phases, pause points, history, and the async runner (no Textual)."""

from tui_backprop.training.history import LossHistory, Series
from tui_backprop.training.session import PHASES, NanReport, Session, Snapshot

__all__ = ["PHASES", "LossHistory", "NanReport", "Series", "Session", "Snapshot"]
