"""The stacked step of a population: every call laid out once, then one NumPy call per operation for all K runs.

At K = 64 on a tiny network the step is about 35 NumPy calls on arrays of a
few thousand numbers, so each call, and each Python line around it, shows.
The buffers and views of every call are made once per batch size; the batch
itself is a slice of data the population gathered in order at the epoch's
start; the weights of all layers are transposed in one ``take`` (OpenBLAS's
small-matrix path wants plain operands); a hidden layer's activation writes
the next layer's input ``[a, 1]`` directly (see ``_maps_to_one``); the MSE
losses share one subtraction between the loss and its gradient. Each run's
numbers are those of its single ``Network`` step: the same operations in the
same order, bit for bit.
"""

from __future__ import annotations

import numpy as np

from tui_backprop.core.workspace import derivative_groups


def _flat(array: np.ndarray) -> np.ndarray:
    """``[K, batch, units]`` as ``[K * batch, units]`` (a view): the single network's element-wise code reads rows."""
    return array.reshape(-1, array.shape[-1])


def transposed_order(layers, size: int) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """Where each layer's weights (bias row last) sit in a parameter row, read column by column.

    Returns the indices for ``params.take(order, axis=1)`` and, per layer, the
    (offset, rows, columns) of its ``[fan_in(+1), fan_out]`` block in the result.
    """
    order, blocks, offset = [], [], 0
    start = 0
    for layer in layers:
        rows, cols = layer.param_block.shape
        used = cols if layer.has_bias else layer.fan_in
        block = np.arange(start, start + rows * cols).reshape(rows, cols)[:, :used]
        order.append(block.T.ravel())
        blocks.append((offset, used, rows))
        offset += used * rows
        start += rows * cols
    assert start == size
    return np.concatenate(order).astype(np.intp), blocks


def _maps_to_one(activation) -> float | None:
    """A number the element-wise ``activation`` maps to exactly 1.0 (tanh and sigmoid: 40), or None."""
    if not activation.elementwise:
        return None
    for value in (1.0, 40.0):
        if activation.forward(np.full((1, 1), value))[0, 0] == 1.0:
            return value
    return None


class StackedStep:
    """Buffers for one batch size, each ``[K, batch, …]`` and C-contiguous, and the step's calls on them."""

    def __init__(self, pop, batch: int):
        k = pop.runs
        self.batch = batch
        self.pop = pop
        self.inputs_aug: list[np.ndarray | None] = [None]  # layer 1's input is the batch itself
        self.z, self.a, self.grad_a, self.delta, self.scratch = [], [], [], [], []
        last = len(pop.units) - 1
        # Per layer: its width (one column wider if the activation can write the next layer's input [a, 1]: the
        # extra column of z holds a number it maps to exactly 1, so no copy of a; the extra columns of dL/da
        # and delta are never read).
        layers = []
        for i, (units, activation) in enumerate(zip(pop.units, pop.activations)):
            one = _maps_to_one(activation) if i < last else None
            layers.append((units, units if one is None else units + 1, one))
        # Layers of one activation keep z, a and f'(z) in one buffer each, as a single network's workspace does.
        self.derivative_plan, grouped = derivative_groups(pop.activations, pop.loss,
                                                          [(k, batch, width) for _, width, _ in layers])
        # Fewer buffers, fewer cache misses at large K: each layer's delta overwrites its dL/da (every
        # activation's backward reads an element of dL/da before writing that element of delta), and the
        # activations' scratch is one buffer for all layers.
        shared_scratch = np.zeros(k * batch * max(width for _, width, _ in layers))
        self.wide: list[tuple[np.ndarray, ...] | None] = []
        self.derivatives: list[np.ndarray | None] = []  # f'(z) of layers whose backward multiplies by it
        for (units, width, one), (z, a, derivative) in zip(layers, grouped):
            shape = (k, batch, width)
            self.derivatives.append(derivative)
            grad_a = np.zeros(shape)
            scratch = shared_scratch[: k * batch * width].reshape(shape)
            if len(self.inputs_aug) <= last:  # a hidden layer: the next one reads [a, 1]
                if one is None:
                    self.inputs_aug.append(np.ones((k, batch, units + 1)))
                else:
                    z[:, :, units] = one
                    a[:, :, units] = 1.0
                    self.inputs_aug.append(a)
            arrays = (z, a, grad_a, grad_a, scratch)
            self.wide.append(None if one is None else arrays)
            for buffers, array in zip((self.z, self.a, self.grad_a, self.delta, self.scratch), arrays):
                buffers.append(array[:, :, :units])
        self._shared_scratch = shared_scratch
        order, blocks = transposed_order(pop.template.layers, pop.params.shape[1])
        self.weights_t_all = np.zeros((k, len(order)))
        # The same ``take`` on the flat parameters (``take(order, axis=1)`` copies them twice on the way)
        self._params_flat = pop.params.reshape(-1)
        self._flat_order = np.arange(0, pop.params.size, pop.params.shape[1])[:, None] + order
        # Each layer's weights transposed, [K, fan_in(+1), fan_out], C-contiguous.
        self.weights_t = [self.weights_t_all[:, o : o + r * c].reshape(k, r, c) for o, r, c in blocks]
        self.loss_scratch = np.zeros((k, batch, pop.outputs))
        self.loss_scratch2 = np.zeros((k, batch, pop.outputs))
        self._lay_out()

    def buffers(self) -> list[np.ndarray]:
        """The arrays this step owns, each once (many of its buffers are views of one another)."""
        arrays = [*self.inputs_aug[1:], self.weights_t_all, self._flat_order, self.loss_scratch, self.loss_scratch2,
                  *self.z, *self.a, *self.grad_a, *self.scratch, *(d for d in self.derivatives if d is not None)]
        owners = {}
        for array in arrays:
            while isinstance(array.base, np.ndarray):
                array = array.base
            owners[id(array)] = array
        return list(owners.values())

    def first_input(self, x: np.ndarray) -> np.ndarray:
        """What layer 1 reads of a batch ``x`` (``[K, batch, inputs + 1]``, ones last)."""
        return x if self.pop.has_bias[0] else x[:, :, : self.pop.fan_in[0]]

    def _lay_out(self) -> None:
        """Lay out every call of the step once (views, not lookups); layer 1's input (None here) is each batch."""
        pop = self.pop
        last = len(pop.blocks) - 1
        inputs = [None] + [inp if bias else inp[:, :, :fan_in]
                           for inp, bias, fan_in in zip(self.inputs_aug[1:], pop.has_bias[1:], pop.fan_in[1:])]
        # The element-wise calls read and write each layer's buffers whole (wide ones with their extra column).
        flat = [(_flat(self.z[i]), _flat(self.a[i]), _flat(self.grad_a[i]), _flat(self.delta[i]),
                 _flat(self.scratch[i])) if wide is None else tuple(_flat(array) for array in wide)
                for i, wide in enumerate(self.wide)]
        activate = [activation.ufunc or activation.forward for activation in pop.activations]
        self.forward_plan = [
            (inputs[i], self.weights_t[i], self.z[i], flat[i][0], flat[i][1], activate[i],
             self.inputs_aug[i + 1][:, :, :-1] if i < last and self.wide[i] is None else None, self.a[i])
            for i in range(last + 1)
        ]
        # Each layer's dL/da → delta: a multiply by its f'(z) computed after the forward pass, or its backward.
        backward = [(np.multiply, (flat[i][2], _flat(self.derivatives[i]), flat[i][3])) if self.derivatives[i] is not None
                    else (pop.activations[i].backward, flat[i]) for i in range(len(self.wide))]
        self.loss_plan = (self.a[last], self.grad_a[last], self.delta[last], self.loss_scratch, self.loss_scratch2,
                          self.z[last], *backward[last])
        self.backward_plan = [
            (self.delta[i].transpose(0, 2, 1), inputs[i], pop.grad_blocks[i],
             (self.delta[i], pop.blocks[i][:, :, : pop.fan_in[i]], self.grad_a[i - 1], *backward[i - 1])
             if i > 0 else None)
            for i in range(last, -1, -1)
        ]

    def calls(self, x: np.ndarray, y: np.ndarray) -> tuple[list, tuple, list]:
        """One batch's step as flat lists of (function, arguments): the forward calls, the loss call, the backward calls.

        ``x`` is layer 1's input (``first_input`` of the batch), ``y`` its targets. The calls are those of a single
        network's step in its order; laid out once per batch of an epoch, a step runs them with no lookups (at
        K = 64 the Python around ~30 NumPy calls is a tenth of the step).
        """
        pop, matmul = self.pop, np.matmul
        forward = [(self._params_flat.take, (self._flat_order, None, self.weights_t_all, "clip"))]
        for inp, weights_t, z, z_flat, a_flat, activate, a_into_next, a in self.forward_plan:
            forward.append((matmul, (x if inp is None else inp, weights_t, z)))
            forward.append((activate, (z_flat, a_flat)))
            if a_into_next is not None:
                forward.append((np.copyto, (a_into_next, a)))
        forward += [(activation.derivative, (z_all, a_all, derivative_all))
                    for activation, z_all, a_all, derivative_all in self.derivative_plan]
        a, grad_a, delta, scratch, scratch2, z, output_backward, output_args = self.loss_plan
        backward = []
        if pop.loss.fuses_output_delta:  # bce after sigmoid, cross-entropy after softmax: delta = a − y
            forward.append((pop.loss.fused_delta, (pop.activations[-1].name, a, y, delta)))
            loss = (pop.loss.run_values, (a, y, scratch, scratch2, z))
        else:
            loss = (pop.loss.values_and_grad_call(a, y, grad_a, scratch, scratch2, z), ())
            backward.append((output_backward, output_args))
        for delta_t, inp, grad_block, below in self.backward_plan:
            backward.append((matmul, (delta_t, x if inp is None else inp, grad_block)))
            if below is not None:
                delta, weights, grad_a, activation_backward, args = below
                backward.append((matmul, (delta, weights, grad_a)))
                backward.append((activation_backward, args))
        backward.append((np.multiply, (pop.grads, 1.0 / self.batch, pop.grads)))  # batch means
        return forward, loss, backward
