"""train's summaries agree with themselves: one loss per step, final figures, quiet pipes and overflow."""

import json
import subprocess
import sys

import numpy as np
import pytest

from tui_backprop.cli import main
from tui_backprop.presets import load_preset
from tui_backprop.training import Session
from tui_backprop.training.session import accuracy


def run_json(capsys, *args):
    assert main(["train", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_loss_history_has_one_entry_per_step_past_the_screen_history(capsys):
    """5000 steps: more than the session's bounded curve keeps exactly (4096 points)."""
    result = run_json(capsys, "--preset", "one-weight", "--steps", "5000")
    assert len(result["loss_history"]) == 5000 and "loss_history_steps" not in result
    s = Session.headless(load_preset("one-weight"))
    losses = []
    for _ in range(5000):
        s.run(1)
        losses.append(s.loss)
    assert result["loss_history"] == losses  # bit-identical, step by step


def test_history_points_downsamples_with_its_steps(capsys):
    full = run_json(capsys, "--preset", "xor", "--steps", "100")
    result = run_json(capsys, "--preset", "xor", "--steps", "100", "--history-points", "4")
    assert result["loss_history_steps"] == [13.0, 38.0, 63.0, 88.0]  # centres of steps 1–25, 26–50, …
    assert result["loss_history"] == pytest.approx([np.mean(full["loss_history"][i:i + 25]) for i in (0, 25, 50, 75)],
                                                   rel=1e-14)
    same = run_json(capsys, "--preset", "xor", "--steps", "10", "--history-points", "50")  # fewer steps: all of them
    assert len(same["loss_history"]) == 10 and same["loss_history_steps"] == [float(s) for s in range(1, 11)]


def test_history_points_must_be_positive(capsys):
    assert main(["train", "--preset", "xor", "--steps", "3", "--json", "--history-points", "0"]) == 2
    assert "--history-points" in capsys.readouterr().err


@pytest.mark.parametrize("steps", [5, 19, 30])
def test_accuracy_and_test_loss_are_the_final_networks(capsys, steps):
    result = run_json(capsys, "--preset", "circle", "--steps", str(steps))
    s = Session.headless(load_preset("circle"))
    s.run(steps)
    data = s.data
    assert result["accuracy"] == accuracy(s.network.predict(data.x_test), data.y_test)
    assert result["test_loss"] == s.network.evaluate(data.x_test, data.y_test)
    assert len(result["accuracy_history"]) == s.epoch == len(result["accuracy_history_epochs"])
    assert result["accuracy_history_epochs"] == list(range(1, s.epoch + 1))


def test_text_summary_names_step_one_and_final_figures(capsys):
    assert main(["train", "--preset", "circle", "--steps", "19"]) == 0
    out = capsys.readouterr().out
    s = Session.headless(load_preset("circle"))
    s.run(1)
    first = s.loss
    s.run(18)
    assert f"batch loss of step 1 {first:#.6g}" in out
    assert f"test loss now {s.network.evaluate(s.data.x_test, s.data.y_test):#.6g}" in out
    assert f"test accuracy now {accuracy(s.network.predict(s.data.x_test), s.data.y_test):.1%}" in out


def test_resumed_run_continues_the_per_step_history(capsys, tmp_path):
    saved = tmp_path / "run.npz"
    first = run_json(capsys, "--preset", "xor", "--steps", "30", "--save", str(saved))
    more = run_json(capsys, "--resume", str(saved), "--steps", "20")
    whole = run_json(capsys, "--preset", "xor", "--steps", "50")
    assert more["loss_history"][:30] == first["loss_history"]
    assert more["loss_history"] == whole["loss_history"] and "loss_history_steps" not in more
    assert more["accuracy_history_epochs"] == [1, 2, 3, 4, 5]


def _cli(*args, **kwargs):
    kwargs.setdefault("capture_output", "stdout" not in kwargs)
    return subprocess.run([sys.executable, "-m", "tui_backprop", *args], text=True, timeout=120, **kwargs)


@pytest.mark.parametrize("command", [
    "tui-backprop presets | head -1",
    "tui-backprop train --preset xor --steps 20000 --json | head -c 100",  # 400 kB: more than a pipe holds
])
def test_a_closed_pipe_is_not_an_error(command):
    shell = command.replace("tui-backprop", f"{sys.executable} -m tui_backprop")
    result = subprocess.run(["bash", "-o", "pipefail", "-c", shell + " >/dev/null"], capture_output=True,
                            text=True, timeout=120)
    assert result.stderr == "" and result.returncode == 0


@pytest.mark.parametrize("args", [
    ["train", "--preset", "xor", "--steps", "5", "--json"], ["train", "--preset", "xor", "--steps", "5"],
    ["sweep", "--preset", "xor", "--seeds", "0:2", "--steps", "5"], ["presets"], ["gradcheck", "--preset", "xor"],
    ["export", "--preset", "xor", "--history-csv", "-"],
])
def test_a_full_disk_on_standard_output_is_one_line(args):
    with open("/dev/full", "w") as full:
        result = _cli(*args, stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 2
    assert result.stderr == "tui-backprop: cannot write to standard output (No space left on device)\n"


def test_a_full_standard_output_keeps_the_saved_session(tmp_path):
    with open("/dev/full", "w") as full:
        result = _cli("train", "--preset", "xor", "--steps", "5", "--save", str(tmp_path / "s.npz"),
                      stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 2 and (tmp_path / "s.npz").exists()


def test_an_overflowing_run_prints_no_numpy_warnings(tmp_path):
    cfg = load_preset("plane").replace("training", loss="mse", optimizer="momentum", learning_rate=3.0,
                                         batch_size=1)
    from tui_backprop.persist import save_session  # a saved session carries the overflowing settings

    session = Session.headless(cfg)
    saved = tmp_path / "boom.npz"
    save_session(session, saved)
    result = _cli("train", "--resume", str(saved), "--steps", "2000")
    assert result.returncode == 3
    assert "Warning" not in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("command", [["train", "--steps", "3"], ["export", "--steps", "0"], ["gradcheck"]])
def test_a_negative_seed_names_the_flag_not_the_preset(capsys, command):
    assert main([*command, "--preset", "xor", "--seed", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "tui-backprop: --seed: expected 0 or more (below 2**63)"


def test_text_summary_step_counts_have_separators(capsys):
    assert main(["train", "--preset", "xor", "--steps", "1200"]) == 0
    out = capsys.readouterr().out
    assert "  1,200 steps, 120 epochs in" in out and "of step 1,200 " in out
    assert main(["gradcheck", "--preset", "xor", "--steps", "1200"]) == 0
    assert "xor after 1,200 steps: backprop vs finite differences on the batch of step 1,200," in capsys.readouterr().out


def test_speed_levels_and_progress_have_separators(capsys):
    import time

    from tui_backprop.cli_train import _progress
    from tui_backprop.training.runner import speed_text

    assert speed_text(3000) == "3,000 steps/s" and speed_text(30) == "30 steps/s" and speed_text(None) == "full speed"
    _progress(1500, 20000, 0.25, time.perf_counter())
    assert "] 1,500/20,000 steps  loss 0.25  " in capsys.readouterr().err


@pytest.mark.parametrize("columns", [80, 60, 30])
def test_the_progress_line_fits_the_terminal(monkeypatch, columns):
    import os

    from tui_backprop.cli_train import progress_line

    monkeypatch.setattr("shutil.get_terminal_size", lambda *a, **k: os.terminal_size((columns, 24)))
    text = "30,000/200,000 steps  loss 3.09774e-09  9,278 steps/s"  # it wrapped at 80 columns
    line = progress_line(30000, 200000, text)
    assert len(line) == columns - 1
    if columns == 80:
        assert line.startswith("[") and line.rstrip().endswith("9,278 steps/s")
