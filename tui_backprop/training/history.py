"""Loss history that stays small for millions of steps, yet keeps the start and every spike.

A series keeps three parts, oldest first:

* the ``head``: the first points, exact for ever (the start of a run is
  where most of the learning shows);
* buckets: the points between head and tail, folded into buckets that each
  stand for ``stride`` points (the last one may still be filling up). A
  bucket keeps the mean, min and max of its values and the first and last
  step it covers, so a spike survives as a bucket's max;
* the ``tail``: the newest points, exact.

When the buckets outgrow half of the room between head and tail,
neighbouring buckets are merged and ``stride`` doubles: the middle of the
run keeps its shape at an even, ever coarser resolution, and memory never
grows past ``capacity`` points. Every merge is a weighted mean, so a
bucket's x sits at the centroid of the steps it stands for. The layout
depends only on how many points were added, so a save can replay it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HEAD = 512  # points at the start of a run never averaged (when the capacity allows)


@dataclass(frozen=True)
class Points:
    """A copy of a series, one entry per exact point or bucket (an exact point is a bucket of one).

    ``low``/``high`` are NaN for buckets whose range was not saved (files from
    before ranges were kept).
    """

    x: np.ndarray  # step (a bucket's: the centroid of its steps)
    y: np.ndarray  # value (a bucket's: the mean)
    low: np.ndarray
    high: np.ndarray
    first: np.ndarray  # first step covered
    last: np.ndarray  # last step covered
    count: np.ndarray  # points each entry stands for

    @staticmethod
    def exact(x: np.ndarray, y: np.ndarray) -> "Points":
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        return Points(x, y, y, y, x, x, np.ones(len(x)))

    def __len__(self) -> int:
        return len(self.x)


class Series:
    def __init__(self, capacity: int = 4096, tail: int = 1024, head: int | None = None):
        if head is None:
            head = min(HEAD, max(capacity - tail - 4, 0) // 4)
        if tail >= capacity:
            raise ValueError("tail must be smaller than capacity")
        if head < 0 or capacity - tail - head < 4:
            raise ValueError("capacity must leave room for at least 4 buckets beside the head and the tail")
        self.capacity = capacity
        self.tail = tail
        self.head = head
        self._x = np.zeros(capacity)
        self._y = np.zeros(capacity)
        self._w = np.ones(capacity)  # raw points each entry stands for
        # Kept for buckets only (entries head .. head+coarse); exact points are their own range.
        self._lo = np.zeros(capacity)
        self._hi = np.zeros(capacity)
        self._first = np.zeros(capacity)
        self._last = np.zeros(capacity)
        self._n = 0
        self._coarse = 0  # buckets after the head
        self.stride = 1  # raw points per full bucket
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

    def _move(self, src: slice, dst: int) -> None:
        count = src.stop - src.start
        for arr in (self._x, self._y, self._w, self._lo, self._hi, self._first, self._last):
            arr[dst : dst + count] = arr[src]

    def _compact(self) -> None:
        x, y, w, lo, hi, fst, lst = self._x, self._y, self._w, self._lo, self._hi, self._first, self._last
        h, stride = self.head, self.stride
        c, n = h + self._coarse, self._n  # c: index just past the last bucket
        first, last = c, n - self.tail  # exact points older than the tail: fold them into buckets
        if last <= first:
            return
        if c > h and w[c - 1] < stride:  # top up the bucket that is still filling
            take = min(int(stride - w[c - 1]), last - first)
            k, seg = w[c - 1], slice(first, first + take)
            x[c - 1] = (k * x[c - 1] + x[seg].sum()) / (k + take)
            y[c - 1] = (k * y[c - 1] + y[seg].sum()) / (k + take)
            lo[c - 1] = min(lo[c - 1], y[seg].min())
            hi[c - 1] = max(hi[c - 1], y[seg].max())
            lst[c - 1] = x[first + take - 1]
            w[c - 1] = k + take
            first += take
        full, rest = divmod(last - first, stride)
        if full:
            seg = slice(first, first + full * stride)
            xs, ys = x[seg].reshape(full, stride), y[seg].reshape(full, stride)
            out = slice(c, c + full)
            fst[out], lst[out] = xs[:, 0], xs[:, -1]
            lo[out], hi[out] = ys.min(axis=1), ys.max(axis=1)
            x[out], y[out], w[out] = xs.mean(axis=1), ys.mean(axis=1), stride
            c += full
        if rest:
            seg = slice(last - rest, last)
            fst[c], lst[c], lo[c], hi[c] = x[last - rest], x[last - 1], y[seg].min(), y[seg].max()
            x[c], y[c], w[c] = x[seg].mean(), y[seg].mean(), rest
            c += 1
        self._move(slice(last, n), c)  # the exact tail moves down behind the buckets
        while c - h > (self.capacity - self.tail - h) // 2:
            b = c - h
            pairs = b // 2
            a, z = slice(h, h + 2 * pairs, 2), slice(h + 1, h + 2 * pairs, 2)
            wa, wz = w[a].copy(), w[z].copy()
            tot = wa + wz
            merged = ((wa * x[a] + wz * x[z]) / tot, (wa * y[a] + wz * y[z]) / tot,
                      np.minimum(lo[a], lo[z]), np.maximum(hi[a], hi[z]), fst[a].copy(), lst[z].copy())
            out = slice(h, h + pairs)
            x[out], y[out], lo[out], hi[out], fst[out], lst[out] = merged
            w[out] = tot
            if b % 2:  # the odd last bucket moves down as it is
                self._move(slice(c - 1, c), h + pairs)
            new_c = h + pairs + b % 2
            self._move(slice(c, c + self.tail), new_c)
            c = new_c
            self.stride *= 2
        self._coarse = c - h
        self._n = c + self.tail

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies (x, y): safe to hand to another thread."""
        return self._x[: self._n].copy(), self._y[: self._n].copy()

    def points(self) -> Points:
        """A copy of every entry with its range and the steps it covers."""
        n, b = self._n, slice(self.head, self.head + self._coarse)
        x, y = self._x[:n].copy(), self._y[:n].copy()
        low, high, first, last = y.copy(), y.copy(), x.copy(), x.copy()
        low[b], high[b], first[b], last[b] = self._lo[b], self._hi[b], self._first[b], self._last[b]
        return Points(x, y, low, high, first, last, self._w[:n].copy())

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
        """Copies of everything; ``low``/``high``/``first``/``last`` hold the buckets' ranges only."""
        b = slice(self.head, self.head + self._coarse)
        return {"x": self._x[: self._n].copy(), "y": self._y[: self._n].copy(), "total": self.total,
                "weights": self._w[: self._n].copy(), "coarse": self._coarse, "stride": self.stride,
                "head": self.head, "low": self._lo[b].copy(), "high": self._hi[b].copy(),
                "first": self._first[b].copy(), "last": self._last[b].copy()}

    def load_state(self, state: dict) -> None:
        """Restore ``state()``; older saves (no weights, or no ranges) load too."""
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
            # added, so replay the counts to recover which entries are buckets.
            w, coarse, stride = Series._layout(self.capacity, self.tail, self.head, self.total)
            if len(w) == n:
                self._w[:n], self._coarse, self.stride = w, coarse, stride
            else:  # not written by this class: treat every point as exact
                self._w[:n], self._coarse, self.stride = 1.0, 0, 1
        b = slice(self.head, self.head + self._coarse)
        if "low" in state and len(state["low"]) == self._coarse:
            self._lo[b], self._hi[b] = state["low"], state["high"]
            self._first[b], self._last[b] = state["first"], state["last"]
        else:
            # Saved before buckets kept a range: the min and max are gone (NaN says so).
            # Steps are evenly spaced (every step, or every epoch), so the steps a bucket
            # covers follow from its centroid and count.
            self._lo[b] = self._hi[b] = np.nan
            exact = self._x[self.head + self._coarse : n]
            spacing = float(np.median(np.diff(exact))) if len(exact) > 1 else 1.0
            half = (self._w[b] - 1) / 2 * spacing
            self._first[b], self._last[b] = self._x[b] - half, self._x[b] + half

    @staticmethod
    def _layout(capacity: int, tail: int, head: int, total: int) -> tuple[np.ndarray, int, int]:
        """Weights, bucket count and stride after ``total`` adds (values do not matter)."""
        probe = Series(capacity, tail, head)
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

    def __init__(self, capacity: int = 4096, tail: int = 1024, head: int | None = None):
        self.train = Series(capacity, tail, head)  # x: step, y: batch loss
        self.test = Series(capacity, tail, head)  # x: step at epoch end, y: test loss
        self.train_full = Series(capacity, tail, head)  # x: step at epoch end, y: loss on all training data
        self.accuracy = Series(capacity, tail, head)  # x: step at epoch end, y: test (or train) accuracy

    SERIES = ("train", "test", "train_full", "accuracy")

    def clear(self) -> None:
        for name in self.SERIES:
            getattr(self, name).clear()

    def points(self) -> dict[str, Points]:
        """Each series with its buckets' ranges (copies, for the curve)."""
        return {name: getattr(self, name).points() for name in self.SERIES}

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
            # A state without a head was written before heads existed: its layout has none.
            series = Series(int(st["capacity"]), int(st["tail"]), int(st.get("head", 0)))
            if len(st["x"]) > series.capacity:
                raise ValueError(f"history {name!r} has more points than its capacity")
            series.load_state(st)
            setattr(self, name, series)
