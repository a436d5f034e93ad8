"""Malformed presets: one line naming the file, the field and what was expected."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tui_backprop.cli import main
from tui_backprop.config import ConfigError, load_config, parse_config
from tui_backprop.presets import list_presets, load_preset
from tui_backprop.training import Session

GOOD = """
title = "ok"
[network]
inputs = 2
seed = 1
[[network.layers]]
units = 3
activation = "tanh"
[[network.layers]]
units = 1
activation = "sigmoid"
[data]
source = "xor"
samples = 40
[training]
loss = "bce"
learning_rate = 0.1
batch_size = 10
"""


NET = {"inputs": 2, "layers": [{"units": 2}, {"units": 1, "activation": "sigmoid"}]}


def write(tmp_path, text, name="lesson.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def with_change(old, new):
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


def config_error(tmp_path, text) -> ConfigError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        Session(load_config(path))  # some checks need the data (e.g. a CSV's width)
    err = info.value
    assert "\n" not in str(err), "the message must be one line"
    assert str(path) in str(err), "the message must name the file"
    assert err.source == str(path)
    return err


def test_the_base_preset_is_valid(tmp_path):
    config = load_config(write(tmp_path, GOOD))
    assert config.name == "lesson" and config.title == "ok"
    assert config.training.learning_rate == 0.1
    assert [layer.units for layer in config.network.layers] == [3, 1]
    Session(config)


# (change to GOOD, field named, words from what was expected)
CASES = [
    # unknown keys
    (('title = "ok"', 'title = "ok"\ncolour = "blue"'), "colour", "unknown key"),
    (("learning_rate = 0.1", "learning_rate = 0.1\nlr = 0.2"), "training.lr", "unknown key; expected one of"),
    (('activation = "tanh"', 'activation = "tanh"\nneurons = 3'), "network.layers[0].neurons", "unknown key"),
    (("samples = 40", "samples = 40\nshuffle = true"), "data.shuffle", "unknown key"),
    # wrong types
    # (values as the file writes them: "fast", true; not Python's 'fast', True)
    (("learning_rate = 0.1", 'learning_rate = "fast"'), "training.learning_rate", 'expected a number, got "fast"'),
    (("learning_rate = 0.1", "learning_rate = true"), "training.learning_rate", "expected a number, got true"),
    (("batch_size = 10", "batch_size = true"), "training.batch_size", "expected a whole number, got true"),
    (("units = 3", "units = 3.5"), "network.layers[0].units", "expected a whole number"),
    (("inputs = 2", 'inputs = "2"'), "network.inputs", "expected a whole number"),
    (('title = "ok"', "title = 3"), "title", "expected a string"),
    (("batch_size = 10", 'batch_size = "half"'), "training.batch_size", 'expected a whole number or "full"'),
    (('activation = "tanh"', 'activation = "tanh"\nbias = "yes"'), "network.layers[0].bias", "expected true or false"),
    (('activation = "tanh"', 'activation = "tanh"\nweights = [1.0, 2.0]'), "network.layers[0].weights",
     "expected a list of rows of numbers"),
    (('activation = "tanh"', 'activation = "tanh"\nweights = [[1.0, 2.0], [3.0, "x"], [5.0, 6.0]]'),
     "network.layers[0].weights[1][1]", "expected a number"),
    # impossible shapes
    (('activation = "tanh"', 'activation = "tanh"\nweights = [[1.0, 2.0], [3.0, 4.0]]'), "network.layers[0].weights",
     "expected 3×2 ([fan_out][fan_in]: 3 rows of 2), got 2×2"),
    (('activation = "tanh"', 'activation = "tanh"\nweights = [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]'),
     "network.layers[0].weights", "expected 3×2"),
    (('activation = "sigmoid"', 'activation = "sigmoid"\nweights = [[1.0, 2.0]]'), "network.layers[1].weights",
     "expected 1×3"),
    (('activation = "tanh"', 'activation = "tanh"\nweights = [[1.0, 2.0], [3.0]]'), "network.layers[0].weights",
     "rows of equal length"),
    (('activation = "tanh"', 'activation = "tanh"\nbiases = [0.1, 0.2]'), "network.layers[0].biases",
     "expected 3 values (one per unit), got 2"),
    (('activation = "tanh"', 'activation = "tanh"\nbias = false\nbiases = [0.1, 0.2, 0.3]'),
     "network.layers[0].biases", "bias = false"),
    (("inputs = 2", "inputs = 3"), "network.inputs", "expected 2 (the data has 2 input column(s)), got 3"),
    (("units = 1", "units = 2"), "network.layers[1].units", "expected 1"),
    # wrong loss / activation pairing
    (('loss = "bce"', 'loss = "cross_entropy"'), "training.loss", "needs a softmax output layer, not 'sigmoid'"),
    (('activation = "sigmoid"', 'activation = "linear"'), "training.loss", "needs a sigmoid output layer, not 'linear'"),
    (('activation = "tanh"', 'activation = "softmax"'), "network.layers[0].activation", "only allowed on the output"),
    (('activation = "sigmoid"\n', 'activation = "softmax"\n'), "training.loss", "needs a sigmoid output layer, not 'softmax'"),
    (('activation = "tanh"', 'activation = "swish"'), "network.layers[0].activation", "expected one of linear, sigmoid"),
    (('loss = "bce"', 'loss = "hinge"'), "training.loss", "expected one of mse, half_mse, bce, cross_entropy"),
    # out of range
    (("learning_rate = 0.1", "learning_rate = -0.1"), "training.learning_rate", "greater than 0, got -0.1"),
    (("learning_rate = 0.1", "learning_rate = 0"), "training.learning_rate", "greater than 0"),
    (("learning_rate = 0.1", "learning_rate = 1000"), "training.learning_rate", "at most 100"),
    (("learning_rate = 0.1", "learning_rate = nan"), "training.learning_rate", "finite"),
    (("samples = 40", "samples = 40\ntest_fraction = 0.95"), "data.test_fraction", "at most 0.9"),
    (("samples = 40", "samples = 40\nnoise = -0.1"), "data.noise", "at least 0"),
    (("samples = 40", "samples = 1"), "data.samples", "at least 2"),
    (("units = 3", "units = 0"), "network.layers[0].units", "at least 1"),
    (("batch_size = 10", "batch_size = 0"), "training.batch_size", "at least 1"),
    (("learning_rate = 0.1", 'learning_rate = 0.1\noptimizer = "adam"\nbeta1 = 1.0'), "training.beta1", "below 1"),
    (("learning_rate = 0.1", "learning_rate = 0.1\nbeta1 = 0.9"), "training.beta1", "optimizer 'sgd' takes no settings"),
    (("learning_rate = 0.1", 'learning_rate = 0.1\nregularization = "l3"'), "training.regularization",
     "expected one of none, l1, l2"),
    (("learning_rate = 0.1", 'learning_rate = 0.1\npause_after = "sometimes"'), "training.pause_after",
     "expected one of none, forward, loss, backward, update"),
    (("samples = 40", "samples = 40\nclasses = 3"), "data.classes", "only the spiral"),
    (('source = "xor"', 'source = "moons"'), "data.source", "expected one of"),
    (('source = "xor"', 'source = "csv"\npath = "nowhere.csv"'), "data.path", "expected an existing CSV file"),
    (('source = "xor"', 'source = "inline"\nx = [[1.0, 2.0], [3.0, 4.0]]\ny = [[1.0]]'), "data.y",
     "expected 2 rows (one per row of data.x), got 1"),
    (('source = "xor"', 'source = "inline"\nx = [[1.0, 2.0]]'), "data.y", "missing"),
    ((GOOD.strip()[-5:], GOOD.strip()[-5:] + "\n[[checkpoints]]\nstep = 1"), "checkpoints[0]",
     "expected a step and a text"),
]


@pytest.mark.parametrize("change,field,expected", CASES, ids=[f"{c[1]}:{c[2][:25]}" for c in CASES])
def test_malformed_preset(tmp_path, change, field, expected):
    err = config_error(tmp_path, with_change(*change))
    assert err.field == field
    assert expected in err.message
    assert f": {field}: " in str(err) if field else True


def test_softmax_output_needs_cross_entropy(tmp_path):
    text = GOOD.replace('activation = "sigmoid"', 'activation = "softmax"').replace('loss = "bce"', 'loss = "mse"')
    err = config_error(tmp_path, text)
    assert err.field == "training.loss"
    assert "a softmax output layer needs loss 'cross_entropy', not 'mse'" in err.message


def test_bad_toml(tmp_path):
    err = config_error(tmp_path, GOOD.replace("learning_rate = 0.1", "learning_rate = "))
    assert "not valid TOML" in err.message
    assert "line" in err.message  # where in the file


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}: file not found"


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes(b'title = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(path)


def test_bad_csv_rows_name_the_file_and_line(tmp_path):
    (tmp_path / "d.csv").write_text("a,b,y\n1,2,3\n4,oops,6\n")
    err = config_error(tmp_path, with_change('source = "xor"', 'source = "csv"\npath = "d.csv"'))
    assert err.field == "data.path"
    assert "d.csv: line 3" in err.message


@pytest.mark.parametrize("text, says", [
    ("x1,x2,y\n1,2\n", "line 2 has 2 field(s) where the header has 3"),
    ("1,2,3\n4,5,6\n7,8\n", "line 3 has 2 field(s) where line 1 has 3"),
    ("x1,x2,y\n1,2,3\n\n4,5,6,7\n", "line 4 has 4 field(s) where the header has 3"),
])
def test_a_short_or_long_csv_row_names_its_line(tmp_path, text, says):
    (tmp_path / "d.csv").write_text(text)
    err = config_error(tmp_path, with_change('source = "xor"', 'source = "csv"\npath = "d.csv"'))
    assert err.field == "data.path"
    assert err.message.endswith("d.csv: " + says)


def test_csv_width_must_fit_the_network(tmp_path):
    (tmp_path / "d.csv").write_text("1,2,3,4\n5,6,7,8\n9,10,11,12\n")
    err = config_error(tmp_path, with_change('source = "xor"', 'source = "csv"\npath = "d.csv"'))
    assert err.field == "network.inputs"
    assert "expected 3" in err.message


def test_cross_entropy_needs_two_outputs():
    raw = {"network": {"inputs": 2, "layers": [{"units": 1, "activation": "softmax"}]},
           "data": {"source": "xor"}, "training": {"loss": "cross_entropy"}}
    with pytest.raises(ConfigError) as info:
        parse_config(raw, "x.toml")
    assert info.value.field == "network.layers[0].units"


def test_compare_runs_are_checked_too():
    raw = {"network": NET, "data": {"source": "xor"},
           "compare": [{"label": "a"}, {"training": {"learning_rate": -1}}]}
    with pytest.raises(ConfigError) as info:
        parse_config(raw, "x.toml")
    assert info.value.field == "compare[1].training.learning_rate"


def test_whole_number_limits_are_written_in_full():
    raw = {"network": NET, "data": {"source": "xor", "samples": 10**9}}
    with pytest.raises(ConfigError) as info:
        parse_config(raw, "x.toml")
    assert info.value.message == "expected at most 1,000,000, got 1,000,000,000"  # not 1e+06, 1e+09


def test_error_without_a_file_says_config():
    with pytest.raises(ConfigError) as info:
        parse_config({"network": NET, "data": {"source": "xor"}, "training": {"learning_rate": "x"}})
    assert str(info.value).startswith("<config>: training.learning_rate: ")


def test_every_shipped_preset_loads_and_steps():
    presets = list_presets()
    names = {p.name for p in presets}
    assert {"chain-two-weights", "one-weight", "neuron-with-bias", "xor"} <= names
    for p in presets:
        assert p.error is None, p.error
        session = Session(load_preset(p.name))
        session.run(3)
        assert session.halted is None, p.name


# ------------------------------------------------------------------ the CLI
def test_cli_reports_a_bad_preset_in_one_line(tmp_path, capsys):
    path = write(tmp_path, with_change("learning_rate = 0.1", "learning_rate = -5"))
    code = main(["train", "--preset", str(path), "--steps", "3"])
    out = capsys.readouterr()
    assert code == 2
    assert out.out == ""
    lines = out.err.splitlines()
    assert len(lines) == 1, out.err
    assert str(path) in lines[0] and "training.learning_rate" in lines[0] and "greater than 0" in lines[0]
    assert "Traceback" not in out.err


@pytest.mark.parametrize("args,words", [
    (["train", "--preset", "no-such-preset", "--steps", "1"], ["no-such-preset", "no preset with that name", "xor"]),
    (["train", "--preset", "missing/file.toml", "--steps", "1"], ["missing/file.toml", "file not found"]),
    (["train", "--preset", "xor", "--steps", "-1"], ["--steps", "0 or more"]),
    (["train", "--preset", "presets/", "--steps", "1"], ["presets", "is a folder; expected a preset's .toml file"]),
])
def test_cli_bad_input(capsys, args, words):
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.splitlines()) == 1, err
    for word in words:
        assert word in err


def test_cli_bad_toml(tmp_path, capsys):
    path = write(tmp_path, "title = \n")
    assert main(["train", "--preset", str(path), "--steps", "1", "--json"]) == 2
    out = capsys.readouterr()
    assert out.out == ""  # no JSON half-written
    assert len(out.err.splitlines()) == 1 and "not valid TOML" in out.err and str(path) in out.err


def test_presets_check(tmp_path, capsys):
    good = write(tmp_path, GOOD, "good.toml")
    bad = write(tmp_path, with_change("units = 3", "units = -3"), "bad.toml")
    assert main(["presets", "--check", str(good), str(bad)]) == 2
    out = capsys.readouterr()
    assert f"{good}: ok" in out.out
    assert len(out.err.splitlines()) == 1 and "network.layers[0].units" in out.err
    assert out.err.startswith(f"tui-backprop: {bad}: ")  # the prefix every other one-line error has


def test_python_m_reports_a_bad_preset_without_a_traceback(tmp_path):
    path = write(tmp_path, with_change('activation = "tanh"', 'activation = "tanh"\nweights = [[1.0]]'))
    proc = subprocess.run([sys.executable, "-m", "tui_backprop", "train", "--preset", str(path), "--steps", "2"],
                          capture_output=True, text=True, timeout=60,
                          env={**__import__("os").environ, "TUI_BACKPROP_CONFIG_DIR": str(tmp_path / "cfg")})
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(path) in lines[0] and "network.layers[0].weights" in lines[0] and "expected 3×2" in lines[0]


# ---------------------------------------------- targets the loss cannot use
def test_plus_minus_one_labels_need_a_loss_that_reaches_minus_one(tmp_path):
    err = config_error(tmp_path, with_change("samples = 40", 'samples = 40\nlabels = "plus_minus_one"'))
    assert err.field == "data.labels"
    assert "'bce' needs \"zero_one\"" in err.message


def test_bce_needs_targets_between_zero_and_one(tmp_path):
    text = with_change('source = "xor"', 'source = "inline"\nx = [[1.0, 2.0], [3.0, 4.0]]\ny = [[1.0], [4.0]]')
    err = config_error(tmp_path, text)
    assert err.field == "data.y"
    assert "between 0 and 1" in err.message and "the data has 1 … 4" in err.message


def test_bce_on_regression_data_is_refused(tmp_path):
    err = config_error(tmp_path, with_change('source = "xor"', 'source = "plane"'))
    assert err.field == "data.source"
    assert "between 0 and 1" in err.message


def test_cross_entropy_needs_one_hot_targets(tmp_path):
    text = (GOOD.replace('activation = "sigmoid"', 'activation = "softmax"').replace("units = 1", "units = 2")
            .replace('loss = "bce"', 'loss = "cross_entropy"')
            .replace('source = "xor"', 'source = "inline"\nx = [[1.0, 2.0], [3.0, 4.0]]\ny = [[1.0, 0.0], [0.5, 0.5]]'))
    err = config_error(tmp_path, text)
    assert err.field == "data.y" and "one-hot" in err.message
    ok = text.replace("[0.5, 0.5]", "[0.0, 1.0]")
    Session(load_config(write(tmp_path, ok, "ok.toml")))


def test_inline_rows_must_not_be_empty(tmp_path):
    err = config_error(tmp_path, with_change('source = "xor"', 'source = "inline"\nx = [[], []]\ny = [[1.0], [0.0]]'))
    assert err.field == "data.x"


# ------------------------------------------- a lesson says what it trains
@pytest.mark.parametrize("text,field", [
    ("", "network"),
    ('title = "only a title"\n', "network"),
    (GOOD.replace("[network]\ninputs = 2\nseed = 1\n", "").replace("[[network.layers]]\nunits = 3\n"
     'activation = "tanh"\n[[network.layers]]\nunits = 1\nactivation = "sigmoid"\n', ""), "network"),
    (GOOD.replace('[data]\nsource = "xor"\nsamples = 40\n', ""), "data"),
    (GOOD.replace('[[network.layers]]\nunits = 3\nactivation = "tanh"\n[[network.layers]]\nunits = 1\n'
                  'activation = "sigmoid"\n', ""), "network.layers"),
])
def test_a_preset_without_network_or_data_names_the_missing_table(tmp_path, capsys, text, field):
    assert text != GOOD
    err = config_error(tmp_path, text)
    assert err.field == field and "missing" in err.message
    path = write(tmp_path, text, "check.toml")
    assert main(["presets", "--check", str(path)]) == 2
    out = capsys.readouterr()
    assert out.out == "" and len(out.err.splitlines()) == 1
    assert f"{path}: {field}: missing" in out.err


def test_old_checkpoints_tables_read_as_notes(tmp_path):
    config = load_config(write(tmp_path, GOOD + '\n[[checkpoints]]\nstep = 2\nphase = "loss"\ntext = "look"\n'))
    assert [(n.step, n.phase, n.text) for n in config.notes] == [(2, "loss", "look")]
    err = config_error(tmp_path, GOOD + '\n[[notes]]\nstep = 2\ntext = "a"\n[[checkpoints]]\nstep = 3\ntext = "b"\n')
    assert err.field == "checkpoints" and "[[notes]]" in err.message


def test_notes_may_name_per_layer_phases(tmp_path):
    config = load_config(write(tmp_path, GOOD + '\n[[notes]]\nstep = 1\nphase = "update"\ntext = "u"\n'
                               '[[notes]]\nstep = 1\nphase = "backward L2"\ntext = "b2"\n'
                               '[[notes]]\nstep = 1\nphase = "forward L1"\ntext = "f1"\n'))
    assert [n.text for n in config.notes] == ["f1", "b2", "u"]
    err = config_error(tmp_path, GOOD + '\n[[notes]]\nstep = 1\nphase = "backward L3"\ntext = "x"\n')
    assert err.field == "notes[0].phase" and "backward L2" in err.message


# ------------------------------------------------------------ one schema
def test_the_form_and_the_reader_share_the_limits(tmp_path):
    from tui_backprop.app.widgets.config_fields import parse_hidden
    from tui_backprop.schema import MAX_UNITS

    assert parse_hidden(f"{MAX_UNITS} tanh", "tanh") == [(MAX_UNITS, "tanh")]
    with pytest.raises(ValueError, match=f"1 to {MAX_UNITS}"):
        parse_hidden(f"{MAX_UNITS + 1} tanh", "tanh")
    err = config_error(tmp_path, with_change("units = 3", f"units = {MAX_UNITS + 1}"))
    assert err.field == "network.layers[0].units" and f"at most {MAX_UNITS}" in err.message
    err = config_error(tmp_path, with_change("samples = 40", "samples = 40\nnoise = 0.6"))
    assert err.field == "data.noise" and "at most 0.5" in err.message


def test_every_optimizer_setting_is_read_and_written_from_one_list():
    from tui_backprop.config import config_to_dict
    from tui_backprop.core.optimizers import OPTIMIZERS
    from tui_backprop.schema import FIELD, OPTIMIZER_SETTING_NAMES

    assert set(OPTIMIZER_SETTING_NAMES) == {k for cls in OPTIMIZERS.values() for k in cls.defaults}
    for name, cls in OPTIMIZERS.items():
        training = {"optimizer": name, **{k: v * 0.5 for k, v in cls.defaults.items()}}
        raw = {"network": NET, "data": {"source": "xor"}, "training": training}
        config = parse_config(raw)
        assert dict(config.training.optimizer_settings) == {k: v * 0.5 for k, v in cls.defaults.items()}
        assert parse_config(config_to_dict(config)) == config
        for key in cls.defaults:
            assert f"training.{key}" in FIELD


# --------------------------------------------- questions, goals, locks, solution
Q = '\n[[questions]]\nstep = 2\nphase = "backward"\nprompt = "Predict it"\nanswer = 1.0\n'
G = '\n[[goals]]\nmeasure = "accuracy"\nat_least = 90\n'

LESSON_CASES = [
    (Q.replace('answer = 1.0\n', ''), "questions[0].answer", "missing"),
    (Q.replace('"Predict it"', '"What is it?"'), "questions[0].prompt", 'beginning with "Predict"'),
    (Q.replace('answer = 1.0', 'answer = "big"'), "questions[0].answer", "expected a number"),
    (Q.replace('"backward"', '"sideways"'), "questions[0].phase", "expected one of"),
    (Q.replace('step = 2', 'step = 1').replace('"backward"', '"forward"'), "questions[0].phase", "nothing before it"),
    (Q + 'tolerance = -1\n', "questions[0].tolerance", "at least 0"),
    (Q + 'layer = 3\n', "questions[0].layer", "at most 2"),
    (Q + 'neuron = 4\nlayer = 1\n', "questions[0].neuron", "at most 3"),
    (Q + 'weight = 3\nlayer = 1\n', "questions[0].weight", "at most 2"),
    (Q + 'value = "momentum"\n', "questions[0].value", "expected one of loss, output, weight, gradient"),
    (Q.replace('answer = 1.0', 'answer = "x"\nchoices = ["+", "−"]'), "questions[0].answer", "expected one of +, −"),
    (Q + 'colour = "red"\n', "questions[0].colour", "unknown key"),
    (Q + Q.replace('"Predict it"', '"Predict again"'), "questions[1].phase", "already asked"),
    (G.replace('measure = "accuracy"', 'measure = "speed"'), "goals[0].measure", "expected one of test_loss"),
    (G.replace('at_least = 90', 'at_least = 120'), "goals[0].at_least", "at most 100"),
    (G + 'at_most = 99\n', "goals[0]", "one bound"),
    (G + 'within_epochs = 0\n', "goals[0].within_epochs", "at least 1"),
    (G + 'within_epochs = 5\nby_step = 10\n', "goals[0]", "one deadline"),
    (G.replace('"accuracy"', '"hidden_neurons"').replace("at_least", "at_most") + "by_step = 3\n", "goals[0]",
     "at_most only"),
    ('\n[locks]\nlocked = ["everything"]\n', "locks.locked[0]", "expected one of architecture"),
    ('\nhints = "try harder"\n', "hints", "expected a list"),
    ('\n[solution]\n[solution.training]\nlearning_rate = 0.3\n', "solution.text", "missing"),
    ('\n[solution]\ntext = "t"\n[solution.training]\nlearning_rate = -1\n', "solution.training.learning_rate",
     "greater than 0"),
]


@pytest.mark.parametrize("extra,field,expected", LESSON_CASES, ids=[f"{c[1]}:{c[2][:20]}" for c in LESSON_CASES])
def test_malformed_questions_goals_and_locks_name_the_field(tmp_path, capsys, extra, field, expected):
    # Tables after the [training] keys: top-level keys must come first in TOML, so put them before.
    head, body = ('hints = "try harder"\n', GOOD) if extra.startswith("\nhints") else ("", GOOD + extra)
    err = config_error(tmp_path, head + body)
    assert err.field == field, err
    assert expected in err.message
    path = write(tmp_path, head + body, "check.toml")
    assert main(["presets", "--check", str(path)]) == 2
    out = capsys.readouterr().err
    assert len(out.splitlines()) == 1 and f"{path}: {field}: " in out


def test_presets_check_finds_a_wrong_answer(tmp_path, capsys):
    chain = (Path(__file__).parent.parent / "presets" / "chain-two-weights.toml").read_text(encoding="utf-8")
    path = write(tmp_path, chain.replace("answer = -48.0", "answer = -40.0"), "chain.toml")
    assert main(["presets", "--check", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"tui-backprop: {path}: questions[0].answer: expected −48 within 0.01 (what the session computes), "
                   f"got −40")


def test_train_solution_needs_a_solution(capsys):
    assert main(["train", "--preset", "xor", "--steps", "1", "--solution"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "solution: missing" in err


def test_lesson_parts_survive_a_save(tmp_path):
    from tui_backprop.config import config_to_dict

    for name in ("chain-two-weights", "challenge-spiral-features", "challenge-dead-relu", "xor"):
        config = load_preset(name)
        assert parse_config(config_to_dict(config), config.path, config.name) == config, name


@pytest.mark.parametrize("value, expected", [("0", "greater than 0"), ('"fast"', 'or "full"'), ("true", "a number")])
def test_training_speed_must_be_steps_a_second_or_full(tmp_path, value, expected):
    err = config_error(tmp_path, with_change("[training]\n", f"[training]\nspeed = {value}\n"))
    assert "training.speed" in str(err) and expected in str(err)


def test_training_speed_is_read_and_full_means_none(tmp_path):
    assert load_config(write(tmp_path, with_change("[training]\n", "[training]\nspeed = 3\n"))).training.speed == 3
    assert load_config(write(tmp_path, with_change("[training]\n", '[training]\nspeed = "full"\n'))).training.speed is None
