"""A training session you can advance one phase at a time.

A step is 2n + 2 phases for n layers, one layer at a time: forward L1 …
forward Ln → loss → backward Ln … backward L1 → update. The session can stop
after any of them; "pause after backward" leaves the gradients computed and
not yet applied, so they can be read before the optimizer moves anything.
Stepping phase by phase gives bit-identical numbers to ``run``, which takes the
network's fused passes whenever nothing can stop inside a step.

The session is driven from one thread at a time. Readers (the app) get
immutable ``Snapshot`` objects: copies, never views into the live buffers.

This file builds the session, takes live changes and runs it; one step's work
is in ``step.py`` and where a run stops in ``stops.py`` (parts of ``Session``,
as ``state.py``, ``reading.py`` and ``timeline.py`` are).
"""

from __future__ import annotations

import math

import numpy as np

from tui_backprop.config import PHASES, Config, ConfigError, check_consistency, step_phases
from tui_backprop.core.datasets import Dataset, make_dataset
from tui_backprop.core.landscape import ParameterPath
from tui_backprop.core.layer_stats import UpdateRatios
from tui_backprop.core.network import Network
from tui_backprop.core.optimizers import make_optimizer
from tui_backprop.lessons import GoalTracker
from tui_backprop.training.history import LossHistory
from tui_backprop.training.reading import SessionReading
from tui_backprop.training.snapshot import DataPoints, GridSnapshot, LayerSnapshot, NanReport, Snapshot
from tui_backprop.training.state import SessionState, carry_state
from tui_backprop.training.step import SessionStep, accuracy, classes
from tui_backprop.training.stops import SessionStops
from tui_backprop.training.timeline import NoTimeline, SessionTimeline, Timeline

__all__ = ["PHASES", "DataPoints", "GridSnapshot", "LayerSnapshot", "NanReport", "Session", "Snapshot",
           "accuracy", "classes", "dataset_for"]


class Session(SessionStep, SessionStops, SessionState, SessionReading, SessionTimeline):
    grid_size = (48, 48)  # rows, cols of the decision-boundary grid

    def __init__(self, config: Config, lesson: Config | None = None):
        self.config = config
        # The lesson's own settings (``lesson``: those of the run this one was made from): its notes' numbers
        # are for them, and a note says so when this run's differ (``SessionStops.differs_from_lesson``).
        self.lesson_config = lesson or config
        self.pause_after = config.training.pause_after
        self.use_notes = True  # headless runs ignore the lessons' notes (and questions)
        self.ask_questions = False  # stop for the lesson's questions (the app asks them; off headless)
        self._build()

    @classmethod
    def headless(cls, config: Config, step_back: bool = True) -> "Session":
        """A session that runs straight through: no pause point, no lesson notes (cli, tests, benchmarks).
        Without ``step_back`` it keeps no earlier states (the CLI: ~1 µs a step less, and no memory for them)."""
        return cls(config).set_headless(step_back)

    def set_headless(self, step_back: bool = True) -> "Session":
        self.pause_after = "none"
        self.use_notes = False
        if not step_back:
            self.timeline = NoTimeline()
        return self

    # ------------------------------------------------------------- building
    def _build(self) -> None:
        cfg = self.config
        try:
            data = dataset_for(cfg)
        except (ValueError, OSError) as exc:
            field = "data.path" if cfg.data.source == "csv" else "data"
            raise ConfigError(cfg.path, field, str(exc)) from None
        check_consistency(cfg, input_width=data.inputs)
        _check_targets(cfg, data)
        if data.outputs != cfg.network.layers[-1].units:
            raise ConfigError(cfg.path, f"network.layers[{len(cfg.network.layers) - 1}].units",
                              f"expected {data.outputs} (the data has {data.outputs} target column(s))")
        self.data: Dataset = data
        net = cfg.network
        try:
            self.network = Network(net.inputs, list(net.layers), cfg.training.loss, net.init, net.seed,
                                   net.bias_init, net.init_scale)
        except ValueError as exc:
            raise ConfigError(cfg.path, "network", str(exc)) from None
        self._make_optimizer()
        self.initial_params = self.network.params.copy()
        self.history = LossHistory()
        # For the loss landscape and layer statistics views: recorded after each update, bounded memory.
        self.parameter_path = ParameterPath(self.network.params.size)
        self.parameter_path.record(0, self.network.params)
        self.update_ratios = UpdateRatios(self.network)
        self._shuffle_rng = np.random.default_rng([net.seed, 3])
        n = len(data.x_train)
        bs = cfg.training.batch_size
        self.batch_size = n if bs == "full" or bs >= n else int(bs)
        self.steps_per_epoch = math.ceil(n / self.batch_size)
        self._order = np.arange(n)
        self._plan_batches()
        self.step_count = 0
        self.epoch = 0
        self.batch_in_epoch = 0
        self._phases = step_phases(len(self.network.layers))
        self._runners = self._phase_runners()
        self._done = 0  # phases of the step in progress that have run: the one record of the phase
        self._set_pauses()
        self.loss: float | None = None
        self.train_loss: float | None = None
        self.test_loss: float | None = None
        self.accuracy: float | None = None
        self.halted: NanReport | None = None
        self.weights_edited = False  # a weight typed by hand (w) since the start: the lesson's numbers are not this run's
        self.message: str | None = None
        self._fired: set[tuple[int, str]] = set()
        self.question = None  # a lesson question waiting for its answer (lessons.Question)
        self._asked: set = set()
        self.answers: dict = {}  # Question → "correct", "wrong" or "skipped": the app judges, the session keeps
        self.goals = GoalTracker(cfg.goals, sum(l.units for l in cfg.network.layers[:-1]))
        self._train_and_test = None  # (x_train, x_test, both in one array or None) for the epoch end
        self._target_classes = None  # (targets, labels, their classes) for the end-of-epoch accuracy
        self._x: np.ndarray | None = None  # the batch of the step in progress (or of the last one)
        self._y: np.ndarray | None = None
        self._points = self.data_points()
        feats = self.config.data.features
        self._input_names = tuple(feats) if feats else tuple(f"x{i + 1}" for i in range(self.network.inputs))
        self.timeline = Timeline()
        self.timeline.keep(self)

    def _make_optimizer(self) -> None:
        t = self.config.training
        self.optimizer = make_optimizer(t.optimizer, self.network.params.size, t.learning_rate,
                                        t.regularization, t.regularization_rate, **dict(t.optimizer_settings))

    def reset(self) -> None:
        """Back to the initial weights, same seed: the run repeats exactly."""
        self._build()

    # ---------------------------------------------------------- live changes
    @property
    def learning_rate(self) -> float:
        return self.optimizer.learning_rate

    def set_learning_rate(self, value: float) -> None:
        if not (value > 0 and math.isfinite(value)):
            raise ValueError("the learning rate must be a positive number")
        self.optimizer.learning_rate = float(value)
        self.config = self.config.replace("training", learning_rate=float(value))
        self.timeline.keep(self, change=True)

    def set_training(self, **changes) -> None:
        """Change optimizer settings live (keeps weights; a new optimizer starts fresh state)."""
        self.config = self.config.replace("training", **changes)
        t = self.config.training
        if "pause_after" in changes:
            self.pause_after = t.pause_after
        opt_keys = {"optimizer", "optimizer_settings", "regularization", "regularization_rate"}
        if opt_keys & set(changes):
            old = self.optimizer
            self._make_optimizer()
            if self.optimizer.name == old.name:  # new settings, same optimizer: it keeps what it has gathered
                carry_state(old, self.optimizer)
        if "learning_rate" in changes:
            self.optimizer.learning_rate = t.learning_rate
        if set(changes) - {"pause_after"}:
            self.timeline.keep(self, change=True)

    # ------------------------------------------------------------ the phases
    @property
    def phases(self) -> tuple[str, ...]:
        """The phases of one step, in order: forward L1 … forward Ln, loss, backward Ln … backward L1, update."""
        return self._phases

    @property
    def next_phase(self) -> str:
        return self._phases[self._done]

    @property
    def last_phase(self) -> str | None:
        """The phase just completed (None before the first step)."""
        if self._done:
            return self._phases[self._done - 1]
        return "update" if self.step_count else None

    @property
    def in_step(self) -> bool:
        """Some phases of a step have run and the update has not."""
        return self._done > 0

    @property
    def phases_done(self) -> tuple[str, ...]:
        """Phases of the step in progress that have run (all of them between steps, once a step is done)."""
        if self._done:
            return self._phases[: self._done]
        return self._phases if self.step_count else ()

    def _forward_done(self, layer: int) -> bool:
        """The network holds ``layer``'s forward pass of this step's batch (between steps: of the last step's)."""
        # The batch is drawn by the first phase and dropped by a reset, new data or a load between steps.
        return self._x is not None and (self._done == 0 or self._done > layer)

    def _backward_done(self, layer: int) -> bool:
        depth = len(self.network.layers)
        return self._x is not None and (self._done == 0 or self._done > 2 * depth - layer)

    @property
    def current_step_number(self) -> int:
        """The number of the step in progress (or about to start), from 1."""
        return self.step_count + 1

    def run_phase(self) -> str | None:
        """Run the next phase. Returns its name, or None if the session is halted."""
        # Overflow in a diverging run is reported as a NaN halt, not as numpy warnings.
        with np.errstate(all="ignore"):
            return self._phase()

    def _phase(self) -> str | None:
        if self.halted:
            return None
        done = self._done
        self.message = None
        self.question = None
        if done == 0:
            self._draw_batch()
        self._runners[done]()
        self._done = (done + 1) % len(self._phases)
        return self._phases[done]

    def advance_phase(self) -> str | None:
        phase = self.run_phase()
        if phase is not None:
            self.stop_reason(phase)
        return phase

    def step(self) -> list[str]:
        """Finish the step in progress (or run a whole one).

        Stops early at the pause point: with pause-after-backward, the first
        call stops with gradients computed, the next one applies them.
        """
        done = []
        while True:
            phase = self.run_phase()
            if phase is None:
                break
            done.append(phase)
            reason = self.stop_reason(phase)
            if self._done == 0 or reason:
                break
        return done

    def run_epoch(self) -> int:
        """Steps until the end of the current epoch (or a pause point). Returns steps completed."""
        start = self.step_count
        target = self.epoch + 1
        while self.epoch < target and not self.halted:
            if self.run(self.steps_per_epoch - self.batch_in_epoch) != "steps":  # the rest of this epoch
                break
        return self.step_count - start

    def run(self, max_steps: int, should_stop=None) -> str:
        """Run up to ``max_steps`` whole steps (finishing the one in progress first).

        Returns why it stopped: "steps", "requested", "pause point",
        "note", "question", "stop" or "halted". ``should_stop()`` is polled between
        steps so a pause takes effect within one step.
        """
        with np.errstate(all="ignore"):
            return self._run(max_steps, should_stop)

    def _run(self, max_steps: int, should_stop=None) -> str:
        steps_done = 0
        # Whole steps unless the pause point or a lesson note or question may stop inside one (decided
        # once per call: those settings change only between calls).
        whole = self._pause_phase in (None, "update")
        inside = self._steps_stopping_inside()
        every_update = self._may_stop_inside_an_epoch()  # else only an epoch's end may stop a whole-step run
        whole_step, stop_reason = self._whole_step, self.stop_reason
        while steps_done < max_steps:
            if should_stop is not None and should_stop():
                return "requested"
            if self.halted:
                return "halted"
            if whole and self._done == 0 and self.step_count + 1 not in inside:
                whole_step()  # nothing can stop inside this step
                if self.halted:
                    return "halted"
                steps_done += 1
                if every_update or self.batch_in_epoch == 0:
                    reason = stop_reason("update")
                    if reason:
                        return reason
                continue
            while True:
                phase = self._phase()
                if phase is None:
                    return "halted"
                reason = stop_reason(phase)
                if reason:
                    if phase == "update":
                        steps_done += 1
                    return reason
                if self._done == 0:
                    break
            steps_done += 1
        return "steps"

    # -------------------------------------------------- hands-on changes
    def set_parameter(self, layer: int, row: int, column: int, value: float) -> tuple[float, float]:
        """Set one weight (``column == fan_in``: the bias) by hand, then redo the forward pass.

        Between steps this runs the next step's forward and loss phases; in the
        middle of a step it redoes them on the same batch. Either way the session
        ends after the loss phase, so the loss shown is the edited network's and
        the next key runs backward with the new value.
        Returns (loss with the old value, loss with the new), both on that one batch: the
        previous step's loss was another batch's, so it cannot say whether the edit helped.
        """
        from tui_backprop.core.gradcheck import flat_index

        if not math.isfinite(value):
            raise ValueError("a weight must be a finite number")
        if self.halted:
            raise ValueError("training halted on NaN/inf: reset first")
        net = self.network
        if not (0 <= layer < len(net.layers)) or not (0 <= row < net.layers[layer].units):
            raise ValueError("no such weight")
        cols = net.layers[layer].param_block.shape[1]
        if not 0 <= column < cols:
            raise ValueError("no such weight")
        through_loss = len(net.layers) + 1
        if self._done == 0:  # the next step's batch, first with the old value
            with np.errstate(all="ignore"):
                while self._done < through_loss and self._phase():
                    pass
        else:
            self._replay(through_loss)
        before = self.loss
        index = flat_index(net, layer, row, column)
        self.weights_edited = self.weights_edited or float(net.params[index]) != value
        net.params[index] = value
        self._replay(through_loss)  # the same batch with the new value
        self.message = None
        self.timeline.keep(self, change=True)
        self.ask_passed(step_phases(len(net.layers))[:through_loss])
        return before, self.loss

    def regenerate_data(self, data_seed: int) -> None:
        """New data from another seed, same network: does it generalise?"""
        self.config = self.config.replace("data", seed=int(data_seed))
        self.data = dataset_for(self.config)
        self._points = self.data_points()
        self._order = np.arange(len(self.data.x_train))
        self._plan_batches()
        self.batch_in_epoch = 0
        self._done = 0
        self._x = self._y = None
        self._evaluate()
        self.timeline.restart(self, "new data was drawn")  # earlier states belong to the old data

def _check_targets(cfg: Config, data: Dataset) -> None:
    """bce needs targets in [0, 1]; cross_entropy needs one-hot rows."""
    loss = cfg.training.loss
    y = np.vstack([data.y_train, data.y_test])
    field = {"inline": "data.y", "csv": "data.path"}.get(cfg.data.source, "data.source")
    if loss == "bce" and ((y < 0.0) | (y > 1.0)).any():
        raise ConfigError(cfg.path, field, f"loss 'bce' needs targets between 0 and 1, the data has "
                                           f"{y.min():g} … {y.max():g}")
    if loss == "cross_entropy" and not (np.isin(y, (0.0, 1.0)).all() and (y.sum(axis=1) == 1.0).all()):
        raise ConfigError(cfg.path, field, "loss 'cross_entropy' needs one-hot targets (one 1 per row, the rest 0)")


def dataset_for(config: Config) -> Dataset:
    """The data a configuration describes, from its data seed."""
    d = config.data
    data = make_dataset(d.source, d.samples, d.noise, d.test_fraction, config.data_seed, x=d.x, y=d.y,
                        path=d.path, target_columns=d.target_columns, labels=d.labels, classes=d.classes,
                        features=d.features)
    if data.task == "regression" and config.training.loss in ("bce", "cross_entropy") and _labels(data.y_train):
        # inline or CSV targets of 0 and 1 under a classifier's loss (xor-two-hidden) are classes: accuracy counts
        data.task = "classification"
    return data


def _labels(y) -> bool:
    """0/1 targets: one column, or one 1 a row (one-hot)."""
    return bool(np.isin(y, (0.0, 1.0)).all() and (y.shape[1] == 1 or (y.sum(axis=1) == 1).all()))
