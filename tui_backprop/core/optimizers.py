"""Optimizers with torch.optim's definitions and defaults, on flat buffers.

Each optimizer turns the loss gradient into a step for *all* parameters in a
few vectorised NumPy calls. Regularization is added to weights only (biases
are masked out): l2 adds ``rate·w`` to the gradient, l1 adds ``rate·sign(w)``.
``playground_l1`` is TensorFlow Playground's L1: after the step each weight
shrinks by ``lr·rate`` toward 0, and one that would cross 0 is set to 0.
``last_update`` keeps the step just taken (new − old), for the inspector;
``previous_params`` the parameters before it, which the gradient check needs
(the gradients on screen were computed with those).
"""

from __future__ import annotations

import numpy as np

REGULARIZATIONS = ("none", "l1", "l2", "playground_l1")


class Optimizer:
    name = ""
    defaults: dict[str, float] = {}

    def __init__(self, size: int, learning_rate: float, regularization: str = "none",
                 regularization_rate: float = 0.0, **settings: float):
        unknown = set(settings) - set(self.defaults)
        if unknown:
            raise ValueError(f"optimizer {self.name!r} has no setting {sorted(unknown)[0]!r}")
        if regularization not in REGULARIZATIONS:
            raise ValueError(f"unknown regularization {regularization!r}")
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.regularization_rate = float(regularization_rate)
        self.settings = {**self.defaults, **{k: float(v) for k, v in settings.items()}}
        self._regularized_grad = np.zeros(size)
        # The gradient the last step used: ``grads`` itself without regularization
        # (no copy), else loss gradient + regularization term.
        self.effective_grad = self._regularized_grad
        self.last_update = np.zeros(size)
        self.previous_params = np.zeros(size)
        self.steps = 0
        self._scratch = np.zeros(size)
        self._init_state(size)

    @property
    def learning_rate(self):
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        """A number, or a column of one per run (a sweep's ``[K, 1]``); its negative is kept for each step."""
        self._learning_rate = value if isinstance(value, np.ndarray) else float(value)
        self._descent = -self._learning_rate

    def _init_state(self, size: int) -> None:
        pass

    def state_arrays(self) -> dict[str, np.ndarray]:
        """Arrays that must be saved to resume bit-identically."""
        return {}

    def _gradient(self, params, grads, weight_mask) -> np.ndarray:
        if self.regularization in ("none", "playground_l1") or self.regularization_rate == 0.0:
            self.effective_grad = grads
            return grads
        g = self.effective_grad = self._regularized_grad
        if self.regularization == "l2":
            np.multiply(params, weight_mask, out=g)
        else:
            np.sign(params, out=g)
            g *= weight_mask
        g *= self.regularization_rate
        g += grads
        return g

    def step(self, params: np.ndarray, grads: np.ndarray, weight_mask: np.ndarray) -> np.ndarray:
        np.copyto(self.previous_params, params)
        g = self._gradient(params, grads, weight_mask)
        self.steps += 1
        self._compute_update(g, self.last_update)
        np.add(params, self.last_update, out=params)  # (params += …: the same, through a slower path)
        if self.regularization == "playground_l1" and self.regularization_rate:
            self._playground_l1(params, weight_mask)
        return self.last_update

    def update_calls(self, params, grads, weight_mask) -> list[tuple]:
        """``step`` on these buffers as (function, arguments) calls, laid out once for the current learning rate.

        A sweep runs them every step: at K = 64 on a tiny network the Python around ``step`` (its branches and
        method calls) costs as much as its NumPy calls. Optimizers without such a plan give ``step`` itself.
        The caller counts ``steps``.
        """
        return [(self.step, (params, grads, weight_mask))]

    def _plain_update(self) -> bool:
        """The gradient is the loss gradient itself, and nothing follows the update (no regularization)."""
        return self.regularization == "none" or self.regularization_rate == 0.0

    def _playground_l1(self, params, weight_mask) -> None:
        """w ← sign(w)·max(|w| − lr·rate, 0) on weights: a weight that would cross 0 stops at 0."""
        shrink, magnitude = self._regularized_grad, self._scratch
        np.multiply(weight_mask, self.learning_rate * self.regularization_rate, out=shrink)
        np.abs(params, out=magnitude)
        magnitude -= shrink
        np.maximum(magnitude, 0.0, out=magnitude)
        np.copysign(magnitude, params, out=params)
        np.subtract(params, self.previous_params, out=self.last_update)

    def _compute_update(self, g: np.ndarray, out: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    name = "sgd"

    def _compute_update(self, g, out):
        np.multiply(g, self._descent, out=out)

    def update_calls(self, params, grads, weight_mask):
        if not self._plain_update():
            return super().update_calls(params, grads, weight_mask)
        self.effective_grad = grads
        return [(np.copyto, (self.previous_params, params)), (np.multiply, (grads, self._descent, self.last_update)),
                (np.add, (params, self.last_update, params))]


class Momentum(Optimizer):
    """torch.optim.SGD(momentum=0.9), no dampening, no Nesterov: v ← μv + g; w ← w − lr·v."""

    name = "momentum"
    defaults = {"momentum": 0.9}

    def _init_state(self, size):
        self.velocity = np.zeros(size)

    def state_arrays(self):
        return {"velocity": self.velocity}

    def _compute_update(self, g, out):
        self.velocity *= self.settings["momentum"]
        self.velocity += g
        np.multiply(self.velocity, self._descent, out=out)

    def update_calls(self, params, grads, weight_mask):
        if not self._plain_update():
            return super().update_calls(params, grads, weight_mask)
        self.effective_grad = grads
        v = self.velocity
        return [(np.copyto, (self.previous_params, params)), (np.multiply, (v, self.settings["momentum"], v)),
                (np.add, (v, grads, v)), (np.multiply, (v, self._descent, self.last_update)),
                (np.add, (params, self.last_update, params))]


class RMSprop(Optimizer):
    """torch.optim.RMSprop: s ← αs + (1−α)g²; w ← w − lr·g/(√s + ε)."""

    name = "rmsprop"
    defaults = {"alpha": 0.99, "epsilon": 1e-8}

    def _init_state(self, size):
        self.square_avg = np.zeros(size)

    def state_arrays(self):
        return {"square_avg": self.square_avg}

    def _compute_update(self, g, out):
        alpha = self.settings["alpha"]
        self.square_avg *= alpha
        np.multiply(g, g, out=self._scratch)
        self._scratch *= 1.0 - alpha
        self.square_avg += self._scratch
        np.sqrt(self.square_avg, out=self._scratch)
        self._scratch += self.settings["epsilon"]
        np.divide(g, self._scratch, out=out)
        out *= self._descent


class Adagrad(Optimizer):
    """torch.optim.Adagrad: s ← s + g²; w ← w − lr·g/(√s + ε)."""

    name = "adagrad"
    defaults = {"epsilon": 1e-10}

    def _init_state(self, size):
        self.sum_squares = np.zeros(size)

    def state_arrays(self):
        return {"sum_squares": self.sum_squares}

    def _compute_update(self, g, out):
        np.multiply(g, g, out=self._scratch)
        self.sum_squares += self._scratch
        np.sqrt(self.sum_squares, out=self._scratch)
        self._scratch += self.settings["epsilon"]
        np.divide(g, self._scratch, out=out)
        out *= self._descent


class Adam(Optimizer):
    """torch.optim.Adam: bias-corrected first and second moments."""

    name = "adam"
    defaults = {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}

    def _init_state(self, size):
        self.first_moment = np.zeros(size)
        self.second_moment = np.zeros(size)

    def state_arrays(self):
        return {"first_moment": self.first_moment, "second_moment": self.second_moment}

    def _compute_update(self, g, out):
        b1, b2, eps = self.settings["beta1"], self.settings["beta2"], self.settings["epsilon"]
        t = self.steps
        self.first_moment *= b1
        np.multiply(g, 1.0 - b1, out=self._scratch)
        self.first_moment += self._scratch
        self.second_moment *= b2
        np.multiply(g, g, out=self._scratch)
        self._scratch *= 1.0 - b2
        self.second_moment += self._scratch
        correction1 = 1.0 - b1**t
        correction2 = 1.0 - b2**t
        np.sqrt(self.second_moment, out=self._scratch)
        self._scratch *= 1.0 / np.sqrt(correction2)
        self._scratch += eps
        np.divide(self.first_moment, self._scratch, out=out)
        out *= self._descent / correction1


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (SGD, Momentum, RMSprop, Adagrad, Adam)}
OPTIMIZER_SETTINGS = {name: tuple(cls.defaults) for name, cls in OPTIMIZERS.items()}


def make_optimizer(name: str, size: int, learning_rate: float, regularization: str = "none",
                   regularization_rate: float = 0.0, **settings: float) -> Optimizer:
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {', '.join(OPTIMIZERS)}") from None
    return cls(size, learning_rate, regularization, regularization_rate, **settings)
