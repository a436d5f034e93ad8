"""A lesson's question: predict, then see the true value and why.

The app pauses before the phase that computes the value, so no pane can show it yet.
Enter answers, Escape skips; either way the phase then runs, the value is revealed with
the explanation, and Enter (or Escape) goes on.
"""

from __future__ import annotations

import re
from typing import Callable

from rich.markup import escape
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui_backprop.app.screens.closes_once import ClosesOnce
from tui_backprop.app.toast_place import place_toasts_as_main

from tui_backprop.lessons import Question


def answer_pattern(question: Question) -> str:
    """What the answer box accepts: a number's characters, or the characters of the question's choices."""
    if not question.choices:
        return r"[0-9.,eE+\-−]*"  # (a decimal comma reads as a point)
    chars = set("".join(question.choices))
    if chars & {"−", "-"}:
        chars |= {"−", "-"}  # either minus sign
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]*"


class QuestionScreen(ClosesOnce, ModalScreen[None]):
    BINDINGS = [Binding("escape", "skip", "skip", id="question.skip")]
    DEFAULT_CSS = """
    QuestionScreen { align: center bottom; background: $background 30%; }
    QuestionScreen > Vertical {
        width: 72; max-width: 100%; height: auto; max-height: 60%; border: round $accent;
        background: $surface; padding: 0 1; margin-bottom: 2;
    }
    QuestionScreen #question-result { height: auto; }
    """

    def __init__(self, question: Question, reveal: Callable[[Question, str | None], str]):
        super().__init__()
        self.question = question
        self.reveal = reveal  # runs the phase, returns what to say (markup)
        self.revealed = False
        self.refused = False  # the result line says why the last entry was refused

    def compose(self) -> ComposeResult:
        q = self.question
        choices = f"  (one of {'  '.join(q.choices)})" if q.choices else ""
        with Vertical():
            yield Static(f"[b]{escape(q.prompt)}[/b]{escape(choices)}", id="question-prompt")
            # Only what an answer can contain: a burst of n / p / space typed as the box opens is not taken
            # as the prediction (the keys are refused, the box stays empty).
            yield Input(id="question-answer", placeholder="your prediction", restrict=answer_pattern(q))
            yield Static("Enter: answer · Escape: skip", id="question-result")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def answer(self, value: str) -> None:
        if self.revealed:
            self.dismiss(None)
            return
        if not value.strip():
            self.query_one("#question-result", Static).update("Type a prediction, or Escape to skip.")
            return
        refused = self.question.refusal(value)
        if refused is not None:  # a typo, not a prediction: the question stays (QA8 B3)
            self.refused = True
            self.query_one("#question-result", Static).update(
                f"[b]{escape(refused)}[/b]\nEnter: answer · Escape: skip")
            return
        self._show(self.reveal(self.question, value))

    @on(Input.Changed)
    def _typed(self) -> None:
        """A refusal is about what was submitted: once the box changes it no longer applies."""
        if self.refused and not self.revealed:
            self.refused = False
            self.query_one("#question-result", Static).update("Enter: answer · Escape: skip")

    def action_skip(self) -> None:
        if self.revealed:
            self.dismiss(None)
            return
        self._show(self.reveal(self.question, None))

    def _show(self, text: str) -> None:
        self.revealed = True
        answer = self.query_one(Input)
        answer.disabled = True
        self.query_one("#question-result", Static).update(text + "\n[dim]Enter or Escape: go on[/dim]")
        self.set_focus(None)
        # The reveal is taller: its toasts go above it once it is laid out (the refresh after the next).
        self.call_after_refresh(self.call_after_refresh, place_toasts_as_main, self, self.app.main)

    def key_enter(self, event: events.Key) -> None:
        # Here, as the key reaches the dialog, not by the box's binding once it is back at the app: the keys typed
        # next wait only for this one (type_ahead.py). Stopped: once dismissed, the next question (same step) is
        # on top, and the key bubbling on would submit its box, empty ("Type a prediction").
        event.stop()
        self.answer(self.query_one(Input).value)
