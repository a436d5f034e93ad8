"""``tui-backprop sweep``: JSON runs equal ``train --seed k``, the summary, bad input."""

import json

import pytest

from tui_backprop.cli import main
from tui_backprop.presets import load_preset

RUN_KEYS = {"outcome", "tail_loss", "seed", "learning_rate", "steps", "final_loss", "test_loss", "accuracy", "stopped_at", "halted"}


def sweep_json(capsys, *args):
    code = main(["sweep", *args, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out.count("\n") == 1
    return json.loads(out.out)


def train_json(capsys, *args):
    assert main(["train", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_runs_equal_train_with_each_seed(capsys):
    result = sweep_json(capsys, "--preset", "xor", "--seeds", "2:5", "--steps", "30")
    assert result["preset"] == "xor" and result["steps"] == 30
    runs = result["runs"]
    assert [r["seed"] for r in runs] == [2, 3, 4]
    for run in runs:
        assert set(run) == RUN_KEYS
        alone = train_json(capsys, "--preset", "xor", "--seed", str(run["seed"]), "--steps", "30")
        assert run["steps"] == 30 and run["learning_rate"] == 0.1
        assert run["final_loss"] == pytest.approx(alone["final_loss"], rel=1e-12)
        assert run["test_loss"] == pytest.approx(alone["test_loss"], rel=1e-12)
        assert run["accuracy"] == alone["accuracy"]  # 30 steps = 3 whole epochs: the same weights measured
        assert run["stopped_at"] is None and run["halted"] is None


def test_learning_rates_and_stop_condition(capsys):
    result = sweep_json(capsys, "--preset", "xor", "--seeds", "0:4", "--learning-rates", "0.03,1",
                        "--steps", "600", "--stop-below-loss", "0.2")
    runs = result["runs"]
    assert [(r["seed"], r["learning_rate"]) for r in runs] == [(s, lr) for s in range(4) for lr in (0.03, 1.0)]
    fast = [r for r in runs if r["learning_rate"] == 1.0 and r["stopped_at"] is not None]
    assert fast, "with learning rate 1 some run reaches 0.2 within 600 steps"
    for run in fast:
        assert run["steps"] == run["stopped_at"] < 600 and run["final_loss"] < 0.2
    slow = [r for r in runs if r["learning_rate"] == 0.03]
    assert all(r["stopped_at"] is None and r["steps"] == 600 for r in slow)


def test_the_summary_counts_in_proper_plurals(capsys):
    """QA: "16 seeds × 1 learning rate(s)"."""
    assert main(["sweep", "--preset", "xor", "--seeds", "0:1", "--learning-rates", "0.1,0.3", "--steps", "20"]) == 0
    assert "(1 seed × 2 learning rates)" in capsys.readouterr().out


def test_summary_says_what_it_counts(capsys):
    assert main(["sweep", "--preset", "xor", "--seeds", "0:8", "--steps", "300", "--stop-below-loss", "0.3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("XOR with one hidden layer (xor): 8 runs (8 seeds × 1 learning rate), up to 300 steps")
    assert "reached training loss < 0.3:" in out and "of 8 runs" in out
    assert "steps to get there: median" in out
    assert "final training loss  min" in out and "accuracy             min" in out and "%" in out
    assert "runs per range" in out and "#" in out
    assert "network updates in" in out


def test_a_diverging_run_is_reported_not_fatal(capsys):
    result = sweep_json(capsys, "--preset", "one-weight", "--seeds", "0:2", "--learning-rates", "0.1,100",
                        "--steps", "200")
    by_rate = {r["learning_rate"]: r for r in result["runs"] if r["seed"] == 0}
    assert by_rate[0.1]["halted"] is None and by_rate[0.1]["steps"] == 200
    assert "NaN or infinite" in by_rate[100.0]["halted"] and by_rate[100.0]["steps"] < 200


@pytest.mark.parametrize("args, words", [
    (["--seeds", "5:5"], "--seeds: 5:5 is an empty range"),
    (["--seeds", "7:2"], "empty range"),
    (["--seeds", "a:b"], "--seeds: expected A:B"),
    (["--seeds", "0:2", "--learning-rates", "0.1,0"], "--learning-rates: every learning rate must be a positive"),
    (["--seeds", "0:2", "--learning-rates=-0.5"], "positive number"),
    (["--seeds", "0:2", "--learning-rates", "0.1,x"], "expected numbers separated by commas"),
    (["--seeds", "0:2", "--learning-rates", "0.1,0.1"], "--learning-rates: 0.1 is given twice; give each rate once"),
    (["--seeds", "0:2", "--learning-rates", "0.3,0.1,0.30"], "0.3 is given twice"),
    (["--seeds", "0:100000000"], "100,000,000 runs of 10 steps need about"),
    (["--seeds", "0:2", "--preset", "no-such-preset"], "no preset with that name"),
    # train --seed's limit: every seed of a sweep can be rerun alone
    (["--seeds", "0:99999999999999999999"], "--seeds: seeds must be below 2**63 (A:B runs A to B−1), got "
                                             "0:99999999999999999999"),
    (["--seeds", "9223372036854775808:9223372036854775810"], "below 2**63"),
    (["--seeds", "0:9223372036854775808"], "runs of 10 steps need about"),  # the last seed is 2**63 − 1
    (["--seeds", "0:2", "--learning-rates", ""], "--learning-rates: expected numbers separated by commas, got ''"),
    (["--seeds", "0:2", "--stop-below-loss", "-1"], "--stop-below-loss: expected a finite number, 0 (never stop)"),
    (["--seeds", "0:2", "--stop-below-loss", "nan"], "--stop-below-loss: expected a finite number"),
    (["--seeds", "-3:2"], "--seeds: seeds must be 0 or more, got -3"),  # not argparse's "expected one argument"
    (["--seeds", "0:2", "--learning-rates", "-0.1,0.2"], "every learning rate must be a positive number, got -0.1"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, args, words):
    base = ["sweep", "--preset", "xor", "--steps", "10"]
    assert main(base + args) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and words in err and "Traceback" not in err


def test_a_loss_below_the_goal_never_prints_as_the_goal_and_steps_have_separators():
    from tui_backprop.presets import load_preset
    from tui_backprop.sweep import build_sweep, summary

    sweep = build_sweep(load_preset("xor"), [0, 1], None, 20000, 0.05)
    results = [{"learning_rate": 0.1, "final_loss": loss, "test_loss": None, "accuracy": None,
                "stopped_at": stopped, "halted": None}
               for loss, stopped in ((0.049976, 12345), (0.0499991, 15000))]
    text = "\n".join(summary(sweep, results, "xor", 1.0))
    assert "up to 20,000 steps" in text
    assert "median 13,672" in text
    assert "min 0.04998" in text and "max 0.049999" in text
    assert "0.05 " not in text.split("runs per range:")[1]  # the histogram's edges: min and max, each below


def test_the_summary_counts_the_runs_that_diverged(capsys):
    """QA5 C8: on exploding-gradients, runs whose loss ends at 1e38 … 1e65 (from about 1e4) read as mere numbers
    in the quantiles; the summary counts them as diverged, apart from the NaN/inf halts."""
    assert main(["sweep", "--preset", "exploding-gradients", "--seeds", "0:8", "--steps", "3000"]) == 0
    out = capsys.readouterr().out
    assert "  halted on NaN/inf: 4 of 8 runs\n  diverged (final loss over 10× its start): 2 of 8 runs\n" in out, out
    assert "e+" not in out  # 4.938e37, as the app writes it


def test_slow_runs_still_falling_are_not_stuck(capsys):
    """QA8 C2: xor's seeds 12, 14, 21 were "stuck" at 3,000 steps while still descending (21 reaches the goal at
    3,070). Stuck is a flat tail: the loss fell < 1% over the last 300 steps (or rose); xor-two-hidden's stuck
    seeds (0.34766 → 0.34754) stay stuck."""
    from tui_backprop.training.session import Session

    result = sweep_json(capsys, "--preset", "xor", "--seeds", "12:22", "--steps", "3000", "--stop-below-loss", "0.0799")
    assert result["tail_start"] == 2700
    outcome = {r["seed"]: r["outcome"] for r in result["runs"]}
    assert [outcome[s] for s in (12, 14, 17, 19, 21)] == ["still falling"] * 5
    assert outcome[18] == "stuck"  # 0.1053 → 0.1097 over the tail: not falling
    assert all(outcome[r["seed"]] == "reached" for r in result["runs"] if r["stopped_at"] is not None)
    seed21 = next(r for r in result["runs"] if r["seed"] == 21)
    session = Session.headless(load_preset("xor").with_seed(21), step_back=False)
    session.run(2700)
    assert abs(seed21["tail_loss"] - session.full_training_loss()) <= 1e-12  # 0.08849
    assert seed21["stopped_at"] is None and seed21["final_loss"] == pytest.approx(0.08257, abs=1e-5)

    lesson = sweep_json(capsys, "--preset", "xor-two-hidden", "--seeds", "0:8", "--steps", "3000")
    for run in lesson["runs"]:
        assert run["outcome"] == ("reached" if run["stopped_at"] is not None else "stuck"), run
    assert sum(r["outcome"] == "stuck" for r in lesson["runs"]) == 5  # seeds 0, 1, 4, 5, 7 at 0.3475


def test_the_summary_counts_slow_runs_apart_from_stuck_ones(capsys):
    assert main(["sweep", "--preset", "xor", "--seeds", "12:22", "--steps", "3000", "--stop-below-loss",
                 "0.0799"]) == 0
    out = capsys.readouterr().out
    assert "  not reached yet, still falling (loss down ≥ 1% over the last 300 steps): " in out
    assert "  stuck (loss down < 1% over the last 300 steps): " in out


def test_without_a_goal_the_summary_still_counts_falling_and_stuck_runs(capsys):
    """QA9 B2: --json classified every run, but the summary counted them only with --stop-below-loss."""
    assert main(["sweep", "--preset", "xor", "--seeds", "12:22", "--steps", "3000", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    still = sum(r["outcome"] == "still falling" for r in runs)
    stuck = sum(r["outcome"] == "stuck" for r in runs)
    assert still + stuck == 10 and still and stuck
    assert main(["sweep", "--preset", "xor", "--seeds", "12:22", "--steps", "3000"]) == 0
    out = capsys.readouterr().out
    assert f"  still falling (loss down ≥ 1% over the last 300 steps): {still} of 10 runs" in out, out
    assert f"  stuck (loss down < 1% over the last 300 steps): {stuck} of 10 runs" in out
