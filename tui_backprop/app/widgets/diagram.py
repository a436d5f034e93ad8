"""The network as a picture: a column of nodes per layer, edges coloured by weight.

Edges are drawn with braille dots (2×4 per cell), so several crossing lines
stay thin. A cell crossed by several edges takes the colour of the strongest
one. Negative weights are dashed, positive ones solid: the sign still reads
under NO_COLOR. Columns with more units than rows show the first ones and a
"+N" note.
"""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from tui_backprop.app.widgets.inspector import NEGATIVE_COLOURS, POSITIVE_COLOURS, magnitude_level
from tui_backprop.training.session import Snapshot

# Braille dot bits by (column, row) inside a cell.
_BRAILLE_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
_EDGE_STYLES: dict[tuple[int, int, bool], Style] = {}


def edge_style(sign: int, level: int, selected: bool) -> Style:
    key = (sign, level, selected)
    style = _EDGE_STYLES.get(key)
    if style is None:
        colours = POSITIVE_COLOURS if sign > 0 else NEGATIVE_COLOURS
        if level == 0:
            style = Style(color="#707070")
        elif level == 1:
            style = Style(color=colours[0])
        else:
            style = Style(color=colours[2], bold=level == 3)
        if selected:
            style += Style(bold=True)
        _EDGE_STYLES[key] = style
    return style


class NetworkDiagram(Widget):
    """Nodes per layer and the weights between them; shows the selected layer and neuron."""

    DEFAULT_CSS = """
    NetworkDiagram {
        width: 1fr;
        height: 10;
    }
    """

    def __init__(self, snapshot: Snapshot | None = None, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.snapshot = snapshot
        self.selected_layer = 0
        self.selected_neuron = 0
        self._strips: list[Strip] | None = None
        self._built_for: tuple[int, int] | None = None

    def show(self, snapshot: Snapshot | None) -> None:
        self.snapshot = snapshot
        self._strips = None
        self.refresh()

    def select(self, layer: int, neuron: int) -> None:
        """Highlight a layer (0-based, as in the snapshot) and one of its neurons."""
        self.selected_layer, self.selected_neuron = layer, neuron
        self._strips = None
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        if self._strips is None or self._built_for != (width, height):
            self._strips = self.build_strips(width, height)
            self._built_for = (width, height)
        if y < len(self._strips):
            return self._strips[y].crop_extend(0, width, None)
        return Strip.blank(width)

    # ------------------------------------------------------------ geometry
    @staticmethod
    def node_rows(units: int, rows: int) -> tuple[list[int], int]:
        """Rows of the drawn nodes (spread out) and how many units are left undrawn."""
        if units <= rows:
            return [int((i + 0.5) * rows / units) for i in range(units)], 0
        drawn = max(rows - 1, 1)
        return list(range(drawn)), units - drawn

    def build_strips(self, width: int, height: int) -> list[Strip]:
        snap = self.snapshot
        if width <= 0 or height <= 0:
            return []
        if snap is None or not snap.layers:
            return [Strip([Segment("No network yet.".ljust(width)[:width], Style(dim=True))])]
        rows = height - 1  # first line: layer names
        sizes = [snap.layers[0].fan_in] + [layer.units for layer in snap.layers]
        columns = len(sizes)
        margin_left, margin_right = 3, 3
        span = max(width - margin_left - margin_right - 1, columns)
        xs = [margin_left + round(c * span / max(columns - 1, 1)) for c in range(columns)]
        placed = [self.node_rows(units, rows) for units in sizes]
        header = self._draw_header(snap, xs, width)
        chars = [[" "] * width for _ in range(rows)]
        styles: list[list[Style | None]] = [[None] * width for _ in range(rows)]
        self._draw_edges(snap, xs, placed, chars, styles, width, rows)
        self._draw_nodes(snap, xs, placed, chars, styles, width)
        strips = [header]
        for y in range(rows):
            segments = [Segment(ch, st) for ch, st in zip(chars[y], styles[y])]
            strips.append(Strip(list(Segment.simplify(segments)), width))
        return strips

    def _draw_header(self, snap: Snapshot, xs: list[int], width: int) -> Strip:
        line = [" "] * width
        line_styles: list[Style | None] = [None] * width
        names = ["in"] + [
            ("out " if i == len(snap.layers) - 1 else f"L{i + 1} ") + layer.activation[:4]
            for i, layer in enumerate(snap.layers)
        ]
        previous_end = 0
        for c, (x, name) in enumerate(zip(xs, names)):
            start = min(max(x - len(name) // 2, previous_end), max(width - len(name), 0))
            style = Style(bold=True, reverse=True) if c - 1 == self.selected_layer else Style(dim=True)
            for i, ch in enumerate(name):
                if start + i < width:
                    line[start + i] = ch
                    line_styles[start + i] = style
            previous_end = start + len(name) + 1
        return Strip(list(Segment.simplify(Segment(ch, st) for ch, st in zip(line, line_styles))), width)

    def _draw_edges(self, snap, xs, placed, chars, styles, width, rows) -> None:
        dots = np.zeros((rows * 4, width * 2), dtype=bool)
        # Per cell: (priority, style) of the strongest edge through it.
        owner: dict[tuple[int, int], tuple[float, Style]] = {}
        for index, layer in enumerate(snap.layers):
            weights = layer.weights
            scale = float(np.nanmax(np.abs(weights))) if weights.size else 0.0
            left_rows, _ = placed[index]
            right_rows, _ = placed[index + 1]
            x0 = (xs[index] + 1) * 2
            x1 = xs[index + 1] * 2 - 1
            for j, ry in enumerate(right_rows):
                for k, ly in enumerate(left_rows):
                    w = float(weights[j, k])
                    if not np.isfinite(w):
                        continue
                    selected = index == self.selected_layer and j == self.selected_neuron
                    level = magnitude_level(w, scale)
                    style = edge_style(1 if w > 0 else -1, level, selected)
                    priority = abs(w) / scale if scale else 0.0
                    if selected:
                        priority += 10.0  # the selected neuron's inputs are drawn on top
                    self._draw_line(dots, owner, x0, ly * 4 + 1, x1, ry * 4 + 1, w < 0, priority, style)
        for (cy, cx), (_, style) in owner.items():
            if not (0 <= cy < rows and 0 <= cx < width):
                continue
            bits = 0
            for dx in range(2):
                for dy in range(4):
                    if dots[cy * 4 + dy, cx * 2 + dx]:
                        bits |= _BRAILLE_BITS[dx][dy]
            if bits:
                chars[cy][cx] = chr(0x2800 + bits)
                styles[cy][cx] = style

    @staticmethod
    def _draw_line(dots, owner, x0, y0, x1, y1, dashed, priority, style) -> None:
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        height, width = dots.shape
        for s in range(steps + 1):
            if dashed and (s // 2) % 2:
                continue  # negative weights: dashed, so the sign shows without colour
            x = round(x0 + (x1 - x0) * s / steps)
            y = round(y0 + (y1 - y0) * s / steps)
            if 0 <= x < width and 0 <= y < height:
                dots[y, x] = True
                cell = (y // 4, x // 2)
                if cell not in owner or owner[cell][0] < priority:
                    owner[cell] = (priority, style)

    def _draw_nodes(self, snap, xs, placed, chars, styles, width) -> None:
        last = len(placed) - 1
        for c, (x, (node_rows, hidden)) in enumerate(zip(xs, placed)):
            for unit, y in enumerate(node_rows):
                is_selected = c - 1 == self.selected_layer and unit == self.selected_neuron
                glyph = "◉" if is_selected else ("○" if c == 0 else "●")
                style = Style(bold=True, reverse=True) if is_selected else (
                    Style(bold=True) if c - 1 == self.selected_layer else None)
                if x < width:
                    chars[y][x] = glyph
                    styles[y][x] = style
                label = f"x{unit + 1}" if c == 0 else ("ŷ" if c == last and len(node_rows) == 1 else
                                                      f"ŷ{unit + 1}" if c == last else "")
                if c == 0 and label:
                    start = max(x - len(label) - 1, 0)
                    self._put(chars, styles, y, start, label[: x - start - 1] if x - start > 1 else "", width)
                elif label:
                    self._put(chars, styles, y, x + 2, label, width)
            if hidden:
                note = f"+{hidden}"
                y = node_rows[-1] + 1
                if y < len(chars):
                    self._put(chars, styles, y, max(x - len(note) // 2, 0), note, width, Style(dim=True))

    @staticmethod
    def _put(chars, styles, y, x, text, width, style=None) -> None:
        for i, ch in enumerate(text):
            if 0 <= x + i < width:
                chars[y][x + i] = ch
                styles[y][x + i] = style or Style(dim=True)
