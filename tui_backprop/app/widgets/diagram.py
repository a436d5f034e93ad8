"""The network as a picture: a column of nodes per layer, edges coloured by weight (or by gradient).

Edges are drawn with braille dots (2×4 per cell), so several crossing lines
stay thin. A cell crossed by several edges takes the colour of the strongest
one. Negative weights are dashed, positive ones solid: the sign still reads
under NO_COLOR. Columns with more units than rows show the first ones and a
"+N" note. With ``show_gradients`` (key D) the edges show ∂L/∂w and the nodes
δ (the batch mean), each layer once its backward pass has run; the border
title says which one is shown. Where there is room the picture carries its
numbers too (``app/diagram_numbers.py``): each node's value for the selected
sample, each edge's w or ∂L/∂w, and a legend saying which is which.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from tui_backprop.app.diagram_header import header_labels, place_labels
from tui_backprop.app.diagram_numbers import (
    Edge,
    Shown,
    alike_placed,
    edge_value,
    fits_numbers,
    is_classes,
    legend_forms,
    node_texts,
    output_label,
    place_edge_numbers,
    reserved_widths,
    selected_text,
)
from tui_backprop.app.graph_layout import PENDING, lesson_renames
from tui_backprop.app.widgets.plane import FittedTitles
from tui_backprop.core.names import subscript
from tui_backprop.app.widgets.inspector import NEGATIVE_COLOURS, POSITIVE_COLOURS, magnitude_level
from tui_backprop.training.session import Snapshot

# Playground's feature names, short enough for the diagram's input column.
INPUT_LABELS = {"x1": "X₁", "x2": "X₂", "x1^2": "X₁²", "x2^2": "X₂²", "x1*x2": "X₁X₂",
                "sin(x1)": "sinX₁", "sin(x2)": "sinX₂"}


def input_label(name: str) -> str:
    """An input's label: Playground's names (X₁, X₁²), and the numbered inputs past them alike (X₃, not x3)."""
    if name in INPUT_LABELS:
        return INPUT_LABELS[name]
    if name[:1] == "x" and name[1:].isdigit():
        return "X" + "".join(subscript(int(d)) for d in name[1:])
    return name


# Braille dot bits by (column, row) inside a cell.
_BRAILLE_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
_EDGE_STYLES: dict[tuple[int, int, bool], Style] = {}
DENSE = 8  # drawn edges of a layer above which only the selected neuron's carry numbers

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


class NetworkDiagram(FittedTitles, Widget):
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
        self.selected_weight = 0  # the inspector's weight (its fan_in: the bias, which has no edge)
        self.selected_sample = 0
        self.numbers_shown: tuple[bool, bool] = (False, False)  # (nodes, edges) in the last drawing
        self._strips: list[Strip] | None = None
        self._built_for: tuple[int, int] | None = None
        self._show_gradients = False
        self._edge_cells: dict[tuple[int, int], tuple] = {}

    @property
    def show_gradients(self) -> bool:
        return self._show_gradients

    @show_gradients.setter
    def show_gradients(self, value: bool) -> None:
        self._show_gradients = bool(value)
        self._strips = None  # the legend follows the drawing (build_strips)
        self.refresh()

    def edge_values(self, layer) -> np.ndarray | None:
        """What the edges of one layer show: weights, or ∂L/∂w once that layer's backward pass has run."""
        if not self._show_gradients:
            return layer.weights
        if layer.delta is None:
            return None  # pending: not reached by the backward pass yet
        return layer.grad_weights

    def show(self, snapshot: Snapshot | None) -> None:
        self.snapshot = snapshot
        self._strips = None
        self.refresh()

    def select(self, layer: int, neuron: int, weight: int = 0, sample: int = 0) -> None:
        """Highlight a layer (0-based, as in the snapshot), one of its neurons and that neuron's weight;
        node numbers are the sample's."""
        self.selected_layer, self.selected_neuron = layer, neuron
        self.selected_weight, self.selected_sample = weight, sample
        self._strips = None
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        if self._strips is None or self._built_for != (width, height):
            self._strips = self.build_strips(width, height)
            self._built_for = (width, height)
        # Every segment gets a real Style (the widget's own under the cell's): Textual's
        # NO_COLOR filter fails on a segment whose style is None.
        base = self.rich_style
        if y < len(self._strips):
            return self._strips[y].crop_extend(0, width, base).apply_style(base)
        return Strip.blank(width, base)

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
        # A wide layer's "+N" takes the bottom row: the columns that fit keep off it, or at 80×24 the "+5" of
        # an 8-unit layer shared X₂'s row and read as X₂'s ("X₂ ○ 0.67    +5").
        noted = any(units > rows for units in sizes)
        placed = [self.node_rows(units, rows - 1 if noted and units < rows else rows) for units in sizes]
        texts, xs = self._fit_numbers(snap, placed, width)
        header = self._draw_header(snap, xs, width)
        chars = [[" "] * width for _ in range(rows)]
        styles: list[list[Style]] = [[Style()] * width for _ in range(rows)]
        edges = self._draw_edges(snap, xs, placed, chars, styles, width, rows, texts)
        blocked = self._draw_nodes(snap, xs, placed, chars, styles, width, texts)
        numbered = self._draw_edge_numbers(edges, blocked, chars, styles, width, rows)
        nodes_shown = any(t for col in texts[:-1] for t in col)
        self.numbers_shown = (nodes_shown, bool(numbered))
        # The selected parameter's number is on the picture, else in the legend (a bias has no edge).
        selected = (self.selected_layer, self.selected_neuron, self.selected_weight)
        missing = selected not in {edge.key for edge in numbered}
        shown = Shown(nodes_shown, any(texts[-1]), bool(numbered),
                      any(PENDING in t.split() for col in texts for t in col),
                      selected_text(snap, *selected, self._show_gradients, self._renames()) if missing else None)
        forms = legend_forms(snap, self.selected_sample, self._show_gradients, shown, self._renames())
        if forms != self._subtitle_forms:
            self.call_later(self.set_subtitle_forms, *forms)
        strips = [header]
        for y in range(rows):
            segments = [Segment(ch, st) for ch, st in zip(chars[y], styles[y])]
            strips.append(Strip(list(Segment.simplify(segments)), width))
        return strips

    def _renames(self) -> dict:
        """The lesson's names for ŷ, y and L (``[names]``), as the inspector uses them."""
        return dict(lesson_renames(self))

    def _columns(self, snap, width: int, right: int) -> list[int]:
        columns = len(snap.layers) + 1
        margin_left = min(max(3, self._longest_input_label(snap) + 1), max(width // 4, 3))
        span = max(width - margin_left - right - 1, columns)
        return [margin_left + round(c * span / max(columns - 1, 1)) for c in range(columns)]

    def _fit_numbers(self, snap, placed, width: int) -> tuple[list[list[str]], list[int]]:
        """The node numbers that fit (all, the output's only, or none) and the columns' x for them."""
        every = node_texts(snap, self.selected_sample, self._show_gradients, self._renames())
        every = [col[: len(rows)] for col, (rows, _) in zip(every, placed)]  # drawn nodes only
        last = len(every) - 1
        output_only = [[""] * len(col) if c < last else col for c, col in enumerate(every)]
        plain = self._columns(snap, width, 3)
        labels = header_labels(snap)
        names = [found and found[1] for found in place_labels(labels, plain, width)]
        for texts in (every, output_only):
            widths = reserved_widths(snap, texts)
            xs = self._columns(snap, width, max(3, widths[-1] + 1))
            # Numbers never cost a layer its name in the header ("L8 sigm" stays, not "L8").
            if xs[-1] + 1 + widths[-1] < width and fits_numbers(xs, widths) \
                    and [found and found[1] for found in place_labels(labels, xs, width)] == names:
                return texts, xs
        return [[""] * len(col) for col in every], plain

    def _draw_header(self, snap: Snapshot, xs: list[int], width: int) -> Strip:
        line = [" "] * width
        line_styles: list[Style] = [Style()] * width
        for c, found in enumerate(place_labels(header_labels(snap), xs, width)):
            if found is None:
                continue
            start, name = found
            style = Style(bold=True, reverse=True) if c - 1 == self.selected_layer else Style(dim=True)
            for i, ch in enumerate(name):
                line[start + i] = ch
                line_styles[start + i] = style
        return Strip(list(Segment.simplify(Segment(ch, st) for ch, st in zip(line, line_styles))), width)

    def _draw_edges(self, snap, xs, placed, chars, styles, width, rows, texts) -> list[Edge]:
        """Braille lines from each node (after its number) to the next column; returns them, to be numbered."""
        edges: list[Edge] = []
        dots = np.zeros((rows * 4, width * 2), dtype=bool)
        # Per cell: (priority, style, key) of the strongest edge through it.
        owner: dict[tuple[int, int], tuple[float, Style]] = {}
        for index, layer in enumerate(snap.layers):
            weights = self.edge_values(layer)
            if weights is None:
                weights = np.zeros_like(layer.weights)  # pending: thin grey lines
            finite = np.abs(weights[np.isfinite(weights)])
            scale = float(finite.max()) if finite.size else 0.0
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
                        if k == self.selected_weight:
                            priority += 10.0  # and the selected weight's number comes first
                    self._draw_line(dots, owner, x0, ly * 4 + 1, x1, ry * 4 + 1, w < 0, priority, style,
                                    (index, j, k))
                    edges.append(Edge((index, j, k), edge_value(snap, index, j, k, self._show_gradients),
                                      x0, ly * 4 + 1, x1, ry * 4 + 1, priority))
        self._edge_cells = {cell: found[2] for cell, found in owner.items()}  # which edge shows in each cell
        for (cy, cx), (_, style, _) in owner.items():
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
        return edges

    def _draw_edge_numbers(self, edges, blocked, chars, styles, width, rows) -> list[Edge]:
        """Each edge's number on its line where it fits whole; the selected weight's reversed."""
        by_key = {edge.key: edge for edge in edges}
        numbered = []
        # Pending ∂L/∂w get none (the legend says so). In a dense layer a number could be any line's:
        # there only the selected neuron's inputs, drawn on top, are numbered.
        per_layer = Counter(edge.key[0] for edge in edges)
        known = [edge for edge in edges if edge.value is not None and (
            per_layer[edge.key[0]] <= DENSE or edge.key[:2] == (self.selected_layer, self.selected_neuron))]
        placed = place_edge_numbers(known, blocked, width, rows, self._edge_cells)
        if self._show_gradients:  # one format between two columns, as in a column of δ
            placed = alike_placed(placed, {edge.key: edge.value for edge in known})
        for spot in placed:
            edge = by_key[spot.key]
            layer, j, k = spot.key
            selected = layer == self.selected_layer and j == self.selected_neuron
            if edge.value is None:
                style = Style(dim=True)  # pending
            else:
                style = edge_style(1 if edge.value > 0 else -1, 3 if edge.value else 0, selected)
            if selected and k == self.selected_weight:
                style += Style(reverse=True, bold=True)
            self._put(chars, styles, spot.row, spot.start, spot.text, width, style)
            numbered.append(edge)
        return numbered

    @staticmethod
    def _draw_line(dots, owner, x0, y0, x1, y1, dashed, priority, style, key) -> None:
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
                    owner[cell] = (priority, style, key)

    def _input_labels(self, snap) -> list[str]:
        names = getattr(snap, "input_names", ()) or ()
        fan_in = snap.layers[0].fan_in
        if fan_in == 1 and tuple(names) in ((), ("x1",)):
            return ["x"]  # one input: plain x, as the worked examples write it
        return [input_label(names[k] if k < len(names) else f"x{k + 1}") for k in range(fan_in)]

    def _longest_input_label(self, snap) -> int:
        return max((len(label) for label in self._input_labels(snap)), default=2)

    def _node_deltas(self, snap, c: int) -> tuple[np.ndarray | None, float]:
        """Column c's mean δ per unit and the scale for its colours (None: not shown or pending)."""
        if not self._show_gradients or c == 0 or snap.layers[c - 1].delta is None:
            return None, 0.0
        deltas = snap.layers[c - 1].delta.mean(axis=0)
        finite = np.abs(deltas[np.isfinite(deltas)])
        return deltas, float(finite.max()) if finite.size else 0.0

    def _draw_nodes(self, snap, xs, placed, chars, styles, width, texts) -> set[tuple[int, int]]:
        """Nodes, their names and numbers; returns the cells they take (edge numbers keep off them)."""
        taken: set[tuple[int, int]] = set()

        def put(y, x, text, style=None):
            self._put(chars, styles, y, x, text, width, style)
            taken.update((y, x + i) for i in range(len(text)))

        last = len(placed) - 1
        inputs = self._input_labels(snap)
        for c, (x, (node_rows, hidden)) in enumerate(zip(xs, placed)):
            deltas, scale = self._node_deltas(snap, c)
            for unit, y in enumerate(node_rows):
                is_selected = c - 1 == self.selected_layer and unit == self.selected_neuron
                glyph = "◉" if is_selected else ("○" if c == 0 else "●")
                style = Style(bold=True, reverse=True) if is_selected else (
                    Style(bold=True) if c - 1 == self.selected_layer else Style())
                if deltas is not None:
                    delta = float(deltas[unit])
                    level = magnitude_level(delta, scale)
                    # The sign is also the glyph, so δ reads without colour.
                    glyph = "·" if level == 0 else ("⊕" if delta > 0 else "⊖")
                    style = edge_style(1 if delta > 0 else -1, level, is_selected) + (
                        Style(reverse=True) if is_selected else Style())
                elif self._show_gradients and c > 0:
                    glyph, style = "○", Style(dim=True, reverse=is_selected)  # δ pending
                put(y, x, glyph, style)
                label = inputs[unit] if c == 0 else (output_label(len(node_rows), unit, classes=is_classes(snap))[0]
                                                     if c == last else "")
                if c == 0 and label:
                    start = max(x - len(label) - 1, 0)
                    put(y, start, label[: x - start - 1] if x - start > 1 else "")
                if texts[c][unit]:  # its number (the output's with its name and target: "ŷ 0.46 y 1")
                    value = texts[c][unit]
                    put(y, x + 1, " ")  # a blank either side: the edges leaving the node go on after it
                    put(y, x + 2, value, Style(dim=True) if value == PENDING else Style(bold=is_selected))
                    if c < last:
                        put(y, x + 2 + len(value), " ")
                elif label and c > 0:
                    put(y, x + 2, label)
            if hidden:
                # "+5 more" where the gap to the next column's note allows (a bare "+5" reads as a value)
                room = xs[c + 1] - x - 1 if c + 1 < len(xs) else 2 * (width - x) - 1  # centred under x
                note = f"+{hidden} more" if len(f"+{hidden} more") <= room else f"+{hidden}"
                y = node_rows[-1] + 1
                if y < len(chars):
                    put(y, max(x - len(note) // 2, 0), note, Style(dim=True))
        return taken

    @staticmethod
    def _put(chars, styles, y, x, text, width, style=None) -> None:
        for i, ch in enumerate(text):
            if 0 <= x + i < width:
                chars[y][x + i] = ch
                styles[y][x + i] = style or Style(dim=True)
