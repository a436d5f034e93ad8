"""The digits view: one handwritten digit, what the network thinks it is, and what layer 1 learned.

Left: the selected digit's 8×8 pixels. Middle: the probability the network
gives each digit. Below: each hidden unit of layer 1 as an 8×8 picture of
its 64 incoming weights (blue: ink there raises the unit's input, orange:
ink there lowers it), scaled per unit. Under NO_COLOR the pictures use
glyphs: ``#`` and ``+`` positive, ``-`` and ``=`` negative.
"""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from tui_backprop.app.screens.view import ViewScreen
from tui_backprop.app.plane_picture import LEVELS, pixel_colour, uses_ansi_palette
from tui_backprop.app.widgets.footer import FittedFooter
from tui_backprop.core.datasets import DIGITS_SIDE
from tui_backprop.core.landscape import flat_params

INK = " ░▒▓█"  # a pixel's ink, 0 … 1, two characters wide
SIGNED_GLYPHS = "=- +#"  # NO_COLOR: strongly negative … strongly positive
GAP = 2  # columns between two unit pictures
INPUT_LABEL = "network input"  # under the digit: what the network reads (14 cells fit the pane)


def ink_lines(pixels: np.ndarray) -> list[str]:
    """An 8×8 image with values 0..1 as 8 lines of 16 characters (two per pixel, so it looks square)."""
    out = []
    for row in pixels.reshape(DIGITS_SIDE, DIGITS_SIDE):
        out.append("".join(INK[min(int(v * len(INK)), len(INK) - 1)] * 2 for v in np.clip(row, 0.0, 1.0)))
    return out


def probability_lines(probabilities: np.ndarray, label: int | None, width: int = 20) -> list[str]:
    """One bar per digit; the true digit and the network's choice are marked."""
    choice = int(np.argmax(probabilities))
    out = []
    for digit, p in enumerate(probabilities):
        filled = int(round(p * width))
        mark = ("◀ answer" if digit == label else "") + (" ◀ guess" if digit == choice and digit != label else "")
        out.append(f"{digit} {'█' * filled}{'·' * (width - filled)} {p:6.1%} {mark}".rstrip())
    return out


def units_title(mono: bool) -> str:
    """Fits 80 columns; without colour the legend names the glyphs instead of blue and orange."""
    legend = "+# positive, -= negative" if mono else "blue +, orange −"
    return f"Layer 1 weights, 8×8 per unit: {legend} (scaled per unit)"


class UnitPictures(Widget):
    """Layer 1's units, each its incoming weights as an 8×8 picture (half blocks: 4 rows of 8 cells)."""

    DEFAULT_CSS = "UnitPictures { height: auto; width: 1fr; }"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.weights: np.ndarray | None = None  # [units, 64]

    def show(self, weights: np.ndarray) -> None:
        self.weights = weights
        self.refresh(layout=True)

    def _per_row(self, width: int) -> int:
        return max(1, (width + GAP) // (DIGITS_SIDE + GAP))

    @property
    def mono(self) -> bool:
        return bool(getattr(self.app, "no_color", False))

    def _picture_rows(self) -> int:
        return DIGITS_SIDE if self.mono else DIGITS_SIDE // 2

    def get_content_height(self, container, viewport, width: int) -> int:
        if self.weights is None:
            return 1
        rows = -(-len(self.weights) // self._per_row(width))
        return rows * (self._picture_rows() + 1)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if self.weights is None:
            return Strip.blank(width, base)
        per_row = self._per_row(width)
        band = self._picture_rows() + 1
        block, line = divmod(y, band)
        first = block * per_row
        units = range(first, min(first + per_row, len(self.weights)))
        segments: list[Segment] = []
        ansi = uses_ansi_palette(self.app)
        for unit in units:
            if line == band - 1:
                segments.append(Segment(f"unit {unit + 1}".ljust(DIGITS_SIDE + GAP)[: DIGITS_SIDE + GAP], Style()))
                continue
            w = self.weights[unit].reshape(DIGITS_SIDE, DIGITS_SIDE)
            scale = float(np.abs(w).max()) or 1.0
            keys = np.rint(np.clip(w / scale, -1, 1) * LEVELS).astype(int) + LEVELS  # 0 … 2·LEVELS
            if self.mono:
                glyphs = "".join(SIGNED_GLYPHS[min(int(k / (2 * LEVELS) * 5), 4)] for k in keys[line])
                segments.append(Segment(glyphs, Style()))
            else:
                upper, lower = keys[2 * line], keys[2 * line + 1]
                for up, low in zip(upper.tolist(), lower.tolist()):
                    segments.append(Segment("▀", Style(color=pixel_colour(up, ansi), bgcolor=pixel_colour(low, ansi))))
            segments.append(Segment(" " * GAP, Style()))
        return Strip(list(Segment.simplify(segments))).crop_extend(0, width, base).apply_style(base)


class DigitsScreen(ViewScreen):
    VIEW_ACTION = "digits"
    BINDINGS = [
        Binding("left,comma", "sample(-1)", "digit", key_display="←", id="digits.previous",
                tooltip="The previous digit"),
        Binding("right,full_stop", "sample(1)", "digit", key_display="→", id="digits.next",
                tooltip="The next digit"),
        Binding("t", "toggle_set", "test/train", id="digits.set", tooltip="Test images or training images"),
    ]
    DEFAULT_CSS = """
    DigitsScreen #digits-top { height: 12; }
    DigitsScreen #digit-image { width: 20; border: round $primary; padding: 0 1; }
    DigitsScreen #digit-probabilities { width: 1fr; border: round $primary; padding: 0 1; }
    DigitsScreen #digit-units { height: 1fr; border: round $primary; }
    """
    REDRAW_EVERY = 0.25

    def __init__(self, owner):
        super().__init__(owner)  # the app: its session, newest snapshot, and keys to run and step
        self.index = 0
        self.test_set = True
        self._net = None
        self._shown = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="digits-top"):
            yield Static("", id="digit-image")
            yield Static("", id="digit-probabilities")
        with VerticalScroll(id="digit-units"):
            yield UnitPictures(id="unit-pictures")
        yield FittedFooter()

    def on_mount(self) -> None:
        # Each pane says what it is: the network's input, its output, layer 1's weights.
        self.query_one("#digit-image").border_subtitle = INPUT_LABEL
        self.query_one("#digit-units").border_title = units_title(self.query_one(UnitPictures).mono)
        self.set_interval(self.REDRAW_EVERY, self._redraw)
        self._redraw(force=True)

    def action_sample(self, direction: int) -> None:
        self.index = (self.index + direction) % len(self._samples()[0])
        self._redraw(force=True)

    def action_toggle_set(self) -> None:
        self.test_set = not self.test_set
        self.index = 0
        self._redraw(force=True)

    def _samples(self) -> tuple[np.ndarray, np.ndarray]:
        data = self.owner.session.data
        if self.test_set and len(data.x_test):
            return data.x_test, data.y_test
        return data.x_train, data.y_train

    def _redraw(self, force: bool = False) -> None:
        snap = self.owner.latest_snapshot
        if snap is None or (snap is self._shown and not force):
            return
        self._shown = snap
        session = self.owner.session
        if self._net is None or self._net.params.size != sum(l.weights.size + (0 if l.biases is None else l.biases.size)
                                                            for l in snap.layers):
            self._net = self.owner.runner.read(lambda s: s.network.clone())
        self._net.params[...] = flat_params((layer.weights, layer.biases) for layer in snap.layers)
        x, y = self._samples()
        self.index %= len(x)
        pixels, target = x[self.index], y[self.index]
        with np.errstate(all="ignore"):
            probabilities = self._net.predict(pixels[None, :])[0]
        label = int(np.argmax(target))
        which = "test" if self.test_set and len(session.data.x_test) else "training"
        image = self.query_one("#digit-image", Static)
        image.border_title = f"{which} {self.index + 1}/{len(x)}"
        image.update("\n".join(ink_lines(pixels)) + f"\nthis is a {label}")
        probs = self.query_one("#digit-probabilities", Static)
        probs.border_title = f"Output after step {snap.step:,}: probability of each digit"
        probs.update("\n".join(probability_lines(probabilities, label)))
        self.query_one(UnitPictures).show(snap.layers[0].weights)
