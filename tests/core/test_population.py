"""A sweep's run k is ``train --seed k`` run alone: same loss history and final weights (to 1e-12).

Each case builds a sweep and, for every run, a ``Session`` with that seed (and
learning rate), and compares the per-step batch losses and the final weights.
"""

from __future__ import annotations

import numpy as np
import pytest

from tui_backprop.config import parse_config
from tui_backprop.core.optimizers import OPTIMIZERS
from tui_backprop.presets import load_preset
from tui_backprop.sweep import build_sweep
from tui_backprop.training.session import Session

RTOL = 1e-12


def make_config(layers, *, loss="bce", optimizer="sgd", learning_rate=0.1, batch_size=10, source="xor",
                samples=100, inputs=2, init="xavier", data=None, **training):
    raw = {
        "network": {"inputs": inputs, "seed": 0, "init": init,
                    "layers": [{"units": u, "activation": a, **({"bias": False} if nb else {})}
                               for u, a, *nb in layers]},
        "data": {"source": source, "samples": samples, "noise": 0.1, "test_fraction": 0.3, **(data or {})},
        "training": {"loss": loss, "optimizer": optimizer, "learning_rate": learning_rate,
                     "batch_size": batch_size, **training},
    }
    return parse_config(raw, "test.toml")


def alone(config, seed, learning_rate, steps):
    """What ``train --preset P --seed k`` computes (with that learning rate)."""
    session = Session(config.with_seed(seed).replace("training", learning_rate=learning_rate))
    session.use_notes = False
    session.pause_after = "none"
    session.run(steps)
    return session


def assert_close(actual, expected):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    scale = max(float(np.abs(expected).max()), 1e-300) if expected.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL * scale)


def check_sweep_matches(config, seeds=(0, 1, 2), rates=None, steps=60):
    sweep = build_sweep(config, seeds, rates, steps)
    pop = sweep.population
    pop.run(steps)
    history = pop.loss_history()
    for k in range(pop.runs):
        session = alone(config, sweep.seeds[k], sweep.learning_rates[k], steps)
        _, losses = session.history.train.arrays()
        assert pop.steps[k] == session.step_count
        assert_close(history[: session.step_count, k], losses)
        assert_close(pop.run_params(k), session.network.params)
    return sweep


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer(optimizer):
    config = make_config([(5, "tanh"), (1, "sigmoid")], optimizer=optimizer,
                         learning_rate=0.01 if optimizer in ("adam", "rmsprop") else 0.1)
    check_sweep_matches(config)


@pytest.mark.parametrize("loss, layers, source, extra", [
    ("mse", [(4, "relu"), (1, "linear")], "plane", {}),
    ("half_mse", [(4, "tanh"), (2, "tanh"), (1, "tanh")], "circle", {"labels": "plus_minus_one"}),
    ("bce", [(3, "leaky_relu"), (1, "sigmoid")], "gauss", {}),
    ("cross_entropy", [(6, "tanh"), (3, "softmax")], "spiral", {"classes": 3}),
])
def test_every_loss(loss, layers, source, extra):
    config = make_config(layers, loss=loss, source=source, data=extra, optimizer="momentum", learning_rate=0.05)
    check_sweep_matches(config)


@pytest.mark.parametrize("shape", [
    [(1, "sigmoid")],  # no hidden layer
    [(8, "tanh"), (8, "relu"), (1, "sigmoid")],
    [(32, "tanh"), (32, "tanh"), (1, "sigmoid")],  # past OpenBLAS's small-matrix sizes
    [(6, "sigmoid", "no bias"), (1, "sigmoid")],
    [(4, "linear"), (3, "tanh", "no bias"), (2, "leaky_relu"), (1, "sigmoid")],  # a layer without bias reads [a, 1]
])
def test_several_shapes(shape):
    check_sweep_matches(make_config(shape, optimizer="adam", learning_rate=0.01))


def test_hidden_layers_without_a_number_mapped_to_one_copy_a(monkeypatch):
    # Every activation a hidden layer may have writes [a, 1] itself; one that could not (none today) would
    # have a copied into the next layer's input: that path must give the same numbers too.
    from tui_backprop.core import population_step

    monkeypatch.setattr(population_step, "_maps_to_one", lambda activation: None)
    sweep = check_sweep_matches(make_config([(5, "tanh"), (3, "relu"), (1, "sigmoid")], batch_size=16), steps=23)
    assert all(wide is None for wide in sweep.population._workspace(16).wide)


def test_uneven_last_batch_and_full_batch():
    # 70 training samples in batches of 16: four of 16, then one of 6, every epoch.
    config = make_config([(4, "tanh"), (1, "sigmoid")], batch_size=16)
    sweep = check_sweep_matches(config, steps=23)
    assert sweep.population.samples == 70 and sweep.population.steps_per_epoch == 5
    check_sweep_matches(make_config([(4, "tanh"), (1, "sigmoid")], batch_size="full"), steps=30)


@pytest.mark.parametrize("preset", ["playground", "gauss", "xor-two-hidden", "circle"])
def test_shipped_presets_match_bit_for_bit(preset):
    # Stronger than the 1e-12 above where BLAS sums alike: playground's batch x and y are column views of one
    # gathered row, gauss's layer 1 has one unit and so reads a batch of its own (the row length would change
    # BLAS's matrix-vector sums).
    config = load_preset(preset)
    sweep = build_sweep(config, (0, 1), None, 120)
    sweep.population.run(120)
    for k in range(2):
        session = alone(config, k, config.training.learning_rate, 120)
        np.testing.assert_array_equal(sweep.population.run_params(k), session.network.params)
        np.testing.assert_array_equal(sweep.population.loss_history()[:, k], session.history.train.arrays()[1])


def test_regularization_and_per_run_learning_rates():
    for reg in ("l1", "l2", "playground_l1"):
        config = make_config([(5, "tanh"), (1, "sigmoid")], optimizer="rmsprop", learning_rate=0.01,
                             regularization=reg, regularization_rate=0.01)
        sweep = check_sweep_matches(config, seeds=(3, 4), rates=(0.003, 0.03))
        assert sweep.seeds == (3, 3, 4, 4) and sweep.learning_rates == (0.003, 0.03, 0.003, 0.03)


def test_pinned_data_seed_gives_every_run_the_same_data():
    config = make_config([(4, "tanh"), (1, "sigmoid")], data={"seed": 11})
    sweep = check_sweep_matches(config, seeds=(0, 5))
    pop = sweep.population
    np.testing.assert_array_equal(pop.x_train[0], pop.x_train[1])
    assert not np.array_equal(pop.run_params(0), pop.run_params(1))


def test_nan_in_one_run_stops_that_run_only():
    # Linear output, mse: learning rate 50 blows up, 0.01 does not.
    config = make_config([(4, "tanh"), (1, "linear")], loss="mse", source="plane", optimizer="sgd")
    sweep = build_sweep(config, [0, 1], (0.01, 50.0), 200)
    pop = sweep.population
    pop.run(200)
    assert pop.halts[0] is None and pop.halts[2] is None
    for k in (1, 3):
        session = alone(config, sweep.seeds[k], 50.0, 200)
        assert session.halted is not None
        halt = pop.halts[k]
        assert (halt.step, halt.phase, halt.layer, halt.what) == (
            session.halted.step, session.halted.phase, session.halted.layer, session.halted.what)
        assert pop.steps[k] == session.step_count < 200
        assert f"in step {halt.step}" in halt.message and halt.phase in halt.message
        np.testing.assert_array_equal(np.isnan(pop.run_params(k)), np.isnan(session.network.params))
    for k in (0, 2):  # the healthy runs are untouched by their neighbours' NaNs
        session = alone(config, sweep.seeds[k], 0.01, 200)
        assert pop.steps[k] == 200
        assert_close(pop.run_params(k), session.network.params)


def check_halts_match(config, seeds, rates, steps):
    """Each run halts (or not) at the step, phase and layer train would, with the same weights and losses."""
    sweep = build_sweep(config, seeds, rates, steps)
    pop = sweep.population
    pop.run(steps)
    history = pop.loss_history()
    phases = set()
    for k in range(pop.runs):
        session = alone(config, sweep.seeds[k], sweep.learning_rates[k], steps)
        halt, expected = pop.halts[k], session.halted
        assert (halt is None) == (expected is None)
        if halt is not None:
            assert (halt.step, halt.phase, halt.layer, halt.what) == (
                expected.step, expected.phase, expected.layer, expected.what)
            phases.add(halt.phase)
        assert pop.steps[k] == session.step_count
        np.testing.assert_array_equal(pop.run_params(k), session.network.params)  # NaN where it has NaN
        np.testing.assert_array_equal(history[: session.step_count, k], session.history.train.arrays()[1])
    return phases


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_every_halt_phase_stops_its_run_with_the_weights_train_ends_with(optimizer):
    # Learning rate 1.7e308: the first update overflows; 50: the output grows until the loss overflows.
    config = make_config([(4, "tanh"), (1, "linear")], loss="mse", source="plane", optimizer=optimizer)
    phases = check_halts_match(config, [0, 1], (1.7e308, 50.0, 0.01), 200)
    assert phases == ({"update", "loss"} if optimizer != "adam" else {"update"})
    assert check_halts_match(load_preset("exploding-gradients"), [0, 1], None, 100) == {"backward"}


def test_huge_finite_weights_whose_sum_overflows_train_on():
    # Each weight stays finite (tanh saturates) while their sum overflows: no run halts.
    config = load_preset("playground").replace("training", loss="mse")
    assert check_halts_match(config, [0, 1], (1.7e308,), 20) == set()


def test_stop_below_loss_stops_each_run_where_train_would():
    config = make_config([(4, "tanh"), (1, "sigmoid")], learning_rate=0.5)
    sweep = build_sweep(config, range(6), None, 400, stop_below_loss=0.15)
    pop = sweep.population
    pop.run(400)
    stopped = [k for k in range(pop.runs) if pop.stopped_at[k] >= 0]
    assert 0 < len(stopped) < pop.runs  # some runs get there, some do not
    for k in range(pop.runs):
        session = Session(config.with_seed(k).replace("training", stop_below_loss=0.15))
        session.use_notes = False
        reason = session.run(400)
        assert (reason == "stop") == (k in stopped)
        assert pop.steps[k] == session.step_count
        if k in stopped:
            assert pop.stopped_at[k] == session.step_count
        assert_close(pop.run_params(k), session.network.params)
    train, test, accuracy = pop.final_metrics()
    for k in stopped:
        assert train[k] < 0.15


def test_final_metrics_are_the_sessions():
    config = make_config([(4, "tanh"), (1, "sigmoid")])
    sweep = build_sweep(config, [0, 1], None, 35)
    sweep.population.run(35)  # 3.5 epochs: the final metrics are of the final weights
    train, test, accuracy = sweep.population.final_metrics()
    for k in range(2):
        session = alone(config, k, 0.1, 35)
        net, data = session.network, session.data
        assert train[k] == pytest.approx(session.full_training_loss(), rel=RTOL)
        assert test[k] == pytest.approx(net.evaluate(data.x_test, data.y_test), rel=RTOL)
        predicted = (net.predict(data.x_test)[:, 0] >= 0.5) == (data.y_test[:, 0] >= 0.5)
        assert accuracy[k] == pytest.approx(predicted.mean())


def test_stop_after_epochs_in_the_preset_caps_the_steps():
    config = make_config([(4, "tanh"), (1, "sigmoid")], stop_after_epochs=3)
    assert build_sweep(config, [0], None, 1000).max_steps == 3 * 7


def test_memory_grows_linearly_with_runs():
    config = make_config([(8, "tanh"), (8, "tanh"), (1, "sigmoid")])
    sizes = {}
    for runs in (8, 64):
        pop = build_sweep(config, range(runs), None, 10).population
        pop.run(10)
        sizes[runs] = pop.memory_bytes()
    assert sizes[64] / sizes[8] == pytest.approx(8, rel=0.05)


def test_too_many_runs_for_the_memory_is_refused():
    config = make_config([(4, "tanh"), (1, "sigmoid")])
    with pytest.raises(ValueError, match=r"1,000 runs of 100 steps need about .* more than the"):
        build_sweep(config, range(1000), None, 100, memory=1_000_000)


@pytest.mark.parametrize("optimizer, loss, layers, source, extra", [
    ("adam", "bce", [(5, "tanh"), (1, "sigmoid")], "xor", {}),
    ("momentum", "cross_entropy", [(6, "relu"), (3, "softmax")], "spiral", {"classes": 3}),
    ("rmsprop", "mse", [(4, "sigmoid"), (1, "linear")], "plane", {}),
])
def test_every_run_follows_the_reference_step(optimizer, loss, layers, source, extra):
    """The plain reference step (core/reference.py), fed each run's data, lands on each run's weights."""
    from tui_backprop.core import reference
    from tui_backprop.core.optimizers import OPTIMIZERS

    config = make_config(layers, loss=loss, source=source, data=extra, optimizer=optimizer, learning_rate=0.01,
                         batch_size="full", samples=60)
    steps = 25
    sweep = build_sweep(config, (0, 1, 2), (0.01, 0.03, 0.01), steps)
    pop = sweep.population
    start = pop.params.copy()
    pop.run(steps)
    settings = dict(OPTIMIZERS[optimizer].defaults)
    for k in range(pop.runs):
        net = pop.template.clone()
        net.params[...] = start[k]
        state_layers = reference.layers_of(net)
        state: dict = {}
        x, y = pop.x_train[k], pop.y_train[k]
        for t in range(1, steps + 1):
            _, state_layers = reference.train_step(state_layers, loss, x, y, optimizer, settings,
                                                   sweep.learning_rates[k], state=state, t=t)
        net.params[...] = pop.run_params(k)
        for (w_ref, b_ref, _), layer in zip(state_layers, net.layers):
            assert_close(layer.weights, w_ref)
            assert_close(layer.biases, b_ref)


@pytest.mark.parametrize("batch_size", [10, "full"])
def test_the_memory_a_sweep_plans_for_covers_what_a_run_holds(batch_size):
    from tui_backprop.sweep import bytes_per_run

    config = make_config([(8, "tanh"), (4, "relu"), (1, "sigmoid")], batch_size=batch_size)
    sweep = build_sweep(config, range(16), None, 50)
    sweep.population.run(50)
    planned = bytes_per_run(alone(config, 0, 0.1, 0), 50)
    held = sweep.population.memory_bytes() / 16
    assert held <= planned <= 2.5 * held
