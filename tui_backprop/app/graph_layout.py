"""The computation graph of one sample, as text (no Textual here, so it is unit-testable).

Every value comes from a training snapshot; derivative factors from the core's
activations and losses. A node shows its value and, once the backward pass has
reached it, its gradient below (micrograd's data | grad)::

    x 2  ×  w1 3      ─► h 6      ×  w2 4      ─► ŷ 24     ─┐
            ∂ −48        ∂ −24       ∂ −36        ∂ −6      ├─► C 18
                                                  y 30     ─┘

Small networks (every layer after the first has one unit) are drawn whole;
larger ones show the neighbourhood of one neuron: its inputs and weights, z, a,
and the neurons it feeds with their deltas. A whole network wider than the view
goes on in a band below, at a layer's weights, each named with its input
(``h × w2``), so the cost node stays on screen at 80 columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tui_backprop.core.figures import bracket, change, digits_apart, fmt
from tui_backprop.core.losses import get_loss
from tui_backprop.core.names import Names, outputs_are_classes
from tui_backprop.training.session import Snapshot

PENDING = "·"
MAX_ROWS = 6  # inputs (or fed neurons) listed before "… +N more"
SYMBOL = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "leaky_relu": "lrelu", "softmax": "softmax"}


def paren(value: float, digits: int = 4) -> str:
    """A factor in a product: negative numbers in brackets, as on paper."""
    return bracket(fmt(value, digits))


def lesson_renames(widget) -> tuple:
    """The lesson's ``[names]`` pairs (default name, lesson name) for a pane; none in a bare test app."""
    config = getattr(widget.app, "config", None) if widget.is_mounted else None
    return tuple(getattr(config, "names", ()) or ())


def names_for(snap: Snapshot, renames=()) -> Names:
    layers = [(layer.units, layer.has_bias) for layer in snap.layers]
    # a softmax's outputs are classes: ŷ₀ … ŷ₉, numbered as the data's labels (the digits 0 … 9)
    return Names(snap.layers[0].fan_in, layers, snap.input_names, dict(renames),
                 classes=outputs_are_classes(snap.layers[-1].activation))


# ------------------------------------------------------------------ nodes
@dataclass(frozen=True)
class Node:
    key: tuple  # ("x", k) ("w", l, j, k) ("b", l, j) ("z", l, j) ("a", l, j) ("y", j) ("loss",)
    name: str
    value: float | None  # None: not computed yet
    grad: float | None = None  # None: the backward pass has not reached it
    old: float | None = None  # a parameter after the update: its value in the pass shown
    has_grad: bool = True  # inputs and targets are data: no gradient line


class GraphValues:
    """Values and gradients of one sample, read from a snapshot."""

    def __init__(self, snap: Snapshot, names: Names, sample: int = 0):
        self.snap, self.names = snap, names
        first = snap.layers[0]
        batch = first.z.shape[0] if first.z is not None else 1
        self.sample = min(max(sample, 0), batch - 1)
        self.batch = batch
        self.updated = snap.last_phase == "update" and any(layer.delta is not None for layer in snap.layers)
        self.loss_done = "loss" in snap.phases_done and snap.output is not None and snap.batch_y is not None

    def pass_weights(self, layer: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The weights the pass shown used: after the update, the old ones (W − ΔW)."""
        info = self.snap.layers[layer]
        if not self.updated:
            return info.weights, info.biases
        biases = None if info.biases is None else info.biases - info.update_biases
        return info.weights - info.update_weights, biases

    def node(self, key: tuple) -> Node:
        snap, n, s = self.snap, self.names, self.sample
        kind = key[0]
        if kind == "x":
            k = key[1]
            first = snap.layers[0]
            value = None if first.inputs is None else float(first.inputs[s, k])
            return Node(key, n.input(k), value, has_grad=False)
        if kind == "y":
            j = key[1]
            value = None if snap.batch_y is None or snap.output is None else float(snap.batch_y[s, j])
            return Node(key, n.target(j), value, has_grad=False)
        if kind == "loss":
            value = grad = None
            if self.loss_done:
                value = float(get_loss(snap.loss_name).per_sample(snap.output, snap.batch_y)[s])
            if snap.layers[-1].delta is not None:
                grad = 1.0
            return Node(key, n.loss, value, grad)
        layer = key[1]
        info = snap.layers[layer]
        j = key[2]
        delta = None if info.delta is None else float(info.delta[s, j])
        if kind in ("w", "b"):
            weights, biases = self.pass_weights(layer)
            if kind == "w":
                k = key[3]
                old, new, grad_mean = float(weights[j, k]), float(info.weights[j, k]), info.grad_weights[j, k]
                x = None if info.inputs is None else float(info.inputs[s, k])
                grad = None if delta is None else (float(grad_mean) if self.batch == 1 else delta * x)
                name = n.weight(layer, j, k)
            else:
                old, new, grad_mean = float(biases[j]), float(info.biases[j]), info.grad_biases[j]
                grad = None if delta is None else (float(grad_mean) if self.batch == 1 else delta)
                name = n.bias(layer, j)
            if self.updated:
                return Node(key, name, new, grad, old=old)
            return Node(key, name, new, grad)
        if kind == "z":
            value = None if info.z is None else float(info.z[s, j])
            return Node(key, n.z(layer, j), value, delta)
        if kind == "a":
            value = None if info.a is None else float(info.a[s, j])
            grad = None if info.grad_a is None else float(info.grad_a[s, j])
            if info.activation == "linear":
                grad = delta if grad is None else grad
            return Node(key, n.a(layer, j), value, grad)
        raise ValueError(f"no node {key!r}")


def node_text(node: Node, digits: int = 4, powers: int | None = None) -> tuple[str, str]:
    """The node's two lines: name and value (old → new after an update), then its gradient. ``powers``: the
    significant digits of a figure written with a power of ten (−1.3e18), where the graph needs the room."""

    def figure(value: float) -> str:
        text = fmt(value, digits)
        return fmt(value, powers) if powers and "e" in text else text

    if node.value is None:
        value = PENDING
    elif node.old is not None and node.old != node.value:
        value = "→".join(change(node.old, node.value, digits))
    else:
        value = figure(node.value)
    top = f"{node.name} {value}"
    if not node.has_grad:
        return top, ""
    return top, "∂ " + (PENDING if node.grad is None else figure(node.grad))


@dataclass
class Placed:
    key: tuple
    line: int
    col: int
    width: int
    column: int = 0  # which column of the graph (left to right, across bands): the arrow keys' order


class GraphLayout:
    """Nodes in columns (left to right) and the edges between them, before drawing."""

    GAP = 5  # cells before a column: "─", the bracket, "► " (or " × ")

    def __init__(self, values: GraphValues, powers: int | None = None):
        self.values = values
        self.powers = powers  # significant digits of a figure with a power of ten (None: as the others)
        self.columns: list[tuple[int, list[tuple[tuple, int]]]] = []  # (gap before, [(key, line)])
        self.products: list[tuple[tuple | None, tuple]] = []  # (input, weight): " × " (or " + " for a bias)
        self.arrows: list[tuple[tuple, tuple, str]] = []  # z → a through an activation
        self.edges: list[tuple[list[tuple], tuple]] = []  # several sources summed into one target
        self.fanouts: list[tuple[tuple, list[tuple]]] = []  # one value feeding several weights
        self.notes: list[tuple[int, tuple, str]] = []  # (line, key whose column it sits in, text)
        self.labels: list[tuple[int, int, str]] = []  # (line, col, text): an input named again in a band below
        self.breaks: dict[int, list[tuple]] = {}  # column index → its inputs: a band may start there
        self.fanout_starts: dict[tuple, tuple[int, int]] = {}  # a fan-out drawn from its name in a band below
        self.placed: dict[tuple, Placed] = {}
        self.texts: dict[tuple, tuple[str, str]] = {}
        self.line = 0  # the next free line

    def text_of(self, key: tuple) -> tuple[str, str]:
        if key not in self.texts:
            # A neighbourhood has more columns: three significant digits keep it within 80 columns.
            digits = 4 if is_small(self.values.snap) else 3
            node = self.values.node(key)
            if key[0] == "a" and key[1] == len(self.values.snap.layers) - 1 and node.value is not None:
                y = self.values.node(("y", key[2])).value  # ŷ beside y: "ŷ 3.9999" above "y 4", not two 4s
                digits = digits if y is None else digits_apart(node.value, y, digits, most=8)
            self.texts[key] = node_text(node, digits, self.powers)
        return self.texts[key]

    def sum_key(self, layer: int, unit: int) -> tuple:
        """A linear layer's z is its a: one node, named as the activation (h, ŷ)."""
        linear = self.values.snap.layers[layer].activation == "linear"
        return ("a" if linear else "z", layer, unit)

    def neuron(self, layer: int, unit: int, sources: list[tuple[tuple, int]], more: int = 0,
               input_column: list | None = None) -> tuple[list, tuple, int]:
        """One neuron's rows (input × weight, + bias) summed into z; returns (weights, z, z's line)."""
        info = self.values.snap.layers[layer]
        weights, rows = [], []
        for source, line in sources:
            k = source[1] if source[0] == "x" else source[2]
            w = ("w", layer, unit, k)
            weights.append((w, line))
            self.products.append((source, w))
            rows.append(line)
            if input_column is not None:
                input_column.append((source, line))
        if more:
            self.notes.append((self.line, ("w", layer, unit, 0), f"… +{more} more"))
            self.line += 1
        if info.has_bias:
            b = ("b", layer, unit)
            weights.append((b, self.line))
            self.products.append((None, b))
            rows.append(self.line)
            self.line += 2
        z = self.sum_key(layer, unit)
        self.edges.append(([w for w, _ in weights], z))
        return weights, z, _middle(rows)

    def activation(self, layer: int, entries: list[tuple[tuple, int]]) -> list[tuple[tuple, int]]:
        """Adds the a column after a nonlinear layer's z column; returns what feeds the next layer."""
        name = self.values.snap.layers[layer].activation
        if name == "linear":
            return entries
        symbol = SYMBOL.get(name, name)
        out = [(("a", key[1], key[2]), line) for key, line in entries]
        for (z, _), (a, _) in zip(entries, out):
            self.arrows.append((z, a, symbol))
        self.columns.append((len(symbol) + 7, out))
        return out

    def loss(self, outputs: list[tuple[tuple, int]]) -> None:
        """Each output against its target, into the loss."""
        self.line = max(self.line, max(line for col in self.columns for _, line in col[1]) + 2)
        targets = []
        for _key, _ in outputs:
            targets.append((("y", _key[2]), self.line))
            self.line += 2
        self.columns[-1][1].extend(targets)
        lines = [line for _, line in outputs + targets]
        self.edges.append(([key for key, _ in outputs + targets], ("loss",)))
        self.columns.append((self.GAP, [(("loss",), _middle(lines))]))

    def _box(self, column: list[tuple[tuple, int]]) -> int:
        return max((max(len(t) for t in self.text_of(key)) for key, _ in column), default=1)

    def _span(self, index: int) -> int:
        """Cells from column ``index`` up to the next column a band may start at (or the end)."""
        end = next((i for i in sorted(self.breaks) if i > index), len(self.columns))
        return sum(gap + self._box(column) for gap, column in self.columns[index:end])

    def place(self, width: int | None = None, fanout_band: int | None = None) -> None:
        """Columns left to right; past ``width`` cells the graph goes on in a band below, where one may start.
        ``fanout_band``: the column of weights a fan-out feeds starts a band, under the source's name."""
        col, shift = 0, 0
        for index, (gap, column) in enumerate(self.columns):
            if index == fanout_band:
                source = next(src for src, targets in self.fanouts if targets[0] == column[0][0])
                line = self.placed[source].line - shift
                shift += max(p.line for p in self.placed.values()) + 3 - min(row for _, row in column) - shift
                name = self.text_of(source)[0].split(" ")[0]
                self.labels.append((line + shift, 0, name))
                self.fanout_starts[source] = (line + shift, len(name) + 1)
                col = len(name)  # "a1₁ ─┬► w2₁₁"
            if width and index in self.breaks and col + self._span(index) > width:
                sources = self.breaks[index]
                shift += max(p.line for p in self.placed.values()) + 3 - min(line for _, line in column) - shift
                names = {key: self.text_of(key)[0].split(" ")[0] for key in sources}
                col, gap = max(len(name) for name in names.values()), 3  # "h × w2"
                for (weight, line), source in zip(column, sources):
                    self.labels.append((line + shift, 0, names[source]))
            col += gap
            box = self._box(column)
            for key, line in column:
                self.placed[key] = Placed(key, line + shift, col, box, index)
            col += box

    @property
    def width(self) -> int:
        return max((p.col + p.width for p in self.placed.values()), default=0)


def _middle(lines: list[int]) -> int:
    return (min(lines) + max(lines)) // 2


def is_small(snap: Snapshot) -> bool:
    """Drawn whole: every layer after the first has one unit, and the first is small."""
    layers = snap.layers
    first = layers[0]
    return (all(layer.units == 1 for layer in layers[1:]) and len(layers) <= 4
            and first.units * (first.fan_in + first.has_bias) <= 6)


def build_whole(values: GraphValues, width: int | None = None) -> GraphLayout:
    layers = values.snap.layers
    g = GraphLayout(values)
    first = layers[0]
    inputs, weights, sums = [], [], []
    for j in range(first.units):
        sources = []
        for k in range(first.fan_in):
            # Each neuron gets its own copy of the inputs (a key per copy), so no edges cross.
            sources.append((("x", k, j) if first.units > 1 else ("x", k), g.line))
            g.line += 2
        block, z, line = g.neuron(0, j, sources, input_column=inputs)
        weights += block
        sums.append((z, line))
        g.line += 1
    g.columns += [(0, inputs), (g.GAP, weights), (g.GAP, sums)]
    below = g.activation(0, sums)
    for index in range(1, len(layers)):
        block, z, line = g.neuron(index, 0, below)
        g.breaks[len(g.columns)] = [key for key, _ in below]  # a bias row has no input: it comes last
        g.columns += [(g.GAP, block), (g.GAP, [(z, line)])]
        below = g.activation(index, [(z, line)])
    g.loss(below)
    g.place(width)
    return g


def build_neighbourhood(values: GraphValues, layer: int, unit: int, width: int | None = None) -> GraphLayout:
    """One neuron: its inputs and weights, z, a, and the neurons it feeds (their z and δ). Wider than ``width``
    (an exploding run's 1.32e18 beside 1.52e119, QA6 K9): two significant digits for figures with a power of ten,
    then the neurons it feeds in a band below, then both."""
    for powers, band in ((None, False), (2, False), (None, True), (2, True)):
        g = neighbourhood(values, layer, unit, powers, band)
        if not width or g.width <= width:
            break
    return g


def neighbourhood(values: GraphValues, layer: int, unit: int, powers: int | None, band: bool) -> GraphLayout:
    layers = values.snap.layers
    info = layers[layer]
    g = GraphLayout(values, powers)
    shown = min(info.fan_in, MAX_ROWS)
    sources = []
    for k in range(shown):
        sources.append((("x", k) if layer == 0 else ("a", layer - 1, k), g.line))
        g.line += 2
    inputs: list = []
    block, z, line = g.neuron(layer, unit, sources, more=info.fan_in - shown, input_column=inputs)
    g.columns += [(0, inputs), (g.GAP, block), (g.GAP, [(z, line)])]
    below = g.activation(layer, [(z, line)])
    if layer == len(layers) - 1:
        g.loss(below)
        g.place()
        return g
    above = layers[layer + 1]
    a_key, a_line = below[0]
    fed = min(above.units, MAX_ROWS)
    start = max(a_line - (fed - 1), 0)
    weights, sums = [], []
    for r in range(fed):
        line = start + 2 * r
        weights.append((("w", layer + 1, r, unit), line))
        sums.append(((("z" if above.activation != "linear" else "a"), layer + 1, r), line))
    g.fanouts.append((a_key, [w for w, _ in weights]))
    g.columns += [(g.GAP, weights), (g.GAP, sums)]
    g.place(fanout_band=len(g.columns) - 2 if band else None)
    if above.units > fed:
        g.notes.append((g.placed[weights[-1][0]].line + 2, weights[0][0], f"… +{above.units - fed} more"))
    for w, _ in weights:
        g.arrows.append((w, sums[[x for x, _ in weights].index(w)][0], ""))
    return g


def build(values: GraphValues, layer: int = 0, unit: int = 0, width: int | None = None) -> GraphLayout:
    """The graph laid out; ``width``: the view's, so a whole network wraps into bands to fit."""
    if is_small(values.snap):
        return build_whole(values, width)
    return build_neighbourhood(values, layer, unit, width)


# ---------------------------------------------------------------- drawing
