"""The loss landscape view: right numbers on screen, both paths in compare mode, never in the way of pause."""

import numpy as np
import pytest

from tests.conftest import pause_latencies
from tui_backprop.app.app import BackpropApp
from tui_backprop.app.screens.landscape import LandscapeScreen
from tui_backprop.app.widgets.landscape import LandscapePlot, Run, bands
from tui_backprop.presets import load_preset


async def landscape_shown(pilot, step: int | None = None) -> LandscapeScreen:
    """Wait until the worker has drawn a landscape (for ``step`` completed steps)."""
    for _ in range(200):
        await pilot.pause(0.05)
        screen = pilot.app.screen
        if isinstance(screen, LandscapeScreen) and screen.result is not None \
                and (step is None or screen.result.step == step):
            await pilot.pause(0.1)
            return screen
    raise AssertionError("the landscape was never drawn")


def open_after(steps: int, *more: str):
    async def run_before(pilot):
        await pilot.press(*(["n"] * steps), "H", *more)
        await landscape_shown(pilot)
    return run_before


def test_chain_two_weights_landscape_after_a_few_steps(snap_compare):
    # n twice per step (the lesson stops after backward): 2 steps done, the third's gradients computed.
    assert snap_compare(BackpropApp(load_preset("chain-two-weights"), questions=False), run_before=open_after(5),
                        terminal_size=(100, 30))


def test_chain_two_weights_one_parameter_mode(snap_compare):
    assert snap_compare(BackpropApp(load_preset("chain-two-weights"), questions=False), run_before=open_after(1, "m"),
                        terminal_size=(100, 30))


def test_landscape_at_80x24(snap_compare):
    assert snap_compare(BackpropApp(load_preset("chain-two-weights"), questions=False), run_before=open_after(5),
                        terminal_size=(80, 24))


async def test_before_the_first_step_a_minibatch_preset_shows_step_1s_batch():
    """QA5 B7: circle (batches of 10) at step 0 said 'the whole training set (= the batch)'; since QA8 C11 the
    landscape is on the batch step 1 will draw (peeked, not drawn)."""
    app = BackpropApp(load_preset("circle"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("H")
        screen = await landscape_shown(pilot, step=0)
        assert screen.result.data == "step 1's batch of 10"
        assert "(= the batch)" not in str(screen.query_one("#landscape-caption").render())


async def test_xors_arrow_is_the_gradient_step_4_uses():
    """QA8 C11: after step 3 the arrow was −lr·g on step 3's batch (already used), half of step 4's real update."""
    from tui_backprop.training.session import Session

    headless = Session.headless(load_preset("xor"))
    headless.run(3)
    headless.step()  # step 4: its gradient at step 3's updated weights, on its own batch
    used = headless.network.grads.copy()
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "n", "n", "H")
        screen = await landscape_shown(pilot, step=3)
        result = screen.result
        w11, w12 = screen.chosen
        assert abs(result.gradient[0] - used[w11]) <= 1e-12 and abs(result.gradient[1] - used[w12]) <= 1e-12
        assert result.gradient[0] == pytest.approx(-0.02086042, abs=1e-8)  # QA's step 4 (step 3's batch: −0.01084)
        assert result.runs[0].step == pytest.approx((-0.1 * used[w11], -0.1 * used[w12]), abs=1e-15)
        caption = str(screen.query_one("#landscape-caption").render())
        assert "on step 4's batch of 10" in caption and "∙→ next step −lr·g" in caption
        await pilot.press("t")  # the whole training set: not the next step, and the caption says so
        screen = await landscape_shown(pilot, step=3)
        caption = str(screen.query_one("#landscape-caption").render())
        assert "on the whole training set" in caption and "∙→ full-batch −lr·g;" in caption
        assert "next step −lr·g" not in caption
        await pilot.press("escape", "n", "H")  # the arrow is the very update step 4 then makes
        screen = await landscape_shown(pilot, step=4)
        assert np.array_equal(app.session.network.grads, used)


async def test_with_adam_the_arrow_is_adams_update():
    app = BackpropApp(load_preset("xor").replace("training", optimizer="adam"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "n", "H")
        screen = await landscape_shown(pilot, step=2)
        arrow = screen.result.runs[0].step
        w11, w12 = screen.chosen
        caption = str(screen.query_one("#landscape-caption").render())
        assert "∙→ next step (Adam's update);" in caption
        await pilot.press("escape", "n")
        await pilot.pause(0.2)
        update = app.session.optimizer.last_update
        assert arrow == pytest.approx((update[w11], update[w12]), abs=1e-15)


async def test_grid_path_and_arrow_are_the_sessions_numbers():
    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "n", "n", "H")  # step 1 applied, step 2's gradients computed
        screen = await landscape_shown(pilot, step=1)
        result = screen.result
        session = app.session
        assert screen.chosen == (0, 1) and result.data.startswith("the whole training set")
        surface = result.surface
        w1, w2 = np.meshgrid(surface.xs, surface.ys)
        assert surface.loss == pytest.approx(0.5 * (2.0 * w1 * w2 - 30.0) ** 2)  # C = ½(w2·w1·x − y)²
        assert surface.xs[0] < 3.0 < 3.48 < surface.xs[-1] and surface.ys[0] < 4.0 < 4.36 < surface.ys[-1]
        run = result.runs[0]
        assert np.allclose(run.path, [[3.0, 4.0], [3.48, 4.36]])
        assert run.point == pytest.approx((3.48, 4.36))
        # ŷ = 4.36·3.48·2 = 30.3456, so ∂C/∂w1 = 0.3456·4.36·2 and ∂C/∂w2 = 0.3456·6.96; the arrow is −0.01·g.
        assert result.gradient == pytest.approx((0.3456 * 8.72, 0.3456 * 6.96))
        assert run.step == pytest.approx((-0.01 * 0.3456 * 8.72, -0.01 * 0.3456 * 6.96))
        assert session.network.grads.tolist() == pytest.approx(list(result.gradient))
        caption = str(screen.query_one("#landscape-caption").render())
        assert "w1 → and w2 ↑" in caption and "after 1 step." in caption
        assert "∂C/∂w1 = 3.014, ∂C/∂w2 = 2.405" in caption  # the lesson's C; the inspector's 4 digits, not 3 and 2.4


async def test_xors_caption_names_weights_as_the_inspector_does():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n", "n", "n", "n", "H")
        screen = await landscape_shown(pilot, step=5)
        caption = str(screen.query_one("#landscape-caption").render())
        g1, g2 = screen.result.gradient
        assert "over w1₁₁ → and w1₁₂ ↑" in caption  # layer 1, unit 1, inputs 1 and 2: not "L1 w[1,1]"
        assert f"∂L/∂w1₁₁ = {g1:.4g}".replace("-", "−") in caption
        assert (f"∂L/∂w1₁₂ = {g2:.4g} at step 5's updated weights. Other parameters "
                "fixed.").replace("-", "−") in caption


async def test_the_slope_says_at_which_weights_it_is():
    """QA2 9: H said ∂C/∂w1 = 3.014 while G said −48 after step 1: H's slope is at the updated weights."""
    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "n", "H")  # step 1's backward (∂C/∂w1 = −48), then its update: w1 3.48, w2 4.36
        screen = await landscape_shown(pilot, step=1)
        assert app.session.last_phase == "update"
        assert app.session.network.grads.tolist() == [-48.0, -36.0]  # the inspector's and G's: before the update
        caption = str(screen.query_one("#landscape-caption").render())
        assert "∂C/∂w1 = 3.014, ∂C/∂w2 = 2.405 at step 1's updated weights" in caption
        assert screen.result.gradient == pytest.approx((0.3456 * 8.72, 0.3456 * 6.96))
        await pilot.press("escape", "n", "H")  # step 2's backward: the weights it uses are the weights now
        screen = await landscape_shown(pilot, step=1)
        caption = str(screen.query_one("#landscape-caption").render())
        assert caption.endswith("∂C/∂w1 = 3.014, ∂C/∂w2 = 2.405") and "update" not in caption  # as the inspector's


async def test_the_grid_is_reused_while_the_point_stays_inside():
    app = BackpropApp(load_preset("narrow-valley"), questions=False)

    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("escape")  # leave compare mode
        await pilot.press("n", "H")
        screen = await landscape_shown(pilot, step=1)
        first = screen.result.surface
        await pilot.press("n")
        screen = await landscape_shown(pilot, step=2)
        assert screen.result.surface is first  # only two parameters, and the point is still inside
        await pilot.press("t")  # training set ↔ batch, here the same data: still a new grid is made on a change
        screen = await landscape_shown(pilot)
        await pilot.press("z")
        screen = await landscape_shown(pilot)
        assert screen.result.surface is not first and screen.zoom == 0.5


async def test_compare_mode_draws_both_paths_on_one_landscape():
    app = BackpropApp(load_preset("narrow-valley"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press(*["n"] * 10, "H")
        screen = await landscape_shown(pilot, step=10)
        runs = screen.result.runs
        assert len(runs) == 2
        sessions = app.screen_stack[-2].compare.sessions
        for run, session in zip(runs, sessions):
            assert len(run.path) == 11  # steps 0 … 10
            assert run.point == pytest.approx(tuple(session.network.params))
        assert runs[0].point != runs[1].point
        caption = str(screen.query_one("#landscape-caption").render())
        assert "SGD" in caption and "Momentum" in caption
        # momentum's step is not −lr·g: the arrows say what they are (QA9 C1)
        assert "∙→ −lr·g of each run here" in caption and "next step" not in caption


@pytest.mark.parametrize("no_color", [False, True])
async def test_without_colour_the_caption_says_what_the_shading_means(monkeypatch, no_color):
    """QA: under NO_COLOR the shades (blank … █) and the tangent ('orange') were explained by colour only."""
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "H")
        screen = await landscape_shown(pilot, step=1)
        caption = screen.query_one("#landscape-caption")
        text = str(caption.render())
        assert ("Shading is the loss: blank where it is lowest" in text) == no_color
        from rich.console import Console
        from rich.text import Text

        wrapped = Text(text).wrap(Console(), caption.size.width)
        assert len(wrapped) <= caption.size.height, (len(wrapped), caption.size.height)  # every line shown
        await pilot.press("m")  # one parameter: the tangent
        await pilot.pause(0.5)
        text = str(caption.render())
        assert ("(the straight line through ●)" in text) == no_color and ("(orange)" in text) != no_color


def test_no_color_draws_shades_as_glyphs():
    loss = np.outer(np.linspace(1, 2, 4), np.linspace(1, 100, 6))
    index, edges = bands(loss, 9)
    assert index.min() == 0 and index.max() == 8
    assert edges[0] == pytest.approx(loss.min()) and edges[-1] == pytest.approx(loss.max())


@pytest.mark.flaky(reruns=2)
@pytest.mark.parametrize("preset", ["xor", "digits"])
async def test_pause_within_100_ms_with_the_landscape_open(preset):
    app = BackpropApp(load_preset(preset), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("H")
        await landscape_shown(pilot)
        latencies = await pause_latencies(pilot, app)
        assert isinstance(app.screen, LandscapeScreen) and app.screen.result.step > 0
    assert latencies[1] <= 0.1, latencies


def test_the_shade_ratio_never_reads_1():
    # a nearly flat landscape: 0.75 to 0.81 in 8 shades, each ×1.0097; two digits printed "×1"
    edges = np.geomspace(0.75, 0.81, 9)
    text = "".join(s.text for s in LandscapePlot()._legend(edges, [], True, 80))
    assert text.endswith(", each shade ×1.01")


def test_a_nearly_flat_loss_says_so_with_digits_that_differ():
    """QA: a flat loss read "2.6 █████████ 2.6, each shade ×1.0001"."""
    plot = LandscapePlot()
    loss = np.array([[2.5999, 2.6001], [2.6002, 2.6003]])
    edges = np.geomspace(2.5999, 2.6003, 10)
    text = "".join(s.text for s in plot._legend(edges, [], True, 80, loss))
    assert text.startswith("loss, log scale: 2.5999 ") and text.endswith(" 2.6003: nearly flat, all within 0.02%")
    flat = "".join(s.text for s in plot._legend(10 ** np.linspace(0.415, 1.415, 10), [], True, 80, np.full((2, 2), 2.6)))
    assert flat == "loss 2.6 everywhere here: flat"  # not "2.6 … 26": the shades' made-up decade
    steep = np.array([[0.31, 1.0], [2.0, 2.6]])
    text = "".join(s.text for s in plot._legend(np.geomspace(0.31, 2.6, 10), [], True, 80, steep))
    assert text.startswith("loss, log scale: 0.31 ") and ", each shade ×1.3" in text


async def test_at_80_columns_the_footer_shows_each_pair_of_keys_whole():
    """QA2: the footer ended "… t batch/all [ 2nd ←": the "]" of the pair (and < > z Z) had gone."""
    from textual.widgets._footer import FooterKey, FooterLabel

    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "H")
        await landscape_shown(pilot)
        footer = app.screen.query_one("FittedFooter")
        keys = {key.key_display: key for key in footer.query(FooterKey)}
        for pair in (("<", ">"), ("[", "]"), ("z", "Z")):
            assert keys[pair[0]].display == keys[pair[1]].display, f"{pair} shown apart"
        shown = [key.key_display for key in footer.query(FooterKey) if key.display and key.parent.display]
        assert {"m", "t", "<", ">", "[", "]"} <= set(shown), shown
        for widget in list(footer.query(FooterKey)) + list(footer.query(FooterLabel)):
            if widget.display and widget.parent.display:
                assert widget.region.right <= 80, f"{widget!r} is cut at column 80"
        labels = [str(label.content) for label in footer.query(FooterLabel) if label.display]
        assert labels[:2] == ["1st", "2nd"], labels


def test_the_legends_two_ends_share_one_format():
    """QA2: "loss, log scale: 0.00012 █████████ 7.3e2"."""
    text = "".join(s.text for s in LandscapePlot()._legend(np.geomspace(0.00012, 730.0, 10), [], True, 80))
    assert text.startswith("loss, log scale: 1.2e−4 ") and " 7.3e2, each shade" in text, text


def test_a_gradient_that_is_not_finite_draws_no_arrow_and_never_raises():
    """QA5 B3: exploding-gradients' halt: ARROWS[int(round(nan))] took the app down."""
    from tui_backprop.app.widgets.landscape import ARROWS, Run
    from tui_backprop.core.landscape import Surface

    xs, ys = np.linspace(-3e18, 3.3e17, 20), np.linspace(-5.5e18, 6.1e18, 12)
    surface = Surface((0, 1), xs, ys, np.full((12, 20), 8.36e290), (-1.3e18, 2.8e17))
    plot = LandscapePlot()
    for step in ((np.nan, np.nan), (np.inf, 1.0), (-np.inf, np.nan)):
        plot.runs = [Run(np.array([[-1.3e18, 2.8e17]]), (-1.3e18, 2.8e17), step)]
        marks = plot._overlay(surface, 40, 10)
        assert "●" in marks.values() and not set(marks.values()) & set(ARROWS)
    huge = Surface((0, 1), 1.7e308 * np.linspace(-1.0, 1.0, 20), ys, np.ones((12, 20)), (0.0, 0.0))
    plot.runs = [Run(np.zeros((0, 2)), (0.0, 0.0), (1e308, 0.0))]
    assert "●" in plot._overlay(huge, 40, 10).values()  # a grid whose width overflows


def test_long_y_labels_get_room_instead_of_being_cut():
    """QA5 B3's picture: "6.1e1" for 6.1e17 and "−2.4e" for −2.4e18 (cut to 5 cells)."""
    from tui_backprop.core.landscape import Surface

    xs, ys = np.linspace(-3e18, 3.3e17, 20), np.linspace(-5.5e18, 6.1e17, 12)
    plot = LandscapePlot()
    plot.show(Surface((0, 1), xs, ys, np.full((12, 20), 8.36e290), (-1.3e18, 2.8e17)),
              [Run(np.array([[-1.3e18, 2.8e17]]), (-1.3e18, 2.8e17), (np.nan, np.nan))], ("w1₁₁", "w1₁₂"))
    lines = ["".join(seg.text for seg in strip) for strip in plot.build_strips(60, 12, True, False)]
    labels = [line.split("┤")[0].strip() for line in lines if "┤" in line]
    assert labels == ["6.1e17", "−2.4e18", "−5.5e18"]
    assert len({line.index("┤") for line in lines if "┤" in line}) == 1 and all(len(line) <= 60 for line in lines)


def test_the_one_weight_axis_labels_say_their_values():
    """L(w)'s labels (QA6 K6): round steps, as many digits as the step needs (tick alone wrote 1.5e308 as 2e308),
    and a row past the float maximum written from its parts."""
    from tui_backprop.app.widgets.landscape_curve import axis_label, linear_axis

    ticks, low, high = linear_axis(0.0, 1.79, 13)  # learning-rate-too-high's losses over 1e308 at 80×24
    assert ticks == [0.0, 0.5, 1.0, 1.5, 2.0] and (low, high) == (0.0, 2.0)
    assert [axis_label(t, 0.5, 1e308) for t in ticks] == ["0", "5e307", "1e308", "1.5e308", "2e308"]
    ticks, _, _ = linear_axis(0.6931471, 0.6931472, 12)  # nearly flat: labels that differ
    assert [axis_label(t, ticks[1] - ticks[0], 1.0) for t in ticks] == ["0.6931471", "0.69314715", "0.6931472"]


async def test_without_colour_the_shading_is_a_sentence_of_its_own(monkeypatch):
    """QA9 K4: "∂C/∂w2 = −36 Shading is the loss: …" on the two-weight lessons (no full stop before it)."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("escape", "H")
        screen = await landscape_shown(pilot)
        text = " ".join(str(screen.query_one("#landscape-caption").render()).split())
        assert "∂C/∂w2 = " in text and "Shading is the loss" in text, text
        assert ". Shading is the loss" in text, text
