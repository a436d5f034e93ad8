"""Live loss curve: training loss per step, test loss per epoch (plotext).

Each series is drawn as its mean line over a dotted band from min to max:
the history keeps a run's first steps and its newest ones exactly, and buckets
with their range in between (see ``training/history.py``), so neither the
start of a run nor a spike vanishes. Focused, it has a cursor: left/right walk
through the recorded entries and the one under the cursor is written above
the plot, a bucket as its steps, mean, min and max.
``a`` switches to the accuracy curve for classification data.

plotext is imported just after the first frame (``late_plot.py``): until then
the pane shows only its readout.
"""

from __future__ import annotations

import re

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from tui_backprop.app.widgets.late_plot import LatePlot

from tui_backprop.training.history import Points
from tui_backprop.training.session import Snapshot

CLIP = 1e12


def downsample(x: np.ndarray, y: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """Bucket means, about ``points`` of them: plotting cost stays flat for long runs."""
    n = len(x)
    if n <= points or points < 2:
        return x, y
    edges = np.linspace(0, n, points + 1).astype(int)
    edges = np.unique(edges[:-1])
    counts = np.diff(np.append(edges, n))
    return np.add.reduceat(x, edges) / counts, np.add.reduceat(y, edges) / counts


def short_number(value: float) -> str:
    """Tick labels of at most 5 characters, so a narrow pane keeps room for the curve."""
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        text = f"{value:.3g}"
        return text if len(text) <= 5 else f"{value:.2g}"
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def spans_decades(values: np.ndarray) -> bool:
    """A loss over many decades (a diverging run) is unreadable on a linear axis."""
    positive = values[np.isfinite(values) & (values > 0)]
    return len(positive) > 1 and positive.max() > 1e4 * positive.min()


# The second series is dotted, so train/test and run A/B differ without colour too (NO_COLOR).
MARKERS = ("braille", "•")
LEGEND = ("━", "•")
BAND = "·"  # a bucket's min–max range, behind its mean
BAND_MIN = 0.02  # a band thinner than this share of the axis everywhere would only hide the other lines
# plotext's cyan and orange as both Textual and Rich markup read them (Rich's "dark_orange" is no Textual colour).
MARKUP_COLOURS = ("cyan", "#ff8c00")
SHORT = {"log scale (auto)": "log (auto)", "←/→ move · esc hides": "←/→ esc", "←/→ cursor": "←/→"}
TINY = 1e-30  # on a log scale, smaller losses (and 0) are drawn at a labelled floor no lower than this


def columns(points: Points, start: float, end: float, count: int) -> Points:
    """Entries grouped into ``count`` equal spans of steps: plotting cost stays flat for long runs.

    A group's value is the count-weighted mean, its range the min of the lows and
    the max of the highs, so a spike in any bucket survives as the group's max.
    """
    n = len(points)
    if n <= count or count < 2:
        return points
    span = max(end - start, 1e-12)
    where = np.clip(((points.x - start) / span * count).astype(int), 0, count - 1)
    edges = np.flatnonzero(np.r_[True, where[1:] != where[:-1]])
    w = np.add.reduceat(points.count, edges)
    with np.errstate(invalid="ignore"):
        return Points(np.add.reduceat(points.x * points.count, edges) / w,
                      np.add.reduceat(points.y * points.count, edges) / w,
                      np.fmin.reduceat(points.low, edges), np.fmax.reduceat(points.high, edges),
                      points.first[edges], points.last[np.r_[edges[1:] - 1, n - 1]], w)


def finite(points: Points) -> Points:
    ok = np.isfinite(points.y)
    return points if ok.all() else Points(*(getattr(points, f)[ok] for f in Points.__dataclass_fields__))


def log_floor(series) -> tuple[float, str | None]:
    """Where a loss of 0 or a tiny one is drawn on a log scale, and the note saying so (None: nothing is).

    A tenth of the smallest positive value, never below ``TINY`` (1e-16 when nothing is positive).
    """
    values = np.concatenate([np.r_[p.y, p.low] for p, _, _ in series])
    values = values[np.isfinite(values)]
    positive = values[values > 0]
    floor = max(float(positive.min()) / 10, TINY) if positive.size else 1e-16
    if (positive <= floor).any():
        return floor, f"≤{short_number(floor)} drawn at {short_number(floor)}"
    if (values <= 0).any():
        return floor, f"0 drawn at {short_number(floor)}"
    return floor, None


def roughness(values: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """How noisy a drawn curve is: its ups and downs plus its ranges, per height of the curve (1: smooth)."""
    if len(values) < 3:
        return 0.0
    height = float(np.nanmax(high) - np.nanmin(low)) or 1.0
    return float((np.abs(np.diff(values)).sum() + np.nansum(high - low)) / height)


def draw_series(plt, series, log: bool, percent: bool = False) -> str | None:
    """Plot (Points, colour, columns) series with our own axis labels; the second one dotted.

    Each series is its mean line over a dotted band from each bucket's min to its max,
    and starts at its first exact point. The noisiest series is drawn first, so a smooth
    one (full batch, or the test loss) stays on top. A log scale is drawn as log10 values
    on a linear axis: plotext's own log mode re-applies the log when the widget is rebuilt
    after a resize. Linear values are clipped so a diverging run cannot overflow plotext's
    arithmetic; logged ones need no clip, so the axis can reach 1e69. On a log scale a
    loss of exactly 0, or one below a tenth of the smallest positive loss (and never
    below 1e-30), is drawn at that floor, whose label says "≤"; the returned note says so.
    """
    note = None
    floor = None
    series = [(finite(p), colour, count) for p, colour, count in series]
    series = [s for s in series if len(s[0])]
    if not series:
        return None
    if log:
        floor, note = log_floor(series)

    def shown(v):
        return np.log10(np.maximum(v, floor)) if log else np.clip(v, -CLIP, CLIP)

    first = float(min(p.first[0] for p, _, _ in series))
    last = float(max(p.last[-1] for p, _, _ in series))
    drawn = []
    for i, (p, colour, count) in enumerate(series):
        c = columns(p, first, last, count)
        with np.errstate(invalid="ignore"):
            xs, ys, lo, hi = c.x, shown(c.y), shown(c.low), shown(c.high)
        if c.count[0] > 1 and p.count[0] == 1:  # the exact start, before the first group's mean
            xs, ys = np.r_[p.x[0], xs], np.r_[shown(p.y[:1]), ys]
        drawn.append((roughness(shown(c.y), lo, hi), i, colour, xs, ys, c.x, lo, hi))
    low = min(float(np.nanmin(np.r_[d[4], d[6]])) for d in drawn)
    high = max(float(np.nanmax(np.r_[d[4], d[7]])) for d in drawn)
    drawn.sort(key=lambda d: -d[0])
    for _, i, colour, xs, ys, bx, lo, hi in drawn:  # every band behind every line
        band = np.isfinite(lo) & np.isfinite(hi)
        if (hi[band] - lo[band] > BAND_MIN * max(high - low, 1e-12)).any():
            # zig-zag through each group's min and max: the range fills in behind the mean
            down = np.arange(band.sum()) % 2 == 1
            a, b = np.where(down, hi[band], lo[band]), np.where(down, lo[band], hi[band])
            plt.plot(np.repeat(bx[band], 2).tolist(), np.column_stack([a, b]).ravel().tolist(),
                     marker=BAND, color=colour)
    for _, i, colour, xs, ys, *_ in drawn:
        # Colours are named in the pane's title instead of a legend, which would cover the curve.
        plt.plot(xs.tolist(), ys.tolist(), marker=MARKERS[min(i, 1)], color=colour)
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    ticks = np.linspace(low, high, 3)  # three labels always fit, so plotext never drops one
    if log:
        labels = [short_number(10**t) for t in ticks]
        if note is not None:
            labels[0] = "≤" + short_number(10 ** ticks[0])
    elif percent:
        labels = [f"{t:.0%}" for t in ticks]
    else:
        labels = [short_number(t) for t in ticks]
    plt.yticks(ticks.tolist(), labels)
    # The axis starts at the first step drawn (step 1 for a whole run), not at 0.
    plt.xlim(first, max(last, first + 1))
    step_ticks(plt, first, last)
    return note


def step_ticks(plt, first: float, last: float) -> None:
    """Three whole-step x labels with thousands separators (plotext's own read 16 1828 3640)."""
    ticks = sorted({int(round(v)) for v in np.linspace(first, last, 3)})
    plt.xticks(ticks, [f"{v:,}" for v in ticks])


def value_at(points: Points | None, step: float) -> int | None:
    """The entry recorded latest at or before ``step`` (test loss lives at epoch ends)."""
    if points is None or len(points) == 0:
        return None
    i = int(np.searchsorted(points.x, step, side="right")) - 1
    return i if i >= 0 else None


def series_points(snap: Snapshot | None, name: str) -> Points:
    """A snapshot's series with its buckets' ranges; snapshots made without them read as exact points."""
    if snap is None:
        return Points.exact(np.zeros(0), np.zeros(0))
    if snap.history_points is not None:
        return snap.history_points[name]
    x, y = {"train": (snap.history_steps, snap.history_loss), "test": (snap.test_steps, snap.test_loss_history),
            "accuracy": (snap.accuracy_steps, snap.accuracy_history)}[name]
    return Points.exact(np.zeros(0) if x is None else x, np.zeros(0) if y is None else y)


def describe(points: Points, i: int, what: str, fmt) -> str:
    """One entry in words: a step's value, or a bucket's steps, mean and range (never a mean as one step's)."""
    if points.count[i] == 1:
        return f"step {points.x[i]:,.0f}: {what} {fmt(points.y[i])}"
    steps = f"steps {points.first[i]:,.0f}–{points.last[i]:,.0f}"
    if np.isfinite(points.low[i]):
        spread = f"(min {fmt(points.low[i])}, max {fmt(points.high[i])})"
    else:
        spread = "(min/max not saved)"
    return f"{steps}: mean {fmt(points.y[i])} {spread}"


GLUED = re.compile(r"(steps?|mean|\(min|max|test|\(mean\)|loss|accuracy|·) ")


def wrap(text: str, width: int, lines: int) -> list[str]:
    """Word-wrapped into at most ``lines`` lines; a figure never leaves its label, nor is it cut.

    When it does not fit, the test loss goes first, then whole lines from the end.
    """
    def fill(words: list[str]) -> list[str]:
        out: list[str] = []
        for word in words:
            if out and len(out[-1]) + 1 + len(word) <= width:
                out[-1] += " " + word
            else:
                out.append(word)
        return [line.replace("\u00a0", " ") for line in out]

    words = GLUED.sub(lambda m: m.group(1) + "\u00a0", text).split(" ")
    out = fill(words)
    if len(out) > lines and "·\u00a0test" in words:
        out = fill(words[: words.index("·\u00a0test")])
    return out[:lines]


class LossCurve(LatePlot, Widget, can_focus=True):
    """Train and test loss against step; the main view's ``L`` toggles a log scale."""

    DEFAULT_CSS = """
    LossCurve {
        width: 1fr;
        height: 1fr;
    }
    """

    BINDINGS = [
        Binding("left", "cursor(-1)", "cursor ←", id="curve.cursor_left",
                tooltip="Cursor one point left: the step (or the steps a bucket covers) and its loss"),
        Binding("right", "cursor(1)", "cursor →", id="curve.cursor_right", tooltip="Cursor one point right"),
        Binding("shift+left", "cursor(-10)", "cursor ←10", id="curve.cursor_left_far", show=False,
                tooltip="Cursor ten points left"),
        Binding("shift+right", "cursor(10)", "cursor →10", id="curve.cursor_right_far", show=False,
                tooltip="Cursor ten points right"),
        Binding("home", "cursor_to(0)", "first", id="curve.first", show=False, tooltip="Cursor to the first point"),
        Binding("end", "cursor_to(-1)", "last", id="curve.last", show=False, tooltip="Cursor to the last point"),
        Binding("escape", "clear_cursor", "no cursor", id="curve.clear", show=False, tooltip="Hide the cursor"),
        Binding("enter", "go_to_cursor", "go to step", id="curve.go_to", show=False,
                tooltip="Go back to the step under the cursor (exactly, by replay)"),
    ]

    log_scale: reactive[bool] = reactive(False)
    show_accuracy: reactive[bool] = reactive(False)
    cursor: reactive[int | None] = reactive(None)  # index into the recorded points

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._snapshot: Snapshot | None = None
        self._readout: list[str] = []  # lines above the plot: the cursor's entry, or what to press
        self.border_title = self._title()

    def on_mount(self) -> None:
        self.replot()
        self.make_figure_after_first_frame()

    def show(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self.replot()

    # ------------------------------------------------------------ actions
    def action_toggle_log(self) -> None:
        self.log_scale = not self.log_scale

    def _series(self) -> Points:
        if self.show_accuracy and (self._snapshot is None or self._snapshot.accuracy_steps is None):
            return Points.exact(np.zeros(0), np.zeros(0))
        return series_points(self._snapshot, "accuracy" if self.show_accuracy else "train")

    def action_cursor(self, delta: int) -> None:
        n = len(self._series())
        if n == 0:
            return
        current = n - 1 if self.cursor is None else self.cursor
        self.cursor = max(0, min(n - 1, current + delta))

    def action_cursor_to(self, index: int) -> None:
        n = len(self._series())
        if n:
            self.cursor = index % n

    def action_clear_cursor(self) -> None:
        self.cursor = None

    class GoToStep(Message):
        """Enter at the cursor: take the session back to this step."""

        def __init__(self, step: int):
            super().__init__()
            self.step = step

    def action_go_to_cursor(self) -> None:
        points = self._series()
        if self.cursor is not None and len(points):  # a bucket: the last of its steps
            self.post_message(self.GoToStep(int(round(float(points.last[min(self.cursor, len(points) - 1)])))))

    def watch_log_scale(self) -> None:
        self.replot()

    def watch_show_accuracy(self) -> None:
        self.cursor = None
        self.border_title = self._title()
        self.replot()

    def _title(self) -> str:
        """The legend, shortened until it fits the pane's top border (both series' names stay)."""
        if self.show_accuracy:
            options = [f"Accuracy [cyan]{LEGEND[0]}[/] (test data)", f"Accuracy [cyan]{LEGEND[0]}[/]"]
        else:
            a, b = (f"[{c}]{m}[/]" for c, m in zip(MARKUP_COLOURS, LEGEND))
            options = [f"Loss {a} train {b} test", f"Loss {a}train {b}test", f"{a}train {b}test"]
        room = self.size.width - 4 if self.size.width else 10**6  # corners and the spaces around the title
        for option in options:
            if Text.from_markup(option).cell_len <= room:
                return option
        return options[-1]

    def on_resize(self) -> None:
        self.border_title = self._title()
        self.replot()

    def watch_cursor(self) -> None:
        self.replot()

    def cursor_text(self) -> str | None:
        """What lies under the cursor: one step's values, or a bucket's steps, mean and range."""
        if self.cursor is None or self._snapshot is None:
            return None
        points = self._series()
        if not len(points):
            return None
        i = min(self.cursor, len(points) - 1)
        if self.show_accuracy:
            return describe(points, i, "accuracy", lambda v: f"{v:.1%}")
        text = describe(points, i, "loss", lambda v: f"{v:.6g}" if points.count[i] == 1 else f"{v:.4g}")
        test = series_points(self._snapshot, "test")
        j = value_at(test, points.last[i])
        if j is not None:
            text += f" · test {test.y[j]:.6g}" if test.count[j] == 1 else f" · test (mean) {test.y[j]:.4g}"
        return text

    # ---------------------------------------------------------------- plot
    def replot(self) -> None:
        plt = self.plt  # (before the first frame, the readout and titles only)
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("step")
        plt.yscale("linear")
        snap = self._snapshot
        points = self._series()
        subtitle = []
        if self.log_scale:
            subtitle.append("log scale")
        width = max(self.size.width, 20)
        if snap is None or len(points) == 0:
            if self.show_accuracy:
                self._readout = wrap("accuracy is measured at each epoch's end (classification only)", self.size.width or 20, 4)
            else:
                self._readout = wrap("no step finished yet: press space or n", self.size.width or 20, 4)
            self.border_subtitle = " · ".join(subtitle)
            self.refresh()
            return
        series = [(points, "cyan", 2 * width)]
        test = series_points(snap, "test")
        if not self.show_accuracy and len(test):
            series.append((test, "orange", width))
        auto_log = not self.show_accuracy and not self.log_scale and spans_decades(points.y)
        if auto_log:
            subtitle.append("log scale (auto)")
        note = draw_series(plt, series, log=self.log_scale or auto_log, percent=self.show_accuracy)
        if note:
            subtitle.append(note)
        text = self.cursor_text()
        self._readout = []
        if text is not None:
            plt.vline(float(points.x[min(self.cursor, len(points) - 1)]), "white")
            self._readout = wrap(text, self.size.width or 20, max(self.size.height - 4, 1))
            plt.xlabel("")  # the readout names the steps: its row goes to the readout
            if self.has_focus:
                subtitle.append("←/→ move · esc hides")
        elif self.has_focus:
            subtitle.append("←/→ cursor")
        text = " · ".join(subtitle)
        if len(text) > self.size.width - 4:  # a narrow pane: the short words
            text = " · ".join(SHORT.get(part, part) for part in subtitle)
        self.border_subtitle = text
        self.refresh()

    def render(self) -> RenderResult:
        """The readout's lines (only when there is one), then the plot in the rows left."""
        lines = self._readout[: max(self.size.height - 4, 0)]  # the plot keeps 4 rows
        readout = [Text(line, style="bold") for line in lines]
        if not self.has_figure:
            return Text("\n").join(readout)
        plot = self.build_figure(self.size.width, self.size.height - len(lines))
        if not lines:
            return plot
        return Text("\n").join(readout + [plot])

    def on_focus(self) -> None:
        self.replot()

    def on_blur(self) -> None:
        self.call_after_refresh(self.replot)  # once the focus has moved: the cursor keys' hint goes
