"""The loss landscape: grid losses equal the network's own loss; paths in bounded memory."""

import dataclasses

import numpy as np
import pytest

from tui_backprop.core.landscape import (ParameterPath, evaluate_surface, flat_params, half_widths, losses_at,
                                         parameters, path_length)
from tui_backprop.presets import load_preset
from tui_backprop.training.session import Session


def session(name, **training):
    config = load_preset(name)
    if training:
        config = config.replace("training", **training)
    s = Session(config)
    s.use_notes = False
    s.pause_after = "none"
    return s


def test_chain_two_weights_surface_matches_the_worked_example():
    s = session("chain-two-weights")
    names = [p.name for p in parameters(s.network)]
    assert names == ["w1", "w2"]
    # The inspector's names (core.names): subscripts for unit and input, the layer after the letter.
    assert [p.name for p in parameters(session("narrow-valley").network)] == ["w₁", "w₂"]
    assert [p.name for p in parameters(session("xor").network)][:4] == ["w1₁₁", "w1₁₂", "b1₁", "w1₂₁"]
    assert [p.name for p in parameters(session("one-weight").network)] == ["w"]
    net, data = s.network, s.data
    surface = evaluate_surface(net, net.params, (0, 1), data.x_train, data.y_train, (1.0, 2.0), (5, 9))
    assert surface.xs.tolist() == [2.0, 2.5, 3.0, 3.5, 4.0]  # w1 = 3 ± 1, columns
    assert surface.ys[0] == 2.0 and surface.ys[-1] == 6.0  # w2 = 4 ± 2, rows from the bottom
    assert surface.loss[4, 2] == pytest.approx(18.0)  # the worked example: C = ½(24 − 30)²
    for row, w2 in enumerate(surface.ys):
        for col, w1 in enumerate(surface.xs):
            assert surface.loss[row, col] == pytest.approx(0.5 * (w2 * w1 * 2.0 - 30.0) ** 2)


@pytest.mark.parametrize("name", ["xor", "spiral-3-classes", "sigmoid-neuron", "digits"])
@pytest.mark.parametrize("where", ["two layers", "first layer", "last layer"])
def test_grid_losses_equal_the_networks_loss_with_those_parameters(name, where):
    s = session(name)
    s.run(3)
    net, data = s.network, s.data
    params = parameters(net)
    axes = {"two layers": (params[len(params) // 3].flat, params[-1].flat),  # different layers where there are
            "first layer": (params[0].flat, params[1].flat),
            "last layer": (params[-1].flat, params[-2].flat)}[where]
    x, y = data.x_train[:200], data.y_train[:200]
    surface = evaluate_surface(net, net.params, axes, x, y, (0.7, 0.4), (4, 3))
    for row, b in enumerate(surface.ys):
        for col, a in enumerate(surface.xs):
            moved = net.clone()
            moved.params[list(axes)] = (a, b)
            assert surface.loss[row, col] == pytest.approx(moved.evaluate(x, y), rel=1e-12)
    one = evaluate_surface(net, net.params, axes[:1], x, y, (0.7,), (5,))
    assert one.ys is None and one.loss.shape == (5,)
    assert one.loss[2] == pytest.approx(net.evaluate(x, y), rel=1e-12)  # the middle: the current weights


def test_the_slope_of_one_parameter_curve_is_the_gradient():
    s = session("one-weight")
    s.step()  # w: 1 → 1.8
    net, data = s.network, s.data
    net.forward(data.x_train)
    net.backward(data.y_train)
    h = 1e-4
    curve = losses_at(net, net.params, (0,), np.array([[1.8 - h], [1.8 + h]]), data.x_train, data.y_train)
    assert (curve[1] - curve[0]) / (2 * h) == pytest.approx(net.grads[0], rel=1e-6)


def test_flat_params_rebuilds_the_network_buffer_from_a_snapshot():
    s = session("xor")
    s.run(2)
    snap = s.snapshot(grid=False)
    assert np.array_equal(flat_params((l.weights, l.biases) for l in snap.layers), s.network.params)


def test_surface_is_reused_while_the_point_stays_inside():
    s = session("chain-two-weights")
    net, data = s.network, s.data
    surface = evaluate_surface(net, net.params, (0, 1), data.x_train, data.y_train, (1.0, 1.0), (9, 9))
    assert surface.contains((3.0, 4.0)) and surface.contains((3.5, 4.5))
    assert not surface.contains((3.9, 4.0))  # within 20% of the edge: time for a new grid


def test_half_widths_fit_the_path_and_the_next_steps():
    path = np.array([[3.0, 4.0], [3.48, 4.36], [3.9, 4.8]])
    reach = half_widths((3.9, 4.8), path, (0.1, 0.02))
    assert reach[0] >= 1.25 * 0.9 and reach[1] >= 1.25 * 0.8
    assert half_widths((0.0, 0.0), None, (1.0, 0.0)) == (4.0, 0.5)


def test_parameter_path_keeps_every_step_then_thins_in_bounded_memory():
    path = ParameterPath(size=3, budget=3 * 64)
    assert path.series.capacity == 64
    for step in range(0, 1000):
        path.record(step, np.array([step, -step, 0.5 * step], dtype=float))
    steps, points = path.columns((0, 2))
    assert len(steps) <= 64 and steps[0] == 0 and steps[-1] >= 1000 - path.series.stride
    assert np.all(np.diff(steps) == path.series.stride)  # evenly thinned
    assert np.array_equal(points[:, 0], steps) and np.array_equal(points[:, 1], 0.5 * steps)
    path.record(5, np.zeros(3))  # back to step 5: what came after is forgotten
    assert path.columns((0,))[0].tolist() == [0]
    path.record(0, np.zeros(3))  # a reset: the path starts again, every step kept
    path.record(1, np.ones(3))
    assert path.columns((0,))[0].tolist() == [0, 1] and path.series.stride == 1


def test_session_records_its_path_from_step_zero():
    s = session("chain-two-weights")
    s.run(2)
    steps, points = s.parameter_path.columns((0, 1))
    assert steps.tolist() == [0, 1, 2]
    assert points[0].tolist() == [3.0, 4.0] and points[1] == pytest.approx([3.48, 4.36])
    s.reset()
    assert s.parameter_path.columns((0, 1))[0].tolist() == [0]


def test_narrow_valley_sgd_zig_zags_a_longer_path_than_momentum_to_the_same_loss():
    config = load_preset("narrow-valley")
    results = {}
    for label, training in config.compare:
        s = Session(dataclasses.replace(config, training=training))
        s.use_notes = False
        while s.full_training_loss() >= 0.01 and s.step_count < 5000:
            s.run(1)
        steps, points = s.parameter_path.columns((0, 1))
        assert steps.tolist() == list(range(s.step_count + 1))  # every step is on the path
        turns = np.sum(np.diff(np.sign(np.diff(points[:, 0]))) != 0)  # w1 changes direction: a zig-zag
        results[training.optimizer] = (s.step_count, path_length(points), turns)
    sgd, momentum = results["sgd"], results["momentum"]
    assert sgd[1] > 1.4 * momentum[1]  # SGD's path: 16.0 against 10.8
    assert sgd[0] > 1.8 * momentum[0]  # and about twice the steps (154 against 76)
    # SGD turns back on w1 at almost every step (129 of 154), momentum far less often (27 of 76).
    assert sgd[2] > 0.8 * sgd[0] and sgd[2] > 4 * momentum[2]


def test_going_back_to_a_saved_state_forgets_the_path_after_it():
    s = session("chain-two-weights")
    s.run(3)
    state = s.state_dict()
    s.run(2)
    s.load_state_dict(state)
    assert s.parameter_path.columns((0,))[0].tolist() == [0, 1, 2, 3]
    assert s.update_ratios.arrays()[0].tolist() == [1, 2, 3]
    s.run(1)
    assert s.parameter_path.columns((0,))[0].tolist() == [0, 1, 2, 3, 4]


def test_parameter_path_of_a_large_network_stays_within_its_budget():
    """784-256-10 has 203,530 parameters: the path keeps 2 rows (3 MB), not a floor of 64 rows (104 MB)."""
    size = 784 * 256 + 256 + 256 * 10 + 10
    path = ParameterPath(size=size)
    assert path.series.values.size <= 500_000
    path.record(0, np.zeros(size))
    path.record(1, np.ones(size))
    steps, points = path.columns((0,))
    assert steps.tolist() == [0, 1] and points[:, 0].tolist() == [0.0, 1.0]


def test_a_grid_wider_than_the_float_maximum_stays_finite():
    """linspace(c − r, c + r) with 2r above 1.8e308 made every grid value NaN (QA5 B3's blown-up weights)."""
    s = session("chain-two-weights")
    net, data = s.network, s.data
    surface = evaluate_surface(net, net.params, (0, 1), data.x_train, data.y_train, (1.5e308, 1e307), (5, 5))
    assert np.isfinite(surface.xs).all() and np.isfinite(surface.ys).all()
    assert surface.xs[0] < 0 < surface.xs[-1] and surface.xs[2] == pytest.approx(3.0)
