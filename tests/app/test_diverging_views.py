"""Runs that blow up never take the app down (QA5 B1, B2, B3): every view the main screen offers, opened after
the halt and open while the run goes into it, stays up and says what it shows in words.

exploding-gradients halts in step 6's backward pass (NaN gradients; the output is 2.9e145 for all 10 samples);
learning-rate-too-high halts in step 1,054's loss phase (losses up to 1.136e308, then ∞). The session is run
directly (or at full speed) to just before the halt, so each test takes a few seconds.
"""

import io

import pytest
from rich.console import Console

from tests.conftest import until, wait_until_stopped
from tui_backprop.app.app import BackpropApp
from tui_backprop.app.screens.landscape import LandscapeScreen
from tui_backprop.app.screens.layer_stats import LayerStatsScreen
from tui_backprop.app.screens.main import MainScreen
from tui_backprop.app.screens.sweep import SweepScreen
from tui_backprop.app.widgets.loss_curve import LossCurve
from tui_backprop.presets import load_preset

SIZE = (80, 24)  # the QA's terminal
# preset: (the step it halts in, a step a little before it, words the U view says about the blown-up layers)
RUNS = {
    # layer 1's ∂L/∂W: step 5's until the backward pass reaches it, so pending (QA6 C1; it read "all 16 NaN")
    "exploding-gradients": (6, 4, ("∂L/∂W  (pending)", "and 8 NaN", "2.9e145")),
    "learning-rate-too-high": (1054, 1045, ("1.5e154",)),
}


def screen_text(app) -> str:
    """What the terminal shows, as plain text."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, color_system=None,
                      record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


def alive(app) -> None:
    assert app.is_running and app.return_code is None, "the app exited"


def advance(app, to_step: int) -> None:
    """Run the session itself (paused, no runner) up to ``to_step`` whole steps or its halt, then draw it."""
    session = app.main.session
    for _ in range(100):  # the lesson's notes and pause points stop a run: go on past them
        if session.halted or session.step_count >= to_step:
            break
        session.run(to_step - session.step_count)
    app.main.publish_now()


async def run_into_the_halt(pilot, app) -> None:
    """space at full speed until the run halts (a lesson note may stop it first: space again)."""
    app.main.runner.max_steps_per_second = None
    for _ in range(10):
        if app.session.halted:
            break
        await pilot.press("space")
        await wait_until_stopped(pilot, app, timeout=20)
    assert app.session.halted, "the run never halted"
    await pilot.pause(0.5)  # its last snapshot drawn by the open view (U redraws every 0.25 s)


async def landscape_drawn(pilot, app) -> str:
    assert await until(pilot, lambda: isinstance(app.screen, LandscapeScreen) and app.screen.result is not None, 10)
    await pilot.pause(0.2)
    return screen_text(app)


async def check_layer_stats(pilot, app, words) -> None:
    await until(pilot, lambda: isinstance(app.screen, LayerStatsScreen), 5)
    await pilot.pause(0.5)
    alive(app)
    text = str(app.screen.query_one("#layer-stats-text").render())
    halted = app.session.halted  # the step it halted in, which phase (QA6 C1: "After step 5" over step 6's a)
    assert text.startswith(f"In step {halted.step:,} (halted in the {halted.phase} phase")
    for word in words:
        assert word in text, (word, text)


def check_landscape(app, text: str, preset: str) -> None:
    caption = str(app.screen.query_one("#landscape-caption").render())
    if preset == "exploding-gradients":  # two weights of layer 1, their gradients NaN
        assert "∂L/∂w1₁₁ = NaN" in caption and "The gradient is NaN: no next step to draw (r resets)" in caption
        assert "6.1e17 ┤" in text and "−5.5e18 ┤" in text  # whole labels, not "6.1e1"
    else:  # one weight: the loss there overflowed
        assert "L = ∞" in caption and "no point or tangent to draw" in caption
        assert "e308┤" in text  # the curve's axis reaches the float maximum, labelled


@pytest.mark.parametrize("preset", list(RUNS))
async def test_every_view_after_the_halt(preset):
    halt, _, words = RUNS[preset]
    app = BackpropApp(load_preset(preset), questions=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        advance(app, 10_000)
        assert app.session.halted and app.session.halted.step == halt
        await pilot.pause(0.5)
        alive(app)
        # The main view: the loss chart (B1 raised from its render) and the halt's words.
        assert f"halted  step {halt:,}" in str(app.query_one("#status").render())
        chart = app.query_one(LossCurve).render().plain
        assert "┤" in chart and "nan" not in chart.lower() and "inf" not in chart.lower()
        if preset == "learning-rate-too-high":
            assert "1e308┤" in chart  # the log axis reaches the last finite loss, 1.136e308

        await pilot.press("U")  # B2: the lesson's own "Press U"
        await check_layer_stats(pilot, app, words)
        await pilot.press("escape")

        await pilot.press("H")  # B3
        check_landscape(app, await landscape_drawn(pilot, app), preset)
        await pilot.press("m")  # the other mode (two weights ↔ one)
        await pilot.pause(1.0)
        alive(app)
        await pilot.press("escape")

        await pilot.press("G")  # the computation graph, on the main view
        await pilot.pause(0.3)
        alive(app)
        assert "Computation graph" in screen_text(app) and ("∂ NaN" in screen_text(app) or "L ∞" in screen_text(app))
        await pilot.press("G")

        for gradients in (True, False):  # D: the diagram's gradients, then its weights again
            await pilot.press("D")
            await pilot.pause(0.3)
            alive(app)
            assert ("∂L/∂w" in str(app.query_one("#diagram").border_subtitle)) == gradients

        await pilot.press("I")  # the digits view: not this lesson's, it says so
        await pilot.pause(0.3)
        alive(app)
        assert isinstance(app.screen, MainScreen)

        await pilot.press("S")  # the sweep trains 32 seeds into the same blow-up
        assert await until(pilot, lambda: isinstance(app.screen, SweepScreen), 5)
        assert await until(pilot, lambda: "(done)" in screen_text(app), 30)
        alive(app)
        assert "NaN/inf at" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause(0.3)
        alive(app)
        assert isinstance(app.screen, MainScreen) and app.session.halted


@pytest.mark.parametrize("preset", list(RUNS))
async def test_views_open_while_the_run_goes_into_its_halt(preset):
    halt, before, words = RUNS[preset]
    app = BackpropApp(load_preset(preset), questions=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")

        # U open (QA5: "dead within 3 s, before the halt toast can be read")
        advance(app, before)
        await pilot.press("U")
        await run_into_the_halt(pilot, app)
        await check_layer_stats(pilot, app, words)

        # H open: the arrow's NaN angle came on the step that reached the halt
        await pilot.press("escape", "r")
        await pilot.pause(0.3)
        assert not app.session.halted and app.session.step_count == 0
        advance(app, before)
        await pilot.press("H")
        await landscape_drawn(pilot, app)
        await run_into_the_halt(pilot, app)
        await until(pilot, lambda: app.screen.result is not None and app.screen.result.step == halt - 1, 10)
        alive(app)
        check_landscape(app, screen_text(app), preset)

        # the main view, its chart and the diagram's gradients (D) on, and then the graph (G)
        await pilot.press("escape", "r")
        await pilot.pause(0.3)
        advance(app, before)
        await pilot.press("D")
        await run_into_the_halt(pilot, app)
        alive(app)
        app.query_one(LossCurve).render()
        assert "∂L/∂w" in str(app.query_one("#diagram").border_subtitle)
        await pilot.press("D", "r")
        await pilot.pause(0.3)
        advance(app, before)
        await pilot.press("G")
        await run_into_the_halt(pilot, app)
        alive(app)
        assert "Computation graph" in screen_text(app)
        await pilot.press("G")
        await pilot.pause(0.3)
        alive(app)
        assert f"halted  step {halt:,}" in str(app.query_one("#status").render())


@pytest.mark.parametrize("size, labels", [
    ((80, 24), ["∞", "2e308", "1.5e308", "1e308", "5e307", "0"]),  # 13 rows for the numbers, labels 3 apart
    ((100, 30), ["∞", "1.5e308", "1e308", "5e307", "0"]),  # 20 rows, 5 apart
])
async def test_one_weights_curve_after_the_overflow_labels_its_axis_evenly(size, labels):
    """QA6 K6: learning-rate-too-high after its halt, H one weight: one label, `1e308`, at mid-height, and its
    losses too large for a number drawn at the largest finite one. Now round labels an equal number of rows
    apart down to the curve's bottom (0), and the ∞ losses on a row of their own, labelled ∞."""
    app = BackpropApp(load_preset("learning-rate-too-high"), questions=False)
    async with app.run_test(size=size) as pilot:
        advance(app, 10_000)
        assert app.session.halted and app.session.halted.step == 1054
        await pilot.press("H")
        if "one" not in app.screen.classes and "-one" not in app.screen.classes:
            await pilot.press("m")
        text = await landscape_drawn(pilot, app)
        lines = text.splitlines()
        top = next(i for i, line in enumerate(lines) if "┌" in line)
        bottom = next(i for i, line in enumerate(lines) if "└" in line)
        rows = [line.split("│", 1)[1] for line in lines[top + 1:bottom]]
        at = [i for i, row in enumerate(rows) if "┤" in row]
        assert [rows[i].split("┤")[0].strip() for i in at] == labels
        assert at[0] == 0 and at[-1] == len(rows) - 1  # ∞ on the top row, 0 on the bottom one
        assert len(set(at[i + 1] - at[i] for i in range(1, len(at) - 1))) == 1, at  # the numbers evenly apart
        assert rows[0].count("⠉") > 20  # the overflowing losses are drawn on the ∞ row


async def test_a_flat_one_weight_curve_reads_its_one_value_on_its_row():
    """exploding-gradients' halt, H one weight (w2₁₁): L is 8.363e290 whatever w2₁₁ is. The axis read
    `8e290` three times (tick's one digit on 8, 8.25, 8.5); it says the value once, on the line's row."""
    app = BackpropApp(load_preset("exploding-gradients"), questions=False)
    async with app.run_test(size=SIZE) as pilot:
        advance(app, 10)
        await pilot.press("G", "right", "right", "right", "escape", "H")  # the landscape of w2₁₁
        text = await landscape_drawn(pilot, app)
        if "-one" not in app.screen.classes:
            await pilot.press("m")
            text = await landscape_drawn(pilot, app)
        assert "L(w2₁₁)" in text
        labelled = [line for line in text.splitlines() if "┤" in line]
        assert len(labelled) == 1 and labelled[0].split("┤")[0].strip("│ ") == "8.363e290", labelled
        assert "●" in labelled[0] and labelled[0].count("⠤") > 20  # the flat line and the point are drawn on it
