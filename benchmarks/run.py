"""Run every benchmark and print one table with the targets beside the figures.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks

(see README "Benchmarks" for why those two variables are unset for this command
alone). ``--quick`` for a smoke run, ``--threads N`` to pin BLAS/OpenMP
threads of both NumPy and PyTorch, ``--skip-app`` / ``--skip-core``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time


def _machine(threads: int) -> list[str]:
    import numpy as np

    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = "?"
    try:
        from threadpoolctl import threadpool_info

        infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if infos:
            i = infos[0]
            blas = f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')} kernels, {i.get('num_threads')} threads)"
    except ImportError:
        blas = "threadpoolctl not installed"
    try:
        import torch

        torch_text = f"torch {torch.__version__} ({torch.get_num_threads()} threads)"
    except ImportError:
        torch_text = "torch not installed (pip install -e '.[bench]')"
    env = ", ".join(f"{k}={os.environ[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ)
    return [
        f"machine: {os.cpu_count()} CPUs (nproc), {cpu}, {platform.system()} {platform.release()}",
        f"python {platform.python_version()}, numpy {np.__version__}, BLAS {blas}, {torch_text}",
        f"OpenBLAS overrides: {env or 'none'}; timed processes use "
        + (f"{threads} BLAS/OpenMP thread(s) on both sides" if threads else "each library's default threads"),
    ]


def _ok(value: float | None, target: float, higher: bool = True) -> str:
    if value is None:
        return "-"
    return "yes" if (value >= target if higher else value <= target) else "NO"


def _table(rows: list[tuple[str, str, str, str]]) -> str:
    head = ("figure", "measured", "target", "met")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), sep, *(line(r) for r in rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats (a smoke run)")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP threads for NumPy and PyTorch alike (default 1: on a small shared machine "
                             "multi-threaded runs of either library swing with other load; 0: each library's default)")
    parser.add_argument("--skip-core", action="store_true")
    parser.add_argument("--skip-app", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--steps", type=int, default=1_000_000, help="steps of xor for the memory figure")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    repeats, seconds = (3, 0.05) if args.quick else (11, 0.1)
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    rows: list[tuple[str, str, str, str]] = []
    notes: list[str] = []

    if not args.skip_core:
        from benchmarks import core_bench

        log("core vs PyTorch (each contender in its own process, interleaved blocks) ...")
        results = core_bench.run_core(repeats, seconds, threads=args.threads, log=log)
        for r in results:
            c = r.case
            if r.torch is None:
                rows.append((f"{c.label}: core steps/s", f"{1 / r.core:,.0f}", "-", "-"))
                rows.append((f"{c.label}: Session.run steps/s", f"{1 / r.session:,.0f}", "-", "-"))
                continue
            core_ratio, session_ratio = r.core_ratio, r.session_ratio
            rows.append((f"{c.label}: core / torch", f"{core_ratio:.2f}x ({1 / r.core:,.0f} vs {1 / r.torch:,.0f}/s)",
                         f">= {c.target:g}x", _ok(core_ratio, c.target)))
            loop_ratio = r.loop_ratio
            low, high = r.spread["session"]
            notes.append(f"{c.label}: Session.run / torch in the middle half of rounds {low:.2f}x-{high:.2f}x")
            session_target = c.session_target or c.target  # issue 16: 8x on 2-8-8-1, 5x on 2-16-16-16-1
            rows.append((f"{c.label}: Session.run / torch", f"{session_ratio:.2f}x ({1 / r.session:,.0f}/s)",
                         f">= {session_target:g}x", _ok(session_ratio, session_target)))
            rows.append((f"{c.label}: Session.run / torch loop, same epoch work",
                         f"{loop_ratio:.2f}x ({1 / r.session:,.0f} vs {1 / r.torch_loop:,.0f}/s)",
                         f">= {c.target:g}x", _ok(loop_ratio, c.target)))
        if any(r.max_param_diff is not None for r in results):
            worst = max(r.max_param_diff for r in results if r.max_param_diff is not None)
            notes.append(f"same math: after 5 steps from the same weights, core and torch parameters differ by at "
                         f"most {worst:.1e}")
        big = core_bench.CASES[-1]
        notes.append(f"Session.run includes batch selection, NaN checks, loss history and the end-of-epoch "
                     f"evaluation on all {big.session_samples:,} samples (train + test) of the 784-input data, "
                     f"{big.session_samples * (1 - big.session_test_fraction) / big.batch:.0f} steps per epoch; "
                     f"'torch' is the bare eager step, 'torch loop' also gathers shuffled batches, reads every "
                     f"loss and evaluates at each epoch end like the Session")
        log("FLOP share of 784-256-10 ...")
        f = core_bench.run_flops(repeats, seconds, threads=args.threads)
        rows.append(("784-256-10 b256 step FLOP rate / same-shape matmul rate",
                     f"{f.share:.0%} ({f.step_rate / 1e9:.1f} vs {f.raw_rate / 1e9:.1f} GFLOP/s)", ">= 60%",
                     _ok(f.share, 0.60)))
        notes.append(f"for scale: a 512x512x512 matmul runs at {f.square_rate / 1e9:.1f} GFLOP/s here "
                     f"(the step reaches {f.step_rate / f.square_rate:.0%} of that)")

    if not args.skip_sweep:
        from benchmarks import sweep_bench

        log("sweeps of K seeds vs one Session.run (network updates/s) ...")
        sweep_rows, sweep_notes = sweep_bench.rows(sweep_bench.run_sweeps(repeats, seconds, threads=args.threads,
                                                                          log=log), _ok)
        rows += sweep_rows
        notes += sweep_notes

    if not args.skip_app:
        from benchmarks import app_bench

        problem = app_bench.app_available()
        if problem:
            notes.append(f"app figures: not available yet (tui_backprop.app.app.BackpropApp: {problem})")
        else:
            log("app at full speed vs headless CLI loop, pause latency ...")
            blocks, block_s = (2, 1.0) if args.quick else (3, 2.0)
            sp = app_bench.measure("speed", blocks, block_s)
            if "error" in sp or "unavailable" in sp:
                notes.append(f"app speed: {sp.get('error') or sp.get('unavailable')}")
            else:
                rows.append(("app at full speed / headless CLI steps/s (xor)",
                             f"{sp['share']:.0%} ({sp['app_steps_per_s']:,.0f} vs {sp['cli_steps_per_s']:,.0f}/s)",
                             ">= 70%", _ok(sp["share"], 0.70)))
                rows.append(("pause key -> session paused", f"{sp['pause_ms_median']:.0f} ms median, "
                             f"{sp['pause_ms_max']:.0f} ms max", "<= 100 ms", _ok(sp["pause_ms_max"], 100, False)))
            log("first paint of tui-backprop ...")
            starts = 3 if args.quick else 7
            paint = app_bench.measure("paint", starts)
            if paint.get("seconds") is None:
                notes.append(f"first paint: not seen ({paint})")
            else:
                rows.append(("tui-backprop first paint", f"{paint['seconds']:.2f} s", "<= 0.4 s",
                             _ok(paint["seconds"], 0.4, False)))
                others = [(app_bench.measure("paint", starts, how, bytecode), text) for how, bytecode, text in
                          (("shim", "cached", "through the pyenv shim"),
                           ("script", "source", "compiling our modules at each start (PYTHONDONTWRITEBYTECODE=1)"))]
                notes.append(f"first paint: median of {starts} starts of {paint['command']} in a 120x36 pty until "
                             f"the footer is drawn, bytecode cached as after an install; "
                             + "; ".join(f"{o['seconds']:.2f} s {text}" for o, text in others
                                         if o.get("seconds") is not None))
            steps = 100_000 if args.quick else args.steps
            log(f"RSS over {steps:,} steps of xor in the app ...")
            mem = app_bench.measure("memory", steps, 200, timeout=260)
            if "error" in mem or "unavailable" in mem:
                notes.append(f"memory: {mem.get('error') or mem.get('unavailable')}")
            else:
                samples = mem["samples"]
                last_steps, last_rss = samples[-1]
                growth = last_rss - samples[1][1] if len(samples) > 2 else float("nan")
                reached = f" (only {last_steps:,} steps in {mem['seconds']:.0f} s)" if last_steps < steps else ""
                rows.append((f"RSS after {last_steps:,} steps of xor in the app",
                             f"{last_rss:.0f} MB{reached}", "<= 250 MB", _ok(last_rss, 250, False)))
                rows.append((f"RSS growth from {samples[1][0]:,} to {last_steps:,} steps" if len(samples) > 2
                             else "RSS growth", f"{growth:+.1f} MB", "not growing (< 5 MB)",
                             _ok(abs(growth), 5, False) if growth == growth else "-"))
                notes.append("RSS samples (steps: MB): " + ", ".join(f"{s:,}: {m:.0f}" for s, m in samples))

    print()
    for line in _machine(args.threads):
        print(line)
    print()
    print(_table(rows))
    print()
    for note in notes:
        print(f"- {note}")
    print(f"- each ratio is the median over {repeats} rounds of that round's ratio (every contender timed once a "
          f"round, in turn, ratios between blocks run moments apart); rates are medians; whole run took "
          f"{time.perf_counter() - started:.0f} s")
    return 0
