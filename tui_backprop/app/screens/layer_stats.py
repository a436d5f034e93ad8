"""The layer statistics view, in the style of makemore part 3 and TensorBoard's histograms.

Top: log10 of each layer's update:weight ratio ‖ΔW‖/‖W‖ over the whole run (W: the
weights the step was added to), with the reference line at −3 (about a thousandth of the weight per step is
a healthy speed). Below: per layer, the distributions of this step's
activations (with the saturated or dead share), of the gradients ∂L/∂a, and
of ∂L/∂W with its size relative to W. Histograms are drawn as bars of
``▁▂▃▄▅▆▇█``, which need no colour.
"""

from __future__ import annotations

import numpy as np
from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tui_backprop.app.screens.view import ViewScreen
from tui_backprop.app.curve_series import step_ticks
from tui_backprop.app.ratio_axis import (  # noqa: F401 (the axis's names, as before)
    TICK_STEPS, fitted_axis, plot_row, ratio_axis, ratio_limits, ratio_range, rows_wanted)
from tui_backprop.core.figures import alike, counted, fmt, tick
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
PLOT_BORDER = 2
# Rows the histograms keep (their border and three lines, or one) when the chart needs more to be honest both
# ways (no point far above or below −3 on its row), or above (no blow-up drawn as healthy): they scroll.
HISTOGRAM_MIN, HISTOGRAM_LEAST = 5, 3


LABEL = 7  # cells a range label keeps at least: the bars stay put from step to step while the labels fit
QUANTITIES = ("activations", "gradients", "weight_gradients")  # a layer's histograms, in their rows' order


def ends(hist: Histogram | None) -> tuple[float, float] | None:
    """The range the bars cover, or the value at both ends when all are equal; None where there are no bars."""
    if hist is None or hist.total == 0:
        return None
    if hist.std <= 1e-12 * abs(hist.mean):  # all the same value: both ends say it (the bins' ±0.5 read 5.5 … 6.5)
        return hist.mean, hist.mean
    return float(hist.edges[0]), float(hist.edges[-1])


def sparkline(hist: Histogram | None, labels: tuple[str, str] | None = None,
              widths: tuple[int, int] = (LABEL, LABEL)) -> str:
    """The histogram as one line of bars, with its range: "−1 ▁▂▅█▅▂▁ 1"; all values equal: "6 █ 6".

    ``labels``: the ends as the view writes them (``range_labels``), set right and left in ``widths`` cells.
    Values that are not finite are left out of the bars (``describe`` counts them on a line of their own);
    with none finite, the words alone ("all 10 NaN").
    """
    if hist is None:
        return "(pending)"
    if hist.total == 0:
        return f"all {hist.size} {not_finite(hist)}" if hist.size else "(no values)"  # "all 16 NaN"
    top = hist.counts.max()
    bars = "".join(" " if c == 0 else BARS[min(int(c / top * len(BARS)), len(BARS) - 1)] for c in hist.counts)
    low, high = labels or [fmt(v, 2) for v in ends(hist)]
    return f"{low:>{widths[0]}} {bars} {high:<{widths[1]}}"


def range_labels(layers: list[LayerStats]) -> tuple[list[dict[str, tuple[str, str]]], tuple[int, int]]:
    """Every histogram's ends as the view writes them, and the cells the widest take on each side (at least
    ``LABEL``), so all rows' bars start in one column (QA5 K2: "−0.00012" pushed its row one cell right).

    One quantity's small ends are in one format across the layers (``alike``): "−1.2e−4" above "−3.6e−5", not
    "−0.00012"; ends of 1 and more stay as ``fmt`` writes them ("2", not "2e0", beside "5.8e9").
    """
    labels: list[dict[str, tuple[str, str]]] = [{} for _ in layers]
    for quantity in QUANTITIES:
        found = [(i, pair) for i, stats in enumerate(layers) if (pair := ends(getattr(stats, quantity))) is not None]
        values = [v for _, pair in found for v in pair]
        # small figures in powers of ten beside others that need one; 1 and up stay plain ("2", not "2e0")
        texts = [fmt(v, 2) if abs(v) >= 1 and "e" not in fmt(v, 2) else text
                 for v, text in zip(values, alike(values, 2))]
        for k, (i, _) in enumerate(found):
            labels[i][quantity] = (texts[2 * k], texts[2 * k + 1])
    pairs = [pair for layer in labels for pair in layer.values()]
    return labels, (max([LABEL, *(len(low) for low, _ in pairs)]), max([LABEL, *(len(high) for _, high in pairs)]))


def not_finite(hist: Histogram) -> str:
    """The values left out of the bars, in words: "3 NaN, 1 +∞"; with no bars, "NaN" or "not finite: 1 NaN, 3 +∞"."""
    parts = [(hist.nan, "NaN"), (hist.posinf, "+∞"), (hist.neginf, "−∞")]
    parts = [(n, word) for n, word in parts if n]
    if hist.total == 0 and len(parts) == 1:
        return parts[0][1]
    counts = ", ".join(f"{n} {word}" for n, word in parts)
    return f"not finite: {counts}" if hist.total == 0 else counts


def describe(stats: LayerStats, loss: str = "L", labels: dict[str, tuple[str, str]] | None = None,
             widths: tuple[int, int] = (LABEL, LABEL)) -> str:
    """One layer: a line of shares, then the three histograms (``loss``: the lesson's name for L, C in the chains;
    ``labels`` and ``widths``: the histograms' ends as the whole view writes them, ``range_labels``)."""
    head = []
    if stats.saturated_share is not None:
        head.append(f"saturated {stats.saturated_share:.0%}")
    if stats.dead_share is not None:
        head.append(f"zero {stats.dead_share:.0%}")
    if stats.grad_to_weight is not None:
        head.append(f"std(∂{loss}/∂W)/std(W) {fmt(stats.grad_to_weight, 2)}")
    lines = [" · ".join(head)] if head else []
    for name, quantity in zip(("a", f"∂{loss}/∂a", f"∂{loss}/∂W"), QUANTITIES):
        hist = getattr(stats, quantity)
        line = f"  {name:<6} {sparkline(hist, (labels or {}).get(quantity), widths)}"
        if hist is not None and hist.total:
            line += f"  mean {fmt(hist.mean, 2)} std {fmt(hist.std, 2)}"
        lines.append(line)
        if hist is not None and 0 < hist.total < hist.size:  # (its own line: at 80 columns it wrapped mid-figure)
            lines.append(f"  {'':<6} and {not_finite(hist)}, not in the bars or the mean")
    return "\n".join(lines)


def heading(snap) -> tuple[str, str]:
    """Which step the histograms are of, and how far it got: "After step 2", or mid-step "In step 3" with the
    phase run last (QA6 C1: "After step 2" over step 3's activations); ∂L/∂W of a layer the step's backward
    pass has not reached says "(pending)" (``layer_stats``)."""
    if snap.last_phase in (None, "update"):
        return f"After step {snap.step:,}", snap.state_word
    step = f"In step {snap.step + 1:,}"
    if snap.halted:
        layer = f", layer {snap.halted.layer + 1}" if snap.halted.layer is not None else ""
        return step, f"halted in the {snap.halted.phase} phase{layer}"
    return step, f"{snap.last_phase} done, {'paused' if snap.state_word.startswith('paused') else snap.state_word}"


def ratio_legend(snap, room: int) -> str:
    """Each layer's mark and name, with its latest step's log10 ratio where they fit: a layer whose marks sit
    under another's (exploding-gradients' L3 under L4) is still read (QA7 C6)."""
    series = ratio_series(snap)
    marks = [f"{escape(LEGEND[i % len(LEGEND)])} L{i + 1}" for i in range(len(snap.layers))]
    if series is not None:
        steps, ratios = series
        values = ["none" if not np.isfinite(v) or v <= NO_UPDATE + 1 else fmt(float(v), 2) for v in ratios[-1]]
        with_values = [f"{mark} {value}" for mark, value in zip(marks, values)]
        head = f"step {int(steps[-1]):,}: "
        # the step and the values where they fit; else the values alone (9 layers at 100 columns: QA8 C13)
        tight = [f"{mark.replace(' ', '', 1)} {value}" for mark, value in zip(marks, values)]  # "━L1 −5.8"
        for prefix, shown, gap in ((head, with_values, " · "), ("", with_values, " · "), ("", tight, "  ")):
            if len(prefix + gap.join(shown)) <= room:
                return prefix + coloured(shown, gap)
    return coloured(marks, " · ")


def coloured(marks: list[str], gap: str) -> str:
    return gap.join(f"[{MARKUP_COLORS[i % len(MARKUP_COLORS)]}]{mark}[/]" for i, mark in enumerate(marks))


def ratio_series(snap):
    """(steps, log10 ratios [steps, layers]) to draw, the lines ending at this step; None before any update."""
    steps, ratios = snap.update_ratio_steps, snap.update_ratio_history
    if steps is not None and len(steps):  # the series keeps every k-th step: end the lines at this one
        steps, ratios = with_latest(steps, ratios, snap.step, [layer.diagnostics.update_ratio
                                                               for layer in snap.layers])
    return None if steps is None or len(steps) == 0 else (steps, ratios)


class RatioPlot(PlotextPlot):
    """log10 ‖ΔW‖/‖W‖ per layer against the step, and the line at −3."""

    _snap = None

    def on_resize(self) -> None:
        if self._snap is not None:
            self.show(self._snap)  # the labels' spacing depends on the height (the first show can precede layout)

    def show(self, snap) -> None:
        self._snap = snap
        self.border_subtitle = ratio_legend(snap, self.size.width - 4 if self.size.width else 10**6)  # (resized: again)
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("step")
        series = ratio_series(snap)
        if series is None:
            plt.title("no update yet: press space or n")
            self.refresh()
            return
        steps, ratios = series
        x = steps.tolist()
        # in dashes, no layer's mark: without colour (NO_COLOR) a grey braille line was L1's own
        plt.plot([x[0], x[-1]], [HEALTHY_LOG_RATIO, HEALTHY_LOG_RATIO], color="gray", marker="-")
        for i in reversed(range(ratios.shape[1])):  # L1 last, on top: the layer lessons ask about (QA8 C13)
            y = ratios[:, i]
            ok = np.isfinite(y) & (y > NO_UPDATE + 1)  # no update at all: drawn nowhere
            # One line per run of steps with an update: a line joined across steps with none drew updates of
            # 10^20 where nothing moved, through the healthy row (exploding-gradients' steps 3–4; QA7 B1).
            edges = np.flatnonzero(np.diff(np.concatenate([[False], ok, [False]]).astype(np.int8)))
            for start, end in zip(edges[::2], edges[1::2]):
                plt.plot(steps[start:end].tolist(), y[start:end].tolist(), color=COLORS[i % len(COLORS)],
                         marker=MARKERS[i % len(MARKERS)])
        # QA6 C5: a scale on which no point far from −3 is drawn on its row (the view gives it the rows it needs)
        low, high, above, below = ratio_range(ratios)
        ticks, low, high = fitted_axis(low, high, self.size.height - PLOT_FRAME_ROWS, above, below)
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
        self._plot_height = "1fr"

    def compose(self) -> ComposeResult:
        yield RatioPlot(id="ratio-plot")
        with VerticalScroll(id="layer-stats-scroll"):
            yield Static("", id="layer-stats-text")
        yield FittedFooter()

    def on_mount(self) -> None:
        self.query_one("#layer-stats-scroll").border_title = "This step, per layer (histograms of the batch)"
        self.set_interval(REDRAW_EVERY, self._redraw)
        self._redraw()

    def on_resize(self) -> None:
        if self._shown is not None:
            self._fit_plot(self._shown)

    def _fit_plot(self, snap) -> None:
        """Give the chart the rows its axis needs to draw each point honestly (QA6 C5: exploding-gradients took
        20 decades a row in 5 rows), up to all but ``HISTOGRAM_MIN`` rows of the screen; else half of it."""
        series = ratio_series(snap)
        free = self.size.height - self.query_one(FittedFooter).outer_size.height
        frame = PLOT_FRAME_ROWS + PLOT_BORDER
        fair = free // 2 - frame  # the plot's rows at 1fr: the two panes share the screen
        height = "1fr"
        if series is not None:
            low, high, above, below = ratio_range(series[1])
            rows = rows_wanted(low, high, fair, free - HISTOGRAM_MIN - frame, above, below,
                               most_above=free - HISTOGRAM_LEAST - frame)
            height = rows + frame if rows > fair else "1fr"
        if height != self._plot_height:
            self._plot_height = height
            self.query_one(RatioPlot).styles.height = height

    def _redraw(self) -> None:
        snap = self.owner.latest_snapshot
        if snap is None or snap is self._shown:
            return
        self._shown = snap
        plot = self.query_one(RatioPlot)
        plot.border_title = "log10 update:weight ratio ‖ΔW‖/‖W‖ per step (- - −3, healthy)"
        self._fit_plot(snap)  # (a new height redraws it again at its size)
        plot.show(snap)
        config = getattr(self.owner, "config", None)  # (mounting: lesson_renames(self) has no app config yet)
        loss = dict(getattr(config, "names", ()) or ()).get("L", "L")  # the lesson's name, as the inspector's (C)
        head, state = heading(snap)
        blocks = [f"[b]{head}[/b] ({escape(state)}). a: activations, saturated: tanh "
                  f"|a| > 0.96 or sigmoid a < 0.02 or > 0.98, zero: ReLU off. ∂{escape(loss)}/∂a: per sample. "
                  f"std(∂{escape(loss)}/∂W)/std(W): how big the gradient is next to the weights."]
        stats = [layer_stats(layer, BINS) for layer in snap.layers]
        labels, widths = range_labels(stats)
        series = ratio_series(snap)
        for layer, layer_stat, layer_labels in zip(snap.layers, stats, labels):
            title = f"[b]Layer {layer.index + 1}[/b] · {layer.activation} · {counted(layer.units, 'unit')}"
            latest = None if series is None else float(series[1][-1, layer.index])
            if latest is not None and np.isfinite(latest) and latest > NO_UPDATE + 1:
                # each layer's latest ratio, the chart's, where no other layer's marks can hide it (QA8 C13)
                title += f" · log10 ratio {fmt(latest, 2)}"
            text = describe(layer_stat, loss, layer_labels, widths)
            blocks.append(title + (" · " if not text.startswith(" ") else "\n") + escape(text))
        self.query_one("#layer-stats-text", Static).update("\n".join(blocks))
