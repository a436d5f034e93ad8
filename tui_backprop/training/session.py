"""A training session you can advance one phase at a time.

One step is four phases: forward → loss → backward → update. The session can
stop after any of them; "pause after backward" leaves the gradients computed
and not yet applied, so they can be read before the optimizer moves anything.

The session is driven from one thread at a time. Readers (the app) get
immutable ``Snapshot`` objects: copies, never views into the live buffers.
"""

from __future__ import annotations

import math
import time
import numpy as np

from tui_backprop.config import PHASES, Config, ConfigError, check_consistency
from tui_backprop.core.datasets import Dataset, make_dataset
from tui_backprop.core.diagnostics import HealthWatch, LayerDiagnostics, diagnose
from tui_backprop.core.landscape import ParameterPath
from tui_backprop.core.layer_stats import UpdateRatios
from tui_backprop.core.network import Network, all_finite
from tui_backprop.core.optimizers import Optimizer, make_optimizer
from tui_backprop.lessons import GoalTracker
from tui_backprop.training.history import LossHistory
from tui_backprop.training.snapshot import DataPoints, GridSnapshot, LayerSnapshot, NanReport, Snapshot

__all__ = ["PHASES", "DataPoints", "GridSnapshot", "LayerSnapshot", "NanReport", "Session", "Snapshot",
           "accuracy", "dataset_for"]


class Session:
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
            raise ConfigError(cfg.path, "data", str(exc)) from None
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
        self._done = 0  # phases of the step in progress that have run: the one record of the phase
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
        self._x: np.ndarray | None = None  # the batch of the step in progress (or of the last one)
        self._y: np.ndarray | None = None
        self._points = self.data_points()
        feats = self.config.data.features
        self._input_names = tuple(feats) if feats else tuple(f"x{i + 1}" for i in range(self.network.inputs))

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
                _carry_state(old, self.optimizer)
        if "learning_rate" in changes:
            self.optimizer.learning_rate = t.learning_rate

    # ------------------------------------------------------------ the phases
    @property
    def phases(self) -> tuple[str, ...]:
        """The phases of one step, in order."""
        return PHASES

    @property
    def next_phase(self) -> str:
        return self.phases[self._done]

    @property
    def last_phase(self) -> str | None:
        """The phase just completed (None before the first step)."""
        if self._done:
            return self.phases[self._done - 1]
        return "update" if self.step_count else None

    @property
    def in_step(self) -> bool:
        """Some phases of a step have run and the update has not."""
        return self._done > 0

    @property
    def phases_done(self) -> tuple[str, ...]:
        """Phases of the step in progress that have run (all of them between steps, once a step is done)."""
        if self._done:
            return self.phases[: self._done]
        return self.phases if self.step_count else ()

    def _forward_done(self) -> bool:
        """The network holds a forward pass of this step's batch (or of the last step's, between steps)."""
        return self._x is not None  # drawn by the first phase; gone after a reset, new data or a load

    def _backward_done(self) -> bool:
        return self._x is not None and (self._done == 0 or self._done > self.phases.index("backward"))

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

    def _forward(self) -> None:
        out = self.network.forward(self._x, x_has_ones=True)
        if not all_finite(out):
            layer = next(i for i, f in enumerate(self.network.forward_data()) if not np.isfinite(f.a).all())
            self._halt("forward", layer, "an activation")

    def _loss(self) -> None:
        self.loss = self.network.compute_loss(self._y)
        if not math.isfinite(self.loss):
            self._halt("loss", None, "the loss")

    def _backward(self) -> None:
        net = self.network
        net.backward(self._y)
        if not all_finite(net.grads):
            found = net.backward_data()
            for i in range(len(net.layers) - 1, -1, -1):
                layer = net.layers[i]
                if not (np.isfinite(found[i].delta).all() and np.isfinite(layer.grad_block).all()):
                    self._halt("backward", i, "a gradient")
                    return
            self._halt("backward", None, "a gradient")

    def _update(self) -> None:
        net = self.network
        self.optimizer.step(net.params, net.grads, net.weight_mask)
        self.step_count += 1
        self.parameter_path.record(self.step_count, net.params)
        self.update_ratios.record(self.step_count, net.params, self.optimizer.last_update)
        self.history.train.add(self.step_count, self.loss)
        self.batch_in_epoch += 1
        if self.batch_in_epoch >= self.steps_per_epoch:
            self.batch_in_epoch = 0
            self.epoch += 1
            self._evaluate()
        if not all_finite(net.params):
            bad = next(l.index for l in net.layers if not np.isfinite(l.param_block).all())
            self._halt("update", bad, "a weight")

    def _evaluate(self) -> None:
        """End of an epoch: loss on all training data and on the test data."""
        net, data = self.network, self.data
        with np.errstate(all="ignore"):
            self.train_loss = net.evaluate(data.x_train, data.y_train)
            self.history.train_full.add(self.step_count, self.train_loss)
            if len(data.x_test):
                self.test_loss = net.evaluate(data.x_test, data.y_test)
                self.history.test.add(self.step_count, self.test_loss)
            if data.task == "classification":
                x, y = (data.x_test, data.y_test) if len(data.x_test) else (data.x_train, data.y_train)
                self.accuracy = accuracy(net.predict(x), y, self.config.data.labels)
                self.history.accuracy.add(self.step_count, self.accuracy)
        self.goals.record(self.step_count, self.epoch, self.train_loss, self.test_loss, self.accuracy)

    _RUN = {"forward": _forward, "loss": _loss, "backward": _backward, "update": _update}

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
        phases = self.phases
        phase = phases[self._done]
        self.message = None
        self.question = None
        if self._done == 0:
            self._draw_batch()
        self._RUN[phase](self)
        self._done = (self._done + 1) % len(phases)
        return phase

    def stop_reason(self, phase: str) -> str | None:
        """Why the session should stop after ``phase`` (just run), if it should.

        A lesson note counts once: asking marks it fired and sets its text as the message.
        """
        if self.halted:
            return "halted"
        step = self.step_count if phase == "update" else self.step_count + 1
        for cp in self.config.notes if self.use_notes else ():
            key = (cp.step, cp.phase)
            if key == (step, phase) and key not in self._fired:
                self._fired.add(key)
                self.message = cp.text
                reason = "note"
                break
        else:
            reason = None
        if self.use_notes and self.ask_questions:
            for q in self.config.questions:
                if q.ask_at == (step, phase) and q not in self._asked:
                    self._asked.add(q)
                    self.question = q
                    return "question"
        if reason:
            return reason
        if phase == "update" and self.batch_in_epoch == 0:
            t = self.config.training
            if t.stop_after_epochs is not None and self.epoch >= t.stop_after_epochs:
                self.message = f"Stopped after {self.epoch} epochs (stop_after_epochs = {t.stop_after_epochs})."
                return "stop"
            if t.stop_below_loss is not None and self.train_loss is not None and self.train_loss < t.stop_below_loss:
                self.message = (f"Stopped: the training loss {self.train_loss:.4g} fell below "
                                f"{t.stop_below_loss:g} after {self.epoch} epochs.")
                return "stop"
        if phase == self.pause_after:
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
        while steps_done < max_steps:
            if should_stop is not None and should_stop():
                return "requested"
            while True:
                phase = self._phase()
                if phase is None:
                    return "halted"
                reason = self.stop_reason(phase) if (self.config.notes or self.config.questions
                                                    or phase == self.pause_after or self.halted
                                                    or phase == "update") else None
                if reason:
                    if phase == "update":
                        steps_done += 1
                    return reason
                if self._done == 0:
                    break
            steps_done += 1
        return "steps"

    # ------------------------------------------------------ the whole state
    def state_dict(self) -> dict:
        """Everything that decides the rest of the run, as copies and plain values.

        ``load_state_dict`` puts it back so the run goes on bit for bit as it
        would have. In the middle of a step only the number of phases done is
        kept besides the weights: loading takes the same batch again and
        replays those phases, which recomputes the same numbers.
        """
        net, opt = self.network, self.optimizer
        return {
            "config": self.config,
            "step_count": self.step_count,
            "epoch": self.epoch,
            "batch_in_epoch": self.batch_in_epoch,
            "phases_done": self._done,
            "loss": self.loss,
            "train_loss": self.train_loss,
            "test_loss": self.test_loss,
            "accuracy": self.accuracy,
            "pause_after": self.pause_after,
            "use_notes": self.use_notes,
            "message": self.message,
            "notes_fired": tuple(sorted(self._fired)),
            "halted": self.halted,
            "params": net.params.copy(),
            "grads": net.grads.copy(),
            "initial_params": self.initial_params.copy(),
            "optimizer": {
                "name": opt.name,
                "steps": opt.steps,
                "learning_rate": opt.learning_rate,
                "regularization": opt.regularization,
                "regularization_rate": opt.regularization_rate,
                "settings": dict(opt.settings),
                "state": {name: arr.copy() for name, arr in opt.state_arrays().items()},
                "last_update": opt.last_update.copy(),
            },
            "shuffle_rng": self._shuffle_rng.bit_generator.state,
            "order": self._order.copy(),
            "history": self.history.state(),
        }

    def load_state_dict(self, state: dict) -> None:
        """Put back a ``state_dict()`` of a session with the same network and data."""
        config = state["config"]
        if (config.network, config.data) != (self.config.network, self.config.data):
            raise ValueError("the saved state belongs to another network or data set")
        net = self.network
        done = int(state["phases_done"])
        if not 0 <= done < len(self.phases):
            raise ValueError(f"phases_done must be 0 to {len(self.phases) - 1}, got {done}")
        batch_in_epoch = int(state["batch_in_epoch"])
        if not 0 <= batch_in_epoch < self.steps_per_epoch:
            raise ValueError(f"batch_in_epoch {batch_in_epoch} is out of range")
        o = state["optimizer"]
        opt = make_optimizer(o["name"], net.params.size, o["learning_rate"], o["regularization"],
                             o["regularization_rate"], **o["settings"])
        if sorted(o["state"]) != sorted(opt.state_arrays()):
            raise ValueError("the optimizer state arrays do not match the optimizer")
        for name, live in opt.state_arrays().items():
            live[...] = _same_shape(o["state"][name], live, f"optimizer state {name!r}")
        opt.last_update[...] = _same_shape(o["last_update"], opt.last_update, "optimizer last update")
        opt.steps = int(o["steps"])
        order = np.asarray(state["order"])
        if not np.array_equal(np.sort(order), np.arange(len(self.data.x_train))):
            raise ValueError("the shuffle order is not a permutation of the training samples")
        net.params[...] = _same_shape(state["params"], net.params, "parameters")
        self.initial_params = _same_shape(state["initial_params"], net.params, "initial parameters").copy()
        self.config = config
        self.optimizer = opt
        self._shuffle_rng.bit_generator.state = state["shuffle_rng"]
        self._order = order.astype(self._order.dtype, copy=True)
        self.history.load_state(state["history"])
        self.step_count, self.epoch = int(state["step_count"]), int(state["epoch"])
        self.parameter_path.record(self.step_count, net.params)  # a step back forgets the path after it
        self.update_ratios.series.truncate(self.step_count + 1)
        self.batch_in_epoch = batch_in_epoch
        self.halted = None
        self._done = 0
        self._x = self._y = None
        if done:  # the same batch again, and the phases run so far on it
            self._take_batch()
            with np.errstate(all="ignore"):
                for phase in self.phases[:done]:
                    self._RUN[phase](self)
        net.grads[...] = _same_shape(state["grads"], net.grads, "gradients")
        self._done = done
        self.loss, self.train_loss = state["loss"], state["train_loss"]
        self.test_loss, self.accuracy = state["test_loss"], state["accuracy"]
        self.pause_after = state["pause_after"]
        self.use_notes = bool(state["use_notes"])
        self.message = state["message"]
        self._fired = {(int(step), str(phase)) for step, phase in state["notes_fired"]}
        self.halted = state["halted"]

    # ------------------------------------------------------------- reading
    def diagnostics(self, fresh: bool = True) -> list[LayerDiagnostics]:
        """Per-layer health; ``fresh=False`` (while running) lets the dead-unit count lag at a capped rate."""
        if not hasattr(self, "_health"):
            self._health = HealthWatch()
        net = self.network
        fwd = net.forward_data() if self._forward_done() else None
        dead, dead_step = self._health.dead(net, self.data.x_train, self.step_count, fresh)
        grad_step = self.step_count + (1 if self.in_step and self._backward_done() else 0)
        growth = self._health.gradient_growth(net, grad_step)
        return diagnose(net, self.optimizer.last_update if self.optimizer.steps else None,
                        [f.z for f in fwd] if fwd else None, [f.a for f in fwd] if fwd else None,
                        has_gradients=self._backward_done() or self.step_count > 0,
                        dead=dead, dead_step=dead_step, growth=growth)

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
        with np.errstate(all="ignore"):
            if self._done == 0:
                self._phase()
                self._phase()
            else:
                self._done = 2
                self._forward()
                if not self.halted:
                    self._loss()
        self.message = None
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

    # ----------------------------------------------------- checks on demand
    def check_weight(self, layer: int, row: int, column: int) -> tuple[float, float]:
        """(backprop's gradient, finite-difference gradient) of one weight on the current batch.

        ``column == fan_in`` is the bias. Needs a forward pass this step or before.
        """
        from tui_backprop.core.gradcheck import flat_index, numeric_gradient

        x, y = self._current_batch()
        net = self._checked_network()
        idx = flat_index(net, layer, row, column)
        net.forward(x)
        net.backward(y)
        return float(net.grads[idx]), float(numeric_gradient(net, x, y, idx))

    def check_layer(self, layer: int):
        from tui_backprop.core.gradcheck import check_layers

        x, y = self._current_batch()
        return check_layers(self._checked_network(), x, y, layers=[layer])[0]

    def _checked_network(self):
        """A copy with the weights the gradients on screen came from: between steps, those before the update."""
        net = self.network.clone()
        if not self.in_step and self._x is not None and self.optimizer.steps:
            net.params[...] = self.optimizer.previous_params
        return net

    def _current_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """The batch of the step in progress (or the next one, before any forward pass)."""
        if self._x is not None:
            return self._x[:, :-1].copy(), np.array(self._y, copy=True)
        data = self.data
        if self.full_batch:
            return data.x_train.copy(), data.y_train.copy()
        order = self._order
        if self.batch_in_epoch == 0:  # the next step reshuffles: do the same on copies
            rng = np.random.Generator(type(self._shuffle_rng.bit_generator)())
            rng.bit_generator.state = self._shuffle_rng.bit_generator.state
            order = order.copy()
            rng.shuffle(order)
        start = self.batch_in_epoch * self.batch_size
        idx = order[start : start + self.batch_size]
        return data.x_train[idx], data.y_train[idx]

    def grid_snapshot(self) -> GridSnapshot | None:
        data = self.data
        if not data.is_2d:
            return None
        x0, x1, y0, y1 = data.extent
        rows, cols = self.grid_size
        xs = np.linspace(x0, x1, cols)
        ys = np.linspace(y1, y0, rows)
        gx, gy = np.meshgrid(xs, ys)
        points = np.column_stack([gx.ravel(), gy.ravel()])
        with np.errstate(all="ignore"):
            outs = self.network.layer_outputs(data.featurize(points))
        return GridSnapshot(data.extent, tuple(o.reshape(rows, cols, -1) for o in outs))

    def data_points(self) -> DataPoints:
        d = self.data
        return DataPoints(d.points_train, d.y_train, d.points_test, d.y_test, d.task, self.config.data.labels)

    def snapshot(self, running: bool = False, steps_per_second: float = 0.0, grid: bool = True) -> Snapshot:
        net = self.network
        fwd = net.forward_data() if self._forward_done() else None
        bwd = net.backward_data() if self._backward_done() else None
        diags = self.diagnostics(fresh=not running)
        layers = []
        offset = 0
        upd = self.optimizer.last_update
        for i, layer in enumerate(net.layers):
            size = layer.param_block.size
            block = upd[offset : offset + size].reshape(layer.param_block.shape)
            offset += size
            layers.append(LayerSnapshot(
                index=i, units=layer.units, fan_in=layer.fan_in, activation=layer.activation.name,
                has_bias=layer.has_bias,
                weights=layer.weights.copy(), biases=None if layer.biases is None else layer.biases.copy(),
                grad_weights=layer.grad_weights.copy(),
                grad_biases=None if layer.grad_biases is None else layer.grad_biases.copy(),
                update_weights=block[:, : layer.fan_in].copy(),
                update_biases=block[:, layer.fan_in].copy() if layer.has_bias else None,
                inputs=fwd[i].inputs.copy() if fwd else None,
                z=fwd[i].z.copy() if fwd else None,
                a=fwd[i].a.copy() if fwd else None,
                grad_a=bwd[i].grad_a.copy() if bwd else None,
                delta=bwd[i].delta.copy() if bwd else None,
                diagnostics=diags[i],
            ))
        steps, losses = self.history.train.arrays()
        tsteps, tloss = self.history.test.arrays()
        acc_steps, acc_values = self.history.accuracy.arrays()
        ratio_steps, ratio_values = self.update_ratios.arrays()
        return Snapshot(
            step=self.step_count, epoch=self.epoch, batch_in_epoch=self.batch_in_epoch,
            steps_per_epoch=self.steps_per_epoch, last_phase=self.last_phase, next_phase=self.next_phase,
            phases_done=self.phases_done, loss=self.loss, train_loss=self.train_loss,
            test_loss=self.test_loss, accuracy=self.accuracy, learning_rate=self.learning_rate,
            pause_after=self.pause_after, halted=self.halted, message=self.message,
            history_steps=steps, history_loss=losses, test_steps=tsteps, test_loss_history=tloss,
            layers=tuple(layers),
            batch_x=None if fwd is None else net.batch_inputs.copy(),
            batch_y=None if fwd is None else np.array(self._y, copy=True),
            output=None if fwd is None else fwd[-1].a.copy(),
            title=self.config.title, loss_name=self.network.loss.name,
            accuracy_steps=acc_steps, accuracy_history=acc_values,
            update_ratio_steps=ratio_steps, update_ratio_history=ratio_values,
            input_names=self._input_names, grid=self.grid_snapshot() if grid else None,
            data_points=self._points, running=running, steps_per_second=steps_per_second,
            taken_at=time.monotonic(),
        )

    def layers_json(self) -> list[dict]:
        return [
            {
                "activation": layer.activation.name,
                "weights": layer.weights.tolist(),
                "biases": None if layer.biases is None else layer.biases.tolist(),
            }
            for layer in self.network.layers
        ]

    def full_training_loss(self) -> float:
        with np.errstate(all="ignore"):
            return self.network.evaluate(self.data.x_train, self.data.y_train)


def _carry_state(old: Optimizer, new: Optimizer) -> None:
    """``new`` (same kind, other settings) goes on from what ``old`` has gathered: moments, step count."""
    for name, arr in new.state_arrays().items():
        arr[...] = old.state_arrays()[name]
    new.last_update[...] = old.last_update
    new.previous_params[...] = old.previous_params  # the gradient check reads them
    new.steps = old.steps


def _same_shape(value, live: np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.shape != live.shape:
        raise ValueError(f"{what} have shape {arr.shape}, expected {live.shape}")
    return arr


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
    if output.shape[1] > 1:
        return float(np.mean(output.argmax(axis=1) == target.argmax(axis=1)))
    threshold = 0.0 if labels == "plus_minus_one" else 0.5
    return float(np.mean((output[:, 0] >= threshold) == (target[:, 0] >= threshold)))
