"""The loss landscape of two parameters as a filled contour of half-block cells.

Each cell is two pixels (``▀``: foreground the upper, background the lower).
The shade is the loss on a log scale, in bands labelled under the picture.
On top: the optimizer's path(s), the current point and the next step −lr·g
as an arrow. Glyphs tell the runs apart without colour (NO_COLOR).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from tui_backprop.app.plane_picture import luminance, uses_ansi_palette
from tui_backprop.core.figures import alike, beside, change, fmt
from tui_backprop.core.landscape import Surface

UPPER_HALF = "▀"
# Low loss dark, high loss bright (viridis), so the valley floor reads as the dark part.
SHADES = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725")
# 16 colours: exact RGB of rich's standard palette, so each maps back to its own ANSI index.
ANSI_SHADES = ("#000000", "#0000aa", "#5555ff", "#00aaaa", "#55ffff", "#00aa00", "#55ff55", "#aa5500", "#ffff55")
DENSITY = " ░▒▓█"  # NO_COLOR: low loss blank, high loss solid
# The caption's words for them (the colour legend needs none: dark valley, bright ridge reads on its own).
NO_COLOR_SHADES = "Shading is the loss: blank where it is lowest, ░ ▒ ▓ higher, █ highest (log scale, legend below)."
PATH_GLYPHS = (("•", "●"), ("◦", "○"))  # per run: (a point on the path, where it is now)
ARROWS = "→↗↑↖←↙↓↘"
Y_MARGIN = 7  # columns for the y tick labels
FLAT = 1.01  # a highest loss under 1% above the lowest: the legend says the landscape is nearly flat


@dataclass(frozen=True)
class Run:
    """What one run puts on the landscape: its path, where it is, its next step."""

    path: np.ndarray  # [n, 2]
    point: tuple[float, float]
    step: tuple[float, float] | None  # the next update on the two parameters (None: no gradient yet)


def bands(loss: np.ndarray, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Band index per grid point on a log scale, and the band edges (as losses)."""
    finite = loss[np.isfinite(loss)]
    positive = finite[finite > 0]
    low = float(positive.min()) if positive.size else 1e-12
    high = float(finite.max()) if finite.size else 1.0
    low = max(low, high * 1e-12, 1e-300)  # a minimum of exactly 0 would stretch the scale forever
    lo, hi = math.log10(low), math.log10(max(high, low))
    if hi - lo < 1e-9:
        hi = lo + 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(np.maximum(np.nan_to_num(loss, nan=high, posinf=high), low))
    index = np.clip(((logs - lo) / (hi - lo) * levels).astype(int), 0, levels - 1)
    edges = 10 ** np.linspace(lo, hi, levels + 1)
    return index, edges


class LandscapePlot(Widget):
    DEFAULT_CSS = """
    LandscapePlot { width: 1fr; height: 1fr; min-height: 6; }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.surface: Surface | None = None
        self.runs: list[Run] = []
        self.names: tuple[str, str] = ("", "")
        self._strips: list[Strip] | None = None
        self._built_for: tuple | None = None

    def show(self, surface: Surface | None, runs: list[Run], names: tuple[str, str]) -> None:
        self.surface, self.runs, self.names = surface, runs, names
        self._strips = None
        self.refresh()

    @property
    def plot_size(self) -> tuple[int, int]:
        """(columns, cell rows) of the picture itself: what a grid for this widget should have."""
        width, height = self.size
        return max(4, width - Y_MARGIN), max(2, height - 2)

    # ---------------------------------------------------------------- drawing
    def render_line(self, y: int) -> Strip:
        width, height = self.size
        mono = bool(getattr(self.app, "no_color", False))
        ansi = uses_ansi_palette(self.app)
        key = (width, height, mono, ansi)
        if self._strips is None or self._built_for != key:
            self._strips = self.build_strips(width, height, mono, ansi)
            self._built_for = key
        base = self.rich_style
        if y < len(self._strips):
            return self._strips[y].crop_extend(0, width, base).apply_style(base)
        return Strip.blank(width, base)

    def build_strips(self, width: int, height: int, mono: bool, ansi: bool) -> list[Strip]:
        surface = self.surface
        if surface is None or surface.ys is None:
            return [Strip([Segment("computing the landscape …", Style())])]
        rows = max(2, height - 2)
        y_labels = {0: surface.ys[-1], rows // 2: (surface.ys[0] + surface.ys[-1]) / 2, rows - 1: surface.ys[0]}
        y_labels = {row: fmt(float(value), 2) for row, value in y_labels.items()}
        # wider than 5 cells ("−5.5e18"): the labels get the room, not a cut that reads 6.1e1 for 6.1e18
        margin = max(Y_MARGIN, 2 + max(len(label) for label in y_labels.values()))
        cols = max(4, width - margin)
        palette = ANSI_SHADES if ansi else SHADES
        index, edges = bands(surface.loss, len(palette))
        # Resample the grid to the picture: [2·rows pixels (top first), cols].
        pr = np.minimum((np.arange(2 * rows)[::-1] * len(surface.ys)) // (2 * rows), len(surface.ys) - 1)
        pc = np.minimum((np.arange(cols) * len(surface.xs)) // cols, len(surface.xs) - 1)
        pixels = index[np.ix_(pr, pc)]
        overlay = self._overlay(surface, cols, rows)
        plain = Style()
        strips = []
        for row in range(rows):
            label = y_labels.get(row, "")
            tick = " ┤" if row in y_labels else " │"
            segments = [Segment(label.rjust(margin - 2) + tick, plain)]
            upper, lower = pixels[2 * row], pixels[2 * row + 1]
            for col in range(cols):
                up, low = int(upper[col]), int(lower[col])
                mark = overlay.get((row, col))
                if mark is not None:
                    glyph = mark
                    if mono:
                        segments.append(Segment(glyph, Style(bold=True)))
                    else:
                        back = palette[low]
                        fore = "#000000" if luminance(back) > 110 else "#ffffff"
                        segments.append(Segment(glyph, Style(color=fore, bgcolor=back, bold=True)))
                elif mono:
                    share = (up + low) / 2 / (len(palette) - 1)
                    segments.append(Segment(DENSITY[min(int(share * len(DENSITY)), len(DENSITY) - 1)], plain))
                else:
                    segments.append(Segment(UPPER_HALF, Style(color=palette[up], bgcolor=palette[low])))
            strips.append(Strip(list(Segment.simplify(segments))))
        strips.append(Strip([Segment(self._x_ticks(surface, cols, margin), plain)]))
        strips.append(Strip(self._legend(edges, palette, mono, width, surface.loss)))
        return strips

    def _x_ticks(self, surface: Surface, cols: int, margin: int = Y_MARGIN) -> str:
        line = [" "] * (margin + cols)
        for frac in (0.0, 0.5, 1.0):
            value = surface.xs[0] + frac * (surface.xs[-1] - surface.xs[0])
            text = fmt(float(value), 2)
            at = margin + int(round(frac * (cols - 1)))
            start = min(max(margin, at - len(text) // 2), margin + cols - len(text))
            line[start: start + len(text)] = list(text)
        name = f"{self.names[0]} →"
        if len(name) + 2 < cols // 2 - 6:  # between the left and the middle label
            start = margin + cols // 4 - len(name) // 2
            line[start: start + len(name)] = list(name)
        return "".join(line)

    def _legend(self, edges, palette, mono: bool, width: int, loss: np.ndarray | None = None) -> list[Segment]:
        """The shades from the lowest loss to the highest; bands are equal steps of log10(loss).

        A nearly flat loss says so, its ends with the digits that tell them apart (it read
        "2.6 █████████ 2.6, each shade ×1.0001"); a flat one says it is the same everywhere.
        """
        plain = Style()
        finite = np.zeros(0) if loss is None else loss[np.isfinite(loss)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (float(edges[0]), float(edges[-1]))
        if finite.size and low == high:  # (the shades then span a made-up decade: bands())
            return [Segment(f"loss {fmt(low)} everywhere here: flat", plain)]
        flat = low > 0 and high / low < FLAT
        low_text, high_text = change(low, high, 2) if flat else alike([float(edges[0]), float(edges[-1])], 2)
        segments = [Segment(f"loss, log scale: {low_text} ", plain)]
        if mono:
            segments.append(Segment(DENSITY, plain))
        else:
            segments += [Segment("█", Style(color=colour)) for colour in palette]
        if flat:
            segments.append(Segment(f" {high_text}: nearly flat, all within {fmt(100 * (high / low - 1), 1)}%", plain))
        else:
            factor = float(edges[1] / edges[0])
            segments.append(Segment(f" {high_text}, each shade ×{beside(factor, 1.0, 2)}", plain))
        return segments

    def _overlay(self, surface: Surface, cols: int, rows: int) -> dict[tuple[int, int], str]:
        """Glyphs on top of the picture: paths, then the arrows, then where each run is now."""
        x0, x1 = float(surface.xs[0]), float(surface.xs[-1])
        y0, y1 = float(surface.ys[0]), float(surface.ys[-1])

        def cell(a: float, b: float) -> tuple[int, int] | None:
            if not (math.isfinite(a) and math.isfinite(b)) or not (x0 <= a <= x1 and y0 <= b <= y1):
                return None
            # halves: a grid from −1.7e308 to 1.7e308 has a width that overflows, its half does not
            across = (a / 2 - x0 / 2) / (x1 / 2 - x0 / 2) * (cols - 1)
            up = (b / 2 - y0 / 2) / (y1 / 2 - y0 / 2) * (2 * rows - 1)
            if not (math.isfinite(across) and math.isfinite(up)):
                return None
            return rows - 1 - int(round(up)) // 2, int(round(across))

        marks: dict[tuple[int, int], str] = {}
        for run, (dot, _now) in zip(self.runs, PATH_GLYPHS):
            for a, b in run.path:
                at = cell(a, b)
                if at is not None:
                    marks[at] = dot
        for run in self.runs:
            if run.step is None:
                continue
            (a, b), (da, db) = run.point, run.step
            start, end = cell(a, b), cell(a + da, b + db)
            angle = math.atan2(db / ((y1 - y0) or 1.0), da / ((x1 - x0) or 1.0))
            if start is None or not (math.isfinite(da) and math.isfinite(db) and math.isfinite(angle)):
                # a NaN or infinite gradient has no step to draw: no arrow (the caption says why)
                continue
            if end is None:  # the step leaves the picture: point the way at the edge
                end = start
            head = ARROWS[int(round(angle / (math.pi / 4))) % 8]
            n = max(abs(end[0] - start[0]), abs(end[1] - start[1]))
            for k in range(1, n):  # the shaft
                at = (round(start[0] + (end[0] - start[0]) * k / n), round(start[1] + (end[1] - start[1]) * k / n))
                marks[at] = "∙"
            if end != start or (da, db) != (0.0, 0.0):
                target = end if end != start else self._beside(start, head, rows, cols)
                if target is not None:
                    marks[target] = head
        for run, (_dot, now) in zip(self.runs, PATH_GLYPHS):
            at = cell(*run.point)
            if at is not None:
                marks[at] = now
        return marks

    @staticmethod
    def _beside(at, head: str, rows: int, cols: int):
        """The cell next to ``at`` in the arrow's direction (a step too small to span a cell)."""
        dr, dc = {"→": (0, 1), "↗": (-1, 1), "↑": (-1, 0), "↖": (-1, -1), "←": (0, -1), "↙": (1, -1),
                  "↓": (1, 0), "↘": (1, 1)}[head]
        r, c = at[0] + dr, at[1] + dc
        return (r, c) if 0 <= r < rows and 0 <= c < cols else None
