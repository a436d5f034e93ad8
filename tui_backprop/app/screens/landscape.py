"""The loss landscape view: where gradient descent walks, drawn as the hill it walks on.

Two parameters: a filled contour of the loss around the current point, the
path so far, and the next update as an arrow, computed on the batch that
update will use (−lr·g for plain SGD); with ``t``, −lr·g on the whole set. One parameter:
L(w) with the tangent whose slope is the gradient. The grid is computed in a
worker thread at most a few times a second and reused while the point stays
inside it, so training and the pause key never wait for it.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tui_backprop.app.widgets.footer import FittedFooter
from tui_backprop.app.screens.view import ViewScreen
from tui_backprop.app.widgets.landscape import NO_COLOR_SHADES, PATH_GLYPHS, LandscapePlot, Run
from tui_backprop.app.widgets.landscape_curve import LandscapeCurve, scale_of  # noqa: F401 (scale_of: as before)
from tui_backprop.core.figures import counted, fmt
from tui_backprop.core.landscape import (Parameter, Surface, evaluate_surface, half_widths, is_plain_descent,
                                         next_update, parameters, work_per_point)
from tui_backprop.core.names import Names

SURFACE_EVERY = 1.0  # seconds: at most this often a new grid while only other parameters or the batch moved
GRID_WORK = 100_000_000  # multiply-adds one grid may cost (a tenth of a second on an idle core here)
WORK_EVERY = 0.2  # seconds between two looks at the training (path, gradient)


@dataclass
class Source:
    """Where the view reads from: the main session, or both runs of compare mode."""

    owner: object  # the app or compare screen whose keys run and step the training
    runner: Callable[[], object]  # the Runner that steps the session(s)
    sessions: Callable[[object], list]  # runner.session → the sessions drawn (first: the landscape's)
    snapshots: Callable[[], list]  # the newest snapshot of each session (empty: none yet)
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ahead:
    """One session between two steps, as the landscape needs it: where it is and what its next update uses."""

    path: np.ndarray
    params: np.ndarray
    x: np.ndarray  # the batch of the next update (Session.next_batch)
    y: np.ndarray
    number: int  # that update's step number
    full_batch: bool
    optimizer: object  # a copy: stepping it shows the next update without changing the run
    step: int  # completed steps
    after_update: bool


@dataclass(frozen=True)
class Result:
    surface: Surface
    runs: list[Run]
    gradient: tuple[float, ...]  # ∂L/∂parameter at the first run's point, on the landscape's data
    loss: float  # the first run's loss there
    step: int
    data: str  # what the loss is computed on, in words
    after_update: bool = False  # the weights now are after step ``step``'s update, its batch's pass used the old
    arrow: str = "sgd"  # what the arrow is: "sgd" (−lr·g), another optimizer's name, or "whole set"

    @property
    def where(self) -> str:
        """At which weights the slope is: after an update they are not those the inspector's ∂ was computed at."""
        if self.after_update:
            return f" at step {self.step:,}'s updated weights"  # the inspector's ∂: at those before the update
        return ""  # mid-step: the weights this step's pass uses, as the inspector's


def default_axes(params: list[Parameter], selection: tuple[int, int, int] | None) -> tuple[int, int]:
    """The selected weight and its neighbour (w1 and w2 in the two-weight lessons)."""
    first = 0
    if selection is not None:
        first = next((i for i, p in enumerate(params) if (p.layer, p.row, p.column) == tuple(selection)), 0)
    second = first + 1 if first + 1 < len(params) else max(first - 1, 0)
    return first, second


OPTIMIZER_NAMES = {"sgd": "SGD with its regularization", "momentum": "momentum", "rmsprop": "RMSprop",
                   "adagrad": "Adagrad", "adam": "Adam"}


def arrow_words(arrow: str) -> str:
    """What the arrow is: the next update only where it is computed on that update's batch, by its optimizer."""
    if arrow == "sgd":
        return "next step −lr·g"
    if arrow == "whole set":
        return "full-batch −lr·g"  # (not "next step": a minibatch step uses its batch)
    return f"next step ({OPTIMIZER_NAMES.get(arrow, arrow)}'s update)"  # (not −lr·g)


FIRST = Binding.Group("1st", compact=True)
SECOND = Binding.Group("2nd", compact=True)
ZOOM = Binding.Group("zoom", compact=True)


class LandscapeScreen(ViewScreen):
    VIEW_ACTION = "landscape"
    BINDINGS = [
        Binding("m", "toggle_mode", "1/2 weights", id="landscape.mode",
                tooltip="One parameter (L(w) and its tangent) or two (the contour)"),
        Binding("t", "toggle_data", "batch/all", id="landscape.data",
                tooltip="Loss on the current batch or on the whole training set"),
        # Pairs share one footer entry ("< > 1st"): at 80 columns a pair shows whole or goes to ? help.
        Binding("less_than_sign,comma", "first(-1)", "1st ←", key_display="<", id="landscape.first_prev",
                tooltip="The first weight (→ axis): previous", group=FIRST),
        Binding("greater_than_sign,full_stop", "first(1)", "1st →", key_display=">", id="landscape.first_next",
                tooltip="The first weight (→ axis): next", group=FIRST),
        Binding("left_square_bracket", "second(-1)", "2nd ←", key_display="[", id="landscape.second_prev",
                tooltip="The second weight (↑ axis): previous", group=SECOND),
        Binding("right_square_bracket", "second(1)", "2nd →", key_display="]", id="landscape.second_next",
                tooltip="The second weight (↑ axis): next", group=SECOND),
        Binding("z", "zoom(0.5)", "zoom in", id="landscape.zoom_in", tooltip="Zoom in", group=ZOOM),
        Binding("Z", "zoom(2.0)", "zoom out", id="landscape.zoom_out", tooltip="Zoom out", group=ZOOM),
    ]
    DEFAULT_CSS = """
    LandscapeScreen #landscape-caption { height: auto; max-height: 4; padding: 0 1; }
    LandscapeScreen LandscapePlot, LandscapeScreen LandscapeCurve { border: round $primary; }
    LandscapeScreen LandscapeCurve { height: 1fr; display: none; }
    LandscapeScreen.-one LandscapeCurve { display: block; }
    LandscapeScreen.-one LandscapePlot { display: none; }
    """

    def __init__(self, source: Source, selection: tuple[int, int, int] | None = None):
        super().__init__(source.owner)
        self.source = source
        session = source.sessions(source.runner().session)[0]
        network = session.network
        # Named as the inspector names them, with the lesson's renames (w1 → "w1" in chain-two-weights).
        shape = Names.of_network(network, session.config.names)
        self.params = parameters(network, shape)
        self.loss_name = escape(shape.loss)  # the lesson's name for the loss (C in the chain lessons)
        self.axes = default_axes(self.params, selection)  # indices into self.params
        self.one = len(self.params) < 2
        self.whole_set = False  # False: the current batch
        self.zoom = 1.0
        self.result: Result | None = None
        self._busy = False
        self._last_work = 0.0
        self._last_surface = 0.0
        self._settings_changed = True
        self._seen: tuple | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="landscape-caption")
        yield LandscapePlot(id="landscape-plot")
        yield LandscapeCurve(id="landscape-curve")
        yield FittedFooter()

    def on_mount(self) -> None:
        self.set_class(self.one, "-one")
        self._caption()
        self.set_interval(WORK_EVERY, self._tick)
        self.call_after_refresh(self._tick)

    # ------------------------------------------------------------- actions
    def action_toggle_mode(self) -> None:
        if len(self.params) < 2:
            self.notify("This network has a single parameter: one-parameter view only.", timeout=3)
            return
        self.one = not self.one
        self._changed()

    def action_toggle_data(self) -> None:
        self.whole_set = not self.whole_set
        self._changed()

    def action_first(self, direction: int) -> None:
        first, second = self.axes
        first = (first + direction) % len(self.params)
        if first == second and len(self.params) > 1:
            first = (first + direction) % len(self.params)
        self.axes = (first, second)
        self._changed()

    def action_second(self, direction: int) -> None:
        first, second = self.axes
        if len(self.params) < 2:
            return
        second = (second + direction) % len(self.params)
        if second == first:
            second = (second + direction) % len(self.params)
        self.axes = (first, second)
        self._changed()

    def action_zoom(self, factor: float) -> None:
        self.zoom = min(max(self.zoom * factor, 1 / 64), 64.0)
        self._changed()

    def _changed(self) -> None:
        self.set_class(self.one, "-one")
        self._settings_changed = True
        self.result = None
        self._caption()
        self._tick()

    # ------------------------------------------------------------ the work
    @property
    def chosen(self) -> tuple[int, ...]:
        """Flat indices of the parameters on the axes."""
        axes = self.axes[:1] if self.one else self.axes
        return tuple(self.params[i].flat for i in axes)

    def _tick(self) -> None:
        snaps = self.source.snapshots()
        if not snaps or self._busy:
            return
        head = snaps[0]
        seen = (head.step, head.phases_done, head.taken_at)
        now = time.monotonic()
        if seen == self._seen and not self._settings_changed:
            return
        if now - self._last_work < WORK_EVERY and not self._settings_changed:
            return
        self._seen, self._last_work, self._busy = seen, now, True
        fresh = self._settings_changed
        self._settings_changed = False
        self.run_worker(lambda: self._work(snaps, fresh), thread=True, group="landscape", exclusive=False,
                        exit_on_error=False)

    def _work(self, snaps, fresh: bool) -> None:
        """In a worker thread: paths, gradients and (when needed) a new grid."""
        try:
            result = self._compute(snaps, fresh)
        finally:
            self._busy = False
        if result is not None:
            self.app.call_from_thread(self._show, result)

    def _compute(self, snaps, fresh: bool) -> Result | None:
        axes = self.chosen
        runner = self.source.runner()
        whole_set = self.whole_set

        def read(whole):
            # Weights, batch and optimizer read together between two steps: the arrow is the update they make.
            sessions = self.source.sessions(whole)
            return [Ahead(s.parameter_path.columns(axes)[1], s.network.params.copy(), *s.next_batch(),
                          s.full_batch, copy.deepcopy(s.optimizer), s.step_count,
                          s.last_phase == "update" and s.step_count > 0)
                    for s in sessions], sessions[0].network.clone(), sessions[0].data

        aheads, net, data = runner.read(read)
        first = aheads[0]
        params = first.params
        if whole_set or first.full_batch:
            x, y = data.x_train, data.y_train
            words = "the whole training set" + (" (= the batch)" if first.full_batch else "")
        else:
            x, y, words = first.x, first.y, f"step {first.number:,}'s batch of {len(first.x)}"
        runs = []
        gradient = ()
        loss = float("nan")
        for i, ahead in enumerate(aheads):
            p, path = ahead.params, ahead.path
            bx, by = (x, y) if whole_set or ahead.full_batch else (ahead.x, ahead.y)  # each run's own next batch
            with np.errstate(all="ignore"):
                net.params[...] = p
                net.forward(bx)
                run_loss = net.compute_loss(by)
                net.backward(by)
            g = tuple(float(net.grads[a]) for a in axes)
            if whole_set and not ahead.full_batch:  # the full-batch direction: no optimizer's step
                step = tuple(-ahead.optimizer.learning_rate * v for v in g)
            else:
                update = next_update(ahead.optimizer, p, net.grads, net.weight_mask)
                step = tuple(float(update[a]) for a in axes)
            point = tuple(float(p[a]) for a in axes)
            if not len(path) or tuple(path[-1]) != point:  # where it is now (the path is recorded per update)
                path = np.vstack([path.reshape(-1, len(point)), np.array(point)[None, :]])
            runs.append(Run(path, point if len(point) == 2 else (point[0], 0.0), step if len(step) == 2 else None))
            if i == 0:
                gradient, loss, first_step = g, run_loss, step
        old = self.result
        now = time.monotonic()
        first_point = runs[0].point[: len(axes)]
        reuse = (not fresh and old is not None and old.surface.axes == axes and old.data == words
                 and old.surface.contains(first_point)
                 and (now - self._last_surface < SURFACE_EVERY or not self._others_moved(old, params)))
        if reuse:
            surface = old.surface
        else:
            every_path = np.vstack([r.path[:, : len(axes)] for r in runs])
            reach = tuple(r * self.zoom for r in half_widths(first_point, every_path, first_step))
            size = (201,) if len(axes) == 1 else self._grid_size(work_per_point(net, axes, len(x)))
            surface = evaluate_surface(net, params, axes, x, y, reach, size)
            self._last_surface = now
            self._surface_params = params
        arrow = ("whole set" if whole_set and not first.full_batch
                 else "sgd" if is_plain_descent(first.optimizer) else first.optimizer.name)
        return Result(surface, runs, gradient, loss, first.step, words, after_update=first.after_update,
                      arrow=arrow)

    def _others_moved(self, old: Result, params: np.ndarray) -> bool:
        """Did parameters other than the chosen ones change since the grid was made (its shape with them)?"""
        before = getattr(self, "_surface_params", None)
        if before is None or before.shape != params.shape:
            return True
        mask = np.ones(params.size, dtype=bool)
        mask[list(old.surface.axes)] = False
        return not np.array_equal(before[mask], params[mask])

    def _grid_size(self, work: int) -> tuple[int, int]:
        """One grid point per pixel, fewer when that costs more than GRID_WORK (the picture then has blocks)."""
        plot = self.query_one(LandscapePlot)
        cols, rows = plot.plot_size if plot.size.width else (60, 20)
        cols, pixel_rows = min(cols, 100), min(2 * rows, 60)
        shrink = min(1.0, (GRID_WORK / max(work, 1) / (cols * pixel_rows)) ** 0.5)
        return max(8, int(cols * shrink)), max(6, int(pixel_rows * shrink))

    # ------------------------------------------------------------ drawing
    def _show(self, result: Result) -> None:
        if result.surface.axes != self.chosen:
            return  # made for axes the learner has changed since
        self.result = result
        names = tuple(self.params[i].name for i in (self.axes[:1] if self.one else self.axes))
        if self.one:
            self.query_one(LandscapeCurve).show(result, names[0])
        else:
            self.query_one(LandscapePlot).show(result.surface, result.runs, (names[0], names[1]))
        self._caption()

    def _caption(self) -> None:
        mono = bool(getattr(self.app, "no_color", False))  # as the plot decides (NO_COLOR)
        names = [escape(self.params[i].name) for i in (self.axes[:1] if self.one else self.axes)]
        r = self.result
        data = r.data if r else ("the whole training set" if self.whole_set else "the next batch")
        if self.one:
            loss = self.loss_name
            head = f"[b]Loss landscape[/b]: {loss}({names[0]}) on {data}"
            if r and r.gradient and not (math.isfinite(r.gradient[0]) and math.isfinite(r.loss)):
                # no tangent is drawn (the words below say why)
                head += (f", after {counted(r.step, 'step')}. {loss} = {fmt(r.loss)}, "
                         f"∂{loss}/∂{names[0]} = {fmt(r.gradient[0])}{r.where}")
            elif r and r.gradient:
                tangent = "the straight line through ●" if mono else "orange"
                after = "" if r.after_update else f", after {counted(r.step, 'step')}"  # the slope's words say the step
                head += (f"{after}. Slope of the tangent ({tangent}) = ∂{loss}/∂{names[0]} = "
                         f"{fmt(r.gradient[0])}{r.where}: the derivative is the slope.")
        else:
            head = f"[b]Loss landscape[/b] over {names[0]} → and {names[1]} ↑ on {data}"
            slopes = r is not None and bool(r.gradient) and len(self.source.labels) <= 1
            if r and not (slopes and r.after_update):  # else the slopes' words say the step
                head += f", after {counted(r.step, 'step')}"
            # several runs (compare mode): each arrow is −lr·g on this one surface, not each optimizer's step on
            # its own batch (QA9 C1: "next step" for an Adam or a batch-of-1 run)
            arrow = arrow_words(r.arrow if r else "sgd") if len(self.source.labels) <= 1 else "−lr·g of each run here"
            head += f". • path so far  ● now  ∙→ {arrow}"
            if len(self.source.labels) > 1:
                head += "  " + "  ".join(f"{glyph[1]} {label}" for glyph, label in zip(PATH_GLYPHS, self.source.labels))
            elif r and r.gradient:
                head += "; " + ", ".join(f"∂{self.loss_name}/∂{n} = {fmt(v)}" for n, v in zip(names, r.gradient)) \
                    + r.where
        if r and r.gradient and not all(math.isfinite(v) for v in r.gradient):
            # (the arrow and the tangent need a finite slope: neither is drawn)
            what = "NaN" if any(math.isnan(v) for v in r.gradient) else "infinite"
            head += ("" if head.endswith(".") else ".") + f" The gradient is {what}: no next step to draw (r resets)."
        elif self.one and r and r.gradient and not math.isfinite(r.loss):
            head += ("" if head.endswith(".") else ".") + " The loss here is too large for a number: no point or " \
                "tangent to draw (r resets)."
        if len(self.params) > 2:
            head += ("" if head.endswith(".") else ".") + " Other parameters fixed."
        if mono and not self.one:  # without colour the shades are glyphs: say what they mean
            head += ("" if head.endswith(".") else ".") + f" {NO_COLOR_SHADES}"  # (a sentence of its own: QA9 K4)
        self.query_one("#landscape-caption", Static).update(head)
        plot = self.query_one(LandscapePlot)
        plot.border_title = f"{names[-1]} ↑" if not self.one else None
        self.query_one(LandscapeCurve).border_title = f"{self.loss_name}({names[0]})" if self.one else None
