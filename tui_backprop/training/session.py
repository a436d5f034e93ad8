"""A training session you can advance one phase at a time.

A step is 2n + 2 phases for n layers, one layer at a time: forward L1 …
forward Ln → loss → backward Ln … backward L1 → update. The session can stop
after any of them; "pause after backward" leaves the gradients computed and
not yet applied, so they can be read before the optimizer moves anything.
Stepping phase by phase gives bit-identical numbers to ``run``, which takes the
network's fused passes whenever nothing can stop inside a step.

The session is driven from one thread at a time. Readers (the app) get
immutable ``Snapshot`` objects: copies, never views into the live buffers.
"""

from __future__ import annotations

import math

import numpy as np

from tui_backprop.config import PHASES, Config, ConfigError, check_consistency, resolve_phase, step_phases
from tui_backprop.core.datasets import Dataset, make_dataset
from tui_backprop.core.figures import beside
from tui_backprop.core.landscape import ParameterPath
from tui_backprop.core.layer_stats import UpdateRatios
from tui_backprop.core.network import Network, all_finite
from tui_backprop.core.optimizers import make_optimizer
from tui_backprop.lessons import GoalTracker
from tui_backprop.training.history import LossHistory
from tui_backprop.training.reading import SessionReading
from tui_backprop.training.snapshot import DataPoints, GridSnapshot, LayerSnapshot, NanReport, Snapshot
from tui_backprop.training.state import SessionState, carry_state
from tui_backprop.training.timeline import SessionTimeline, Timeline

__all__ = ["PHASES", "DataPoints", "GridSnapshot", "LayerSnapshot", "NanReport", "Session", "Snapshot",
           "accuracy", "dataset_for"]


class Session(SessionState, SessionReading, SessionTimeline):
    grid_size = (48, 48)  # rows, cols of the decision-boundary grid

    def __init__(self, config: Config):
        self.config = config
        self.pause_after = config.training.pause_after
        self.use_notes = True  # headless runs ignore the lessons' notes (and questions)
        self.ask_questions = False  # stop for the lesson's questions (the app asks them; off headless)
        self._build()

    @classmethod
    def headless(cls, config: Config) -> "Session":
        """A session that runs straight through: no pause point, no lesson notes (cli, tests, benchmarks)."""
        return cls(config).set_headless()

    def set_headless(self) -> "Session":
        self.pause_after = "none"
        self.use_notes = False
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
        self._batch_x: dict[int, np.ndarray] = {}
        self._batch_y: dict[int, np.ndarray] = {}
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
        self.message: str | None = None
        self._fired: set[tuple[int, str]] = set()
        self.question = None  # a lesson question waiting for its answer (lessons.Question)
        self._asked: set = set()
        self.goals = GoalTracker(cfg.goals, sum(l.units for l in cfg.network.layers[:-1]))
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
    def pause_after(self) -> str:
        """Where a run stops by itself: "none", any phase, or "forward"/"backward" (the whole pass)."""
        return self._pause_after

    @pause_after.setter
    def pause_after(self, name: str) -> None:
        depth = len(self.config.network.layers)
        phase = resolve_phase(name, depth)
        if name != "none" and phase not in step_phases(depth):
            raise ValueError(f"no phase {name!r} in a step of this {depth}-layer network")
        self._pause_after = name
        self._pause_phase = None if name == "none" else phase

    def _set_pauses(self) -> None:
        """The lesson's notes and questions keyed by (step, phase), "forward"/"backward" resolved to a layer's."""
        depth = len(self.config.network.layers)
        self._pauses = [((n.step, resolve_phase(n.phase, depth)), n.text) for n in self.config.notes]
        self._questions = [((q.ask_at[0], resolve_phase(q.ask_at[1], depth)), q) for q in self.config.questions]
        self._mid_step_notes = {step for (step, phase), _ in self._pauses if phase != "update"}
        self._mid_step_questions = {step for (step, phase), _ in self._questions if phase != "update"}

    def _steps_stopping_inside(self) -> set[int] | frozenset[int]:
        """The steps a lesson note or question may stop inside (so they run phase by phase)."""
        if not self.use_notes:
            return frozenset()
        return self._mid_step_notes | self._mid_step_questions if self.ask_questions else self._mid_step_notes

    @property
    def current_step_number(self) -> int:
        """The number of the step in progress (or about to start), from 1."""
        return self.step_count + 1

    @property
    def full_batch(self) -> bool:
        return self.batch_size == len(self.data.x_train)

    def _draw_batch(self) -> None:
        """The next batch; a new epoch starts with a new order."""
        if self.batch_in_epoch == 0 and not self.full_batch:
            self._shuffle_rng.shuffle(self._order)
        self._take_batch()

    def _take_batch(self) -> None:
        """The batch at ``batch_in_epoch`` in the current order (nothing reshuffled)."""
        data = self.data
        if self.full_batch:
            # Full batch: the order does not matter, so the arrays are used in place.
            self._x, self._y = data.x_train_ones, data.y_train
            return
        start = self.batch_in_epoch * self.batch_size
        idx = self._order[start : start + self.batch_size]
        size = len(idx)
        bx = self._batch_x.get(size)
        if bx is None:
            bx = self._batch_x[size] = np.empty((size, data.x_train_ones.shape[1]))
            self._batch_y[size] = np.empty((size, data.y_train.shape[1]))
        by = self._batch_y[size]
        # mode="clip": the indices are always valid, and take() with mode="raise" buffers (allocates) ``out``.
        data.x_train_ones.take(idx, axis=0, out=bx, mode="clip")
        data.y_train.take(idx, axis=0, out=by, mode="clip")
        self._x, self._y = bx, by

    def _forward_layer(self, index: int) -> None:
        net = self.network
        if index == 0:
            a = net.forward_layer(0, self._x, x_has_ones=True)
        else:
            a = net.forward_layer(index)
        if index == len(net.layers) - 1:
            self._check_forward(a)

    def _check_forward(self, output: np.ndarray) -> bool:
        """The output is finite (the whole-step path checks the same, so both halt alike)."""
        if all_finite(output):
            return True
        layer = next(i for i, f in enumerate(self.network.forward_data()) if not np.isfinite(f.a).all())
        self._halt("forward", layer, "an activation")
        return False

    def _loss(self) -> None:
        self.loss = self.network.compute_loss(self._y)
        if not math.isfinite(self.loss):
            self._halt("loss", None, "the loss")
            return
        self.network.loss_gradient(self._y)

    def _backward_layer(self, index: int) -> None:
        self.network.backward_layer(index, self._y)
        self._check_backward(index)

    def _check_backward(self, index: int) -> bool:
        """Layer ``index``'s deltas and gradients are finite."""
        net = self.network
        if all_finite(net.layers[index].grad_block) and all_finite(net.backward_data()[index].delta):
            return True
        self._halt("backward", index, "a gradient")
        return False

    def _update(self) -> None:
        net = self.network
        params = net.params
        optimizer = self.optimizer
        optimizer.step(params, net.grads, net.weight_mask)
        self.step_count = step = self.step_count + 1
        self.parameter_path.record(step, params)
        self.update_ratios.record(step, params, optimizer.last_update)
        self.history.train.add(step, self.loss)
        self.batch_in_epoch += 1
        if self.batch_in_epoch >= self.steps_per_epoch:
            self.batch_in_epoch = 0
            self.epoch += 1
            self._evaluate()
        if not all_finite(params):
            bad = next(l.index for l in net.layers if not np.isfinite(l.param_block).all())
            self._halt("update", bad, "a weight")
        if not step % Timeline.EVERY:
            self.timeline.keep(self)

    def _whole_step(self) -> None:
        """All phases of one step in the network's fused passes: the full-speed path.

        The numbers are the ones the phases give one at a time; a halt leaves the
        session where the phase-by-phase run would have stopped.
        """
        net = self.network
        self.message = None
        self.question = None
        self._draw_batch()
        y = self._y
        output = net.forward(self._x, x_has_ones=True)
        loss = net.compute_loss(y)
        if not math.isfinite(loss):
            # Every loss is NaN or inf where the output is (tests/core/test_losses_see_bad_outputs), so only a
            # bad loss needs the output checked: which phase halts is the phase-by-phase run's.
            depth = len(net.layers)
            if not self._check_forward(output):
                self._done = depth
                return
            self.loss = loss
            self._done = depth + 1
            self._halt("loss", None, "the loss")
            return
        self.loss = loss
        net.backward(y)
        if not all_finite(net.grads):
            depth = len(net.layers)
            for index in range(depth - 1, -1, -1):
                if not self._check_backward(index):
                    self._done = 2 * depth + 1 - index
                    return
        self._update()

    def _evaluate(self) -> None:
        """End of an epoch: loss on all training data and on the test data."""
        net, data = self.network, self.data
        with np.errstate(all="ignore"):
            self.train_loss, output = net.evaluate_output(data.x_train, data.y_train)
            self.history.train_full.add(self.step_count, self.train_loss)
            y = data.y_train
            if len(data.x_test):
                self.test_loss, output = net.evaluate_output(data.x_test, data.y_test)
                self.history.test.add(self.step_count, self.test_loss)
                y = data.y_test
            if data.task == "classification":  # on the test data if there is any: the output just computed
                self.accuracy = self._accuracy_of(output, y)
                self.history.accuracy.add(self.step_count, self.accuracy)
        self.goals.record(self.step_count, self.epoch, self.train_loss, self.test_loss, self.accuracy)

    def _accuracy_of(self, output: np.ndarray, target: np.ndarray) -> float:
        """``accuracy(output, target, labels)``, the targets' classes worked out once per data set."""
        labels = self.config.data.labels
        known = self._target_classes
        if known is None or known[0] is not target or known[1] != labels:
            known = self._target_classes = (target, labels, classes(target, labels))
        return int(np.count_nonzero(classes(output, labels) == known[2])) / len(target)  # = np.mean of the bools

    def _halt(self, phase: str, layer: int | None, what: str) -> None:
        self.halted = NanReport(self.current_step_number if phase != "update" else self.step_count, phase, layer, what)

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

    def _phase_runners(self) -> list:
        depth = len(self.network.layers)
        forward = [lambda i=i: self._forward_layer(i) for i in range(depth)]
        backward = [lambda i=i: self._backward_layer(i) for i in range(depth - 1, -1, -1)]
        return forward + [self._loss] + backward + [self._update]

    def stop_reason(self, phase: str) -> str | None:
        """Why the session should stop after ``phase`` (just run), if it should.

        A lesson note counts once: asking marks it fired and sets its text as the message;
        a question likewise, once, while questions are asked.
        """
        if self.halted:
            return "halted"
        step = self.step_count if phase == "update" else self.step_count + 1
        reason = None
        if self.use_notes:
            for key, text in self._pauses:
                if key == (step, phase) and key not in self._fired:
                    self._fired.add(key)
                    self.message = text
                    reason = "note"
                    break
            if self.ask_questions:
                for key, q in self._questions:
                    if key == (step, phase) and q not in self._asked:
                        self._asked.add(q)
                        self.question = q
                        self.timeline.keep(self, change=True)  # step back knows it was asked here
                        return "question"
        if reason:
            return reason
        if phase == "update" and self.batch_in_epoch == 0:
            t = self.config.training
            if t.stop_after_epochs is not None and self.epoch >= t.stop_after_epochs:
                self.message = f"Stopped after {self.epoch} epochs (stop_after_epochs = {t.stop_after_epochs})."
                return "stop"
            if t.stop_below_loss is not None and self.train_loss is not None and self.train_loss < t.stop_below_loss:
                # One line at 80 columns; "after the update" tells it from the status line's batch loss.
                self.message = (f"Stopped: after step {self.step_count:,}'s update the training loss "
                                f"{beside(self.train_loss, t.stop_below_loss, 4)} fell below {t.stop_below_loss:g}.")
                return "stop"
            if self.use_notes and self.goals.decided and not self.goals.announced:
                self.goals.announced = True  # once: space runs on past it
                self.message = self.goals.verdict(self.step_count)
                return "stop"
        if phase == self._pause_phase:
            return "pause point"
        return None

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
    def set_parameter(self, layer: int, row: int, column: int, value: float) -> float:
        """Set one weight (``column == fan_in``: the bias) by hand, then redo the forward pass.

        Between steps this runs the next step's forward and loss phases; in the
        middle of a step it redoes them on the same batch. Either way the session
        ends after the loss phase, so the loss shown is the edited network's and
        the next key runs backward with the new value.
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
        net.params[flat_index(net, layer, row, column)] = value
        through_loss = len(net.layers) + 1
        if self._done == 0:
            with np.errstate(all="ignore"):
                while self._done < through_loss and self._phase():
                    pass
        else:
            self._replay(through_loss)
        self.message = None
        self.timeline.keep(self, change=True)
        return self.loss

    def regenerate_data(self, data_seed: int) -> None:
        """New data from another seed, same network: does it generalise?"""
        self.config = self.config.replace("data", seed=int(data_seed))
        self.data = dataset_for(self.config)
        self._points = self.data_points()
        self._order = np.arange(len(self.data.x_train))
        self._batch_x.clear()
        self._batch_y.clear()
        self.batch_in_epoch = 0
        self._done = 0
        self._x = self._y = None
        self._evaluate()
        self.timeline.restart(self)  # earlier states belong to the old data

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
    return make_dataset(d.source, d.samples, d.noise, d.test_fraction, config.data_seed, x=d.x, y=d.y,
                        path=d.path, target_columns=d.target_columns, labels=d.labels, classes=d.classes,
                        features=d.features)


def accuracy(output: np.ndarray, target: np.ndarray, labels: str = "zero_one") -> float:
    return float(np.mean(classes(output, labels) == classes(target, labels)))


def classes(values: np.ndarray, labels: str = "zero_one") -> np.ndarray:
    """The class of each row: the largest column, or for one column which side of the threshold."""
    if values.shape[1] > 1:
        return values.argmax(axis=1)
    return values[:, 0] >= (0.0 if labels == "plus_minus_one" else 0.5)
