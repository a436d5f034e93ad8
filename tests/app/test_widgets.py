"""The inspector, the network diagram and the decision boundary, each mounted alone.

Every test feeds real snapshots from a Session, so the numbers asserted are
the ones the core computed (the chain example: ŷ = w2·(w1·x), x = 2, y = 30).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.containers import Vertical

from tui_backprop.app.widgets import DecisionBoundary, Inspector, NetworkDiagram, NeuronMaps
from tui_backprop.app.widgets.boundary import LEVELS, SIGNED, UPPER_HALF
from tui_backprop.presets import load_preset
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
    assert session.step() == ["forward", "loss", "backward"]  # the preset pauses after backward
    return session


async def test_inspector_chain_rule_for_w1(chain_after_backward):
    inspector = Inspector(chain_after_backward.snapshot())
    async with WidgetApp(inspector).run_test(size=(48, 18)) as pilot:
        await pilot.pause()
        text = inspector.build_text()[0].plain
        assert "Gradients computed, not applied yet" in text
        # ∂ℓ/∂a1 = w2·(ŷ − y) = 4·(−6) = −24, ∂a/∂z = 1 (linear), ∂z/∂w1 = x = 2
        assert "= −24 · 1 · 2 = −48" in text
        assert "4·(−6)" in text
        assert "batch mean = −48 = ∂L/∂w ✓" in text
        assert "Weight w[1,1] = 3" in text
        assert " z 6  a 6  δ −24" in text


async def test_inspector_output_layer_and_keys_move_selection(chain_after_backward):
    inspector = Inspector(chain_after_backward.snapshot())
    app = WidgetApp(inspector)
    async with app.run_test(size=(48, 18)) as pilot:
        inspector.focus()
        await pilot.press("right")
        assert inspector.selection == (1, 0, 0, 0)
        text = inspector.build_text()[0].plain
        # ∂C/∂w2 = (ŷ − y)·1·(w1·x) = −6 · 1 · 6 = −36
        assert "= −6 · 1 · 6 = −36" in text
        assert "batch mean = −36 = ∂L/∂w ✓" in text
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
    session.advance_phase()  # forward only
    inspector = Inspector(session.snapshot())
    async with WidgetApp(inspector).run_test(size=(48, 18)) as pilot:
        await pilot.pause()
        text = inspector.build_text()[0].plain
        assert " z 6  a 6  δ —" in text
        assert "press p to run the backward pass" in text


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
        assert "Weight w[1,2]" in text and "sample 2/10" in text
        # The per-sample product, with the real numbers of sample 2.
        grad_a, z, a = layer.grad_a[1, 0], layer.z[1, 0], layer.a[1, 0]
        assert layer.delta[1, 0] == pytest.approx(grad_a * (1 - a * a))
        mean = np.mean(layer.delta[:, 0] * layer.inputs[:, 1])
        assert mean == pytest.approx(layer.grad_weights[0, 1])
        assert "= ∂L/∂w ✓" in text

        # The output layer: sigmoid + bce, delta comes straight from the loss.
        inspector.select(layer=1, neuron=0, weight=0, sample=0)
        text = inspector.build_text()[0].plain
        assert "comes straight from the loss" in text
        assert "= ∂L/∂w ✓" in text


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
        assert "⚠ gradients vanishing" in text and "⚠ 75% ReLUs dead" in text
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
        assert "x1" in body and "x2" in body and "ŷ" in body
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
        assert glyph == "●" and style.bgcolor.name == "#202020"
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
        # Each map shows its unit over the plane: orange on the left, blue on the right.
        assert cell_at(maps, 0, 0)[1].color.name == SIGNED[0]
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
    from tui_backprop.app.widgets.boundary import CLASS_COLOURS

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
