"""Activations computed a faster way give the very same bits."""

from __future__ import annotations

import numpy as np
import pytest

from tui_backprop.core.activations import get_activation

SPECIAL = np.array([-0.0, 0.0, -1.5, 2.5, np.nan, -np.nan, np.inf, -np.inf, 1e-320, -1e-320, 5e300, -5e300])


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (32, 8), (64, 16), (7, 33), (640, 16), (2, 5, 9), (300, 300)])
def test_relu_forward_is_max_with_zero_bit_for_bit(shape):
    # ReLU takes the maximum against an array of zeros (faster): every special value at every
    # position of a SIMD lane must come out exactly as np.maximum(z, 0.0) has it, sign of zero and NaN included.
    relu = get_activation("relu")
    rng = np.random.default_rng(sum(shape))
    z = rng.normal(size=shape)
    flat = z.reshape(-1)
    flat[: len(SPECIAL) * (flat.size // len(SPECIAL))] = np.tile(SPECIAL, flat.size // len(SPECIAL))
    flat[-min(flat.size, 5):] = SPECIAL[:min(flat.size, 5)]
    for candidate in (z, np.roll(z, 1), -z):
        expected = np.maximum(candidate, 0.0)
        for got in (relu.forward(candidate), relu.forward(candidate, np.empty_like(candidate))):
            assert got.view(np.uint64).tolist() == expected.view(np.uint64).tolist()
