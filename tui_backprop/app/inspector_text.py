"""The gradient inspector's text, built from a ``Snapshot`` alone (no Textual: testable without an app).

The layer section gives the health numbers and two small maps (weights and their
gradients, the selected weight highlighted in both); the neuron and weight
sections (``inspector_chain.py``) give z, a, ŷ beside y, the loss and δ, and spell
out the chain rule for the selected sample. Every derivative comes from the
snapshot, which took it from the core.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from rich.style import Style
from rich.text import Text

from tui_backprop.app.graph_layout import names_for
from tui_backprop.core.figures import MINUS, fmt  # one number format for every pane
from tui_backprop.app.inspector_chain import has_gradients, neuron_section, pending, weight_section
from tui_backprop.app.inspector_lines import NBSP, flow, piece, prose
from tui_backprop.core.gradcheck import LayerCheck
from tui_backprop.training.snapshot import LayerSnapshot, Snapshot

# Colours for signed values. Each was checked against rich's downgrade to the
# 16-colour palette so sign and strength survive TEXTUAL_COLOR_SYSTEM=standard:
# weak → bright yellow / bright cyan text, medium → yellow / blue background,
# strong → bright red / bright blue background (Playground's orange and blue).
NEGATIVE_COLOURS = ("#f8b050", "#b35900", "#f59322")
POSITIVE_COLOURS = ("#a0d0ff", "#0850b0", "#4090e0")
# The selected weight's cell: reverse, bold and underlined, so it shows without colour (NO_COLOR).
SELECTED_CELL = Style(underline=True, bold=True, reverse=True)
_CELL_STYLES: dict[tuple[int, int], Style] = {}

TABLE_MAX_LAYERS = 10
TABLE_MIN_LAYERS = 3  # one or two layers: the layer section below already shows both norms
BAR_CELLS = 8  # one full block per factor of ten below the largest layer's ‖∇W‖
MAP_ROWS = 8


@dataclass(frozen=True)
class View:
    """What the text depends on besides the snapshot."""

    selection: tuple[int, int, int, int] = (0, 0, 0, 0)  # layer, neuron, weight input (fan_in: bias), sample
    width: int | None = None  # the pane's content columns, scrollbar included (None: not laid out yet)
    renames: tuple = ()  # the lesson's [names]
    layer_check: LayerCheck | None = None  # finite differences of the selected layer, this batch
    weight_check: tuple[float, float] | None = None  # (backprop, finite difference) of the selected weight

    @property
    def text_width(self) -> int:
        """Columns the text can use without wrapping: the scrollbar's one taken off (35 at 80×24)."""
        return 40 if not self.width or self.width <= 0 else max(self.width - 1, 10)

    @property
    def map_width(self) -> int:
        return 44 if not self.width or self.width <= 0 else max(self.width - 4, 20)


def magnitude_level(value: float, scale: float) -> int:
    """0 (about zero) to 3 (as big as the largest value in view)."""
    if scale <= 0 or not math.isfinite(value) or abs(value) < 0.05 * scale:
        return 0
    share = abs(value) / scale
    return 1 if share < 1 / 3 else 2 if share < 2 / 3 else 3


def cell_style(sign: int, level: int) -> Style:
    """Style of one map cell: hue for the sign, intensity for the magnitude."""
    key = (sign, level)
    style = _CELL_STYLES.get(key)
    if style is None:
        colours = POSITIVE_COLOURS if sign > 0 else NEGATIVE_COLOURS
        if level == 0:
            style = Style(dim=True)
        elif level == 1:
            style = Style(color=colours[0])
        elif level == 2:
            style = Style(color="#ffffff", bgcolor=colours[1])
        else:
            style = Style(color="#000000", bgcolor=colours[2], bold=True)
        _CELL_STYLES[key] = style
    return style


def cell_glyph(value: float, level: int) -> str:
    # The sign is also a glyph, so the map still reads under NO_COLOR.
    if not math.isfinite(value):
        return "!"
    if level == 0:
        return "·"
    return "+" if value > 0 else MINUS


def finite_scale(values: np.ndarray) -> float:
    """The largest finite magnitude (0 when there is none: an empty or all-NaN matrix)."""
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size else 0.0


def log_bar(norm: float, largest: float, cells: int = 8) -> str:
    """A bar on a log scale: full for the largest norm, one block shorter per factor of ten."""
    if not (math.isfinite(norm) and math.isfinite(largest)) or norm <= 0 or largest <= 0:
        return "·"
    eighths = round((cells + math.log10(norm / largest)) * 8)
    eighths = min(max(eighths, 0), cells * 8)
    if eighths == 0:
        return "·"
    full, rest = divmod(eighths, 8)
    return "█" * full + (" ▏▎▍▌▋▊▉"[rest] if rest else "")


def short_activation(name: str) -> str:
    return {"sigmoid": "sigm", "linear": "lin", "leaky_relu": "lrelu", "softmax": "smax"}.get(name, name[:5])


def build(snap: Snapshot | None, view: View = View()) -> tuple[Text, dict[str, int]]:
    """The inspector's whole text, and the line where each section starts."""
    out = Text(no_wrap=False, overflow="fold")
    lines: dict[str, int] = {}
    if snap is None or not snap.layers:
        out.append("No network yet.", style="dim")
        return out, lines
    layer_i, neuron, weight, sample = view.selection
    info = snap.layers[layer_i]
    names = names_for(snap, view.renames)
    lines["layer"] = 0
    gradient_table(out, snap, layer_i, view.text_width)
    layer_section(out, snap, info, view)
    lines["neuron"] = out.plain.count("\n")
    neuron_section(out, snap, info, names, neuron, sample, view.text_width)
    lines["weight"] = out.plain.count("\n")
    weight_section(out, snap, info, names, neuron, weight, sample, view.weight_check, view.layer_check,
                   view.text_width)
    lines["end"] = out.plain.count("\n") + 1
    return out, lines


def gradient_table(out: Text, snap: Snapshot, selected: int, text_width: int) -> None:
    """One line per layer: shape, activation, ‖∇W‖ and a log bar, so a vanishing pattern shows at once."""
    layers = snap.layers
    if len(layers) < TABLE_MIN_LAYERS:
        return
    ready = has_gradients(snap)
    # Mid-backward a layer not reached yet still holds the last step's norm: "pending", as its section says,
    # and left out of the bars' scale (they compare this step's layers).
    norms = [None if layer.backward_pending else layer.diagnostics.grad_norm for layer in layers]
    largest = max((n for n in norms if n is not None and math.isfinite(n)), default=0.0)
    note = "(bar: log, █ = ×10)" if ready else "(after a backward pass)"
    flow(out, [piece(("‖∇W‖ per layer", "bold")), piece((note, "dim"))], text_width, indent="", gap=" ")
    shown = list(range(len(layers)))
    if len(shown) > TABLE_MAX_LAYERS:
        # Keep the first and last layers and the selected one in view.
        keep = TABLE_MAX_LAYERS - 1
        start = min(max(selected - keep // 2, 0), len(layers) - keep)
        shown = sorted({*range(start, start + keep), len(layers) - 1})
    shape_width = max(len(f"{layers[i].units}×{layers[i].fan_in}") for i in shown)
    name_width = len(f"L{len(layers)}")
    # Marker, name, shape, activation, norm, then the bar in what is left (and room for " ⚠").
    fixed = 1 + name_width + 1 + shape_width + 1 + 5 + 8 + 2
    bar_cells = min(max(text_width - fixed, 3), BAR_CELLS)
    previous = -1
    for i in shown:
        if i != previous + 1:
            out.append(f"  … {i - previous - 1} more\n", style="dim")
        previous = i
        layer = layers[i]
        mark = i == selected
        out.append("▸" if mark else " ", style="bold")
        row_style = "bold" if mark else ""
        out.append(f"L{i + 1}".ljust(name_width) + " ", style=row_style)
        out.append(f"{layer.units}×{layer.fan_in}".ljust(shape_width) + " ", style="dim")
        out.append(short_activation(layer.activation).ljust(5), style="dim")
        if not ready or norms[i] is None:
            out.append(("—" if not ready else "pending").rjust(7) + " ", style="dim")
        else:
            out.append(fmt(norms[i], 2).rjust(7) + " ", style=row_style)
            out.append(log_bar(norms[i], largest, bar_cells), style=row_style)
        if layer.diagnostics.warnings and norms[i] is not None:
            out.append(" ⚠", style="bold #f59322")
        out.append("\n")


def state_line(out: Text, snap: Snapshot, width: int) -> None:
    """Where the step stands, when that changes what the numbers mean."""
    if snap.halted:
        parts = ("⚠ training halted:", "r resets,", "⌫ steps back")
    elif snap.paused_after_backward:
        parts = ("Not applied yet —", "n applies")
    else:
        return
    flow(out, [piece((part, "bold reverse")) for part in parts], width, indent="", gap=" ", gap_style="bold reverse")


def layer_section(out: Text, snap: Snapshot, info: LayerSnapshot, view: View) -> None:
    n = len(snap.layers)
    role = "output" if info.index == n - 1 else "hidden"
    shape = f"{info.units}×{info.fan_in}{' +bias' if info.has_bias else ''}"
    flow(out, [piece((f"Layer {info.index + 1}/{n}", "bold"), f" {role}"), piece(f"· {shape}"),
               piece(f"· {info.activation}")], view.text_width, indent="", gap=" ")
    state_line(out, snap, view.text_width)
    diag = info.diagnostics
    norms = [("‖W‖", fmt(diag.weight_norm, 3)),
             ("‖∇W‖", "pending" if info.backward_pending else
              fmt(diag.grad_norm, 3) if info.delta is not None or snap.step else "—")]
    # two figures, but whole numbers whole: 103.5 as "104", not "1e2" (a power of ten reads as no figure)
    digits = int(math.log10(diag.update_ratio)) + 1 if 10 <= diag.update_ratio < 1e4 else 2
    ratio = fmt(diag.update_ratio, digits) if snap.step else "—"
    # ‖W‖ is now; the ratio is over the weights the update was added to: where those read otherwise, say so.
    before = (f"(‖W‖ before {fmt(diag.stepped_from_norm, 3)})" if snap.step and diag.stepped_from_norm is not None
              and fmt(diag.stepped_from_norm, 3) != norms[0][1] else None)
    # Mid-step the ratio is still the previous step's update: on its own line, saying so, or it reads as this
    # step's. Otherwise on the line, two spaces apart where that fits, one where that keeps it on the line
    # (80×24), else on its own line: never a label at a line's end and its value on the next.
    last = bool(snap.step and snap.last_phase != "update")
    line, gap = [*norms, ("update/W", f"{ratio} {before}" if before else ratio)], None
    if not last:
        gap = next((g for g in ("  ", " ") if len(g.join(f"{k} {v}" for k, v in line)) <= view.text_width), None)
    if gap is None:
        line, gap = norms, "  "
    for i, (label, value) in enumerate(line):
        out.append(f"{gap if i else ''}{label} ", style="dim")
        out.append(value)
    out.append("\n")
    if line is norms:
        flow(out, [piece(("last update/W " if last else "update/W ", "dim"), ratio),
                   piece((f"(step {snap.step})", "dim")) if last else None,
                   piece((before, "dim")) if before else None], view.text_width, indent="", gap=" ")
    width = view.text_width
    if info.forward_pending or info.z is None:  # one reason for the missing pass, worded as the neuron's and chain rule's lines say it
        prose(out, f"dead/saturated: — ({pending('forward', info, info.forward_pending)})", width, "")
    elif info.activation in ("relu", "leaky_relu") and not any("ReLUs dead" in w for w in diag.warnings):
        out.append("dead ReLUs ", style="dim")  # (a warning below says it once, when it is one)
        out.append(f"{diag.dead_share:.0%}\n")
    elif info.activation in ("sigmoid", "tanh") and not any("saturated" in w for w in diag.warnings):
        out.append("saturated ", style="dim")
        out.append(f"{diag.saturated_share:.0%}\n")
    for warning in diag.warnings:  # the core's words: "gradients vanishing (4e−19 of the largest layer's)"
        what, bracket, why = warning.partition(" (")
        flow(out, [piece((f"⚠ {what}", "bold #f59322")), piece((bracket.strip() + why, "bold #f59322"))
                   if bracket else None], width, "", gap=" ")
    if view.layer_check is not None:
        result = view.layer_check
        mark = "✓" if result.passed else "✗"
        flow(out, [piece((f"grad check {mark}", "bold" if result.passed else "bold #f59322")),
                   piece(f"max rel err {fmt(result.max_relative_error, 2)}")], width, "", gap=" ")
    maps(out, info, view.selection[1], view.selection[2], view.map_width, names_for(snap, view.renames).loss)


def window(selected: int, size: int, shown: int) -> range:
    """``shown`` consecutive indices out of ``size``, from 0 unless the selected one would be left out."""
    start = 0 if selected < shown else min(selected - shown + 1, size - shown)
    return range(start, start + shown)


def maps(out: Text, info: LayerSnapshot, neuron: int, weight: int, width: int, loss: str = "L") -> None:
    """Two small maps, one cell per weight: W on the left, ∇W on the right; the selected weight reversed in both."""
    weights = with_bias(info.weights, info.biases)
    grads = with_bias(info.grad_weights, info.grad_biases)
    columns = weights.shape[1]
    show_cols = max(1, min(columns, (width - 6) // 4))  # 2 cells per weight, 2 maps
    rows = window(neuron, info.units, min(info.units, MAP_ROWS))
    cols = window(weight, columns, show_cols)
    # "(backward L2)" under ∇W where the header would not fit (80×24)
    grads_at = 2 * show_cols + 4
    pending = info.backward_pending
    what, note = ("∇W pending", f"(backward L{info.index + 1})") if pending else ("∇W", f"(∂{loss}/∂W)")
    flow(out, [piece((" W".ljust(grads_at) + what, "dim")), piece((note, "dim"))], width, "", grads_at, " ")
    w_scale, g_scale = finite_scale(weights), finite_scale(grads)
    for row in rows:
        out.append("▸" if row == neuron else " ", style="bold")
        for matrix, scale in ((weights, w_scale), (grads, g_scale)):
            for col in cols:
                selected = row == neuron and col == weight
                if matrix is grads and info.backward_pending:  # last step's numbers: not shown
                    out.append("· ", style=Style(dim=True) + SELECTED_CELL if selected else "dim")
                    continue
                value = float(matrix[row, col])
                level = magnitude_level(value, scale)
                style = cell_style(1 if value > 0 else -1, level)
                out.append(cell_glyph(value, level) + " ", style=style + SELECTED_CELL if selected else style)
            out.append("…" if cols.stop < columns else " ", style="dim")
            out.append(" ")
        out.append("\n")
    if rows.start > 0:
        out.append(f"  neurons {rows.start + 1}–{rows.stop} of {info.units}\n", style="dim")
    elif rows.stop < info.units:
        out.append(f"  +{info.units - rows.stop} more neurons\n", style="dim")
    if cols.start > 0:
        out.append(f"  columns {cols.start + 1}–{cols.stop} of {columns}\n", style="dim")
    if info.has_bias:
        out.append("  last column: bias\n", style="dim")


def with_bias(matrix: np.ndarray, biases: np.ndarray | None) -> np.ndarray:
    if biases is None:
        return matrix
    return np.column_stack([matrix, biases])
