"""Compare mode: two configurations of one preset, trained in lock-step.

Both loss curves share one plot; each run keeps its own status line and, for
2-D data, its own decision boundary.
"""

from __future__ import annotations

import functools
import re

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tui_backprop.app.screens.closes_once import ClosesOnce
from tui_backprop.app.screens.view import leave_and_open_preset, open_preset_binding

from tui_backprop.app.snapshot_view import SnapshotView
from tui_backprop.app.widgets.boundary import DecisionBoundary
from tui_backprop.app.curve_series import LEGEND, MARKUP_COLOURS, draw_series, series_points, spans_decades
from tui_backprop.app.widgets.status import StatusLine
from tui_backprop.app.widgets.footer import FittedFooter
from tui_backprop.config import Config
from tui_backprop.training.compare import CompareSession, CompareSnapshot

COLORS = ("cyan", "orange")  # plotext's names
MARKUP_COLORS = MARKUP_COLOURS  # the same colours as Textual markup names them


class CompareCurve(PlotextPlot, can_focus=True):
    log_scale: reactive[bool] = reactive(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._snap: CompareSnapshot | None = None

    def show(self, snap: CompareSnapshot) -> None:
        self._snap = snap
        self.replot()

    def watch_log_scale(self) -> None:
        self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("step")
        snap = self._snap
        if snap is None or all(len(r.history_steps) == 0 for r in snap.runs):
            plt.title("both runs start together: press space or n")
            self.refresh()
            return
        width = max(self.size.width, 20)
        # Each run's mean over its min–max band; the smoother run is drawn on top of the noisier one.
        series = [(series_points(run, "train"), color, 2 * width) for run, color in zip(snap.runs, COLORS)]
        auto_log = not self.log_scale and any(spans_decades(run.history_loss) for run in snap.runs)
        self.border_subtitle = "log scale" if self.log_scale else ("log scale (auto)" if auto_log else "")
        # (its rows between the frame and the step labels: the figure's height less the frame, ticks and title)
        note = draw_series(plt, series, log=self.log_scale or auto_log, rows=max(self.size.height - 4, 1))
        if note:
            self.border_subtitle = " · ".join(filter(None, (self.border_subtitle, note)))
        self.refresh()


class CompareScreen(ClosesOnce, SnapshotView, Screen[None]):
    BINDINGS = [
        Binding("question_mark", "app.help", "help", id="anywhere.help", key_display="?", tooltip="All keys"),
        Binding("q", "app.quit", "quit", id="anywhere.quit", tooltip="Quit"),
        Binding("space", "toggle_run", "run", id="compare.run", tooltip="Run / pause both runs"),
        Binding("n", "step", "step both", id="compare.step", tooltip="One step of each run"),
        Binding("e", "epoch", "epoch", id="compare.epoch", tooltip="One epoch of each run"),
        Binding("r", "reset", "reset", id="compare.reset", tooltip="Reset both runs"),
        Binding("L", "toggle_log", "log", id="compare.log", tooltip="Log scale"),
        Binding("escape", "leave", "back", id="compare.back", tooltip="Back to the single run (C comes back here)"),
        open_preset_binding("compare"),
        Binding("H", "landscape", "landscape", id="compare.landscape", show=False,
                tooltip="Loss landscape with both paths"),
    ]
    DEFAULT_CSS = """
    CompareScreen #compare-curve { height: 1fr; border: round $primary; }
    CompareScreen #compare-boundaries { height: 1fr; }
    CompareScreen #compare-boundaries > Vertical { width: 1fr; border: round $primary; }
    CompareScreen .run-status { height: 1; }
    CompareScreen #compare-lesson { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    CompareScreen.-short #compare-boundaries { display: none; }
    """

    running: reactive[bool] = reactive(False, bindings=True)

    def __init__(self, config: Config, fps: float = 10.0, compare: CompareSession | None = None):
        super().__init__()
        self.config = config
        self.fps = fps
        self.compare = compare or CompareSession(config)  # ``compare``: a race left with escape, taken up again
        self.use_runner(self.compare)

    def compose(self) -> ComposeResult:
        first = self.config.lesson.strip().splitlines()[0] if self.config.lesson.strip() else ""
        yield Static(f"[b]Compare:[/b] {self.config.title}. {first}", id="compare-lesson")
        yield CompareCurve(id="compare-curve")
        if self.compare.sessions[0].data.is_2d:
            with Horizontal(id="compare-boundaries"):
                for i, label in enumerate(self.compare.labels):
                    with Vertical() as box:
                        box.border_title = label
                        yield DecisionBoundary(id=f"compare-boundary-{i}")
        for i, label in enumerate(self.compare.labels):
            yield StatusLine(id=f"compare-status-{i}", classes="run-status", speed_keys=False)  # (no , . here)
        yield FittedFooter()

    def on_mount(self) -> None:
        self.query_one("#compare-curve").border_title = "Loss: " + " vs ".join(
            f"[{c}]{m} {l}[/]" for c, m, l in zip(MARKUP_COLORS, LEGEND, self.compare.labels))
        self.set_interval(1.0 / self.fps, self._redraw)
        self.publish_now()

    def show_snapshot(self, snap: CompareSnapshot) -> None:
        self.query_one(CompareCurve).show(snap)
        for i, (label, run) in enumerate(zip(snap.labels, snap.runs)):
            status = self.query_one(f"#compare-status-{i}", StatusLine)
            mark = f"[{MARKUP_COLORS[i]}]{LEGEND[i]}[/]"
            short = re.split(r",| \(", label)[0]  # "Adam, learning rate 0.01" → "Adam": lr is on the line
            status.show(run, prefix=(f"{mark} {escape(label)}: ", f"{mark} {escape(short)}: ", f"{mark} "))
            boundary = self.query(f"#compare-boundary-{i}")
            if boundary:
                boundary.first().show(run)

    def action_toggle_run(self) -> None:
        if self.runner.running:
            self.runner.pause()
            return
        if all(s.halted for s in self.compare.sessions):
            self.notify("Both runs halted on NaN/inf: press r to reset.", severity="warning")
            return
        self.start_training()

    async def action_step(self) -> None:
        """One step of each run; while they run, they pause first and a toast says so (as on the main view)."""
        paused = await self.pause_first("for one step")
        self.compare.step()
        self.publish_now()
        self.say_paused(paused)

    async def action_epoch(self) -> None:
        paused = await self.pause_first("for one epoch")
        self.compare.run_epoch()
        self.publish_now()
        self.say_paused(paused)

    def action_reset(self) -> None:
        self.runner.pause()
        self.runner.call_between_steps(lambda c: c.reset())
        self.publish_now()

    def action_toggle_log(self) -> None:
        curve = self.query_one(CompareCurve)
        curve.log_scale = not curve.log_scale

    def action_landscape(self) -> None:
        from tui_backprop.app.screens.landscape import LandscapeScreen, Source

        source = Source(self, lambda: self.runner, lambda compare: list(compare.sessions),
                        lambda: list(self._latest.runs) if self._latest is not None else [],
                        labels=tuple(self.compare.labels))
        self.app.push_screen(LandscapeScreen(source))

    def action_leave(self) -> None:
        self.runner.cancel()
        self.dismiss(None)

    def action_open_preset(self) -> None:
        leave_and_open_preset(self)

    def on_key(self, event) -> None:
        """A key of the single run's view that compare mode has no use for (s, ⌫, +, U …): say where it works,
        rather than nothing (QA8 C7)."""
        if event.key in self.active_bindings or event.key == "C":  # (C: this mode, already here)
            return
        if event.key in single_run_keys():
            shown = "⌫" if event.key == "backspace" else event.character or event.key
            self.app.notify_replacing("compare key", f"{shown!r} is not a key of compare mode: escape returns to "
                                      f"the single run, where it works (C comes back here).", severity="warning")

    def on_unmount(self) -> None:
        self.runner.cancel()


@functools.cache
def single_run_keys() -> frozenset[str]:
    """Every key the single run's view binds (read once: the bindings are the class's)."""
    from tui_backprop.app.screens.main import MainScreen

    return frozenset(key.strip() for binding in MainScreen.BINDINGS for key in binding.key.split(","))
