"""Activation functions, each beside the derivative that backprop needs.

Every function writes into a caller-owned ``out`` buffer so a training step
allocates nothing. ``derivative`` receives both ``z`` and ``a = f(z)`` and
uses whichever is cheaper.
"""

from __future__ import annotations

import threading

import numpy as np


class Activation:
    name = ""
    elementwise = True  # each output from its own input (softmax: from the whole row)
    backward_multiplies_derivative = True  # ``backward`` is dL/da · ``derivative``, with the same numbers
    ufunc = None  # a NumPy ufunc that is the whole ``forward`` (a sweep's step calls it directly), or None

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, z: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """da/dz element-wise (softmax: see ``Softmax.backward``)."""
        raise NotImplementedError

    def backward(self, z, a, grad_a, out, scratch):
        """delta = dL/dz from dL/da. Element-wise activations multiply by f'(z)."""
        self.derivative(z, a, out=scratch)
        return np.multiply(grad_a, scratch, out=out)

    def __repr__(self) -> str:
        return f"<activation {self.name}>"


class Linear(Activation):
    name = "linear"
    backward_multiplies_derivative = False  # (a copy)

    def forward(self, z, out=None):
        if out is None:
            return z.copy()
        np.copyto(out, z)
        return out

    def derivative(self, z, a, out=None):
        if out is None:
            return np.ones_like(z)
        out.fill(1.0)
        return out

    def backward(self, z, a, grad_a, out, scratch):
        np.copyto(out, grad_a)
        return out


class Sigmoid(Activation):
    name = "sigmoid"

    def forward(self, z, out=None):
        # 1/(1+e^-z) overflows harmlessly to 0 for very negative z; silence the warning.
        with np.errstate(over="ignore"):
            out = np.negative(z, out=out)
            np.exp(out, out=out)
            out += 1.0
            return np.reciprocal(out, out=out)

    def derivative(self, z, a, out=None):
        out = np.subtract(1.0, a, out=out)
        return np.multiply(out, a, out=out)

    def backward(self, z, a, grad_a, out, scratch):
        np.subtract(1.0, a, out=scratch)  # ``derivative`` inline: one call less in every step
        np.multiply(scratch, a, out=scratch)
        return np.multiply(grad_a, scratch, out=out)


class Tanh(Activation):
    name = "tanh"
    ufunc = np.tanh

    def forward(self, z, out=None):
        return np.tanh(z, out=out)

    def derivative(self, z, a, out=None):
        out = np.multiply(a, a, out=out)
        return np.subtract(1.0, out, out=out)

    def backward(self, z, a, grad_a, out, scratch):
        np.multiply(a, a, out=scratch)  # ``derivative`` inline: one call less in every step
        np.subtract(1.0, scratch, out=scratch)
        return np.multiply(grad_a, scratch, out=out)


class ReLU(Activation):
    name = "relu"
    ZEROS_UP_TO = 1 << 16  # elements: zero arrays kept for shapes up to this size (512 KB each)
    ZERO_SHAPES = 16  # shapes kept per thread (a step's, an evaluation's, a picture's grid)

    def __init__(self):
        self._local = threading.local()  # per-thread, as Softmax keeps its buffers

    def _zeros(self, z: np.ndarray):
        """An array of zeros shaped like ``z``: ``max(z, zeros)`` runs 2-3x faster than ``max(z, 0.0)``
        (NumPy's loop for two arrays against the one with a scalar), with the same numbers."""
        if z.size > self.ZEROS_UP_TO:
            return 0.0
        cache = getattr(self._local, "zeros", None)
        if cache is None:
            cache = self._local.zeros = {}
        zeros = cache.get(z.shape)
        if zeros is None:
            if len(cache) >= self.ZERO_SHAPES:
                cache.clear()
            zeros = cache[z.shape] = np.zeros(z.shape)
        return zeros

    def forward(self, z, out=None):
        return np.maximum(z, self._zeros(z), out=out)

    def derivative(self, z, a, out=None):
        # f'(0) = 0 by convention (as PyTorch does). a = max(z, 0) >= 0, so sign(a) is
        # exactly 1 where z > 0 and 0 elsewhere, in float64: a bool comparison cast into
        # a float64 ``out`` makes NumPy buffer (allocate), and np.heaviside is ~15x slower.
        return np.sign(a, out=out)

    def backward(self, z, a, grad_a, out, scratch):
        np.sign(a, out=scratch)
        return np.multiply(grad_a, scratch, out=out)


class LeakyReLU(Activation):
    name = "leaky_relu"
    slope = 0.01

    def forward(self, z, out=None):
        if out is None:
            return np.where(z > 0, z, self.slope * z)
        np.multiply(z, self.slope, out=out)
        return np.maximum(z, out, out=out)

    def derivative(self, z, a, out=None):
        if out is None:
            return np.where(z > 0, 1.0, self.slope)
        np.sign(z, out=out)  # -1, 0, 1 → 0, 0, 1 (f'(0) is the slope), in float64 (see ReLU)
        np.maximum(out, 0.0, out=out)
        out *= 1.0 - self.slope
        out += self.slope
        return out


class Softmax(Activation):
    """Row-wise softmax over the units of one sample (output layer only).

    Row-wise subtract/divide are done as same-shape operations on a
    matmul-broadcast copy (column · 1ᵀ): NumPy's broadcasting ufuncs allocate
    an iteration buffer on every call, and a training step must allocate nothing.
    """

    name = "softmax"
    elementwise = False
    backward_multiplies_derivative = False

    def __init__(self):
        self._local = threading.local()  # per-thread buffers: two sessions may run in two threads

    def _buffers(self, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        cache = getattr(self._local, "buffers", None)
        if cache is None:
            cache = self._local.buffers = {}
        bufs = cache.get(shape)
        if bufs is None:
            rows, cols = shape
            bufs = cache[shape] = (np.empty((rows, 1)), np.ones((1, cols)), np.ones((cols, 1)), np.empty(shape))
        return bufs

    def forward(self, z, out=None):
        if out is None:
            out = np.empty_like(z)
        if z.ndim != 2:
            np.subtract(z, z.max(axis=-1, keepdims=True), out=out)
            np.exp(out, out=out)
            out /= out.sum(axis=-1, keepdims=True)
            return out
        col, ones_row, ones_col, spread = self._buffers(z.shape)
        np.max(z, axis=1, keepdims=True, out=col)
        np.matmul(col, ones_row, out=spread)
        np.subtract(z, spread, out=out)
        np.exp(out, out=out)
        np.matmul(out, ones_col, out=col)  # row sums
        np.matmul(col, ones_row, out=spread)
        out /= spread
        return out

    def derivative(self, z, a, out=None):
        # Diagonal of the Jacobian only; the full product is in ``backward``.
        out = np.subtract(1.0, a, out=out)
        return np.multiply(out, a, out=out)

    def backward(self, z, a, grad_a, out, scratch):
        # delta_i = a_i (g_i - sum_j g_j a_j): the Jacobian-vector product.
        col, ones_row, ones_col, spread = self._buffers(a.shape)
        np.multiply(grad_a, a, out=scratch)
        np.matmul(scratch, ones_col, out=col)
        np.matmul(col, ones_row, out=spread)
        np.subtract(grad_a, spread, out=out)
        return np.multiply(out, a, out=out)


ACTIVATIONS: dict[str, Activation] = {
    cls.name: cls() for cls in (Linear, Sigmoid, Tanh, ReLU, LeakyReLU, Softmax)
}


def get_activation(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}") from None
