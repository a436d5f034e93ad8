"""What a headless run reports: every step's loss, every epoch's accuracy, the final network's figures.

The session's ``LossHistory`` keeps a bounded, ever coarser curve for the
screen; a summary must instead say exactly what each step did, so the CLI
records one loss per step (8 bytes a step) as it runs.
"""

from __future__ import annotations

import math

import numpy as np

from tui_backprop.training.session import accuracy


class RunRecord:
    """Each step's batch loss and each epoch's accuracy, taken between steps.

    Use it as ``session.run(n, should_stop=record)`` (it never asks to stop)
    and call ``record.take()`` once more after each ``run``: the session polls
    ``should_stop`` before each step, so the last step is read afterwards.
    A resumed session's earlier steps come from its history when that is
    still exact (one point per step); otherwise the record starts at this run.
    """

    def __init__(self, session):
        self.session = session
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.epochs: list[int] = []
        self.accuracies: list[float | None] = []
        history = session.history
        xs, ys = history.train.arrays()
        if len(xs) == history.train.total == session.step_count:  # exact: one point for each step so far
            self.steps, self.losses = [int(x) for x in xs], ys.tolist()
        acc_x, acc_y = history.accuracy.arrays()
        if session.data.task == "classification" and len(acc_x) == history.accuracy.total == session.epoch:
            self.epochs, self.accuracies = list(range(1, session.epoch + 1)), acc_y.tolist()
        self._step, self._epoch = session.step_count, session.epoch

    def __call__(self) -> bool:
        self.take()
        return False

    def take(self) -> None:
        s = self.session
        if s.step_count != self._step:
            self._step = s.step_count
            self.steps.append(s.step_count)
            self.losses.append(float(s.loss))
        if s.epoch != self._epoch:
            self._epoch = s.epoch
            if s.data.task == "classification":
                self.epochs.append(s.epoch)
                self.accuracies.append(s.accuracy)

    @property
    def exact(self) -> bool:
        """One loss for each step 1..N."""
        return self.steps == list(range(1, len(self.steps) + 1))


def downsample(steps: list[int], values: list[float], points: int) -> tuple[list[float], list[float]]:
    """At most ``points`` means of consecutive equal-length runs of steps: (centre steps, mean losses)."""
    n = len(values)
    if points >= n:
        return [float(s) for s in steps], list(values)
    edges = np.linspace(0, n, points + 1).round().astype(int)
    s, v = np.asarray(steps, dtype=np.float64), np.asarray(values, dtype=np.float64)
    with np.errstate(all="ignore"):
        return ([float(s[a:b].mean()) for a, b in zip(edges[:-1], edges[1:])],
                [float(v[a:b].mean()) for a, b in zip(edges[:-1], edges[1:])])


def final_accuracy(session) -> float | None:
    """The final network's accuracy: on the test data when there is some, else on the training data."""
    data = session.data
    if data.task != "classification":
        return None
    x, y = (data.x_test, data.y_test) if len(data.x_test) else (data.x_train, data.y_train)
    with np.errstate(all="ignore"):
        return accuracy(session.network.predict(x), y, session.config.data.labels)


def final_test_loss(session) -> float | None:
    data = session.data
    if not len(data.x_test):
        return None
    with np.errstate(all="ignore"):
        value = session.network.evaluate(data.x_test, data.y_test)
    return value if math.isfinite(value) else None
