"""The loss chart near the float maximum and with one point (QA5 B1, B6): drawn right, never a crash."""

import re

import numpy as np
import pytest
from textual_plotext import Plot

from tui_backprop.app.curve_series import columns, draw_series
from tui_backprop.training.history import Points

BIG = 1.1e308  # learning-rate-too-high's last finite batch losses (step 1,053: 1.136e308)


def test_grouping_losses_near_the_float_maximum_keeps_their_mean_finite():
    """A group's mean was sum(y·count)/count: two losses near 1e308 summed to inf."""
    y = np.r_[np.geomspace(4.0, 1e300, 1000), [BIG, 1.5 * BIG, BIG, 1.6e308]]
    points = Points.exact(np.arange(1.0, len(y) + 1), y)
    grouped = columns(points, 1.0, float(len(y)), 100)
    assert len(grouped) < len(points) and np.isfinite(grouped.y).all() and np.isfinite(grouped.x).all()
    last = grouped.y[-1]
    assert np.isfinite(last) and grouped.low[-1] <= last <= grouped.high[-1]
    group = y[points.x >= grouped.first[-1]]
    assert len(group) > 4 and last == pytest.approx(np.mean(group / 1e300) * 1e300, rel=1e-12)
    # weights of buckets of several points count as before
    buckets = Points(np.array([1.0, 2.0, 3.0, 4.0]), np.array([BIG, 1.6e308, 1.0, 3.0]), np.array([BIG, 1.5e308, 1.0, 3.0]),
                     np.array([BIG, 1.7e308, 1.0, 3.0]), np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0, 4.0]),
                     np.array([1.0, 3.0, 1.0, 3.0]))
    g = columns(buckets, 1.0, 4.0, 2)
    assert g.y[0] == pytest.approx(BIG / 4 + 3 * (1.6e308 / 4)) and g.y[1] == pytest.approx(2.5)
    assert g.count.tolist() == [4.0, 4.0]


def figure(series, log: bool, width: int = 60, height: int = 14) -> str:
    """draw_series through the real plotext, as the loss chart builds it (its text, colours dropped)."""
    plt = Plot()
    draw_series(plt, series, log=log, rows=height - 4)
    plt.plotsize(width, height)
    plt._set_size(width, height)
    return re.sub(r"\x1b\[[0-9;]*m", "", plt.build())


def test_a_run_on_its_way_to_overflow_draws_its_log_axis_to_1e308():
    """learning-rate-too-high at full speed: "cannot convert float NaN to integer" from the chart's ticks."""
    y = np.r_[4.0 * 1.96 ** np.arange(1052.0), [1.136e308]]
    y = y[np.isfinite(y)]
    points = Points.exact(np.arange(1.0, len(y) + 1), y)
    text = figure([(points, "cyan", 120)], log=True)
    assert "1e+308" in text.replace("−", "-") or "1e308" in text.replace("−", "-")
    assert "nan" not in text.lower()


def test_one_point_sits_on_the_row_of_its_label():
    """QA5 B6: chain-two-weights after step 1: the point 18 sat on the row labelled 18.5, no 18 label."""
    text = figure([(Points.exact(np.array([1.0]), np.array([18.0])), "cyan", 120)], log=False)
    rows = [line for line in text.splitlines() if "┤" in line]
    labels = [line.split("┤")[0].strip("│ ") for line in rows]
    assert labels == ["18.5", "18", "17.5"]
    dotted = [line for line in text.splitlines() if re.search(r"[\u2801-\u28ff]", line)]
    assert len(dotted) == 1 and dotted[0].split("┤")[0].strip("│ ") == "18"


def test_a_log_axis_of_whole_decades_labels_rows_past_the_float_maximum():
    """learning-rate-too-high's run to 1.136e308 on 5 rows (80×24): 100 decades a row, up to 1e400 (10**400 is
    no float: the label was an OverflowError). On 10 rows, four labels 3 rows apart, each its row's value."""
    y = np.r_[4.0 * 1.96 ** np.arange(1052.0), [1.136e308]]
    points = Points.exact(np.arange(1.0, len(y) + 1), y[np.isfinite(y)])
    for height, expected in ((9, ["1e400", "1e300", "1e200", "1e100", "1"]), (14, ["1e308", "4e205", "1e103", "4"])):
        text = figure([(points, "cyan", 120)], log=True, height=height)
        labels = [line.split("┤")[0].strip("│ ") for line in text.splitlines() if "┤" in line]
        assert labels == expected, labels
