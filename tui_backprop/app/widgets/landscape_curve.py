"""The loss landscape of one parameter: L(w), the tangent whose slope is the gradient, and the point (plotext).

The y axis is the app's even axis (``ratio_axis``): round labels an equal number of rows apart, each exactly
on its row. A loss too large for a number (∞, or NaN) is drawn on a row of its own above the axis, labelled
so: learning-rate-too-high's halt read one label, `1e308`, at mid-height, with its ∞s drawn at the largest
finite loss (QA6 K6).
"""

from __future__ import annotations

import math

import numpy as np
from textual_plotext import PlotextPlot

from tui_backprop.app.curve_series import round_ticks
from tui_backprop.app.ratio_axis import even_axis, row_ticks
from tui_backprop.core.figures import MINUS, fmt, tick

FRAME_ROWS = 4  # the figure's rows that are not the plot's: its frame, the x labels, the axis names


def scale_of(values: np.ndarray) -> float:
    """1, or the power of ten of the largest finite size when it is above 1e12 (plotted values then stay small)."""
    finite = np.abs(values[np.isfinite(values)])
    top = float(finite.max()) if finite.size else 0.0
    return 10.0 ** math.floor(math.log10(top)) if top > 1e12 else 1.0


def linear_axis(low: float, high: float, rows: int) -> tuple[list[float], float, float]:
    """Round labels (1, 2 or 5 × 10ⁿ apart, at most 5 of them) a fixed number of rows apart, each on its row,
    else the values evenly placed rows stand for (``row_ticks``)."""
    span = high - low
    if rows >= 2 and span > 0:
        power = math.floor(math.log10(span))
        steps = sorted(m * 10.0**p for p in range(power - 2, power + 2) for m in (1, 2, 5))
        axis = even_axis(low, high, rows, [step for step in steps if 4 * step >= span * (1 - 1e-9)])
        if axis is not None:
            return axis
    return row_ticks(low, high, rows)


def axis_label(scaled: float, scaled_step: float, scale: float) -> str:
    """The label of ``scaled`` × ``scale`` (a power of ten): ``tick``'s, with the digits it takes to read the
    value (1.2e308, not tick's 1e308); past the float maximum written from its parts (2e308)."""
    value, step = scaled * scale, scaled_step * scale
    if not math.isfinite(value):
        exponent = round(math.log10(scale))
        while abs(scaled) >= 10:
            scaled, exponent = scaled / 10, exponent + 1
        return f"{fmt(scaled, 3)}e{exponent}"
    text = tick(value)
    try:
        read = float(text.replace(MINUS, "-"))
    except ValueError:
        read = math.nan
    if value == 0 or abs(read - value) <= 1e-6 * abs(step):
        return text
    digits = max(1, math.floor(math.log10(abs(value))) - math.floor(math.log10(abs(step))) + 1)
    return fmt(value, min(digits, 12))  # (a nearly flat L(w): 0.69314718, 0.69314719 apart, never both 0.693)


class LandscapeCurve(PlotextPlot):
    """One parameter: the loss curve, the tangent at the current point, and the point."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._shown = None

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show(*self._shown)  # the labels sit on rows: a new height, new labels

    def show(self, result, name: str) -> None:
        self._shown = (result, name)
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if result is None or result.surface.ys is not None:
            self.refresh()
            return
        s = result.surface
        w0, l0, g = result.runs[0].point[0], result.loss, result.gradient[0]
        finite = s.loss[np.isfinite(s.loss)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        # plotext's arithmetic overflows near 1e308 (learning-rate-too-high's last steps): it is given the
        # values over a power of ten, and the labels say the values themselves. A line stays a line.
        sx, sy = scale_of(s.xs), scale_of(np.array([low, high]))
        xs, w = s.xs / sx, w0 / sx
        low, high = low / sy, high / sy
        with np.errstate(all="ignore"):
            tangent = l0 / sy + g * (sx / sy) * (xs - w)  # (NaN throughout for a NaN gradient: not drawn)
        keep = np.isfinite(tangent) & (tangent >= low - 0.05 * (high - low)) & (tangent <= high)
        bottom = min(low, float(tangent[keep].min())) if keep.any() else low
        off = ~np.isfinite(s.loss)  # too large for a number: on a row of their own, above the axis
        rows = max(self.size.height - FRAME_ROWS, 1) - bool(off.any())
        if high - bottom < 1e-9 * max(abs(high), 1.0):  # flat: one label, its value, on the row it is drawn on
            ticks, bottom, top = row_ticks(high - 0.5, high + 0.5, rows, middle=True)
            ticks, labels = [high], [fmt(high * sy, 4)]
        else:
            ticks, bottom, top = linear_axis(bottom, high, rows)  # (two labels or more, or none on one row)
            labels = [axis_label(t, ticks[1] - ticks[0], sy) for t in ticks] if len(ticks) > 1 else []
        step = (top - bottom) / max(rows - 1, 1)
        loss = s.loss / sy
        if off.any():
            top += step
            loss = np.where(off, top, loss)
            ticks, labels = [*ticks, top], [*labels, "/".join(
                word for word, any_ in (("∞", np.isposinf(s.loss).any()), ("NaN", np.isnan(s.loss).any())) if any_)]
        plt.plot(xs.tolist(), loss.tolist(), marker="braille", color="cyan")
        if keep.any():
            plt.plot(xs[keep].tolist(), tangent[keep].tolist(), marker="braille", color="orange")
        if math.isfinite(w) and math.isfinite(l0 / sy):
            plt.scatter([w], [l0 / sy], marker="●", color="white")
        # the app's own ticks: a real minus sign (plotext writes "-0.07"), at most 5 cells
        x_ticks = round_ticks(float(xs[0]), float(xs[-1]))
        plt.xticks(x_ticks, [tick(t * sx) for t in x_ticks])
        plt.yticks(list(ticks), labels)
        plt.ylim(bottom, top)
        plt.xlabel(name)
        plt.ylabel("loss")
        self.refresh()
