"""What a session shows: snapshots for the panes, diagnostics and checks on demand."""

from __future__ import annotations

import time

import numpy as np

from tui_backprop.core.diagnostics import HealthWatch, LayerDiagnostics, diagnose
from tui_backprop.training.snapshot import DataPoints, GridSnapshot, LayerSnapshot, Snapshot


class SessionReading:
    """The reading side of ``Session`` (kept in its own file): nothing here changes the run."""

    def diagnostics(self, fresh: bool = True) -> list[LayerDiagnostics]:
        """Per-layer health; activations only of layers the step in progress has reached.

        ``fresh=False`` (while running) lets the dead-unit count on the training set lag at a capped rate.
        """
        if not hasattr(self, "_health"):
            self._health = HealthWatch()
        net = self.network
        depth = len(net.layers)
        fwd = net.forward_data() if self._forward_done(0) else None
        done = [fwd is not None and self._forward_done(i) for i in range(depth)]
        dead, dead_step = self._health.dead(net, self.data.x_train, self.step_count, fresh)
        backward_done = self._backward_done(0)
        grad_step = self.step_count + (1 if self.in_step and backward_done else 0)
        growth = self._health.gradient_growth(net, grad_step)
        return diagnose(net, self.optimizer.last_update if self.optimizer.steps else None,
                        [f.z if ok else None for f, ok in zip(fwd, done)] if fwd else None,
                        [f.a if ok else None for f, ok in zip(fwd, done)] if fwd else None,
                        # halfway through the backward pass the layers' gradients are of two steps: no verdict
                        has_gradients=backward_done or (self.step_count > 0 and not self._backward_done(depth - 1)),
                        dead=dead, dead_step=dead_step, growth=growth,
                        before=self.optimizer.previous_params if self.optimizer.steps else None)

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

    @property
    def checked_step(self) -> int:
        """The step whose batch ``check_layer`` uses, with the weights before that step's update: the last
        step when its backward pass is at hand, else the next one (e.g. a session just loaded)."""
        if not self.in_step and self._x is not None and self.optimizer.steps:
            return self.step_count
        return self.step_count + 1

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
        return self._batch_to_draw()

    def next_batch(self) -> tuple[np.ndarray, np.ndarray, int]:
        """(x, y, step number) of the batch the next update uses: the step in progress's, or between steps
        the one the next step will draw. Nothing is drawn or reshuffled (the landscape's arrow, QA8 C11)."""
        if self.in_step and self._x is not None:
            return self._x[:, :-1].copy(), np.array(self._y, copy=True), self.current_step_number
        return (*self._batch_to_draw(), self.current_step_number)

    def _batch_to_draw(self) -> tuple[np.ndarray, np.ndarray]:
        """The batch the next step's first phase will draw, from copies of the order and its RNG."""
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
        depth = len(net.layers)
        fwd = net.forward_data() if self._forward_done(0) else None
        bwd = net.backward_data() if fwd else None
        loss_done = fwd is not None and (self._done == 0 or self._done > depth)  # dL/dŷ is there
        diags = self.diagnostics(fresh=not running)
        layers = []
        offset = 0
        upd = self.optimizer.last_update
        for i, layer in enumerate(net.layers):
            size = layer.param_block.size
            block = upd[offset : offset + size].reshape(layer.param_block.shape)
            offset += size
            f_ok, b_ok = self._forward_done(i), self._backward_done(i)
            grad_a_ok = b_ok or (i == depth - 1 and loss_done)
            act = layer.activation
            layers.append(LayerSnapshot(
                index=i, units=layer.units, fan_in=layer.fan_in, activation=act.name,
                has_bias=layer.has_bias,
                weights=layer.weights.copy(), biases=None if layer.biases is None else layer.biases.copy(),
                grad_weights=layer.grad_weights.copy(),
                grad_biases=None if layer.grad_biases is None else layer.grad_biases.copy(),
                update_weights=block[:, : layer.fan_in].copy(),
                update_biases=block[:, layer.fan_in].copy() if layer.has_bias else None,
                inputs=fwd[i].inputs.copy() if f_ok else None,
                z=fwd[i].z.copy() if f_ok else None,
                a=fwd[i].a.copy() if f_ok else None,
                grad_a=bwd[i].grad_a.copy() if grad_a_ok else None,
                delta=bwd[i].delta.copy() if b_ok else None,
                diagnostics=diags[i],
                forward_pending=self.in_step and not f_ok,
                backward_pending=self.in_step and not b_ok,
                f_prime=act.derivative(fwd[i].z, fwd[i].a) if f_ok else None,
                delta_from_loss=i == depth - 1 and f_ok and self._y is not None and net.loss.fuses_output_delta,
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
            regularization=self.optimizer.regularization, regularization_rate=self.optimizer.regularization_rate,
            optimizer=self.optimizer.name,
            pause_after=self.pause_after, halted=self.halted, message=self.message,
            history_steps=steps, history_loss=losses, test_steps=tsteps, test_loss_history=tloss,
            layers=tuple(layers),
            batch_x=None if fwd is None else net.batch_inputs.copy(),
            batch_y=None if fwd is None else np.array(self._y, copy=True),
            output=fwd[-1].a.copy() if self._forward_done(depth - 1) else None, phases=self._phases,
            title=self.config.title, loss_name=self.network.loss.name,
            accuracy_steps=acc_steps, accuracy_history=acc_values,
            update_ratio_steps=ratio_steps, update_ratio_history=ratio_values,
            input_names=self._input_names, grid=self.grid_snapshot() if grid else None,
            data_points=self._points, has_test_data=len(self.data.x_test) > 0, running=running,
            steps_per_second=steps_per_second,
            taken_at=time.monotonic(), history_points=self.history.points(), weights_edited=self.weights_edited,
            differs_from_lesson=self.differs_from_lesson(),
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
