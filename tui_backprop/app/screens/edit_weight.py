"""Type a new value for one weight or bias; the forward pass is redone with it."""

from __future__ import annotations

import math

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui_backprop.app.screens.closes_once import ClosesOnce
from tui_backprop.core.figures import MINUS, fmt
from tui_backprop.lessons import read_number

LIMIT = 1e6  # a typed weight's size must stay below this


class EditWeightScreen(ClosesOnce, ModalScreen[float | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="edit.cancel")]
    DEFAULT_CSS = """
    EditWeightScreen { align: center middle; }
    EditWeightScreen > Vertical {
        width: 56; max-width: 100%; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    EditWeightScreen #edit-error { color: $error; height: auto; }
    """

    def __init__(self, name: str, value: float):
        super().__init__()
        self.weight_name = name
        self.value = value
        # The box starts with the figure the sentence shows (it read "(now 0.5444)" over 0.54436), with a
        # hyphen the parser takes; Enter on it unchanged keeps the weight exactly as it is.
        self.prefill = fmt(value).replace(MINUS, "-")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"New value for {self.weight_name} (now {fmt(self.value)}).\n"
                         "Enter applies it and redoes the forward pass; Escape cancels.")
            yield Input(self.prefill, id="edit-value")
            yield Static("", id="edit-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        typed = event.value.strip().replace(MINUS, "-")  # a real minus, as the app writes it, reads too
        if typed == self.prefill:
            self.dismiss(self.value)
            return
        try:  # as a question's box reads it: a decimal comma too ("1,5" is 1.5, QA9)
            value = read_number(event.value, "a weight")
        except ValueError as exc:
            self.query_one("#edit-error", Static).update(str(exc))
            return
        if not math.isfinite(value) or abs(value) >= LIMIT:  # -1e6 passed: a weight no lesson can learn from
            self.query_one("#edit-error", Static).update(f"{event.value.strip()} is too large: expected a number "
                                                         f"between {fmt(-LIMIT)} and {fmt(LIMIT)}, e.g. 0.5 or -2")
            return
        self.dismiss(value)

    @on(Input.Changed)
    def _typed(self) -> None:
        """A refusal is about what was submitted: once the box changes it no longer applies (QA7 K6)."""
        self.query_one("#edit-error", Static).update("")

    def action_cancel(self) -> None:
        self.dismiss(None)
