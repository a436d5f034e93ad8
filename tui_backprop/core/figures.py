"""Numbers as text for people: a figure beside a threshold never prints equal to it."""

from __future__ import annotations

import math


def beside(value: float, bound: float | None = None, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits, more while fewer would print it equal to ``bound``.

    A loss of 0.049976 next to "reached < 0.05" reads 0.04998, not 0.05: the figure stays on its side of
    the threshold.
    """
    value = float(value)
    text = f"{value:.{digits}g}"
    if bound is None or not math.isfinite(value) or value == bound:
        return text
    while digits < 17 and (float(text) == bound or (float(text) < bound) != (value < bound)):
        digits += 1
        text = f"{value:.{digits}g}"
    return text
