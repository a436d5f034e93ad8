"""Two configurations of one preset, trained in lock-step.

``CompareSession`` looks like a ``Session`` to the ``Runner``: each ``run``
call advances both sessions by the same number of steps, so at every snapshot
they have seen the same number of batches. A run that halts (NaN) stays
halted while the other goes on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from tui_backprop.config import Config, TrainingConfig
from tui_backprop.training.session import Session, Snapshot


@dataclass(frozen=True)
class CompareSnapshot:
    labels: tuple[str, str]
    runs: tuple[Snapshot, Snapshot]
    running: bool = False
    steps_per_second: float = 0.0


def compare_configs(config: Config) -> list[tuple[str, Config]]:
    """The two configurations a preset's [[compare]] tables describe."""
    out = []
    for label, training in config.compare:
        assert isinstance(training, TrainingConfig)
        out.append((label, dataclasses.replace(config, training=training, compare=(), notes=())))
    return out


class CompareSession:
    def __init__(self, config: Config):
        if len(config.compare) != 2:
            raise ValueError("compare mode needs a preset with two [[compare]] tables")
        self.config = config
        pairs = compare_configs(config)
        self.labels = (pairs[0][0], pairs[1][0])
        self.sessions = (Session(pairs[0][1]), Session(pairs[1][1]))

    @property
    def step_count(self) -> int:
        return max(s.step_count for s in self.sessions)

    def run(self, max_steps: int, should_stop=None) -> str:
        reasons = []
        budget = max_steps
        for i, s in enumerate(self.sessions):
            if s.halted:
                reasons.append("halted")
                continue
            before = s.step_count
            # The first run honours a pause; the second then matches its step count exactly.
            reasons.append(s.run(budget, should_stop if i == 0 else None))
            if i == 0:
                budget = s.step_count - before if reasons[0] == "requested" else max_steps
        if reasons[0] == "requested":
            return "requested"
        if all(r == "halted" for r in reasons):
            return "halted"
        for r in reasons:
            if r not in ("steps", "halted"):
                return r
        return "steps"

    def step(self) -> None:
        for s in self.sessions:
            if not s.halted:
                s.step()

    def run_epoch(self) -> None:
        for s in self.sessions:
            if not s.halted:
                s.run_epoch()

    def reset(self) -> None:
        for s in self.sessions:
            s.reset()

    def snapshot(self, running: bool = False, steps_per_second: float = 0.0) -> CompareSnapshot:
        return CompareSnapshot(self.labels, tuple(s.snapshot(running, steps_per_second) for s in self.sessions),
                               running, steps_per_second)
