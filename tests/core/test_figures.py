"""A figure beside a threshold keeps its side of it."""

import pytest

from tui_backprop.core.figures import beside


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
