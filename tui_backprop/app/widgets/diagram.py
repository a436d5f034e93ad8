"""The network as a picture: a column of nodes per layer, edges coloured by weight (or by gradient).

Edges are drawn with braille dots (2×4 per cell), so several crossing lines
stay thin. A cell crossed by several edges takes the colour of the strongest
one. Negative weights are dashed, positive ones solid: the sign still reads
under NO_COLOR. Columns with more units than rows show the first ones and a
"+N" note. With ``show_gradients`` (key D) the edges show ∂L/∂w and the nodes
δ (the batch mean), each layer once its backward pass has run; the border
title says which one is shown.
"""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from tui_backprop.app.widgets.plane import FittedTitles
from tui_backprop.app.widgets.inspector import NEGATIVE_COLOURS, POSITIVE_COLOURS, magnitude_level
from tui_backprop.training.session import Snapshot

# Braille dot bits by (column, row) inside a cell.
# Playground's feature names, short enough for the diagram's input column.
INPUT_LABELS = {"x1": "X₁", "x2": "X₂", "x1^2": "X₁²", "x2^2": "X₂²", "x1*x2": "X₁X₂",
                "sin(x1)": "sinX₁", "sin(x2)": "sinX₂"}
_BRAILLE_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
_EDGE_STYLES: dict[tuple[int, int, bool], Style] = {}

# Activation names short enough for a column header.
SHORT_ACTIVATION = {"tanh": "tanh", "sigmoid": "sigm", "relu": "relu", "linear": "lin",
                    "leaky_relu": "lrelu", "softmax": "smax"}


def short_activation(name: str) -> str:
    return SHORT_ACTIVATION.get(name, name[:4])


LABEL_GAP = 2  # blank cells between two header labels, so "L1 sigm  L2 sigm" reads as two


def header_labels(snap: Snapshot) -> list[tuple[str, ...]]:
    """Per column, its label in three forms: long, medium, short."""
    labels: list[tuple[str, ...]] = [("in", "in", "x")]
    last = len(snap.layers) - 1
    for i, layer in enumerate(snap.layers):
        act = short_activation(layer.activation)
        if i == last:
            labels.append((f"out {act}", "out", "ŷ"))
        else:
            labels.append((f"L{i + 1} {act}", f"L{i + 1}", f"{i + 1}"))
    return labels


def place_labels(labels: list[tuple[str, ...]], xs: list[int], width: int) -> list[tuple[int, str] | None]:
    """(start, text) per column, near its nodes and never touching a neighbour (None: left out).

    All columns take the same form, the longest that fits everywhere: "L3 tanh"
    (two blank cells apart, so a name reads with its own layer), else "L3",
    else "3". A label that does not fit even then is left out rather than
    pushing the others out of place.
    """
    placed: list[tuple[int, str] | None] = []
    for level, gap in ((0, LABEL_GAP), (1, 1), (2, 1)):
        placed = _place([forms[min(level, len(forms) - 1):][:1] for forms in labels], xs, width, gap)
        if all(found is not None for found in placed):
            break
    return placed


def _place(labels: list[tuple[str, ...]], xs: list[int], width: int, gap: int) -> list[tuple[int, str] | None]:
    placed: list[tuple[int, str] | None] = []
    previous_end = -1  # last cell used by the label on the left
    for c, (x, forms) in enumerate(zip(xs, labels)):
        choice = None
        for text in forms:
            n = len(text)
            start = min(max(x - n // 2, previous_end + 1 + gap if previous_end >= 0 else 0), width - n)
            if start < 0 or (previous_end >= 0 and start < previous_end + 1 + gap):
                continue
            if c + 1 < len(xs):
                # Leave the next column room for its shortest label, centred on its node.
                next_short = min(len(t) for t in labels[c + 1])
                if start + n - 1 + gap >= xs[c + 1] - next_short // 2:
                    continue
            choice = (start, text)
            break
        placed.append(choice)
        if choice is not None:
            previous_end = choice[0] + len(choice[1]) - 1
    return placed


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
        self._strips: list[Strip] | None = None
        self._built_for: tuple[int, int] | None = None
        self._show_gradients = False

    @property
    def show_gradients(self) -> bool:
        return self._show_gradients

    @show_gradients.setter
    def show_gradients(self, value: bool) -> None:
        self._show_gradients = bool(value)
        if value:
            self.set_subtitle_forms("edges ∂L/∂w · nodes δ (D: weights)", "edges ∂L/∂w · nodes δ", "∂L/∂w, δ")
        else:
            self.set_subtitle_forms()
        self._strips = None
        self.refresh()

    def on_mount(self) -> None:
        self.show_gradients = self._show_gradients  # the legend

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
        columns = len(sizes)
        margin_left, margin_right = min(max(3, self._longest_input_label(snap) + 1), max(width // 4, 3)), 3
        span = max(width - margin_left - margin_right - 1, columns)
        xs = [margin_left + round(c * span / max(columns - 1, 1)) for c in range(columns)]
        placed = [self.node_rows(units, rows) for units in sizes]
        header = self._draw_header(snap, xs, width)
        chars = [[" "] * width for _ in range(rows)]
        styles: list[list[Style]] = [[Style()] * width for _ in range(rows)]
        self._draw_edges(snap, xs, placed, chars, styles, width, rows)
        self._draw_nodes(snap, xs, placed, chars, styles, width)
        strips = [header]
        for y in range(rows):
            segments = [Segment(ch, st) for ch, st in zip(chars[y], styles[y])]
            strips.append(Strip(list(Segment.simplify(segments)), width))
        return strips

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

    def _draw_edges(self, snap, xs, placed, chars, styles, width, rows) -> None:
        dots = np.zeros((rows * 4, width * 2), dtype=bool)
        # Per cell: (priority, style) of the strongest edge through it.
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

    def _input_labels(self, snap) -> list[str]:
        names = getattr(snap, "input_names", ()) or ()
        fan_in = snap.layers[0].fan_in
        if fan_in == 1 and tuple(names) in ((), ("x1",)):
            return ["x"]  # one input: plain x, as the worked examples write it
        return [INPUT_LABELS.get(names[k], names[k]) if k < len(names) else f"x{k + 1}" for k in range(fan_in)]

    def _longest_input_label(self, snap) -> int:
        return max((len(label) for label in self._input_labels(snap)), default=2)

    def _node_deltas(self, snap, c: int) -> tuple[np.ndarray | None, float]:
        """Column c's mean δ per unit and the scale for its colours (None: not shown or pending)."""
        if not self._show_gradients or c == 0 or snap.layers[c - 1].delta is None:
            return None, 0.0
        deltas = snap.layers[c - 1].delta.mean(axis=0)
        finite = np.abs(deltas[np.isfinite(deltas)])
        return deltas, float(finite.max()) if finite.size else 0.0

    def _draw_nodes(self, snap, xs, placed, chars, styles, width) -> None:
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
                if x < width:
                    chars[y][x] = glyph
                    styles[y][x] = style
                label = inputs[unit] if c == 0 else ("ŷ" if c == last and len(node_rows) == 1 else
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
