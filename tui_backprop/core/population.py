"""K networks of one shape, trained in lock-step: a sweep over seeds (and learning rates).

For tiny networks one NumPy call costs about as much as the arithmetic it does,
so K networks stacked along a leading axis cost little more per step than one:
parameters are ``[K, P]`` (each run's row laid out exactly like ``Network.params``,
so layer blocks are ``[K, fan_out, fan_in + 1]`` views), activations are
``[K, batch, units]``, and ``np.matmul`` on the stacks does one BLAS call per
run inside one NumPy call (the step itself is in ``population_step.py``).

Run k is the same computation as a ``Network`` trained alone with its seed:
the same initial weights (built by ``Network`` itself), the same data and batch
order, the same activation, loss and optimizer code (they are element-wise, or
get 2-D views of ``[K * batch, units]``), so its numbers match the single
network's. A run that hits NaN/inf, or reaches its stop condition, is frozen:
its final weights and losses are kept and the rest carry on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tui_backprop.core.datasets import Dataset
from tui_backprop.core.network import Network
from tui_backprop.core.optimizers import make_optimizer
from tui_backprop.core.population_step import StackedStep, _flat


_sum = np.add.reduce  # ``ndarray.sum`` without its Python wrapper (the same sums)
SHUFFLES_AHEAD = 8  # epochs of batch order each run draws at once (fewer calls; at most 2**16 numbers a run)


@dataclass(frozen=True)
class RunHalt:
    """Where one run of a sweep met NaN or infinity (the same facts a session reports)."""

    step: int
    phase: str
    layer: int | None  # 0-based
    what: str

    @property
    def message(self) -> str:
        where = f" in layer {self.layer + 1}" if self.layer is not None else ""
        return f"in step {self.step:,}: {self.what} became NaN or infinite{where} during the {self.phase} phase"


class Population:
    """K runs of one network shape, each with its own seed, data and learning rate.

    ``template`` gives the shape, activations and loss; ``params`` the initial
    parameters ``[K, P]``; ``datasets`` each run's data (same sizes);
    ``shuffle_seeds`` each run's batch-order seed (a session uses
    ``default_rng([seed, 3])``).
    """

    def __init__(self, template: Network, params: np.ndarray, datasets: list[Dataset], shuffle_seeds: list[int],
                 batch_size: int | str, optimizer: str, learning_rates, regularization: str = "none",
                 regularization_rate: float = 0.0, optimizer_settings: dict | None = None,
                 stop_below_loss: float | None = None, accuracy_threshold: float = 0.5,
                 track_epochs: bool = False):
        k = len(datasets)
        if k == 0:
            raise ValueError("a sweep needs at least one run")
        if params.shape != (k, template.params.size):
            raise ValueError(f"expected parameters of shape {(k, template.params.size)}, got {params.shape}")
        sizes = {(len(d.x_train), len(d.x_test), d.inputs, d.outputs) for d in datasets}
        if len(sizes) != 1:
            raise ValueError("every run of a sweep needs data of the same size")
        self.runs = k
        self.template = template
        self.inputs, self.outputs = template.inputs, template.outputs
        self.units = [layer.units for layer in template.layers]
        self.loss = template.loss
        self.params = np.ascontiguousarray(params, dtype=np.float64).copy()
        self.grads = np.zeros_like(self.params)
        self.weight_mask = template.weight_mask
        self.blocks, self.grad_blocks = [], []
        offset = 0
        for layer in template.layers:
            rows, cols = layer.param_block.shape
            self.blocks.append(self.params[:, offset : offset + rows * cols].reshape(k, rows, cols))
            self.grad_blocks.append(self.grads[:, offset : offset + rows * cols].reshape(k, rows, cols))
            offset += rows * cols
        self.activations = [layer.activation for layer in template.layers]
        self.has_bias = [layer.has_bias for layer in template.layers]
        self.fan_in = [layer.fan_in for layer in template.layers]

        self.x_train_ones = np.stack([d.x_train_ones for d in datasets])
        self.x_train = np.stack([d.x_train for d in datasets])
        self.y_train = np.stack([d.y_train for d in datasets])
        self.x_test = np.stack([d.x_test for d in datasets])
        self.y_test = np.stack([d.y_test for d in datasets])
        self.classification = datasets[0].task == "classification"
        self.accuracy_threshold = accuracy_threshold
        n = self.x_train.shape[1]
        self.samples = n
        self.batch_size = n if batch_size == "full" or batch_size >= n else int(batch_size)
        self.full_batch = self.batch_size == n
        self.steps_per_epoch = math.ceil(n / self.batch_size)
        self._rngs = [np.random.default_rng([seed, 3]) for seed in shuffle_seeds]
        # Each run's batch order as indices into the [K * n] rows of all runs' data (run k's rows start at
        # k * n): a shuffle moves positions, whatever the values, so run k's order is k * n + the order a
        # session shuffles. A session shuffles its order in place each epoch; here each run draws the
        # shuffles of several epochs in one call (``permuted``: the same draws, row after row) and each epoch
        # applies its shuffle to every run's order at once, since shuffling ``order`` is ``order[shuffle]``.
        self._orders = np.arange(k * n, dtype=np.intp).reshape(k, n)
        self._next_orders = np.empty_like(self._orders)
        ahead = 0 if self.full_batch else max(1, min(SHUFFLES_AHEAD, (1 << 16) // n))
        # [run, epoch]: a run's draws are one contiguous block (NumPy shuffles those a third faster than an
        # epoch's rows strided across runs); each epoch's [run, sample] slice is copied out when used.
        self._shuffles = np.zeros((k, ahead, n), dtype=np.intp)
        self._epoch_shuffle = np.zeros((k, n), dtype=np.intp)
        self._shuffles_used = ahead
        # At each epoch's start every run's training data is gathered in its new order, in one ``take`` from
        # the [K * n] rows of all runs, batch by batch: batch j of every run is one block ``[K, batch, …]``, so
        # a step reads contiguous inputs and targets and gathers nothing.
        # Inputs and targets side by side in one row: one ``take`` an epoch (rows of 32 bytes, as playground's
        # x1, x2, 1, y are, take NumPy's fast path), and a batch's x and y are column views of its rows. Not
        # when layer 1 has one unit: BLAS then reads the batch as a matrix-vector product, whose sums change
        # with the row length, and each run's numbers would drift from its single network's.
        b = self.batch_size
        whole, rest = divmod(n, b)
        if self.full_batch:
            blocks = [(self.x_train_ones, self.y_train)]
        else:
            x_rows, y_rows = self.x_train_ones.reshape(k * n, -1), self.y_train.reshape(k * n, -1)
            if self.units[0] > 1:
                rows = np.concatenate([x_rows, y_rows], axis=1)
                epoch_rows = np.empty_like(rows)
                x_epoch, y_epoch = epoch_rows[:, : x_rows.shape[1]], epoch_rows[:, x_rows.shape[1] :]
                self._gathers = [(rows, epoch_rows)]  # (all runs' rows, the epoch's in batch order)
            else:
                x_epoch, y_epoch = np.empty_like(x_rows), np.empty_like(y_rows)
                self._gathers = [(x_rows, x_epoch), (y_rows, y_epoch)]
            # Where run k's p-th sample of the epoch sits in that layout, and so which order entry each row takes
            p = np.arange(n)
            in_whole = p < whole * b
            first_run = np.where(in_whole, p // b * (k * b) + p % b, whole * k * b + p - whole * b)
            position = first_run + np.arange(k)[:, None] * np.where(in_whole, b, rest)
            self._by_batch = np.empty(k * n, dtype=np.intp)
            self._by_batch[position.ravel()] = np.arange(k * n)
            self._epoch_orders = np.empty(k * n, dtype=np.intp)
            sizes = [b] * whole + [rest] * (rest > 0)
            starts = np.cumsum([0] + [k * size for size in sizes])
            blocks = [(x_epoch[start : start + k * size].reshape(k, size, -1),
                       y_epoch[start : start + k * size].reshape(k, size, -1))
                      for start, size in zip(starts, sizes)]
        self._workspaces: dict[int, StackedStep] = {}
        self._batches = []  # per batch of an epoch: (its step's buffers, its calls)
        for x, y in blocks:
            ws = self._workspace(x.shape[1])
            self._batches.append((ws, ws.calls(ws.first_input(x), y)))

        self.learning_rates = np.broadcast_to(np.asarray(learning_rates, dtype=np.float64), (k,)).copy()
        if not (np.isfinite(self.learning_rates).all() and (self.learning_rates > 0).all()):
            raise ValueError("every learning rate must be a positive number")
        self.optimizer = make_optimizer(optimizer, self.params.shape, 1.0, regularization, regularization_rate,
                                        **(optimizer_settings or {}))
        # [K, 1]: each run's rate scales its own row of the update; one rate for all is a plain number (the same
        # products, through NumPy's faster path for a scalar).
        rates = self.learning_rates
        self.optimizer.learning_rate = float(rates[0]) if (rates == rates[0]).all() else rates[:, None]
        self._update = self.optimizer.update_calls(self.params, self.grads, self.weight_mask)
        self.stop_below_loss = stop_below_loss
        # The full training loss at each epoch end costs more than the epoch's steps on tiny networks:
        # computed only when a stop condition needs it or a picture asks for it.
        self.track_epochs = track_epochs or stop_below_loss is not None
        self._all_active = True

        self.step_count = 0
        self.epoch = 0
        self.batch_in_epoch = 0
        self.active = np.ones(k, dtype=bool)
        self._final_steps = np.zeros(k, dtype=np.int64)  # steps of each finished run
        self.stopped_at = np.full(k, -1, dtype=np.int64)  # step at which the stop condition held, or -1
        self.halts: list[RunHalt | None] = [None] * k
        self.final_params = self.params.copy()  # rows of finished runs are frozen here
        self.batch_loss = np.full(k, np.nan)
        self.train_loss = np.full(k, np.nan)  # at the latest epoch end (with ``track_epochs``)
        self._loss_rows: list[np.ndarray] = []  # per step: each run's batch loss (NaN once it is done)
        self._epoch_steps: list[int] = []
        self._epoch_rows: list[np.ndarray] = []  # per epoch end: each run's full training loss

    # -------------------------------------------------------------- reading
    @property
    def done(self) -> bool:
        return not self.active.any()

    @property
    def steps(self) -> np.ndarray:
        """Completed steps of each run."""
        return np.where(self.active, self.step_count, self._final_steps)

    def run_params(self, k: int) -> np.ndarray:
        """Run k's parameters: live while it trains, frozen once it stopped."""
        return (self.params if self.active[k] else self.final_params)[k].copy()

    def loss_history(self) -> np.ndarray:
        """``[steps, K]`` batch losses; a run's column is NaN after it stopped."""
        if not self._loss_rows:
            return np.zeros((0, self.runs))
        return np.array(self._loss_rows)

    def epoch_history(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps, ``[epochs, K]`` full training losses) at each epoch end; NaN once a run stopped."""
        if not self._epoch_rows:
            return np.zeros(0), np.zeros((0, self.runs))
        return np.array(self._epoch_steps, dtype=float), np.array(self._epoch_rows)

    def clear_history(self) -> None:
        """Forget the loss histories (a long benchmark keeps memory flat)."""
        self._loss_rows.clear()
        self._epoch_steps.clear()
        self._epoch_rows.clear()

    def memory_bytes(self) -> int:
        """Bytes of the arrays this population holds (grows with K; history grows with steps)."""
        arrays = [self.params, self.grads, self.final_params, self.x_train_ones, self.x_train, self.y_train,
                  self.x_test, self.y_test, self._orders, self._next_orders, *self._epoch_data(), self.optimizer.last_update,
                  self.optimizer._scratch, self.optimizer._regularized_grad, *self.optimizer.state_arrays().values()]
        for ws in self._workspaces.values():
            arrays += ws.buffers()
        return sum(a.nbytes for a in arrays) + 8 * self.runs * (len(self._loss_rows) + len(self._epoch_rows))

    def _epoch_data(self) -> list[np.ndarray]:
        if self.full_batch:
            return []
        owned = [a for pair in self._gathers for a in pair if a.base is None]  # (not views of the data above)
        return [*owned, self._shuffles, self._epoch_shuffle, self._by_batch, self._epoch_orders]

    # ----------------------------------------------------------- evaluation
    def predict(self, x: np.ndarray, params: np.ndarray | None = None) -> np.ndarray:
        """Each run's output for its own inputs ``x[k]`` (``[K, n, inputs]``), as ``Network.predict`` computes it."""
        return self._output(x, params)[1]

    def _output(self, x, params=None) -> tuple[np.ndarray, np.ndarray]:
        """(z, a) of the output layer: bce and cross_entropy are computed from z."""
        params = self.params if params is None else params
        a = x
        offset = 0
        for layer, activation in zip(self.template.layers, self.activations):
            rows, cols = layer.param_block.shape
            block = params[:, offset : offset + rows * cols].reshape(-1, rows, cols)
            offset += rows * cols
            z = a @ block[:, :, : layer.fan_in].transpose(0, 2, 1)
            if layer.has_bias:
                z += block[:, None, :, layer.fan_in]
            a = activation.forward(_flat(z)).reshape(z.shape)
        return z, a

    def evaluate(self, x: np.ndarray, y: np.ndarray, params: np.ndarray | None = None) -> np.ndarray:
        """Each run's loss on its own data (``Network.evaluate`` per run)."""
        if x.shape[1] == 0:
            return np.full(self.runs, np.nan)
        z, a = self._output(x, params)
        return self.loss.run_values(a, y, z=z)

    def run_accuracy(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
        if output.shape[-1] > 1:
            return np.mean(output.argmax(axis=-1) == target.argmax(axis=-1), axis=-1)
        t = self.accuracy_threshold
        return np.mean((output[..., 0] >= t) == (target[..., 0] >= t), axis=-1)

    def _evaluate_epoch(self) -> None:
        """End of an epoch: every live run's loss on all its training data (as a session computes it)."""
        train = self.evaluate(self.x_train, self.y_train)
        if self._all_active:
            self.train_loss = train
        else:
            self.train_loss = np.where(self.active, train, self.train_loss)
            train = np.where(self.active, train, np.nan)
        self._epoch_steps.append(self.step_count)
        self._epoch_rows.append(train)

    def final_metrics(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(training loss, test loss, accuracy) of each run's final weights (live ones: as they are now).

        Accuracy is on the test data when there is some, else on the training data; NaN for regression.
        """
        params = np.where(self.active[:, None], self.params, self.final_params)
        with np.errstate(all="ignore"):
            train_z, train_out = self._output(self.x_train, params)
            train = self.loss.run_values(train_out, self.y_train, z=train_z)
            accuracy = np.full(self.runs, np.nan)
            test = np.full(self.runs, np.nan)
            if self.x_test.shape[1]:
                test_z, test_out = self._output(self.x_test, params)
                test = self.loss.run_values(test_out, self.y_test, z=test_z)
                if self.classification:
                    accuracy = self.run_accuracy(test_out, self.y_test)
            elif self.classification:
                accuracy = self.run_accuracy(train_out, self.y_train)
        return train, test, accuracy

    # -------------------------------------------------------------- the step
    def _workspace(self, batch: int) -> StackedStep:
        ws = self._workspaces.get(batch)
        if ws is None:
            ws = self._workspaces[batch] = StackedStep(self, batch)
        return ws

    def _select_batch(self) -> tuple[StackedStep, tuple]:
        if self.batch_in_epoch == 0 and not self.full_batch:
            shuffles, n = self._shuffles, self.samples
            if self._shuffles_used == shuffles.shape[1]:
                shuffles[...] = np.arange(n)
                for k, rng in enumerate(self._rngs):
                    rng.permuted(shuffles[k], axis=1, out=shuffles[k])
                shuffles += np.arange(0, self.runs * n, n)[:, None, None]  # as indices into all runs' orders
                self._shuffles_used = 0
            np.copyto(self._epoch_shuffle, shuffles[:, self._shuffles_used])  # (take copies strided indices anyway)
            self._orders.take(self._epoch_shuffle, out=self._next_orders, mode="clip")
            self._orders, self._next_orders = self._next_orders, self._orders
            self._shuffles_used += 1
            self._orders.take(self._by_batch, out=self._epoch_orders, mode="clip")
            for rows, epoch_rows in self._gathers:
                rows.take(self._epoch_orders, axis=0, out=epoch_rows, mode="clip")
        return self._batches[self.batch_in_epoch]

    def step(self) -> None:
        """One step of every run (finished runs compute on, ignored)."""
        ws, (forward, (loss, loss_args), backward) = self._select_batch()
        for call, args in forward:
            call(*args)
        losses = loss(*loss_args)
        for call, args in backward:
            call(*args)
        for call, args in self._update:
            call(*args)
        params = self.params
        step = self.optimizer.steps = self.step_count + 1
        # Finite sums prove every run finite; only then is a run looked at closely. Non-finite gradients make
        # the updated weights non-finite, so the weights' sum stands for both.
        params_ok = math.isfinite(_sum(params, None))
        if not (params_ok and math.isfinite(_sum(losses, None))):
            self._halt_before_update(ws, losses, step)
        self.step_count = step
        if self._all_active:
            self.batch_loss = losses
            self._loss_rows.append(losses)
        else:
            live = self.active
            self.batch_loss = np.where(live, losses, self.batch_loss)
            self._loss_rows.append(np.where(live, losses, np.nan))
        self.batch_in_epoch += 1
        if self.batch_in_epoch >= self.steps_per_epoch:
            self.batch_in_epoch = 0
            self.epoch += 1
            if self.track_epochs:
                self._evaluate_epoch()
        if not params_ok:  # (a sum of huge finite weights may overflow: only the weights themselves tell)
            for k in np.flatnonzero(self.active & ~np.isfinite(params).all(axis=1)):
                layer = next(i for i, b in enumerate(self.blocks) if not np.isfinite(b[k]).all())
                self._halt(k, RunHalt(step, "update", layer, "a weight"))
        if self.batch_in_epoch == 0 and self.stop_below_loss is not None:
            for k in np.flatnonzero(self.active & (self.train_loss < self.stop_below_loss)):
                self.stopped_at[k] = step
                self._finish(k)

    def _halt_before_update(self, ws: StackedStep, losses: np.ndarray, step: int) -> None:
        """Runs whose loss or gradients were not finite: they stop with the weights they had before this step."""
        before = self.optimizer.previous_params
        for k in np.flatnonzero(self.active & ~np.isfinite(losses)):
            out_ok = np.isfinite(ws.a[-1][k]).all()
            layer = None if out_ok else next(i for i, a in enumerate(ws.a) if not np.isfinite(a[k]).all())
            self._halt(k, RunHalt(step, "loss", None, "the loss") if out_ok
                       else RunHalt(step, "forward", layer, "an activation"), before)
        for k in np.flatnonzero(self.active & ~np.isfinite(self.grads).all(axis=1)):
            layer = next((i for i in range(len(self.blocks) - 1, -1, -1)
                          if not (np.isfinite(ws.delta[i][k]).all() and np.isfinite(self.grad_blocks[i][k]).all())),
                         None)
            self._halt(k, RunHalt(step, "backward", layer, "a gradient"), before)

    def _halt(self, k: int, halt: RunHalt, params: np.ndarray | None = None) -> None:
        self.halts[k] = halt
        self._finish(k, params)

    def _finish(self, k: int, params: np.ndarray | None = None) -> None:
        self._final_steps[k] = self.step_count  # a halt before the update: the step did not complete
        self.final_params[k] = (self.params if params is None else params)[k]
        self.active[k] = False
        self._all_active = False

    def run(self, max_steps: int, should_stop=None) -> int:
        """Up to ``max_steps`` steps, until every run has finished or ``should_stop()``. Returns steps taken."""
        done = 0
        with np.errstate(all="ignore"):
            while done < max_steps and (self._all_active or self.active.any()):
                if should_stop is not None and should_stop():
                    break
                self.step()
                done += 1
        return done

    def finish_all(self) -> None:
        """Freeze every run still training (the sweep is over)."""
        for k in np.flatnonzero(self.active):
            self._finish(k)
