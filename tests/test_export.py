"""Exports: loss history CSV, network JSON, and the PyTorch hand-off script."""

from __future__ import annotations

import ast
import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest

from tui_backprop import cli
from tui_backprop.config import parse_config
from tui_backprop.export import (
    export_history_csv,
    export_network_json,
    export_pytorch,
    history_csv_text,
    network_dict,
    pytorch_script_text,
)
from tui_backprop.persist import config_to_dict, save_session
from tui_backprop.presets import load_preset
from tui_backprop.training.session import Session


headless = Session.headless


def trained(preset: str, steps: int, **training) -> Session:
    config = load_preset(preset)
    if training:
        config = config.replace("training", **training)
    session = headless(config)
    session.run(steps)
    return session


def custom(layers, loss, source="spiral", classes=2, optimizer="sgd", **data) -> Session:
    raw = config_to_dict(load_preset("xor"))
    raw["network"]["layers"] = layers
    raw["data"] = {"source": source, "samples": 80, "noise": 0.1, "test_fraction": 0.25, "classes": classes, **data}
    raw["training"].update(loss=loss, optimizer=optimizer, batch_size=8)
    return headless(parse_config(raw, None, f"custom-{loss}"))


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


# --------------------------------------------------------------------- CSV
def test_csv_of_the_one_weight_example_has_the_textbook_numbers(tmp_path):
    # x=2, y=4, w=1, mse, lr 0.1: loss 4 then w=1.8 (loss 0.16), then w=1.96 (loss 0.0064)
    session = trained("one-weight", 3)
    path = export_history_csv(session, tmp_path / "h.csv")
    table = rows(path.read_text())
    assert list(table[0]) == ["step", "train_loss", "epoch_train_loss", "test_loss", "accuracy"]
    assert [r["step"] for r in table] == ["1", "2", "3"]
    assert [float(r["train_loss"]) for r in table] == pytest.approx([4.0, 0.16, 0.0064], rel=1e-12)
    assert [float(r["epoch_train_loss"]) for r in table] == pytest.approx([0.16, 0.0064, 0.000256], rel=1e-12)
    assert all(r["test_loss"] == "" and r["accuracy"] == "" for r in table)  # no test data in this lesson


def test_csv_has_test_loss_at_epoch_ends_exactly():
    session = trained("xor", 25)  # 100 training samples, batches of 10: epochs end at 10 and 20
    table = rows(history_csv_text(session))
    assert len(table) == 25
    steps, losses = session.history.train.arrays()
    assert [float(r["train_loss"]) for r in table] == losses.tolist()  # exact: written with repr
    filled = [r for r in table if r["test_loss"]]
    assert [r["step"] for r in filled] == ["10", "20"]
    tsteps, tloss = session.history.test.arrays()
    assert [float(r["test_loss"]) for r in filled] == tloss.tolist()
    assert [float(r["accuracy"]) for r in filled] == session.history.accuracy.arrays()[1].tolist()
    assert float(filled[-1]["test_loss"]) == session.test_loss
    assert float(table[0]["train_loss"]) == pytest.approx(0.754372302698017, rel=1e-12)


def test_csv_of_a_fresh_session_is_just_the_header():
    assert history_csv_text(headless(load_preset("xor"))) == "step,train_loss,epoch_train_loss,test_loss,accuracy\n"


# -------------------------------------------------------------------- JSON
def test_network_json_has_the_cli_layers_shape(tmp_path, capsys):
    session = trained("xor", 30)
    path = export_network_json(session, tmp_path / "n.json")
    data = json.loads(path.read_text())
    assert data["layers"] == session.layers_json()
    assert [len(layer["weights"]) for layer in data["layers"]] == [4, 1]  # [fan_out][fan_in]
    assert [len(layer["weights"][0]) for layer in data["layers"]] == [2, 4]
    assert (data["step"], data["epoch"], data["inputs"], data["loss"]) == (30, 3, 2, "bce")
    assert cli.main(["train", "--preset", "xor", "--steps", "30", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["layers"] == data["layers"]


def test_network_json_of_the_chain_example_after_one_step():
    # ŷ = w2·(w1·x), x=2, y=30, w1=3, w2=4, half_mse, lr 0.01: w2 → 4.36, w1 → 3.48
    data = network_dict(trained("chain-two-weights", 1))
    assert [layer["biases"] for layer in data["layers"]] == [None, None]
    assert data["layers"][0]["weights"] == [[pytest.approx(3.48, rel=1e-12)]]
    assert data["layers"][1]["weights"] == [[pytest.approx(4.36, rel=1e-12)]]
    assert [layer["activation"] for layer in data["layers"]] == ["linear", "linear"]


def test_network_json_names_the_input_features():
    """QA3 C7: a network trained on computed features said only "inputs": 7."""
    data = network_dict(Session(load_preset("challenge-spiral-features").solution.config))
    assert data["inputs"] == 7 and data["features"] == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    assert network_dict(trained("xor", 0))["features"] is None  # the data's own columns


def test_network_json_writes_null_for_non_finite_weights():
    session = trained("one-weight", 0)
    session.network.params[:] = np.inf
    text = json.dumps(network_dict(session), allow_nan=False)
    assert json.loads(text)["layers"][0]["weights"] == [[None]]


# ----------------------------------------------------------------- PyTorch
SESSIONS = {
    "bce": lambda: trained("xor", 23),
    "mse": lambda: trained("neuron-with-bias", 2),
    "half_mse": lambda: trained("chain-two-weights", 1),
    "cross_entropy": lambda: custom([{"units": 5, "activation": "relu"}, {"units": 3, "activation": "softmax"}],
                                    "cross_entropy", classes=3),
    "mse_leaky": lambda: custom([{"units": 3, "activation": "leaky_relu", "bias": False},
                                 {"units": 2, "activation": "sigmoid"}, {"units": 1, "activation": "linear"}],
                                "mse", source="circle"),
    "adam_l2": lambda: trained("xor", 12, optimizer="adam", learning_rate=0.01, regularization="l2",
                               regularization_rate=0.01),
    "rmsprop_l1": lambda: trained("xor", 12, optimizer="rmsprop", learning_rate=0.01, regularization="l1",
                                  regularization_rate=0.01),
}


def _constants(tree: ast.Module) -> dict:
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name.isupper():
                out[name] = ast.literal_eval(node.value)
    return out


@pytest.mark.parametrize("kind", sorted(SESSIONS))
def test_pytorch_script_structure(kind):
    session = SESSIONS[kind]()
    if kind == "cross_entropy":
        session.run(9)
    text = pytorch_script_text(session)
    tree = ast.parse(text)
    consts = _constants(tree)
    net = session.network
    assert np.array_equal(np.array(consts["X_TRAIN"]), session.data.x_train)
    assert np.array_equal(np.array(consts["Y_TRAIN"]), session.data.y_train)
    if len(session.data.x_test):
        assert np.array_equal(np.array(consts["X_TEST"]), session.data.x_test)
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    init = next(f for f in classes["Network"].body if isinstance(f, ast.FunctionDef) and f.name == "__init__")
    linears = {}
    for node in ast.walk(init):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            target = node.targets[0].attr
            func = ast.unparse(node.value.func)
            linears[target] = (func, [ast.literal_eval(a) for a in node.value.args],
                               {k.arg: ast.literal_eval(k.value) for k in node.value.keywords})
    for i, layer in enumerate(net.layers):
        name = f"layer{i + 1}"
        func, args, kwargs = linears[name]
        assert func == "nn.Linear" and args == [layer.fan_in, layer.units]
        assert kwargs == ({} if layer.has_bias else {"bias": False})
        expected_act = {"linear": "nn.Identity", "sigmoid": "nn.Sigmoid", "tanh": "nn.Tanh", "relu": "nn.ReLU",
                        "leaky_relu": "nn.LeakyReLU", "softmax": "nn.Softmax"}[layer.activation.name]
        assert linears[f"{name}_activation"][0] == expected_act
        weights = np.array(consts[f"LAYER{i + 1}_WEIGHTS"])
        assert weights.dtype == np.float64 and np.array_equal(weights, layer.weights)  # bit-exact
        if layer.biases is None:
            assert f"LAYER{i + 1}_BIASES" not in consts
        else:
            assert np.array_equal(np.array(consts[f"LAYER{i + 1}_BIASES"]), layer.biases)
        assert f"model.{name}.weight.copy_" in text
    assert f"layer{len(net.layers) + 1}" not in text
    funcs = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert {"build_network", "loss_fn", "evaluate", "train", "main"} <= funcs
    assert "torch.set_default_dtype(torch.float64)" in text
    assert f"preset {session.config.name!r} after {session.step_count} steps" in text


def test_pytorch_script_maps_the_optimizer():
    text = pytorch_script_text(SESSIONS["adam_l2"]())
    assert "torch.optim.Adam(" in text and "betas=(0.9, 0.999)" in text and '"weight_decay": 0.01' in text
    assert '{"params": biases, "weight_decay": 0.0}' in text  # regularization skips biases, as here
    text = pytorch_script_text(SESSIONS["rmsprop_l1"]())
    assert "torch.optim.RMSprop(" in text and "alpha=0.99" in text and "w.abs().sum()" in text


def test_pytorch_script_survives_an_awkward_title():
    session = trained("xor", 1)
    session.config = session.config.replace(title='Quotes """ and \\ backslashes')
    ast.parse(pytorch_script_text(session))


def _torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except Exception:
        return False
    return True


@pytest.mark.skipif(not _torch_available(), reason="torch is not installed")
@pytest.mark.parametrize("kind", sorted(SESSIONS))
def test_pytorch_script_runs_and_prints_our_loss(tmp_path, kind):
    session = SESSIONS[kind]()
    path = export_pytorch(session, tmp_path / "model.py")
    result = subprocess.run([sys.executable, str(path), "--train", "3"], capture_output=True, text=True,
                            timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    printed = dict(line.split(" ", 1) for line in result.stdout.splitlines() if line.startswith(("train_loss", "test_loss")))
    ours = session.full_training_loss()
    assert float(printed["train_loss"]) == pytest.approx(ours, rel=1e-12, abs=1e-12)
    if len(session.data.x_test):
        ours_test = session.network.evaluate(session.data.x_test, session.data.y_test)
        assert float(printed["test_loss"]) == pytest.approx(ours_test, rel=1e-12, abs=1e-12)
    assert "after 3 more steps: train_loss" in result.stdout


# --------------------------------------------------------------------- CLI
def test_cli_export_from_a_preset_and_from_a_saved_session(tmp_path, capsys):
    files = [tmp_path / "h.csv", tmp_path / "n.json", tmp_path / "m.py"]
    assert cli.main(["export", "--preset", "xor", "--steps", "25", "--history-csv", str(files[0]),
                     "--network-json", str(files[1]), "--pytorch", str(files[2])]) == 0
    assert capsys.readouterr().out.splitlines() == [f"wrote {f}" for f in files]
    reference = trained("xor", 25)
    assert files[0].read_text() == history_csv_text(reference)
    assert json.loads(files[1].read_text())["layers"] == reference.layers_json()
    ast.parse(files[2].read_text())

    saved = save_session(trained("xor", 20), tmp_path / "s.npz")
    assert cli.main(["export", "--resume", str(saved), "--steps", "5", "--history-csv", str(tmp_path / "h2.csv")]) == 0
    assert (tmp_path / "h2.csv").read_text() == files[0].read_text()


def test_cli_export_needs_an_output(capsys):
    assert cli.main(["export", "--preset", "xor"]) == 2
    assert "nothing to write" in capsys.readouterr().err


def test_cli_export_to_a_missing_folder_fails_with_exit_2(tmp_path, capsys):
    assert cli.main(["export", "--preset", "xor", "--network-json", str(tmp_path / "no" / "n.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tui-backprop: ") and "cannot write" in err and err.count("\n") == 1


@pytest.mark.skipif(not _torch_available(), reason="torch is not installed")
@pytest.mark.parametrize(("optimizer", "regularization"), [
    ("sgd", "none"), ("momentum", "l2"), ("rmsprop", "l1"), ("adagrad", "none"), ("adam", "l2"),
    ("adam", "playground_l1"), ("sgd", "playground_l1"),
])
def test_k_more_steps_in_torch_equal_k_more_here(tmp_path, optimizer, regularization):
    """The script carries the optimizer state and the batch order: 25 more steps agree to 1e-12."""
    import importlib.util

    import torch

    cfg = load_preset("xor").replace("training", optimizer=optimizer, learning_rate=0.05,
                                     regularization=regularization, regularization_rate=0.01)
    session = Session.headless(cfg)
    session.run(13)  # mid-epoch (10 steps an epoch), optimizer state well under way
    path = export_pytorch(session, tmp_path / f"go_on_{optimizer}_{regularization}.py")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    model = script.build_network()
    script.train(model, torch.tensor(script.X_TRAIN), torch.tensor(script.Y_TRAIN), 25)
    session.run(25)
    for i, layer in enumerate(session.network.layers):
        linear = getattr(model, f"layer{i + 1}")
        np.testing.assert_allclose(linear.weight.detach().numpy(), layer.weights, rtol=0, atol=1e-12)
        np.testing.assert_allclose(linear.bias.detach().numpy(), layer.biases, rtol=0, atol=1e-12)
    assert not np.array_equal(session.network.params, session.initial_params)


def test_cli_export_dash_writes_to_standard_output(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["export", "--preset", "xor", "--steps", "25", "--history-csv", "-",
                     "--network-json", "n.json"]) == 0
    out, err = capsys.readouterr()
    assert out == history_csv_text(trained("xor", 25))  # the CSV itself, nothing else
    assert err == "wrote n.json\n" and not (tmp_path / "-").exists()
    assert cli.main(["export", "--preset", "xor", "--history-csv", "-", "--pytorch", "-"]) == 2
    assert "only one" in capsys.readouterr().err
