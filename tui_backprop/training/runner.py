"""Drive a Session from asyncio without blocking the event loop.

Steps run in a worker thread in chunks of roughly ``chunk_seconds`` (NumPy
releases the GIL inside its kernels, so the UI stays live). Between chunks the
runner publishes one immutable snapshot at most every ``1/fps`` seconds: a fast
run may do thousands of steps between two frames. A pause request is polled
between steps, so it takes effect within one step.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import threading
import time
from collections.abc import Callable, Coroutine

import numpy as np

from tui_backprop.training.session import Session, Snapshot

# Speed levels a learner steps through (steps a second); None is full speed.
SPEEDS: tuple[float | None, ...] = (1, 3, 10, 30, 100, 300, 1000, 3000, None)


def next_speed(current: float | None, direction: int) -> float | None:
    """The level above (direction 1) or below (-1) ``current``; full speed is the top."""
    value = math.inf if current is None else current
    levels = [math.inf if s is None else s for s in SPEEDS]
    if direction > 0:
        found = next((s for s in levels if s > value * (1 + 1e-9)), math.inf)
    else:
        found = next((s for s in reversed(levels) if s < value * (1 - 1e-9)), levels[0])
    return None if math.isinf(found) else found


def speed_text(speed: float | None) -> str:
    return "full speed" if speed is None else per_second(speed)


def per_second(rate: float) -> str:
    """'1 step/s', '3 steps/s' (a rate as written: whole rates with thousands separators)."""
    text = f"{rate:,.0f}" if rate >= 1 else f"{rate:g}"
    return f"{text} step/s" if text == "1" else f"{text} steps/s"


def _timed(fn, *args):
    t0 = time.perf_counter()
    return fn(*args), time.perf_counter() - t0


SETTLED = ("Stopped: nothing changes any more. The loss and every weight stayed exactly the same "
           "from one step to the next.")


class Runner:
    def __init__(self, session: Session, publish: Callable[[Snapshot], None] | None = None,
                 fps: float = 10.0, chunk_seconds: float = 0.01):
        self.session = session
        self.publish = publish or (lambda snap: None)
        self.min_interval = 1.0 / fps
        self.chunk_seconds = chunk_seconds
        self._stop = threading.Event()
        self._lock = threading.Lock()  # held while the session is being stepped
        self._pending: list[Callable[[Session], None]] = []  # changes asked for during a replay
        self.running = False
        self.last_stop_reason: str | None = None
        self.steps_per_second = 0.0
        self.pause_requested_at: float | None = None
        self.paused_at: float | None = None
        self._chunk_steps = 1
        self._last_publish = 0.0
        # The speed level: at most this many steps a second (None: full speed; the app starts a lesson's
        # runner at the lesson's ``speed``).
        self.max_steps_per_second: float | None = None
        self.replaying_to: int | None = None  # going back to this step by a replay in the worker
        self._task: asyncio.Task | None = None

    # ----------------------------------------------------------- commands
    def start(self) -> asyncio.Task:
        """Start running in the background (call from the event loop)."""
        if self._task is not None and not self._task.done():
            return self._task
        self._stop.clear()
        self.running = True
        self._task = asyncio.get_running_loop().create_task(self.run())
        return self._task

    def pause(self) -> None:
        if self.running:
            self.pause_requested_at = time.perf_counter()
        self._stop.set()

    def cancel(self) -> None:
        """Stop for good (quitting): the worker thread ends after its current step."""
        self._stop.set()

    def call_between_steps(self, fn: Callable[[Session], None]) -> None:
        """Apply a change (e.g. a new learning rate) between two steps: at once, since holding the lock no
        step is under way (so a second key press starts from the first's value, and the status shows it
        now); during a replay, which retraces the exact past, when the replay ends."""
        with self._lock:
            if self.replaying_to is not None:
                self._pending.append(fn)
                return
            fn(self.session)

    def replay(self, step: int) -> Coroutine[None, None, bool]:
        """Go to the earlier ``step`` in the worker thread (await the result: whether it was reached).

        The nearest kept state is loaded, then the steps to ``step`` are
        replayed in chunks, a snapshot published between them as in a run;
        ``pause()`` stops the replay at the exact state of the step it got to.
        ``running`` is true until it ends, so keys that act on one state stop it first.
        """
        self._stop.clear()
        self.running = True
        self.replaying_to = int(step)
        return self._replay(int(step))

    async def _replay(self, step: int) -> bool:
        reached = False
        self._last_publish = 0.0
        try:
            await asyncio.to_thread(self._locked, lambda s: s.start_going_to(step))
            self.publish(self._take(True))  # the first state on screen: the kept one it replays from
            chunk = 1
            while not self._stop.is_set():
                reached, elapsed = await asyncio.to_thread(self._locked, lambda s: _timed(s.replay_to, step, chunk,
                                                                                          self._stop.is_set))
                if reached or self.session.halted:
                    break
                chunk = self._aimed(chunk, chunk, elapsed)
                now = time.perf_counter()
                if now - self._last_publish >= self.min_interval:
                    self._last_publish = now
                    self.publish(self._take(True))
                await asyncio.sleep(0)
            if not reached:
                self.paused_at = time.perf_counter()
        finally:
            self.running = False
            with self._lock:
                self.replaying_to = None
                for fn in self._pending:  # changes asked for while it replayed
                    fn(self.session)
                self._pending.clear()
            self.last_stop_reason = "steps" if reached else "requested"
            self.publish(self._take(False))
        return reached

    def _aimed(self, current: int, steps: int, elapsed: float) -> int:
        """The next chunk's steps (a run's or a replay's): about ``chunk_seconds`` of work at the rate the last
        chunk ran, so hops to the thread stay cheap, and at most twice the last one."""
        per_step = max(elapsed, 1e-9) / max(steps, 1)
        return max(1, min(int(self.chunk_seconds / per_step), current * 2))

    def _locked(self, fn: Callable[[Session], object]):
        with self._lock:
            return fn(self.session)

    def read(self, fn: Callable[[Session], object]):
        """``fn(session)`` between two steps, for a consistent copy from another thread (views' workers)."""
        with self._lock:
            return fn(self.session)

    def snapshot(self):
        with self._lock:
            return self._take(self.running)

    def _take(self, running: bool):
        """The session's snapshot, stamped with this runner's speed limit (each status line shows its own)."""
        snap = self.session.snapshot(running, self.steps_per_second)
        limit = self.max_steps_per_second
        if isinstance(snap, Snapshot):
            return dataclasses.replace(snap, speed_limit=limit, replaying_to=self.replaying_to if running else None)
        return dataclasses.replace(snap, runs=tuple(dataclasses.replace(r, speed_limit=limit) for r in snap.runs))

    # -------------------------------------------------------------- the loop
    def _chunk(self) -> tuple[str, int, float]:
        with self._lock:
            t0 = time.perf_counter()
            before = self.session.step_count
            network = getattr(self.session, "network", None)  # a compare session has two
            params = None if network is None else network.params.copy()
            loss = self.session.loss if network is not None else None
            reason = self.session.run(self._chunk_steps, self._stop.is_set)
            elapsed = time.perf_counter() - t0
            if reason == "requested":
                self.paused_at = time.perf_counter()
            elif (reason == "steps" and params is not None and self.session.step_count > before
                  and not self.session.in_step and self.session.loss == loss
                  and np.array_equal(params, network.params)):
                # Nothing more can be seen: stop, and say why (one-weight ends at w = 2 exactly).
                reason = "settled"
                self.session.message = SETTLED
            return reason, self.session.step_count - before, elapsed

    def run(self) -> Coroutine[None, None, str]:
        """Run until paused, halted, or a pause point or a lesson note is reached (await the result).

        ``running`` is true from this call on, so a key pressed before the first step sees it.
        """
        self._stop.clear()
        self.running = True
        return self._loop()

    async def _paced_sleep(self, seconds: float) -> None:
        """Wait for the next step of a slow level, cut short by a pause: at 1 step a second, space (or a key
        that pauses first) took up to a second to show anything."""
        end = time.perf_counter() + seconds
        while not self._stop.is_set():
            left = end - time.perf_counter()
            if left <= 0:
                return
            await asyncio.sleep(min(left, 0.02))

    async def _loop(self) -> str:
        self._last_publish = 0.0
        window_steps, window_start = 0, time.perf_counter()
        reason = "requested"
        paced_rate, paced_start, paced_steps = None, 0.0, 0
        try:
            while not self._stop.is_set():
                rate = self.max_steps_per_second
                if rate != paced_rate:  # a new speed level: pace from now
                    paced_rate, paced_start, paced_steps = rate, time.perf_counter(), 0
                if rate:
                    # A few steps per hop at high levels, one at low ones; about 50 hops a second at most.
                    self._chunk_steps = max(1, int(rate / 50))
                reason, steps, elapsed = await asyncio.to_thread(self._chunk)
                if rate:
                    # Wait until these steps are due on the level's clock (the UI stays live meanwhile).
                    paced_steps += steps
                    wait = paced_start + paced_steps / rate - time.perf_counter()
                    if wait > 0 and reason == "steps":
                        await self._paced_sleep(wait)
                    elif wait < -0.5:  # fell far behind (a slow step): do not rush to catch up
                        paced_start, paced_steps = time.perf_counter(), 0
                elif reason == "steps" and elapsed > 0:
                    self._chunk_steps = self._aimed(self._chunk_steps, steps, elapsed)
                window_steps += steps
                now = time.perf_counter()
                if now - window_start >= 0.5:
                    self.steps_per_second = window_steps / (now - window_start)
                    window_steps, window_start = 0, now
                if reason != "steps":
                    break
                if now - self._last_publish >= self.min_interval:
                    self._last_publish = now
                    self.publish(self._take(True))
                await asyncio.sleep(0)
            if self._stop.is_set() and reason == "steps":
                reason = "requested"
                self.paused_at = time.perf_counter()
        finally:
            self.running = False
            self.last_stop_reason = reason
            self.publish(self._take(False))
        return reason
