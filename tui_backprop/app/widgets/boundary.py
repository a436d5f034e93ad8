"""The decision boundary and the per-neuron maps, in the spirit of TensorFlow Playground.

Both draw the network's output over the 2-D input plane with half-block cells:
``▀`` with the foreground colour for the upper pixel and the background colour
for the lower one, so a cell shows two pixels and the picture keeps square-ish
pixels. They use the Line API: the strips are built once per snapshot (or
resize, or toggle) from a small cache of styles, and each frame only hands
them out.
"""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from tui_backprop.training.session import Snapshot

UPPER_HALF = "▀"
DENSITY = " ░▒▓█"  # NO_COLOR: brightness by glyph instead of by colour

# Orange (negative / class 0) → light grey → blue (positive / class 1), as in
# Playground. Each colour was checked against rich's downgrade to the 16-colour
# palette: the warm half lands on bright red / bright yellow, the middle on
# white / grey and the cool half on bright blue / blue, so the sign survives
# TEXTUAL_COLOR_SYSTEM=standard.
_ANCHORS = ("#e8701a", "#f59322", "#f8b050", "#f2d4ae", "#e8eaeb", "#b0d0f0", "#4090e0", "#1060c0", "#0848a8")
LEVELS = 8  # colour steps on each side of the middle


def _hex_to_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


def _mix(a: str, b: str, t: float) -> str:
    ra, rb = _hex_to_rgb(a), _hex_to_rgb(b)
    return "#%02x%02x%02x" % tuple(round(x + (y - x) * t) for x, y in zip(ra, rb))


def _signed_palette() -> list[str]:
    """2·LEVELS+1 colours: index 0 strongest negative, LEVELS the middle."""
    out = []
    steps = len(_ANCHORS) - 1
    for i in range(2 * LEVELS + 1):
        pos = i * steps / (2 * LEVELS)
        lo = min(int(pos), steps - 1)
        out.append(_mix(_ANCHORS[lo], _ANCHORS[lo + 1], pos - lo))
    return out


SIGNED = _signed_palette()
# Multi-class: one hue per argmax class (the first two match the binary picture).
CLASS_COLOURS = ("#f59322", "#4090e0", "#2ca02c", "#e377c2", "#17becf", "#d62728", "#8c564b", "#bcbd22")
POINT_BACKGROUND = "#202020"  # a dark halo so a point shows on any region colour

# A pixel is a small int: 0..2·LEVELS for the signed scale, CLASS_BASE + 2·class
# (+1 when the network is unsure) for classes.
CLASS_BASE = 100


def pixel_colour(key: int) -> str:
    if key < CLASS_BASE:
        return SIGNED[key]
    cls, unsure = divmod(key - CLASS_BASE, 2)
    colour = CLASS_COLOURS[cls % len(CLASS_COLOURS)]
    return _mix(colour, SIGNED[LEVELS], 0.55) if unsure else colour


_STYLES: dict[tuple[int, int], Style] = {}


def pair_style(upper: int, lower: int) -> Style:
    """The style of one ``▀`` cell, cached: a picture uses only a few dozen."""
    key = (upper, lower)
    style = _STYLES.get(key)
    if style is None:
        style = _STYLES[key] = Style(color=pixel_colour(upper), bgcolor=pixel_colour(lower))
    return style


def density_glyph(key_upper: int, key_lower: int) -> str:
    def share(key: int) -> float:
        if key < CLASS_BASE:
            return key / (2 * LEVELS)
        cls = (key - CLASS_BASE) // 2
        return min(cls, 4) / 4
    value = (share(key_upper) + share(key_lower)) / 2
    return DENSITY[min(int(value * len(DENSITY)), len(DENSITY) - 1)]


def value_scale(activation: str, values: np.ndarray) -> tuple[float, float]:
    """(middle, half range) that maps an activation's outputs onto the colours."""
    if activation == "tanh":
        return 0.0, 1.0
    if activation in ("sigmoid", "softmax"):
        return 0.5, 0.5
    finite = values[np.isfinite(values)]
    half = float(np.abs(finite).max()) if finite.size else 1.0
    return 0.0, half if half > 0 else 1.0


def signed_keys(values: np.ndarray, middle: float, half: float, discretize: bool) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        norm = np.clip((values - middle) / half, -1.0, 1.0)
    norm = np.nan_to_num(norm)
    if discretize:
        norm = np.where(norm >= 0, 1.0, -1.0)
    return np.rint((norm + 1.0) * LEVELS).astype(np.int64)


def class_keys(values: np.ndarray, discretize: bool) -> np.ndarray:
    """values: [..., classes] → key per pixel (argmax class, light when unsure)."""
    cls = np.argmax(np.nan_to_num(values), axis=-1)
    unsure = np.zeros_like(cls) if discretize else (np.max(values, axis=-1) < 0.7).astype(np.int64)
    return CLASS_BASE + 2 * cls + unsure


def sample_pixels(keys: np.ndarray, width: int, pixel_rows: int) -> np.ndarray:
    """Nearest-neighbour resample of a [rows, cols] key grid to [pixel_rows, width]."""
    rows, cols = keys.shape
    r = np.minimum((np.arange(pixel_rows) * rows) // max(pixel_rows, 1), rows - 1)
    c = np.minimum((np.arange(width) * cols) // max(width, 1), cols - 1)
    return keys[np.ix_(r, c)]


def text_strip(text: str, width: int, style: Style | None = None) -> Strip:
    return Strip([Segment(text[:width].ljust(width), style)], width)


class _PlaneWidget(Widget):
    """Shared machinery: turn key grids into strips of ``▀`` cells."""

    def __init__(self, snapshot: Snapshot | None = None, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.snapshot = snapshot
        self._strips: list[Strip] | None = None
        self._built_for: tuple | None = None

    def show(self, snapshot: Snapshot | None) -> None:
        self.snapshot = snapshot
        self._strips = None
        self.refresh()

    def _invalidate(self) -> None:
        self._strips = None
        self.refresh()

    @property
    def no_color(self) -> bool:
        return bool(getattr(self.app, "no_color", False)) if self.is_attached else False

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        if self._strips is None or self._built_for != (width, height):
            self._strips = self.build_strips(width, height)
            self._built_for = (width, height)
        if y < len(self._strips):
            return self._strips[y].crop_extend(0, width, None)
        return Strip.blank(width)

    def build_strips(self, width: int, height: int) -> list[Strip]:
        raise NotImplementedError

    def _cells(self, upper: np.ndarray, lower: np.ndarray, overlay: dict[int, tuple[str, Style]] | None = None,
               ) -> list[Segment]:
        """One row of cells; ``overlay`` maps a column to a glyph drawn instead (a data point)."""
        segments: list[Segment] = []
        mono = self.no_color
        for x, (up, low) in enumerate(zip(upper.tolist(), lower.tolist())):
            if overlay and x in overlay:
                glyph, style = overlay[x]
                segments.append(Segment(glyph, style))
            elif mono:
                segments.append(Segment(density_glyph(up, low)))
            else:
                segments.append(Segment(UPPER_HALF, pair_style(up, low)))
        return list(Segment.simplify(segments))


class DecisionBoundary(_PlaneWidget):
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

    def point_key(self, target: np.ndarray) -> int:
        """The colour key of a data point's target (always the strong colour)."""
        if target.shape[-1] > 1:
            return CLASS_BASE + 2 * int(np.argmax(target))
        snap = self.snapshot
        middle, half = self.output_scale(snap.grid.output[..., 0])
        hard = snap.data_points.task == "classification"  # a label is a class: its full colour
        return int(signed_keys(np.array([target[0]]), middle, half, hard)[0])

    def point_style(self, key: int) -> Style:
        if key >= CLASS_BASE:
            colour = pixel_colour(key)
        elif abs(key - LEVELS) < LEVELS // 2:
            colour = "#ffffff"  # a target near the middle: white, not a faint tint
        else:
            # The bright ends of the scale: they stay visible on the dark halo in 16 colours too.
            colour = SIGNED[LEVELS // 4] if key < LEVELS else SIGNED[LEVELS + LEVELS // 2]
        return Style(color=colour, bgcolor=POINT_BACKGROUND, bold=True)

    def point_glyph(self, key: int, test: bool) -> str:
        if not self.no_color:
            return "○" if test else "●"
        positive = key >= LEVELS if key < CLASS_BASE else (key - CLASS_BASE) // 2
        if key >= CLASS_BASE and positive > 1:
            return str(positive)  # several classes without colour: the class number
        glyphs = ("□", "■") if test else ("○", "●")
        return glyphs[1 if positive else 0]

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
        plot_rows = height - caption_rows
        side = max(2, min(width, 2 * plot_rows))  # square plane: one pixel per column, two per row
        plot_w, plot_rows = side, side // 2
        left = (width - plot_w) // 2
        pixels = sample_pixels(keys, plot_w, 2 * plot_rows)
        overlays = self._point_overlays(plot_w, plot_rows)
        pad = Segment(" " * left) if left else None
        strips = []
        for row in range(plot_rows):
            cells = self._cells(pixels[2 * row], pixels[2 * row + 1], overlays.get(row))
            strips.append(Strip(([pad] if pad else []) + cells))
        if caption_rows:
            strips.append(self._caption_strip(caption, width))
        return strips

    def _point_overlays(self, plot_w: int, plot_rows: int) -> dict[int, dict[int, tuple[str, Style]]]:
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
            rows = np.clip(((y1 - xy[:, 1]) / (y1 - y0) * 2 * plot_rows).astype(int), 0, 2 * plot_rows - 1) // 2
            for col, row, target in zip(cols.tolist(), rows.tolist(), targets):
                key = self.point_key(target)
                overlays.setdefault(row, {})[col] = (self.point_glyph(key, test), self.point_style(key))
        return overlays

    def _caption_strip(self, caption: str, width: int) -> Strip:
        snap = self.snapshot
        segments = [Segment(caption, Style(bold=True))]
        if not caption.startswith("output: class"):
            if caption == "output":
                middle, half = self.output_scale(snap.grid.output[..., 0])
            else:
                layer, unit = self.neuron
                middle, half = value_scale(snap.layers[layer].activation, snap.grid.layer_outputs[layer][..., unit])
            lo, hi = middle - half, middle + half
            segments += [Segment(" "), Segment("■", Style(color=SIGNED[0])), Segment(f"{lo:.3g} "),
                         Segment("■", Style(color=SIGNED[-1])), Segment(f"{hi:.3g}")]
        segments.append(Segment(" ● train" + (" ○ test" if self.show_test else ""), Style(dim=True)))
        if self.discretize:
            segments.append(Segment(" discrete", Style(dim=True)))
        text = "".join(s.text for s in segments).replace("-", "\u2212")
        strip = Strip([Segment(s.text.replace("-", "\u2212"), s.style) for s in segments])
        return strip.crop_extend(0, width, None) if len(text) <= width else strip.crop(0, width)


class NeuronMaps(_PlaneWidget):
    """A row of small maps, one per neuron of the selected layer (Playground's neuron pictures)."""

    DEFAULT_CSS = """
    NeuronMaps {
        width: 1fr;
        height: 6;
    }
    """

    # Not ``layer``: Widget.layer is the CSS layer the compositor reads.
    layer_index: reactive[int] = reactive(0)
    selected: reactive[int | None] = reactive(None)  # neuron highlighted under its map

    def select(self, layer: int, neuron: int | None = None) -> None:
        self.layer_index = layer
        self.selected = neuron

    def watch_layer_index(self) -> None:
        self._invalidate()

    def watch_selected(self) -> None:
        self._invalidate()

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
        rows = max(1, height - 1)  # last line: neuron numbers
        size = max(2, min(2 * rows, 12, (width + 1) // units - 1))  # pixels per side
        fit = max(1, min(units, (width + 1) // (size + 1)))
        if fit < units:  # leave room for the "+N" note
            fit = max(1, min(units, (width - 4) // (size + 1)))
        map_rows = size // 2
        pictures = []
        for unit in range(fit):
            plane = values[..., unit]
            if activation == "softmax":
                keys = signed_keys(plane, 0.5, 0.5, False)
            else:
                middle, half = value_scale(activation, plane)
                keys = signed_keys(plane, middle, half, False)
            pictures.append(sample_pixels(keys, size, 2 * map_rows))
        gap = Segment(" ")
        strips = []
        for row in range(map_rows):
            segments: list[Segment] = []
            for unit, pixels in enumerate(pictures):
                if unit:
                    segments.append(gap)
                segments += self._cells(pixels[2 * row], pixels[2 * row + 1])
            strips.append(Strip(segments))
        labels: list[Segment] = []
        for unit in range(fit):
            label = f"{unit + 1}".center(size)[:size]
            style = Style(reverse=True, bold=True) if unit == self.selected else Style(dim=True)
            if unit:
                labels.append(gap)
            labels.append(Segment(label, style))
        if fit < units:
            labels.append(Segment(f" +{units - fit}", Style(dim=True)))
        strips.append(Strip(labels))
        return strips
