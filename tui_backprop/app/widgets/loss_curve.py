"""Live loss curve: training loss per step, test loss per epoch (plotext).

Focused, it has a cursor: left/right walk through the recorded points and
the exact step and values under the cursor are written above the plot.
``a`` switches to the accuracy curve for classification data.
"""

from __future__ import annotations

import numpy as np
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual_plotext import PlotextPlot

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
# plotext's cyan and orange as both Textual and Rich markup read them (Rich's "dark_orange" is no Textual colour).
MARKUP_COLOURS = ("cyan", "#ff8c00")


def log_floor(series) -> float | None:
    """The smallest positive finite value across the series: zeros are drawn there, and labelled."""
    positive = [y[np.isfinite(y) & (y > 0)] for _, y, _, _ in series]
    positive = [p for p in positive if p.size]
    return float(min(p.min() for p in positive)) if positive else None


def draw_series(plt, series, log: bool, percent: bool = False) -> str | None:
    """Plot (x, y, colour, points) series with our own axis labels; the second one dotted.

    A log scale is drawn as log10 values on a linear axis: plotext's own log mode
    re-applies the log when the widget is rebuilt after a resize. Linear values are
    clipped so a diverging run cannot overflow plotext's arithmetic; logged ones
    need no clip, so the axis can reach 1e69. On a log scale a loss of exactly 0
    is drawn at a floor (a tenth of the smallest positive value, or 1e-16 when
    there is none) and the floor's label says "≤"; the returned note says so.
    """
    note = None
    floor = None
    if log:
        smallest = log_floor(series)
        floor = smallest / 10 if smallest is not None else 1e-16
        if any((np.isfinite(y) & (y <= 0)).any() for _, y, _, _ in series):
            note = f"0 drawn at {short_number(floor)}"
    shown, steps = [], []
    for i, (x, y, colour, points) in enumerate(series):
        ok = np.isfinite(y)
        if not ok.any():
            continue
        values = np.log10(np.maximum(y[ok], floor)) if log else np.clip(y[ok], -CLIP, CLIP)
        xs, ys = downsample(x[ok], values, points)
        shown.append(ys)
        steps.append(xs)
        # Colours are named in the pane's title instead of a legend, which would cover the curve.
        plt.plot(xs.tolist(), ys.tolist(), marker=MARKERS[min(i, 1)], color=colour)
    if not shown:
        return note
    values = np.concatenate(shown)
    low, high = float(values.min()), float(values.max())
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
    first, last = float(min(x.min() for x in steps)), float(max(x.max() for x in steps))
    xticks = sorted({int(round(v)) for v in np.linspace(first, last, 3)})  # steps are whole numbers
    plt.xticks(xticks, [f"{v:,}" for v in xticks])
    return note


def value_at(steps: np.ndarray, values: np.ndarray, step: float) -> float | None:
    """The latest value recorded at or before ``step`` (test loss lives at epoch ends)."""
    if steps is None or len(steps) == 0:
        return None
    i = int(np.searchsorted(steps, step, side="right")) - 1
    return float(values[i]) if i >= 0 else None


class LossCurve(PlotextPlot, can_focus=True):
    """Train and test loss against step; the main view's ``L`` toggles a log scale."""

    BINDINGS = [
        Binding("left", "cursor(-1)", "cursor ←", id="curve.cursor_left",
                tooltip="Cursor one point left: the exact step and loss under it"),
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
        self.border_title = self._title()

    def on_mount(self) -> None:
        super().on_mount()
        self.replot()

    def show(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self.replot()

    # ------------------------------------------------------------ actions
    def action_toggle_log(self) -> None:
        self.log_scale = not self.log_scale

    def _series(self) -> tuple[np.ndarray, np.ndarray]:
        snap = self._snapshot
        if snap is None:
            return np.zeros(0), np.zeros(0)
        if self.show_accuracy:
            if snap.accuracy_steps is None:
                return np.zeros(0), np.zeros(0)
            return snap.accuracy_steps, snap.accuracy_history
        return snap.history_steps, snap.history_loss

    def action_cursor(self, delta: int) -> None:
        xs, _ = self._series()
        if len(xs) == 0:
            return
        current = len(xs) - 1 if self.cursor is None else self.cursor
        self.cursor = max(0, min(len(xs) - 1, current + delta))

    def action_cursor_to(self, index: int) -> None:
        xs, _ = self._series()
        if len(xs):
            self.cursor = index % len(xs)

    def action_clear_cursor(self) -> None:
        self.cursor = None

    class GoToStep(Message):
        """Enter at the cursor: take the session back to this step."""

        def __init__(self, step: int):
            super().__init__()
            self.step = step

    def action_go_to_cursor(self) -> None:
        xs, _ = self._series()
        if self.cursor is not None and len(xs):
            self.post_message(self.GoToStep(int(round(float(xs[min(self.cursor, len(xs) - 1)])))))

    def watch_log_scale(self) -> None:
        self.replot()

    def watch_show_accuracy(self) -> None:
        self.cursor = None
        self.border_title = self._title()
        self.replot()

    def _title(self) -> str:
        if self.show_accuracy:
            return f"Accuracy [cyan]{LEGEND[0]}[/] (test data)"
        return f"Loss [{MARKUP_COLOURS[0]}]{LEGEND[0]}[/] train [{MARKUP_COLOURS[1]}]{LEGEND[1]}[/] test"

    def watch_cursor(self) -> None:
        self.replot()

    def cursor_text(self) -> str | None:
        """What lies under the cursor, in exact numbers."""
        if self.cursor is None or self._snapshot is None:
            return None
        xs, ys = self._series()
        if not len(xs):
            return None
        i = min(self.cursor, len(xs) - 1)
        step = xs[i]
        step_text = f"step {step:,.0f}" if float(step).is_integer() else f"≈ step {step:,.1f} (averaged)"
        if self.show_accuracy:
            return f"{step_text}: accuracy {ys[i]:.1%}"
        text = f"{step_text}: loss {ys[i]:.6g}"
        snap = self._snapshot
        test = value_at(snap.test_steps, snap.test_loss_history, step)
        if test is not None:
            text += f" · test {test:.6g}"
        return text

    # ---------------------------------------------------------------- plot
    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("step")
        plt.yscale("linear")
        snap = self._snapshot
        xs_all, ys_all = self._series()
        subtitle = []
        if self.log_scale:
            subtitle.append("log scale")
        if snap is None or len(xs_all) == 0:
            if self.show_accuracy:
                plt.title("accuracy is measured at each epoch's end (classification only)")
            else:
                plt.title("no steps yet: press space or n")
            self.border_subtitle = " · ".join(subtitle)
            self.refresh()
            return
        width = max(self.size.width, 20)
        series = [(xs_all, ys_all, "cyan", 2 * width)]
        if not self.show_accuracy and len(snap.test_steps):
            series.append((snap.test_steps, snap.test_loss_history, "orange", width))
        auto_log = not self.show_accuracy and not self.log_scale and spans_decades(ys_all)
        if auto_log:
            subtitle.append("log scale (auto)")
        note = draw_series(plt, series, log=self.log_scale or auto_log, percent=self.show_accuracy)
        if note:
            subtitle.append(note)
        text = self.cursor_text()
        if text is not None:
            plt.vline(float(xs_all[min(self.cursor, len(xs_all) - 1)]), "white")
            plt.title(text)
            if self.has_focus:
                subtitle.append("←/→ move · esc hides")
        elif self.has_focus:
            subtitle.append("←/→ cursor")
        self.border_subtitle = " · ".join(subtitle)
        self.refresh()

    def on_focus(self) -> None:
        self.replot()

    def on_blur(self) -> None:
        self.call_after_refresh(self.replot)  # once the focus has moved: the cursor keys' hint goes
