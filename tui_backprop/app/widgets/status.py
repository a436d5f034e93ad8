"""One-line status: where the run is, in numbers."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui_backprop.training.session import Snapshot


def fmt(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}g}"


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; padding: 0 1; }
    """

    def show(self, snap: Snapshot, prefix: str = "") -> None:
        state = snap.state_word
        style = {"running": "bold green", "paused": "bold yellow", "halted": "bold red",
                 "waiting after backward": "bold magenta"}[state]
        text = Text.from_markup(prefix) if prefix else Text()
        text.append(f"● {state}", style=style)
        phase = snap.last_phase or "—"
        text.append(f"  step {snap.step:,}  epoch {snap.epoch:,}  phase {phase}")
        text.append(f"  loss {fmt(snap.loss)}")
        if snap.test_loss is not None:
            text.append(f"  test {fmt(snap.test_loss)}")
        if snap.accuracy is not None:
            text.append(f"  acc {snap.accuracy:.0%}")
        text.append(f"  lr {snap.learning_rate:g}")
        if snap.running:
            text.append(f"  {snap.steps_per_second:,.0f} steps/s", style="dim")
        if snap.pause_after != "none":
            text.append(f"  stop after {snap.pause_after}", style="magenta")
        self.update(text)
