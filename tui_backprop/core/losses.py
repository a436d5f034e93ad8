"""Loss functions. Each averages over the batch.

Per sample ``i`` the loss is ``loss_i``; the batch loss is ``mean_i loss_i``.
``grad_output`` returns d(loss_i)/d(ŷ_i) per sample, without the 1/batch
factor: the network divides once, when it averages the weight gradients.

``run_values`` gives one batch loss per run for runs stacked along a leading
axis (``[runs, batch, outputs]``, see ``core/population.py``), through the same
formulas as ``value``, so each run's number equals its single network's.
"""

from __future__ import annotations

import numpy as np

# PyTorch clamps log() at -100 in BCELoss so a saturated sigmoid gives a finite loss.
_LOG_FLOOR = -100.0


class Loss:
    name = ""
    output_activations: tuple[str, ...] = ()  # empty: any except softmax

    def value(self, output: np.ndarray, target: np.ndarray, scratch: np.ndarray | None = None,
              scratch2: np.ndarray | None = None) -> float:
        """Batch loss; with ``scratch`` buffers (the output's shape) it allocates no arrays."""
        return float(self._value(output, target, scratch, scratch2, False))

    def run_values(self, output: np.ndarray, target: np.ndarray, scratch: np.ndarray | None = None,
                   scratch2: np.ndarray | None = None) -> np.ndarray:
        """One batch loss per run of stacked ``[runs, batch, outputs]`` arrays."""
        return self._value(output, target, scratch, scratch2, True)

    def _value(self, output, target, scratch, scratch2, stacked: bool):
        raise NotImplementedError

    def per_sample(self, output: np.ndarray, target: np.ndarray) -> np.ndarray:
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

    def _value(self, output, target, scratch, scratch2, stacked):
        diff = np.subtract(output, target, out=scratch)
        np.multiply(diff, diff, out=diff)
        return self.scale * _total(diff, stacked) / _count(diff, stacked)

    def per_sample(self, output, target):
        return self.scale * np.mean((output - target) ** 2, axis=-1)

    def grad_output(self, output, target, out=None, scratch=None):
        out = np.subtract(output, target, out=out)
        out *= 2.0 * self.scale / output.shape[1]
        return out


class HalfMSE(MSE):
    name = "half_mse"
    scale = 0.5


class BCE(Loss):
    name = "bce"
    output_activations = ("sigmoid",)

    def per_sample(self, output, target):
        with np.errstate(divide="ignore"):
            log_a = np.maximum(np.log(output), _LOG_FLOOR)
            log_1a = np.maximum(np.log1p(-output), _LOG_FLOOR)
        return -np.mean(target * log_a + (1.0 - target) * log_1a, axis=-1)

    def _value(self, output, target, scratch, scratch2, stacked):
        if scratch is None or scratch2 is None:
            return self.per_sample(output, target).mean(axis=-1 if stacked else None)
        # −mean[y·(log a − log(1 − a)) + log(1 − a)], in two caller-owned buffers.
        with np.errstate(divide="ignore", invalid="ignore"):
            log_a = np.log(output, out=scratch)
            np.maximum(log_a, _LOG_FLOOR, out=log_a)
            log_1a = np.negative(output, out=scratch2)
            np.log1p(log_1a, out=log_1a)
            np.maximum(log_1a, _LOG_FLOOR, out=log_1a)
            np.subtract(log_a, log_1a, out=log_a)
            log_a *= target
            log_a += log_1a
        return -_total(log_a, stacked) / _count(log_a, stacked)

    def grad_output(self, output, target, out=None, scratch=None):
        # (a - y) / (a (1 - a)) / k; infinite when a sigmoid saturates exactly.
        with np.errstate(divide="ignore", invalid="ignore"):
            denom = np.subtract(1.0, output, out=scratch)
            denom *= output
            denom *= output.shape[1]
            out = np.subtract(output, target, out=out)
            out /= denom
        return out

    def fused_delta(self, activation_name, output, target, out):
        out = np.subtract(output, target, out=out)
        out *= 1.0 / output.shape[1]
        return out


class CrossEntropy(Loss):
    name = "cross_entropy"
    output_activations = ("softmax",)

    def per_sample(self, output, target):
        with np.errstate(divide="ignore"):
            log_a = np.maximum(np.log(output), _LOG_FLOOR)
        return -(target * log_a).sum(axis=-1)

    def _value(self, output, target, scratch, scratch2, stacked):
        if scratch is None:
            return self.per_sample(output, target).mean(axis=-1 if stacked else None)
        with np.errstate(divide="ignore"):
            log_a = np.log(output, out=scratch)
        np.maximum(log_a, _LOG_FLOOR, out=log_a)
        log_a *= target
        return -_total(log_a, stacked) / output.shape[-2 if stacked else 0]

    def grad_output(self, output, target, out=None, scratch=None):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.divide(target, output, out=out)
        return np.negative(out, out=out)

    def fused_delta(self, activation_name, output, target, out):
        return np.subtract(output, target, out=out)


def _total(terms: np.ndarray, stacked: bool):
    """Sum of all terms, or of each run's terms (the same pairwise sums, per run)."""
    return terms.sum(axis=(-2, -1)) if stacked else terms.sum()


def _count(terms: np.ndarray, stacked: bool) -> int:
    return terms[0].size if stacked else terms.size


LOSSES: dict[str, Loss] = {cls.name: cls() for cls in (MSE, HalfMSE, BCE, CrossEntropy)}


def get_loss(name: str) -> Loss:
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; expected one of {', '.join(LOSSES)}") from None
