"""The decision boundary, in the spirit of TensorFlow Playground.

It draws the network's output (or one neuron's) over the 2-D input plane with
half-block cells: ``▀`` with the foreground colour for the upper pixel and the
background colour for the lower one, so a cell shows two pixels and the picture
keeps square-ish pixels. Pixels and colours come from ``app/plane_picture.py``,
the strips from ``app/widgets/plane.py``; the neuron maps are ``neuron_maps.py``.
"""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip

from tui_backprop.app.plane_picture import (CLASS_BASE, LEVELS, class_keys, density_glyph, fit_parts, pixel_colour,
                                            point_colour, sample_pixels, signed_keys, value_scale)
from tui_backprop.app.widgets.plane import FittedTitles, PlaneWidget, text_strip
from tui_backprop.core.figures import fmt


class DecisionBoundary(FittedTitles, PlaneWidget):
    """The network's output (or one neuron's) over the input plane, with the data on top."""

    DEFAULT_CSS = """
    DecisionBoundary {
        width: 1fr;
        height: 1fr;
        min-height: 4;
    }
    """

    show_test: reactive[bool] = reactive(False)
    discretize: reactive[bool] = reactive(False)
    neuron: reactive[tuple[int, int] | None] = reactive(None)  # (layer, unit) shown instead of the output

    def watch_show_test(self) -> None:
        self._invalidate()

    def watch_discretize(self) -> None:
        self._invalidate()

    def watch_neuron(self) -> None:
        self._invalidate()

    # ------------------------------------------------------------ the picture
    def plane_keys(self) -> tuple[np.ndarray, str] | None:
        """Key per grid point [rows, cols] and a caption of what is drawn."""
        snap = self.snapshot
        if snap is None or snap.grid is None:
            return None
        grid = snap.grid
        if self.neuron is not None and self.neuron[0] < len(grid.layer_outputs):
            layer, unit = self.neuron
            values = grid.layer_outputs[layer]
            unit = min(unit, values.shape[-1] - 1)
            plane = values[..., unit]
            middle, half = value_scale(snap.layers[layer].activation, plane)
            return signed_keys(plane, middle, half, self.discretize), f"layer {layer + 1} neuron {unit + 1}"
        output = grid.output
        if output.shape[-1] > 1:
            return class_keys(output, self.discretize), "output: class"
        middle, half = self.output_scale(output[..., 0])
        return signed_keys(output[..., 0], middle, half, self.discretize), "output"

    def output_scale(self, plane: np.ndarray) -> tuple[float, float]:
        snap = self.snapshot
        points = snap.data_points
        if points is not None and points.task == "classification":
            return (0.0, 1.0) if points.labels == "plus_minus_one" else (0.5, 0.5)
        middle, half = value_scale(snap.layers[-1].activation, plane)
        if points is not None and points.train_targets.size and middle == 0.0 and half != 1.0:
            half = max(half, float(np.abs(points.train_targets).max()))
        return middle, half

    def point_keys(self, targets: np.ndarray) -> list[int]:
        """The colour key of each data point's target (always the strong colour), all in one go."""
        if targets.shape[-1] > 1:
            return (CLASS_BASE + 2 * np.argmax(targets, axis=-1)).tolist()
        snap = self.snapshot
        middle, half = self.output_scale(snap.grid.output[..., 0])
        hard = snap.data_points.task == "classification"  # a label is a class: its full colour
        return signed_keys(targets[:, 0], middle, half, hard).tolist()

    def point_style(self, key: int, background_key: int) -> Style:
        """A point keeps the region's colour as its background; the glyph has its class's hue."""
        ansi = self.ansi
        background = pixel_colour(background_key, ansi)
        return Style(color=point_colour(key, background, ansi), bgcolor=background, bold=True)

    def point_glyph(self, key: int, test: bool) -> str:
        if not self.no_color:
            return "○" if test else "•"  # small glyphs: the region colour shows around them
        positive = key >= LEVELS if key < CLASS_BASE else (key - CLASS_BASE) // 2
        if key >= CLASS_BASE and positive > 1:
            return str(positive)  # several classes without colour: the class number
        glyphs = ("□", "■") if test else ("○", "●")
        return glyphs[1 if positive else 0]

    MAX_STRETCH = 3.0  # the plane may be this many times wider than tall (the pane is usually wide)

    def plot_size(self, width: int, plot_rows: int) -> tuple[int, int]:
        """(columns, rows) of the plane: square pixels when that fills the pane, else stretched sideways."""
        rows = max(1, min(plot_rows, width // 2)) if width < 2 * plot_rows else plot_rows
        square = 2 * rows
        columns = min(width, max(square, int(square * self.MAX_STRETCH)))
        return max(2, columns), max(1, rows)

    def build_strips(self, width: int, height: int) -> list[Strip]:
        snap = self.snapshot
        if width <= 0 or height <= 0:
            return []
        if snap is None:
            return [text_strip("No data yet.", width, Style(dim=True))]
        found = self.plane_keys()
        if found is None:
            return [text_strip("No decision boundary:", width, Style(dim=True)),
                    text_strip("the inputs are not 2-D.", width, Style(dim=True))]
        keys, caption = found
        caption_rows = 1 if height >= 6 else 0
        plot_w, plot_rows = self.plot_size(width, height - caption_rows)
        left = (width - plot_w) // 2
        pixels = sample_pixels(keys, plot_w, 2 * plot_rows)
        overlays = self._point_overlays(plot_w, plot_rows, pixels)
        pad = Segment(" " * left, Style()) if left else None
        strips = []
        for row in range(plot_rows):
            cells = self._cells(pixels[2 * row], pixels[2 * row + 1], overlays.get(row))
            strips.append(Strip(([pad] if pad else []) + cells))
        if caption_rows:
            strips.append(self._caption_strip(caption, width))
        return strips

    def _point_overlays(self, plot_w: int, plot_rows: int, pixels: np.ndarray,
                        ) -> dict[int, dict[int, tuple[str, Style]]]:
        snap = self.snapshot
        points = snap.data_points
        overlays: dict[int, dict[int, tuple[str, Style]]] = {}
        if points is None:
            return overlays
        x0, x1, y0, y1 = snap.grid.extent
        sets = [(points.train_points, points.train_targets, False)]
        if self.show_test:
            sets.append((points.test_points, points.test_targets, True))
        for xy, targets, test in sets:
            if not len(xy):
                continue
            cols = np.clip(((xy[:, 0] - x0) / (x1 - x0) * plot_w).astype(int), 0, plot_w - 1)
            pixel_rows = np.clip(((y1 - xy[:, 1]) / (y1 - y0) * 2 * plot_rows).astype(int), 0, 2 * plot_rows - 1)
            backgrounds = pixels[pixel_rows, cols].tolist()
            looks: dict[tuple[int, int], tuple[str, Style]] = {}  # a few (class, region) pairs among many points
            for col, pixel_row, key, background in zip(cols.tolist(), pixel_rows.tolist(), self.point_keys(targets),
                                                       backgrounds):
                look = looks.get((key, background))
                if look is None:
                    look = looks[key, background] = (self.point_glyph(key, test), self.point_style(key, background))
                overlays.setdefault(pixel_row // 2, {})[col] = look
        return overlays

    def _swatch(self, key: int, colour) -> Segment:
        """A legend's sample of a region: its colour, or without colour its shading glyph in brackets."""
        if self.no_color:
            return Segment(f"[{density_glyph(key, key)}]", Style())
        return Segment("■", Style(color=colour))

    def _caption_strip(self, caption: str, width: int) -> Strip:
        """What is drawn, a legend in the picture's own colours; parts that do not fit are left out."""
        snap = self.snapshot
        ansi = self.ansi
        dim = Style(dim=True)
        parts: list[tuple[int, list[Segment]]] = [(0, [Segment(caption, Style(bold=True))])]
        low_name, high_name = "0", "1"  # without colour: what ○ and ● stand for
        if caption.startswith("output: class"):
            classes = snap.grid.output.shape[-1]
            for cls in range(classes):
                colour = pixel_colour(CLASS_BASE + 2 * cls, ansi)
                parts.append((1 + cls, [Segment(" "), self._swatch(CLASS_BASE + 2 * cls, colour), Segment(f"{cls}", Style())]))
        else:
            if caption == "output":
                middle, half = self.output_scale(snap.grid.output[..., 0])
            else:
                layer, unit = self.neuron
                middle, half = value_scale(snap.layers[layer].activation, snap.grid.layer_outputs[layer][..., unit])
            lo, hi = middle - half, middle + half
            low_name, high_name = fmt(lo, 2), fmt(hi, 2)
            parts.append((1, [Segment(" "), self._swatch(0, pixel_colour(0, ansi)), Segment(low_name, Style())]))
            parts.append((2, [Segment(" "), self._swatch(2 * LEVELS, pixel_colour(2 * LEVELS, ansi)),
                              Segment(high_name, Style())]))
        if snap.data_points is not None:
            # without colour a point's glyph says its side: ○ the low class (or value), ● the high one
            sides = f" ○{low_name} ●{high_name}"
            parts.append((20, [Segment(f" train{sides}" if self.no_color else " • train", dim)]))
            if self.show_test:
                parts.append((22, [Segment(f" test □{low_name} ■{high_name}" if self.no_color else " ○ test", dim)]))
        if self.discretize:
            parts.append((21, [Segment(" discrete", dim)]))
        return Strip(fit_parts(parts, width)).crop_extend(0, width, Style())
