"""Small timing helpers: calibrated blocks, interleaved repeats, medians."""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable


def time_block(fn: Callable[[], object], n: int) -> float:
    """Seconds per call over ``n`` back-to-back calls (garbage collector off, as timeit does)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - t0) / n
    finally:
        if enabled:
            gc.enable()


def calibrate(fn: Callable[[], object], seconds: float) -> int:
    """How many calls fill about ``seconds`` (after a short warm-up)."""
    n = 1
    while True:
        per_call = time_block(fn, n)
        if per_call * n >= seconds / 8 or n >= 1 << 22:
            return max(1, math.ceil(seconds / max(per_call, 1e-9)))
        n *= 4


def interleaved(fns: dict[str, Callable[[], object]], repeats: int, seconds: float) -> dict[str, float]:
    """Median seconds per call of each function, timed in alternating blocks.

    Alternating (A B C A B C ...) spreads any slow patch of the shared
    machine over all contenders, so their ratio holds even when absolute
    times drift.
    """
    counts = {name: calibrate(fn, seconds) for name, fn in fns.items()}
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            samples[name].append(time_block(fn, counts[name]))
    return {name: statistics.median(values) for name, values in samples.items()}


# ------------------------------------------------- one process per contender
def serve(factory: str, args: list) -> None:
    """Worker side: build the function, then answer timing requests on stdin/stdout."""
    import importlib
    import json
    import sys

    module, name = factory.split(":")
    fn = getattr(importlib.import_module(module), name)(*args)
    out = sys.stdout
    out.write(json.dumps("ready") + "\n")
    out.flush()
    for line in sys.stdin:
        kind, arg = json.loads(line)
        if kind == "calibrate":
            answer = calibrate(fn, arg)
        elif kind == "block":
            answer = time_block(fn, arg)
        elif kind == "info":
            answer = getattr(fn, arg)()
        else:
            break
        out.write(json.dumps(answer) + "\n")
        out.flush()


class Contender:
    """A function living in its own process, timed on command.

    Separate processes keep one library's worker threads (OpenBLAS's, or
    PyTorch's OpenMP pool, which spin for a while after each call) from
    eating the other's cores; the idle process sleeps reading its stdin.
    """

    def __init__(self, factory: str, *args, threads: int | None = None, env: dict[str, str] | None = None):
        import json
        import os
        import subprocess
        import sys
        from pathlib import Path

        root = str(Path(__file__).resolve().parent.parent)
        env = {**os.environ, **(env or {})}
        if threads:
            for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                env[name] = str(threads)
        self.process = subprocess.Popen(
            [sys.executable, "-c", "import sys, json; from benchmarks.timing import serve; "
             "serve(sys.argv[1], json.loads(sys.argv[2]))", factory, json.dumps(list(args))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=root, env=env,
        )
        if self._read() != "ready":  # pragma: no cover
            raise RuntimeError(f"{factory} did not start")

    def _read(self):
        import json

        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("benchmark worker died")
        return json.loads(line)

    def ask(self, kind: str, arg=None):
        import json

        self.process.stdin.write(json.dumps([kind, arg]) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except Exception:  # pragma: no cover
            self.process.kill()


# OpenBLAS's idle threads spin for about 2**28 cycles (~0.1 s) after a call
# before they sleep; a gap between blocks keeps them off the next contender's cores.
GAP_SECONDS = 0.15


class Timings(dict):
    """Median seconds per call of each contender (the dict), and every round's sample.

    ``ratio(a, b)`` is the median over rounds of a's time / b's time in the same
    round: blocks run moments apart share the machine's slow and fast patches,
    so a round's ratio varies much less than either time does (on the shared
    2-core machine here a contender's blocks range over 2x within one run).
    """

    def __init__(self, samples: dict[str, list[float]]):
        super().__init__({name: statistics.median(values) for name, values in samples.items()})
        self.samples = samples

    def round_ratios(self, a, b) -> list[float]:
        return [x / y for x, y in zip(self.samples[a], self.samples[b])]

    def ratio(self, a, b) -> float:
        return statistics.median(self.round_ratios(a, b))

    def middle_half(self, a, b) -> tuple[float, float]:
        """The quartiles of the rounds' ratios: where the middle half of them fell."""
        low, _, high = statistics.quantiles(self.round_ratios(a, b), n=4, method="inclusive")
        return low, high


def interleaved_processes(contenders: dict[str, Contender], repeats: int, seconds: float) -> Timings:
    """Like ``interleaved``, each contender in its own process, one running at a time.

    Contenders run in the dict's order each round: put the ones a ratio compares next to each other.
    """
    counts = {}
    for name, c in contenders.items():
        counts[name] = c.ask("calibrate", seconds)
        time.sleep(GAP_SECONDS)
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, c in contenders.items():
            samples[name].append(c.ask("block", counts[name]))
            time.sleep(GAP_SECONDS)
    return Timings(samples)
