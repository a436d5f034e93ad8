"""Loss history that stays small for millions of steps.

The newest ``tail`` points are kept exactly. Older points are averaged into
"coarse" points that each stand for ``stride`` raw points (the last one may
still be filling up). When the coarse part outgrows half of the room left
beside the tail, neighbouring coarse points are merged and ``stride``
doubles. So the whole run keeps its shape at an even, ever coarser
resolution, and memory never grows past ``capacity`` points. Every merge is
a weighted mean, so each coarse point sits at the centroid of the raw points
it stands for.
"""

from __future__ import annotations

import numpy as np


class Series:
    def __init__(self, capacity: int = 4096, tail: int = 1024):
        if tail >= capacity:
            raise ValueError("tail must be smaller than capacity")
        if capacity - tail < 4:
            raise ValueError("capacity must leave room for at least 4 older points beside the tail")
        self.capacity = capacity
        self.tail = tail
        self._x = np.zeros(capacity)
        self._y = np.zeros(capacity)
        self._w = np.ones(capacity)  # raw points each entry stands for
        self._n = 0
        self._coarse = 0  # leading entries that are averages
        self.stride = 1  # raw points per full coarse entry
        self.total = 0  # points ever added

    def __len__(self) -> int:
        return self._n

    def add(self, x: float, y: float) -> None:
        if self._n == self.capacity:
            self._compact()
        self._x[self._n] = x
        self._y[self._n] = y
        self._w[self._n] = 1.0
        self._n += 1
        self.total += 1

    def _compact(self) -> None:
        x, y, w = self._x, self._y, self._w
        c, n, stride = self._coarse, self._n, self.stride
        first, last = c, n - self.tail  # exact points older than the tail: fold them into coarse ones
        if last <= first:
            return
        if c and w[c - 1] < stride:  # top up the coarse entry that is still filling
            take = min(int(stride - w[c - 1]), last - first)
            k = w[c - 1]
            x[c - 1] = (k * x[c - 1] + x[first : first + take].sum()) / (k + take)
            y[c - 1] = (k * y[c - 1] + y[first : first + take].sum()) / (k + take)
            w[c - 1] = k + take
            first += take
        count = last - first
        full, rest = divmod(count, stride)
        if full:
            seg = slice(first, first + full * stride)
            x[c : c + full] = x[seg].reshape(full, stride).mean(axis=1)
            y[c : c + full] = y[seg].reshape(full, stride).mean(axis=1)
            w[c : c + full] = stride
            c += full
        if rest:
            seg = slice(last - rest, last)
            x[c], y[c], w[c] = x[seg].mean(), y[seg].mean(), rest
            c += 1
        # the exact tail moves down behind the coarse part
        x[c : c + self.tail] = x[last:n]
        y[c : c + self.tail] = y[last:n]
        w[c : c + self.tail] = 1.0
        while c > (self.capacity - self.tail) // 2:
            pairs = c // 2
            a, b = slice(0, 2 * pairs, 2), slice(1, 2 * pairs, 2)
            wa, wb = w[a].copy(), w[b].copy()
            tot = wa + wb
            xs = (wa * x[a] + wb * x[b]) / tot
            ys = (wa * y[a] + wb * y[b]) / tot
            x[:pairs], y[:pairs], w[:pairs] = xs, ys, tot
            if c % 2:
                x[pairs], y[pairs], w[pairs] = x[c - 1], y[c - 1], w[c - 1]
            new_c = pairs + c % 2
            x[new_c : new_c + self.tail] = x[c : c + self.tail]
            y[new_c : new_c + self.tail] = y[c : c + self.tail]
            w[new_c : new_c + self.tail] = 1.0
            c = new_c
            self.stride *= 2
        self._coarse = c
        self._n = c + self.tail

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies (x, y): safe to hand to another thread."""
        return self._x[: self._n].copy(), self._y[: self._n].copy()

    @property
    def weights(self) -> np.ndarray:
        """How many raw points each entry stands for (1 for exact points)."""
        return self._w[: self._n].copy()

    @property
    def last(self) -> float | None:
        return float(self._y[self._n - 1]) if self._n else None

    def clear(self) -> None:
        self._n = 0
        self._coarse = 0
        self.stride = 1
        self.total = 0

    def state(self) -> dict:
        return {"x": self._x[: self._n].copy(), "y": self._y[: self._n].copy(), "total": self.total,
                "weights": self._w[: self._n].copy(), "coarse": self._coarse, "stride": self.stride}

    def load_state(self, state: dict) -> None:
        n = len(state["x"])
        self._x[:n] = state["x"]
        self._y[:n] = state["y"]
        self._n = n
        self.total = int(state["total"])
        if "weights" in state:
            self._w[:n] = state["weights"]
            self._coarse = int(state["coarse"])
            self.stride = int(state["stride"])
        else:
            # Saved without weights: the layout depends only on how many points were
            # added, so replay the counts to recover which entries are averages.
            w, coarse, stride = Series._layout(self.capacity, self.tail, self.total)
            if len(w) == n:
                self._w[:n], self._coarse, self.stride = w, coarse, stride
            else:  # not written by this class: treat every point as exact
                self._w[:n], self._coarse, self.stride = 1.0, 0, 1

    @staticmethod
    def _layout(capacity: int, tail: int, total: int) -> tuple[np.ndarray, int, int]:
        """Weights, coarse count and stride after ``total`` adds (values do not matter)."""
        probe = Series(capacity, tail)
        remaining = total
        while remaining:
            if probe._n == capacity:
                probe._compact()
            k = min(capacity - probe._n, remaining)
            probe._w[probe._n : probe._n + k] = 1.0
            probe._n += k
            remaining -= k
        return probe.weights, probe._coarse, probe.stride


class LossHistory:
    """Per-step training loss (the batch's, before its update) and per-epoch evaluations."""

    def __init__(self, capacity: int = 4096, tail: int = 1024):
        self.train = Series(capacity, tail)  # x: step, y: batch loss
        self.test = Series(capacity, tail)  # x: step at epoch end, y: test loss
        self.train_full = Series(capacity, tail)  # x: step at epoch end, y: loss on all training data
        self.accuracy = Series(capacity, tail)  # x: step at epoch end, y: test (or train) accuracy

    SERIES = ("train", "test", "train_full", "accuracy")

    def clear(self) -> None:
        for name in self.SERIES:
            getattr(self, name).clear()

    def state(self) -> dict[str, dict]:
        """Each series' state (copies) with its capacity and tail."""
        out = {}
        for name in self.SERIES:
            s = getattr(self, name)
            out[name] = {**s.state(), "capacity": s.capacity, "tail": s.tail}
        return out

    def load_state(self, state: dict[str, dict]) -> None:
        for name in self.SERIES:
            st = state[name]
            series = Series(int(st["capacity"]), int(st["tail"]))
            if len(st["x"]) > series.capacity:
                raise ValueError(f"history {name!r} has more points than its capacity")
            series.load_state(st)
            setattr(self, name, series)
