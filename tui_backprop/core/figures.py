"""Numbers as text for people, one format for every pane.

``fmt``: a figure with a real minus sign (−, not -), "1e−5" rather than
"1e-05", 0 for −0, NaN and ∞ spelled out, "—" where there is none. ``tick``: an
axis label of at most 5 characters. ``beside``: a figure next to a threshold
never prints equal to it.
"""

from __future__ import annotations

import math

MINUS = "\u2212"  # a real minus sign: "-" reads as a hyphen and is narrower than the digits


def fmt(value: float | None, digits: int = 4) -> str:
    """A number as a learner reads it: ``digits`` significant digits, a real minus, no "e-05" or −0."""
    if value is None:
        return "—"
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else f"{MINUS}∞"
    if value == 0:
        return "0"
    return _plain(f"{value:.{digits}g}")


def change(old: float, new: float, digits: int = 4) -> tuple[str, str]:
    """``old`` and ``new`` with as many more digits as it takes to tell them apart: a small update
    reads −0.77612→−0.77598, not −0.776→−0.776."""
    before, after = fmt(old, digits), fmt(new, digits)
    while before == after and old != new and digits < 17:
        digits += 1
        before, after = fmt(old, digits), fmt(new, digits)
    return before, after


def tick(value: float) -> str:
    """An axis label of at most 5 characters, so a narrow pane keeps room for the curve."""
    value = float(value)
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        text = f"{value:.3g}"
        return _plain(text if len(text) <= 5 else f"{value:.2g}")
    return _plain(f"{value:.0e}")


def _plain(text: str) -> str:
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text.replace("-", MINUS)


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
