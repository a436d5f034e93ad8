"""Sweep seeds: 32 seeds of the current configuration trained at once, in the background.

Every run's training-loss curve is drawn faintly, the median run's on top; the
table lists each seed's outcome (reached the goal at step N, still falling, stuck, diverged, halted; for a
challenge, its own goals met at step N or missed),
and Enter on a row opens that seed in the main view.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from tui_backprop.app.screens.closes_once import ClosesOnce
from tui_backprop.app.screens.view import SwitchesViews, leave_and_open_preset, open_preset_binding, view_bindings
from tui_backprop.app.curve_series import CLIP, downsample, spans_decades, step_ticks
from tui_backprop.app.widgets.footer import FittedFooter
from tui_backprop.config import Config, ConfigError, load_config
from tui_backprop.core.figures import MINUS, beside, tick
from tui_backprop.schema import setting_changes
from tui_backprop.sweep import DIVERGED, FLAT
from tui_backprop.sweep_background import BackgroundSweep, SweepPicture

RUNS = 32
MAX_STEPS = 3000


def changes_from_preset(config: Config) -> str:
    """How the swept configuration differs from its preset's file, in a few words ("hidden layers 3 tanh,
    learning rate 0.3"), or "" (QA5 K14: a sweep of 3 hidden units was titled as the 2-unit lesson)."""
    if config.path is None:
        return ""
    try:
        preset = load_config(config.path, config.name)
    except (ConfigError, OSError, ValueError):  # (a title's nicety: never a reason the sweep fails)
        return ""
    return ", ".join(setting_changes(preset, config))  # (the seeds are the sweep's own)


def outcome(picture: SweepPicture, k: int) -> str:
    halt = picture.halts[k]
    if halt is not None:
        return f"NaN/inf at {halt.step:,}"
    if picture.challenge:  # the lesson's verdict: met by the deadline or not
        return f"met at {picture.stopped_at[k]:,}" if picture.stopped_at[k] >= 0 else \
            "missed" if picture.finished else "training"
    if picture.stopped_at[k] >= 0:
        return f"reached in {picture.stopped_at[k]:,}"  # steps taken: its loss is step N + 1's on the curve
    if picture.diverged_run(k):
        return "diverged"
    if picture.falling_run(k):
        return "still falling"  # not reached yet: slower than the budget, not stuck
    return "stuck" if picture.finished else "training"


def loss_text(picture: SweepPicture, k: int) -> str:
    """Run k's training loss: 4 digits, zeros kept so the column lines up, more where it would print as the goal."""
    return beside(picture.loss[k], picture.goal if np.isfinite(picture.goal) else None, 4, zeros=True)


def goal_text(picture: SweepPicture) -> str:
    """The goal, with as many digits as the loss nearest it needs to print on its own side (a row's 0.081927
    under 'loss < 0.0819' looked above the goal it had reached)."""
    losses = np.asarray(picture.loss, dtype=float)
    near = np.flatnonzero(np.isfinite(losses) & (losses != picture.goal))
    if not near.size:
        return beside(picture.goal, None, 3)
    k = int(near[np.argmin(np.abs(losses[near] - picture.goal))])
    def number(text: str) -> float:
        return float(text.replace(MINUS, "-"))

    row = number(loss_text(picture, k))  # as the row prints it
    for digits in range(3, 18):  # until the printed goal and row stand as the true ones do
        text = beside(picture.goal, losses[k], digits)
        if number(text) != row and (number(text) < row) == (picture.goal < losses[k]):
            return text
    return text


def headline(picture: SweepPicture) -> str:
    """The counts, in words: the share that got stuck is the point of the view."""
    if picture.error:
        return f"[b]Cannot sweep:[/b] {picture.error}"
    runs = picture.runs
    if picture.challenge:  # judged by the challenge's own goals, at epoch ends, as the lesson judges them
        parts = [f"step {picture.step:,} of {picture.max_steps:,}" + (" (done)" if picture.finished else ""),
                 f"the challenge's goal ({picture.challenge}) met: {picture.reached} of {runs} "
                 f"({picture.reached / runs:.0%})"]
        missed = runs - picture.reached - picture.halted
        parts.append(f"[b]missed: {missed} of {runs}[/b]" if picture.finished else f"still training: {missed}")
        if picture.halted:
            parts.append(f"halted on NaN/inf: {picture.halted}")
        return " · ".join(parts)
    parts = [f"step {picture.step:,} of {picture.max_steps:,}" + (" (done)" if picture.finished else ""),
             f"reached loss < {goal_text(picture)}{f' ({picture.goal_source})' if picture.goal_source else ''}: "
             f"{picture.reached} of {runs} ({picture.reached / runs:.0%})"]
    if picture.finished:
        if picture.still_falling:
            parts.append(f"not reached yet, still falling: {picture.still_falling} of {runs} "
                         f"({picture.still_falling / runs:.0%})")
        if picture.stuck or not picture.diverged:  # (none stuck where runs diverged: room for the halted count)
            flat = f" (loss down < {FLAT:.0%} in the last {picture.max_steps - picture.tail_step:,} steps)" \
                if picture.still_falling else ""
            parts.append(f"[b]stuck{flat}: {picture.stuck} of {runs} ({picture.stuck / runs:.0%})[/b]")
        if picture.diverged:
            parts.append(f"[b]diverged (loss over {DIVERGED:g}× its start): {picture.diverged} of {runs} "
                         f"({picture.diverged / runs:.0%})[/b]")
    else:
        parts.append(f"still training: {runs - picture.reached - picture.halted}")
    if picture.halted:
        parts.append(f"halted on NaN/inf: {picture.halted}")
    if not picture.finished:
        parts.append(f"{picture.updates_per_second:,.0f} network updates/s")
    elif picture.all_alike:  # (learning-rate-too-high: one weight from 1, inline data: 32 copies of one run)
        parts.append("[b]every seed gave the same run: this preset's seed changes nothing[/b]")
    return " · ".join(parts)


def set_ticks(plt, max_steps: int, y: np.ndarray, log: bool) -> None:
    """Three y labels (real losses on a log axis); the step axis spans the whole budget, 1 … 3,000, from the
    start (it read 2 … 2,950: the first and last points drawn), with whole-step labels and steps counted from
    1 as on the loss curve."""
    low, high = float(y.min()), float(y.max())
    if high - low < 1e-12:
        low, high = low - 0.5, high + 0.5
    ticks = np.linspace(low, high, 3)
    plt.yticks(ticks.tolist(), [tick(10**t if log else t) for t in ticks])
    last = max(int(max_steps), 1)
    plt.xlim(1, last + 1)  # the loss after the last step's update is drawn at last + 1 (as on the loss curve)
    step_ticks(plt, 1, last)


LEGENDS = ("Loss: every run (dots), the median run (thick)", "Loss: runs (dots), median run (thick)",
           "Loss: runs (dots), median run (▀▄)", "Loss: runs (dots), median run")


class SweepCurves(PlotextPlot):
    """Every run's training loss (faint) and the median run's (bold)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.picture: SweepPicture | None = None
        self.log_scale = False

    def fit_legend(self) -> None:
        """The legend, as long as the border has room for: the thick line is, at each step, the median run's loss."""
        self.border_title = next((t for t in LEGENDS if len(t) <= self.outer_size.width - 6), LEGENDS[-1])

    def on_resize(self) -> None:
        self.fit_legend()

    def show(self, picture: SweepPicture) -> None:
        self.picture = picture
        self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("step")
        self.fit_legend()
        picture = self.picture
        if picture is not None and not picture.error:
            # (where the goal comes from is said with the counts: at 80 columns it cut this caption short)
            self.border_subtitle = ("goal: the challenge's (below)" if picture.challenge  # (QA8 C3)
                                    else f"goal: loss < {goal_text(picture)}")
        if picture is None or picture.error or len(picture.curve_steps) < 2:
            plt.title("starting the runs …")
            self.refresh()
            return
        points = max(self.size.width - 8, 10)  # about one point per column: plotext's cost grows with points
        x = picture.curve_steps
        curves = picture.curves
        log = self.log_scale or spans_decades(curves[np.isfinite(curves)])
        # All runs as one scatter series: plotext's cost is mostly per series, and 32 lines take ~5x longer.
        xs_all, ys_all = [], []
        for k in range(picture.runs):
            y = curves[:, k]
            ok = np.isfinite(y) & ((y > 0) if log else True)
            if ok.any():
                values = np.log10(y[ok]) if log else np.clip(y[ok], -CLIP, CLIP)
                xs, ys = downsample(x[ok], values, points)
                xs_all.append(xs)
                ys_all.append(ys)
        if xs_all:
            plt.scatter(np.concatenate(xs_all).tolist(), np.concatenate(ys_all).tolist(), marker="braille",
                        color="gray")
            set_ticks(plt, picture.max_steps, np.concatenate(ys_all), log)
        ok = np.isfinite(picture.median) & ((picture.median > 0) if log else True)
        if ok.any():
            y = np.log10(picture.median[ok]) if log else np.clip(picture.median[ok], -CLIP, CLIP)
            xs, ys = downsample(x[ok], y, points)
            plt.plot(xs.tolist(), ys.tolist(), marker="hd", color="orange")
        if log:
            self.border_subtitle = "log scale · " + self.border_subtitle
        self.refresh()


class SweepTable(DataTable, inherit_bindings=False):
    """The runs, one a row. Enter is the screen's key, so the footer shows it after ? and q (QA5 C4)."""

    BINDINGS = [binding for binding in DataTable.BINDINGS if binding.key != "enter"]


class SweepScreen(SwitchesViews, ClosesOnce, Screen[int | None]):
    """Dismissed with the seed to open in the main view, or None."""

    VIEW_ACTION = "sweep"

    BINDINGS = [
        # ? and q first, as on every other view (the footer shows them in this order)
        Binding("question_mark", "app.help", "help", id="sweep.help", key_display="?", tooltip="All keys"),
        Binding("q", "app.quit", "quit", id="sweep.quit", tooltip="Quit"),
        Binding("escape", "leave", "back", id="sweep.back", tooltip="Back to the main view (the runs stop)"),
        Binding("l", "toggle_log", "log", id="sweep.log", tooltip="Log scale for the loss axis (on by itself when the losses span decades)"),
        Binding("enter", "open_seed", "open seed", id="sweep.open_seed", key_display="⏎",
                tooltip="Open the selected run's seed in the main view"),
        open_preset_binding("sweep"),
        *view_bindings(switch=True),
    ]
    DEFAULT_CSS = """
    SweepScreen #sweep-title { height: auto; max-height: 2; padding: 0 1; }
    SweepScreen #sweep-body { height: 1fr; }
    SweepScreen #sweep-curves { width: 1fr; border: round $primary; }
    SweepScreen #sweep-runs { width: 40; border: round $primary; }
    SweepScreen #sweep-counts { height: auto; max-height: 3; padding: 0 1; }
    """

    def __init__(self, config: Config, runs: int = RUNS, max_steps: int = MAX_STEPS, fps: float = 2.0):
        super().__init__()
        self.config = config
        self.sweep = BackgroundSweep(config, runs, max_steps)
        self.fps = fps
        self._shown: SweepPicture | None = None
        self._cells: dict[int, tuple[str, str]] = {}

    def compose(self) -> ComposeResult:
        first, last = self.sweep.seeds[0], self.sweep.seeds[-1]
        changes = changes_from_preset(self.config)
        what = f"{self.config.title}, changed: {changes}" if changes else self.config.title
        # (the footer's "⏎ open seed" says it too: a changed configuration needs the room)
        enter = "" if changes else " Enter on a run opens its seed."
        yield Static(Text.from_markup("[b]Sweep seeds:[/b] ") + Text(
            f"{what}: {len(self.sweep.seeds)} runs, seeds {first}–{last}, alike but the seed, trained together.{enter}"),
            id="sweep-title")
        with Horizontal(id="sweep-body"):
            yield SweepCurves(id="sweep-curves")
            yield SweepTable(id="sweep-runs", cursor_type="row", zebra_stripes=False)
        yield Static("", id="sweep-counts")
        yield FittedFooter()

    def on_mount(self) -> None:
        curves = self.query_one(SweepCurves)
        curves.border_title = LEGENDS[-1]  # (replot fits the longest one the border has room for)
        table = self.query_one(DataTable)
        table.border_title = "Runs"
        # Fixed widths: a cell update then re-renders one row, not the whole table's layout.
        table.add_column("seed", key="seed", width=4)
        table.add_column("train loss", key="loss", width=10)
        table.add_column("outcome (step)", key="outcome", width=16)
        for seed in self.sweep.seeds:
            table.add_row(str(seed), "", "", key=str(seed))
        table.focus()
        self.sweep.start()
        self.set_interval(1.0 / self.fps, self.refresh_picture)

    def refresh_picture(self) -> None:
        picture = self.sweep.picture()
        if picture is None or picture is self._shown:
            return
        self._shown = picture
        self.query_one("#sweep-counts", Static).update(headline(picture))
        self.query_one(SweepCurves).show(picture)
        if picture.error:
            return
        table = self.query_one(DataTable)
        for k, seed in enumerate(picture.seeds):
            cells = (outcome(picture, k), loss_text(picture, k))
            if self._cells.get(k) != cells:  # only changed cells: each update re-renders the table
                self._cells[k] = cells
                style = "bold" if cells[0] in ("stuck", "diverged", "missed") else ""
                table.update_cell(str(seed), "outcome", Text(cells[0], style=style))
                table.update_cell(str(seed), "loss", cells[1])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:  # a click on the selected row
        self.sweep.cancel()
        self.dismiss(int(event.row_key.value))

    def action_open_seed(self) -> None:
        table = self.query_one(SweepTable)
        if table.row_count:
            self.sweep.cancel()
            self.dismiss(int(table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value))

    def action_toggle_log(self) -> None:
        curves = self.query_one(SweepCurves)
        curves.log_scale = not curves.log_scale
        curves.replot()

    def action_leave(self) -> None:
        self.sweep.cancel()
        self.dismiss(None)

    def action_open_preset(self) -> None:
        leave_and_open_preset(self)

    def on_unmount(self) -> None:
        self.sweep.cancel()
