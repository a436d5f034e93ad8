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

import numpy as np
from rich.text import Text
from textual.app import RenderResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget

from tui_backprop.app.curve_series import (LEGEND, MARKUP_COLOURS, SHORT, describe, draw_series, readout_rows,
                                           series_points, spans_decades, value_at, widest_figure, wrap)
from tui_backprop.app.toast_place import place_toasts
from tui_backprop.app.widgets.late_plot import LatePlot
from tui_backprop.core.figures import measured
from tui_backprop.training.history import Points
from tui_backprop.training.session import Snapshot


class LossCurve(LatePlot, Widget, can_focus=True):
    """Train and test loss against step; the main view's ``L`` toggles a log scale."""

    DEFAULT_CSS = """
    LossCurve {
        width: 1fr;
        height: 1fr;
    }
    """

    BINDINGS = [
        # Not in the footer (the pane itself says "←/→ cursor"): the footer keeps ? help and q quit first.
        Binding("left", "cursor(-1)", "cursor ←", id="curve.cursor_left", show=False,
                tooltip="Cursor one point left: the step (or the steps a bucket covers) and its loss"),
        Binding("right", "cursor(1)", "cursor →", id="curve.cursor_right", show=False,
                tooltip="Cursor one point right"),
        Binding("pageup", "cursor_page(-1)", "cursor ←⅒", id="curve.cursor_page_left", show=False,
                tooltip="Cursor a tenth of the run's steps left (a long run in ten presses)"),
        Binding("pagedown", "cursor_page(1)", "cursor →⅒", id="curve.cursor_page_right", show=False,
                tooltip="Cursor a tenth of the run's steps right"),
        Binding("shift+left", "cursor(-10)", "cursor ←10", id="curve.cursor_left_far", show=False,
                tooltip="Cursor ten points left"),
        Binding("shift+right", "cursor(10)", "cursor →10", id="curve.cursor_right_far", show=False,
                tooltip="Cursor ten points right"),
        Binding("home", "cursor_to(0)", "first", id="curve.first", show=False, tooltip="Cursor to the first point"),
        Binding("end", "cursor_to(-1)", "last", id="curve.last", show=False, tooltip="Cursor to the last point"),
        Binding("escape", "clear_cursor", "no cursor", id="curve.clear", show=False, tooltip="Hide the cursor"),
        # The screen's action, run as the key is handled (a message would arrive after the keys typed next).
        Binding("enter", "screen.go_to_curve_step", "go to step", id="curve.go_to", show=False,
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
        title = self._title()
        if title != self.border_title:
            self.border_title = title
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

    def action_cursor_page(self, direction: int) -> None:
        """A tenth of the run's steps (ten presses from Home reach the end). A tenth of its points was uneven:
        recent points are finer, so from Home on a 171,741-step run it went to step 374, then 60,417 (QA6 K10)."""
        points = self._series()
        n = len(points)
        if n == 0:
            return
        current = n - 1 if self.cursor is None else self.cursor
        span = float(points.last[-1] - points.first[0])
        target = float(points.last[current]) + direction * span / 10
        index = int(np.searchsorted(points.last, target - 0.5))  # the first point reaching the target step
        if direction < 0 and (index >= n or points.last[index] > target + 0.5):
            index -= 1  # back: the last point at or before it
        index = max(0, min(n - 1, index))
        if index == current:  # a point wider than a tenth: still move
            index = max(0, min(n - 1, current + direction))
        self.cursor = index

    def action_cursor_to(self, index: int) -> None:
        n = len(self._series())
        if n:
            self.cursor = index % n

    def action_clear_cursor(self) -> None:
        self.cursor = None

    @property
    def cursor_step(self) -> int | None:
        """The step under the cursor (a bucket: the last of its steps); None without a cursor."""
        points = self._series()
        if self.cursor is None or not len(points):
            return None
        return int(round(float(points.last[min(self.cursor, len(points) - 1)])))

    def watch_log_scale(self) -> None:
        self.replot()

    def watch_show_accuracy(self) -> None:
        self.cursor = None
        self.border_title = self._title()
        self.replot()

    def _title(self) -> str:
        """The legend, shortened until it fits the pane's top border (both series' names stay)."""
        if self.show_accuracy and (self._snapshot is None or self._snapshot.accuracy_history is None
                                   or not len(self._snapshot.accuracy_history)):
            options = ["Accuracy"]  # no series yet (or none: regression): no legend mark for it
        elif self.show_accuracy:
            options = [f"Accuracy [cyan]{LEGEND[0]}[/] (test data)", f"Accuracy [cyan]{LEGEND[0]}[/]"]
        else:
            a, b = (f"[{c}]{m}[/]" for c, m in zip(MARKUP_COLOURS, LEGEND))
            if self._snapshot is not None and not self._snapshot.has_test_data:  # no test set: one series
                options = [f"Loss {a} train", f"{a}train"]
            else:
                options = [f"Loss {a} train {b} test", f"Loss {a}train {b}test", f"{a}train {b}test"]
        room = self.size.width - 4 if self.size.width else 10**6  # corners and the spaces around the title
        for option in options:
            if Text.from_markup(option).cell_len <= room:
                return option
        return options[-1]

    def on_resize(self) -> None:
        self.border_title = self._title()
        self.replot()
        # The toasts sit over this pane: wherever it has just moved to (a layout change can land a frame
        # after the one that asked for it, and the toasts then stayed where the lesson had sent them).
        if self.screen is getattr(self.app, "main", None):
            self.call_after_refresh(place_toasts, self.screen)

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
        text = describe(points, i, "loss", measured)  # the status line's 4 digits, zeros kept
        test = series_points(self._snapshot, "test")
        j = value_at(test, points.last[i])
        if j is not None:
            # the test loss is measured at epoch ends: say which one, unless it is this very step
            if test.count[j] > 1:
                text += f" · test (mean) {measured(test.y[j])}"
            elif test.x[j] == points.x[i] and points.count[i] == 1:
                text += f" · test {measured(test.y[j])}"
            else:
                text += f" · test {measured(test.y[j])} (step {test.x[j]:,.0f})"
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
        text = self.cursor_text()
        self._readout = []
        if text is not None:
            # The same rows wherever the cursor is: the plot kept jumping between heights as it moved.
            with_test = len(test) > 0 and not self.show_accuracy
            widest = "100.0%" if self.show_accuracy else widest_figure(
                measured, points.y, points.low, points.high, *((test.y,) if with_test else ()))
            rows = readout_rows(points, self.size.width or 20, max(self.size.height - 4, 1), test=with_test,
                                widest=widest, what="accuracy" if self.show_accuracy else "loss")
            lines = wrap(text, self.size.width or 20, rows)
            self._readout = lines + [""] * (rows - len(lines))
            plt.xlabel("")  # the readout names the steps: its row goes to the readout
        # The plot's rows between its frame and its step labels (and the "step" title without a readout).
        data_rows = self.size.height - len(self._readout) - 3 - (0 if self._readout else 1)
        note = draw_series(plt, series, log=self.log_scale or auto_log, percent=self.show_accuracy,
                           rows=data_rows)
        if note:
            subtitle.append(note)
        if text is not None:
            plt.vline(float(points.x[min(self.cursor, len(points) - 1)]), "white")
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
