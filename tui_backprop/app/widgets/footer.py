"""A footer that shows whole keys only: the first ones (in binding order) that fit, never half a label.

Textual's footer cuts its row at the terminal's edge ("+ lr" at 80 columns).
Each screen lists its keys most important first (help, quit, the lesson, run,
step …), so the keys that do not fit are the ones at the end; the help screen
(``?``) lists them all.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


def key_cells(key: FooterKey) -> int:
    """Cells a compact key takes: "k description" and the one blank after it."""
    label = key.key_display + (" " + key.description if key.description else "")
    return cell_len(label) + 1


def keys_that_fit(widths: list[int], width: int) -> int:
    """How many keys, from the first, fit in ``width`` cells (the last one needs no blank after it)."""
    used = 0
    for count, cells in enumerate(widths):
        if used + cells - 1 > width:
            return count
        used += cells
    return len(widths)


class FittedFooter(Footer):
    """``Footer(compact=True)`` that hides the keys that would be cut at the right edge."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("show_command_palette", False)
        super().__init__(compact=True, **kwargs)
        # Textual's footer stays empty until the screen's bindings first change, a frame or more after the
        # first paint; the screen's keys are known at compose time, so draw them in the first frame.
        self._bindings_ready = True

    async def recompose(self) -> None:
        await super().recompose()
        self.fit()

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        keys = list(self.query(FooterKey))
        shown = keys_that_fit([key_cells(key) for key in keys], self.size.width)
        for index, key in enumerate(keys):
            key.display = index < shown
