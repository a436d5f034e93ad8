"""The gradient inspector: one layer, one neuron, one weight, with real numbers.

It reads an immutable ``Snapshot`` and never touches the live network. The
layer section gives the health numbers and two small maps (weights and their
gradients); the neuron section gives z, a and delta; the weight section spells
out the chain rule for the selected sample and shows that its batch mean is the
gradient the optimizer will use.
"""

from __future__ import annotations

import math

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.message import Message
from textual.widgets import Static

from tui_backprop.app.graph_layout import MINUS, fmt, names_for  # one number format for every pane
from tui_backprop.core.gradcheck import LayerCheck
from tui_backprop.training.session import LayerSnapshot, Snapshot

# Colours for signed values. Each was checked against rich's downgrade to the
# 16-colour palette so sign and strength survive TEXTUAL_COLOR_SYSTEM=standard:
# weak → bright yellow / bright cyan text, medium → yellow / blue background,
# strong → bright red / bright blue background (Playground's orange and blue).
NEGATIVE_COLOURS = ("#f8b050", "#b35900", "#f59322")
POSITIVE_COLOURS = ("#a0d0ff", "#0850b0", "#4090e0")
_CELL_STYLES: dict[tuple[int, int], Style] = {}


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


def derivative(activation: str, z: float, a: float) -> float:
    """f'(z) of an element-wise activation, as backprop uses it."""
    if activation == "linear":
        return 1.0
    if activation == "sigmoid":
        return a * (1.0 - a)
    if activation == "tanh":
        return 1.0 - a * a
    if activation == "relu":
        return 1.0 if z > 0 else 0.0
    if activation == "leaky_relu":
        return 1.0 if z > 0 else 0.01
    return float("nan")


def paren(value: float) -> str:
    """A factor in a product: negative numbers in brackets, as on paper."""
    text = fmt(value, 3)
    return f"({text})" if text.startswith(MINUS) else text


def finite_scale(values: np.ndarray) -> float:
    """The largest finite magnitude (0 when there is none: an empty or all-NaN matrix)."""
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size else 0.0


def close(a: float, b: float) -> bool:
    return bool(np.isclose(a, b, rtol=1e-9, atol=1e-12))


class Inspector(VerticalScroll, can_focus=True):
    """Layer-by-layer gradient inspector (reads snapshots only)."""

    DEFAULT_CSS = """
    Inspector {
        height: 1fr;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    Inspector > #inspector-body {
        width: 1fr;
        height: auto;
    }
    """

    BINDINGS = [
        Binding("left,h", "layer(-1)", "Prev layer", id="inspector.previous_layer", show=False,
                tooltip="Previous layer"),
        Binding("right,l", "layer(1)", "Next layer", id="inspector.next_layer", show=False, tooltip="Next layer"),
        Binding("up,k", "neuron(-1)", "Prev neuron", id="inspector.previous_neuron", show=False,
                tooltip="Previous neuron"),
        Binding("down,j", "neuron(1)", "Next neuron", id="inspector.next_neuron", show=False,
                tooltip="Next neuron"),
        Binding("left_square_bracket", "weight(-1)", "Prev weight", id="inspector.previous_weight",
                key_display="[", show=False, tooltip="Previous weight of the neuron"),
        Binding("right_square_bracket", "weight(1)", "Next weight", id="inspector.next_weight",
                key_display="]", show=False, tooltip="Next weight of the neuron (the last one is the bias)"),
        Binding("less_than_sign", "sample(-1)", "Prev sample", id="inspector.previous_sample",
                key_display="<", show=False, tooltip="Previous sample of the batch"),
        Binding("greater_than_sign", "sample(1)", "Next sample", id="inspector.next_sample",
                key_display=">", show=False, tooltip="Next sample of the batch"),
    ]

    class SelectionChanged(Message):
        """The learner moved to another layer, neuron, weight or sample (all 0-based)."""

        def __init__(self, inspector: "Inspector", layer: int, neuron: int, weight: int, sample: int) -> None:
            super().__init__()
            self.inspector = inspector
            self.layer = layer
            self.neuron = neuron
            self.weight = weight  # input index; == fan_in means the bias
            self.sample = sample

        @property
        def control(self) -> "Inspector":
            return self.inspector

    def __init__(self, snapshot: Snapshot | None = None, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.snapshot: Snapshot | None = snapshot
        self.selection: tuple[int, int, int, int] = (0, 0, 0, 0)  # layer, neuron, weight_input, sample
        self._weight_checks: dict[tuple[int, int, int], tuple[float, float, tuple]] = {}
        self._layer_checks: dict[int, tuple[LayerCheck, tuple]] = {}
        self._section_lines: dict[str, int] = {}
        self._focus_section = "layer"

    def compose(self):
        yield Static(id="inspector-body")

    def on_mount(self) -> None:
        self.border_title = "Gradients"
        self._render_body()

    # ------------------------------------------------------------ public API
    def show(self, snapshot: Snapshot | None) -> None:
        """Show a new snapshot, keeping the selection where it still exists."""
        self.snapshot = snapshot
        self.selection = self._clamped(*self.selection)
        self._render_body()

    def select(self, layer: int | None = None, neuron: int | None = None, weight: int | None = None,
               sample: int | None = None) -> None:
        """Move the selection; arguments left out keep their value."""
        old = self.selection
        new = self._clamped(
            old[0] if layer is None else layer,
            old[1] if neuron is None else neuron,
            old[2] if weight is None else weight,
            old[3] if sample is None else sample,
        )
        self.selection = new
        if new != old:
            self.post_message(self.SelectionChanged(self, *new))
        self._render_body()

    def set_weight_check(self, layer: int, row: int, column: int, analytic: float, numeric: float) -> None:
        """Finite-difference result for one weight (column == fan_in is the bias)."""
        self._weight_checks[(layer, row, column)] = (float(analytic), float(numeric), self._snapshot_key())
        self._render_body()

    def set_layer_check(self, layer: int, check: LayerCheck) -> None:
        self._layer_checks[layer] = (check, self._snapshot_key())
        self._render_body()

    # --------------------------------------------------------------- actions
    def action_layer(self, delta: int) -> None:
        self._focus_section = "layer"
        layer, neuron, weight, sample = self.selection
        self.select(layer + delta, neuron, weight, sample)

    def action_neuron(self, delta: int) -> None:
        self._focus_section = "neuron"
        self.select(neuron=self.selection[1] + delta)

    def action_weight(self, delta: int) -> None:
        self._focus_section = "weight"
        self.select(weight=self.selection[2] + delta)

    def action_sample(self, delta: int) -> None:
        self._focus_section = "neuron"
        self.select(sample=self.selection[3] + delta)

    # --------------------------------------------------------------- helpers
    def _snapshot_key(self) -> tuple:
        # Checks are valid for one batch and one set of weights: a later step makes them stale.
        snap = self.snapshot
        return () if snap is None else (snap.step, snap.phases_done)

    def _clamped(self, layer: int, neuron: int, weight: int, sample: int) -> tuple[int, int, int, int]:
        snap = self.snapshot
        if snap is None or not snap.layers:
            return (max(layer, 0), max(neuron, 0), max(weight, 0), max(sample, 0))
        layer = min(max(layer, 0), len(snap.layers) - 1)
        info = snap.layers[layer]
        neuron = min(max(neuron, 0), info.units - 1)
        weight = min(max(weight, 0), info.fan_in - (0 if info.has_bias else 1))
        batch = info.z.shape[0] if info.z is not None else 1
        sample = min(max(sample, 0), batch - 1)
        return (layer, neuron, weight, sample)

    def _render_body(self) -> None:
        if not self.is_mounted:
            return
        text, lines = self.build_text()
        self._section_lines = lines
        body = self.query_one("#inspector-body", Static)
        body.update(text)
        self.call_after_refresh(self._scroll_to_section)

    def _scroll_to_section(self) -> None:
        start = self._section_lines.get(self._focus_section)
        if start is None:
            return
        if self._focus_section == "layer":
            self.scroll_to(y=0, animate=False)
            return
        end = self._section_lines.get("end", start + 4)
        self.scroll_to_region(Region(0, start, 1, max(1, end - start)), animate=False, top=False)

    # ------------------------------------------------------------ the text
    def build_text(self) -> tuple[Text, dict[str, int]]:
        """The inspector's whole text, and the line where each section starts."""
        snap = self.snapshot
        out = Text(no_wrap=False, overflow="fold")
        lines: dict[str, int] = {}
        if snap is None or not snap.layers:
            out.append("No network yet.", style="dim")
            return out, lines
        layer_i, neuron, weight, sample = self.selection
        info = snap.layers[layer_i]
        lines["layer"] = 0
        self._gradient_table(out, snap, layer_i)
        self._layer_section(out, snap, info)
        lines["neuron"] = out.plain.count("\n")
        self._neuron_section(out, snap, info, neuron, sample)
        lines["weight"] = out.plain.count("\n")
        self._weight_section(out, snap, info, neuron, weight, sample)
        lines["end"] = out.plain.count("\n") + 1
        return out, lines

    TABLE_MAX_LAYERS = 10
    TABLE_MIN_LAYERS = 3  # one or two layers: the layer section below already shows both norms
    BAR_CELLS = 8  # one full block per factor of ten below the largest layer's ‖∇W‖

    @staticmethod
    def has_gradients(snap: Snapshot) -> bool:
        """Has a backward pass run (this step, or any step before)?"""
        return bool(snap.step) or any(layer.delta is not None for layer in snap.layers)

    def _state_line(self, out: Text, snap: Snapshot) -> None:
        """Where the step stands, when that changes what the numbers mean."""
        if snap.halted:
            out.append("⚠ training halted: press r to reset\n", style="bold reverse")
        elif snap.paused_after_backward:
            out.append("Not applied yet — n applies\n", style="bold reverse")

    @staticmethod
    def after_update(snap: Snapshot) -> bool:
        """Weights are already updated, but δ and the gradients are still this step's backward pass."""
        return snap.last_phase == "update" and any(layer.delta is not None for layer in snap.layers)

    @staticmethod
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

    def _gradient_table(self, out: Text, snap: Snapshot, selected: int) -> None:
        """One line per layer: shape, activation, ‖∇W‖ and a log bar, so a vanishing pattern shows at once."""
        layers = snap.layers
        if len(layers) < self.TABLE_MIN_LAYERS:
            return
        ready = self.has_gradients(snap)
        norms = [layer.diagnostics.grad_norm for layer in layers]
        finite = [n for n in norms if math.isfinite(n)]
        largest = max(finite, default=0.0)
        out.append("‖∇W‖ per layer", style="bold")
        out.append(" (bar: log, █ = ×10)\n" if ready else " (after a backward pass)\n", style="dim")
        shown = list(range(len(layers)))
        if len(shown) > self.TABLE_MAX_LAYERS:
            # Keep the first and last layers and the selected one in view.
            keep = self.TABLE_MAX_LAYERS - 1
            start = min(max(selected - keep // 2, 0), len(layers) - keep)
            shown = sorted({*range(start, start + keep), len(layers) - 1})
        shape_width = max(len(f"{layers[i].units}×{layers[i].fan_in}") for i in shown)
        name_width = len(f"L{len(layers)}")
        # Marker, name, shape, activation, norm, then the bar in what is left (and room for " ⚠").
        fixed = 1 + name_width + 1 + shape_width + 1 + 5 + 8 + 2
        bar_cells = min(max(self._text_width() - fixed, 3), self.BAR_CELLS)
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
            out.append(self.short_activation(layer.activation).ljust(5), style="dim")
            out.append((fmt(norms[i], 2) if ready else "—").rjust(7) + " ", style=row_style)
            out.append(self.log_bar(norms[i], largest, bar_cells) if ready else "", style=row_style)
            if layer.diagnostics.warnings:
                out.append(" ⚠", style="bold #f59322")
            out.append("\n")

    def _text_width(self) -> int:
        """Columns the text can use without wrapping (padding and scrollbar taken off)."""
        if not self.is_mounted or self.size.width <= 0:
            return 40
        return max(self.size.width - 3, 10)

    @staticmethod
    def short_activation(name: str) -> str:
        return {"sigmoid": "sigm", "linear": "lin", "leaky_relu": "lrelu", "softmax": "smax"}.get(name, name[:5])

    def _layer_section(self, out: Text, snap: Snapshot, info: LayerSnapshot) -> None:
        n = len(snap.layers)
        role = "output" if info.index == n - 1 else "hidden"
        out.append(f"Layer {info.index + 1}/{n}", style="bold")
        out.append(f" {role} · {info.units}×{info.fan_in}{' +bias' if info.has_bias else ''} · {info.activation}\n")
        self._state_line(out, snap)
        diag = info.diagnostics
        out.append("‖W‖ ", style="dim")
        out.append(fmt(diag.weight_norm, 3))
        out.append("  ‖∇W‖ ", style="dim")
        out.append("pending" if info.backward_pending else
                   fmt(diag.grad_norm, 3) if info.delta is not None or snap.step else "—")
        out.append("  update/W ", style="dim")
        out.append(fmt(diag.update_ratio, 2) if snap.step else "—")
        out.append("\n")
        if info.forward_pending:
            out.append(f"dead/saturated: pending (forward L{info.index + 1} not run yet)\n", style="dim")
        elif info.z is None:
            out.append("dead/saturated: — (press p to run the forward pass)\n", style="dim")
        elif info.activation in ("relu", "leaky_relu"):
            out.append("dead ReLUs ", style="dim")
            out.append(f"{diag.dead_share:.0%}\n")
        elif info.activation in ("sigmoid", "tanh"):
            out.append("saturated ", style="dim")
            out.append(f"{diag.saturated_share:.0%}\n")
        for warning in diag.warnings:
            out.append(f"⚠ {warning}\n", style="bold #f59322")
        check = self._layer_checks.get(info.index)
        if check is not None and check[1] == self._snapshot_key():
            result = check[0]
            mark = "✓" if result.passed else "✗"
            out.append(f"grad check {mark} ", style="bold" if result.passed else "bold #f59322")
            out.append(f"max rel err {fmt(result.max_relative_error, 2)}\n")
        self._maps(out, info)

    def _maps(self, out: Text, info: LayerSnapshot) -> None:
        """Two small maps, one cell per weight: W on the left, ∇W on the right."""
        weights = self._with_bias(info.weights, info.biases)
        grads = self._with_bias(info.grad_weights, info.grad_biases)
        width = max(self.size.width - 4, 20) if self.is_mounted else 44
        columns = weights.shape[1]
        show_cols = max(1, min(columns, (width - 6) // 4))  # 2 cells per weight, 2 maps
        show_rows = min(info.units, 8)
        out.append(" W".ljust(2 * show_cols + 3), style="dim")
        out.append(f" ∇W pending (backward L{info.index + 1})\n" if info.backward_pending else " ∇W (dL/dW)\n",
                   style="dim")
        w_scale, g_scale = finite_scale(weights), finite_scale(grads)
        _, neuron, weight, _ = self.selection
        for row in range(show_rows):
            out.append("▸" if row == neuron else " ", style="bold")
            for matrix, scale in ((weights, w_scale), (grads, g_scale)):
                for col in range(show_cols):
                    if matrix is grads and info.backward_pending:  # last step's numbers: not shown
                        out.append("· ", style="dim")
                        continue
                    value = float(matrix[row, col])
                    level = magnitude_level(value, scale)
                    style = cell_style(1 if value > 0 else -1, level)
                    if row == neuron and col == weight:
                        style = style + Style(underline=True, bold=True, reverse=True)
                    out.append(cell_glyph(value, level) + " ", style=style)
                out.append("…" if show_cols < columns else " ", style="dim")
                out.append(" ")
            out.append("\n")
        if show_rows < info.units:
            out.append(f"  +{info.units - show_rows} more neurons\n", style="dim")
        if info.has_bias:
            out.append("  last column: bias\n", style="dim")

    @staticmethod
    def _with_bias(matrix: np.ndarray, biases: np.ndarray | None) -> np.ndarray:
        if biases is None:
            return matrix
        return np.column_stack([matrix, biases])

    def _neuron_section(self, out: Text, snap: Snapshot, info: LayerSnapshot, neuron: int, sample: int) -> None:
        out.append(f"Neuron {neuron + 1}/{info.units}", style="bold")
        if info.z is None:
            out.append("\n z, a: — (press p to run the forward pass)\n", style="dim")
            return
        batch = info.z.shape[0]
        out.append(f" · sample {sample + 1}/{batch}\n")
        z = info.z[sample, neuron]
        a = info.a[sample, neuron]
        out.append(" z ", style="dim")
        out.append(fmt(z))
        out.append("  a ", style="dim")
        out.append(fmt(a))
        out.append("  δ ", style="dim")
        out.append(fmt(info.delta[sample, neuron]) if info.delta is not None else "—")
        out.append("\n")
        if batch > 1:
            out.append(f" mean of {batch}: z ", style="dim")
            out.append(fmt(info.z[:, neuron].mean(), 3))
            out.append(" a ", style="dim")
            out.append(fmt(info.a[:, neuron].mean(), 3))
            out.append(" δ ", style="dim")
            out.append(fmt(info.delta[:, neuron].mean(), 3) if info.delta is not None else "—")
            out.append("\n")
        if info.delta is None:
            when = (f"pending: backward L{info.index + 1} not run yet" if info.backward_pending
                    else "press p to run the backward pass")
            out.append(f" δ: — ({when})\n", style="dim")

    def _input_name(self, snap: Snapshot, info: LayerSnapshot, column: int) -> str:
        if column == info.fan_in:
            return "bias"
        # The data's own feature names (x1², sin(x1) …) and the lesson's names (h), else a1₂.
        return self.names(snap).layer_input(info.index, column)

    def names(self, snap: Snapshot):
        """Names as the lesson writes them (its [names] table), else the defaults (w1, x2, …)."""
        config = getattr(self.app, "config", None) if self.is_mounted else None
        return names_for(snap, getattr(config, "names", ()))

    def _fused(self, snap: Snapshot, info: LayerSnapshot) -> bool:
        """Does delta come straight from the loss (softmax+cross-entropy, sigmoid+bce)?"""
        if info.index != len(snap.layers) - 1:
            return False
        loss = getattr(snap, "loss_name", None)
        if info.activation == "softmax":
            return True
        if loss is not None:
            return loss == "bce" and info.activation == "sigmoid"
        if info.activation != "sigmoid" or info.delta is None or snap.batch_y is None:
            return False
        # No loss name in the snapshot: bce's fused delta is exactly (a − y)/k.
        k = info.a.shape[1]
        return bool(np.allclose(info.delta, (info.a - snap.batch_y) / k, rtol=1e-9, atol=1e-12))

    def _weight_section(self, out: Text, snap: Snapshot, info: LayerSnapshot, neuron: int, column: int,
                        sample: int) -> None:
        is_bias = column == info.fan_in
        source = self._input_name(snap, info, column)
        j, k = neuron + 1, column + 1
        if is_bias:
            out.append(f"Bias b[{j}]", style="bold")
            value = info.biases[neuron]
            grad = info.grad_biases[neuron]
        else:
            out.append(f"Weight w[{j},{k}]", style="bold")
            value = info.weights[neuron, column]
            grad = info.grad_weights[neuron, column]
        if self.after_update(snap) and info.delta is not None:
            # The optimizer has moved the value; every number below is from the pass before it.
            update = info.update_biases[neuron] if is_bias else info.update_weights[neuron, column]
            out.append(f" ({source} → neuron {j})\n" if not is_bias else "\n", style="dim")
            out.append(f" {'bias' if is_bias else 'weight'} now {fmt(value)} (after the update)\n", style="bold")
            out.append(f" the pass below used {fmt(value - update)}\n", style="dim")
        else:
            out.append(f" = {fmt(value)}")
            out.append(f" ({source} → neuron {j})\n" if not is_bias else "\n", style="dim")
        if info.z is None:
            when = f"pending: forward L{info.index + 1} not run yet" if info.forward_pending else "press p to run the forward pass"
            out.append(f" chain rule: — ({when})\n", style="dim")
            return
        if info.delta is None:
            when = f"pending: backward L{info.index + 1} not run yet" if info.backward_pending else "press p to run the backward pass"
            out.append(f" chain rule: — ({when})\n", style="dim")
            return
        x = 1.0 if is_bias else float(info.inputs[sample, column])
        delta = float(info.delta[sample, neuron])
        per_sample = delta * x
        dzdw = "∂z/∂b" if is_bias else "∂z/∂w"
        if self._fused(snap, info):
            a = float(info.a[sample, neuron])
            y = float(snap.batch_y[sample, neuron]) if snap.batch_y is not None else float("nan")
            units = info.a.shape[1]
            out.append(" δ = ∂ℓ/∂z comes straight from the loss:\n", style="dim")
            scale = f"(a{MINUS}y)/{units}" if info.activation == "sigmoid" and units > 1 else f"a{MINUS}y"
            out.append(f" δ = {scale} = {fmt(a)} {MINUS} {fmt(y)} = {fmt(delta)}\n")
            out.append(f" ∂ℓ/∂w = δ · {dzdw}\n", style="dim")
            out.append(f"  = {fmt(delta)} · {fmt(x)} = ")
            out.append(fmt(per_sample), style="bold")
            out.append("\n")
        else:
            grad_a = float(info.grad_a[sample, neuron])
            slope = derivative(info.activation, float(info.z[sample, neuron]), float(info.a[sample, neuron]))
            out.append(f" ∂ℓ/∂a · ∂a/∂z · {dzdw}  (sample {sample + 1})\n", style="dim")
            out.append(f"  = {fmt(grad_a)} · {fmt(slope)} · {fmt(x)} = ")
            out.append(fmt(per_sample), style="bold")
            out.append("\n")
            self._grad_a_origin(out, snap, info, neuron, sample)
        rows = info.delta.shape[0]
        inputs = np.ones(rows) if is_bias else info.inputs[:, column]
        batch_mean = float(np.mean(info.delta[:, neuron] * inputs))
        symbol = "∂L/∂b" if is_bias else "∂L/∂w"
        out.append(f" batch mean ({rows}) = " if rows > 1 else " batch mean = ", style="dim")
        out.append(fmt(batch_mean), style="bold")
        if close(batch_mean, grad):
            out.append(f" = {symbol} ✓\n")
        else:
            out.append(f" ≠ {symbol} {fmt(grad)} ✗\n", style="bold red")
        if snap.last_phase == "update" and snap.step:
            update = info.update_biases[neuron] if is_bias else info.update_weights[neuron, column]
            out.append(" applied update ", style="dim")
            out.append(f"{fmt(update)}", style="bold")
            out.append(f" ({fmt(value - update)} → {fmt(value)})\n", style="dim")
        self._check_line(out, info, neuron, column)

    def _grad_a_origin(self, out: Text, snap: Snapshot, info: LayerSnapshot, neuron: int, sample: int) -> None:
        """Where ∂ℓ/∂a came from: the loss, or the deltas of the layer above."""
        if info.index == len(snap.layers) - 1:
            out.append("  ∂ℓ/∂a from the loss (ŷ vs target)\n", style="dim")
            return
        above = snap.layers[info.index + 1]
        if above.delta is None:
            return
        weights = self.pass_weights(snap, above)
        terms = [(float(weights[r, neuron]), float(above.delta[sample, r])) for r in range(above.units)]
        out.append(f"  ∂ℓ/∂a = Σ w·δ of layer {above.index + 1}", style="dim")
        if len(terms) <= 2:
            out.append(" = " + " + ".join(f"{paren(w)}·{paren(d)}" for w, d in terms), style="dim")
        out.append("\n")
        if self.after_update(snap):
            # The update has moved these weights since; the backward pass used the old values.
            used = ", ".join(f"w[{r + 1},{neuron + 1}] was {fmt(weights[r, neuron], 3)}"
                             for r in range(min(above.units, 2)))
            more = " …" if above.units > 2 else ""
            out.append(f"  (layer {above.index + 1}: {used}{more} in this pass, before the update)\n",
                       style="dim")

    @classmethod
    def pass_weights(cls, snap: Snapshot, layer: LayerSnapshot) -> np.ndarray:
        """The weights the latest backward pass used: after the update, the old ones (W − ΔW)."""
        if cls.after_update(snap):
            return layer.weights - layer.update_weights
        return layer.weights

    def _check_line(self, out: Text, info: LayerSnapshot, neuron: int, column: int) -> None:
        key = self._snapshot_key()
        found = self._weight_checks.get((info.index, neuron, column))
        analytic = numeric = None
        if found is not None and found[2] == key:
            analytic, numeric = found[0], found[1]
        else:
            layer_check = self._layer_checks.get(info.index)
            if layer_check is not None and layer_check[1] == key:
                analytic = float(layer_check[0].analytic[neuron, column])
                numeric = float(layer_check[0].numeric[neuron, column])
        if analytic is None:
            out.append(" finite differences: press g\n", style="dim")
            return
        scale = max(abs(analytic), abs(numeric), 1e-12)
        error = abs(analytic - numeric) / scale
        ok = error < 1e-6
        out.append(" finite diff ", style="dim")
        out.append(fmt(numeric, 6))
        out.append(f" rel err {fmt(error, 2)} ", style="dim")
        out.append("✓\n" if ok else "✗\n", style="bold" if ok else "bold red")
