"""Numbers as text: one format for every pane, axis ticks that fit, a figure beside a threshold on its side."""

import pytest

from tui_backprop.core.figures import MINUS, beside, change, fmt, tick


@pytest.mark.parametrize("value, bound, digits, shown", [
    (0.049976, 0.05, 3, "0.04998"),      # below the goal never prints as the goal
    (0.04983, 0.05, 4, "0.04983"),
    (0.049999999, 0.05, 3, "0.049999999"),
    (0.0500004, 0.05, 3, "0.0500004"),   # above it: not printed as it either
    (1.0099, 1.0, 2, "1.01"),            # the landscape's shade ratio: ×1.01, not ×1
    (0.3127, 0.05, 3, "0.313"),          # far from the bound: the usual digits
    (0.3127, None, 3, "0.313"),
    (float("nan"), 0.05, 3, "nan"),
])
def test_a_figure_keeps_its_side_of_the_bound(value, bound, digits, shown):
    assert beside(value, bound, digits) == shown


@pytest.mark.parametrize("value, digits, text", [
    (None, 4, "—"), (float("nan"), 4, "NaN"), (float("inf"), 4, "∞"), (float("-inf"), 4, MINUS + "∞"),
    (0.0, 4, "0"), (-0.0, 4, "0"),                  # never "−0"
    (-0.5, 4, MINUS + "0.5"),                       # a real minus sign, not a hyphen
    (1e-5, 4, f"1e{MINUS}5"),                       # not "1e-05"
    (123456.0, 4, "1.235e5"), (0.540513, 4, "0.5405"),
    (1234.0, 2, "1.2e3"), (0.00012, 2, "0.00012"), (-3.48, 3, MINUS + "3.48"),
])
def test_fmt(value, digits, text):
    assert fmt(value, digits) == text


@pytest.mark.parametrize("value, text", [
    (0.0, "0"), (0.25, "0.25"), (1.0, "1"), (2500.0, "2.5e3"), (10000.0, "1e4"), (0.0005, "5e\u22124"),
    (-0.125, MINUS + "0.12"), (1e-12, "1e\u221212"), (3000.0, "3e3"), (999.5, "1e3"),
])
def test_tick_fits_in_five_cells(value, text):
    assert tick(value) == text
    assert len(text) <= 5


def test_a_change_is_written_with_the_digits_that_show_it():
    assert change(-0.77612, -0.77598) == (MINUS + "0.7761", MINUS + "0.776")  # 4 digits already differ
    assert change(-0.776012, -0.775998) == (MINUS + "0.77601", MINUS + "0.776")
    assert change(3.0, 3.48) == ("3", "3.48")
    assert change(0.5, 0.5) == ("0.5", "0.5")  # no change: nothing to tell apart
    before, after = change(1.0, 1.0 + 2**-52)
    assert before != after and float(after.replace(MINUS, "-")) == 1.0 + 2**-52
