"""Numbers as text for people, one format for every pane.

``fmt``: a figure with a real minus sign (−, not -), "1e−5" rather than
"1e-05", 0 for −0, NaN and ∞ spelled out, "—" where there is none; with
``zeros=True`` a measurement keeps its trailing zeros (0.1460 beside 0.4449,
not 0.146), while a value a lesson set stays short (w1 3, not 3.000); ``alike``:
figures side by side in one format. ``tick``: an
axis label of at most 5 characters. ``beside``: a figure next to a threshold
never prints equal to it. ``operands``: the numbers of a worked sum, with the
digits it takes for the sum to come out as written.
"""

from __future__ import annotations

import math

MINUS = "\u2212"  # a real minus sign: "-" reads as a hyphen and is narrower than the digits


def fmt(value: float | None, digits: int = 4, zeros: bool = False, powers: bool = False) -> str:
    """A number as a learner reads it: ``digits`` significant digits, a real minus, no "e-05" or −0.

    ``zeros``: keep trailing zeros (a measured loss reads 0.1460, as wide as 0.4449 beside it); a whole
    number stays whole (C 18, not 18.00). ``powers``: with a power of ten even where a decimal fits
    (7.3e2 beside 1.2e−4, see ``alike``).
    """
    if value is None:
        return "—"
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else f"{MINUS}∞"
    if value == 0:
        return "0"
    if powers:
        mantissa, _, exponent = f"{value:.{max(digits, 1) - 1}e}".partition("e")
        if not zeros and "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")  # 7e2, as fmt writes 700 (7.0e2 with zeros)
        return _plain(mantissa + "e" + exponent)
    return _plain(_digits(value, digits, zeros))


def bracket(text: str) -> str:
    """A written number as a factor in a product: in brackets when negative, as on paper."""
    return f"({text})" if text.startswith(MINUS) else text


def alike(values: list[float], digits: int = 4) -> list[str]:
    """Figures read side by side (a legend's two ends, a column) in one format: each with a power of ten
    where ``fmt`` writes any of them so ("1.2e−4 … 7.3e2", not "0.00012 … 7.3e2"), else as ``fmt`` does."""
    texts = [fmt(v, digits) for v in values]
    if any("e" in text for text in texts):
        texts = [fmt(v, digits, powers=True) for v in values]
    return texts


def measured(value: float | None, digits: int = 4) -> str:
    """A measurement (a loss, a mean) at its precision, trailing zeros kept: ``fmt(value, digits, zeros=True)``."""
    return fmt(value, digits, zeros=True)


def _digits(value: float, digits: int, zeros: bool, whole: bool = True) -> str:
    if not zeros or (whole and value == round(value)):  # a whole number stays whole: C 18, as the lesson writes it
        return f"{value:.{digits}g}"
    text = f"{value:#.{digits}g}"  # "#" keeps the zeros, and a bare point ("3.") with one digit
    mantissa, e, exponent = text.partition("e")
    return mantissa.rstrip(".") + e + exponent


def digits_apart(first: float, second: float, digits: int = 4, most: int = 17) -> int:
    """The fewest significant digits from ``digits`` on (up to ``most``) at which ``fmt`` tells two different
    values apart."""
    while fmt(first, digits) == fmt(second, digits) and first != second and digits < most:
        digits += 1
    return digits


def change(old: float, new: float, digits: int = 4) -> tuple[str, str]:
    """``old`` and ``new`` with as many more digits as it takes to tell them apart: a small update
    reads −0.77612→−0.77598, not −0.776→−0.776 (and ŷ 3.999872 beside y 4, not 4 beside 4)."""
    digits = digits_apart(old, new, digits)
    return fmt(old, digits), fmt(new, digits)


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


def beside(value: float, bound: float | None = None, digits: int = 3, zeros: bool = False) -> str:
    """``value`` with ``digits`` significant digits, more while fewer would print it equal to ``bound``.

    A loss of 0.049976 next to "reached < 0.05" reads 0.04998, not 0.05: the figure stays on its side of
    the threshold. ``zeros``: keep trailing zeros, as ``fmt`` does. Powers of ten and minus signs as ``fmt``
    writes them (4.937e5, not 4.937e+05).
    """
    value = float(value)
    if not math.isfinite(value):
        return f"{value:g}"
    # A float past 10**digits is whole, yet measured: it keeps its zeros (1.130e73 above 1.189e140).
    text = _digits(value, digits, zeros, whole=abs(value) < 10**digits)
    if bound is not None and value != bound:
        while digits < 17 and (float(text) == bound or (float(text) < bound) != (value < bound)):
            digits += 1
            text = _digits(value, digits, zeros, whole=abs(value) < 10**digits)
    return _plain(text)  # 4.937e5, as fmt writes it, not Python's 4.937e+05


def operands(values: list[float], result: float, compute, digits: int = 4, least: int | None = None) -> list[str]:
    """``values`` written with as many digits as it takes for ``compute`` of the written numbers to give
    ``result`` as ``fmt`` writes it: near convergence "ŷ − y = 30 − 30 = −3.619e−8" becomes
    "29.99999996381 − 30 = −3.619e−8". Exact data (x 2, y 30) stays short. ``least``: the digits tried
    first (fewer than ``digits`` where terms are many)."""
    least = digits if least is None else least
    want = fmt(result, digits)
    texts = [fmt(v, least) for v in values]
    if not math.isfinite(result):
        return texts
    for more in range(least, 18):
        texts = [fmt(v, more) for v in values]
        try:
            got = fmt(compute(*(float(t.replace(MINUS, "-")) for t in texts)), digits)
        except (ValueError, ZeroDivisionError, OverflowError):
            return [fmt(v, least) for v in values]
        if got == want:
            return texts
    return [fmt(v, least) for v in values]  # no digits make it hold: not rounding, so no 17-digit figures


def counted(n: int, noun: str) -> str:
    """"1 learning rate", "16 seeds": the plural only where there are several."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
