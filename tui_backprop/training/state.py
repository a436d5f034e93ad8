"""The session's whole state as data: what save/resume and step back are built on."""

from __future__ import annotations

import numpy as np

from tui_backprop.config import resolve_phase
from tui_backprop.core.optimizers import Optimizer, make_optimizer


class SessionState:
    """``Session.state_dict()`` / ``load_state_dict()`` (a part of ``Session``, kept in its own file)."""

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
            "weights_edited": self.weights_edited,
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
                "previous_params": opt.previous_params.copy(),
            },
            "shuffle_rng": self._shuffle_rng.bit_generator.state,
            "order": self._order.copy(),
            "history": self.history.state(),
            # lesson progress: which goals are met (and when), which questions were asked
            "goals": self.goals.state(),
            "questions_asked": sorted(i for i, q in enumerate(self.config.questions) if q in self._asked),
        }

    def load_state_dict(self, state: dict) -> None:
        """Put back a ``state_dict()`` of a session with the same network and data.

        Step back then reaches back to this state, not before it.
        """
        self._load_state(state)
        self.timeline.restart(self, "this run was resumed")

    def _load_state(self, state: dict) -> None:
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
        # Files without them: the weights before the last update, as near as the saved numbers give them.
        previous = o.get("previous_params")
        opt.previous_params[...] = (_same_shape(previous, net.params, "previous parameters") if previous is not None
                                    else np.asarray(state["params"]) - opt.last_update)
        opt.steps = int(o["steps"])
        order = np.asarray(state["order"])
        if not np.array_equal(np.sort(order), np.arange(len(self.data.x_train))):
            raise ValueError("the shuffle order is not a permutation of the training samples")
        net.params[...] = _same_shape(state["params"], net.params, "parameters")
        self.initial_params = _same_shape(state["initial_params"], net.params, "initial parameters").copy()
        self.config = config
        self.optimizer = opt
        self._shuffle_rng.bit_generator.state = state["shuffle_rng"]
        self._order[...] = order  # in place: the planned batches are views of it
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
            self._replay(done)
        net.grads[...] = _same_shape(state["grads"], net.grads, "gradients")
        self._done = done
        self.loss, self.train_loss = state["loss"], state["train_loss"]
        self.test_loss, self.accuracy = state["test_loss"], state["accuracy"]
        self.pause_after = state["pause_after"]
        self.use_notes = bool(state["use_notes"])
        self.message = state["message"]
        depth = len(net.layers)
        self._fired = {(int(step), resolve_phase(str(phase), depth)) for step, phase in state["notes_fired"]}
        self._set_pauses()
        self.halted = state["halted"]
        self.weights_edited = bool(state.get("weights_edited", False))  # (files from before it: not known, False)
        if "goals" in state:  # (session files written before they carried lesson progress have neither)
            self.goals.load_state(state["goals"])
        if "questions_asked" in state:
            self._asked = {self.config.questions[i] for i in state["questions_asked"]}
        if "answers" in state:  # only a saved file has them: step back keeps the newest (``keep_answers``)
            self.answers = {self.config.questions[int(i)]: str(v) for i, v in state["answers"].items()}
        self.question = None

    def _replay(self, count: int) -> None:
        """Run the first ``count`` phases of the step on the batch already taken (stops at a halt)."""
        self._done = 0
        with np.errstate(all="ignore"):
            while self._done < count and not self.halted:
                self._runners[self._done]()
                self._done += 1


def carry_state(old: Optimizer, new: Optimizer) -> None:
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
