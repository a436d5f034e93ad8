"""Numbers as text: one format for every pane, axis ticks that fit, a figure beside a threshold on its side."""

import pytest

from tui_backprop.core.figures import MINUS, beside, change, fmt, operands, tick


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


@pytest.mark.parametrize("value, digits, text", [
    (0.146, 4, "0.1460"), (0.488, 4, "0.4880"), (0.000789, 4, "0.0007890"),  # QA: read as 3 digits beside 0.4449
    (0.4449, 4, "0.4449"), (1e-5, 4, f"1.000e{MINUS}5"), (-0.5, 4, MINUS + "0.5000"), (0.5, 2, "0.50"),
    (3.0, 4, "3"), (18.0, 4, "18"),                  # whole: as a lesson writes it (C 18, not 18.00)
    (12345.5, 4, "1.235e4"), (7.25, 1, "7"),        # no bare point ("7.")
    (0.0, 4, "0"), (None, 4, "—"), (float("nan"), 4, "NaN"),
])
def test_a_measurement_keeps_its_trailing_zeros(value, digits, text):
    assert fmt(value, digits, zeros=True) == text


def test_values_set_by_hand_stay_short_without_zeros():
    assert fmt(3.0) == "3" and fmt(0.146) == "0.146"  # "w1 3→3.48", not "3.000→3.480"


def test_beside_keeps_zeros_and_its_side_of_the_bound():
    assert beside(0.0798, 0.05, 4, zeros=True) == "0.07980"  # the sweep column: every loss 4 digits wide
    assert beside(0.079951, 0.08, 4, zeros=True) == "0.07995"
    assert beside(0.0799999, 0.08, 4, zeros=True) == "0.0799999"
    # QA5 K1: powers of ten as fmt writes them, zeros kept in a large (whole) float too
    assert beside(4.937e5, 2550.0, 4, zeros=True) == "4.937e5"
    assert beside(1.1303542e73, 2550.0, 4, zeros=True) == "1.130e73"
    assert beside(2175.0, 2550.0, 4, zeros=True) == "2175"


def test_operands_get_the_digits_that_make_the_arithmetic_hold():
    # QA: "∂C/∂ŷ = ŷ − y = 30 − 30 = −3.619e−8" and "h = w1·x = 3.46·2 = 6.911"
    yhat, y = 29.99999996381, 30.0
    texts = operands([yhat, y], yhat - y, lambda a, b: a - b)
    assert texts == ["29.99999996381", "30"]
    assert fmt(float(texts[0]) - float(texts[1])) == fmt(yhat - y) == f"{MINUS}3.619e{MINUS}8"
    assert operands([3.4557, 2.0], 3.4557 * 2.0, lambda w, x: w * x, least=3) == ["3.4557", "2"]
    assert operands([3.0, 2.0], 6.0, lambda w, x: w * x, least=3) == ["3", "2"]  # exact: as short as before
    assert operands([-0.5, 0.25], -0.125, lambda a, b: a * b) == [MINUS + "0.5", "0.25"]
    # a sum that is off for another reason than rounding gets no 17-digit figures
    assert operands([0.123456789, 2.0], 1.0, lambda a, b: a * b) == ["0.1235", "2"]


def test_figures_side_by_side_share_one_format():
    """QA2: the landscape's legend read "0.00012 █████ 7.3e2"."""
    from tui_backprop.core.figures import alike

    assert alike([0.00012, 730.0], 2) == ["1.2e−4", "7.3e2"]
    assert alike([0.25, 3.1], 2) == ["0.25", "3.1"]
    assert alike([-0.00008, 0.5], 1) == ["−8e−5", "5e−1"]
    assert alike([1.5e-6, 700.0], 2) == ["1.5e−6", "7e2"]  # trailing zeros go, as fmt's
    assert fmt(730.0, 2, powers=True) == "7.3e2" and fmt(0.0, 2, powers=True) == "0"
    assert fmt(700.0, 2, zeros=True, powers=True) == "7.0e2"
