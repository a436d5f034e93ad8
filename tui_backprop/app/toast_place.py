"""Where notifications show: over the loss curve, never over the lesson, the status line or the footer.

Textual stacks toasts at the bottom right, where at 80×24 they hid the status
line and the inspector. The curve is the pane a learner misses least for a few
seconds (then the boundary below it); when the lesson (or the computation graph)
covers them, the toasts take the bottom left rows, where a lesson's text rarely
reaches. The configuration form has fields down to its last row: over it the
toasts take the tab row, right of "Lesson  Config".

Over every other screen (the help, dialogs, views) the toasts take the place they have on the main view, so
a note shows where the learner is used to it, whatever is on top (``place_toasts_as_main``), unless a dialog
is there: then they go above it (or below). The main view's own toasts are hidden meanwhile: they showed
through the dialog's see-through background, under it.
"""

from __future__ import annotations

from textual.content import Content
from textual.css.query import NoMatches
from textual.geometry import Region
from textual.notifications import Notification
from textual.screen import ModalScreen, Screen
from textual.widgets._toast import ToastRack  # private in Textual: the one module that names it (and the tests)

TOAST_GUTTER = 3  # columns of a toast that are not text: its left border (1) and padding (0 1)
MIN_WIDTH = 36  # a short note on one line (beside the form's tabs)
NARROWEST = 20  # a curve narrower than this lends the pane to its right some cells (its text: 17 columns)
MAX_WIDTH = 50
COVERED_FIRST = ("#curve", "#boundary")  # the panes a toast may cover, the least missed first


def toast_area(screen_size: tuple[int, int], pane: Region | None, panes: Region,
               below: Region | None = None) -> tuple[str, int, int, int, int]:
    """(dock, offset from that edge, left, width, max height) of the toasts.

    ``pane`` is the region of the pane the toasts may cover (None: none is shown,
    so they take the bottom of ``panes`` instead); they keep to its width, so the
    panes beside it stay uncovered (QA6 K16: at 100×30 with the lesson open the
    curve is 24 columns and toasts of 36 covered the network's inputs). ``below``:
    the pane under it, in the same column, whose rows a tall stack of toasts in a
    column narrower than ``MIN_WIDTH`` may take as well (the newest shows whole).
    """
    width, height = screen_size
    if pane is not None and pane.width > 2 and pane.height > 2:
        left = pane.x + 1  # inside the border: the pane's title stays readable
        box = min(max(pane.width - 2, NARROWEST), width - left)
        bottom = pane.bottom - 1
        if box < MIN_WIDTH and below is not None and (below.x, below.y, below.width) == (pane.x, pane.bottom, pane.width):
            bottom = below.bottom - 1  # a narrow column, whose notes wrap more: down through the pane below too
        return "top", pane.y + 1, left, box, bottom - pane.y - 1
    box = min(MAX_WIDTH, max(width - 2, 1))
    return "bottom", max(height - panes.bottom + 1, 0), 1, box, max(panes.height // 3, 3)


def beside_tabs(tabs: Region, side: Region) -> tuple[str, int, int, int, int] | None:
    """The area right of the side pane's tabs (their row and the line under it); None if it is too narrow."""
    left = tabs.right + 2
    box = side.right - 1 - left
    return ("top", tabs.y, left, box, 2) if box >= MIN_WIDTH - 12 else None


def place_toasts(screen: Screen) -> None:
    """Place the main view's toasts for its layout now; the area is kept for the screens opened over it."""
    if not screen.query(ToastRack):
        return
    shown = [w.region for selector in COVERED_FIRST for w in screen.query(selector) if w.region]
    pane, below = (shown + [None, None])[:2]
    area = None
    if pane is None and screen.has_class("-side-open") and screen.query_one("#side").active == "config-tab":
        tabs = [tab.region for tab in screen.query("#side Tab") if tab.region]
        if tabs:
            area = beside_tabs(Region.from_union(tabs), screen.query_one("#side").region)
    screen.toast_area = area or toast_area(screen.size, pane, screen.query_one("#panes").region, below)
    _apply(screen, screen.toast_area)


def clear_of(area: tuple[str, int, int, int, int], screen_size: tuple[int, int],
             dialog: Region | None) -> tuple[str, int, int, int, int]:
    """``area`` (as ``toast_area`` gives it), moved above or below ``dialog`` if it would overlap it."""
    dock, edge, left, box, tall = area
    width, height = screen_size
    top = edge if dock == "top" else height - edge - tall
    if dialog is None or not Region(left, top, box, tall).overlaps(dialog):
        return area
    above = dialog.y - 1  # rows 1 … above the dialog (row 0: the panes' top border)
    below = height - 2 - dialog.bottom  # down to the status line, which stays readable
    if max(above, below) < 1:
        return area  # the dialog fills the screen: over it, as on the main view
    if above >= below:
        return "top", 1, left, box, above
    return "bottom", 2, left, box, below


def dialog_region(screen: Screen) -> Region | None:
    """What a modal screen shows over the main view (its children together); None for other screens."""
    if not isinstance(screen, ModalScreen):
        return None
    regions = [child.region for child in screen.children
               if not isinstance(child, ToastRack) and child.display and child.region]
    return Region.from_union(regions) if regions else None


def place_toasts_as_main(screen: Screen, main: Screen | None) -> None:
    """Put ``screen``'s toasts where the main view last put its own (nothing to do before it has), clear of
    a dialog; call again when the dialog grows (a question's reveal)."""
    area = getattr(main, "toast_area", None)
    if area is None or screen is main:
        return
    hide_toasts(main)
    _apply(screen, clear_of(area, screen.size, dialog_region(screen)))


def hide_toasts(main: Screen | None) -> None:
    """The main view's toasts, hidden while a screen is over it (it shows the notes itself): through a
    dialog's see-through background they showed under the dialog. Textual shows them again when main is back."""
    if main is not None:
        for rack in main.query(ToastRack):
            rack.display = False


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
    if screen is screen.app.screen and hasattr(screen.app, "fit_toasts"):
        screen.app.fit_toasts(screen)  # fewer rows here (the lesson, a dialog): the newest still shows whole


def toast_room(screen: Screen) -> tuple[int, int] | None:
    """(text width of a toast, rows) of ``screen``'s toasts; None if it shows none (notifications off)."""
    racks = screen.query(ToastRack)
    if not racks:
        return None
    styles = racks.first().styles
    width = int(styles.width.resolve(screen.size, screen.size)) if styles.width is not None else screen.size.width
    rows = int(styles.max_height.resolve(screen.size, screen.size)) if styles.max_height is not None else 0
    return max(width - TOAST_GUTTER, 1), rows or screen.size.height


def toast_rows(note: Notification, width: int) -> int:
    """The rows ``note``'s toast takes with ``width`` columns of text: its message wrapped as a Toast wraps it
    (tests/app/test_toasts.py checks the count against the toasts Textual draws), and its title's line."""
    text = Content.from_markup(note.message) if note.markup else Content(note.message)
    if note.title:
        text = Content.assemble(note.title, "\n", text)
    return len(text.wrap(width))


def oldest_to_drop(shown: list[Notification], room: tuple[int, int]) -> list[Notification]:
    """The oldest of ``shown`` (oldest first, as Textual stacks them, the newest at the bottom) that must go for
    the newest to show whole in the ``room`` that ``toast_room`` gives: a rack that overflows cuts its bottom
    rows, the newest toast, the answer to the key just pressed. The newest itself stays (if it alone is too
    tall, its first rows show)."""
    width, rows = room
    used = sum(toast_rows(note, width) for note in shown)
    dropped = []
    for note in shown[:-1]:
        if used <= rows:
            break
        dropped.append(note)
        used -= toast_rows(note, width)
    return dropped


def drop_toasts(screens, notes: list[Notification]) -> None:
    """Take the toasts of ``notes`` off ``screens`` now. Textual forgets an expired note at its next refresh
    but then removes only the Toast, not the ToastHolder it wraps it in, and the empty holder kept the toast's
    rows: a gap at the top of the rack, pushing the newest toast down past its last row. So the holder goes too,
    found by the id Textual gives it (``ToastRack._toast_id``, private: this is the one place that uses it;
    tests/app/test_toasts.py fails if it changes)."""
    for note in notes:
        note.timeout = 0  # expired: Textual forgets it when it shows the next toast
        for screen in screens:
            for rack in screen.query(ToastRack):
                try:
                    rack.get_child_by_id(ToastRack._toast_id(note)).remove()
                except NoMatches:
                    pass
