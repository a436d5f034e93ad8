"""The input plane's widgets' shared machinery: key grids become strips of ``▀`` cells.

They use the Line API: the strips are built once per snapshot (or resize, or
toggle) from a small cache of styles, and each frame only hands them out.
``FittedTitles`` gives a pane a border title that is shortened, never cut.
"""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from tui_backprop.app.plane_picture import UPPER_HALF, density_glyph, first_fitting, pair_style, uses_ansi_palette
from tui_backprop.training.session import Snapshot


def text_strip(text: str, width: int, style: Style | None = None) -> Strip:
    return Strip([Segment(text[:width].ljust(width), style or Style())], width)


class FittedTitles:
    """Border title and subtitle given in several forms, longest first: the pane shows the longest that fits
    its width (again after a resize), so a title is shortened, never cut."""

    _title_forms: tuple[str, ...] | None = None  # None: the title is set directly, left alone
    _subtitle_forms: tuple[str, ...] | None = None

    def set_title_forms(self, *forms: str) -> None:
        self._title_forms = forms
        self._fit_titles()

    def set_subtitle_forms(self, *forms: str) -> None:
        self._subtitle_forms = forms
        self._fit_titles()

    def on_resize(self) -> None:
        self._fit_titles()

    def _fit_titles(self) -> None:
        room = self.outer_size.width - 6  # corners, a rule either side and a space either side
        if self._title_forms is not None:
            self.border_title = first_fitting(self._title_forms, room) if self._title_forms else ""
        if self._subtitle_forms is not None:
            self.border_subtitle = first_fitting(self._subtitle_forms, room) if self._subtitle_forms else ""


class PlaneWidget(Widget):
    """Shared machinery: turn key grids into strips of ``▀`` cells."""

    def __init__(self, snapshot: Snapshot | None = None, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.snapshot = snapshot
        self._strips: list[Strip] | None = None
        self._built_for: tuple | None = None

    def show(self, snapshot: Snapshot | None) -> None:
        self.snapshot = snapshot
        self._strips = None
        self.refresh()

    def _invalidate(self) -> None:
        self._strips = None
        self.refresh()

    @property
    def no_color(self) -> bool:
        return bool(getattr(self.app, "no_color", False)) if self.is_attached else False

    @property
    def ansi(self) -> bool:
        """Draw with the 16-colour palette (see ``ANSI_CLASS_COLOURS``)."""
        return uses_ansi_palette(self.app) if self.is_attached else False

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        key = (width, height, self.no_color, self.ansi)
        if self._strips is None or self._built_for != key:
            self._strips = self.build_strips(width, height)
            self._built_for = key
        # Every segment gets a real Style (the widget's own under the cell's): Textual's
        # NO_COLOR filter fails on a segment whose style is None.
        base = self.rich_style
        if y < len(self._strips):
            return self._strips[y].crop_extend(0, width, base).apply_style(base)
        return Strip.blank(width, base)

    def build_strips(self, width: int, height: int) -> list[Strip]:
        raise NotImplementedError

    def _cells(self, upper: np.ndarray, lower: np.ndarray, overlay: dict[int, tuple[str, Style]] | None = None,
               ) -> list[Segment]:
        """One row of cells; ``overlay`` maps a column to a glyph drawn instead (a data point)."""
        segments: list[Segment] = []
        mono = self.no_color
        ansi = self.ansi
        plain = Style()
        for x, (up, low) in enumerate(zip(upper.tolist(), lower.tolist())):
            if overlay and x in overlay:
                glyph, style = overlay[x]
                segments.append(Segment(glyph, style))
            elif mono:
                segments.append(Segment(density_glyph(up, low), plain))
            else:
                segments.append(Segment(UPPER_HALF, pair_style(up, low, ansi)))
        return list(Segment.simplify(segments))
