"""The NaN/inf checks the whole-step path relies on.

``all_finite`` decides whether a run halts, so it must see one bad number
anywhere, and never call finite values bad. The whole step checks the loss
before the output (and the output only when the loss is bad): that is the same
halt only because every loss is NaN or inf wherever the output is.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.core.test_gradients import PAIRINGS
from tui_backprop.core.activations import get_activation
from tui_backprop.core.losses import get_loss
from tui_backprop.core.network import all_finite

BAD = (np.nan, np.inf, -np.inf)


@pytest.mark.parametrize("size", [1, 2, 7, 8, 9, 16, 31, 161, 609, 4099])
def test_all_finite_sees_one_bad_number_anywhere(size):
    rng = np.random.default_rng(size)
    values = rng.normal(size=size)
    assert all_finite(values) and all_finite(values.reshape(1, size))
    for bad in BAD:
        for where in sorted({0, size // 2, size - 1}):
            spoiled = values.copy()
            spoiled[where] = bad
            assert not all_finite(spoiled), (bad, where)
            assert not all_finite(spoiled.reshape(size, 1)), (bad, where)
            assert not all_finite(spoiled[::-1]), (bad, where)  # a strided view


def test_all_finite_keeps_huge_finite_values_finite():
    # Their sum (or sum of squares) overflows to inf; each one is still finite. (The step runs under
    # np.errstate(all="ignore"), as here: the overflow is no warning there.)
    with np.errstate(over="ignore"):
        assert all_finite(np.array([1e300, 1e300, -1e308, 1e308]))
        assert all_finite(np.full((3, 4), 1e200))
        assert not all_finite(np.array([1e300, 1e300, np.nan]))


@pytest.mark.parametrize(("activation", "loss"), PAIRINGS)
def test_every_loss_is_not_finite_where_the_output_is_not(activation, loss):
    act, fn = get_activation(activation), get_loss(loss)
    rng = np.random.default_rng(4)
    batch, outputs = 5, 3
    y = np.eye(outputs)[rng.integers(0, outputs, batch)] if loss in ("bce", "cross_entropy") \
        else rng.normal(size=(batch, outputs))
    bad_outputs = 0
    with np.errstate(all="ignore"):
        for bad in BAD:
            for row, col in [(0, 0), (2, 1), (4, 2)]:
                for rest in (rng.normal(size=(batch, outputs)), np.full((batch, outputs), bad)):
                    z = rest.copy()
                    z[row, col] = bad
                    a = act.forward(z, np.empty_like(z))
                    value = fn.value(a, y, np.empty_like(z), np.empty_like(z), z=z)  # as the step computes it
                    if not np.isfinite(a).all():
                        bad_outputs += 1
                        assert not np.isfinite(value), (bad, row, col, value)
    assert bad_outputs  # NaN in z always spoils the output
