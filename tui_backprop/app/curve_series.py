"""Drawing a curve's series with plotext: bands from min to max, a mean line, ticks and the cursor's text.

Shared by the loss curve, the compare view, the sweep view and the layer
statistics; none of it holds state (``loss_curve.py`` is the widget).
"""

from __future__ import annotations

import math
import re

import numpy as np

from tui_backprop.app.ratio_axis import log_axis, row_ticks
from tui_backprop.core.figures import tick
from tui_backprop.training.history import Points
from tui_backprop.training.session import Snapshot

CLIP = 1e12


def downsample(x: np.ndarray, y: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """Bucket means, about ``points`` of them: plotting cost stays flat for long runs."""
    n = len(x)
    if n <= points or points < 2:
        return x, y
    edges = np.linspace(0, n, points + 1).astype(int)
    edges = np.unique(edges[:-1])
    counts = np.diff(np.append(edges, n))
    return np.add.reduceat(x, edges) / counts, np.add.reduceat(y, edges) / counts


def spans_decades(values: np.ndarray) -> bool:
    """A loss over many decades (a diverging run) is unreadable on a linear axis."""
    positive = values[np.isfinite(values) & (values > 0)]
    return len(positive) > 1 and positive.max() > 1e4 * positive.min()


# The second series is dotted, so train/test and run A/B differ without colour too (NO_COLOR).
MARKERS = ("braille", "•")
LEGEND = ("━", "•")
BAND = "·"  # a bucket's min–max range, behind its mean
BAND_MIN = 0.02  # a band thinner than this share of the axis everywhere would only hide the other lines
# plotext's cyan and orange as both Textual and Rich markup read them (Rich's "dark_orange" is no Textual colour).
MARKUP_COLOURS = ("cyan", "#ff8c00")
SHORT = {"log scale (auto)": "log (auto)", "←/→ move · esc hides": "←/→ esc", "←/→ cursor": "←/→"}
TINY = 1e-30  # on a log scale, smaller losses (and 0) are drawn at a labelled floor no lower than this


def columns(points: Points, start: float, end: float, count: int) -> Points:
    """Entries grouped into ``count`` equal spans of steps: plotting cost stays flat for long runs.

    A group's value is the count-weighted mean, its range the min of the lows and
    the max of the highs, so a spike in any bucket survives as the group's max.
    The weights are divided before the values are added: a sum of two losses near the
    float maximum (a run on its way to overflow) would be inf, their mean is not.
    """
    n = len(points)
    if n <= count or count < 2:
        return points
    span = max(end - start, 1e-12)
    where = np.clip(((points.x - start) / span * count).astype(int), 0, count - 1)
    edges = np.flatnonzero(np.r_[True, where[1:] != where[:-1]])
    w = np.add.reduceat(points.count, edges)
    share = points.count / np.repeat(w, np.diff(np.r_[edges, n]))  # each entry's weight in its group
    with np.errstate(invalid="ignore"):
        return Points(np.add.reduceat(points.x * share, edges),
                      np.add.reduceat(points.y * share, edges),
                      np.fmin.reduceat(points.low, edges), np.fmax.reduceat(points.high, edges),
                      points.first[edges], points.last[np.r_[edges[1:] - 1, n - 1]], w)


def finite(points: Points) -> Points:
    ok = np.isfinite(points.y)
    return points if ok.all() else Points(*(getattr(points, f)[ok] for f in Points.__dataclass_fields__))


def log_floor(series) -> tuple[float, str | None]:
    """Where a loss of 0 or a tiny one is drawn on a log scale, and the note saying so (None: nothing is).

    A tenth of the smallest positive value, never below ``TINY`` (1e-16 when nothing is positive).
    """
    values = np.concatenate([np.r_[p.y, p.low] for p, _, _ in series])
    values = values[np.isfinite(values)]
    positive = values[values > 0]
    floor = max(float(positive.min()) / 10, TINY) if positive.size else 1e-16
    if (positive <= floor).any():
        return floor, f"≤{tick(floor)} drawn at {tick(floor)}"
    if (values <= 0).any():
        return floor, f"0 drawn at {tick(floor)}"
    return floor, None


def roughness(values: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """How noisy a drawn curve is: its ups and downs plus its ranges, per height of the curve (1: smooth)."""
    if len(values) < 3:
        return 0.0
    height = float(np.nanmax(high) - np.nanmin(low)) or 1.0
    return float((np.abs(np.diff(values)).sum() + np.nansum(high - low)) / height)


def draw_series(plt, series, log: bool, percent: bool = False, rows: int = 3) -> str | None:
    """Plot (Points, colour, columns) series with our own axis labels; the second one dotted.

    Each series is its mean line over a dotted band from each bucket's min to its max,
    and starts at its first exact point. The noisiest series is drawn first, so a smooth
    one (full batch, or the test loss) stays on top. A log scale is drawn as log10 values
    on a linear axis: plotext's own log mode re-applies the log when the widget is rebuilt
    after a resize. Linear values are clipped so a diverging run cannot overflow plotext's
    arithmetic; logged ones need no clip, so the axis can reach 1e69. On a log scale a
    loss of exactly 0, or one below a tenth of the smallest positive loss (and never
    below 1e-30), is drawn at that floor, whose label says "≤"; the returned note says so.
    ``rows``: the plot's rows between its frame and step labels (a short plot gets fewer y labels).
    """
    note = None
    floor = None
    series = [(finite(p), colour, count) for p, colour, count in series]
    series = [s for s in series if len(s[0])]
    if not series:
        return None
    if log:
        floor, note = log_floor(series)

    def shown(v):
        return np.log10(np.maximum(v, floor)) if log else np.clip(v, -CLIP, CLIP)

    first = float(min(p.first[0] for p, _, _ in series))
    last = float(max(p.last[-1] for p, _, _ in series))
    drawn = []
    for i, (p, colour, count) in enumerate(series):
        c = columns(p, first, last, count)
        with np.errstate(invalid="ignore"):
            xs, ys, lo, hi = c.x, shown(c.y), shown(c.low), shown(c.high)
        if c.count[0] > 1 and p.count[0] == 1:  # the exact start, before the first group's mean
            xs, ys = np.r_[p.x[0], xs], np.r_[shown(p.y[:1]), ys]
        drawn.append((roughness(shown(c.y), lo, hi), i, colour, xs, ys, c.x, lo, hi))
    # The axis spans what is finite: a bucket's max of inf (or its log) would make every tick NaN.
    ends = np.concatenate([np.r_[d[4], d[6], d[7]] for d in drawn])
    ends = ends[np.isfinite(ends)]
    low, high = (float(ends.min()), float(ends.max())) if ends.size else (0.0, 1.0)
    drawn.sort(key=lambda d: -d[0])
    for _, i, colour, xs, ys, bx, lo, hi in drawn:  # every band behind every line
        band = np.isfinite(lo) & np.isfinite(hi)
        if (hi[band] - lo[band] > BAND_MIN * max(high - low, 1e-12)).any():
            # zig-zag through each group's min and max: the range fills in behind the mean
            down = np.arange(band.sum()) % 2 == 1
            a, b = np.where(down, hi[band], lo[band]), np.where(down, lo[band], hi[band])
            plt.plot(np.repeat(bx[band], 2).tolist(), np.column_stack([a, b]).ravel().tolist(),
                     marker=BAND, color=colour)
    for _, i, colour, xs, ys, *_ in drawn:
        # Colours are named in the pane's title instead of a legend, which would cover the curve.
        plt.plot(xs.tolist(), ys.tolist(), marker=MARKERS[min(i, 1)], color=colour)
    one = high - low < 1e-12  # one value: drawn halfway, on its label's row
    if one:
        low, high = low - 0.5, high + 0.5
    # Labels an equal number of rows apart, each exactly on its row (plotext rounds a value between two rows
    # to one of them: "0.996 / 0.0085 / (blank) / 7e−5" on 4 rows, QA5 K9); on a log scale whole decades
    # where they fit. Never two on one row: plotext would pick one of them by a string hash.
    ticks, low, high = log_axis(low, high, rows) if log and not one else row_ticks(low, high, rows, middle=one)
    if log:
        labels = [power_tick(t) for t in ticks]
        if note is not None and ticks and abs(ticks[0] - math.log10(floor)) < 1e-9:
            labels[0] = "≤" + labels[0]
    elif percent:
        labels = [f"{t:.0%}" for t in ticks]
    else:
        labels = [tick(t) for t in ticks]
    plt.yticks(list(ticks), labels)
    plt.ylim(low, high)  # the labels' range: with one value plotext would pick its own, and they would miss its rows
    # The axis starts at the first step drawn (step 1 for a whole run), not at 0.
    plt.xlim(first, max(last, first + 1))
    step_ticks(plt, first, last)
    return note


def power_tick(exponent: float) -> str:
    """``tick(10 ** exponent)``, also for a log axis's labels past the float maximum (1e310 above 1.1e308)."""
    if exponent < 300:
        return tick(10**exponent)
    whole = math.floor(exponent)
    mantissa = round(10 ** (exponent - whole))
    if mantissa == 10:
        mantissa, whole = 1, whole + 1
    return f"{mantissa}e{whole}"  # as tick writes them: one digit


def step_ticks(plt, first: float, last: float) -> None:
    """Three whole-step x labels with thousands separators (plotext's own read 16 1828 3640)."""
    ticks = sorted({int(round(v)) for v in np.linspace(first, last, 3)})
    plt.xticks(ticks, [f"{v:,}" for v in ticks])


def round_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round values (steps of 1, 2, 2.5 or 5 × 10ⁿ) from ``low`` to ``high``, for labels
    written by ``tick`` (plotext's own write "-0.07" with a hyphen)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low] if math.isfinite(low) else []
    raw = (high - low) / max(count - 1, 1)
    scale = 10.0 ** math.floor(math.log10(raw))
    step = next(m * scale for m in (1, 2, 2.5, 5, 10) if m * scale >= raw)
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    return [i * step for i in range(first, last + 1)]


def value_at(points: Points | None, step: float) -> int | None:
    """The entry recorded latest at or before ``step`` (test loss lives at epoch ends)."""
    if points is None or len(points) == 0:
        return None
    i = int(np.searchsorted(points.x, step, side="right")) - 1
    return i if i >= 0 else None


def series_points(snap: Snapshot | None, name: str) -> Points:
    """A snapshot's series with its buckets' ranges; snapshots made without them read as exact points."""
    if snap is None:
        return Points.exact(np.zeros(0), np.zeros(0))
    if snap.history_points is not None:
        return snap.history_points[name]
    x, y = {"train": (snap.history_steps, snap.history_loss), "test": (snap.test_steps, snap.test_loss_history),
            "accuracy": (snap.accuracy_steps, snap.accuracy_history)}[name]
    return Points.exact(np.zeros(0) if x is None else x, np.zeros(0) if y is None else y)


def describe(points: Points, i: int, what: str, fmt) -> str:
    """One entry in words: a step's value, or a bucket's steps, mean and range (never a mean as one step's)."""
    if points.count[i] == 1:
        return f"step {points.x[i]:,.0f}: {what} {fmt(points.y[i])}"
    steps = f"steps {points.first[i]:,.0f}–{points.last[i]:,.0f}"
    if np.isfinite(points.low[i]):
        spread = f"(min {fmt(points.low[i])}, max {fmt(points.high[i])})"
    else:
        spread = "(min/max not saved)"
    return f"{steps}: mean {fmt(points.y[i])} {spread}"


def widest_figure(fmt, *series: np.ndarray) -> str:
    """The widest figure ``fmt`` writes for these values: four digits at their smallest and largest scale."""
    values = np.concatenate([np.abs(v[np.isfinite(v) & (v != 0)]) for v in series])
    if not len(values):
        return fmt(1.234)
    scales = {math.floor(math.log10(v)) for v in (values.min(), values.max())}
    return max((fmt(1.234 * 10.0 ** scale) for scale in scales), key=len)


def readout_rows(points: Points, width: int, most: int, *, test: bool, widest: str, what: str = "loss") -> int:
    """Rows the cursor's readout keeps wherever the cursor is, so the plot below keeps its height.

    As many as the series' longest entry takes (``widest``: its widest figure), at most ``most``: a bucket
    with its range, or a step with its test loss. A bucket's test mean shows where it fits in those rows.
    """
    step = f"{points.last[-1]:,.0f}" if len(points) else "0"
    texts = [f"step {step}: {what} {widest}" + (f" · test {widest} (step {step})" if test else "")]
    if len(points) and (points.count > 1).any():
        texts.append(f"steps {step}–{step}: mean {widest} (min {widest}, max {widest})")
    return max(len(wrap(text, width, most)) for text in texts)


GLUED = re.compile(r"(steps?|mean|\(min|max|test|\(mean\)|loss|accuracy|·) ")


def wrap(text: str, width: int, lines: int) -> list[str]:
    """Word-wrapped into at most ``lines`` lines; a figure never leaves its label, nor is it cut.

    When it does not fit, the test loss goes first, then whole lines from the end.
    """
    def fill(words: list[str]) -> list[str]:
        out: list[str] = []
        for word in words:
            if out and len(out[-1]) + 1 + len(word) <= width:
                out[-1] += " " + word
            else:
                out.append(word)
        return [line.replace("\u00a0", " ") for line in out]

    words = GLUED.sub(lambda m: m.group(1) + "\u00a0", text).split(" ")
    out = fill(words)
    if len(out) > lines and "·\u00a0test" in words:
        out = fill(words[: words.index("·\u00a0test")])
    return out[:lines]
