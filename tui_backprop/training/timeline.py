"""Step back in time: earlier states of a session, kept sparsely and reached by replay.

A full ``state_dict`` is kept every ``EVERY`` steps for the last ``RECENT``
steps, and at intervals that grow four times as fast as the age before that, so
the number kept grows with the logarithm of the run's length and barely at all
once the run is long. Any step is reached exactly by loading the
nearest kept state at or before it and replaying the steps in between (the run
is deterministic). A live change (learning rate, optimizer, a weight typed by
hand) is kept as well, where it happened, and never thinned away: a replay
never crosses it with the old settings. Above a byte budget (large networks)
the oldest kept states go first, except the earliest: far steps then take a
longer replay, recent ones stay instant.
"""

from __future__ import annotations

import numpy as np

Key = tuple[int, int]  # (completed steps, phases of the next step done)


class Timeline:
    EVERY = 128  # steps between kept states in the recent past: a replay of at most 127 steps (instant)
    RECENT = 1024
    MAX_CHANGES = 256  # live changes kept; beyond that the oldest one is the earliest reachable state
    LONGEST = 16_384  # steps between the oldest kept states
    BUDGET = 32_000_000  # bytes of kept arrays

    def __init__(self):
        self._states: dict[Key, dict] = {}
        self._bytes: dict[Key, int] = {}
        self._changes: set[Key] = set()

    def __len__(self) -> int:
        return len(self._states)

    @property
    def earliest_step(self) -> int:
        return min(self._states)[0]

    def keep(self, session, change: bool = False) -> None:
        key = (session.step_count, len(session.phases_done) if session.in_step else 0)
        self._states[key] = state = session.state_dict()
        self._bytes[key] = _array_bytes(state)
        if change:
            self._changes.add(key)
            if len(self._changes) > self.MAX_CHANGES:
                oldest = min(self._changes)
                self._changes.discard(oldest)
                for old in [k for k in self._states if k < oldest]:
                    self._drop(old)
        self._thin(session.step_count)
        self._keep_within_budget()

    def _drop(self, key: Key) -> None:
        del self._states[key]
        del self._bytes[key]
        self._changes.discard(key)

    def _keep_within_budget(self) -> None:
        if self.nbytes() <= self.BUDGET:
            return
        keys = sorted(self._states)
        # First the ones between the earliest and the newest that no live change pins: every step after the
        # earliest stays reachable, and a replay never crosses a change with the old settings.
        for key in keys[1:-1]:
            if key not in self._changes:
                self._drop(key)
                if self.nbytes() <= self.BUDGET:
                    return
        # Then from the start: the oldest kept state left becomes the earliest reachable one.
        for key in sorted(self._states)[:-1]:
            self._drop(key)
            if self.nbytes() <= self.BUDGET:
                return

    def _thin(self, now: int) -> None:
        for key in [k for k in self._states if now - k[0] > self.RECENT and k not in self._changes]:
            age = now - key[0]
            # the interval grows 4× per doubling of age: about 4, 2, 1, 1 … states per doubling, so a long run
            # keeps a few dozen states (each holds the loss history: up to ~0.5 MB)
            # (at most LONGEST apart: a far step is never more than that many steps of replay away)
            interval = min(self.EVERY << 2 * (age // self.RECENT).bit_length(), self.LONGEST)
            if key[1] or key[0] % interval:
                self._drop(key)

    def restart(self, session) -> None:
        """Forget everything: the session's present is the earliest state (after a load or new data)."""
        self._states.clear()
        self._bytes.clear()
        self._changes.clear()
        self.keep(session, change=True)

    def latest_at_or_before(self, step: int) -> tuple[Key, dict] | None:
        keys = [k for k in self._states if k <= (step, 0)]
        if not keys:
            return None
        key = max(keys)
        return key, self._states[key]

    def forget_after(self, key: Key) -> None:
        for later in [k for k in self._states if k > key]:
            self._drop(later)

    def nbytes(self) -> int:
        """Bytes held in arrays by the kept states (for the memory test)."""
        return sum(self._bytes.values())


def _array_bytes(value) -> int:
    """Bytes of the arrays in nested dicts (a loop, not recursion: it runs every 128 steps)."""
    total, pending = 0, [value]
    while pending:
        item = pending.pop()
        if isinstance(item, np.ndarray):
            total += item.nbytes
        elif isinstance(item, dict):
            pending.extend(item.values())
    return total


class SessionTimeline:
    """Step back and go to any step (a part of ``Session``, kept in its own file)."""

    def step_back(self) -> int:
        """Undo the last step (mid-step: back to where the step in progress began). Returns the step now shown."""
        target = self.step_count if self.in_step else self.step_count - 1
        if target < 0:
            raise ValueError("nothing to step back to: no step has run yet")
        self.go_to_step(target)
        return target

    def go_to_step(self, step: int) -> None:
        """The exact state after ``step`` steps: weights, optimizer, batch order, history, lesson progress."""
        step = int(step)
        if not 0 <= step <= self.step_count:
            raise ValueError(f"step {step} is not in this run (0 to {self.step_count})")
        found = self.timeline.latest_at_or_before(step)
        if found is None:
            raise ValueError(f"step {step} is no longer kept (the earliest is step {self.timeline.earliest_step})")
        key, state = found
        # Where to stop, and whether lesson notes fire, are the learner's choices now, not then.
        pause_after, use_notes, ask = self.pause_after, self.use_notes, self.ask_questions
        self._load_state(state)
        self.use_notes = use_notes
        self.timeline.forget_after(key)
        self.pause_after = "none"
        try:
            with np.errstate(all="ignore"):
                while self.step_count < step and not self.halted:
                    # notes and questions on the way are marked as they were (their pauses not taken)
                    self._run(step - self.step_count)
        finally:
            self.pause_after = pause_after
            self.ask_questions = ask
            self.question = None
