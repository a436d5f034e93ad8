"""One-line status: where the run is, in numbers.

When the line is wider than the terminal, the least important parts go
first (steps/s, the pause setting, phase, epoch), never the loss.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from tui_backprop.app.graph_layout import lesson_renames
from tui_backprop.core.figures import fmt
from tui_backprop.training.runner import speed_text
from tui_backprop.training.session import Snapshot

STATE_STYLES = {"running": "bold green", "paused": "bold yellow", "halted": "bold red",
                "paused after backward": "bold magenta", "replaying": "bold cyan"}


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._last: tuple[Snapshot, str] | None = None
        self._text = Text()

    def render(self) -> Text:
        return self._text

    def update(self, text: Text) -> None:
        # A one-line widget of fixed height: repaint it without a layout pass of the whole screen.
        self._text = text
        self.refresh()

    def parts(self, snap: Snapshot) -> list[tuple[int, str, str]]:
        """(priority, text, style): lower priority numbers are kept longest."""
        state = snap.state_word
        label = f"replaying to step {snap.replaying_to:,} (space stops)" if state == "replaying" else state
        out = [(0, f"● {label}", STATE_STYLES[state])]
        # Say which step a phase belongs to: mid-step, the step in progress is one past the count.
        if snap.last_phase not in (None, "update"):
            out.append((1, f"step {snap.step + 1:,}: {snap.last_phase} done", ""))
        elif snap.step == 0:
            out.append((1, "no steps yet", ""))
        else:
            out.append((1, f"step {snap.step:,} done", ""))
        out.append((6, f"epoch {snap.epoch:,}", ""))
        named = dict(lesson_renames(self)).get("L")
        # Mid-step before the loss phase the loss on screen is the last step's: say so.
        loss_of = (f" (step {snap.step:,})" if snap.loss is not None and snap.last_phase is not None
                   and snap.last_phase.startswith("forward") else "")
        # "batch": the loss of the step's own forward pass, before its update, not the training loss at epoch end.
        out.append((1, f"batch loss {named + ' ' if named else ''}{fmt(snap.loss)}{loss_of}", ""))  # lesson's name (C)
        if snap.test_loss is not None:
            out.append((2, f"test {fmt(snap.test_loss)}", ""))
        if snap.accuracy is not None:
            # the end-of-epoch accuracy is the test data's when there is any (training/step.py)
            out.append((3, f"{'test' if snap.test_loss is not None else 'train'} acc {snap.accuracy:.0%}", ""))
        out.append((4, f"lr {snap.learning_rate:g}", ""))
        if snap.running:
            out.append((8, f"{snap.steps_per_second:,.0f} steps/s", "dim"))
        # The speed level and its keys, so a class sees why the run is slow.
        out.append((5, f"{speed_text(snap.speed_limit)} (, .)", "cyan"))
        if snap.pause_after != "none":
            out.append((5, f"pauses after {snap.pause_after}", "magenta"))
        return out

    def show(self, snap: Snapshot, prefix: str = "") -> None:
        self._last = (snap, prefix)
        self._render_line()

    def on_resize(self) -> None:
        if self._last is not None:
            self._render_line()

    def _render_line(self) -> None:
        snap, prefix = self._last
        parts = self.parts(snap)
        head = Text.from_markup(prefix) if prefix else Text()
        width = max(self.size.width, 20)
        while True:
            length = head.cell_len + sum(len(t) + 2 for _, t, _ in parts)
            if length <= width or len(parts) <= 2:
                break
            worst = max(range(len(parts)), key=lambda i: parts[i][0])
            parts.pop(worst)
        text = head.copy()
        for i, (_, t, style) in enumerate(parts):
            if i:
                text.append("  ")
            text.append(t, style=style)
        self.update(text)
