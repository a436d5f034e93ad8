"""Step back in time: earlier states of a session, kept sparsely and reached by replay.

A full ``state_dict`` is kept every ``EVERY`` steps for the last ``RECENT``
steps, and further back at intervals that grow with the age (``interval``):
four times per doubling of age up to ``LONGEST`` steps apart, and beyond
``LONGEST * FAR`` steps back about ``age / FAR`` apart, so the number kept grows
with the logarithm of the run's length (``FAR`` states per doubling). States
older than ``PACK_AGE`` steps are packed (``packed.py``): compressed losslessly,
sharing with the older packed state what the two have in common (most of the
loss history), so a far state costs a small part of a full one.
Any step is reached exactly by loading the
nearest kept state at or before it and replaying the steps in between (the run
is deterministic). A live change (learning rate, optimizer, a weight typed by
hand) is kept as well, where it happened, and never thinned away: a replay
never crosses it with the old settings. Above a byte budget (large networks)
the oldest kept states go first, except the earliest: far steps then take a
longer replay, recent ones stay instant.
"""

from __future__ import annotations

import numpy as np

from tui_backprop.training import packed

Key = tuple[int, int]  # (completed steps, phases of the next step done)


class Timeline:
    EVERY = 128  # steps between kept states in the recent past: a replay of at most 127 steps (instant)
    RECENT = 1024
    MAX_CHANGES = 256  # live changes kept; beyond that the oldest one is the earliest reachable state
    LONGEST = 16_384  # steps between kept states from 8,192 to LONGEST * FAR steps back
    FAR = 8  # further back, states about age / FAR apart: a replay of at most 1/8 of the way back
    PACK_AGE = 16_384  # states older than this are packed (a load unpacks them: ~ms, beside a long replay)
    BUDGET = 32_000_000  # bytes of kept arrays (packed ones: their compressed chunks, each counted once)

    def __init__(self):
        self._states: dict[Key, dict] = {}
        self._bytes: dict[Key, int] = {}  # states not packed
        self._packed: set[Key] = set()
        self._packed_bytes: int | None = 0  # chunks of the packed states, a shared chunk once (None: to count)
        self._changes: set[Key] = set()
        self.start: tuple[Key, str] | None = None  # where ``restart`` began it, and why ("new data was drawn")

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
        self._pack_old(session.step_count)
        self._keep_within_budget()

    @classmethod
    def interval(cls, age: int) -> int:
        """Steps between the states kept ``age`` steps back (a power of two times ``EVERY``).

        It never shrinks as the age grows, so a state kept at some age is kept
        at every younger age too: thinning only ever drops.
        """
        if age <= cls.RECENT:
            return cls.EVERY
        # 4× per doubling of age: about 4, 2, 1, 1 … states per doubling up to LONGEST apart
        near = min(cls.EVERY << 2 * (age // cls.RECENT).bit_length(), cls.LONGEST)
        far = age // cls.FAR
        return max(near, 1 << far.bit_length() - 1) if far else near

    def kept_steps(self) -> list[int]:
        """The steps whose states are kept (whole steps and mid-step states alike), oldest first."""
        return sorted(step for step, _ in self._states)

    def packed_count(self) -> int:
        return len(self._packed)

    def _drop(self, key: Key) -> None:
        del self._states[key]
        self._changes.discard(key)
        if key in self._packed:
            self._packed.discard(key)
            self._packed_bytes = None  # counted again when asked: its chunks may live on in a newer state
        else:
            del self._bytes[key]

    def _pack_old(self, now: int) -> None:
        """Pack the states older than PACK_AGE that are not yet, each against the older packed one."""
        if all(now - k[0] <= self.PACK_AGE or k in self._packed for k in self._bytes):
            return
        older = None
        for key in sorted(self._states):
            if key in self._packed:
                older = self._states[key]
            elif now - key[0] > self.PACK_AGE:
                self._states[key] = older = packed.pack(self._states[key], older)
                self._packed.add(key)
                del self._bytes[key]
        self._packed_bytes = None
        packed.release_free_memory()  # the full states just let go of, back to the OS

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
        interval = self.interval
        for key in [k for k in self._states if now - k[0] > self.RECENT and k not in self._changes]:
            if key[1] or key[0] % interval(now - key[0]):
                self._drop(key)

    def restart(self, session, why: str = "") -> None:
        """Forget everything: the session's present is the earliest state (after a load or new data, ``why``)."""
        self._states.clear()
        self._bytes.clear()
        self._packed.clear()
        self._packed_bytes = 0
        self._changes.clear()
        self.keep(session, change=True)
        self.start = (min(self._states), why) if why and self._states else None

    def why_earliest(self) -> str:
        """Why step back stops at the earliest state: what happened there, while that state is the restart's."""
        if self.start is None or not self._states or min(self._states) != self.start[0]:
            return ""
        return self.start[1]

    def latest_at_or_before(self, step: int) -> tuple[Key, dict] | None:
        keys = [k for k in self._states if k <= (step, 0)]
        if not keys:
            return None
        key = max(keys)
        state = self._states[key]
        return key, packed.unpack(state) if key in self._packed else state

    def forget_after(self, key: Key) -> None:
        for later in [k for k in self._states if k > key]:
            self._drop(later)

    def nbytes(self) -> int:
        """Bytes held in arrays by the kept states (packed ones: compressed, shared chunks once)."""
        if self._packed_bytes is None:
            unique = {id(c): len(c.data) for key in self._packed for c in packed.chunks(self._states[key])}
            self._packed_bytes = sum(unique.values())
        return sum(self._bytes.values()) + self._packed_bytes


class NoTimeline(Timeline):
    """No step back (the headless CLI): no state copied every ``EVERY`` steps, none kept."""

    def keep(self, session, change: bool = False) -> None:
        pass

    def restart(self, session, why: str = "") -> None:
        pass

    def latest_at_or_before(self, step: int):
        raise ValueError("step back is off in this session (a headless run keeps no earlier states)")


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

    def step_back_target(self) -> int:
        """The step a step back shows: the last one (mid-step: where the step in progress began)."""
        target = self.step_count if self.in_step else self.step_count - 1
        if target < 0:
            raise ValueError("nothing to step back to: no step has run yet")
        return target

    def step_back(self) -> int:
        """Undo the last step (mid-step: back to where the step in progress began). Returns the step now shown."""
        target = self.step_back_target()
        self.go_to_step(target)
        return target

    def replay_distance(self, step: int) -> int:
        """Steps of replay ``go_to_step(step)`` takes (0: a kept state); ValueError if the step is out of reach."""
        return int(step) - self._kept_for(step)[0][0]

    def _kept_for(self, step: int):
        step = int(step)
        if not 0 <= step <= self.step_count:
            raise ValueError(f"step {step} is not in this run (0 to {self.step_count})")
        found = self.timeline.latest_at_or_before(step)
        if found is None:
            earliest, why = self.timeline.earliest_step, self.timeline.why_earliest()
            if why:  # not memory: the run's past before it is another run's (other data)
                raise ValueError(f"step {step} is before step {earliest:,}, where {why}: step back stops there "
                                 f"(r starts over from step 0)")
            raise ValueError(f"step {step} is no longer kept (the earliest is step {earliest:,})")
        return found

    def go_to_step(self, step: int, should_stop=None) -> bool:
        """The exact state after ``step`` steps: weights, optimizer, batch order, history, lesson progress.

        ``should_stop()`` is polled between the replayed steps: when it says so
        the session stays at the exact state of the step it got to. Returns
        whether ``step`` was reached.
        """
        self.start_going_to(step)
        return self.replay_to(step, should_stop=should_stop)

    def start_going_to(self, step: int) -> int:
        """The first half of ``go_to_step``: load the nearest kept state at or before ``step`` and forget
        the later ones. Returns the steps left to replay (``replay_to`` runs them, in as many calls as wanted)."""
        key, state = self._kept_for(step)
        # Where to stop, and whether lesson notes fire, are the learner's choices now, not then.
        pause_after, use_notes, ask = self.pause_after, self.use_notes, self.ask_questions
        self._load_state(state)
        self.pause_after, self.use_notes, self.ask_questions = pause_after, use_notes, ask
        self.timeline.forget_after(key)
        return int(step) - self.step_count

    def replay_to(self, step: int, max_steps: int | None = None, should_stop=None) -> bool:
        """Run on towards ``step`` (at most ``max_steps`` whole steps) as a replay: no pause point, no
        question; notes and questions on the way are marked as they were (their pauses not taken).
        Returns whether the session is at ``step``."""
        end = step if max_steps is None else min(step, self.step_count + max_steps)
        pause_after, ask = self.pause_after, self.ask_questions
        self.pause_after = "none"
        try:
            with np.errstate(all="ignore"):
                while self.step_count < end and not self.halted:
                    if self._run(max(end - self.step_count, 1), should_stop) == "requested":
                        break
        finally:
            self.pause_after = pause_after
            self.ask_questions = ask
            self.question = None
        return self.step_count == step
