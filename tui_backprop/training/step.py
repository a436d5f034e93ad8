"""One step's work on the session's network: the batch, each phase, the fused whole step, the epoch end.

A part of ``Session`` (kept in its own file, as ``state.py`` and ``timeline.py``
are): each phase's computation with the NaN/inf check that halts where it
went wrong, the whole step that does all of them in the network's fused
passes with the same numbers, and the evaluation at each epoch's end.
"""

from __future__ import annotations

import math

import numpy as np

from tui_backprop.core.network import all_finite
from tui_backprop.training.snapshot import NanReport
from tui_backprop.training.timeline import Timeline


ONE_PASS_BYTES = 1 << 20  # inputs up to this size are scored in one pass at an epoch's end


class SessionStep:
    """The phases of a step and the whole step (a part of ``Session``)."""

    @property
    def full_batch(self) -> bool:
        return self.batch_size == len(self.data.x_train)

    def _plan_batches(self) -> None:
        """Each batch of an epoch once: its indices (views of ``_order``, shuffled in place) and buffers.

        None for a full batch, which uses the data in place.
        """
        self._batches = None
        if self.full_batch:
            return
        data, order, size = self.data, self._order, self.batch_size
        buffers: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        batches = []
        for start in range(0, len(order), size):
            idx = order[start : start + size]
            if len(idx) not in buffers:  # every full batch shares one pair of buffers; a shorter last has its own
                buffers[len(idx)] = (np.empty((len(idx), data.x_train_ones.shape[1])),
                                     np.empty((len(idx), data.y_train.shape[1])))
            batches.append((idx, *buffers[len(idx)]))
        self._batches = batches

    def _draw_batch(self) -> None:
        """The next batch; a new epoch starts with a new order."""
        if self.batch_in_epoch == 0 and self._batches is not None:
            self._shuffle_rng.shuffle(self._order)
        self._take_batch()

    def _take_batch(self) -> None:
        """The batch at ``batch_in_epoch`` in the current order (nothing reshuffled)."""
        data = self.data
        batches = self._batches
        if batches is None:
            # Full batch: the order does not matter, so the arrays are used in place.
            self._x, self._y = data.x_train_ones, data.y_train
            return
        idx, bx, by = batches[self.batch_in_epoch]
        # mode="clip": the indices are always valid, and take() with mode="raise" buffers (allocates) ``out``.
        data.x_train_ones.take(idx, 0, bx, "clip")
        data.y_train.take(idx, 0, by, "clip")
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
            with np.errstate(all="ignore"):  # this step's ∂L/∂ŷ (often finite), not the last step's left in place
                self.network.loss_gradient(self._y)
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
        self.update_ratios.record(step, optimizer.previous_params, optimizer.last_update)
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
            with np.errstate(all="ignore"):  # as the loss phase leaves it (``_loss``)
                net.loss_gradient(y)
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
        both = self._train_and_test
        if both is None or both[0] is not data.x_train or both[1] is not data.x_test:  # new data, or features
            # small data: the training rows, then the test rows, in one array scored in one pass (fewer calls
            # each epoch); large data (a copy would cost memory, the calls nothing beside the work): two passes
            small = data.x_train.nbytes + data.x_test.nbytes <= ONE_PASS_BYTES
            joined = np.concatenate([data.x_train, data.x_test]) if small else None
            both = self._train_and_test = (data.x_train, data.x_test, joined)
        with np.errstate(all="ignore"):
            if both[2] is not None:
                self.train_loss, test_loss, output, test_output = net.evaluate_split(both[2], data.y_train,
                                                                                     data.y_test)
            else:
                self.train_loss, output = net.evaluate_output(data.x_train, data.y_train)
                test_loss, test_output = (net.evaluate_output(data.x_test, data.y_test) if len(data.x_test)
                                          else (float("nan"), None))
            self.history.train_full.add(self.step_count, self.train_loss)
            y = data.y_train
            if len(data.x_test):
                self.test_loss, output = test_loss, test_output
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

    def _phase_runners(self) -> list:
        depth = len(self.network.layers)
        forward = [lambda i=i: self._forward_layer(i) for i in range(depth)]
        backward = [lambda i=i: self._backward_layer(i) for i in range(depth - 1, -1, -1)]
        return forward + [self._loss] + backward + [self._update]


def accuracy(output: np.ndarray, target: np.ndarray, labels: str = "zero_one") -> float:
    return float(np.mean(classes(output, labels) == classes(target, labels)))


def classes(values: np.ndarray, labels: str = "zero_one") -> np.ndarray:
    """The class of each row: the largest column, or for one column which side of the threshold."""
    if values.shape[1] > 1:
        return values.argmax(axis=1)
    return values[:, 0] >= (0.0 if labels == "plus_minus_one" else 0.5)
