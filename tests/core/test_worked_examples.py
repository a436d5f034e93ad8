"""The worked examples of docs/architecture.md, reproduced to the last bit."""

import json

import numpy as np

from tui_backprop.cli import main
from tui_backprop.presets import load_preset
from tui_backprop.training import Session


def run_cli(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_chain_of_two_weights_through_cli(capsys):
    result = run_cli(capsys, "train", "--preset", "chain-two-weights", "--steps", "1", "--json", "--trace")
    first = result["trace"][0]
    assert first["loss"] == 18.0  # ½(24 − 30)²
    assert first["grad_weights"] == [[[-48.0]], [[-36.0]]]  # ∂C/∂w1, ∂C/∂w2
    assert first["grad_biases"] == [None, None]
    assert result["layers"][0]["weights"] == [[3.48]]
    assert result["layers"][1]["weights"] == [[4.36]]
    assert result["layers"][0]["biases"] is None


def test_chain_of_two_weights_in_session():
    s = Session(load_preset("chain-two-weights"))
    assert s.step() == ["forward L1", "forward L2", "loss", "backward L2", "backward L1"]  # it pauses after backward
    fwd = s.network.forward_data()
    assert fwd[1].a[0, 0] == 24.0  # ŷ
    assert fwd[0].a[0, 0] == 6.0  # w1·x
    back = s.network.backward_data()
    assert back[1].grad_a[0, 0] == -6.0  # ∂C/∂ŷ = ŷ − y
    assert back[0].grad_weights[0, 0] == -48.0
    assert back[1].grad_weights[0, 0] == -36.0
    assert s.network.layers[0].weights[0, 0] == 3.0  # not applied yet
    assert s.step() == ["update"]
    assert s.network.layers[0].weights[0, 0] == 3.48
    assert s.network.layers[1].weights[0, 0] == 4.36


def test_one_weight_converges_to_two(capsys):
    result = run_cli(capsys, "train", "--preset", "one-weight", "--steps", "60", "--json", "--trace")
    assert result["loss_history"][0] == 4.0
    assert result["trace"][0]["grad_weights"] == [[[-8.0]]]
    s = Session(load_preset("one-weight"))
    s.step()
    assert s.network.params[0] == 1.8
    s.step()
    assert np.isclose(s.network.params[0], 1.96, rtol=0, atol=1e-15)
    s.step()
    assert np.isclose(s.network.params[0], 1.992, rtol=0, atol=1e-15)
    assert abs(result["layers"][0]["weights"][0][0] - 2.0) < 1e-12
    assert result["final_loss"] < 1e-20


def test_neuron_with_bias(capsys):
    result = run_cli(capsys, "train", "--preset", "neuron-with-bias", "--steps", "1", "--json", "--trace")
    first = result["trace"][0]
    assert first["loss"] == 81.0  # (11 − 20)²
    assert first["grad_weights"] == [[[-72.0]]]
    assert first["grad_biases"] == [[-18.0]]
    s = Session(load_preset("neuron-with-bias"))
    s.step()
    assert s.network.forward_data()[0].a[0, 0] == 11.0


def test_steps_zero_reports_initial_network(capsys):
    result = run_cli(capsys, "train", "--preset", "chain-two-weights", "--steps", "0", "--json")
    assert result["steps"] == 0
    assert result["loss_history"] == []
    assert result["layers"][0]["weights"] == [[3.0]]
    assert result["final_loss"] == 18.0
