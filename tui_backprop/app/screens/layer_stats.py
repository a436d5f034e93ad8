"""The layer statistics view, in the style of makemore part 3 and TensorBoard's histograms.

Top: log10 of each layer's update:weight ratio ‖ΔW‖/‖W‖ over the whole run (W: the
weights the step was added to), with the reference line at −3 (about a thousandth of the weight per step is
a healthy speed). Below: per layer, the distributions of this step's
activations (with the saturated or dead share), of the gradients ∂L/∂a, and
of ∂L/∂W with its size relative to W. Histograms are drawn as bars of
``▁▂▃▄▅▆▇█``, which need no colour.
"""

from __future__ import annotations

import math

import numpy as np
from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tui_backprop.app.screens.view import ViewScreen
from tui_backprop.app.curve_series import step_ticks
from tui_backprop.core.figures import counted, fmt, tick
from tui_backprop.app.widgets.footer import FittedFooter
from tui_backprop.core.layer_stats import HEALTHY_LOG_RATIO, NO_UPDATE, Histogram, LayerStats, layer_stats, with_latest

BARS = "▁▂▃▄▅▆▇█"
# One per layer (plotext's names, then the same colours in Rich markup); a ninth layer repeats the first.
COLORS = ("cyan", "orange", "green", "magenta", "red", "blue", "yellow", "white")
MARKUP_COLORS = ("cyan", "dark_orange", "green", "magenta", "red", "blue", "yellow", "white")
# and a mark each, so the layers differ without colour too (NO_COLOR): L1 a line, L2 dots, L3 crosses …
MARKERS = ("braille", "•", "x", "+", "o", "*", "#", "@", "%", "&")
LEGEND = ("━", "•", "x", "+", "o", "*", "#", "@", "%", "&")
BINS = 16
PLOT_FRAME_ROWS = 4  # plotext's box (2), its step labels and "step": rows of the pane that are not the plot's
REDRAW_EVERY = 0.25  # seconds


def sparkline(hist: Histogram | None) -> str:
    """The histogram as one line of bars, with its range: "−1 ▁▂▅█▅▂▁ 1"; all values equal: "6 █ 6".

    Values that are not finite are left out of the bars (``describe`` counts them on a line of their own);
    with none finite, the words alone ("all 10 NaN").
    """
    if hist is None:
        return "(pending)"
    if hist.total == 0:
        return f"all {hist.size} {not_finite(hist)}" if hist.size else "(no values)"  # "all 16 NaN"
    top = hist.counts.max()
    bars = "".join(" " if c == 0 else BARS[min(int(c / top * len(BARS)), len(BARS) - 1)] for c in hist.counts)
    low, high = float(hist.edges[0]), float(hist.edges[-1])
    if hist.std <= 1e-12 * abs(hist.mean):  # all the same value: both ends say it (the bins' ±0.5 read 5.5 … 6.5)
        low = high = hist.mean
    return f"{fmt(low, 2):>7} {bars} {fmt(high, 2):<7}"


def not_finite(hist: Histogram) -> str:
    """The values left out of the bars, in words: "3 NaN, 1 +∞"; with no bars, "NaN" or "not finite: 1 NaN, 3 +∞"."""
    parts = [(hist.nan, "NaN"), (hist.posinf, "+∞"), (hist.neginf, "−∞")]
    parts = [(n, word) for n, word in parts if n]
    if hist.total == 0 and len(parts) == 1:
        return parts[0][1]
    counts = ", ".join(f"{n} {word}" for n, word in parts)
    return f"not finite: {counts}" if hist.total == 0 else counts


def describe(stats: LayerStats, loss: str = "L") -> str:
    """One layer: a line of shares, then the three histograms (``loss``: the lesson's name for L, C in the chains)."""
    head = []
    if stats.saturated_share is not None:
        head.append(f"saturated {stats.saturated_share:.0%}")
    if stats.dead_share is not None:
        head.append(f"zero {stats.dead_share:.0%}")
    if stats.grad_to_weight is not None:
        head.append(f"std(∂{loss}/∂W)/std(W) {fmt(stats.grad_to_weight, 2)}")
    lines = [" · ".join(head)] if head else []
    for name, hist in (("a", stats.activations), (f"∂{loss}/∂a", stats.gradients),
                       (f"∂{loss}/∂W", stats.weight_gradients)):
        line = f"  {name:<6} {sparkline(hist)}"
        if hist is not None and hist.total:
            line += f"  mean {fmt(hist.mean, 2)} std {fmt(hist.std, 2)}"
        lines.append(line)
        if hist is not None and 0 < hist.total < hist.size:  # (its own line: at 80 columns it wrapped mid-figure)
            lines.append(f"  {'':<6} and {not_finite(hist)}, not in the bars or the mean")
    return "\n".join(lines)


TICK_STEPS = (1, 2, 5, 10, 20, 50, 100)  # decades between two labels


def plot_row(value: float, low: float, high: float, rows: int) -> int:
    """The row (0 at the bottom) plotext draws ``value`` on, or labels it on: its own rounding."""
    return math.floor(round(0.5 + (rows - 1) * (value - low) / (high - low), 8))


def ratio_axis(low: float, high: float, rows: int) -> tuple[list[float], float, float]:
    """Labels and limits for the log10 axis: whole decades through −3 (the healthy line), a fixed number of
    decades apart and a fixed number of rows apart, so "−4 −3 −2 −1" sit one row apart, never two then one.

    The limits are chosen so each label falls exactly on a row: then plotext's rounding cannot move one (and a
    braille line at −3 is drawn on the row of its label). The fewest decades between labels wins, then the
    most rows between them (the finest scale) that still hold ``low``…``high`` with at least two labels in
    view; then, of the rows −3 can take, the one with the most labels, then the most centred.
    """
    top = max(rows - 1, 1)
    span = max(high - low, 1e-9)
    for step, k in ((step, k) for step in TICK_STEPS for k in range(top, 0, -1)):
        per_row = step / k
        if top * per_row < span:
            continue
        # the healthy line's row: the data in view below it and above it
        lowest, highest = math.ceil((HEALTHY_LOG_RATIO - low) / per_row - 1e-9), math.floor(
            top - (high - HEALTHY_LOG_RATIO) / per_row + 1e-9)
        centre = top / 2 - ((low + high) / 2 - HEALTHY_LOG_RATIO) / per_row  # −3's row with the data centred
        labelled = {at: range(at % k, top + 1, k) for at in range(max(lowest, 0), min(highest, top) + 1)}
        labelled = {at: rows_of for at, rows_of in labelled.items() if len(rows_of) >= 2}
        if labelled:
            at = max(labelled, key=lambda row: (len(labelled[row]), -abs(row - centre)))
            bottom = HEALTHY_LOG_RATIO - at * per_row
            return [float(round(bottom + row * per_row)) for row in labelled[at]], bottom, bottom + top * per_row
    return [HEALTHY_LOG_RATIO], low, high  # under two rows: the healthy line's label alone


MARGINS = (0.3, 0.15, 0.0)  # decades kept between the data and the frame, thinner where that keeps the scale finer


def ratio_limits(low: float, high: float, rows: int) -> tuple[list[float], float, float]:
    """``ratio_axis`` for data from ``low`` to ``high`` with a margin of 0.3 decades, or a thinner one (down to
    the data on the frame) when that gives fewer decades a row: QA5 C1, xor's minimum wandering across −3.7
    flipped the 5-row axis between one decade a row (−4 … 0) and two (−7 … 1), and drew the lines a decade off."""
    best = None
    for margin in MARGINS:
        axis = ratio_axis(low - margin, high + margin, rows)
        per_row = (axis[2] - axis[1]) / max(rows - 1, 1)
        if best is None or per_row < best[0] - 1e-9:
            best = (per_row, axis)
    return best[1]


class RatioPlot(PlotextPlot):
    """log10 ‖ΔW‖/‖W‖ per layer against the step, and the line at −3."""

    _snap = None

    def on_resize(self) -> None:
        if self._snap is not None:
            self.show(self._snap)  # the labels' spacing depends on the height (the first show can precede layout)

    def show(self, snap) -> None:
        self._snap = snap
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        steps, ratios = snap.update_ratio_steps, snap.update_ratio_history
        plt.xlabel("step")
        if steps is not None and len(steps):  # the series keeps every k-th step: end the lines at this one
            steps, ratios = with_latest(steps, ratios, snap.step, [layer.diagnostics.update_ratio
                                                                   for layer in snap.layers])
        if steps is None or len(steps) == 0:
            plt.title("no update yet: press space or n")
            self.refresh()
            return
        x = steps.tolist()
        # in dashes, no layer's mark: without colour (NO_COLOR) a grey braille line was L1's own
        plt.plot([x[0], x[-1]], [HEALTHY_LOG_RATIO, HEALTHY_LOG_RATIO], color="gray", marker="-")
        low, high = HEALTHY_LOG_RATIO, HEALTHY_LOG_RATIO
        for i in range(ratios.shape[1]):
            y = ratios[:, i]
            ok = np.isfinite(y) & (y > NO_UPDATE + 1)  # no update at all: drawn nowhere
            if ok.any():
                plt.plot(steps[ok].tolist(), y[ok].tolist(), color=COLORS[i % len(COLORS)],
                         marker=MARKERS[i % len(MARKERS)])
                low, high = min(low, float(y[ok].min())), max(high, float(y[ok].max()))
        ticks, low, high = ratio_limits(min(low, HEALTHY_LOG_RATIO), max(high, HEALTHY_LOG_RATIO),
                                        self.size.height - PLOT_FRAME_ROWS)
        plt.yticks(ticks, [tick(t) for t in ticks])  # the title's minus: "grey: −3"
        plt.ylim(low, high)
        # From the first step drawn (step 1: the series keeps it), as the loss curve's axis.
        plt.xlim(x[0], max(x[-1], x[0] + 1))
        step_ticks(plt, x[0], x[-1])
        self.refresh()


class LayerStatsScreen(ViewScreen):
    VIEW_ACTION = "layer_stats"
    DEFAULT_CSS = """
    LayerStatsScreen RatioPlot { height: 1fr; min-height: 6; border: round $primary; }
    LayerStatsScreen #layer-stats-scroll { height: 1fr; border: round $primary; }
    LayerStatsScreen #layer-stats-text { padding: 0 1; }
    """

    def __init__(self, owner):
        super().__init__(owner)  # the app: its newest snapshot, and its keys to run and step
        self._shown = None

    def compose(self) -> ComposeResult:
        yield RatioPlot(id="ratio-plot")
        with VerticalScroll(id="layer-stats-scroll"):
            yield Static("", id="layer-stats-text")
        yield FittedFooter()

    def on_mount(self) -> None:
        self.query_one("#layer-stats-scroll").border_title = "This step, per layer (histograms of the batch)"
        self.set_interval(REDRAW_EVERY, self._redraw)
        self._redraw()

    def _redraw(self) -> None:
        snap = self.owner.latest_snapshot
        if snap is None or snap is self._shown:
            return
        self._shown = snap
        legend = " · ".join(f"[{MARKUP_COLORS[i % len(MARKUP_COLORS)]}]{escape(LEGEND[i % len(LEGEND)])} L{i + 1}[/]"
                            for i in range(len(snap.layers)))
        plot = self.query_one(RatioPlot)
        plot.border_title = "log10 update:weight ratio ‖ΔW‖/‖W‖ per step (- - −3, healthy)"
        plot.border_subtitle = legend
        plot.show(snap)
        config = getattr(self.owner, "config", None)  # (mounting: lesson_renames(self) has no app config yet)
        loss = dict(getattr(config, "names", ()) or ()).get("L", "L")  # the lesson's name, as the inspector's (C)
        blocks = [f"[b]After step {snap.step:,}[/b] ({escape(snap.state_word)}). a: activations, saturated: tanh "
                  f"|a| > 0.96 or sigmoid a < 0.02 or > 0.98, zero: ReLU off. ∂{escape(loss)}/∂a: per sample. "
                  f"std(∂{escape(loss)}/∂W)/std(W): how big the gradient is next to the weights."]
        for layer in snap.layers:
            stats = layer_stats(layer, BINS)
            title = f"[b]Layer {layer.index + 1}[/b] · {layer.activation} · {counted(layer.units, 'unit')}"
            text = describe(stats, loss)
            blocks.append(title + (" · " if not text.startswith(" ") else "\n") + escape(text))
        self.query_one("#layer-stats-text", Static).update("\n".join(blocks))
