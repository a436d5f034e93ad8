"""The gradient inspector: one layer, one neuron, one weight, with real numbers.

A thin widget: it keeps the selection and the finite-difference results and
shows the text ``app/inspector_text.py`` builds from an immutable ``Snapshot``
(it never touches the live network).
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.message import Message
from textual.widgets import Static

from tui_backprop.app.inspector_text import (  # noqa: F401  (the diagram colours its cells the same way)
    NEGATIVE_COLOURS,
    POSITIVE_COLOURS,
    View,
    build,
    magnitude_level,
)
from tui_backprop.app.graph_layout import lesson_renames
from tui_backprop.core.gradcheck import LayerCheck
from tui_backprop.training.snapshot import Snapshot


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
        self._body_height: tuple[int, int] | None = None  # (width, lines) of the text laid out last

    def compose(self):
        yield Static(id="inspector-body")

    def on_mount(self) -> None:
        self.border_title = "Gradients"
        self._render_body()

    def on_resize(self) -> None:
        # The text is laid out for the pane's width (View.width): a snapshot shown before the first layout,
        # or a new width, would leave lines fitted to another width.
        if self._body_height is None or self._body_height[0] != self.query_one("#inspector-body").content_size.width:
            self._render_body()

    # ------------------------------------------------------------ public API
    def show(self, snapshot: Snapshot | None) -> None:
        """Show a new snapshot, keeping the selection where it still exists."""
        self.snapshot = snapshot
        self.selection = self._clamped(*self.selection)
        self._render_body(steady=True)

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

    def _render_body(self, steady: bool = False) -> None:
        """``steady``: a new snapshot of the same view (a run redraws ten times a second). Its text keeps
        the height it had, padded, unless it grows: a new height means a new layout of the whole screen."""
        if not self.is_mounted:
            return
        text, lines = self.build_text()
        self._section_lines = lines
        body = self.query_one("#inspector-body", Static)
        width = body.content_size.width
        height = len(text.wrap(self.app.console, width)) if width > 0 else 0
        kept_width, kept = self._body_height or (None, 0)
        if steady and width > 0 and width == kept_width and height <= kept:
            text.append("\n" * (kept - height))  # values wrap differently as their digits change
            body.update(text, layout=False)
        else:
            body.update(text)
            self._body_height = (width, height) if width > 0 else None
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
    def view(self) -> View:
        """The selection, the pane's width, the lesson's names and the checks still valid for this snapshot."""
        layer, neuron, weight, _ = self.selection
        key = self._snapshot_key()
        found = self._weight_checks.get((layer, neuron, weight))
        layer_check = self._layer_checks.get(layer)
        return View(
            selection=self.selection,
            width=self.size.width if self.is_mounted else None,
            renames=lesson_renames(self),
            layer_check=layer_check[0] if layer_check is not None and layer_check[1] == key else None,
            weight_check=found[:2] if found is not None and found[2] == key else None,
        )

    def build_text(self) -> tuple[Text, dict[str, int]]:
        """The inspector's whole text, and the line where each section starts."""
        return build(self.snapshot, self.view())
