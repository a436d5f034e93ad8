"""The layer statistics view: histograms and the update:weight ratio over time, never in the way of pause."""

import re

import numpy as np
import pytest
from rich.text import Text
from textual.geometry import Region

from tests.conftest import pause_latencies
from tui_backprop.app.app import BackpropApp
from tui_backprop.app.screens.layer_stats import TICK_STEPS, LayerStatsScreen, RatioPlot, plot_row, sparkline
from tui_backprop.core.figures import fmt
from tui_backprop.core.layer_stats import histogram
from tui_backprop.presets import load_preset


def test_layer_statistics_of_dead_relu(snap_compare):
    async def run_before(pilot):
        await pilot.press("n", "n", "n", "U")
        await pilot.pause(0.5)
    assert snap_compare(BackpropApp(load_preset("dead-relu"), questions=False), run_before=run_before, terminal_size=(100, 30))


def test_layer_statistics_at_80x24(snap_compare):
    async def run_before(pilot):
        await pilot.press("n", "n", "U")
        await pilot.pause(0.5)
    assert snap_compare(BackpropApp(load_preset("vanishing-gradients"), questions=False), run_before=run_before,
                        terminal_size=(80, 24))


async def test_the_view_shows_this_steps_numbers():
    app = BackpropApp(load_preset("dead-relu"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*["n"] * 10, "U")
        await pilot.pause(0.5)
        assert isinstance(app.screen, LayerStatsScreen)
        text = str(app.screen.query_one("#layer-stats-text").render())
        snap = app.main.latest_snapshot
        zero = np.mean(snap.layers[0].a <= 0.0)
        assert zero > 0.9 and f"zero {zero:.0%}" in text  # the lesson: layer 1's ReLUs die
        assert "After step 10" in text and "Layer 2 · sigmoid · 1 unit" in text
        plot = app.screen.query_one(RatioPlot)
        assert "(- - −3, healthy)" in str(plot.border_title)
        # marks, not colour alone (NO_COLOR), each with its latest log10 ratio
        ratios = snap.update_ratio_history[-1]
        assert Text.from_markup(plot.border_subtitle).plain == (
            f"step 10: ━ L1 {fmt(float(ratios[0]), 2)} · • L2 {fmt(float(ratios[1]), 2)}")
        await pilot.press("n")  # keys still drive training from the view
        await pilot.pause(0.5)
        assert app.session.step_count == 11 and "After step 11" in str(app.screen.query_one("#layer-stats-text").render())


def test_sparkline_draws_counts_as_bars():
    h = histogram([0.0, 0.1, 0.1, 0.9], bins=4, limits=(0.0, 1.0))
    line = sparkline(h)
    assert line == "      0 █  ▃ 1      "  # counts 3, 0, 0, 1: the tallest bar is the largest count
    assert sparkline(None) == "(pending)"


def test_a_histogram_of_equal_values_says_the_value_at_both_ends():
    """QA2: "a 5.5 █ 6.5" (the bins' padding) but "∂L/∂a −24 █ −24" (the same padding, rounded away)."""
    for values, text in (([6.0], "6"), ([-24.0], "−24"), ([0.1] * 3, "0.1")):
        ends = sparkline(histogram(values, 16)).split()
        assert (ends[0], ends[-1]) == (text, text), ends


def test_a_bound_of_negative_zero_reads_0():
    # digits' softmax layer: ∂L/∂a of the hidden units is at most −0.0 (np.histogram keeps the sign)
    h = histogram(np.array([-9.8, -0.5, -0.0, -0.0]), bins=4)
    assert str(h.edges[-1]) == "-0.0"
    assert sparkline(h).split()[-1] == "0"


def test_each_layer_has_its_own_mark_so_no_color_tells_them_apart():
    """QA: L1 and L2 differed only by colour."""
    from types import SimpleNamespace

    plot = RatioPlot()
    marks = []
    plot.plt.plot = lambda x, y, color=None, marker=None: marks.append(marker)
    snap = SimpleNamespace(update_ratio_steps=np.array([16, 32, 48]), step=48, layers=(),
                           update_ratio_history=np.array([[-3.0, -2.0, -1.0]] * 3))
    plot.show(snap)
    # the −3 line in dashes (QA5 C10: not L1's braille), then L3, L2, L1: L1 on top (QA8 C13)
    assert marks == ["-", "x", "•", "braille"]


def test_the_ratio_plots_step_labels_have_separators():
    from types import SimpleNamespace

    plot = RatioPlot()
    got = {}
    plot.plt.xticks = lambda ticks, labels=None: got.update(ticks=ticks, labels=labels)
    plot.plt.yticks = lambda ticks, labels=None: got.update(y_labels=labels)
    snap = SimpleNamespace(update_ratio_steps=np.array([16, 1828, 3640]), step=3640, layers=(),
                           update_ratio_history=np.array([[-3.0], [-2.5], [-2.8]]))
    plot.show(snap)
    assert got == {"ticks": [16, 1828, 3640], "labels": ["16", "1,828", "3,640"], "y_labels": ["−3"]}


def test_the_ratio_axis_has_whole_decades_on_evenly_spaced_rows_through_minus_3():
    """QA2: the y labels read −1, −3, −4 (the ends rounded, and −3). Then at 80×24 (five rows) −1, −2, −3 sat on
    rows 4, 2, 1: two rows apart, then one; and the grey line at −3 was drawn a row below its label."""
    from tui_backprop.app.screens.layer_stats import ratio_axis

    assert ratio_axis(-3.3, -0.7, 5) == ([-4, -3, -2, -1, 0], -4, 0)  # xor at 80×24: one decade a row
    assert ratio_axis(-4.6, -0.4, 12)[0] == [-5, -4, -3, -2, -1, 0]  # every other row
    assert ratio_axis(-9.3, 0.3, 6)[0] == [-8, -3, 2]  # a subset of the decades, two rows apart
    assert ratio_axis(-3.3, -2.7, 5)[0] == [-3, -2]  # a narrow range: still two labels, the scale readable
    for rows in range(5, 31):
        for low, high in ((-4.6, -0.4), (-12.0, 2.0), (-3.9, -1.1), (-3.3, -2.7), (-153.3, -2.7), (-7.0, 0.0)):
            ticks, bottom, top = ratio_axis(low, high, rows)
            assert bottom <= low and high <= top  # every point in view
            assert -3 in ticks and len(ticks) >= 2 and all(t == round(t) for t in ticks)
            assert len(set(np.diff(ticks))) == 1 and np.diff(ticks)[0] in TICK_STEPS
            on_rows = [plot_row(t, bottom, top, rows) for t in ticks]  # plotext's own rounding
            assert len(set(np.diff(on_rows))) == 1 and 0 <= on_rows[0] and on_rows[-1] <= rows - 1, (low, high, rows)
            # a braille line (four dots a row) at −3 lands in the row of the label "−3"
            assert plot_row(-3, bottom, top, 4 * rows) // 4 == plot_row(-3, bottom, top, rows)


async def test_at_80x24_the_ratio_axis_labels_are_evenly_spaced_on_screen():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.session.run(50)
        app.screen.publish_now()
        await pilot.press("U")
        await pilot.pause(0.5)
        plot = app.screen.query_one(RatioPlot)
        lines = [strip.text for strip in plot.render_lines(Region(0, 0, *plot.size))]
        labelled = [(i, line.split("┤")[0].strip("│ ")) for i, line in enumerate(lines) if "┤" in line]
        rows, labels = zip(*labelled)
        values = [int(label.replace("−", "-")) for label in labels]
        assert len(rows) >= 2 and len(set(np.diff(rows))) == 1, lines
        assert len(set(np.diff(values))) == 1 and -3 in values, lines


async def test_after_a_long_run_the_ratio_axis_starts_at_step_1():
    """QA2: the U view's x axis started at "16"."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.session.run(3000)
        app.screen.publish_now()
        plot = None
        got = {}
        await pilot.press("U")
        await pilot.pause(0.5)
        plot = app.screen.query_one(RatioPlot)
        plot.plt.xticks = lambda ticks, labels=None: got.update(x=labels)
        plot.plt.yticks = lambda ticks, labels=None: got.update(y=labels)
        plot.show(app.main.latest_snapshot)
        assert got["x"][0] == "1" and got["x"][-1] == "3,000", got
        ys = [float(t.replace("−", "-")) for t in got["y"]]
        assert -3 in ys and len(set(np.diff(ys))) <= 1, got


async def test_the_ratio_lines_end_at_the_step_the_run_is_at():
    """QA5 K12: the series keeps every k-th step, so the axis ended at 1,996 under 'After step 1,998'."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.session.run(2998)
        app.screen.publish_now()
        await pilot.press("U")
        await pilot.pause(0.5)
        snap = app.main.latest_snapshot
        assert snap.step == 2998 and snap.update_ratio_steps[-1] < 2998  # thinned: the last kept step is earlier
        plot = app.screen.query_one(RatioPlot)
        got, lines = {}, []
        plot.plt.xticks = lambda ticks, labels=None: got.update(x=labels)
        plot.plt.plot = lambda x, y, color=None, marker=None: lines.append((x, y))
        plot.show(snap)
        assert got["x"][-1] == "2,998", got
        last = [layer.diagnostics.update_ratio for layer in snap.layers]
        assert [line[0][-1] for line in lines[1:]] == [2998, 2998]  # each layer's line ends at this step …
        assert [line[1][-1] for line in lines[:0:-1]] == pytest.approx(np.log10(last))  # … at its ratio (L1 last)


@pytest.mark.flaky(reruns=2)
async def test_pause_within_100_ms_with_the_statistics_open():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("U")
        latencies = await pause_latencies(pilot, app)
        assert isinstance(app.screen, LayerStatsScreen)
    assert latencies[1] <= 0.1, latencies


async def test_the_view_names_the_loss_as_the_lesson_does():
    """QA2 11: chain-two-weights calls the loss C (lesson, inspector); U said ∂L/∂a."""
    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "U")
        await pilot.pause(0.5)
        text = str(app.screen.query_one("#layer-stats-text").render())
        assert "∂C/∂a: per sample" in text and "  ∂C/∂a " in text and "∂L/" not in text


def test_values_that_are_not_finite_are_said_in_words():
    """QA5 B2: a blown-up layer's histograms say so; all NaN read "(pending)" before."""
    assert sparkline(histogram(np.full(16, np.nan), 16)) == "all 16 NaN"
    assert sparkline(histogram([np.inf] * 3 + [np.nan], 4)) == "all 4 not finite: 1 NaN, 3 +∞"
    from tui_backprop.app.screens.layer_stats import describe
    from tui_backprop.core.layer_stats import LayerStats

    some = histogram([1.0, 2.0, np.inf, np.nan, np.nan], 4)
    assert sparkline(some).split()[0] == "1" and sparkline(some).split()[-1] == "2"
    lines = describe(LayerStats(1, "relu", None, None, 0.0, None, some, None)).splitlines()
    assert lines[-2].startswith("  ∂L/∂W") and "mean 1.5 std 0.5" in lines[-2]
    assert lines[-1] == "         and 2 NaN, 1 +∞, not in the bars or the mean"
    ends = sparkline(histogram(np.full(10, 2.8918816491234076e145), 16)).split()
    assert (ends[0], ends[-1]) == ("2.9e145", "2.9e145")


def test_a_dip_below_the_margin_thins_the_margin_before_it_doubles_the_scale():
    """QA5 C1: xor at 80×24 (5 rows), data −3.76 … −1.07: the 0.3 margin pushed it past −4 … 0, the axis went
    to −7 … 1 (two decades a row) and L1 at 10^−1.8 drew on the row labelled −1."""
    from tui_backprop.app.screens.layer_stats import ratio_axis, ratio_limits

    assert ratio_axis(-3.76 - 0.3, -1.07 + 0.3, 5)[0] == [-7, -5, -3, -1, 1]  # what it was
    assert ratio_limits(-3.76, -1.07, 5) == ([-4, -3, -2, -1, 0], -4, 0)
    assert ratio_limits(-3.7, -1.3, 5) == ratio_axis(-4.0, -1.0, 5)  # room for the margin: unchanged
    for rows in range(5, 31):
        for low, high in ((-3.76, -1.07), (-3.99, -1.01), (-7.48, -0.82), (-12.0, 2.0), (-3.3, -3.0), (-153.3, -3.0)):
            ticks, bottom, top = ratio_limits(low, high, rows)
            assert bottom <= low and high <= top and -3 in ticks  # every point in view
            wide = ratio_axis(low - 0.3, high + 0.3, rows)
            assert top - bottom <= wide[2] - wide[1]  # never a coarser scale than the 0.3 margin's


def chart_rows(plot) -> tuple[list[str], int, dict[int, float]]:
    """The plot's rows inside its frame (top first), the column of its y axis, and each labelled row's value."""
    lines = [strip.text for strip in plot.render_lines(Region(0, 0, *plot.size))]
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    axis = lines[top].index("┌")
    rows = lines[top + 1: bottom]
    labels = {i: float(row[1:axis].strip().replace("−", "-")) for i, row in enumerate(rows) if row[axis] == "┤"}
    return rows, axis, labels


async def halted_with_u_open(pilot, app) -> None:
    """Run exploding-gradients to its halt (in step 6: ratios for steps 1–5), then open the U view."""
    await pilot.press("escape")
    session = app.session
    for _ in range(20):  # (the lesson's notes stop a run)
        if session.halted:
            break
        session.run(10)
    app.main.publish_now()
    await pilot.press("U")
    await pilot.pause(0.6)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (60, 20)])
async def test_exploding_gradients_step_1_is_drawn_above_the_healthy_row(size):
    """QA6 C5: at 80×24 the axis took 20 decades a row (5 rows) and step 1's 10^2.4 … 10^3.2, "hundreds of times
    the weights" in the lesson, was drawn on the row labelled −3, healthy; at 60×20, 100 decades a row, the whole
    blow-up was. The chart now takes the rows it needs: step 1 is drawn on a row that stands for 10^3.7."""
    app = BackpropApp(load_preset("exploding-gradients"), questions=False)
    async with app.run_test(size=size) as pilot:
        await halted_with_u_open(pilot, app)
        snap = app.main.latest_snapshot
        assert snap.halted and snap.update_ratio_steps[0] == 1
        step1 = snap.update_ratio_history[0]
        assert (step1 > 2.3).all() and (step1 < 3.3).all()  # the lesson's "log10 ratio above 2"
        plot = app.screen.query_one(RatioPlot)
        rows, axis, labels = chart_rows(plot)
        (at_a, a), (at_b, b) = sorted(labels.items())[:2]
        per_row = (a - b) / (at_b - at_a)  # the rows run top down
        healthy = next(i for i, value in labels.items() if value == -3)
        drawn = [i for i, row in enumerate(rows) if row[axis + 1] != " "]  # step 1's column
        assert rows[healthy][axis + 1] == "-"  # the healthy line alone on its row there
        marks = [i for i in drawn if i != healthy]
        assert marks and all(i < healthy for i in marks), rows  # every step-1 mark above it …
        for i in marks:  # … on a row within half a row of what step 1's ratios are, and above 2
            value = -3 + (healthy - i) * per_row
            assert min(abs(value - step1)) <= per_row / 2 and value > 2, (value, step1, per_row)
        if size == (80, 24):
            assert sorted(labels.values()) == [-3, 17, 37] and per_row == pytest.approx(20 / 3)
            assert len(rows) == 10 and marks == [healthy - 1]  # 10^3.67
        scroll = app.screen.query_one("#layer-stats-scroll")
        assert scroll.size.height >= 1  # the histograms keep a line at least (and scroll)


async def test_no_ratio_line_is_drawn_across_steps_with_no_update():
    """QA7 B1: exploding-gradients' steps 3 and 4 moved (almost) no weight, yet each layer's line joined step 2
    to step 5 straight across them: updates of 10^20 … 10^40 where there were none."""
    app = BackpropApp(load_preset("exploding-gradients"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await halted_with_u_open(pilot, app)
        snap = app.main.latest_snapshot
        assert list(snap.update_ratio_steps) == [1, 2, 3, 4, 5]
        assert (snap.update_ratio_history[3] < -100).all()  # step 4: no update in any layer
        plot = app.screen.query_one(RatioPlot)
        # each layer's latest ratio beside its mark: L3's marks sit under L4's (QA7 C6)
        legend = Text.from_markup(plot.border_subtitle).plain
        assert legend.startswith("step 5: ") and all(
            f"L{i + 1} {fmt(float(v), 2)}" in legend for i, v in enumerate(snap.update_ratio_history[-1])), legend
        rows, axis, _ = chart_rows(plot)
        cols = range(axis + 1, len(rows[0]))  # steps 1 … 5, left to right (no frame on the right)
        between = [c for c in cols if 3.3 < 1 + 4 * (c - cols[0]) / (len(cols) - 1) < 4.7]  # steps 3 … 5
        assert between and all(row[c] in " -" for row in rows for c in between), [
            "".join(row[c] for c in between) for row in rows]


async def test_mid_step_the_view_says_which_step_and_marks_last_steps_gradients_pending():
    """QA6 C1: xor, n n p p p (step 3: forward and loss done): "After step 2" over step 3's activations, and
    step 2's ∂L/∂W unmarked under them, with its ratio on the layer's line."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape", "n", "n", "p", "p", "p", "U")
        await pilot.pause(0.6)
        snap = app.main.latest_snapshot
        assert snap.step == 2 and snap.last_phase == "loss"
        assert [layer.backward_pending for layer in snap.layers] == [True, True]
        text = str(app.screen.query_one("#layer-stats-text").render())
        assert text.startswith("In step 3 (loss done, paused). ") and "After step" not in text
        assert text.count("  ∂L/∂W  (pending)") == 2 and "std(∂L/∂W)/std(W) 0" not in text
        assert "  ∂L/∂a  (pending)" in text.split("Layer 2")[0]  # layer 1: not reached either
        lines = text.split("Layer 2")[1].splitlines()
        assert lines[2].startswith("  ∂L/∂a ") and "mean" in lines[2]  # the output's: from this step's loss
        await pilot.press("escape", "p", "p", "U")  # backward L2, L1: each layer's gradient once its pass has run
        await pilot.pause(0.6)
        text = str(app.screen.query_one("#layer-stats-text").render())
        assert text.startswith("In step 3 (backward L1 done, paused). ") and "(pending)" not in text
        assert "std(∂L/∂W)/std(W) " in text


def bar_columns(lines: list[str]) -> set[int]:
    """The column each histogram row's bars start at (after its name and its low end's label)."""
    columns = set()
    for line in lines:
        name = line[2:9].strip()
        if line.startswith("  ") and name in ("a", "∂L/∂a", "∂L/∂W") and "(pending)" not in line:
            low = re.match(r"  \S+ +\S+ ", line)
            assert low and "std" in line, line  # one row each: at 80 columns a row must not wrap
            columns.add(low.end())
    return columns


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("preset, steps, label", [("vanishing-gradients", 2, "−1.4e−4"),
                                                  ("neuron-with-bias", 100, "−7.1e−15")])
async def test_every_histogram_rows_bars_start_in_one_column(size, preset, steps, label):
    """QA5 K2: vanishing-gradients' '∂L/∂a  −0.00012 ▅▅▅' sat a cell right of '∂L/∂a  −3.6e−5 ▃', its label one
    cell wider than the 7 the rows kept, and in another format. One quantity's small ends now share a format, and the
    rows keep the widest label's cells: neuron-with-bias's ∂L/∂a reads −7.1e−15 (8 cells) after 100 steps."""
    app = BackpropApp(load_preset(preset), questions=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for _ in range(3 * steps):  # on past the lesson's pauses (after each backward pass)
            if app.session.step_count < steps:
                app.session.run(steps - app.session.step_count)
        app.screen.publish_now()
        await pilot.press("U")
        await pilot.pause(0.5)
        text = app.screen.query_one("#layer-stats-text")
        lines = [strip.text[1:] for strip in text.render_lines(Region(0, 0, *text.size))]  # (its padding)
        assert app.main.latest_snapshot.step == steps and app.main.latest_snapshot.last_phase == "update"
        assert any(f"∂L/∂a  {label} " in line for line in lines), lines
        assert len(bar_columns(lines)) == 1, lines
        gradients = [line.split()[1] for line in lines if line.startswith("  ∂L/∂a ")]
        assert len(gradients) == len(app.session.snapshot().layers)
        # no "−0.00014" beside "−3e−5": small ends take a power of ten; 1 and up stay plain ("−2.4", not "−2.4e0")
        assert not any(end.lstrip("−").startswith("0.") or end.endswith("e0") for end in gradients), gradients


async def test_vanishing_gradients_layer_1_is_read_on_top_in_the_legend_and_in_its_header():
    """QA8 C13: the lesson asks for layer 1's ratio (near 10⁻⁶), but L2–L4's marks covered L1's row and with 9
    layers the legend dropped the values. L1 is drawn last (on top), the legend keeps the values in a tighter
    form where they fit, and each layer's header gives its latest log10 ratio."""
    app = BackpropApp(load_preset("vanishing-gradients"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for _ in range(30):  # on past the lesson's notes
            if app.session.step_count < 10:
                app.session.run(10 - app.session.step_count)
        app.screen.publish_now()
        await pilot.press("U")
        await pilot.pause(0.5)
        latest = np.log10([layer.diagnostics.update_ratio for layer in app.session.snapshot().layers])
        legend = Text.from_markup(app.screen.query_one(RatioPlot).border_subtitle).plain
        assert legend.startswith(f"━L1 {fmt(latest[0], 2)}  •L2 {fmt(latest[1], 2)}"), legend
        text = app.screen.query_one("#layer-stats-text")
        lines = [strip.text for strip in text.render_lines(Region(0, 0, *text.size))]
        assert any(f"Layer 1 · sigmoid · 8 units · log10 ratio {fmt(latest[0], 2)} ·" in line for line in lines)
