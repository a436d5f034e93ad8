"""Headless CLI: presets list, train summary, --json, --trace, --steps 0, --seed."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from tui_backprop.cli import main
from tui_backprop.presets import load_preset
from tui_backprop.training import Session

DOCUMENTED = {"preset", "seed", "steps", "loss_history", "final_loss", "layers", "goals"}
# Also written today: the test split's loss, and for classification the accuracy.
EXTRA_REGRESSION = {"test_loss"}
EXTRA_CLASSIFICATION = {"test_loss", "accuracy", "accuracy_history", "accuracy_history_epochs"}


def run_json(capsys, *args):
    code = main(["train", *args, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out.count("\n") == 1  # exactly one JSON object, on one line
    return json.loads(out.out)


def test_presets_lists_name_and_title(capsys, tmp_path):
    user = tmp_path / "config" / "presets"  # conftest points TUI_BACKPROP_CONFIG_DIR at tmp_path/config
    user.mkdir(parents=True)
    from tui_backprop.presets import shipped_dir

    xor = (shipped_dir() / "xor.toml").read_text()
    (user / "mine.toml").write_text(xor.replace('title = "XOR with one hidden layer"', 'title = "My own lesson"'))
    assert main(["presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line for line in lines}
    assert {"xor", "one-weight", "chain-two-weights", "neuron-with-bias", "mine"} <= set(rows)
    assert rows["xor"].split(None, 1)[1].strip() == "XOR with one hidden layer"
    assert "A chain of two weights" in rows["chain-two-weights"]
    assert rows["mine"].endswith("My own lesson  (user)")
    assert len(lines) == len(rows)  # one line per preset


def test_train_prints_a_summary(capsys):
    assert main(["train", "--preset", "xor", "--steps", "50"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("XOR with one hidden layer (xor, seed 7)")
    assert "50 steps, 5 epochs" in out
    assert "training loss now" in out and "accuracy" in out


def test_train_on_a_compare_lesson_says_what_it_trains(capsys):
    """QA3 C4: batch-vs-stochastic trained batch 10, neither half of the lesson, without a word."""
    assert main(["train", "--preset", "batch-vs-stochastic", "--steps", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == ("  A compare lesson: this trains its base configuration (sgd, learning rate 0.3, batch size "
                        "10); the app runs 'full batch' and 'stochastic (batch of 1)' side by side.")
    assert main(["train", "--preset", "xor", "--steps", "5"]) == 0
    assert "compare lesson" not in capsys.readouterr().out


@pytest.mark.parametrize("preset,extra", [("one-weight", EXTRA_REGRESSION), ("xor", EXTRA_CLASSIFICATION)])
def test_json_keys(capsys, preset, extra):
    result = run_json(capsys, "--preset", preset, "--steps", "12")
    assert set(result) == DOCUMENTED | extra
    assert result["preset"] == preset and result["steps"] == 12
    assert len(result["loss_history"]) == 12


def test_json_matches_a_session_driven_by_hand(capsys):
    result = run_json(capsys, "--preset", "xor", "--steps", "30")
    s = Session.headless(load_preset("xor"))
    s.run(30)
    assert result["seed"] == 7
    assert result["loss_history"] == s.history.train.arrays()[1].tolist()  # bit-identical
    assert result["final_loss"] == s.full_training_loss()
    assert [layer["activation"] for layer in result["layers"]] == ["tanh", "sigmoid"]
    w0 = np.array(result["layers"][0]["weights"])
    assert w0.shape == (4, 2)  # [fan_out][fan_in]
    assert np.array_equal(w0, s.network.layers[0].weights)
    assert np.array_equal(result["layers"][1]["biases"], s.network.layers[1].biases)


def test_trace_structure_and_values(capsys):
    result = run_json(capsys, "--preset", "xor", "--steps", "4", "--trace")
    trace = result["trace"]
    assert [t["step"] for t in trace] == [1, 2, 3, 4]
    assert [t["loss"] for t in trace] == result["loss_history"]
    for t in trace:
        assert set(t) == {"step", "loss", "grad_weights", "grad_biases"}
        assert [np.shape(g) for g in t["grad_weights"]] == [(4, 2), (1, 4)]
        assert [np.shape(g) for g in t["grad_biases"]] == [(4,), (1,)]
    # the gradients each step computed and then applied (plain SGD: w_new = w − lr·g)
    s = Session(load_preset("xor").replace("training", pause_after="backward"))
    for t in trace:
        s.step()
        assert np.array_equal(t["grad_weights"][0], s.network.layers[0].grad_weights)
        assert np.array_equal(t["grad_biases"][1], s.network.layers[1].grad_biases)
        s.step()


def test_trace_with_no_biases_says_null(capsys):
    result = run_json(capsys, "--preset", "one-weight", "--steps", "2", "--trace")
    assert result["trace"][1]["grad_biases"] == [None]
    assert result["trace"][1]["grad_weights"][0][0][0] == pytest.approx(-1.6, abs=1e-15)  # 8·1.8 − 16
    assert result["layers"][0]["biases"] is None


def test_steps_zero_reports_the_initial_network(capsys):
    result = run_json(capsys, "--preset", "xor", "--steps", "0")
    s = Session(load_preset("xor"))
    assert result["steps"] == 0 and result["loss_history"] == []
    assert np.array_equal(result["layers"][0]["weights"], s.network.layers[0].weights)
    assert result["final_loss"] == s.full_training_loss()
    trace = run_json(capsys, "--preset", "xor", "--steps", "0", "--trace")
    assert trace["trace"] == []


def test_seed_is_deterministic_and_changes_the_run(capsys):
    a = run_json(capsys, "--preset", "xor", "--steps", "20", "--seed", "3")
    b = run_json(capsys, "--preset", "xor", "--steps", "20", "--seed", "3")
    c = run_json(capsys, "--preset", "xor", "--steps", "20", "--seed", "4")
    assert a == b
    assert a["seed"] == 3 and c["seed"] == 4
    assert a["loss_history"] != c["loss_history"]
    assert a["layers"] != c["layers"]


def test_a_diverging_run_exits_3_with_the_report(capsys, tmp_path):
    with open(load_preset("one-weight").path, encoding="utf-8") as fh:
        text = fh.read()
    path = tmp_path / "boom.toml"
    path.write_text(text.replace("learning_rate = 0.1", "learning_rate = 100.0"))
    code = main(["train", "--preset", str(path), "--steps", "1000", "--json"])
    out = capsys.readouterr()
    assert code == 3
    result = json.loads(out.out)
    assert "halted" in result and "loss phase" in result["halted"]
    assert result["steps"] < 1000
    assert len(out.err.splitlines()) == 1 and "NaN or infinite" in out.err


@pytest.mark.parametrize("command", [
    ["train", "--preset", "circle"], ["export", "--preset", "circle", "--history-csv", "-"],
    ["gradcheck", "--preset", "circle"], ["sweep", "--preset", "circle", "--seeds", "0:2"],
])
def test_steps_beyond_the_limit_are_refused_in_one_line(capsys, command):
    assert main([*command, "--steps", "99999999999999999999"]) == 2  # it trained for days
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == "tui-backprop: --steps: expected at most 10,000,000, got 99,999,999,999,999,999,999\n"


@pytest.mark.parametrize("table", ["questions", "notes"])
def test_a_lesson_step_beyond_the_limit_is_refused_by_the_checker(capsys, tmp_path, table):
    from tui_backprop.presets import shipped_dir

    text = (shipped_dir() / "chain-two-weights.toml").read_text()
    at = text.index(f"[[{table}]]")
    far = tmp_path / "far.toml"
    far.write_text(text[:at] + text[at:].replace("step = ", "step = 99999999999  # ", 1))
    assert main(["presets", "--check", str(far)]) == 2  # it trained up to that step (hours)
    err = capsys.readouterr().err
    assert err == (f"tui-backprop: {far}: {table}[0].step: expected at most 10,000,000, got 99,999,999,999\n")


def test_a_zero_stop_switches_the_presets_stop_off_in_train_as_in_sweep(capsys):
    # xor-two-hidden stops below 0.05 (seed 2: at step 254); with 0 it runs all its steps, as sweep's runs do
    args = ["--preset", "xor-two-hidden", "--steps", "400", "--stop-below-loss", "0"]
    alone = run_json(capsys, *args, "--seed", "2")
    assert alone["steps"] == 400 and "stopped" not in alone
    assert main(["sweep", *args, "--seeds", "2:3", "--json"]) == 0
    run = json.loads(capsys.readouterr().out)["runs"][0]
    assert run["steps"] == 400 and run["final_loss"] == pytest.approx(alone["final_loss"], rel=1e-12)


def test_zero_epochs_switches_the_presets_epoch_stop_off(capsys, tmp_path):
    from tui_backprop.presets import shipped_dir

    two = tmp_path / "two.toml"  # xor (10 steps an epoch) that stops after 2 epochs
    two.write_text((shipped_dir() / "xor.toml").read_text().replace("[training]", "[training]\nstop_after_epochs = 2"))
    assert run_json(capsys, "--preset", str(two), "--steps", "50")["steps"] == 20
    assert run_json(capsys, "--preset", str(two), "--steps", "50", "--stop-after-epochs", "3")["steps"] == 30
    assert run_json(capsys, "--preset", str(two), "--steps", "50", "--stop-after-epochs", "0")["steps"] == 50


def test_a_given_stop_still_overrides_the_presets(capsys):
    result = run_json(capsys, "--preset", "xor-two-hidden", "--seed", "2", "--steps", "1000",
                      "--stop-below-loss", "0.01")
    assert result["steps"] == 768


@pytest.mark.parametrize("args, words", [
    (["--stop-after-epochs", "-1"], "--stop-after-epochs: expected 0 (never stop) or more, got -1"),
    (["--stop-below-loss", "-1"], "--stop-below-loss: expected a finite number, 0 (never stop) or more, got -1"),
    (["--stop-below-loss", "nan"], "got nan"),
    (["--stop-below-loss", "inf"], "got inf"),
])
def test_nonsense_stops_are_refused_in_one_line(capsys, args, words):
    assert main(["train", "--preset", "circle", "--steps", "10", *args]) == 2
    out = capsys.readouterr()
    assert out.out == "" and len(out.err.splitlines()) == 1 and words in out.err


def test_gradcheck_after_resume_names_the_step_it_checks(capsys, tmp_path):
    saved = tmp_path / "s.npz"
    assert main(["train", "--preset", "xor", "--steps", "30", "--save", str(saved)]) == 0
    capsys.readouterr()
    assert main(["gradcheck", "--resume", str(saved)]) == 0
    resumed = capsys.readouterr().out.splitlines()
    # a loaded session has no backward pass at hand: the check is on the next step's batch
    assert resumed[0] == ("xor after 30 steps: backprop vs finite differences on the batch of step 31, "
                          "weights after step 30")
    assert main(["gradcheck", "--preset", "xor", "--steps", "31"]) == 0
    fresh = capsys.readouterr().out.splitlines()
    assert fresh[0].endswith("on the batch of step 31, weights before its update")
    assert resumed[1:] == fresh[1:]  # the same numbers: the same batch and weights


def test_accuracy_on_the_training_data_when_there_is_no_test_set(capsys):
    # xor-two-hidden: four inline 0/1 points under bce, all of them training data; seed 0 is stuck
    result = run_json(capsys, "--preset", "xor-two-hidden", "--steps", "500")
    assert result["accuracy"] == 0.5 and result["test_loss"] is None
    assert len(result["accuracy_history"]) == 500
    assert main(["train", "--preset", "xor-two-hidden", "--steps", "500"]) == 0
    assert "  training accuracy now 50.0%" in capsys.readouterr().out.splitlines()
    assert main(["sweep", "--preset", "xor-two-hidden", "--seeds", "0:3", "--steps", "1000", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert [r["accuracy"] for r in runs] == [0.5, 0.5, 1.0]  # seed 2 solves XOR


def test_inline_targets_that_are_not_labels_stay_regression(capsys):
    result = run_json(capsys, "--preset", "one-weight", "--steps", "3")  # mse: no accuracy
    assert "accuracy" not in result


@pytest.mark.parametrize("command", [["train", "--steps", "20"], ["export", "--steps", "20", "--history-csv", "-"],
                                     ["gradcheck", "--steps", "20"]])
def test_a_nan_halt_says_what_the_command_line_did(capsys, command):
    assert main([*command, "--preset", "exploding-gradients"]) == 3
    first = capsys.readouterr().err.splitlines()[0]
    assert first == ("tui-backprop: In step 6: a gradient became NaN or infinite in layer 2 during the backward "
                     "phase. Training stopped after 5 steps. Try a smaller learning rate or smaller initial weights.")


@pytest.mark.parametrize("where, reason", [("missing/x.npz", "No such file or directory"), (".", "Is a directory")])
def test_save_where_no_file_can_be_written_fails_before_training(capsys, tmp_path, monkeypatch, where, reason):
    def run(*_, **__):
        raise AssertionError("trained, then could not save")

    monkeypatch.setattr(Session, "run", run)
    path = tmp_path / where
    assert main(["train", "--preset", "circle", "--steps", "10", "--save", str(path)]) == 2
    out = capsys.readouterr()
    assert out.out == ""  # nothing trained, nothing lost
    assert out.err == f"tui-backprop: {path}: cannot write the session file ({reason})\n"
    assert list(tmp_path.iterdir()) == []  # and no temporary file left behind


@pytest.mark.parametrize("flags, words", [(["--trace"], "--trace needs --json"),
                                          (["--history-points", "3"], "--history-points needs --json")])
def test_json_only_options_without_json_are_refused(capsys, flags, words):
    assert main(["train", "--preset", "circle", "--steps", "10", *flags]) == 2  # it was silently ignored
    out = capsys.readouterr()
    assert out.out == "" and out.err == f"tui-backprop: {words}\n"


def test_one_of_a_thing_is_singular(capsys, tmp_path):
    assert main(["train", "--preset", "xor-two-hidden", "--steps", "1", "--stop-after-epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "  1 step, 1 epoch in " in out and "Stopped after 1 epoch (stop_after_epochs = 1)." in out
    assert main(["gradcheck", "--preset", "xor", "--steps", "1"]) == 0
    assert capsys.readouterr().out.startswith("xor after 1 step: ")
    assert main(["sweep", "--preset", "xor", "--seeds", "0:1", "--steps", "1"]) == 0
    assert "1 run (1 seed × 1 learning rate), up to 1 step\n" in capsys.readouterr().out
    bad = tmp_path / "one.toml"
    bad.write_text('[data]\nsource = "inline"\nx = [[0.0]]\ny = [[0.0], [1.0]]\n[network]\ninputs = 1\n'
                   '[[network.layers]]\nunits = 1\n')
    assert main(["train", "--preset", str(bad), "--steps", "1"]) == 2
    assert "data.y: expected 1 row (one per row of data.x), got 2" in capsys.readouterr().err


def test_a_resumed_runs_speed_counts_only_its_own_steps(capsys, tmp_path, monkeypatch):
    saved = tmp_path / "s.npz"
    assert main(["train", "--preset", "xor", "--steps", "300", "--save", str(saved)]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(saved), "--steps", "0"]) == 0
    line = capsys.readouterr().out.splitlines()[1]
    assert line.startswith("  300 steps (all saved), 30 epochs in ") and "steps/s" not in line
    ticks = iter(range(100))  # each reading of the clock one second later: the run takes 1 s
    monkeypatch.setattr("tui_backprop.cli_train.time", SimpleNamespace(perf_counter=lambda: float(next(ticks))))
    assert main(["train", "--resume", str(saved), "--steps", "200"]) == 0
    line = capsys.readouterr().out.splitlines()[1]
    assert line == "  500 steps (200 after the saved 300), 50 epochs in 1.00 s (200 steps/s)"  # not 500 steps/s


def test_a_one_step_summary_names_its_loss_once(capsys):
    assert main(["train", "--preset", "circle", "--steps", "1"]) == 0
    assert "  batch loss of step 1 0.791233\n" in capsys.readouterr().out


def test_presets_marks_broken_user_presets_and_skips_what_is_not_a_file(capsys, tmp_path):
    user = tmp_path / "config" / "presets"
    user.mkdir(parents=True)
    (user / "unterminated.toml").write_text('title = "x\n')
    (user / "empty.toml").write_text("")
    (user / "dir.toml").mkdir()
    (user / "loop.toml").symlink_to("loop.toml")
    assert main(["presets"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "dir" not in rows and "loop" not in rows
    assert f"(user)  ✗ {user / 'unterminated.toml'}: not valid TOML (" in rows["unterminated"]
    assert rows["empty"].endswith(f"(user)  ✗ {user / 'empty.toml'}: network: missing; a lesson says what it "
                                  "trains: add a [network] table")
    assert "✗" not in rows["xor"]
    assert main(["train", "--preset", "dir", "--steps", "1"]) == 2
    assert "dir," not in capsys.readouterr().err  # the names it knows are those it can open


def test_an_empty_preset_name_is_named_as_the_flag(capsys):
    assert main(["train", "--preset", "", "--steps", "1"]) == 2
    assert capsys.readouterr().err == ("tui-backprop: --preset: expected a preset name or a .toml file, "
                                       "got an empty name\n")  # it said <config>


def test_history_points_beyond_the_steps_still_say_their_steps(capsys):
    result = run_json(capsys, "--preset", "circle", "--steps", "10", "--history-points", "100")
    assert result["loss_history_steps"] == [float(s) for s in range(1, 11)] and len(result["loss_history"]) == 10


def test_presets_come_in_the_courses_order_and_the_app_starts_on_the_first(capsys):
    """QA8 C9: the app opened on xor (a hidden layer, a question on ∂L/∂b) and the list was alphabetical, the
    first worked example 16th of 25. Every shipped lesson has a place in the course."""
    from tui_backprop.presets import COURSE_ORDER, DEFAULT_PRESET, shipped_dir

    assert sorted(COURSE_ORDER) == sorted(p.stem for p in shipped_dir().glob("*.toml"))
    assert len(set(COURSE_ORDER)) == len(COURSE_ORDER)
    assert DEFAULT_PRESET == "one-weight"
    assert main(["presets"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names[:5] == ["one-weight", "chain-two-weights", "neuron-with-bias", "sigmoid-neuron", "gauss"]
    assert names[-1] == "playground"


@pytest.mark.parametrize("argv, said", [
    (["train", "--preset", "xor", "--steps", "1e3"],
     "tui-backprop train: argument --steps: invalid int value: '1e3' (--help lists the options)"),
    (["sweep", "--preset", "xor", "--seeds", "0:3"],
     "tui-backprop sweep: the following arguments are required: --steps (--help lists the options)"),
    (["--bogus"], "tui-backprop: unrecognized arguments: --bogus (--help lists the options)"),
])
def test_bad_arguments_get_one_line_and_exit_2(capsys, argv, said):
    """QA8 K2: argparse printed its six-line usage before the error; bad input gets one line."""
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines() == [said]


def test_a_user_preset_named_as_a_shipped_lesson_says_it_hides_it(capsys, tmp_path):
    """QA8 K8: a teacher's half-edited xor.toml silently replaced the shipped xor in the list and at start."""
    from tui_backprop.presets import shipped_dir

    user = tmp_path / "config" / "presets"
    user.mkdir(parents=True)
    (user / "xor.toml").write_text((shipped_dir() / "xor.toml").read_text())
    assert main(["presets"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert rows["xor"].endswith("XOR with one hidden layer  (user; hides the shipped xor)"), rows["xor"]
    assert rows["circle"].endswith("Circle: a ring around a disc")
