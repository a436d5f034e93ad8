"""The input-plane picture's pixels, colours and legend fitting, from arrays alone (no Textual).

The decision boundary, the neuron maps, the digits view and the loss landscape
draw with half-block cells (``▀``: the foreground colour is the upper pixel, the
background the lower one). This module turns values into pixel keys (small ints),
keys into colours (24-bit, the 16-colour palette, or a density glyph without
colour) and fits a legend into a width; ``app/widgets/plane.py`` turns them into
strips. Unit-tested without an app (``tests/app/test_plane_picture.py``).
"""

from __future__ import annotations

import os

import numpy as np
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style

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
