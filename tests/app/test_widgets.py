"""The inspector, the network diagram and the decision boundary, each mounted alone.

Every test feeds real snapshots from a Session, so the numbers asserted are
the ones the core computed (the chain example: ŷ = w2·(w1·x), x = 2, y = 30).
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from rich.color import Color, ColorSystem
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.geometry import Region

from tui_backprop.core.figures import fmt, measured
from tui_backprop.app.app import BackpropApp
from tui_backprop.app.widgets import DecisionBoundary, Inspector, NetworkDiagram, NeuronMaps
from tui_backprop.app.plane_picture import CLASS_COLOURS, LEVELS, SIGNED, UPPER_HALF
from tui_backprop.presets import load_preset
from tui_backprop.training.history import Points, Series
from tui_backprop.training.session import DataPoints, GridSnapshot, Session

from tests.conftest import inline_config


def session_for(preset: str, steps: int = 0, pause_after: str | None = None) -> Session:
    session = Session(load_preset(preset))
    if pause_after is not None:
        session.pause_after = pause_after
    session.run(steps)
    return session


class WidgetApp(App):
    """A tiny app that mounts the widgets under test and records their messages."""

    def __init__(self, *widgets):
        super().__init__()
        self.widgets = widgets
        self.selections: list[tuple[int, int, int, int]] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield from self.widgets

    def on_inspector_selection_changed(self, message: Inspector.SelectionChanged) -> None:
        self.selections.append((message.layer, message.neuron, message.weight, message.sample))


def plain(strip) -> str:
    return "".join(segment.text for segment in strip)


def lines_of(widget) -> list[str]:
    return [plain(widget.render_line(y)) for y in range(widget.size.height)]


# ----------------------------------------------------------------- inspector

@pytest.fixture
def chain_after_backward():
    session = session_for("chain-two-weights")
    assert session.step()[-1] == "backward L1"  # the preset pauses after backward
    return session


async def test_inspector_chain_rule_for_w1(chain_after_backward):
    inspector = Inspector(chain_after_backward.snapshot())
    async with WidgetApp(inspector).run_test(size=(48, 18)) as pilot:
        await pilot.pause()
        text = inspector.build_text()[0].plain
        assert "Not applied yet — n applies" in text
        # ∂ℓ/∂a1 = w2·(ŷ − y) = 4·(−6) = −24, ∂a/∂z = 1 (linear), ∂z/∂w1 = x = 2
        assert "= (−24) · 1 · 2 = −48" in text
        assert "4·(−6)" in text
        assert "batch mean = −48 = ∂L/∂w1 ✓" in text  # a bare app has no lesson names: L, not C
        assert "Weight w1 = 3" in text
        assert " z 6  a 6  δ −24" in text


async def test_inspector_output_layer_and_keys_move_selection(chain_after_backward):
    inspector = Inspector(chain_after_backward.snapshot())
    app = WidgetApp(inspector)
    async with app.run_test(size=(48, 18)) as pilot:
        inspector.focus()
        await pilot.press("right")
        assert inspector.selection == (1, 0, 0, 0)
        text = inspector.build_text()[0].plain
        # ∂C/∂w2 = (ŷ − y)·1·(w1·x) = (−6) · 1 · 6 = −36
        assert "= (−6) · 1 · 6 = −36" in text
        assert "batch mean = −36 = ∂L/∂w2 ✓" in text
        assert "from the loss" in text
        await pilot.press("right", "l")  # already the last layer: stays
        await pilot.press("h")
        assert inspector.selection == (0, 0, 0, 0)
        assert app.selections == [(1, 0, 0, 0), (0, 0, 0, 0)]


async def test_inspector_before_forward_shows_hints():
    inspector = Inspector(session_for("chain-two-weights").snapshot())
    async with WidgetApp(inspector).run_test(size=(48, 18)) as pilot:
        await pilot.pause()
        text = inspector.build_text()[0].plain
        assert "press p to run the forward pass" in text
        assert "z 6" not in text


async def test_inspector_forward_only_hints_backward():
    session = session_for("chain-two-weights")
    session.advance_phase()  # forward L1 only
    inspector = Inspector(session.snapshot())
    async with WidgetApp(inspector).run_test(size=(48, 18)) as pilot:
        await pilot.pause()
        text = inspector.build_text()[0].plain
        assert " z 6  a 6  δ —" in text
        assert "δ: — (pending: backward L1 not run yet)" in text


async def test_inspector_keys_on_xor_and_messages():
    session = session_for("xor", 3)
    session.pause_after = "backward"
    session.step()
    snapshot = session.snapshot()
    inspector = Inspector(snapshot)
    app = WidgetApp(inspector)
    async with app.run_test(size=(48, 18)) as pilot:
        inspector.focus()
        await pilot.press("down", "j")
        assert inspector.selection == (0, 2, 0, 0)
        await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")
        assert inspector.selection == (0, 2, 2, 0)  # fan_in 2, so index 2 is the bias (and the end)
        await pilot.press("greater_than_sign", "greater_than_sign")
        assert inspector.selection == (0, 2, 2, 2)
        await pilot.press("less_than_sign", "up", "k", "left_square_bracket")
        assert inspector.selection == (0, 0, 1, 1)
        assert app.selections == [
            (0, 1, 0, 0), (0, 2, 0, 0), (0, 2, 1, 0), (0, 2, 2, 0), (0, 2, 2, 1), (0, 2, 2, 2),
            (0, 2, 2, 1), (0, 1, 2, 1), (0, 0, 2, 1), (0, 0, 1, 1),
        ]
        layer = snapshot.layers[0]
        text = inspector.build_text()[0].plain
        assert "Weight w1₁₂" in text and "sample 2/10" in text
        # The per-sample product, with the real numbers of sample 2.
        grad_a, a = layer.grad_a[1, 0], layer.a[1, 0]
        assert layer.delta[1, 0] == pytest.approx(grad_a * (1 - a * a))
        mean = np.mean(layer.delta[:, 0] * layer.inputs[:, 1])
        assert mean == pytest.approx(layer.grad_weights[0, 1])
        assert "= ∂L/∂w1₁₂ ✓" in text  # layer 1, neuron 1, input 2

        # The output layer: sigmoid + bce, delta comes straight from the loss.
        inspector.select(layer=1, neuron=0, weight=0, sample=0)
        text = inspector.build_text()[0].plain
        assert "comes straight from the loss" in text
        assert "= ∂L/∂w2₁ ✓" in text


async def test_inspector_shows_finite_difference_checks(chain_after_backward):
    session = chain_after_backward
    inspector = Inspector(session.snapshot())
    async with WidgetApp(inspector).run_test(size=(48, 18)) as pilot:
        analytic, numeric = session.check_weight(0, 0, 0)
        inspector.set_weight_check(0, 0, 0, analytic, numeric)
        inspector.set_layer_check(0, session.check_layer(0))
        await pilot.pause()
        text = inspector.build_text()[0].plain
        assert "finite diff −48" in text and "✓" in text
        assert "grad check ✓" in text
        # A new step makes the checks stale: they disappear.
        session.step()
        inspector.show(session.snapshot())
        text = inspector.build_text()[0].plain
        assert "finite differences: press g" in text and "grad check" not in text


async def test_inspector_warnings_and_small_size():
    session = session_for("xor", 2)
    snapshot = session.snapshot()
    layer = snapshot.layers[0]
    dead = dataclasses.replace(layer.diagnostics, grad_norm=1e-9, dead_share=0.75)
    layers = (dataclasses.replace(layer, diagnostics=dead),) + snapshot.layers[1:]
    inspector = Inspector(dataclasses.replace(snapshot, layers=layers))
    async with WidgetApp(inspector).run_test(size=(40, 14)) as pilot:
        await pilot.pause()
        text = inspector.build_text()[0].plain
        # The inspector shows whatever the diagnostics warn about (their rules live in core).
        assert dead.warnings and "75% ReLUs dead" in dead.warnings
        for warning in dead.warnings:
            assert f"⚠ {warning}" in text
        inspector.focus()
        await pilot.press("left_square_bracket")  # no error at the edge of a small pane
        assert inspector.max_scroll_y > 0  # the whole text is still reachable by scrolling


# ------------------------------------------------------------------- diagram

async def test_diagram_nodes_edges_and_selection():
    diagram = NetworkDiagram(session_for("xor", 10).snapshot())
    async with WidgetApp(diagram).run_test(size=(48, 10)) as pilot:
        await pilot.pause()
        lines = lines_of(diagram)
        assert lines[0].split() == ["in", "L1", "tanh", "out", "sigm"]
        body = "\n".join(lines[1:])
        assert body.count("○") == 2 and body.count("●") == 4 and body.count("◉") == 1  # layer 0, neuron 0
        assert "X₁" in body and "X₂" in body and "ŷ" in body  # inputs named as in Playground
        assert any(0x2800 < ord(ch) <= 0x28FF for ch in body)  # braille edges
        diagram.select(1, 0)
        await pilot.pause()
        body = "\n".join(lines_of(diagram)[1:])
        assert body.count("●") == 4 and body.count("◉") == 1  # now the output neuron
        header = diagram.render_line(0)
        selected = [s.text for s in header if s.style and s.style.reverse]
        assert selected == ["out sigm"]


async def test_diagram_caps_big_layers():
    weights = [[0.1 * (i + 1)] for i in range(12)]
    session = Session(inline_config(weights, [[1.0]], [[0.0] * 12]))
    diagram = NetworkDiagram(session.snapshot())
    async with WidgetApp(diagram).run_test(size=(48, 10)) as pilot:
        await pilot.pause()
        body = "\n".join(lines_of(diagram)[1:])
        assert "+4" in body  # 9 rows: 8 neurons drawn, 4 more noted
        assert body.count("●") + body.count("◉") == 8


# ------------------------------------------------------- decision boundary

def known_grid_snapshot():
    """An xor snapshot whose output is 1 on the top half of the plane and 0 below."""
    snapshot = session_for("xor", 1).snapshot()
    rows, cols = 8, 8
    output = np.zeros((rows, cols, 1))
    output[: rows // 2] = 1.0
    output[:, 0] = 0.75  # a left stripe, between the middle and blue
    hidden = np.tile(np.linspace(-1.0, 1.0, cols), (rows, 1))[..., None].repeat(4, axis=2)
    grid = GridSnapshot((-6.0, 6.0, -6.0, 6.0), (hidden, output))
    points = DataPoints(
        train_points=np.array([[5.9, -5.9]]), train_targets=np.array([[1.0]]),
        test_points=np.array([[-5.9, 5.9]]), test_targets=np.array([[0.0]]),
        task="classification", labels="zero_one",
    )
    return dataclasses.replace(snapshot, grid=grid, data_points=points)


def cell_at(widget, x: int, y: int):
    """(glyph, style) of one cell of a Line-API widget."""
    position = 0
    for segment in widget.render_line(y):
        if position + len(segment.text) > x:
            return segment.text[x - position], segment.style
        position += len(segment.text)
    raise IndexError(x)


async def test_boundary_colours_points_and_toggles():
    boundary = DecisionBoundary(known_grid_snapshot())
    async with WidgetApp(boundary).run_test(size=(16, 9)) as pilot:
        await pilot.pause()
        # 16×9: a caption line, then a 16×8-cell square plane (16×16 pixels).
        assert boundary.size == (16, 9)
        glyph, style = cell_at(boundary, 5, 0)
        assert glyph == UPPER_HALF and style.color.name == SIGNED[-1] and style.bgcolor.name == SIGNED[-1]
        glyph, style = cell_at(boundary, 5, 7)
        assert style.color.name == SIGNED[0] and style.bgcolor.name == SIGNED[0]  # 0 → strongest orange
        glyph, style = cell_at(boundary, 0, 2)
        three_quarters = SIGNED[LEVELS + LEVELS // 2]  # 0.75 on a 0/1 scale: halfway to blue
        assert style.color.name == three_quarters
        # The training point (bottom right, class 1) on top, the test point hidden for now.
        glyph, style = cell_at(boundary, 15, 7)
        # A small glyph on the region's own colour: the boundary stays visible under the data.
        assert glyph == "•" and style.bgcolor.name == SIGNED[0] and style.color.name != SIGNED[0]
        assert cell_at(boundary, 0, 0)[0] == UPPER_HALF
        assert "output" in lines_of(boundary)[-1]

        boundary.show_test = True
        await pilot.pause()
        assert cell_at(boundary, 0, 0)[0] == "○"
        boundary.discretize = True
        await pilot.pause()
        assert cell_at(boundary, 0, 2)[1].color.name == SIGNED[-1]  # 0.75 ≥ 0.5: class 1, full blue

        boundary.neuron = (0, 2)  # a hidden tanh unit: −1 on the left … +1 on the right
        await pilot.pause()
        assert "layer 1 neuron 3" in lines_of(boundary)[-1]
        assert cell_at(boundary, 1, 3)[1].color.name == SIGNED[0]
        assert cell_at(boundary, 14, 3)[1].color.name == SIGNED[-1]


async def test_boundary_without_colour_uses_density_glyphs():
    boundary = DecisionBoundary(known_grid_snapshot())
    app = WidgetApp(boundary)
    async with app.run_test(size=(16, 9)) as pilot:
        app.no_color = True
        boundary.show(boundary.snapshot)
        await pilot.pause()
        assert cell_at(boundary, 5, 0)[0] == "█" and cell_at(boundary, 5, 7)[0] == " "


async def test_boundary_and_maps_note_when_not_2d():
    snapshot = session_for("chain-two-weights").snapshot()
    boundary, maps = DecisionBoundary(snapshot), NeuronMaps(snapshot)
    async with WidgetApp(boundary, maps).run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        assert "not 2-D" in " ".join(lines_of(boundary))
        assert "not 2-D" in " ".join(lines_of(maps))


async def test_neuron_maps_one_per_neuron():
    maps = NeuronMaps(known_grid_snapshot())
    async with WidgetApp(maps).run_test(size=(48, 6)) as pilot:
        maps.select(0, 1)
        await pilot.pause()
        lines = lines_of(maps)
        assert lines[-1].split() == ["1", "2", "3", "4"]
        labels = [s for s in maps.render_line(5) if s.text.strip()]
        assert [s.text.strip() for s in labels if s.style.reverse] == ["2"]
        assert lines[0].startswith("layer 1 units: what each computes")
        # Each map shows its unit over the plane: orange on the left, blue on the right.
        assert cell_at(maps, 0, 1)[1].color.name == SIGNED[0]
        maps.select(1, None)  # the output layer: one map
        await pilot.pause()
        assert lines_of(maps)[-1].split() == ["1"]


# ----------------------------------------------------------------- snapshots

def test_snapshot_inspector_chain_after_backward(snap_compare):
    session = session_for("chain-two-weights")
    session.step()
    analytic, numeric = session.check_weight(0, 0, 0)

    async def run_before(pilot):
        inspector = pilot.app.query_one(Inspector)
        inspector.set_weight_check(0, 0, 0, analytic, -48.0)
        await pilot.pause()

    assert analytic == -48.0 and numeric == pytest.approx(-48.0)
    app = WidgetApp(Inspector(session.snapshot()))
    assert snap_compare(app, terminal_size=(48, 18), run_before=run_before)


def test_snapshot_boundary_and_neuron_maps(snap_compare):
    snapshot = session_for("xor", 300).snapshot()
    boundary, maps = DecisionBoundary(snapshot), NeuronMaps(snapshot)
    boundary.show_test = True
    maps.select(0, 1)
    assert snap_compare(WidgetApp(boundary, maps), terminal_size=(48, 20))


def test_snapshot_diagram(snap_compare):
    diagram = NetworkDiagram(session_for("xor", 300).snapshot())
    diagram.select(0, 2)
    assert snap_compare(WidgetApp(diagram), terminal_size=(48, 10))


async def test_widgets_survive_tiny_sizes():
    snapshot = session_for("xor", 5).snapshot()
    widgets = (Inspector(snapshot), NetworkDiagram(snapshot), DecisionBoundary(snapshot), NeuronMaps(snapshot))
    app = WidgetApp(*widgets)
    async with app.run_test(size=(40, 12)) as pilot:
        for size in ((40, 12), (12, 8), (3, 30), (80, 24)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            for widget in widgets[1:]:
                lines_of(widget)  # builds every strip at the new size without raising


async def test_boundary_multi_class_colours_by_argmax():
    from tui_backprop.app.plane_picture import CLASS_COLOURS

    snapshot = known_grid_snapshot()
    output = np.zeros((8, 8, 3))
    output[:, :4, 0] = 0.9  # left: class 0, sure
    output[:, 4:, 2] = 0.6  # right: class 2, unsure → a lighter tint unless discretized
    grid = GridSnapshot(snapshot.grid.extent, (snapshot.grid.layer_outputs[0], output))
    boundary = DecisionBoundary(dataclasses.replace(snapshot, grid=grid, data_points=None))
    async with WidgetApp(boundary).run_test(size=(16, 9)) as pilot:
        await pilot.pause()
        assert cell_at(boundary, 1, 3)[1].color.name == CLASS_COLOURS[0]
        assert cell_at(boundary, 14, 3)[1].color.name != CLASS_COLOURS[2]
        boundary.discretize = True
        await pilot.pause()
        assert cell_at(boundary, 14, 3)[1].color.name == CLASS_COLOURS[2]


# ------------------------------------------------------- QA regressions

def all_segments(widget):
    return [segment for y in range(widget.size.height) for segment in widget.render_line(y)]


async def test_widgets_render_under_no_color(monkeypatch):
    """NO_COLOR adds Textual's monochrome filter, which crashed on a segment whose style was None."""
    monkeypatch.setenv("NO_COLOR", "1")
    snapshot = session_for("xor", 5).snapshot()
    widgets = (Inspector(snapshot), NetworkDiagram(snapshot), DecisionBoundary(snapshot), NeuronMaps(snapshot))
    app = WidgetApp(*widgets)
    async with app.run_test(size=(60, 48)) as pilot:
        await pilot.pause()
        assert app.no_color
        for widget in widgets[1:]:
            assert all(segment.style is not None for segment in all_segments(widget)), widget
        assert "○" in app.export_screenshot()  # drawn through the filter, without raising


async def test_app_starts_and_runs_under_no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = BackpropApp(load_preset("circle"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n")
        await pilot.pause()
        app.export_screenshot()
        assert app.query_one(DecisionBoundary).size.height > 0


async def test_inspector_after_update_uses_the_weights_of_the_pass(chain_after_backward):
    session = chain_after_backward
    assert session.step() == ["update"]  # w2: 4 → 4.36, w1: 3 → 3.48
    inspector = Inspector(session.snapshot())
    async with WidgetApp(inspector).run_test(size=(48, 30)) as pilot:
        await pilot.pause()
        text = inspector.build_text()[0].plain
        # δ and ∂ℓ/∂a are this pass's: −24 = w2·δ2 = 4·(−6), with the w2 before the update.
        assert "= (−24) · 1 · 2 = −48" in text
        assert "Σ w·δ of layer 2 = 4·(−6)" in text and "4.36·" not in text
        # named as the lesson does (the pane is narrower than the note: it wraps between words)
        assert "(layer 2: w2 was 4 in this pass, before the update)" in " ".join(text.split())
        assert "weight now 3.48 (after the update)" in text
        assert "the pass below used 3" in text
        assert "Not applied yet" not in text


async def test_inspector_shows_the_halt_instead_of_the_pause():
    session = Session.headless(load_preset("exploding-gradients"))
    assert session.run(100) == "halted"
    snapshot = session.snapshot()
    assert snapshot.halted and snapshot.last_phase == "backward L2"  # layer 2's gradient overflowed
    inspector = Inspector(snapshot)
    async with WidgetApp(inspector).run_test(size=(48, 30)) as pilot:
        await pilot.pause()
        text = inspector.build_text()[0].plain
        assert "training halted: r resets, ⌫ steps back" in text
        assert "not applied yet" not in text.lower()


async def test_inspector_pause_note_fits_the_80x24_pane():
    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        body = app.query_one("#inspector-body")
        lines = [strip.text.strip() for strip in body.render_lines(Region(0, 0, *body.size))]
        assert "Not applied yet — n applies" in lines  # one whole line, not cut


async def test_pressing_p_to_the_loss_phase_shows_the_loss_in_the_app_at_80x24():
    """forward L1, forward L2, loss: the inspector (on layer 1, where the app starts) shows C and ∂C/∂ŷ."""
    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p", "p")
        await pilot.pause()
        inspector = app.query_one(Inspector)
        # wider than the 80×24 pane: wrapped between words, and indented under the line's start
        assert " C: — (pending: loss phase not run\n   yet)" in inspector.build_text()[0].plain
        inspector.focus()
        await pilot.press("right")  # the output layer: ŷ beside y, the loss still to come
        await pilot.pause()
        text = inspector.build_text()[0].plain
        assert " z 24  ŷ 24  y 30  δ —" in text and " C: — (pending: loss phase not run\n   yet)" in text
        await pilot.press("p")
        await pilot.pause()
        body = app.query_one("#inspector-body")
        lines = [strip.text.strip() for strip in body.render_lines(Region(0, 0, *body.size))]
        assert "C 18  ∂C/∂ŷ −6" in lines  # on screen, one whole line


def ansi_number(colour) -> int:
    """The ANSI index a colour lands on in a 16-colour terminal."""
    return Color.parse(colour.name).downgrade(ColorSystem.STANDARD).number


async def test_boundary_16_colours_use_one_ansi_palette(monkeypatch):
    """Regions, legend and points agree in 16 colours: yellow = class 0, blue = class 1."""
    monkeypatch.setenv("TEXTUAL_COLOR_SYSTEM", "standard")
    yellow, blue, bright_yellow, bright_blue, white = 3, 4, 11, 12, 7
    boundary = DecisionBoundary(known_grid_snapshot())
    async with WidgetApp(boundary).run_test(size=(16, 9)) as pilot:
        await pilot.pause()
        top, bottom, stripe = cell_at(boundary, 5, 0)[1], cell_at(boundary, 5, 7)[1], cell_at(boundary, 0, 2)[1]
        assert ansi_number(top.bgcolor) == blue and ansi_number(bottom.bgcolor) == yellow
        assert ansi_number(stripe.color) == bright_blue  # 0.75: leaning to class 1, not sure
        glyph, point = cell_at(boundary, 15, 7)  # class 1 point on the class 0 region
        assert glyph == "•" and ansi_number(point.bgcolor) == yellow
        assert ansi_number(point.color) in (blue, bright_blue)
        swatches = [s.style.color for s in boundary.render_line(8) if s.text == "■"]
        assert [ansi_number(c) for c in swatches] == [yellow, blue]
        boundary.neuron = (0, 2)  # a tanh unit: −1 … +1, uncertain in the middle
        await pilot.pause()
        numbers = {ansi_number(cell_at(boundary, x, 3)[1].color) for x in range(16)}
        assert numbers <= {yellow, bright_yellow, white, bright_blue, blue} and {yellow, blue} <= numbers


async def test_boundary_16_colours_three_classes(monkeypatch):
    monkeypatch.setenv("TEXTUAL_COLOR_SYSTEM", "standard")
    snapshot = known_grid_snapshot()
    output = np.zeros((8, 8, 3))
    output[:, :3, 0] = 0.9
    output[:, 3:5, 1] = 0.9
    output[:, 5:, 2] = 0.9
    grid = GridSnapshot(snapshot.grid.extent, (snapshot.grid.layer_outputs[0], output))
    boundary = DecisionBoundary(dataclasses.replace(snapshot, grid=grid, data_points=None))
    async with WidgetApp(boundary).run_test(size=(24, 9)) as pilot:
        await pilot.pause()
        assert [ansi_number(cell_at(boundary, x, 3)[1].color) for x in (0, 12, 23)] == [3, 4, 5]  # magenta
        legend = [(s.style.color, s.text) for s in boundary.render_line(8)]
        swatches = [ansi_number(c) for c, text in legend if text == "■"]
        assert swatches == [3, 4, 5]


async def test_boundary_points_keep_the_region_visible_and_use_the_width():
    snapshot = session_for("spiral", 20).snapshot()
    boundary = DecisionBoundary(snapshot)
    async with WidgetApp(boundary).run_test(size=(38, 8)) as pilot:
        await pilot.pause()
        lines = lines_of(boundary)
        # 7 plot rows: a square plane would be 14 columns; the pane's width is used instead.
        assert len(lines[0].strip()) >= 36
        regions = set(SIGNED) | set(CLASS_COLOURS)
        points = [(x, y) for y in range(7) for x in range(38) if cell_at(boundary, x, y)[0] == "•"]
        assert len(points) > 20
        for x, y in points:
            style = cell_at(boundary, x, y)[1]
            assert style.bgcolor.name in regions or style.bgcolor.name.startswith("#")
            assert style.color.name != style.bgcolor.name  # the point stands out on its region
            assert style.bgcolor.name != "#202020"


async def test_boundary_legend_numbers_are_short_and_never_cut():
    snapshot = known_grid_snapshot()
    output = snapshot.grid.output * 2800.0 - 1400.0
    grid = GridSnapshot(snapshot.grid.extent, (snapshot.grid.layer_outputs[0], output))
    points = dataclasses.replace(snapshot.data_points, task="regression")
    layers = snapshot.layers[:-1] + (dataclasses.replace(snapshot.layers[-1], activation="linear"),)
    boundary = DecisionBoundary(dataclasses.replace(snapshot, grid=grid, data_points=points, layers=layers))
    app = WidgetApp(boundary)
    async with app.run_test(size=(40, 9)) as pilot:
        await pilot.pause()
        assert lines_of(boundary)[-1].split() == ["output", "■−1.4e3", "■1.4e3", "•", "train"]
        await pilot.resize_terminal(20, 9)
        await pilot.pause()
        caption = lines_of(boundary)[-1]
        assert caption.split() == ["output", "■−1.4e3"]  # the part that does not fit is left out whole


async def test_neuron_maps_have_a_caption_in_five_rows():
    maps = NeuronMaps(known_grid_snapshot())
    async with WidgetApp(maps).run_test(size=(48, 5)) as pilot:
        maps.styles.height = 5
        maps.select(0, 0)
        await pilot.pause()
        lines = lines_of(maps)
        assert len(lines) == 5
        assert lines[0].strip() == "layer 1 units: what each computes"
        assert all(UPPER_HALF in line for line in lines[1:4])
        assert lines[4].split() == ["1", "2", "3", "4"]
        maps.select(1, None)
        await pilot.pause()
        assert lines_of(maps)[0].startswith("output units")
        await pilot.resize_terminal(24, 5)
        maps.select(0, 0)
        await pilot.pause()
        assert lines_of(maps)[0].strip() == "layer 1 units"  # a shorter form, not a cut one


@pytest.mark.parametrize("width", [20, 38, 60, 100])
async def test_diagram_header_labels_never_run_together(width):
    diagram = NetworkDiagram(session_for("vanishing-gradients").snapshot())  # 9 sigmoid layers
    async with WidgetApp(diagram).run_test(size=(width, 9)) as pilot:
        await pilot.pause()
        header = lines_of(diagram)[0]
        tokens = header.split()
        names = {"in", "x", "out", "ŷ", "sigm"} | {f"L{i}" for i in range(1, 9)} | {str(i) for i in range(1, 9)}
        assert set(tokens) <= names, header
        assert "out sigm" not in header or "L8 sigm" in header  # one form for every column
        assert not re.search(r"\S \S+ \S", header.replace(" sigm", "")) or "  " in header
        if width >= 38:
            assert len([t for t in tokens if t != "sigm"]) == 10  # every column labelled, not just L1–L4
        if width >= 100:
            assert "L8 sigm  out sigm" in header


async def test_inspector_gradient_table_one_line_per_layer():
    session = session_for("vanishing-gradients")
    session.step()  # stops after backward: gradients, no update yet
    snapshot = session.snapshot()
    inspector = Inspector(snapshot)
    async with WidgetApp(inspector).run_test(size=(38, 30)) as pilot:
        await pilot.pause()
        lines = inspector.build_text()[0].plain.splitlines()
        table = [line for line in lines if re.match(r"^[ ▸]L\d ", line)]
        assert [line[1:3] for line in table] == [f"L{i}" for i in range(1, 10)]
        assert table[0].startswith("▸L1 8×2 sigm") and table[8].startswith(" L9 1×8 sigm")
        assert all(len(line) <= 35 for line in table)  # one line each in the 80×24 pane
        assert "7.5e−6" in table[0]
        bars = [line.count("█") for line in table]
        assert bars[-1] == 8 and bars[0] < bars[4] < bars[-1]  # the vanishing pattern at a glance
        inspector.select(layer=4)
        text = inspector.build_text()[0].plain
        assert "▸L5 " in text and " L1 8×2" in text


async def test_inspector_gradient_table_caps_long_networks():
    snapshot = session_for("vanishing-gradients", 1).snapshot()
    long = dataclasses.replace(snapshot, layers=snapshot.layers + snapshot.layers[1:])  # 17 layers
    inspector = Inspector(long)
    async with WidgetApp(inspector).run_test(size=(38, 30)) as pilot:
        await pilot.pause()
        lines = inspector.build_text()[0].plain.splitlines()
        table = [line for line in lines if re.match(r"^[ ▸]L\d+ ", line)]
        assert len(table) == 10 and "more" in "\n".join(lines[:12])


async def test_inspector_gradient_table_before_backward_shows_dashes():
    inspector = Inspector(session_for("vanishing-gradients").snapshot())
    async with WidgetApp(inspector).run_test(size=(38, 30)) as pilot:
        await pilot.pause()
        text = inspector.build_text()[0].plain
        assert "(after a backward pass)" in text and "█" not in text


class _RecordingPlot:
    """Stands in for plotext: keeps what draw_series plotted and labelled."""

    def __init__(self):
        self.plots, self.ticks, self.xticks_at, self.xlimits = [], None, None, None

    def plot(self, xs, ys, marker=None, color=None):
        self.plots.append((xs, ys, marker, color))

    def yticks(self, ticks, labels):
        self.ticks = (ticks, labels)

    def xticks(self, ticks, labels):
        self.xticks_at = (ticks, labels)

    def xlim(self, left, right):
        self.xlimits = (left, right)

    def ylim(self, low, high):
        self.ylimits = (low, high)


def test_log_scale_draws_a_loss_of_exactly_zero_at_a_labelled_floor():
    """Issue 11 bug 4: one-weight reaches loss 0; the log axis kept its labels upright and drew the curve."""
    from tui_backprop.app.curve_series import draw_series

    steps = np.arange(1, 7, dtype=float)
    loss = np.array([16.0, 0.64, 0.0256, 1e-6, 0.0, 0.0])
    plt = _RecordingPlot()
    note = draw_series(plt, [(Points.exact(steps, loss), "cyan", 100)], log=True)
    assert len(plt.plots) == 1  # exact points: no band
    xs, ys, marker, _ = plt.plots[0]
    assert xs == steps.tolist() and len(ys) == 6  # every step drawn, the zeros too
    assert ys[-1] == ys[-2] == pytest.approx(-7.0)  # a tenth of the smallest positive loss (1e-6)
    ticks, labels = plt.ticks
    assert ticks == sorted(ticks) and labels[0] == "≤1e−7" and labels[-1] == "16"
    assert note == "0 drawn at 1e−7"
    assert marker == "braille"
    only_zeros = _RecordingPlot()
    assert draw_series(only_zeros, [(Points.exact(steps, np.zeros(6)), "cyan", 100)], log=True) == "0 drawn at 1e−16"


def test_log_scale_draws_tiny_losses_at_a_labelled_floor_not_below_1e_30():
    """A loss of 1e-300 (or a subnormal one) would stretch the axis over 300 decades, or underflow to 0."""
    from tui_backprop.app.curve_series import draw_series

    steps = np.arange(1, 6, dtype=float)
    loss = np.array([2.0, 0.5, 1e-300, 5e-324, 0.0])
    plt = _RecordingPlot()
    note = draw_series(plt, [(Points.exact(steps, loss), "cyan", 100)], log=True)
    _, ys, _, _ = plt.plots[0]
    assert ys[2:] == [pytest.approx(-30.0)] * 3 and np.isfinite(ys).all()
    assert note == "≤1e−30 drawn at 1e−30" and plt.ticks[1][0] == "≤1e−30"


def test_second_series_is_dotted_and_every_legend_colour_is_a_textual_colour():
    """Issue 11 bug 5 (dark_orange is no Textual colour) and issue 14: series differ without colour."""
    from textual.color import Color

    from tui_backprop.app.curve_series import MARKUP_COLOURS, draw_series

    from rich.style import Style

    for name in MARKUP_COLOURS:
        Color.parse(name)  # the pane title (Textual markup)
        Style.parse(name)  # the compare status line (Rich markup)
    plt = _RecordingPlot()
    x = np.arange(1, 5, dtype=float)
    draw_series(plt, [(Points.exact(x, x), "cyan", 100), (Points.exact(x, x * 2), "orange", 100)], log=False)
    assert sorted(p[2] for p in plt.plots) == ["braille", "•"]


def bucketed(values, capacity=64, tail=16, head=8) -> Points:
    series = Series(capacity, tail, head)
    for step, value in enumerate(values, start=1):
        series.add(step, value)
    return series.points()


def test_buckets_draw_their_range_and_mean_from_the_exact_start_at_step_1():
    from tui_backprop.app.curve_series import BAND, draw_series

    values = np.full(10_000, 1.0)
    values[:5] = [9.0, 7.0, 5.0, 3.0, 2.0]  # the start of the run
    values[6_000] = 100.0  # a spike at step 6,001
    plt = _RecordingPlot()
    draw_series(plt, [(bucketed(values), "cyan", 20)], log=False)
    (band_x, band_y, band_marker, _), (xs, ys, marker, _) = plt.plots
    assert band_marker == BAND and marker == "braille"  # the range behind, the mean on top
    assert max(band_y) == 100.0 and min(band_y) == 1.0  # the spike is the range's top
    assert max(ys) < 100.0  # ...which the mean alone would have hidden
    assert (xs[0], ys[0]) == (1.0, 9.0)  # the line starts at step 1's exact loss
    assert plt.xlimits[0] == 1 and plt.xticks_at[0][0] == 1 and plt.xticks_at[1][0] == "1"  # x axis from step 1


def test_a_smooth_curve_is_drawn_over_a_noisy_one():
    """batch-vs-stochastic: the full-batch curve is run A, drawn first it was hidden under the noisy run B."""
    from tui_backprop.app.curve_series import draw_series

    steps = np.arange(1, 201, dtype=float)
    smooth = Points.exact(steps, np.exp(-steps / 50))
    noisy = Points.exact(steps, np.exp(-steps / 50) + 0.3 * np.random.default_rng(1).random(200))
    for order in ([(smooth, "cyan", 400), (noisy, "orange", 400)], [(noisy, "cyan", 400), (smooth, "orange", 400)]):
        plt = _RecordingPlot()
        draw_series(plt, order, log=False)
        assert plt.plots[-1][1] == pytest.approx(smooth.y.tolist())  # the smooth one last, on top
        first_marker = "braille" if order[0][0] is smooth else "•"
        assert plt.plots[-1][2] == first_marker  # each keeps its own marker


def test_cursor_text_says_a_bucket_is_a_mean_of_several_steps():
    from tui_backprop.app.curve_series import describe

    p = Points(np.array([1.0, 15.5]), np.array([0.5, 0.41]), np.array([0.5, 0.38]), np.array([0.5, 0.47]),
               np.array([1.0, 11.0]), np.array([1.0, 20.0]), np.array([1.0, 10.0]))
    fmt = "{:.2g}".format
    assert describe(p, 0, "loss", fmt) == "step 1: loss 0.5"
    assert describe(p, 1, "loss", fmt) == "steps 11–20: mean 0.41 (min 0.38, max 0.47)"
    unknown = Points(*(np.array(v) for v in ([15.5], [0.41], [np.nan], [np.nan], [11.0], [20.0], [10.0])))
    assert describe(unknown, 0, "loss", fmt) == "steps 11–20: mean 0.41 (min/max not saved)"


async def test_curve_cursor_on_a_long_run_names_the_steps_of_a_bucket():
    from tui_backprop.app.curve_series import wrap

    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.session.run(6_000)  # more than the 4,096 points a series holds
        app.screen.publish_now()
        curve = app.query_one("#curve")
        curve.focus()
        await pilot.press("home")
        points = app.session.history.train.points()
        losses_start = app.session.history.train.arrays()[1]
        assert curve.cursor_text().startswith(f"step 1: loss {measured(losses_start[0])}")
        await pilot.press(*(["shift+right"] * 51), "right", "right")  # entry 512: the first bucket after the head
        assert curve.cursor == 512 and points.count[512] > 1
        first, last = int(points.first[512]), int(points.last[512])
        assert first == 513
        text = curve.cursor_text()
        assert text.startswith(f"steps {first:,}–{last:,}: mean {measured(points.y[512])} "
                               f"(min {measured(points.low[512])}, max {measured(points.high[512])})")
        await pilot.pause()
        readout = curve.render().plain.splitlines()
        # wrapped above the plot at the pane's width, no figure cut from its label
        expected = wrap(text, curve.size.width, max(curve.size.height - 4, 1))
        assert readout[: len(expected)] == expected and readout[0].startswith("steps 513–")
        assert len(expected) >= 2 and readout[len(expected)].lstrip().startswith("┌")  # then the plot
        shown = " ".join(expected)
        assert f"min {measured(points.low[512])}," in shown and f"max {measured(points.high[512])})" in shown


def test_readout_wraps_whole_figures_and_drops_the_test_loss_first():
    from tui_backprop.app.curve_series import wrap

    text = "steps 1,025–1,088: mean 0.1299 (min 0.03731, max 0.2187) · test 0.419974"
    assert wrap(text, 22, 4) == ["steps 1,025–1,088:", "mean 0.1299", "(min 0.03731,", "max 0.2187)"]
    assert wrap(text, 60, 4) == ["steps 1,025–1,088: mean 0.1299 (min 0.03731, max 0.2187)", "· test 0.419974"]
    assert wrap("step 11: loss 0.693147 · test 0.69", 22, 2) == ["step 11: loss 0.693147", "· test 0.69"]


async def test_curve_cursor_hint_leaves_with_the_focus():
    """Issue 11 bug 7: after focus leaves the curve, ← moves the inspector, so the hint must go."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "n", "n")
        curve = app.query_one("#curve")
        curve.focus()
        await pilot.press("left")
        assert "←/→" in curve.border_subtitle  # "←/→ esc" in a narrow pane
        app.query_one("#inspector").focus()
        await pilot.pause()
        assert "←/→" not in curve.border_subtitle


async def test_boundary_legend_without_colour_names_shades_and_points():
    """QA: under NO_COLOR the legend read "■0 ■1 ● train": two identical squares, no side for the points."""
    snapshot = session_for("xor", 3).snapshot()
    boundary = DecisionBoundary(snapshot)
    app = WidgetApp(boundary)
    async with app.run_test(size=(60, 14)) as pilot:
        app.no_color = True
        boundary.show(snapshot)
        await pilot.pause()
        legend = lines_of(boundary)[-1]
        assert "[ ]0" in legend and "[█]1" in legend and "train ○0 ●1" in legend, legend  # which dot is which


async def test_a_running_inspector_keeps_its_height_so_the_screen_is_not_laid_out_again():
    """Each layout redraws every pane; the inspector's text changed height as its digits wrapped (paint work)."""
    from textual.widgets import Static

    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        body = app.query_one("#inspector-body", Static)
        layouts = []
        update = body.update

        def recording(content, *, layout=True):
            layouts.append(layout)
            update(content, layout=layout)

        body.update = recording
        heights = set()
        for _ in range(40):
            app.session.run(37)
            app.screen.publish_now()
            await pilot.pause()
            heights.add(body.size.height)
        assert len(layouts) >= 40
        # laid out while the first steps fill it in, then only if the text grows past its tallest so far
        assert layouts[10:].count(True) <= 1, layouts
        assert len(heights) <= 3


def test_round_ticks_are_round_and_inside_the_range():
    from tui_backprop.app.curve_series import round_ticks

    assert round_ticks(-0.07, 0.05) == pytest.approx([-0.05, 0.0, 0.05])
    assert round_ticks(-10.6, 228.1, 4) == pytest.approx([0.0, 100.0, 200.0])
    assert round_ticks(1.08, 4.92) == pytest.approx([2.0, 3.0, 4.0])
    assert round_ticks(0.0, 1.0) == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0])
    assert round_ticks(2.0, 2.0) == [2.0] and round_ticks(float("nan"), 1.0) == []


async def test_the_curves_legend_names_only_the_series_there_are():
    """QA: chain-two-weights has no test data; its legend said "train • test"."""
    from rich.text import Text

    for preset, has_test in (("chain-two-weights", False), ("xor", True)):
        app = BackpropApp(load_preset(preset), questions=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("n")
            await pilot.pause()
            title = Text.from_markup(app.query_one("#curve").border_title).plain
            assert "train" in title and ("test" in title) == has_test, title


async def test_page_keys_walk_a_long_curve_in_tenths_and_the_footer_keeps_help_first():
    """QA: after a long run the cursor took over 100 presses to reach the middle; its keys pushed ? and q out."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.session.run(6_000)
        app.screen.publish_now()
        curve = app.query_one("#curve")
        curve.focus()
        await pilot.press("end")
        points = app.session.history.train.points()
        span = points.last[-1] - points.first[0]

        def near(step: float) -> bool:  # the cursor's point holds the step a tenth away, or is the nearest
            i = curve.cursor
            return points.first[i] - 1 <= step <= points.last[i] + 1 or abs(points.last[i] - step) <= span / 100

        await pilot.press("pageup")
        assert near(points.last[-1] - span / 10), (curve.cursor, points.last[curve.cursor])
        await pilot.press(*["pageup"] * 12)
        assert curve.cursor == 0
        stops = []
        for _ in range(10):  # QA6 K10: a tenth of the steps, not of the (unevenly wide) points: ten presses
            await pilot.press("pagedown")
            stops.append(int(points.last[curve.cursor]))
        assert curve.cursor == len(points) - 1, stops
        assert all(abs(b - a - span / 10) <= span / 50 for a, b in zip(stops, stops[1:-1])), stops
        keys = [key.key for key in app.screen.query("FooterKey") if key.display]
        assert keys[:2] == ["question_mark", "q"], keys
