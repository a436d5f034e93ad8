"""A widget made (and its module imported) just after the first frame.

Textual's ``Lazy`` mounts a widget after the first refresh, but the widget, and so
its module, exists before; ``Deferred`` calls a function then, so the first screen
pays neither for building a hidden pane nor for importing it.
"""

from __future__ import annotations

from typing import Callable

from textual.widget import Widget


class Deferred(Widget):
    DEFAULT_CSS = """
    Deferred {
        display: none;
    }
    """

    def __init__(self, make: Callable[[], Widget]) -> None:
        super().__init__()
        self._make = make

    def on_mount(self) -> None:
        self.call_after_refresh(self._replace)

    async def _replace(self) -> None:
        if self.parent is None:  # removed before the first frame (the screen closed)
            return
        await self.parent.mount(self._make(), after=self)
        await self.remove()
