"""The U view's log10 axis (app/ratio_axis.py, no Textual): every point is read honestly (QA6 C5)."""

import numpy as np
import pytest

from tui_backprop.app.ratio_axis import (NEAR_HEALTHY, even_axis, fitted_axis, log_axis, on_healthy_row,
                                         per_row_of, plot_row, ratio_limits, ratio_range, row_ticks, rows_needed)

# exploding-gradients up to its halt (steps 1, 2, 3, 5; step 4 made no update): log10 ‖ΔW‖/‖W‖ per layer
EXPLODING = np.array([[2.38, 2.63, 2.42, 2.89, 3.23],  # step 1: "hundreds of times the weights"
                      [16.05, 17.22, 18.09, 15.65, 15.15],
                      [-150.0, -150.0, -150.0, -150.0, -6.47],  # −150: no update at all, drawn nowhere
                      [30.83, 47.7, 45.93, 43.81, 36.44]])


def test_the_range_leaves_out_no_update_and_finds_the_points_nearest_minus_3_far_from_it():
    assert ratio_range(EXPLODING) == (-6.47, 47.7, (2.38,), (-6.47,))
    assert ratio_range([[-3.2, -2.5]]) == (-3.2, -2.5, (), ())  # within a decade of −3 both: nothing far
    assert ratio_range([[-150.0]]) == (-3.0, -3.0, (), ())


def test_exploding_gradients_step_1_was_drawn_on_the_healthy_row():
    """QA6 C5: 5 rows at 80×24, 20 decades a row: 10^2.4 … 10^3.2 on the row labelled −3."""
    ticks, low, high = ratio_limits(-6.47, 47.7, 5)
    assert ticks == [-23, -3, 17, 37, 57]
    assert all(plot_row(v, low, high, 5) == plot_row(-3, low, high, 5) for v in EXPLODING[0])


def test_exploding_gradients_gets_the_rows_it_needs_and_step_1_is_read_above_2():
    low, high, above, below = ratio_range(EXPLODING)
    rows = rows_needed(low, high, 5, 12, above, below)  # 80×24: 5 rows at half the screen, 12 at most
    assert rows == 10
    axis = fitted_axis(low, high, rows, above, below)
    ticks, bottom, top = axis
    assert ticks == [-3, 17, 37] and per_row_of(axis, rows) == pytest.approx(20 / 3)  # labels 3 rows apart
    healthy = plot_row(-3, bottom, top, rows)
    for v in EXPLODING[0]:
        row = plot_row(v, bottom, top, rows)
        assert row == healthy + 1  # the row above −3: it stands for 10^3.67, the lesson's "above 2"
        assert bottom + row * per_row_of(axis, rows) == pytest.approx(11 / 3)
        assert not on_healthy_row(v, axis, rows)  # nor L1's braille line there
    assert plot_row(-6.47, bottom, top, rows) == healthy - 1  # step 3's dip: below it, not on it
    assert plot_row(47.7, bottom, top, rows) == rows - 1 and bottom <= -6.47  # all in view


def test_with_too_few_rows_for_both_it_keeps_the_blow_up_off_the_healthy_row():
    """60×20 before: 100 decades a row, the whole blow-up on −3. A window too small for the dip below
    −3 to be honest too still draws step 1 above the healthy row."""
    low, high, above, below = ratio_range(EXPLODING)
    assert rows_needed(low, high, 3, 8, above, below) == 3  # nothing honest fits in 8: the layout stays
    assert rows_needed(low, high, 3, 8, above, below, most_above=10) == 10
    axis = fitted_axis(low, high, 8, above, below)  # 10 decades a row: step 1's marks on 7, the dip on −3
    assert axis[0][:3] == [-13, -3, 7] and per_row_of(axis, 8) == 10
    assert all(plot_row(v, axis[1], axis[2], 8) == plot_row(7, axis[1], axis[2], 8) for v in EXPLODING[0])


@pytest.mark.parametrize("rows", [5, 6, 8, 10, 14])
def test_the_fitted_axis_never_draws_a_far_point_on_the_healthy_row(rows):
    rng = np.random.default_rng(0)
    for _ in range(60):
        values = rng.uniform(-3, 3, 8) * 10 ** rng.uniform(0, 1.5) - 3
        low, high, above, below = ratio_range(values)
        need = rows_needed(low, high, rows, 200, above, below)
        axis = fitted_axis(low, high, need, above, below)
        ticks, bottom, top = axis
        assert bottom <= low and high <= top and -3 in ticks and len(ticks) >= 2
        assert len(set(np.diff(ticks))) <= 1  # evenly spaced labels …
        assert len(set(np.diff([plot_row(t, bottom, top, need) for t in ticks]))) <= 1  # … on evenly spaced rows
        for v in values:
            if abs(v + 3) > NEAR_HEALTHY:
                assert not on_healthy_row(v, axis, need), (values, need, axis)
            # and each point within half a row of the value of the row it is drawn on
            assert abs(bottom + plot_row(v, bottom, top, need) * per_row_of(axis, need) - v) <= (
                per_row_of(axis, need) / 2 + 1e-9)


def test_data_near_minus_3_keeps_the_rows_it_has():
    """xor (QA5 C1): −3.76 … −1.07 reads on one decade a row in 5 rows, as before."""
    low, high, above, below = ratio_range([-3.76, -1.07])
    assert rows_needed(low, high, 5, 12, above, below) == 5
    assert fitted_axis(low, high, 5, above, below) == ([-4, -3, -2, -1, 0], -4, 0)


def test_a_few_more_rows_for_a_scale_twice_as_fine():
    """QA5 C1: vanishing-gradients at 100×30 after 9,140 steps (data −7.53 … −0.82, 8 rows) read 3 … −11 at two
    decades a row, four rows empty; one row more gives −8 … 0 at one decade a row, each layer on its decade."""
    from tui_backprop.app.ratio_axis import rows_wanted

    low, high, above, below = -7.53, -0.82, (-1.98,), (-4.0009,)
    assert rows_needed(low, high, 8, 18, above, below) == 8
    assert fitted_axis(low, high, 8, above, below)[0] == [-11, -9, -7, -5, -3, -1, 1, 3]
    assert rows_wanted(low, high, 8, 18, above, below) == 9
    assert fitted_axis(low, high, 9, above, below) == ([-8, -7, -6, -5, -4, -3, -2, -1, 0], -8, 0)
    assert rows_wanted(low, high, 8, 8, above, below) == 8  # no room: as it was
    assert rows_wanted(-3.76, -1.07, 5, 18, (-1.07,)) == 5  # xor: a decade a row already
    ex_low, ex_high, ex_above, ex_below = ratio_range(EXPLODING)
    assert rows_wanted(ex_low, ex_high, 5, 12, ex_above, ex_below) == 10  # exploding: none twice as fine in 12


# ---------------------------------------------------------- the same even axis elsewhere (loss chart, L(w))
XOR_LOG = (np.log10(7.03e-5), np.log10(0.996))  # xor's loss after 49,497 steps, log10: 4.15 decades (QA5 K9)


def label_rows(axis, rows: int) -> list[int]:
    ticks, low, high = axis
    return [plot_row(t, low, high, rows) for t in ticks]


def test_four_rows_of_a_log_loss_chart_get_a_label_each():
    """QA5 K9: 3 labels on 4 rows went to rows 3, 2 and 0 (0.996 / 0.0085 / blank / 7e−5)."""
    axis = log_axis(*XOR_LOG, 4)
    assert label_rows(axis, 4) == [0, 1, 2, 3]
    assert [f"{10 ** t:.2g}" for t in axis[0]] == ["7e-05", "0.0017", "0.041", "1"]
    assert label_rows(log_axis(*XOR_LOG, 5), 5) == [0, 2, 4]  # 3 labels, 2 rows apart (whole decades: 1e−6 … 100,
    assert log_axis(*XOR_LOG, 1)[0] == []  # the data in half the rows); one row: no label for the whole range


def test_whole_decades_where_the_data_fills_the_rows():
    ticks, low, high = log_axis(*XOR_LOG, 6)
    assert ticks == [-5, -4, -3, -2, -1, 0] and (low, high) == (-5, 0)
    ticks, low, high = log_axis(*XOR_LOG, 10)  # half a decade a row, a label every 2 rows
    assert ticks == [-4, -3, -2, -1, 0] and label_rows((ticks, low, high), 10) == [1, 3, 5, 7, 9]


def test_rows_no_label_count_divides_keep_their_top_row_above_the_data():
    ticks, low, high = row_ticks(0.0, 1.0, 6)  # 5 gaps: labels 2 rows apart, the top row unlabelled
    assert ticks == [0.0, 0.5, 1.0] and high == pytest.approx(1.25)
    assert label_rows((ticks, low, high), 6) == [0, 2, 4]


@pytest.mark.parametrize("rows", range(2, 16))
def test_labels_sit_on_rows_an_equal_number_apart_and_hold_the_data(rows):
    rng = np.random.default_rng(rows)
    for _ in range(200):
        low = float(rng.uniform(-40, 3))
        high = low + float(rng.choice([rng.uniform(0.01, 1), rng.uniform(1, 60)]))
        for axis in (log_axis(low, high, rows), row_ticks(low, high, rows), even_axis(low, high, rows) or None):
            if axis is None:
                continue
            at = label_rows(axis, rows)
            assert len(at) >= 2 and len(set(np.diff(at))) == 1 and 0 <= at[0] and at[-1] <= rows - 1, at
            assert axis[1] <= low + 1e-9 and high <= axis[2] + 1e-9
            assert all(axis[1] + r * per_row_of(axis, rows) == pytest.approx(t, abs=1e-9) for r, t in zip(at, axis[0]))
