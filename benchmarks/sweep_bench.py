"""Network updates per second: a K-seed sweep against one ``Session.run``, same preset.

One network update is one step of one network. The single network is
``Session.run`` as ``train`` drives it (batch selection, NaN checks, history and
the per-epoch evaluation); the sweep is ``Population.run`` as ``sweep`` drives
it, without a stop condition (it then skips the per-epoch evaluation, which
only a stop condition needs) and, in a second row, with that evaluation on.
"""

from __future__ import annotations

from dataclasses import dataclass

SIZES = (8, 64, 512, 2048)
TARGET = 20.0  # 64 seeds on playground vs one Session.run
SESSION_CHUNK = 200


def _config(name: str):
    if name == "playground":
        from tui_backprop.presets import load_preset

        return load_preset("playground")
    from benchmarks.core_bench import CASES, make_session

    return make_session(CASES[1]).config  # 2-8-8-1 tanh, batch 32, circle


LABELS = {"playground": "playground (2-4-2-1 tanh, batch 10)", "2-8-8-1": "2-8-8-1 tanh, batch 32"}


class Single:
    def __init__(self, name: str):
        from tui_backprop.training.session import Session

        self.session = Session.headless(_config(name), step_back=False)  # as `train` makes it

    def __call__(self) -> None:
        self.session.run(SESSION_CHUNK)


class Sweep:
    def __init__(self, name: str, runs: int, track_epochs: bool = False):
        from tui_backprop.sweep import build_sweep

        self.runs = runs
        self.chunk = max(1, 2048 // runs)
        self.population = build_sweep(_config(name), range(runs), None, 0, track_epochs=track_epochs).population

    def __call__(self) -> None:
        pop = self.population
        pop.run(self.chunk)
        if pop.step_count > 20_000:
            pop.clear_history()


def memory_per_run(name: str, runs: int, steps: int = 100) -> float:
    """Bytes per run of a fresh sweep after ``steps`` steps (its loss history included)."""
    from tui_backprop.sweep import build_sweep

    pop = build_sweep(_config(name), range(runs), None, steps).population
    pop.run(steps)
    return pop.memory_bytes() / runs


@dataclass
class SweepResult:
    name: str
    single: float  # network updates per second
    sweeps: dict[int, float]  # K → network updates per second
    tracked: float | None  # 64 runs with the per-epoch evaluation
    memory: dict[int, float]  # K → bytes per run after 100 steps
    ratios: dict  # K (or "tracked") → sweep / single network updates/s: the median of the rounds' ratios
    middle_half: tuple[float, float]  # where the middle half of the rounds' 64-seed ratios fell


def run_sweeps(repeats: int = 7, seconds: float = 0.15, threads: int | None = None, log=print,
               names=("playground", "2-8-8-1")) -> list[SweepResult]:
    from benchmarks.timing import Contender, interleaved_processes

    results = []
    for name in names:
        contenders = {"single": Contender("benchmarks.sweep_bench:Single", name, threads=threads)}
        for k in (64, *(k for k in SIZES if k != 64)):  # 64 beside the single network: the target's ratio
            contenders[k] = Contender("benchmarks.sweep_bench:Sweep", name, k, threads=threads)
        contenders["tracked"] = Contender("benchmarks.sweep_bench:Sweep", name, 64, True, threads=threads)
        try:
            times = interleaved_processes(contenders, repeats, seconds)
        finally:
            for c in contenders.values():
                c.close()
        memory = {k: memory_per_run(name, k) for k in SIZES}
        chunk = lambda k: max(1, 2048 // k)  # noqa: E731
        # updates/s of a sweep / of the single network = (K · chunk / t_sweep) / (SESSION_CHUNK / t_single)
        ratio = lambda key, k: k * chunk(k) / SESSION_CHUNK * times.ratio("single", key)  # noqa: E731
        r = SweepResult(name, SESSION_CHUNK / times["single"], {k: k * chunk(k) / times[k] for k in SIZES},
                        64 * chunk(64) / times["tracked"], memory,
                        {**{k: ratio(k, k) for k in SIZES}, "tracked": ratio("tracked", 64)},
                        tuple(64 * chunk(64) / SESSION_CHUNK * v for v in times.middle_half("single", 64)))
        log(f"  {LABELS[name]}: one Session.run {r.single:,.0f}/s; "
            + ", ".join(f"{k} seeds {v:,.0f}/s" for k, v in r.sweeps.items()))
        results.append(r)
    return results


def rows(results: list[SweepResult], ok) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    out, notes = [], []
    for r in results:
        label = LABELS[r.name]
        for k, rate in r.sweeps.items():
            ratio = r.ratios[k]
            target = f">= {TARGET:g}x" if (r.name == "playground" and k == 64) else "-"
            met = ok(ratio, TARGET) if target != "-" else "-"
            out.append((f"{label}: {k}-seed sweep / one Session.run, network updates/s",
                        f"{ratio:.1f}x ({rate:,.0f} vs {r.single:,.0f}/s)", target, met))
        out.append((f"{label}: 64 seeds with per-epoch evaluation / one Session.run",
                    f"{r.ratios['tracked']:.1f}x ({r.tracked:,.0f}/s)", "-", "-"))
        per_run = [r.memory[k] for k in SIZES]
        spread = max(per_run) / min(per_run)
        out.append((f"{label}: sweep memory per run after 100 steps, K = {', '.join(map(str, SIZES))}",
                    " / ".join(f"{m / 1024:.0f} KB" for m in per_run), "linear in K (within 10%)",
                    ok(spread, 1.10, False)))
        best = max(SIZES, key=r.ratios.get)
        ratios = ", ".join(f"K = {k}: {r.ratios[k]:.0f}x" for k in SIZES)
        where = (f"still rising at K = {best}" if best == SIZES[-1]
                 else f"the gain stops past K = {best}: larger stacks only add memory traffic")
        notes.append(f"{label}: {ratios}; {where}; 64 seeds in the middle half of rounds "
                     f"{r.middle_half[0]:.1f}x-{r.middle_half[1]:.1f}x")
    return out, notes
