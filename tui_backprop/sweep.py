"""Many seeds (and learning rates) of one preset, trained together: ``tui-backprop sweep``.

``build_sweep`` turns a configuration into a ``core.population.Population``
whose run for seed k starts, shuffles and learns exactly as ``train --seed k``
does; ``cmd_sweep`` is the command line around it.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from tui_backprop.config import Config, ConfigError
from tui_backprop.core.figures import beside, counted
from tui_backprop.core.network import Network
from tui_backprop.core.population import SHUFFLES_AHEAD, Population
from tui_backprop.schema import SEED_LIMIT
from tui_backprop.training.session import Session, dataset_for

MEMORY_SHARE = 0.8  # of the memory available now, the most a sweep may plan to use
DIVERGED = 10.0  # a run whose training loss ends over this many times its start diverged (QA5 C8), not stuck
# "Stuck" is a flat tail, not a slow run (QA8 C2): a run that missed the goal is stuck when its training loss
# fell by less than FLAT (1%) of itself over the last TAIL (tenth) of the steps, else it is still falling.
# xor-two-hidden's stuck seeds fall 0.03% there (0.34766 → 0.34754), xor's slow ones 2–7% (seed 21: 0.0885 →
# 0.0826, at the goal 70 steps later).
TAIL = 0.1
FLAT = 0.01
OUTCOMES = ("reached", "still falling", "stuck", "diverged", "halted")  # the JSON's "outcome"


def tail_start(max_steps: int) -> int:
    """The step after which the last tenth of a budget begins (0 for a budget too short to have one)."""
    return max_steps - max(1, math.ceil(TAIL * max_steps)) if max_steps > 1 else 0


def falling(tail_loss, final_loss) -> bool:
    """Still falling: the loss at the end is at least ``FLAT`` of itself below the loss where the tail began."""
    return (tail_loss is not None and final_loss is not None and math.isfinite(tail_loss)
            and math.isfinite(final_loss) and tail_loss - final_loss >= FLAT * abs(tail_loss))


@dataclass(frozen=True)
class Sweep:
    population: Population
    seeds: tuple[int, ...]  # of each run
    learning_rates: tuple[float, ...]  # of each run
    max_steps: int  # --steps, or fewer when the preset stops after some epochs
    goals: tuple = ()  # the preset's [[goals]] (lessons.Goal): named, not judged


def sweep_goals(sweep: Sweep) -> list:
    """The preset's goals about training (not "at most N hidden neurons"), which the sweep does not judge."""
    return [g for g in sweep.goals if g.measure != "hidden_neurons"]


def parse_seeds(text: str) -> range:
    """``A:B`` → seeds A, A+1, …, B−1 (like a Python slice)."""
    parts = text.split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        first, stop = int(parts[0]), int(parts[1])
    except ValueError:
        raise ValueError(f"--seeds: expected A:B (seeds A to B−1, e.g. 0:32), got {text!r}") from None
    if stop <= first:
        raise ValueError(f"--seeds: {text} is an empty range (A:B runs seeds A to B−1, so B must exceed A)")
    if first < 0:
        raise ValueError(f"--seeds: seeds must be 0 or more, got {first}")
    if stop > SEED_LIMIT:  # run k is `train --seed k`, which refuses the same seeds
        # (the end as typed: A:B's last seed is B − 1, a number the user never wrote)
        raise ValueError(f"--seeds: seeds must be below 2**63 (A:B runs A to B−1), got {text}")
    return range(first, stop)


def parse_learning_rates(text: str) -> tuple[float, ...]:
    rates = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            raise ValueError(f"--learning-rates: expected numbers separated by commas, got {part!r}") from None
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"--learning-rates: every learning rate must be a positive number, got {part}")
        if value in rates:  # each seed would train twice at that rate: the same run, counted twice
            raise ValueError(f"--learning-rates: {value:g} is given twice; give each rate once")
        rates.append(value)
    return tuple(rates)


def available_memory() -> int:
    """Bytes of memory available now (MemAvailable), or the physical total where that is unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (OSError, ValueError, AttributeError):
        return 1 << 34


def bytes_per_run(session: Session, steps: int) -> int:
    """What one run of a sweep holds: parameters with optimizer state, its data, step buffers, loss history."""
    net, data = session.network, session.data
    params = net.params.size * (6 + len(session.optimizer.state_arrays()))
    n_train, n_test = len(data.x_train), len(data.x_test)
    width = data.inputs + data.outputs
    # x with and without its ones, y, the epoch's copy of both in its order, that order (the next, by batch,
    # and where each sample goes) and the shuffles drawn ahead
    data_floats = n_train * (3 * data.inputs + 2 + 2 * data.outputs + 4 + SHUFFLES_AHEAD) + n_test * width
    units = sum(layer.units for layer in net.layers)
    wide = len(net.layers) - 1  # a hidden layer's buffers are one column wider
    step_floats = session.batch_size * (7 * (units + wide) + len(net.layers) + 2 * data.outputs)
    evaluation = max(n_train, n_test) * units * 2  # the final metrics' forward pass
    history = steps + steps // max(session.steps_per_epoch, 1) + 1
    return 8 * (params + data_floats + step_floats + evaluation + history)


def build_sweep(config: Config, seeds, learning_rates=None, steps: int = 0, stop_below_loss: float | None = None,
                track_epochs: bool = False, memory: int | None = None) -> Sweep:
    """Runs for every seed × learning rate (seeds outer). Raises ConfigError or ValueError on bad input."""
    rates = tuple(learning_rates) if learning_rates else (config.training.learning_rate,)
    # a range of 2**63 seeds is longer than len() can say
    count = seeds.stop - seeds.start if isinstance(seeds, range) else len(seeds)
    if count <= 0:
        raise ValueError("--seeds: no seeds to run")
    first = Session(config.with_seed(seeds[0]))  # validates the preset (data, shapes, targets) once
    runs = count * len(rates)
    t = config.training
    if t.stop_after_epochs is not None:
        steps = min(steps, t.stop_after_epochs * first.steps_per_epoch)
    need = runs * bytes_per_run(first, steps)
    have = int((available_memory() if memory is None else memory) * MEMORY_SHARE)
    if need > have:
        raise ValueError(f"--seeds/--learning-rates: {counted(runs, 'run')} of {counted(steps, 'step')} need "
                         f"about {_size(need)} of memory, more than the {_size(have)} this machine can spare; "
                         "use fewer runs or steps")
    net = config.network
    params, datasets, run_seeds, run_rates = [], [], [], []
    data_cache: dict[int, object] = {}
    for seed in seeds:
        cfg = config.with_seed(seed)
        data = data_cache.get(cfg.data_seed)
        if data is None:
            data = data_cache[cfg.data_seed] = dataset_for(cfg)
        start = Network(net.inputs, list(net.layers), t.loss, net.init, seed, net.bias_init, net.init_scale).params
        for rate in rates:
            params.append(start)
            datasets.append(data)
            run_seeds.append(seed)
            run_rates.append(rate)
    threshold = 0.0 if config.data.labels == "plus_minus_one" else 0.5
    stop = t.stop_below_loss if stop_below_loss is None else stop_below_loss or None  # 0: never, as in train
    population = Population(first.network, np.array(params), datasets, run_seeds, t.batch_size, t.optimizer,
                            run_rates, t.regularization, t.regularization_rate, dict(t.optimizer_settings),
                            stop_below_loss=stop, accuracy_threshold=threshold, track_epochs=track_epochs)
    return Sweep(population, tuple(run_seeds), tuple(run_rates), steps, tuple(config.goals))


def _size(count: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


# --------------------------------------------------------------- results
def run_results(sweep: Sweep, start=None, tail=None) -> list[dict]:
    """One record per run, in run order (the JSON's ``runs``).

    ``start``/``tail``: each run's training loss at its initial weights and at ``tail_start``, for ``outcome``.
    """
    pop = sweep.population
    train, test, accuracy = pop.final_metrics()
    out = []
    for k in range(pop.runs):
        halt = pop.halts[k]
        out.append({
            "seed": sweep.seeds[k],
            "learning_rate": sweep.learning_rates[k],
            "steps": int(pop.steps[k]),
            "final_loss": _json_float(train[k]),
            "test_loss": _json_float(test[k]),
            "accuracy": _json_float(accuracy[k]),
            "stopped_at": int(pop.stopped_at[k]) if pop.stopped_at[k] >= 0 else None,
            "halted": halt.message if halt else None,
            "tail_loss": None if tail is None else _json_float(tail[k]),
        })
    blew_up = diverged(out, start)
    for r, grew in zip(out, blew_up):
        r["outcome"] = ("halted" if r["halted"] else "reached" if r["stopped_at"] is not None
                        else "diverged" if grew else "still falling" if falling(r["tail_loss"], r["final_loss"])
                        else "stuck")
    return out


def _json_float(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def quantiles(values, percent: bool = False, bound: float | None = None) -> str:
    """min, quartiles and max of the finite values, on one line (a loss below ``bound`` never shows as it)."""
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    if not len(v):
        return "none"
    q = np.quantile(v, [0.0, 0.25, 0.5, 0.75, 1.0])
    show = (lambda x: f"{x:.1%}") if percent else (lambda x: beside(x, bound, 4))
    return "  ".join(f"{name} {show(x)}" for name, x in zip(("min", "25%", "median", "75%", "max"), q))


def histogram(values, bins: int = 8, width: int = 30, bound: float | None = None) -> list[str]:
    """A small text histogram (log-spaced bins when the values span more than a factor of 20).

    Edges are the values' own min and max, so each keeps its side of ``bound`` (the goal) in print.
    """
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    if not len(v):
        return []
    low, high = float(v.min()), float(v.max())
    if low == high:
        return [f"  {beside(low, bound):>9}            {'#' * min(width, len(v))} {len(v)}"]
    log = low > 0 and high / low > 20
    edges = np.geomspace(low, high, bins + 1) if log else np.linspace(low, high, bins + 1)
    counts, _ = np.histogram(v, edges)
    scale = max(1, math.ceil(counts.max() / width))
    lines = [f"  (each # = {scale} run{'s' if scale > 1 else ''}{', bins spaced by ratio' if log else ''})"]
    for count, a, b in zip(counts, edges[:-1], edges[1:]):
        lines.append(f"  {beside(a, bound):>9} – {beside(b, bound):<9} {'#' * math.ceil(count / scale)} {count}")
    return lines


def diverged(results: list[dict], start) -> list[bool]:
    """Per run: not halted, not at the goal, and its final training loss over ``DIVERGED`` times its start."""
    if start is None:
        return [False] * len(results)
    return [r["halted"] is None and r["stopped_at"] is None and r["final_loss"] is not None
            and r["final_loss"] > DIVERGED * float(s) for r, s in zip(results, start)]


def summary(sweep: Sweep, results: list[dict], title: str, elapsed: float, start=None) -> list[str]:
    """``start``: each run's training loss at its initial weights (runs that diverged are counted)."""
    pop = sweep.population
    blew_up = diverged(results, start)
    lines = [f"{title}: {counted(pop.runs, 'run')} ({counted(len(set(sweep.seeds)), 'seed')} × "
             f"{counted(len(set(sweep.learning_rates)), 'learning rate')}), up to {counted(sweep.max_steps, 'step')}"]
    for rate in dict.fromkeys(sweep.learning_rates):
        group = [r for r in results if r["learning_rate"] == rate]
        lines.append(f"learning rate {rate:g}: {counted(len(group), 'run')}")
        if pop.stop_below_loss is not None:
            reached = [r["stopped_at"] for r in group if r["stopped_at"] is not None]
            lines.append(f"  reached training loss < {pop.stop_below_loss:g}: {len(reached)} of "
                         f"{counted(len(group), 'run')} ({len(reached) / len(group):.0%})")
            if reached:
                q = np.quantile(reached, [0.0, 0.25, 0.5, 0.75, 1.0])
                lines.append(f"  steps to get there: median {q[2]:,.0f}, middle half {q[1]:,.0f}–{q[3]:,.0f}, "
                             f"range {q[0]:,.0f}–{q[4]:,.0f}")
        halted = sum(1 for r in group if r["halted"])
        if halted:
            lines.append(f"  halted on NaN/inf: {halted} of {counted(len(group), 'run')}")
        grew = sum(b for r, b in zip(results, blew_up) if r["learning_rate"] == rate)
        if grew:
            lines.append(f"  diverged (final loss over {DIVERGED:g}× its start): {grew} of {counted(len(group), 'run')}")
        if any("outcome" in r for r in group):  # with no goal too, as --json classifies every run (QA9 B2)
            still = sum(r.get("outcome") == "still falling" for r in group)
            stuck = sum(r.get("outcome") == "stuck" for r in group)
            tail = f"the last {counted(sweep.max_steps - tail_start(sweep.max_steps), 'step')}"
            falling = "not reached yet, still falling" if pop.stop_below_loss is not None else "still falling"
            lines.append(f"  {falling} (loss down ≥ {FLAT:.0%} over {tail}): {still} of "
                         f"{counted(len(group), 'run')}")
            lines.append(f"  stuck (loss down < {FLAT:.0%} over {tail}): {stuck} of {counted(len(group), 'run')}")
        lines.append(f"  final training loss  {quantiles((r['final_loss'] for r in group), bound=pop.stop_below_loss)}")
        if any(r["test_loss"] is not None for r in group):
            lines.append(f"  final test loss      {quantiles(r['test_loss'] for r in group)}")
        if any(r["accuracy"] is not None for r in group):
            lines.append(f"  accuracy             {quantiles((r['accuracy'] for r in group), percent=True)}")
        lines.append("  final training loss, runs per range:")
        lines += ["  " + line for line in histogram([r["final_loss"] for r in group], bound=pop.stop_below_loss)]
    judged = [g.text for g in sweep_goals(sweep)]
    if judged:  # a challenge's goals (QA8 C3): the sweep measures training loss at epoch ends only
        lines.append(f"not judged here: the challenge's goal{'s' if len(judged) > 1 else ''} {'; '.join(judged)}")
    updates = int(pop.steps.sum())
    lines.append(f"{updates:,} network updates in {elapsed:.2f} s ({updates / max(elapsed, 1e-9):,.0f} per second)")
    return lines


def _progress(pop: Population, total: int, started: float) -> None:
    from tui_backprop.cli_train import progress_line

    rate = pop.steps.sum() / max(time.perf_counter() - started, 1e-9)
    sys.stderr.write("\r" + progress_line(pop.step_count, total, f"step {pop.step_count:,}/{total:,}  "
                                           f"{int(pop.active.sum())}/{counted(pop.runs, 'run')} training  "
                                           f"{rate:,.0f} updates/s"))
    sys.stderr.flush()


def cmd_sweep(args) -> int:
    from tui_backprop.cli import _fail, _load

    try:
        seeds = parse_seeds(args.seeds)
        rates = parse_learning_rates(args.learning_rates) if args.learning_rates is not None else None
        config = _load(args.preset, None)
        sweep = build_sweep(config, seeds, rates, args.steps, args.stop_below_loss)
    except (ConfigError, ValueError) as exc:
        return _fail(str(exc))
    pop = sweep.population
    with np.errstate(all="ignore"):
        start = pop.evaluate(pop.x_train, pop.y_train)  # each run's loss at its initial weights
    show_progress = not args.json and sys.stderr.isatty()
    started = time.perf_counter()
    chunk = max(1, min(200, sweep.max_steps // 100 or 1))
    tail_at, tail = tail_start(sweep.max_steps), None
    while pop.step_count < sweep.max_steps and not pop.done:
        if tail is None and pop.step_count >= tail_at:  # once, outside the steps: where the last tenth begins
            with np.errstate(all="ignore"):
                tail = pop.evaluate(pop.x_train, pop.y_train)
        pop.run(min(chunk, sweep.max_steps - pop.step_count,
                    tail_at - pop.step_count if pop.step_count < tail_at else sweep.max_steps))
        if show_progress:
            _progress(pop, sweep.max_steps, started)
    elapsed = time.perf_counter() - started
    if show_progress:
        sys.stderr.write("\n")
    pop.finish_all()
    results = run_results(sweep, start, tail)
    if args.json:  # a closed pipe or a full disk: cli.main says so
        json.dump({"preset": config.name, "steps": sweep.max_steps, "stop_below_loss": pop.stop_below_loss,
                   "tail_start": tail_start(sweep.max_steps),
                   "goals_not_judged": [g.text for g in sweep_goals(sweep)], "runs": results}, sys.stdout)
        sys.stdout.write("\n")
    else:
        print("\n".join(summary(sweep, results, f"{config.title} ({config.name})", elapsed, start)))
    return 0

