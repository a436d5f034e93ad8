"""A footer that shows whole keys only: the first ones (in binding order) that fit, never half a label.

Textual's footer cuts its row at the terminal's edge ("+ lr" at 80 columns).
Each screen lists its keys most important first (help, quit, the lesson, run,
step …), so the keys that do not fit are the ones at the end; the help screen
(``?``) lists them all. Keys that go in pairs (``Binding.Group``: "< > 1st") are
one entry: shown together or not at all, never "[ 2nd ←" without its "]".
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Footer
from textual.widget import Widget
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup


def key_cells(key: FooterKey) -> int:
    """Cells a compact key takes: "k description" and the one blank after it."""
    label = key.key_display + (" " + key.description if key.description else "")
    return cell_len(label) + 1


def entries(children: list[Widget]) -> list[tuple[list[Widget], int]]:
    """The footer's entries (a key, or a group of keys and its label) with the cells each takes."""
    found: list[tuple[list[Widget], int]] = []
    for child in children:
        if isinstance(child, FooterKey):
            found.append(([child], key_cells(child)))
        elif isinstance(child, KeyGroup):
            found.append(([child], sum(cell_len(key.key_display) for key in child.query(FooterKey))))
        elif isinstance(child, FooterLabel) and found:  # the group's label: "<>" + " 1st" + the blank after
            widgets, cells = found[-1]
            found[-1] = (widgets + [child], cells + 1 + cell_len(str(child.content)) + 1)
    return found


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

    DEFAULT_CSS = """
    FittedFooter KeyGroup.-compact { padding-left: 0; margin: 0 1 0 0; }
    FittedFooter.-compact FooterLabel { margin: 0 1 0 0; }
    """

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
        found = entries(list(self.children))
        shown = keys_that_fit([cells for _, cells in found], self.size.width)
        for index, (widgets, _) in enumerate(found):
            for widget in widgets:
                widget.display = index < shown
