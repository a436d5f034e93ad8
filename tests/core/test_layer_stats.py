"""Layer statistics: update:weight ratios over a run in bounded memory, per-step distributions."""

import math

import numpy as np
import pytest

from tui_backprop.core.layer_stats import HEALTHY_LOG_RATIO, UpdateRatios, histogram, layer_stats
from tui_backprop.presets import load_preset
from tui_backprop.training.session import Session


def session(name):
    s = Session(load_preset(name))
    s.use_notes = False
    s.pause_after = "none"
    return s


def test_update_ratios_are_log10_of_weight_update_over_weights():
    s = session("xor")
    s.run(4)
    steps, ratios = s.update_ratios.arrays()
    assert steps.tolist() == [1, 2, 3, 4] and ratios.shape == (4, len(s.network.layers))
    offset = 0
    for i, layer in enumerate(s.network.layers):
        size = layer.param_block.size
        weights_of = lambda flat: flat[offset: offset + size].reshape(layer.param_block.shape)[:, : layer.fan_in]
        update, before = weights_of(s.optimizer.last_update), weights_of(s.optimizer.previous_params)
        offset += size
        # over the weights the update was added to; biases left out
        expected = math.log10(np.linalg.norm(update) / np.linalg.norm(before))
        assert ratios[-1, i] == pytest.approx(expected, rel=1e-12)
    snap = s.snapshot(grid=False)
    assert snap.update_ratio_steps.tolist() == [1, 2, 3, 4]
    assert np.array_equal(snap.update_ratio_history, ratios)


def test_update_ratios_stay_bounded_over_a_long_run():
    s = session("xor")
    s.update_ratios = UpdateRatios(s.network, capacity=100)
    s.run(5000)
    steps, ratios = s.update_ratios.arrays()
    assert len(steps) <= 100 and steps[-1] > 4800 and steps[0] <= 64
    assert np.isfinite(ratios).all()


def test_a_thinned_run_still_starts_at_step_1():
    """QA2: after thinning the U view's axis started at step 16 (steps were kept only if divisible by 16)."""
    s = session("xor")
    s.update_ratios = UpdateRatios(s.network, capacity=64)
    s.run(5000)
    steps, ratios = s.update_ratios.arrays()
    stride = s.update_ratios.series.stride
    assert steps[0] == 1 and len(steps) <= 64 and steps[-1] > 5000 - stride
    assert np.all(np.diff(steps[1:]) == stride) and np.isfinite(ratios).all()
    tiny = UpdateRatios(s.network, capacity=2).series  # the smallest buffer: the first row stays
    for step in range(1, 10):
        if tiny.slot(step) >= 0:
            tiny.commit()
        assert tiny.count <= 2 and tiny.steps[0] == 1


def test_learning_rate_moves_the_ratio_by_its_factor():
    """Ten times the learning rate, ten times the SGD step: the log ratio rises by one."""
    high = Session(load_preset("one-weight").replace("training", learning_rate=0.01))
    low = Session(load_preset("one-weight").replace("training", learning_rate=0.001))
    for s in (low, high):
        s.use_notes = False
        s.run(1)
    first = lambda s: s.update_ratios.arrays()[1][0, 0]
    # w moves from 1 by lr·8: log10(0.08 / 1) against log10(0.008 / 1), one apart.
    assert first(high) == pytest.approx(math.log10(0.08))
    assert first(low) == pytest.approx(math.log10(0.008))
    assert HEALTHY_LOG_RATIO == -3.0


def test_an_exploding_step_reads_far_above_its_weights():
    """exploding-gradients' first updates are hundreds of times the weights they were added to (against the
    weights after the step, which are then the step itself, every layer read 10⁰ however violent the step)."""
    s = session("exploding-gradients")
    s.run(1)
    ratios = s.update_ratios.arrays()[1][0]
    assert (ratios > 2.0).all(), ratios
    shown = [d.update_ratio for d in s.diagnostics()]  # the inspector's update/W: the same ratio
    assert np.allclose(np.log10(shown), ratios, rtol=1e-12)


def test_layer_distributions_of_a_snapshot():
    s = session("vanishing-gradients")
    s.run(2)
    while s.next_phase != "update":  # forward, loss, backward of step 3, layer by layer
        s.run_phase()
    snap = s.snapshot(grid=False)
    for layer in snap.layers:
        st = layer_stats(layer)
        assert st.activations.total == layer.a.size
        assert st.gradients.total == layer.grad_a.size
        assert st.weight_gradients.total == layer.grad_weights.size
        assert st.grad_to_weight == pytest.approx(np.std(layer.grad_weights) / np.std(layer.weights))
        if layer.activation in ("tanh", "sigmoid"):
            assert st.saturated_share is not None and 0.0 <= st.saturated_share <= 1.0


def test_saturated_share_and_dead_share():
    class Layer:
        index, activation = 0, "tanh"
        a = np.array([[0.99, -0.97, 0.1, 0.0]])
        grad_a = None
        weights = np.ones((4, 2))
        grad_weights = np.zeros((4, 2))

    st = layer_stats(Layer)
    assert st.saturated_share == 0.5 and st.dead_share is None
    assert st.gradients is None and st.weight_gradients is None and st.grad_to_weight is None
    Layer.activation, Layer.a = "relu", np.array([[0.0, 2.0, 0.0, 0.0]])
    assert layer_stats(Layer).dead_share == 0.75


def test_histogram_counts_finite_values_in_fixed_limits():
    h = histogram([-1.0, -0.5, 0.0, 0.5, 1.0, np.nan], bins=4, limits=(-1.0, 1.0))
    assert h.counts.tolist() == [1, 1, 1, 2] and h.total == 5
    none = histogram([np.nan])  # counted, not None (which the U view read as "(pending)")
    assert none.total == 0 and none.nan == 1
    assert histogram([3.0, 3.0]).edges[0] == 2.5  # one value: a bin around it


# QA5 B2: the U view crashed (np.histogram "Too many bins for data range") on a blown-up layer.

def test_equal_huge_values_make_one_bar_that_says_the_value():
    """exploding-gradients' output layer: all 10 values 2.9e145 (±0.5 widened nothing at that size)."""
    for value in (2.8918816491234076e145, 1e14, -3e200, np.finfo(np.float64).max, -np.finfo(np.float64).max):
        h = histogram(np.full(10, value), 16)
        assert h.total == 10 and h.counts.max() == 10 and h.counts[8] == 10  # one bar, the middle bin
        assert h.mean == value and h.std == 0.0
        assert np.isfinite(h.edges).all() and h.edges[0] <= value <= h.edges[-1]


def test_a_range_whose_width_overflows_still_has_its_bins():
    h = histogram([-1e308, 0.0, 1e308, 1.7e308], 16)
    assert h.total == 4 and np.isfinite(h.edges).all() and (np.diff(h.edges) > 0).all()
    assert h.edges[0] == -1e308 and h.edges[-1] == 1.7e308
    assert h.mean == pytest.approx((1.7e308 / 4)) and math.isfinite(h.std) and h.std > 1e307
    h = histogram([1e-323, 1.5e-323], 4)  # subnormals: np.histogram's own bins would be zero-sized
    assert h.total == 2


def test_values_that_are_not_finite_are_counted_not_binned():
    h = histogram([np.nan, 1.0, np.inf, 2.0, -np.inf, np.nan], 4)
    assert h.total == 2 and h.size == 6 and (h.nan, h.posinf, h.neginf) == (2, 1, 1)
    assert h.mean == 1.5 and h.edges[0] == 1.0 and h.edges[-1] == 2.0


def test_a_histogram_of_nan_alone_still_counts_them():
    h = histogram(np.full(16, np.nan), 16)  # it was None, which the view read as "(pending)"
    assert h is not None and h.total == 0 and h.size == 16 and h.nan == 16
    h = histogram([np.inf, np.inf], 4)
    assert h.total == 0 and h.posinf == 2


def test_layer_stats_of_a_blown_up_network_never_raise():
    s = session("exploding-gradients")
    for _ in range(100):
        if s.run_phase() is None:
            break
    assert s.halted and s.halted.step == 6  # in step 6's backward pass; step 5's output is 2.9e145 for all 10
    snap = s.snapshot(grid=False)
    for layer in snap.layers:
        stats = layer_stats(layer, 16)
        assert stats.grad_to_weight is None or math.isfinite(stats.grad_to_weight)


def test_a_layer_the_backward_pass_has_not_reached_has_no_weight_gradient_yet():
    """QA6 C1: mid-step (forward and loss done) ∂L/∂W read as this step's though it was the last step's."""
    s = session("xor")
    s.run(2)
    while s.last_phase != "loss":
        s.run_phase()
    snap = s.snapshot(grid=False)
    assert snap.step == 2 and all(layer.backward_pending for layer in snap.layers)
    assert all(np.any(layer.grad_weights) for layer in snap.layers)  # step 2's, still in the arrays
    for layer in snap.layers:
        st = layer_stats(layer, 16)
        assert st.activations.total == layer.a.size  # step 3's forward pass: there
        assert st.weight_gradients is None and st.grad_to_weight is None  # pending, not step 2's
    s.run_phase()  # backward L2
    snap = s.snapshot(grid=False)
    last, first = layer_stats(snap.layers[1], 16), layer_stats(snap.layers[0], 16)
    assert last.weight_gradients.total == snap.layers[1].grad_weights.size and last.grad_to_weight > 0
    assert first.weight_gradients is None
