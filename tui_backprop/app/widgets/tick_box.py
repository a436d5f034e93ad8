"""A checkbox whose state reads without colour: ✓ when on, blank when off.

Textual's Checkbox draws the same X in both states and tells them apart by
colour only, which NO_COLOR terminals and many 16-colour themes lose.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Checkbox


class TickBox(Checkbox, inherit_bindings=False):
    """Space ticks; Enter is left to the form around it (the save dialog saves, the Config tab applies), as
    their hints say: Enter on a box just ticked used to untick it (QA8 C6)."""

    BINDINGS = [Binding("space", "toggle_button", "Toggle", show=False)]

    def watch_value(self) -> None:
        self.BUTTON_INNER = "✓" if self.value else " "
        self.refresh()

    def on_mount(self) -> None:
        self.watch_value()
