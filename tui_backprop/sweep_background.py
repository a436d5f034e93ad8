"""A sweep in the background, for the app's sweep view (``S``): a worker thread and the picture it draws.

The headless side (``build_sweep``, ``tui-backprop sweep``) is in ``tui_backprop/sweep.py``.
"""

from __future__ import annotations

import threading
import time
import warnings
from dataclasses import dataclass

import numpy as np

from tui_backprop.config import Config, ConfigError
from tui_backprop.lessons import GoalTracker
from tui_backprop.sweep import DIVERGED, Sweep, build_sweep, falling, tail_start


@dataclass(frozen=True)
class SweepPicture:
    """What the sweep view draws, copied at one instant."""

    step: int
    max_steps: int
    seeds: tuple[int, ...]
    goal: float  # training loss a run must get below
    goal_source: str  # where the goal came from, in a few words ("the lesson's goal")
    curve_steps: np.ndarray  # [E]: 1 (the start), then each epoch end
    curves: np.ndarray  # [E, K] full training loss; a run's column is NaN after it stopped
    median: np.ndarray  # [E] the median run's loss (``median_run``; a finished run counts with its last value)
    loss: np.ndarray  # [K] each run's latest training loss
    steps: np.ndarray  # [K] completed steps
    stopped_at: np.ndarray  # [K] step it reached the goal, or -1
    halts: tuple  # [K] RunHalt or None
    finished: bool  # the sweep is over (every run done or the step budget spent)
    updates_per_second: float
    error: str | None = None
    tail: np.ndarray | None = None  # [K] training loss at step ``tail_step``, where the budget's last tenth begins
    tail_step: int = 0
    challenge: str = ""  # a challenge's goals, judged as the lesson does: ``stopped_at`` is where all were met

    @property
    def reached(self) -> int:
        return int((self.stopped_at >= 0).sum())

    @property
    def halted(self) -> int:
        return sum(1 for h in self.halts if h is not None)

    def diverged_run(self, k: int) -> bool:
        """Run k spent the budget and its loss ended over ``DIVERGED`` times its start: it blew up without
        overflowing yet (exploding-gradients: 1e4 → 1e65), which "stuck" would hide."""
        if not self.finished or self.halts[k] is not None or self.stopped_at[k] >= 0 or not len(self.curves):
            return False
        return bool(self.loss[k] > DIVERGED * self.curves[0, k])

    @property
    def diverged(self) -> int:
        return sum(self.diverged_run(k) for k in range(self.runs)) if self.finished else 0

    def falling_run(self, k: int) -> bool:
        """Run k spent the budget above the goal but its loss still fell over the last tenth (``sweep.falling``):
        slower than the budget, not stuck (QA8 C2)."""
        if not self.finished or self.halts[k] is not None or self.stopped_at[k] >= 0 or self.tail is None:
            return False
        return not self.diverged_run(k) and falling(float(self.tail[k]), float(self.loss[k]))

    @property
    def still_falling(self) -> int:
        return sum(self.falling_run(k) for k in range(self.runs)) if self.finished else 0

    @property
    def stuck(self) -> int:
        """Runs that spent the whole budget above the goal on a flat tail (only known once the sweep is over)."""
        return self.runs - self.reached - self.halted - self.diverged - self.still_falling if self.finished else 0

    @property
    def runs(self) -> int:
        return len(self.seeds)

    @property
    def all_alike(self) -> bool:
        """Every run's losses are the same numbers: the seed changes nothing here (fixed weights and data)."""
        if self.runs < 2 or not len(self.curves):
            return False
        first = self.curves[:, :1]
        return bool(((self.curves == first) | (np.isnan(self.curves) & np.isnan(first))).all()
                    and (self.stopped_at == self.stopped_at[0]).all())


def forward_fill(curves: np.ndarray) -> np.ndarray:
    """Each NaN replaced by the last finite value above it in its column (a stopped run keeps its loss)."""
    if not len(curves):
        return curves
    ok = np.isfinite(curves)
    index = np.where(ok, np.arange(len(curves))[:, None], 0)
    np.maximum.accumulate(index, axis=0, out=index)
    filled = curves[index, np.arange(curves.shape[1])]
    return np.where(ok | (index > 0) | ok[:1], filled, np.nan)


def median_run(curves: np.ndarray) -> np.ndarray:
    """Per row, the median of the finite values as a loss some run has: with an even count, the lower of the
    two middle runs, not their mean (16 runs at 0.05 and 16 at 0.35 have no run at 0.2; QA5 C7). NaN where
    a row has no finite value."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows (every run halted)
        return np.nanquantile(curves, 0.5, axis=1, method="lower")


class BackgroundSweep:
    """A sweep trained in a thread of its own, in short chunks, read through ``picture()``.

    The chunks are about ``chunk_seconds`` long and the thread sleeps a third as long
    between them: the UI thread, which needs the interpreter lock to handle keys and
    draw, gets it at once at least that often.
    """

    def __init__(self, config: Config, runs: int = 32, max_steps: int = 3000, chunk_seconds: float = 0.03):
        self.config = config
        self.seeds = tuple(range(config.network.seed, config.network.seed + runs))
        self.max_steps = max_steps
        self.chunk_seconds = chunk_seconds
        self._cancel = False
        self._lock = threading.Lock()
        self._picture: SweepPicture | None = None
        self._thread: threading.Thread | None = None
        self._started = 0.0
        self._trackers: list = []  # a challenge's: one GoalTracker per run
        self._challenge = ""

    def start(self) -> None:
        self._thread = threading.Thread(target=self._work, name="sweep", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        self._cancel = True

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def picture(self) -> SweepPicture | None:
        with self._lock:
            return self._picture

    def _work(self) -> None:
        try:
            goal = self.config.training.stop_below_loss
            sweep = build_sweep(self.config, self.seeds, None, self.max_steps, track_epochs=True)
            pop = sweep.population
            with np.errstate(all="ignore"):
                start = pop.evaluate(pop.x_train, pop.y_train)
            if goal is None:
                goal = 0.1 * float(np.nanmedian(start))
                source = "a tenth of the median start"  # a preset's stop_below_loss chooses it instead
            else:
                source = "the lesson's goal"
            goals = [g for g in self.config.goals if g.measure != "hidden_neurons"]
            budget = sweep.max_steps
            if goals:  # a challenge: each run judged by its goals at every epoch end, as the lesson does (QA8 C3)
                goal, source = float("nan"), ""
                spe = pop.steps_per_epoch
                deadlines = [g.within_epochs * spe if g.within_epochs else g.by_step or budget for g in goals]
                budget = min(budget, max(deadlines))  # nothing after the last deadline counts
                self._trackers = [GoalTracker(goals, 0) for _ in range(pop.runs)]
                self._challenge = "; ".join(g.text for g in goals)
            pop.stop_below_loss = None if goals else goal
        except (ConfigError, ValueError) as exc:
            self._publish_error(str(exc))
            return
        self._start, self._budget = start, budget
        self._met = np.full(pop.runs, -1)
        self._tail, self._tail_step = None, tail_start(budget)
        self._goal, self._source = goal, source
        self._started = time.perf_counter()
        self._publish(sweep, False)
        chunk = 1
        budget = self._budget
        while not self._cancel and not pop.done and pop.step_count < budget:
            if self._tail is None and pop.step_count >= self._tail_step:  # once: where the last tenth begins
                with np.errstate(all="ignore"):
                    self._tail = pop.evaluate(pop.x_train, pop.y_train)
            began = time.perf_counter()
            to_tail = self._tail_step - pop.step_count if pop.step_count < self._tail_step else budget
            # a challenge is judged at epoch ends: a chunk ends at one
            to_epoch = pop.steps_per_epoch - pop.step_count % pop.steps_per_epoch if self._trackers else budget
            pop.run(min(chunk, budget - pop.step_count, to_tail, to_epoch), should_stop=lambda: self._cancel)
            if self._trackers and pop.step_count % pop.steps_per_epoch == 0:
                self._judge(pop)
            took = time.perf_counter() - began
            chunk = max(1, min(chunk * 2, int(chunk * self.chunk_seconds / max(took, 1e-6)) or 1))
            self._publish(sweep, False)
            time.sleep(self.chunk_seconds / 3)  # let the UI thread in
        if not self._cancel:
            pop.finish_all()
            self._publish(sweep, True)

    def _judge(self, pop) -> None:
        """Each run's goals at this epoch end (the lesson's GoalTracker); a run meets the challenge when all are met."""
        train, test, accuracy = pop.final_metrics()
        epoch = pop.step_count // pop.steps_per_epoch
        for k, tracker in enumerate(self._trackers):
            if self._met[k] < 0:
                tracker.record(pop.step_count, epoch, float(train[k]), float(test[k]), float(accuracy[k]))
                results = tracker.results()
                if all(r.met for r in results):
                    self._met[k] = max(r.step for r in results)

    def _publish(self, sweep: Sweep, finished: bool) -> None:
        pop = sweep.population
        steps, rows = pop.epoch_history()
        # As on the main loss curve, step N's loss is the one at the weights step N starts from: the initial
        # weights' at step 1, and the loss after step N's update at step N + 1 (QA6 K14: both were at step 1).
        curve_steps = np.concatenate([[1.0], steps + 1])
        curves = np.vstack([self._start[None, :], rows]) if len(rows) else self._start[None, :].copy()
        filled = forward_fill(curves)
        median = median_run(filled)
        latest = filled[-1]
        elapsed = time.perf_counter() - self._started
        picture = SweepPicture(
            step=pop.step_count, max_steps=self._budget, seeds=sweep.seeds, goal=self._goal,
            goal_source=self._source, curve_steps=curve_steps, curves=curves, median=median, loss=latest,
            steps=pop.steps.copy(), stopped_at=self._met.copy() if self._trackers else pop.stopped_at.copy(),
            halts=tuple(pop.halts), finished=finished,
            updates_per_second=float(pop.steps.sum()) / elapsed if elapsed > 0 else 0.0,
            tail=self._tail, tail_step=self._tail_step, challenge=self._challenge)
        with self._lock:
            self._picture = picture

    def _publish_error(self, message: str) -> None:
        empty = np.zeros(0)
        with self._lock:
            self._picture = SweepPicture(0, 0, self.seeds, float("nan"), "", empty, np.zeros((0, 0)), empty, empty,
                                         empty, empty, (), True, 0.0, error=message)
