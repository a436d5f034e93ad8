"""The app's responsiveness: training speed inside the UI, pause latency, first paint, memory.

Each measurement runs in a fresh process (``python -m benchmarks.app_bench
WHAT``) that prints one JSON object, so imports and memory start clean.

- ``speed``: the xor preset in the headless Textual app (``run_test``) at full
  speed, in blocks alternating with the headless CLI's loop
  (``Session.run(1000)`` repeatedly) on a fresh session of the same preset;
  after each app block, the time from pressing space to the runner being
  paused.
- ``paint``: ``tui-backprop`` started in a pseudo-terminal; the time until its
  first full frame is on the screen (see ``paint_command`` for which program
  runs; bytecode cached as after an install unless ``source`` is asked for).
- ``memory``: the app runs 1,000,000 steps of xor; RSS sampled every 250,000.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time

PRESET = "xor"


def app_available() -> str | None:
    """None if the app can be imported, else why not."""
    try:
        from tui_backprop.app.app import BackpropApp  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any failure means "not there yet"
        return f"{type(exc).__name__}: {exc}"
    return None


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _config():
    from tui_backprop.presets import load_preset

    return load_preset(PRESET).replace("training", speed=None)  # full speed, not the lesson's start


def _headless_rate(seconds: float, session) -> float:
    """The headless CLI's loop (``tui-backprop train``): Session.run in chunks of 1000."""
    done, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        before = session.step_count
        session.run(1000)
        done += session.step_count - before
    return done / (time.perf_counter() - t0)


async def _wait_until(predicate, timeout: float, poll: float = 0.002) -> bool:
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if predicate():
            return True
        await asyncio.sleep(poll)
    return predicate()


async def _speed(blocks: int, seconds: float) -> dict:
    from tui_backprop.app.app import BackpropApp
    from tui_backprop.training.session import Session

    config = _config()
    headless = Session.headless(config, step_back=False)  # as `tui-backprop train` runs it
    _headless_rate(0.3, headless)  # warm-up
    app = BackpropApp(config, questions=False)  # the lesson's questions would stop the run
    app_rates, cli_rates, pauses, requested = [], [], [], []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        for _ in range(blocks):
            cli_rates.append(_headless_rate(seconds, headless))
            runner, session = app.runner, app.session
            await pilot.press("space")
            if not await _wait_until(lambda: runner.running, 5.0):
                raise RuntimeError("space did not start the runner")
            await asyncio.sleep(0.3)  # past the first chunks' ramp-up
            s0, t0 = session.step_count, time.perf_counter()
            await asyncio.sleep(seconds)
            app_rates.append((session.step_count - s0) / (time.perf_counter() - t0))
            pressed = time.perf_counter()
            await pilot.press("space")
            if not await _wait_until(lambda: not runner.running, 5.0):
                raise RuntimeError("space did not pause the runner")
            paused_at = runner.paused_at or time.perf_counter()
            pauses.append(paused_at - pressed)
            if runner.pause_requested_at is not None:
                requested.append(paused_at - runner.pause_requested_at)
            await pilot.pause()
    return {
        "app_steps_per_s": statistics.median(app_rates),
        "cli_steps_per_s": statistics.median(cli_rates),
        "share": statistics.median(a / c for a, c in zip(app_rates, cli_rates)),
        "pause_ms_median": 1000 * statistics.median(pauses),
        "pause_ms_max": 1000 * max(pauses),
        "pause_after_request_ms_max": 1000 * max(requested) if requested else None,
    }


async def _memory(total: int, limit_seconds: float) -> dict:
    from tui_backprop.app.app import BackpropApp

    app = BackpropApp(_config(), questions=False)
    samples = []
    started = time.perf_counter()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        samples.append((0, _rss_mb()))
        runner, session = app.runner, app.session
        await pilot.press("space")
        marks = [total * k // 4 for k in (1, 2, 3, 4)]
        while marks and time.perf_counter() - started < limit_seconds:
            await asyncio.sleep(0.05)
            if session.step_count >= marks[0]:
                samples.append((session.step_count, _rss_mb()))
                marks.pop(0)
            if session.halted or not runner.running:
                break
        await pilot.press("space")
        await _wait_until(lambda: not runner.running, 5.0)
    return {"samples": samples, "seconds": time.perf_counter() - started, "steps": session.step_count}


# What ``paint`` starts. "script" is the console script that pip installed next to this interpreter
# (``tui-backprop``; not a pyenv shim, which is a bash script costing tens of ms of its own); "module" is
# ``python -m tui_backprop``; "shim" is the first other ``tui-backprop`` on the PATH (pyenv's shim, which
# then runs the script). Each runs the code of this checkout: PYTHONPATH is set to its root.
PAINT_COMMANDS = ("script", "module", "shim")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def paint_command(how: str = "script") -> list[str]:
    import shutil

    if how == "script":
        script = os.path.join(os.path.dirname(sys.executable), "tui-backprop")
        if os.access(script, os.X_OK):
            return [script]
    elif how == "shim":
        own = os.path.dirname(sys.executable)
        path = os.pathsep.join(d for d in os.environ.get("PATH", "").split(os.pathsep) if d and d != own)
        exe = shutil.which("tui-backprop", path=path)
        if exe:
            return [exe]
    elif how != "module":
        raise SystemExit(f"unknown paint command {how!r}; expected one of {', '.join(PAINT_COMMANDS)}")
    return [sys.executable, "-m", "tui_backprop"]


def _paint(cmd: list[str], extra_env: dict | None = None, timeout: float = 20.0) -> dict:
    """Seconds from spawning ``cmd`` in a 120x36 pty until its first full frame is on the screen."""
    import fcntl
    import pty
    import select
    import signal
    import struct
    import subprocess
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor",
           "PYTHONPATH": ROOT + (os.pathsep + path if path else ""), **(extra_env or {})}
    env = {k: v for k, v in env.items() if v is not None}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, cwd=ROOT)
    os.close(slave)
    seen = b""
    painted = None
    try:
        while time.perf_counter() - t0 < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            # The first frame a person can use: after the switch to the alternate screen, the footer's
            # keys are drawn ("quit" is only there; the panes alone say "run" and "step" earlier).
            alt = seen.find(b"\x1b[?1049h")
            if alt >= 0 and b"quit" in seen[alt:]:
                painted = time.perf_counter() - t0
                break
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
    return {"seconds": painted, "bytes": len(seen)}


def paint(repeats: int, how: str = "script", bytecode: str = "cached") -> dict:
    """Median seconds to the first frame. "cached": our modules' bytecode is written once (to a temporary
    folder) and read after, as in any installed copy, even where PYTHONDONTWRITEBYTECODE is set; "source":
    as that variable leaves it, every start compiles them again."""
    import tempfile

    cmd = paint_command(how)
    with tempfile.TemporaryDirectory() as cache:
        env = {"PYTHONDONTWRITEBYTECODE": None, "PYTHONPYCACHEPREFIX": cache} if bytecode == "cached" \
            else {"PYTHONDONTWRITEBYTECODE": "1"}
        _paint(cmd, env)  # not counted: writes the bytecode, fills the disk cache
        runs = [_paint(cmd, env)["seconds"] for _ in range(repeats)]
    ok = [r for r in runs if r is not None]
    return {"seconds": statistics.median(ok) if ok else None, "runs": runs, "command": " ".join(cmd),
            "bytecode": bytecode}


def main(argv: list[str]) -> int:
    what = argv[0]
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    if what == "paint":
        result = paint(int(argv[1]) if len(argv) > 1 else 3, *argv[2:])
    else:
        problem = app_available()
        if problem:
            result = {"unavailable": problem}
        elif what == "speed":
            result = asyncio.run(_speed(int(argv[1]), float(argv[2])))
        elif what == "memory":
            result = asyncio.run(_memory(int(argv[1]), float(argv[2])))
        else:
            raise SystemExit(f"unknown measurement {what!r}")
    print(json.dumps(result))
    return 0


def measure(what: str, *args, timeout: float = 240.0) -> dict:
    """Run one measurement in a fresh process; its JSON answer (or an error)."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    try:
        done = subprocess.run([sys.executable, "-m", "benchmarks.app_bench", what, *map(str, args)], cwd=root,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": tail}
    return json.loads(lines[-1])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
