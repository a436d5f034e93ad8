"""Loss history that stays small for millions of steps.

The newest ``tail`` points are kept exactly. When the buffer fills, the older
part is halved by averaging neighbouring pairs, so old history keeps its shape
at coarser resolution and memory never grows past ``capacity`` points.
"""

from __future__ import annotations

import numpy as np


class Series:
    def __init__(self, capacity: int = 4096, tail: int = 1024):
        if tail >= capacity:
            raise ValueError("tail must be smaller than capacity")
        self.capacity = capacity
        self.tail = tail
        self._x = np.zeros(capacity)
        self._y = np.zeros(capacity)
        self._n = 0
        self.total = 0  # points ever added

    def __len__(self) -> int:
        return self._n

    def add(self, x: float, y: float) -> None:
        if self._n == self.capacity:
            self._compact()
        self._x[self._n] = x
        self._y[self._n] = y
        self._n += 1
        self.total += 1

    def _compact(self) -> None:
        old = self.capacity - self.tail
        pairs = old // 2
        if pairs == 0:
            return
        end = pairs * 2
        xs = self._x[:end].reshape(pairs, 2).mean(axis=1)
        ys = self._y[:end].reshape(pairs, 2).mean(axis=1)
        rest = self._n - end
        self._x[:pairs] = xs
        self._y[:pairs] = ys
        self._x[pairs : pairs + rest] = self._x[end : self._n]
        self._y[pairs : pairs + rest] = self._y[end : self._n]
        self._n = pairs + rest

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies (x, y): safe to hand to another thread."""
        return self._x[: self._n].copy(), self._y[: self._n].copy()

    @property
    def last(self) -> float | None:
        return float(self._y[self._n - 1]) if self._n else None

    def clear(self) -> None:
        self._n = 0
        self.total = 0

    def state(self) -> dict:
        return {"x": self._x[: self._n].copy(), "y": self._y[: self._n].copy(), "total": self.total}

    def load_state(self, state: dict) -> None:
        n = len(state["x"])
        self._x[:n] = state["x"]
        self._y[:n] = state["y"]
        self._n = n
        self.total = int(state["total"])


class LossHistory:
    """Per-step training loss (the batch's, before its update) and per-epoch evaluations."""

    def __init__(self, capacity: int = 4096, tail: int = 1024):
        self.train = Series(capacity, tail)  # x: step, y: batch loss
        self.test = Series(capacity, tail)  # x: step at epoch end, y: test loss
        self.train_full = Series(capacity, tail)  # x: step at epoch end, y: loss on all training data
        self.accuracy = Series(capacity, tail)  # x: step at epoch end, y: test (or train) accuracy

    def clear(self) -> None:
        for s in (self.train, self.test, self.train_full, self.accuracy):
            s.clear()
