"""Where notifications show: over the loss curve, never over the lesson, the status line or the footer.

Textual stacks toasts at the bottom right, where at 80×24 they hid the status
line and the inspector. The curve is the pane a learner misses least for a few
seconds (then the boundary below it); when the lesson (or the computation graph)
covers them, the toasts take the bottom left rows, where a lesson's text rarely
reaches.

Over every other screen (the help, dialogs, views) the toasts take the place they have on the main view, so
a note shows where the learner is used to it, whatever is on top (``place_toasts_as_main``).
"""

from __future__ import annotations

from textual.geometry import Region
from textual.screen import Screen
from textual.widgets._toast import ToastRack

MIN_WIDTH = 36  # a short note on one line; a narrower curve lends the pane to its right some cells
MAX_WIDTH = 50
COVERED_FIRST = ("#curve", "#boundary")  # the panes a toast may cover, the least missed first


def toast_area(screen_size: tuple[int, int], pane: Region | None, panes: Region) -> tuple[str, int, int, int, int]:
    """(dock, offset from that edge, left, width, max height) of the toasts.

    ``pane`` is the region of the pane the toasts may cover (None: none is shown,
    so they take the bottom of ``panes`` instead).
    """
    width, height = screen_size
    if pane is not None and pane.width > 2 and pane.height > 2:
        left = pane.x + 1  # inside the border: the pane's title stays readable
        box = min(max(pane.width - 2, MIN_WIDTH), width - left)
        return "top", pane.y + 1, left, box, pane.height - 2
    box = min(MAX_WIDTH, max(width - 2, 1))
    return "bottom", max(height - panes.bottom + 1, 0), 1, box, max(panes.height // 3, 3)


def place_toasts(screen: Screen) -> None:
    """Place the main view's toasts for its layout now; the area is kept for the screens opened over it."""
    if not screen.query(ToastRack):
        return
    pane = next((w.region for selector in COVERED_FIRST for w in screen.query(selector) if w.region), None)
    screen.toast_area = toast_area(screen.size, pane, screen.query_one("#panes").region)
    _apply(screen, screen.toast_area)


def place_toasts_as_main(screen: Screen, main: Screen | None) -> None:
    """Put ``screen``'s toasts where the main view last put its own (nothing to do before it has)."""
    area = getattr(main, "toast_area", None)
    if area is not None and screen is not main:
        _apply(screen, area)


def _apply(screen: Screen, area: tuple[str, int, int, int, int]) -> None:
    racks = screen.query(ToastRack)
    if not racks:
        return
    dock, edge, left, box, tall = area
    styles = racks.first().styles
    styles.dock = dock
    styles.margin = (edge, 0, 0, left) if dock == "top" else (0, 0, edge, left)
    styles.width = box
    styles.max_height = tall
