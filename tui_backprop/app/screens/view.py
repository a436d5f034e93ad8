"""What the views over the main screen share: ? and q as on the main view, escape goes back, space and n keep
driving training."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen

from tui_backprop.app.screens.closes_once import ClosesOnce


class ViewScreen(ClosesOnce, Screen[None]):
    """A full-screen view; ``owner`` (the app, or compare mode) runs and steps the training."""

    BINDINGS = [
        # First, as on the main view (the footer shows them first); the help lists them under "Anywhere".
        Binding("question_mark", "app.help", "help", id="anywhere.help", key_display="?", tooltip="All keys"),
        Binding("q", "app.quit", "quit", id="anywhere.quit", tooltip="Quit"),
        Binding("escape", "leave", "back", id="view.back"),
        Binding("space", "toggle_run", "run", id="view.run"),
        Binding("n", "step", "step", id="view.step"),
    ]

    def __init__(self, owner):
        super().__init__()
        self.owner = owner

    def action_leave(self) -> None:
        self.dismiss(None)

    def action_toggle_run(self) -> None:
        self.owner.action_toggle_run()

    def action_step(self) -> None:
        self.owner.action_step()
