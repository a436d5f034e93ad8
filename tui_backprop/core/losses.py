"""Loss functions. Each averages over the batch.

Per sample ``i`` the loss is ``loss_i``; the batch loss is ``mean_i loss_i``.
``grad_output`` returns d(loss_i)/d(ŷ_i) per sample, without the 1/batch
factor: the network divides once, when it averages the weight gradients.

``run_values`` gives one batch loss per run for runs stacked along a leading
axis (``[runs, batch, outputs]``, see ``core/population.py``), through the same
formulas as ``value``, so each run's number equals its single network's.
"""

from __future__ import annotations

import threading

import numpy as np


class Loss:
    name = ""
    output_activations: tuple[str, ...] = ()  # empty: any except softmax
    fuses_output_delta = False  # ``fused_delta`` gives delta itself (dL/da and f'(z) are not needed)

    def value(self, output: np.ndarray, target: np.ndarray, scratch: np.ndarray | None = None,
              scratch2: np.ndarray | None = None, z: np.ndarray | None = None) -> float:
        """Batch loss; with ``scratch`` buffers (the output's shape) it allocates no arrays.

        ``z`` is the output layer's pre-activation: bce and cross_entropy are
        computed from it (log-sum-exp form), so they stay exact at saturation.
        """
        return float(self._value(output, target, scratch, scratch2, z, False))

    def run_values(self, output: np.ndarray, target: np.ndarray, scratch: np.ndarray | None = None,
                   scratch2: np.ndarray | None = None, z: np.ndarray | None = None) -> np.ndarray:
        """One batch loss per run of stacked ``[runs, batch, outputs]`` arrays."""
        return self._value(output, target, scratch, scratch2, z, True)

    def values_and_grad_call(self, output, target, grad_out, scratch, scratch2, z):
        """A function of no arguments giving ``run_values`` and filling ``grad_output`` of stacked runs, on these
        buffers (the same numbers as the two calls; a sweep lays it out once and calls it every step)."""
        def values_and_grad() -> np.ndarray:
            values = self._value(output, target, scratch, scratch2, z, True)
            self.grad_output(output, target, out=grad_out, scratch=scratch)
            return values
        return values_and_grad

    def _value(self, output, target, scratch, scratch2, z, stacked: bool):
        raise NotImplementedError

    def per_sample(self, output: np.ndarray, target: np.ndarray, z: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def grad_output(self, output, target, out=None, scratch=None) -> np.ndarray:
        raise NotImplementedError

    def fused_delta(self, activation_name: str, output, target, out) -> np.ndarray | None:
        """delta = d(loss_i)/dz for pairs whose product simplifies (and stays finite)."""
        return None

    def check_pairing(self, activation_name: str) -> str | None:
        """An error message if this loss cannot follow that output activation."""
        if self.output_activations and activation_name not in self.output_activations:
            return f"loss {self.name!r} needs a {' or '.join(self.output_activations)} output layer, not {activation_name!r}"
        if not self.output_activations and activation_name == "softmax":
            return f"a softmax output layer needs loss 'cross_entropy', not {self.name!r}"
        return None


class MSE(Loss):
    name = "mse"
    scale = 1.0  # half_mse uses 0.5

    def value(self, output, target, scratch=None, scratch2=None, z=None) -> float:
        diff = np.subtract(output, target, out=scratch)  # ``_value`` inline, in Python floats: the same numbers
        np.multiply(diff, diff, out=diff)
        return self.scale * float(np.add.reduce(diff, axis=None)) / diff.size  # = diff.sum(), one call less

    def _value(self, output, target, scratch, scratch2, z, stacked):
        diff = np.subtract(output, target, out=scratch)
        np.multiply(diff, diff, out=diff)
        return self.scale * _total(diff, stacked) / _count(diff, stacked)

    def per_sample(self, output, target, z=None):
        with np.errstate(over="ignore"):  # a diverged run's loss is ∞, as shown: no warning on the terminal
            return self.scale * np.mean((output - target) ** 2, axis=-1)

    def values_and_grad_call(self, output, target, grad_out, scratch, scratch2, z):
        if not scratch.flags.c_contiguous:
            return super().values_and_grad_call(output, target, grad_out, scratch, scratch2, z)
        subtract, multiply, add = np.subtract, np.multiply, np.add.reduce
        rows, scale, count = scratch.reshape(len(scratch), -1), self.scale, _count(scratch, True)
        factor = 2.0 * self.scale / output.shape[-1]

        def values_and_grad() -> np.ndarray:
            diff = subtract(output, target, grad_out)  # one subtraction serves the loss and its gradient
            multiply(diff, diff, scratch)
            values = add(rows, 1)  # ``_total``: each run's terms are one row; a new array, scaled in place
            if scale != 1.0:  # (× 1 changes no number)
                values *= scale
            values /= count
            if factor != 1.0:  # (half_mse of one output: × 1 changes no number)
                diff *= factor
            return values
        return values_and_grad

    def grad_output(self, output, target, out=None, scratch=None):
        out = np.subtract(output, target, out=out)
        out *= 2.0 * self.scale / output.shape[-1]
        return out


class HalfMSE(MSE):
    name = "half_mse"
    scale = 0.5


class BCE(Loss):
    """Binary cross-entropy after a sigmoid, computed from z like its gradient.

    −[y log σ(z) + (1 − y) log(1 − σ(z))] = softplus(z) − y z, with
    softplus(z) = max(z, 0) + log(1 + e^−|z|) (nn.BCEWithLogitsLoss): exact
    where σ(z) rounds to 0 or 1, so a confident wrong answer at z = 40 costs 40.
    """

    name = "bce"
    output_activations = ("sigmoid",)
    fuses_output_delta = True

    def per_sample(self, output, target, z=None):
        z = _logits(output, z)
        return np.mean(np.maximum(z, 0) - target * z + np.log1p(np.exp(-np.abs(z))), axis=-1)

    def _value(self, output, target, scratch, scratch2, z, stacked):
        if scratch is None or scratch2 is None or z is None:
            return self.per_sample(output, target, z).mean(axis=-1 if stacked else None)
        # In two caller-owned buffers: log(1 + e^−|z|) + max(z, 0) − y z.
        soft = np.abs(z, out=scratch)
        np.negative(soft, out=soft)
        np.exp(soft, out=soft)
        np.log1p(soft, out=soft)
        soft += np.maximum(z, 0.0, out=scratch2)
        soft -= np.multiply(target, z, out=scratch2)
        return _total(soft, stacked) / _count(soft, stacked)

    def grad_output(self, output, target, out=None, scratch=None):
        # (a - y) / (a (1 - a)) / k; infinite when a sigmoid saturates exactly.
        with np.errstate(divide="ignore", invalid="ignore"):
            denom = np.subtract(1.0, output, out=scratch)
            denom *= output
            denom *= output.shape[-1]
            out = np.subtract(output, target, out=out)
            out /= denom
        return out

    def fused_delta(self, activation_name, output, target, out):
        out = np.subtract(output, target, out=out)
        out *= 1.0 / output.shape[-1]
        return out


class CrossEntropy(Loss):
    """Cross-entropy after a softmax, from z: −Σ y · log_softmax(z) (never log 0)."""

    name = "cross_entropy"
    output_activations = ("softmax",)
    fuses_output_delta = True

    def __init__(self):
        self._local = threading.local()  # per-thread buffers, as Softmax keeps

    def per_sample(self, output, target, z=None):
        if z is None:
            with np.errstate(divide="ignore"):
                return -(target * np.log(output)).sum(axis=-1)
        m = z.max(axis=-1, keepdims=True)
        log_softmax = z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))
        return -(target * log_softmax).sum(axis=-1)

    def _value(self, output, target, scratch, scratch2, z, stacked):
        if scratch is None or scratch2 is None or z is None:
            return self.per_sample(output, target, z).mean(axis=-1 if stacked else None)
        # log_softmax = z − max − log Σ e^(z − max), row-wise values spread by matmul
        # with a row of ones (broadcasting ufuncs allocate; see Softmax).
        col, ones_row, ones_col = self._buffers(z.shape)
        np.max(z, axis=-1, keepdims=True, out=col)
        log_p = np.matmul(col, ones_row, out=scratch)
        np.subtract(z, log_p, out=log_p)
        np.exp(log_p, out=scratch2)
        np.matmul(scratch2, ones_col, out=col)
        np.log(col, out=col)
        np.matmul(col, ones_row, out=scratch2)
        log_p -= scratch2
        log_p *= target
        return -_total(log_p, stacked) / output.shape[-2 if stacked else 0]

    def _buffers(self, shape):
        cache = getattr(self._local, "buffers", None)
        if cache is None:
            cache = self._local.buffers = {}
        bufs = cache.get(shape)
        if bufs is None:
            cols = shape[-1]
            bufs = cache[shape] = (np.empty(shape[:-1] + (1,)), np.ones((1, cols)), np.ones((cols, 1)))
        return bufs

    def grad_output(self, output, target, out=None, scratch=None):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.divide(target, output, out=out)
        return np.negative(out, out=out)

    def fused_delta(self, activation_name, output, target, out):
        return np.subtract(output, target, out=out)


def _logits(output, z):
    """z itself, or (without it) recovered from σ(z): exact only away from saturation."""
    if z is not None:
        return z
    with np.errstate(divide="ignore"):
        return np.log(output) - np.log1p(-output)


def _total(terms: np.ndarray, stacked: bool):
    """Sum of all terms, or of each run's terms (the same pairwise sums, per run)."""
    if stacked and terms.flags.c_contiguous:  # each run's terms are one row: the same pairwise sum, faster
        return np.add.reduce(terms.reshape(len(terms), -1), axis=1)
    return terms.sum(axis=(-2, -1)) if stacked else terms.sum()


def _count(terms: np.ndarray, stacked: bool) -> int:
    return terms[0].size if stacked else terms.size


LOSSES: dict[str, Loss] = {cls.name: cls() for cls in (MSE, HalfMSE, BCE, CrossEntropy)}


def get_loss(name: str) -> Loss:
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; expected one of {', '.join(LOSSES)}") from None
