"""Numbers recorded after every step, in bounded memory, without allocating during a step.

A run of a million steps keeps at most ``capacity`` rows: when the buffer is
full every other row is dropped and from then on only every ``stride``-th step
is kept, so a long run keeps its whole shape at a coarser resolution. The first
row (step 1 of the update ratios) is always kept: a plot of it starts where the run
started, as the loss curve does.
"""

from __future__ import annotations

import numpy as np


class DecimatedSeries:
    def __init__(self, width: int, capacity: int = 1024):
        self.capacity = max(2, int(capacity))
        self.steps = np.zeros(self.capacity, dtype=np.int64)
        self.values = np.zeros((self.capacity, width))
        self.count = 0
        self.stride = 1
        self._last = -1  # the newest kept step, as a Python int: the check runs after every step

    def clear(self) -> None:
        self.count = 0
        self.stride = 1
        self._last = -1

    def truncate(self, step: int) -> None:
        """Forget the rows of ``step`` and later."""
        self.count = int(np.searchsorted(self.steps[: self.count], step))
        self._last = int(self.steps[self.count - 1]) if self.count else -1
        if not self.count:
            self.stride = 1

    def slot(self, step: int) -> int:
        """The row to fill for ``step``, or -1 if this step is not kept. Call ``commit`` once it is filled."""
        if step <= self._last:
            self.truncate(step)  # a reset or a step back: forget what came after
        if step % self.stride and self.count:
            return -1
        while self.count == self.capacity:  # twice at most: with the first row kept, 2 rows may halve to 2
            self._thin()
        if step % self.stride:
            return -1
        self.steps[self.count] = step
        self._last = step
        return self.count

    def commit(self) -> None:
        self.count += 1  # after the row is filled, so a reader never sees a half-written row

    def _thin(self) -> None:
        self.stride *= 2
        kept = 0
        for i in range(self.count):  # rare (once per doubling): a loop keeps it free of temporaries
            if self.steps[i] % self.stride == 0 or i == 0:
                self.steps[kept] = self.steps[i]
                self.values[kept] = self.values[i]
                kept += 1
        self.count = kept

    def arrays(self, columns=None) -> tuple[np.ndarray, np.ndarray]:
        """Copies of (steps, values) so far; ``columns`` picks some columns of the values."""
        n = self.count
        values = self.values[:n] if columns is None else self.values[:n, list(columns)]
        return self.steps[:n].copy(), values.copy()
