"""The neuron maps: one small picture per unit of a layer over the input plane (Playground's neuron pictures)."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip

from tui_backprop.app.plane_picture import first_fitting, sample_pixels, signed_keys, value_scale
from tui_backprop.app.widgets.plane import PlaneWidget, text_strip
from tui_backprop.training.session import Snapshot


class NeuronMaps(PlaneWidget):
    """Small maps, one per unit of the selected hidden layer (Playground's neuron pictures).

    A map is never shrunk below ``MIN_MAP`` pixels a side (smaller, it shows a colour, not a
    shape): when a layer's units do not all fit, the maps show one page of them, the page of
    the unit selected in the inspector (↑ ↓ there walk through every unit), and the caption
    says which layer and which units are shown.
    """

    DEFAULT_CSS = """
    NeuronMaps {
        width: 1fr;
        height: 6;
    }
    """

    MIN_MAP = 8  # pixels a side
    MAX_MAP = 12

    # Not ``layer``: Widget.layer is the CSS layer the compositor reads.
    layer_index: reactive[int] = reactive(0)
    selected: reactive[int | None] = reactive(None)  # neuron highlighted under its map

    def __init__(self, snapshot: Snapshot | None = None, **kwargs) -> None:
        super().__init__(snapshot, **kwargs)
        self.first = 0  # the first unit shown (its page)
        self.shown: range = range(0)  # the units the maps show now

    def select(self, layer: int, neuron: int | None = None) -> None:
        if layer != self.layer_index:
            self.first = 0
        self.layer_index = layer
        self.selected = neuron

    def watch_layer_index(self) -> None:
        self._invalidate()

    def watch_selected(self) -> None:
        self._invalidate()

    def layout_maps(self, units: int, width: int, rows: int) -> tuple[int, int]:
        """(pixels a side, maps a page) for ``units`` maps in ``width`` cells and ``rows`` text rows."""
        tallest = max(2, 2 * rows)
        size = max(2, min(tallest, self.MAX_MAP, (width + 1) // units - 1))
        smallest = min(self.MIN_MAP, tallest, max(2, width))
        if size < smallest - (1 if smallest == tallest else 0):  # too small to show a shape: page them
            fit = max(1, (width + 1) // (smallest + 1))
            size = max(smallest, min(tallest, self.MAX_MAP, (width + 1) // fit - 1))
            return size, max(1, min(units, (width + 1) // (size + 1)))
        return size, units

    def build_strips(self, width: int, height: int) -> list[Strip]:
        snap = self.snapshot
        if width <= 0 or height <= 0:
            return []
        if snap is None or snap.grid is None:
            return [text_strip("No neuron maps: the inputs are not 2-D." if snap else "No data yet.",
                               width, Style(dim=True))]
        layer = min(max(self.layer_index, 0), len(snap.grid.layer_outputs) - 1)
        values = snap.grid.layer_outputs[layer]
        units = values.shape[-1]
        activation = snap.layers[layer].activation
        caption_rows = 1 if height >= 3 else 0  # first line: what the maps are
        rows = max(1, height - 1 - caption_rows)  # last line: neuron numbers
        size, fit = self.layout_maps(units, width, rows)
        first = min(self.first, max(units - 1, 0))
        if self.selected is not None and not first <= self.selected < first + fit:
            first = (min(self.selected, units - 1) // fit) * fit
        self.first = first = (first // fit) * fit
        self.shown = range(first, min(first + fit, units))
        map_rows = size // 2
        pictures = []
        for unit in self.shown:
            plane = values[..., unit]
            if activation == "softmax":
                keys = signed_keys(plane, 0.5, 0.5, False)
            else:
                middle, half = value_scale(activation, plane)
                keys = signed_keys(plane, middle, half, False)
            pictures.append(sample_pixels(keys, size, 2 * map_rows))
        gap = Segment(" ", Style())
        strips = []
        if caption_rows:
            forms = self.caption(layer, len(snap.layers), self.shown, units)
            caption = first_fitting(forms, width)
            strips.append(text_strip(caption, width, Style(dim=True)))
        for row in range(map_rows):
            segments: list[Segment] = []
            for index, pixels in enumerate(pictures):
                if index:
                    segments.append(gap)
                segments += self._cells(pixels[2 * row], pixels[2 * row + 1])
            strips.append(Strip(segments))
        labels: list[Segment] = []
        for index, unit in enumerate(self.shown):
            label = f"{unit + 1}".center(size)[:size]
            style = Style(reverse=True, bold=True) if unit == self.selected else Style(dim=True)
            if index:
                labels.append(gap)
            labels.append(Segment(label, style))
        strips.append(Strip(labels))
        return strips

    def caption(self, layer: int, layers: int, shown: range | None = None, units: int = 0) -> tuple[str, ...]:
        """One short line saying what the little maps are, from the longest form to the shortest."""
        if layer == layers - 1:
            return ("output units over the input plane", "output units", "output")
        if shown is None or len(shown) >= units:
            return (f"layer {layer + 1} units: what each computes", f"layer {layer + 1}: each unit's output",
                    f"layer {layer + 1} units", f"L{layer + 1}")
        which = f"{shown.start + 1}" if len(shown) == 1 else f"{shown.start + 1}–{shown.stop}"
        noun = "unit" if len(shown) == 1 else "units"
        return (f"layer {layer + 1} {noun} {which} of {units} (↑↓ in the inspector)",
                f"layer {layer + 1} {noun} {which} of {units}", f"L{layer + 1} {noun} {which} of {units}",
                f"L{layer + 1} {which}/{units}")
