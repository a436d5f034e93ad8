"""The U view's log10 axis for the update:weight ratio: whole-decade labels on exact rows through −3 (the
healthy line), and as many rows as it takes for every point to be read honestly (no Textual here). The same
even axis (``even_axis``, ``row_ticks``, ``log_axis``) labels the loss charts and the landscape's L(w).

plotext draws a point on the row nearest to it, so each row stands for a band of values one row's span wide.
With few rows and a wide range (exploding-gradients: −6.5 … 48 decades in 5 rows) the bands were 20 decades
wide, and step 1's 10^2.4 ("hundreds of times the weights") was drawn on the row of −3, "healthy" (QA6 C5).
``fitted_axis`` chooses a scale on which no point more than ``NEAR_HEALTHY`` decades from −3 shares the −3
row, and ``rows_needed`` says how many rows that takes, so the view can give the chart more of the screen.
"""

from __future__ import annotations

import math

import numpy as np

from tui_backprop.core.layer_stats import HEALTHY_LOG_RATIO, NO_UPDATE

TICK_STEPS = (1, 2, 5, 10, 20, 50, 100)  # decades between two labels
MARGINS = (0.3, 0.15, 0.0)  # decades kept between the data and the frame, thinner where that keeps the scale finer
NEAR_HEALTHY = 1.0  # decades: a point drawn on the −3 row is within this of −3 (10× the healthy speed at most)


def plot_row(value: float, low: float, high: float, rows: int) -> int:
    """The row (0 at the bottom) plotext draws ``value`` on, or labels it on: its own rounding."""
    return math.floor(round(0.5 + (rows - 1) * (value - low) / (high - low), 8))


def even_axis(low: float, high: float, rows: int, steps=TICK_STEPS, anchor: float | None = None,
              coarsest: float = math.inf) -> tuple[list[float], float, float] | None:
    """Labels and limits for an axis of ``rows`` rows: multiples of a step from ``steps`` through ``anchor``
    (None: any multiple of it), a fixed number of rows apart, so "−4 −3 −2 −1" sit one row apart, never two then
    one. None when no scale holds ``low``…``high`` with at least two labels in view.

    The limits are chosen so each label falls exactly on a row: then plotext's rounding cannot move one (and a
    braille line at the anchor is drawn on the row of its label). The smallest step between labels wins, then
    the most rows between them (the finest scale) that still hold ``low``…``high``; then, of the rows the
    anchor can take, the one with the most labels, then the most centred. Scales of more than ``coarsest`` a
    row are passed over.
    """
    top = max(rows - 1, 1)
    span = max(high - low, 1e-9 * max(abs(low), abs(high), 1e-300))
    for step, k in ((step, k) for step in steps for k in range(top, 0, -1)):
        per_row = step / k
        if top * per_row < span or per_row > coarsest:
            continue
        at_value = step * round((low + high) / 2 / step) if anchor is None else anchor
        # the anchor's row: the data in view below it and above it
        lowest, highest = math.ceil((at_value - low) / per_row - 1e-9), math.floor(
            top - (high - at_value) / per_row + 1e-9)
        centre = top / 2 - ((low + high) / 2 - at_value) / per_row  # its row with the data centred
        labelled = {at: range(at % k, top + 1, k) for at in range(max(lowest, 0), min(highest, top) + 1)}
        labelled = {at: rows_of for at, rows_of in labelled.items() if len(rows_of) >= 2}
        if labelled:
            at = max(labelled, key=lambda row: (len(labelled[row]), -abs(row - centre)))
            bottom = at_value - at * per_row
            return [float(at_value + (row - at) // k * step) for row in labelled[at]], bottom, bottom + top * per_row
    return None


def ratio_axis(low: float, high: float, rows: int, coarsest: float = math.inf) -> tuple[list[float], float, float]:
    """``even_axis`` for the log10 update:weight ratio: whole decades through −3 (the healthy line); with under
    two labels in view, the healthy line's label alone."""
    return even_axis(low, high, rows, TICK_STEPS, HEALTHY_LOG_RATIO, coarsest) or ([HEALTHY_LOG_RATIO], low, high)


def row_ticks(low: float, high: float, rows: int, middle: bool = False) -> tuple[list[float], float, float]:
    """Labels for ``low`` (the bottom row) … ``high`` on rows an equal number apart, each the value its row
    stands for, and the limits: 3, 4 or 5 labels, whichever divides the rows evenly, about 3 rows apart; where none does
    evenly, the top row or two stay above ``high``, unlabelled (a middle label between two rows went to one of
    them: one row then two for the same decades, QA5 K9). ``middle``: with a label halfway (one point, drawn
    there, sits on its label's row: QA5 B6). One row: no label (it stands for the whole range)."""
    if rows < 2:
        return [], low, high
    top = rows - 1
    counts = (2, 4) if middle else (2, 3, 4)
    gaps = 1 if top == 1 else min(counts, key=lambda n: (top % n if n <= top else top, abs(top // n - 3)))
    if middle and gaps == 1:  # two rows: the middle on the lower one
        low, high = (low + high) / 2, high
    used = top - top % gaps
    per_row = (high - low) / used
    return [low + per_row * used * i / gaps for i in range(gaps + 1)], low, low + per_row * top


def log_axis(low: float, high: float, rows: int) -> tuple[list[float], float, float]:
    """A log10 axis: whole decades a fixed number of rows apart (``even_axis``) where the data then fills at
    least three quarters of the height, else ``row_ticks``."""
    axis = even_axis(low, high, rows) if rows >= 2 else None
    if axis is not None and (high - low) >= 0.75 * (axis[2] - axis[1]):
        return axis
    return row_ticks(low, high, rows)


def on_healthy_row(value: float, axis: tuple[list[float], float, float], rows: int) -> bool:
    """``value`` is drawn on the −3 row: as a mark, or as L1's braille line (four dots a row, rounded on its own
    grid: 10^2.4 on 10 decades a row went to the top dots of the −3 row, its mark to the row above)."""
    _, bottom, top = axis
    healthy = plot_row(HEALTHY_LOG_RATIO, bottom, top, rows)
    return healthy in (plot_row(value, bottom, top, rows), plot_row(value, bottom, top, 4 * rows) // 4)


def per_row_of(axis: tuple[list[float], float, float], rows: int) -> float:
    return (axis[2] - axis[1]) / max(rows - 1, 1)


def ratio_limits(low: float, high: float, rows: int,
                 coarsest: float = math.inf) -> tuple[list[float], float, float]:
    """``ratio_axis`` for data from ``low`` to ``high`` with a margin of 0.3 decades, or a thinner one (down to
    the data on the frame) when that gives fewer decades a row: QA5 C1, xor's minimum wandering across −3.7
    flipped the 5-row axis between one decade a row (−4 … 0) and two (−7 … 1), and drew the lines a decade off."""
    best = None
    for margin in MARGINS:
        axis = ratio_axis(low - margin, high + margin, rows, coarsest)
        per_row = per_row_of(axis, rows)
        if best is None or per_row < best[0] - 1e-9:
            best = (per_row, axis)
    return best[1]


def ratio_range(values) -> tuple[float, float, tuple[float, ...], tuple[float, ...]]:
    """The drawn values' range with −3 in it, and the ones nearest −3 of those more than ``NEAR_HEALTHY`` above
    it and below it (the first that a coarse scale would draw on the healthy row): (low, high, above, below)."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v) & (v > NO_UPDATE + 1)]  # no update at all: drawn nowhere
    if v.size == 0:
        return HEALTHY_LOG_RATIO, HEALTHY_LOG_RATIO, (), ()
    above, below = v[v > HEALTHY_LOG_RATIO + NEAR_HEALTHY], v[v < HEALTHY_LOG_RATIO - NEAR_HEALTHY]
    return (min(float(v.min()), HEALTHY_LOG_RATIO), max(float(v.max()), HEALTHY_LOG_RATIO),
            (float(above.min()),) if above.size else (), (float(below.max()),) if below.size else ())


def honest_limits(low: float, high: float, rows: int, far: tuple[float, ...]):
    """``ratio_limits`` at the coarsest scale on which none of ``far`` is drawn on the −3 row (None: no such
    scale fits ``rows`` rows)."""
    coarsest = min((2 * abs(v - HEALTHY_LOG_RATIO) for v in far), default=math.inf)
    for _ in range(len(TICK_STEPS) * max(rows, 1)):  # each turn passes over one scale: finitely many
        axis = ratio_limits(low, high, rows, coarsest)
        if len(axis[0]) < 2:
            return None
        if not any(on_healthy_row(v, axis, rows) for v in far):
            return axis
        coarsest = per_row_of(axis, rows) * (1 - 1e-9)  # plotext's rounding put one there: a finer scale
    return None


def fitted_axis(low: float, high: float, rows: int, above=(), below=()) -> tuple[list[float], float, float]:
    """The axis for ``rows`` rows: honest both ways if it can be (no point far above or far below −3 on its
    row), else honest above (the blow-up a lesson points at is never drawn as healthy), else ``ratio_limits``."""
    return (honest_limits(low, high, rows, (*above, *below)) or honest_limits(low, high, rows, tuple(above))
            or ratio_limits(low, high, rows))


def rows_needed(low: float, high: float, rows: int, most: int, above=(), below=(),
                most_above: int | None = None) -> int:
    """The fewest rows, from ``rows`` up to ``most``, on which the axis is honest both ways, else up to
    ``most_above`` (default ``most``) honest above; ``rows`` when neither fits."""
    for far, limit in (((*above, *below), most), (tuple(above), most if most_above is None else most_above)):
        if not far:
            return rows
        nearest = min(abs(v - HEALTHY_LOG_RATIO) for v in far)
        # a scale finer than 2 × nearest decades a row needs at least this many rows for low … high
        start = max(rows, min(limit + 1, math.ceil((high - low) / (2 * nearest)) + 1))
        for r in range(start, limit + 1):
            if honest_limits(low, high, r, far) is not None:
                return r
    return rows


FINER_FOR = 3  # rows the chart may take beyond ``rows_needed`` for a scale at least twice as fine


def rows_wanted(low: float, high: float, rows: int, most: int, above=(), below=(),
                most_above: int | None = None) -> int:
    """``rows_needed``, or up to ``FINER_FOR`` rows more (within ``most``) where they make a scale of more than a
    decade a row twice as fine (QA5 C1: vanishing-gradients at 100×30 read 3 … −11, two decades a row with four
    rows empty; −8 … 0, one decade a row, takes one row more)."""
    need = rows_needed(low, high, rows, most, above, below, most_above)
    coarse = per_row_of(fitted_axis(low, high, need, above, below), need)
    if coarse <= 1:  # a decade a row or finer: enough for "about −3"
        return need
    for r in range(need + 1, min(need + FINER_FOR, most) + 1):
        if per_row_of(fitted_axis(low, high, r, above, below), r) <= coarse / 2 + 1e-9:
            return r
    return need
