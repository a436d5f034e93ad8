"""The numbers on the network diagram, as text and places (no Textual here, so it is unit-testable).

Each node shows its value for the selected sample (x at the inputs, a in the
hidden layers, ŷ beside its target y at the output) or, with gradients shown,
its δ (the batch mean, as its colour); each edge its weight w or ∂L/∂w. A value
the step in progress has not computed yet shows as the pending mark "·", as in
the inspector. Every number comes from the snapshot; nothing is derived here
but a batch mean for display.

Edge numbers sit on their own edge, between the two columns, never on a node,
a node's number or another edge's number; the selected weight's edge comes
first, then the selected neuron's other inputs, then the others by size. What
does not fit is left out whole: a number is never cut.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from tui_backprop.app.graph_layout import PENDING, names_for
from tui_backprop.core.figures import MINUS, fmt
from tui_backprop.core.names import outputs_are_classes
from tui_backprop.training.snapshot import Snapshot

CELLS = 5  # a number's cells at most ("−0.46", "1.2e4"): the layout stays put while the values change
T_ORDER = (0.5, 0.4, 0.6, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8)  # where along an edge its number may sit
MIN_EDGE_CELLS = 2  # cells of edge still visible between a node's number and the next column


def number(value: float | None, most: int = 2, powers: bool = False) -> str:
    """``most`` significant digits, or fewer, in at most five cells (the inspector has the full numbers);
    ``powers``: one digit and a power of ten, as the others in its column (``column``)."""
    if value is None:
        return PENDING
    if powers and math.isfinite(value):
        return fmt(value, 1, powers=True)
    if 1 <= abs(value) < 10 ** CELLS:
        whole = fmt(round(value), CELLS)
        if abs(value) >= 10 and len(whole) <= CELLS:
            return whole  # 123, not 1.2e2
    for digits in range(most, 0, -1):
        text = fmt(value, digits)
        if len(text) <= CELLS:
            return text
    mantissa, _, exponent = f"{value:.0e}".partition("e")  # 3e-07 → 3e−7; 8e+155 → 8e155 (not 8e1.6e2)
    return fmt(float(mantissa), 1) + "e" + str(int(exponent)).replace("-", MINUS)


def needs_powers(values) -> bool:
    """Does any of these numbers take a power of ten in five cells ("5e−4", "−8e−3")?"""
    return any("e" in number(v) for v in values if v is not None)


def column(values: list[float | None]) -> list[str]:
    """One column's gradients in one format: all with a power of ten where one needs it ("−8e−3 −2e−1 3e−3
    5e−4", not "−8e−3 −0.25 0.003 5e−4"), else as ``number`` writes them. (Gradients span decades, and
    the powers then compare them; weights and activations stay decimals, a lone "5e−4" among them: ≈0.)"""
    powers = needs_powers(values)
    return [number(v, powers=powers) for v in values]


def alike_placed(placed: list["Placed"], values: dict) -> list["Placed"]:
    """The numbers placed between two columns of nodes in one format, as a column of nodes is (``values``:
    each edge's value by key). A shorter text sits where the longer one fitted."""
    powers = {gap for gap in {p.key[0] for p in placed}
              if len({"e" in p.text for p in placed if p.key[0] == gap and p.text != "0"}) > 1}
    return [dataclasses.replace(p, text=number(values[p.key], powers=True)) if p.key[0] in powers else p
            for p in placed]


def beside_target(value: float | None, target: float | None) -> str:
    """An output beside its target y: more digits (within five cells) while it would print as y, and "<30"
    or ">30" where even five cells would: ŷ 30.35 beside y 30 (not 30), so a wrong output never looks right."""
    text = number(value)
    if value is None or target is None or value == target or not math.isfinite(value):
        return text
    shown_y = number(target)

    def looks_equal(t: str) -> bool:
        try:
            return t == shown_y or float(t.replace(MINUS, "-")) == target
        except ValueError:  # NaN, ∞: never y
            return False

    for digits in range(3, CELLS + 1):
        if not looks_equal(text):
            return text
        wider = fmt(value, digits)
        if len(wider) <= CELLS:
            text = wider
    if looks_equal(text):
        return ("<" if value < target else ">") + shown_y
    return text


def clamp_sample(snap: Snapshot, sample: int) -> int:
    first = snap.layers[0]
    rows = first.inputs.shape[0] if first.inputs is not None else 1
    return min(max(sample, 0), rows - 1)


def batch_rows(snap: Snapshot) -> int:
    first = snap.layers[0]
    return first.inputs.shape[0] if first.inputs is not None else 0


def output_label(units: int, j: int, renames: dict | None = None, classes: bool = False) -> tuple[str, str]:
    """The diagram's names of output j and its target: ŷ and y, or the lesson's (``[names]``: a for ŷ);
    ŷ2, y2 with several outputs; ŷ0 … ŷ9 where the outputs are classes (a softmax's), as the data labels them."""
    if units == 1:
        renames = renames or {}
        return renames.get("ŷ", "ŷ"), renames.get("y", "y")
    number = j if classes else j + 1
    return f"ŷ{number}", f"y{number}"


def is_classes(snap: Snapshot) -> bool:
    """Are the outputs classes (a softmax: one probability per class)?"""
    return outputs_are_classes(snap.layers[-1].activation)


def node_texts(snap: Snapshot, sample: int, gradients: bool, renames: dict | None = None) -> list[list[str]]:
    """Per column (inputs first), per unit: the text right of its node ("" for none).

    The output column includes its name: "ŷ 0.46 y 1".
    """
    s = clamp_sample(snap, sample)
    first = snap.layers[0]
    columns: list[list[str]] = []
    if gradients:
        columns.append([""] * first.fan_in)  # inputs are data: no δ
    else:
        columns.append([number(None if first.inputs is None else float(first.inputs[s, k]))
                        for k in range(first.fan_in)])
    last = len(snap.layers) - 1
    for index, layer in enumerate(snap.layers):
        if gradients:
            deltas = None if layer.delta is None else layer.delta.mean(axis=0)
            texts = column([None if deltas is None else float(deltas[j]) for j in range(layer.units)])
        else:
            texts = [number(None if layer.a is None else float(layer.a[s, j])) for j in range(layer.units)]
        if index == last:
            named = []
            for j, text in enumerate(texts):
                name, target = output_label(layer.units, j, renames, is_classes(snap))
                if gradients:
                    named.append(f"{name} δ {text}")
                else:
                    y = None if snap.batch_y is None else float(snap.batch_y[s, j])  # data: known before ŷ
                    if layer.a is not None:
                        text = beside_target(float(layer.a[s, j]), y)
                    named.append(f"{name} {text} {target} {number(y)}")
            texts = named
        columns.append(texts)
    return columns


def edge_value(snap: Snapshot, layer: int, j: int, k: int, gradients: bool) -> float | None:
    """w, or ∂L/∂w once this step's backward pass has reached the layer (None: pending)."""
    info = snap.layers[layer]
    if not gradients:
        return float(info.weights[j, k])
    return None if info.delta is None else float(info.grad_weights[j, k])


def after_update(snap: Snapshot) -> bool:
    """The update has moved the weights since the pass whose values the nodes show."""
    return snap.last_phase == "update" and any(layer.delta is not None for layer in snap.layers)


@dataclass(frozen=True)
class Shown:
    """What the drawing holds, for its legend."""

    nodes: bool  # numbers at the inputs / hidden nodes
    output: bool  # ŷ and y (or the output's δ)
    edges: bool  # numbers on edges
    pending: bool  # a "·" among the node numbers
    selected: str | None = None  # the selected weight's number when its edge has none ("w1₁₂ −0.62")


def legend_forms(snap: Snapshot, sample: int, gradients: bool, shown: Shown,
                 renames: dict | None = None) -> tuple[str, ...]:
    """The pane's legend, longest first: what every number on the picture is (in the lesson's names)."""
    loss = (renames or {}).get("L", "L")
    return tuple(form.replace("∂L/∂", f"∂{loss}/∂") for form in _legend_forms(snap, sample, gradients, shown,
                                                                               renames))


def _legend_forms(snap: Snapshot, sample: int, gradients: bool, shown: Shown, renames: dict | None):
    rows = batch_rows(snap)
    output, target = output_label(snap.layers[-1].units, 0, renames, is_classes(snap))
    s = clamp_sample(snap, sample) + 1
    if not (shown.nodes or shown.output or shown.edges or shown.selected):
        return ("edges ∂L/∂w · nodes δ (D: weights)", "edges ∂L/∂w · nodes δ", "∂L/∂w, δ") if gradients else ()
    if gradients:
        waiting = [f"L{layer.index + 1}" for layer in snap.layers if layer.delta is None]
        late = " pending" if len(waiting) == len(snap.layers) else f" ({', '.join(waiting)} pending)" if waiting else ""
        edges = ["edges ∂L/∂w" + late, "∂L/∂w" + late, "∂L/∂w"]
        key = "(D: weights)"
        nodes = [f"nodes δ (mean of {rows})" if rows > 1 else "nodes δ", "nodes δ", "δ"] \
            if shown.nodes or shown.output else [""]
    else:
        edges = ["edges w (updated)", "w (updated)", "edges w", "w"] if after_update(snap) else ["edges w", "w"]
        key = "(D: gradients)"
        name = "nodes a" if shown.nodes else f"{output}, {target}"
        nodes = [name + (f" (sample {s} of {rows})" if rows > 1 else ""), name + (f" (sample {s})" if rows > 1 else ""),
                 ("a" if shown.nodes else output) + (f" sample {s}" if rows > 1 else "")] \
            if shown.nodes or shown.output else [""]
    mark = f" ({PENDING} = pending)" if shown.pending else ""  # (" · · pending" read as a stutter)
    combos = [" · ".join(p for p in (edge, node) if p) for edge in edges for node in nodes]  # in preference order
    # Longest first (of equal length, the earlier in order), but when the edges are the new weights every form that
    # says so comes before any that does not: the edges and nodes being from different moments matters more than
    # the batch size.
    order = lambda form: ("(updated)" not in form, -len(form))  # noqa: E731
    forms = sorted((form + mark for form in dict.fromkeys(combos)), key=order)
    forms = [forms[0] + " " + key] + forms + [min(combos, key=len)]
    if shown.selected:  # the selected weight's number first: it is an edge's, so "(updated)" may go with it
        named = [f"{shown.selected} · {form}" for form in forms]
        if not gradients and after_update(snap):
            named += [f"{shown.selected} (updated) · {node}{mark}" for node in nodes if node]
        forms = sorted(dict.fromkeys(named[1:]), key=order) + forms
        forms = [named[0]] + forms
    return tuple(dict.fromkeys(forms))  # in order, without repeats


def selected_text(snap: Snapshot, layer: int, j: int, k: int, gradients: bool,
                  renames: dict | None = None) -> str | None:
    """The selected weight (or bias: the inspector's input fan_in) as the inspector names it, with its
    number: "w1₁₂ −0.62", "b2 −0.5" (None: no such parameter)."""
    if not 0 <= layer < len(snap.layers):
        return None
    info = snap.layers[layer]
    names = names_for(snap, tuple((renames or {}).items()))
    prefix = "∂L/∂" if gradients else ""
    if k == info.fan_in and info.biases is not None and 0 <= j < info.units:
        value = float(info.biases[j]) if not gradients else (
            None if info.delta is None else float(info.grad_biases[j]))
        return f"{prefix}{names.bias(layer, j)} {in_words(value)}"
    if not (0 <= j < info.units and 0 <= k < info.fan_in):
        return None
    return f"{prefix}{names.weight(layer, j, k)} {in_words(edge_value(snap, layer, j, k, gradients))}"


def in_words(value: float | None) -> str:
    """The selected number in the legend; "pending" in words: its "·" beside the "·" between the legend's parts
    read as a stray double dot ("∂L/∂w1₁₁ · · ∂L/∂w · δ", QA8 K3)."""
    return "pending" if value is None else number(value)


# ------------------------------------------------------------------ places
@dataclass(frozen=True)
class Edge:
    """One edge as drawn: its number and its line, in braille dots (2 per cell across, 4 down)."""

    key: tuple[int, int, int]  # layer, unit, input
    value: float | None  # None: pending
    x0: int  # dots
    y0: int
    x1: int
    y1: int
    priority: float  # larger first

    @property
    def text(self) -> str:
        return number(self.value)

    @property
    def texts(self) -> list[str]:
        """Longest first: three digits where the line has room (a worked example's 3.48, not 3.5), else two."""
        return list(dict.fromkeys((number(self.value, 3), self.text)))


@dataclass(frozen=True)
class Placed:
    key: tuple[int, int, int]
    row: int
    start: int
    text: str


def place_edge_numbers(edges: list[Edge], blocked: set[tuple[int, int]], width: int, rows: int,
                       shown: dict[tuple[int, int], tuple]) -> list[Placed]:
    """Each edge's number on its own line where it fits whole, one cell from anything else.

    ``shown`` maps a (row, cell) to the edge drawn there (the strongest crossing it): the cells either
    side of a number must show its own edge, so the line visibly runs through the number.
    """
    taken = set(blocked)
    placed: list[Placed] = []
    for edge in sorted(edges, key=lambda e: -e.priority):
        for text in edge.texts:
            spot = _spot(edge, text, taken, width, rows, shown)
            if spot is not None:
                row, start = spot
                placed.append(Placed(edge.key, row, start, text))
                taken.update((row, c) for c in range(start, start + len(text)))
                break
    return placed


def edge_row(edge: Edge, cell: int) -> int:
    """The row the edge's line is on in column ``cell``."""
    if edge.x1 == edge.x0:
        return edge.y0 // 4
    x = 2 * cell + 1
    return int(round(edge.y0 + (edge.y1 - edge.y0) * (x - edge.x0) / (edge.x1 - edge.x0))) // 4


def _spot(edge: Edge, text: str, taken: set[tuple[int, int]], width: int, rows: int,
          shown: dict[tuple[int, int], tuple]) -> tuple[int, int] | None:
    """A place on the edge where its line runs into the number from the left and out of it on the right,
    on the same row: so the number reads as that line's (a steep edge gets none)."""
    n = len(text)
    left, right = (edge.x0 + 1) // 2, (edge.x1 - 1) // 2  # cells the edge crosses, ends left out
    for t in T_ORDER:
        centre = int(round(edge.x0 + (edge.x1 - edge.x0) * t)) // 2
        start = centre - n // 2
        if start - 1 < left or start + n > right or start + n > width:
            continue
        row = edge_row(edge, start - 1)
        if not 0 <= row < rows or edge_row(edge, start + n) != row:
            continue
        if not (_runs_through(edge, shown, row, start - 1, -1) and _runs_through(edge, shown, row, start + n, 1)):
            continue
        if any((row, c) in taken for c in range(start - 1, start + n + 1)):
            continue
        return row, start
    return None


def reserved_widths(snap: Snapshot, columns: list[list[str]]) -> list[int]:
    """Cells kept for each column's numbers whatever their values, so the picture stays put while they
    change: CELLS, and at the output its name and target too ("ŷ −0.46 y 1")."""
    widths = [CELLS if any(col) else 0 for col in columns[:-1]]
    outputs = [t for t in columns[-1] if t]
    if not outputs:
        return widths + [0]
    targets = () if snap.batch_y is None else [len(number(float(y))) for y in snap.batch_y.ravel()]
    y_cells = max(targets, default=len(PENDING))
    parts = [text.split() for text in outputs]  # the outputs' names (and their targets') as drawn
    name = max(len(p[0]) for p in parts)
    if len(parts[0]) == 4:  # "ŷ 0.46 y 1"
        return widths + [name + 1 + CELLS + 1 + max(len(p[2]) for p in parts) + 1 + y_cells]
    return widths + [name + 3 + CELLS]  # "ŷ δ −0.46"


def fits_numbers(xs: list[int], widths: list[int]) -> bool:
    """Is there room between each two columns for the left one's numbers (a blank either side) and
    still a visible edge?"""
    return all(xs[c + 1] - xs[c] - 1 >= (widths[c] + 2 if widths[c] else 0) + MIN_EDGE_CELLS
               for c in range(len(xs) - 1))



def _runs_through(edge: Edge, shown: dict[tuple[int, int], tuple], row: int, cell: int, step: int) -> bool:
    """Does the cell beside a number show this edge (a dashed edge may have a gap there, then the next)?"""
    found = shown.get((row, cell))
    if found is None:
        found = shown.get((row, cell + step))
    return found == edge.key
