"""The training session: phases, pause points, reset, epochs, checkpoints, NaN halts, determinism."""

import dataclasses
import math

import numpy as np
import pytest

from tests.conftest import inline_config
from tui_backprop.config import Note, parse_config
from tui_backprop.presets import load_preset
from tui_backprop.training import LossHistory, Session
from tests.conftest import preset_session


def xor_session(**training):
    return preset_session("xor", **training)


def chain_config(weights, x, y, *, learning_rate=0.1, loss="mse", activation="linear"):
    """Layers of one linear unit each, no biases: ŷ = w_n·…·w_1·x."""
    layers = [{"units": 1, "activation": activation, "bias": False, "weights": [[w]]} for w in weights]
    raw = {"network": {"inputs": 1, "layers": layers},
           "data": {"source": "inline", "x": [[x]], "y": [[y]]},
           "training": {"loss": loss, "learning_rate": learning_rate, "batch_size": "full"}}
    return parse_config(raw, "chain.toml")


def history(session):
    steps, losses = session.history.train.arrays()
    return steps, losses


# ------------------------------------------------------------------- phases
XOR_PHASES = ["forward L1", "forward L2", "loss", "backward L2", "backward L1", "update"]  # xor has two layers


def test_phases_one_layer_at_a_time_make_one_step():
    by_phase, by_step = xor_session(), xor_session()
    assert by_phase.phases == tuple(XOR_PHASES)
    seen = [by_phase.advance_phase() for _ in range(6)]
    assert seen == XOR_PHASES
    assert by_step.step() == XOR_PHASES
    assert by_phase.step_count == by_step.step_count == 1
    assert np.array_equal(by_phase.network.params, by_step.network.params)
    assert by_phase.loss == by_step.loss
    assert np.array_equal(history(by_phase)[1], history(by_step)[1])


def test_phase_bookkeeping():
    s = xor_session()
    assert s.next_phase == "forward L1" and s.last_phase is None
    s.advance_phase()
    assert (s.last_phase, s.next_phase, s.step_count, s.current_step_number) == ("forward L1", "forward L2", 0, 1)
    snap = s.snapshot(grid=False)
    assert snap.phases_done == ("forward L1",) and snap.layers[0].z is not None and snap.layers[0].delta is None
    assert snap.layers[1].z is None and snap.layers[1].forward_pending and snap.output is None
    s.advance_phase()
    s.advance_phase()
    assert s.loss is not None and s.step_count == 0
    s.advance_phase()
    s.advance_phase()
    snap = s.snapshot(grid=False)
    assert snap.paused_after_backward and snap.state_word == "paused after backward"
    assert snap.layers[0].delta is not None
    s.advance_phase()
    assert (s.last_phase, s.next_phase, s.step_count) == ("update", "forward L1", 1)


def test_only_the_update_phase_moves_weights():
    s = xor_session()
    start = s.network.params.copy()
    for phase in XOR_PHASES[:-1]:
        assert s.advance_phase() == phase
        assert np.array_equal(s.network.params, start), phase
    s.advance_phase()
    assert not np.array_equal(s.network.params, start)
    np.testing.assert_allclose(s.network.params - start, s.optimizer.last_update, rtol=0, atol=1e-15)


def test_pause_after_backward_waits_for_the_next_step_call():
    s = xor_session(pause_after="backward")
    start = s.network.params.copy()
    assert s.step() == XOR_PHASES[:-1]
    grads = s.network.grads.copy()
    assert np.abs(grads).max() > 0
    assert np.array_equal(s.network.params, start)  # computed, not applied
    assert s.step_count == 0
    assert s.step() == ["update"]
    assert s.step_count == 1
    # plain SGD: the weights moved by exactly −lr·gradient
    np.testing.assert_allclose(s.network.params, start - 0.1 * grads, rtol=0, atol=1e-15)
    assert s.step() == XOR_PHASES[:-1]


@pytest.mark.parametrize("pause,first", [("forward", XOR_PHASES[:2]), ("loss", XOR_PHASES[:3]),
                                         ("forward L1", XOR_PHASES[:1]), ("backward L2", XOR_PHASES[:4]),
                                         ("update", XOR_PHASES), ("none", XOR_PHASES)])
def test_other_pause_points(pause, first):
    s = xor_session(pause_after=pause)
    assert s.step() == first
    assert s.run(5) == ("pause point" if pause != "none" else "steps")


def test_pause_after_backward_in_run_stops_with_gradients_unapplied():
    s = xor_session(pause_after="backward")
    assert s.run(100) == "pause point"
    assert s.last_phase == "backward L1" and s.step_count == 0


def test_reset_restores_the_initial_weights_exactly():
    s = xor_session()
    initial = s.network.params.copy()
    assert np.array_equal(initial, s.initial_params)
    s.run(37)
    s.advance_phase()
    first_run = history(s)[1].copy()
    assert not np.array_equal(s.network.params, initial)
    s.reset()
    assert np.array_equal(s.network.params, initial)
    assert s.step_count == 0 and s.epoch == 0 and len(s.history.train) == 0 and s.next_phase == "forward L1"
    s.run(37)
    assert np.array_equal(history(s)[1], first_run)  # the run repeats bit for bit


# ------------------------------------------------------------ epochs, batches
def _batches(session, steps):
    rows = []
    for _ in range(steps):
        session.advance_phase()
        rows.append(session.network.batch_inputs.copy())
        for _ in range(len(session.phases) - 1):
            session.advance_phase()
    return rows


def _sorted_rows(a):
    return a[np.lexsort(a.T[::-1])]


def test_each_epoch_visits_every_training_sample_once_in_a_new_order():
    s = xor_session(batch_size=30)  # 100 training samples: batches of 30, 30, 30, 10
    assert s.steps_per_epoch == 4
    epoch1 = _batches(s, 4)
    assert [len(b) for b in epoch1] == [30, 30, 30, 10]
    assert s.epoch == 1 and s.batch_in_epoch == 0
    np.testing.assert_array_equal(_sorted_rows(np.vstack(epoch1)), _sorted_rows(s.data.x_train))
    epoch2 = _batches(s, 4)
    np.testing.assert_array_equal(_sorted_rows(np.vstack(epoch2)), _sorted_rows(s.data.x_train))
    assert not np.array_equal(np.vstack(epoch1), np.vstack(epoch2))  # reshuffled
    assert s.epoch == 2


def test_epoch_end_evaluates_train_and_test_loss():
    s = xor_session()
    assert s.steps_per_epoch == 10
    assert s.run_epoch() == 10
    assert s.epoch == 1
    assert s.train_loss == pytest.approx(s.network.evaluate(s.data.x_train, s.data.y_train), rel=1e-15)
    assert s.test_loss == pytest.approx(s.network.evaluate(s.data.x_test, s.data.y_test), rel=1e-15)
    assert 0.0 <= s.accuracy <= 1.0
    assert s.history.test.arrays()[0].tolist() == [10.0]


def test_run_epoch_stops_at_the_end_of_the_current_epoch():
    s = xor_session()
    s.run(4)
    s.advance_phase()
    assert s.run_epoch() == 6  # steps 5..10
    assert (s.epoch, s.step_count, s.batch_in_epoch) == (1, 10, 0)
    assert s.run_epoch() == 10
    assert s.step_count == 20


def test_full_batch_is_one_step_per_epoch():
    s = xor_session(batch_size="full")
    assert s.batch_size == 100 and s.steps_per_epoch == 1
    s.run(3)
    assert s.epoch == 3


# ---------------------------------------------------------------- checkpoints
def test_checkpoints_fire_once_at_their_step_and_phase():
    config = load_preset("xor").replace(notes=(Note(3, "mid-step", "loss"), Note(5, "done", "update")))
    s = Session(config)
    assert s.run(100) == "note"
    assert (s.step_count, s.last_phase, s.message) == (2, "loss", "mid-step")
    assert s.run(100) == "note"
    assert (s.step_count, s.last_phase, s.message) == (5, "update", "done")
    assert s.run(10) == "steps"
    assert s.step_count == 15
    s.reset()
    assert s.run(100) == "note" and s.message == "mid-step"  # a reset arms them again


def test_checkpoints_stop_step_and_can_be_ignored():
    config = load_preset("xor").replace(notes=(Note(1, "look", "backward"),))
    s = Session(config)
    assert s.step() == XOR_PHASES[:-1]  # "backward": after the whole backward pass
    assert s.message == "look"
    headless = Session.headless(config)
    assert headless.run(5) == "steps" and headless.message is None


def test_chain_preset_checkpoint_fires_after_backward():
    s = Session(load_preset("chain-two-weights"))
    assert s.run(10) == "note"
    assert s.message.startswith("The backward pass just blamed w1 for −48")
    assert s.network.layers[0].weights[0, 0] == 3.0


# ----------------------------------------------------------------- NaN / inf
def test_huge_learning_rate_halts_in_the_loss_phase():
    # ŷ = w·x with lr 100: w − 2 is multiplied by 1 − 8·100 = −799 each step until (2w − 4)² overflows
    s = Session(inline_config([[1.0]], [[2.0]], [[4.0]], learning_rate=100.0))
    assert s.run(1000) == "halted"
    report = s.halted
    assert report.phase == "loss" and report.layer is None
    assert report.what == "the loss"
    assert 10 < report.step < 100
    assert f"step {report.step}:" in report.message and "loss phase" in report.message
    assert s.step_count == report.step - 1
    assert s.advance_phase() is None and s.step() == [] and s.run(5) == "halted"  # stays halted
    snap = s.snapshot(grid=False)
    assert snap.halted == report and snap.state_word == "halted"
    s.reset()
    assert s.halted is None


def test_overflowing_update_names_the_layer():
    # w = 1, gradient −8, lr 1e308: w − lr·g = 8e308 = inf
    s = Session(inline_config([[1.0]], [[2.0]], [[4.0]], learning_rate=100.0))
    s.optimizer.learning_rate = 1e308  # beyond what a preset may ask for (at most 100)
    assert s.run(5) == "halted"
    assert (s.halted.phase, s.halted.layer, s.halted.step) == ("update", 0, 1)
    assert "in layer 1 during the update phase" in s.halted.message


def test_overflowing_activation_names_the_layer():
    # z1 = 1e200·1 finite, z2 = 1e200·1e200 = inf in the second layer
    s = Session(chain_config([1e200, 1e200], 1.0, 0.0))
    assert s.run(5) == "halted"
    assert (s.halted.phase, s.halted.layer, s.halted.step) == ("forward", 1, 1)
    assert "in layer 2 during the forward phase" in s.halted.message


def test_overflowing_gradient_names_the_layer():
    # ŷ = 1e308·(1e-8·(1e-300·1)) ≈ 1, loss finite; dL/dz of layer 2 = 2(ŷ − y)·w3 ≈ 2e308 = inf
    s = Session(chain_config([1e-300, 1e-8, 1e308], 1.0, 0.0))
    assert s.run(5) == "halted"
    assert (s.halted.phase, s.halted.layer, s.halted.step) == ("backward", 1, 1)
    assert "a gradient became NaN or infinite in layer 2 during the backward phase" in s.halted.message
    assert np.isfinite(s.loss)


# ---------------------------------------------------------------- determinism
N = 25


def _drive(kind, session):
    if kind == "run":
        assert session.run(N) == "steps"
    elif kind == "step":
        for _ in range(N):
            session.step()
    elif kind == "phase":
        for _ in range(len(session.phases) * N):
            session.advance_phase()
    elif kind == "mixed":
        session.run(3)
        session.advance_phase()
        session.advance_phase()
        session.step()  # finishes step 4
        session.run_epoch()  # to the end of the epoch
        for _ in range(len(session.phases) + 3):
            session.advance_phase()  # one more step and three phases of the next
        session.run(N - session.step_count)  # finishes the step in progress, then the rest
    return session


@pytest.mark.parametrize("preset", ["xor", "one-weight"])
def test_same_seed_same_history_however_driven(preset):
    runs = {kind: _drive(kind, Session(load_preset(preset))) for kind in ("run", "step", "phase", "mixed")}
    ref = runs["run"]
    assert ref.step_count == N
    for kind, s in runs.items():
        assert s.step_count == N, kind
        steps, losses = history(s)
        assert np.array_equal(steps, np.arange(1, N + 1)), kind
        assert np.array_equal(losses, history(ref)[1]), kind  # bit-identical
        assert np.array_equal(s.network.params, ref.network.params), kind
        assert np.array_equal(s.history.test.arrays()[1], ref.history.test.arrays()[1]), kind


def test_pausing_after_backward_does_not_change_the_run():
    plain = xor_session()
    plain.run(N)
    paused = xor_session(pause_after="backward")
    while paused.step_count < N:
        paused.step()
    assert np.array_equal(history(paused)[1], history(plain)[1])


def test_seed_changes_the_run_and_is_repeatable():
    base = load_preset("xor")
    a, b, c = Session(base.with_seed(11)), Session(base.with_seed(11)), Session(base.with_seed(12))
    for s in (a, b, c):
        s.run(N)
    assert np.array_equal(history(a)[1], history(b)[1])
    assert not np.array_equal(history(a)[1], history(c)[1])
    assert not np.array_equal(a.initial_params, c.initial_params)


def test_snapshot_is_a_copy():
    s = xor_session()
    s.step()
    snap = s.snapshot(grid=False)
    weights = snap.layers[0].weights.copy()
    s.run(5)
    assert np.array_equal(snap.layers[0].weights, weights)
    assert snap.step == 1 and len(snap.history_loss) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.step = 3


# ------------------------------------------------------------- stop conditions
def test_stop_after_epochs():
    s = xor_session(stop_after_epochs=3)
    assert s.run(10_000) == "stop"
    assert s.epoch == 3 and s.step_count == 30
    assert "3 epochs" in s.message


def test_stop_below_loss():
    # one weight, lr 0.1: w = 1.8, 1.96, 1.992, 1.9984, 1.99968 after steps 1..5, so the
    # training loss (2w − 4)² = 0.16, 0.0064, 2.56e-4, 1.024e-5, 4.096e-7: first below 1e-6 after step 5
    s = Session(inline_config([[1.0]], [[2.0]], [[4.0]], learning_rate=0.1, stop_below_loss=1e-6))
    assert s.run(1000) == "stop"
    assert s.step_count == 5
    assert s.train_loss == pytest.approx(4.096e-7, rel=1e-9)
    assert s.train_loss < 1e-6
    assert "fell below 1e-06" in s.message


def test_the_stop_message_never_prints_the_loss_equal_to_the_goal():
    # lr chosen so the training loss after step 1 is (16·lr − 2)² = 0.049996: 4 digits would print 0.05
    lr = (2 - 0.049996**0.5) / 16
    s = Session(inline_config([[1.0]], [[2.0]], [[4.0]], learning_rate=lr, stop_below_loss=0.05))
    assert s.run(1000) == "stop" and s.train_loss == pytest.approx(0.049996, rel=1e-9)
    assert s.message == "Stopped: after step 1's update the training loss 0.049996 fell below 0.05."


# ------------------------------------------------------------- bounded history
def test_loss_history_in_a_long_session_is_bounded():
    s = Session(inline_config([[1.0]], [[2.0]], [[4.0]], learning_rate=0.01))
    s.history = LossHistory(capacity=64, tail=16)
    s.run(1000)
    steps, losses = history(s)
    assert len(steps) <= 64
    assert steps[-16:].tolist() == list(range(985, 1001))
    assert s.history.train.total == 1000


def test_halt_messages_write_step_counts_with_separators():
    from tui_backprop.core.population import RunHalt
    from tui_backprop.training.snapshot import NanReport

    assert NanReport(21894, "loss", None, "the loss").message.startswith("In step 21,894: the loss became NaN")
    assert RunHalt(21894, "update", 0, "a weight").message == (
        "in step 21,894: a weight became NaN or infinite in layer 1 during the update phase")


def test_a_lesson_note_written_for_other_settings_says_so_first():
    """QA5 B4: after the lesson's own "press - to drop the rate", learning-rate-too-high's notes quoted lr 0.3's
    figures ("w = 4.744") as this run's while the screen showed w = 1.992 and the loss falling."""
    config = load_preset("learning-rate-too-high")
    as_written = Session(config)
    assert as_written.run(10) == "note" and as_written.step_count == 1
    assert as_written.message.startswith("Step 1: loss 4") and as_written.differs_from_lesson() is None
    session = Session(config)
    session.set_learning_rate(0.1)
    session.reset()
    assert session.run(10) == "note" and session.step_count == 1
    assert session.message.startswith("(Written for the lesson's settings; this run has lr 0.1, not 0.3.) Step 1:")
    session.set_parameter(0, 0, 0, 1.5)
    assert session.differs_from_lesson() == "lr 0.1, not 0.3, weights typed by hand"
    new_data = Session(load_preset("xor"))  # d: new data, the network's seed unchanged
    new_data.regenerate_data(new_data.config.data_seed + 1)
    assert new_data.differs_from_lesson() == f"new data (seed {new_data.config.data_seed})"
    sweep_seed = Session(config.with_seed(7), lesson=config)  # a seed opened from the sweep
    assert sweep_seed.differs_from_lesson() == f"seed 7, not {config.network.seed}"  # both, as the lr form
    sweep_seed.regenerate_data(sweep_seed.config.data_seed + 1)  # then d: both said (QA7 B3)
    assert sweep_seed.differs_from_lesson() == f"seed 7, not {config.network.seed}, new data (seed 8)"


def test_a_loss_phase_halt_leaves_that_steps_loss_gradient_not_the_last_steps():
    """QA6 B3: learning-rate-too-high halts in the loss phase of step 1,054; the computation graph then wrote
    '∂L/∂ŷ = 2(1.492e154 − 4) = −2.132e154', step 1,053's gradient beside step 1,054's ŷ."""
    for phase_by_phase in (False, True):
        session = Session.headless(load_preset("learning-rate-too-high"))
        with np.errstate(all="ignore"):
            session.run(1053)
            if phase_by_phase:
                while session.run_phase() is not None:
                    pass
            else:
                session.run(10)
        assert session.halted is not None and session.halted.phase == "loss"
        data = session.network.forward_data()[-1]
        y_hat = float(data.a[0, 0])
        assert math.isfinite(y_hat)
        grad = float(session.network.backward_data()[-1].grad_a[0, 0])
        assert grad == 2.0 * (y_hat - 4.0), (phase_by_phase, grad, y_hat)


def test_a_changed_setting_is_named_and_the_lesson_is_the_lessons_again_once_put_back():
    """QA7 C2: "this run has other settings" named nothing; C1: the title kept "(changed)" after the Config
    tab was put back to the lesson's settings. One judge, naming the settings as the Config tab does."""
    from tui_backprop.core.network import LayerSpec as Layer

    xor = load_preset("xor")
    layers = (Layer(5, "tanh"), *xor.network.layers[1:])
    wider = Session(xor.replace("network", layers=layers).replace("training", batch_size=4), lesson=xor)
    assert wider.differs_from_lesson() == "hidden layers 5 tanh, batch size 4" and wider.settings_changed
    back = Session(xor.replace("training", speed=3.0), lesson=xor)  # the speed changes no number
    assert back.differs_from_lesson() is None and not back.settings_changed
    faster = Session(xor.replace("training", learning_rate=0.3), lesson=xor)
    assert faster.differs_from_lesson() == "lr 0.3, not 0.1" and faster.settings_changed


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_next_batch_is_the_batch_the_next_update_uses_across_epoch_ends(optimizer):
    """QA8 C11: the landscape's arrow was computed on the batch already used. xor has 10 steps an epoch, so
    steps 10 → 11 and 20 → 21 peek at a fresh shuffle, which must not consume the session's shuffle RNG."""
    from tui_backprop.core.landscape import next_update

    config = load_preset("xor").replace("training", optimizer=optimizer)
    peeked, plain = Session.headless(config), Session.headless(config)
    for step in range(25):
        x, y, number = peeked.next_batch()
        assert number == step + 1
        net = peeked.network.clone()
        net.forward(x)
        net.compute_loss(y)
        net.backward(y)
        update = next_update(peeked.optimizer, peeked.network.params, net.grads, net.weight_mask)
        peeked.step()
        plain.step()
        assert np.abs(net.grads - peeked.network.grads).max() <= 1e-12  # (grads: the step's own batch, old weights)
        assert np.abs(update - peeked.optimizer.last_update).max() <= 1e-12
    assert np.array_equal(peeked.network.params, plain.network.params)  # peeking drew nothing
