"""The buffers of one training step for one batch size, allocated once: a step allocates no arrays.

A part of ``Network`` (core/network.py), kept in its own file: the per-layer
buffers (z, a, dL/da, delta, the augmented inputs ``[a, 1]``), the choice of
function for each matrix product, and the per-layer plans the step's loops
unpack without attribute look-ups.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tui_backprop.core.network import Network


class Workspace:
    """Preallocated buffers for one batch size: a step allocates no arrays.

    Every array a ufunc writes or reads is C-contiguous: NumPy buffers (and so
    allocates, and slows down) element-wise work on strided views. Each
    layer's ``a`` is therefore its own buffer, copied once into the next
    layer's augmented input ``[a, 1]`` that the matmuls read.
    """

    def __init__(self, net: "Network", batch: int):
        self.batch = batch
        self.inputs_aug: list[np.ndarray] = []  # per layer: [batch, fan_in + 1], last column ones
        self.z: list[np.ndarray] = []
        self.a: list[np.ndarray] = []
        self.grad_a: list[np.ndarray] = []
        self.delta: list[np.ndarray] = []
        self.scratch: list[np.ndarray] = []
        self.layer_inputs: list[np.ndarray] = []  # views the matmul reads (with or without ones)
        self.a_into_next: list[np.ndarray] = []  # per hidden layer: the a-part of the next input
        first = np.ones((batch, net.inputs + 1))
        self.own_first = first
        self.x_part = first[:, : net.inputs]
        # a 2-8-8-1 tanh network: 5 calls in the backward pass instead of 9 (see ``derivative_groups``)
        self.derivative_plan, buffers = derivative_groups([layer.activation for layer in net.layers], net.loss,
                                                          [(batch, layer.units) for layer in net.layers])
        self.derivatives: list[np.ndarray | None] = []  # f'(z) of the layers whose backward is one multiply
        for i, (layer, (z, a, derivative)) in enumerate(zip(net.layers, buffers)):
            if i + 1 < len(net.layers):
                nxt = np.ones((batch, layer.units + 1))
                self.inputs_aug.append(nxt)
                self.a_into_next.append(nxt[:, : layer.units])
            self.z.append(z)
            self.a.append(a)
            self.derivatives.append(derivative)
            self.grad_a.append(np.zeros((batch, layer.units)))
            self.delta.append(np.zeros((batch, layer.units)))
            self.scratch.append(np.zeros((batch, layer.units)))
        self.loss_scratch = np.zeros((batch, net.layers[-1].units))
        self.loss_scratch2 = np.zeros((batch, net.layers[-1].units))
        self.inputs_aug.insert(0, first)
        self.bind_inputs(net, first)

    def bind_inputs(self, net: "Network", first: np.ndarray) -> None:
        self.inputs_aug[0] = first
        self.layer_inputs = []
        for layer, inp in zip(net.layers, self.inputs_aug):
            self.layer_inputs.append(inp if layer.has_bias else inp[:, : layer.fan_in])
        # Per layer, the function for each of its three matrix products (see ``_product``).
        self.forward_product = [_product(inp, layer.param_block.T) for layer, inp in zip(net.layers, self.layer_inputs)]
        self.grad_product = [_product(delta.T, inp) for delta, inp in zip(self.delta, self.layer_inputs)]
        self.grad_a_product = [_product(delta, layer.weights) for delta, layer in zip(self.delta, net.layers)]
        # One tuple per layer, so the step's loops do no attribute look-ups.
        self.forward_plan = [
            (inp, layer.param_block.T, self.z[i], self.a[i], layer.activation.forward,
             self.a_into_next[i] if i < len(self.a_into_next) else None, self.forward_product[i])
            for i, (layer, inp) in enumerate(zip(net.layers, self.layer_inputs))
        ]
        # Each layer's dL/da → delta: a multiply by its f'(z) from ``derivative_plan``, or its activation's backward.
        self.to_delta = [(np.multiply, (self.grad_a[i], d, self.delta[i])) if d is not None else
                         (layer.activation.backward, (self.z[i], self.a[i], self.grad_a[i], self.delta[i],
                                                      self.scratch[i]))
                         for i, (layer, d) in enumerate(zip(net.layers, self.derivatives))]
        self.backward_plan = [
            (self.delta[i], self.layer_inputs[i], layer.grad_block, self.grad_product[i],
             (layer.weights, self.grad_a[i - 1], self.grad_a_product[i], *self.to_delta[i - 1]) if i > 0 else None)
            for i, layer in reversed(list(enumerate(net.layers)))
        ]


def shares_derivative(activations, loss) -> list[bool]:
    """Per layer: is its backward dL/da times an f'(z) computable for all its activation's layers at once?

    Element-wise activations whose backward is that product, except an output
    layer whose delta the loss gives directly (bce after sigmoid, cross-entropy
    after softmax). Single networks and populations group the same layers.
    """
    last = len(activations) - 1
    return [a.elementwise and a.backward_multiplies_derivative and not (i == last and loss.fuses_output_delta)
            for i, a in enumerate(activations)]


def derivative_groups(activations, loss, shapes) -> tuple[list, list[tuple[np.ndarray, np.ndarray, np.ndarray | None]]]:
    """Each layer's z, a and f'(z) buffers (``shapes``, one per layer), and the derivative calls to make.

    Layers of one activation (those ``shares_derivative`` picks) keep z, a and f'(z) in one block each, layer
    after layer: after the forward pass one derivative call per activation serves them all, and each layer's
    backward is one multiply, with the numbers its activation's backward gives. Other layers get z and a of
    their own and no f'(z) (None). Returns ([(activation, z block, a block, f'(z) block)], [(z, a, f'(z))]).
    """
    shared = shares_derivative(activations, loss)
    sizes: dict[str, int] = {}
    for activation, joins, shape in zip(activations, shared, shapes):
        if joins:
            sizes[activation.name] = sizes.get(activation.name, 0) + math.prod(shape)
    blocks = {name: (np.zeros(size), np.zeros(size), np.zeros(size)) for name, size in sizes.items()}
    plan = [(activation, *blocks[activation.name])
            for activation in {a.name: a for a, joins in zip(activations, shared) if joins}.values()]
    used = dict.fromkeys(sizes, 0)
    buffers = []
    for activation, joins, shape in zip(activations, shared, shapes):
        if joins:
            name, size = activation.name, math.prod(shape)
            start, used[name] = used[name], used[name] + size
            buffers.append(tuple(block[start : start + size].reshape(shape) for block in blocks[name]))
        else:
            buffers.append((np.zeros(shape), np.zeros(shape), None))
    return plan, buffers


def _product(left: np.ndarray, right: np.ndarray):
    """The function for the product ``left @ right`` into a preallocated ``out``, chosen once per workspace.

    ``np.dot`` calls BLAS's gemm with less overhead than ``np.matmul`` (0.65 against 1.1 µs
    on a tiny product, and a small network's step is mostly such calls), with the same
    arguments: the same numbers. Not where a side is 1 (the two pick different BLAS routines)
    nor for a strided operand such as a layer's weights beside its bias column (``np.dot``
    copies it, allocating and summing in another order): those keep ``np.matmul``, so every
    number is the one the phase-by-phase path and the population's stacks compute.
    """
    dims_over_one = left.shape[0] > 1 and left.shape[1] > 1 and right.shape[1] > 1
    contiguous = all(a.flags.c_contiguous or a.flags.f_contiguous for a in (left, right))
    return np.dot if dims_over_one and contiguous else np.matmul
