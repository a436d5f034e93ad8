"""The decision boundary and the per-neuron maps, in the spirit of TensorFlow Playground.

Both draw the network's output over the 2-D input plane with half-block cells:
``▀`` with the foreground colour for the upper pixel and the background colour
for the lower one, so a cell shows two pixels and the picture keeps square-ish
pixels. They use the Line API: the strips are built once per snapshot (or
resize, or toggle) from a small cache of styles, and each frame only hands
them out.
"""

from __future__ import annotations

import os

import numpy as np
from rich.cells import cell_len
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

# 16 colours (TEXTUAL_COLOR_SYSTEM=standard, or a terminal that only has those):
# the smooth scale above collapses to a few unrelated ANSI colours (red swatches,
# grey and yellow regions). Instead the picture uses the ANSI colours themselves,
# written as the exact RGB values of rich's standard palette so the downgrade
# maps each one back to its own ANSI index (the terminal's palette then decides
# the shade). Named colours ("yellow") would not do: Textual first turns them
# into the theme's RGB, which downgrades to a different index.
ANSI_YELLOW, ANSI_BRIGHT_YELLOW = "#aa5500", "#ffff55"
ANSI_BLUE, ANSI_BRIGHT_BLUE = "#0000aa", "#5555ff"
ANSI_WHITE, ANSI_BRIGHT_BLACK, ANSI_BRIGHT_WHITE = "#aaaaaa", "#555555", "#ffffff"
# Per class: (sure, unsure). Class 0 / negative = yellow, class 1 / positive = blue, then magenta …
ANSI_CLASS_COLOURS = (
    (ANSI_YELLOW, ANSI_BRIGHT_YELLOW), (ANSI_BLUE, ANSI_BRIGHT_BLUE), ("#aa00aa", "#ff55ff"),
    ("#00aa00", "#55ff55"), ("#00aaaa", "#55ffff"), ("#aa0000", "#ff5555"),
)
ANSI_UNSURE_BAND = 1  # signed keys this close to the middle are "unsure" (white)
ANSI_WEAK_BAND = 4  # … this close: the light shade of the side's colour

# A pixel is a small int: 0..2·LEVELS for the signed scale, CLASS_BASE + 2·class
# (+1 when the network is unsure) for classes.
CLASS_BASE = 100


def pixel_colour(key: int, ansi: bool = False) -> str:
    """The colour of a pixel key; ``ansi``: from the 16-colour palette."""
    if ansi:
        return _ansi_colour(key)
    if key < CLASS_BASE:
        return SIGNED[key]
    cls, unsure = divmod(key - CLASS_BASE, 2)
    colour = CLASS_COLOURS[cls % len(CLASS_COLOURS)]
    return _mix(colour, SIGNED[LEVELS], 0.55) if unsure else colour


def _ansi_colour(key: int) -> str:
    if key >= CLASS_BASE:
        cls, unsure = divmod(key - CLASS_BASE, 2)
        return ANSI_CLASS_COLOURS[cls % len(ANSI_CLASS_COLOURS)][unsure]
    offset = key - LEVELS
    if abs(offset) <= ANSI_UNSURE_BAND:
        return ANSI_WHITE
    sure, light = ANSI_CLASS_COLOURS[1 if offset > 0 else 0]
    return light if abs(offset) <= ANSI_WEAK_BAND else sure


def luminance(colour: str) -> float:
    r, g, b = _hex_to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def point_colour(key: int, background: str, ansi: bool = False) -> str:
    """A data point's colour: its class's hue, in the shade that stands out on ``background``.

    The point is drawn over the region colour (so the boundary stays visible
    under it); a point of the class the region predicts would vanish in the
    same colour, so it takes a darker or lighter shade of that hue instead.
    """
    if ansi:
        if key >= CLASS_BASE:
            shades = ANSI_CLASS_COLOURS[((key - CLASS_BASE) // 2) % len(ANSI_CLASS_COLOURS)]
        elif abs(key - LEVELS) <= ANSI_UNSURE_BAND:
            shades = (ANSI_BRIGHT_BLACK, ANSI_BRIGHT_WHITE)
        else:
            shades = ANSI_CLASS_COLOURS[1 if key > LEVELS else 0]
    else:
        base = pixel_colour(key - (key - CLASS_BASE) % 2 if key >= CLASS_BASE else key)
        shades = (_mix(base, "#000000", 0.5), _mix(base, "#ffffff", 0.55))
    back = luminance(background)
    return max(shades, key=lambda shade: abs(luminance(shade) - back))


_STYLES: dict[tuple[int, int, bool], Style] = {}


def pair_style(upper: int, lower: int, ansi: bool = False) -> Style:
    """The style of one ``▀`` cell, cached: a picture uses only a few dozen."""
    key = (upper, lower, ansi)
    style = _STYLES.get(key)
    if style is None:
        style = _STYLES[key] = Style(color=pixel_colour(upper, ansi), bgcolor=pixel_colour(lower, ansi))
    return style


def short_number(value: float) -> str:
    """A legend number: two significant digits, a real minus, no ``e+03``."""
    text = f"{value:.2g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", "\u2212")


def uses_ansi_palette(app) -> bool:
    """Is the app drawing with 16 colours (the env var, or what the terminal reported)?"""
    if os.environ.get("TEXTUAL_COLOR_SYSTEM", "").lower() == "standard":
        return True
    if getattr(app, "is_headless", False):
        return False  # tests and screenshots: the console of a headless app says "standard" regardless
    console = getattr(app, "console", None)
    return getattr(console, "color_system", None) == "standard"


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
    return Strip([Segment(text[:width].ljust(width), style or Style())], width)


def fit_parts(parts: list[tuple[int, list[Segment]]], width: int) -> list[Segment]:
    """Keep the parts (priority, segments) that fit in ``width``, most important (lowest) first.

    Whole parts are dropped rather than cut mid-number; they keep their order.
    """
    kept: set[int] = set()
    used = 0
    for index in sorted(range(len(parts)), key=lambda i: parts[i][0]):
        size = sum(len(segment.text) for segment in parts[index][1])
        if used + size <= width:
            kept.add(index)
            used += size
    return [segment for index, (_, segments) in enumerate(parts) if index in kept for segment in segments]


def first_fitting(forms: tuple[str, ...], room: int) -> str:
    """The longest of ``forms`` (longest first) that fits ``room`` cells, else the shortest: never a cut one."""
    return next((form for form in forms if cell_len(form) <= room), forms[-1])


class FittedTitles:
    """Border title and subtitle given in several forms, longest first: the pane shows the longest that fits
    its width (again after a resize), so a title is shortened, never cut."""

    _title_forms: tuple[str, ...] | None = None  # None: the title is set directly, left alone
    _subtitle_forms: tuple[str, ...] | None = None

    def set_title_forms(self, *forms: str) -> None:
        self._title_forms = forms
        self._fit_titles()

    def set_subtitle_forms(self, *forms: str) -> None:
        self._subtitle_forms = forms
        self._fit_titles()

    def on_resize(self) -> None:
        self._fit_titles()

    def _fit_titles(self) -> None:
        room = self.outer_size.width - 6  # corners, a rule either side and a space either side
        if self._title_forms is not None:
            self.border_title = first_fitting(self._title_forms, room) if self._title_forms else ""
        if self._subtitle_forms is not None:
            self.border_subtitle = first_fitting(self._subtitle_forms, room) if self._subtitle_forms else ""


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

    @property
    def ansi(self) -> bool:
        """Draw with the 16-colour palette (see ``ANSI_CLASS_COLOURS``)."""
        return uses_ansi_palette(self.app) if self.is_attached else False

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        key = (width, height, self.no_color, self.ansi)
        if self._strips is None or self._built_for != key:
            self._strips = self.build_strips(width, height)
            self._built_for = key
        # Every segment gets a real Style (the widget's own under the cell's): Textual's
        # NO_COLOR filter fails on a segment whose style is None.
        base = self.rich_style
        if y < len(self._strips):
            return self._strips[y].crop_extend(0, width, base).apply_style(base)
        return Strip.blank(width, base)

    def build_strips(self, width: int, height: int) -> list[Strip]:
        raise NotImplementedError

    def _cells(self, upper: np.ndarray, lower: np.ndarray, overlay: dict[int, tuple[str, Style]] | None = None,
               ) -> list[Segment]:
        """One row of cells; ``overlay`` maps a column to a glyph drawn instead (a data point)."""
        segments: list[Segment] = []
        mono = self.no_color
        ansi = self.ansi
        plain = Style()
        for x, (up, low) in enumerate(zip(upper.tolist(), lower.tolist())):
            if overlay and x in overlay:
                glyph, style = overlay[x]
                segments.append(Segment(glyph, style))
            elif mono:
                segments.append(Segment(density_glyph(up, low), plain))
            else:
                segments.append(Segment(UPPER_HALF, pair_style(up, low, ansi)))
        return list(Segment.simplify(segments))


class DecisionBoundary(FittedTitles, _PlaneWidget):
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
            for col, pixel_row, target in zip(cols.tolist(), pixel_rows.tolist(), targets):
                key = self.point_key(target)
                style = self.point_style(key, int(pixels[pixel_row, col]))
                overlays.setdefault(pixel_row // 2, {})[col] = (self.point_glyph(key, test), style)
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
            parts.append((1, [Segment(" "), self._swatch(0, pixel_colour(0, ansi)), Segment(short_number(lo), Style())]))
            parts.append((2, [Segment(" "), self._swatch(2 * LEVELS, pixel_colour(2 * LEVELS, ansi)),
                              Segment(short_number(hi), Style())]))
        points = (" □ ■ test" if self.no_color else " ○ test") if self.show_test else ""
        if snap.data_points is not None:
            # without colour a point's glyph says its side: ○ the low class (or value), ● the high one
            parts.append((20, [Segment((" ○ ● train" if self.no_color else " • train") + points, dim)]))
        if self.discretize:
            parts.append((21, [Segment(" discrete", dim)]))
        return Strip(fit_parts(parts, width)).crop_extend(0, width, Style())


class NeuronMaps(_PlaneWidget):
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
