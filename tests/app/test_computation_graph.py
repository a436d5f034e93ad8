"""The computation graph view in the app (G), gradients on the diagram (D), input names (issue 11, bug 12)."""

from __future__ import annotations

import pytest

from tui_backprop.app.app import BackpropApp
from tui_backprop.app.widgets import Inspector, NetworkDiagram
from tui_backprop.app.widgets.computation_graph import ComputationGraph
from tui_backprop.config import parse_config
from tui_backprop.presets import load_preset
from tui_backprop.training.session import Session

from tests.app.test_widgets import WidgetApp, lines_of
from tests.conftest import until


def graph_text(app) -> str:
    graph = app.query_one(ComputationGraph)
    return "\n".join(str(graph.query_one(f"#graph-{part}").render()) for part in ("head", "canvas", "chain"))


async def walk_to(pilot, phase: str) -> None:
    """Press p until the step has reached ``phase``: whole phases, or one layer at a time."""
    app = pilot.app
    depth = len(app.session.network.layers)
    targets = {"forward": ("forward", f"forward L{depth}"), "loss": ("loss",),
               "backward": ("backward", "backward L1"), "update": ("update",)}[phase]
    for _ in range(2 * depth + 2):
        await pilot.press("p")
        if app.session.last_phase in targets:
            return
    raise AssertionError(f"p never reached {phase}")


def opened_at(phase: str):
    async def run_before(pilot) -> None:
        await pilot.press("G")
        await walk_to(pilot, phase)
    return run_before


# ------------------------------------------------------------- snapshots
@pytest.mark.parametrize("phase", ["forward", "backward", "update"])
def test_snapshot_chain_graph(snap_compare, phase):
    assert snap_compare(BackpropApp(load_preset("chain-two-weights"), questions=False), run_before=opened_at(phase),
                        terminal_size=(100, 30))


def test_snapshot_chain_graph_80x24(snap_compare):
    assert snap_compare(BackpropApp(load_preset("chain-two-weights"), questions=False), run_before=opened_at("backward"),
                        terminal_size=(80, 24))


def test_snapshot_sigmoid_neuron_graph(snap_compare):
    assert snap_compare(BackpropApp(load_preset("sigmoid-neuron"), questions=False), run_before=opened_at("backward"),
                        terminal_size=(100, 30))


# ------------------------------------------------------------------ Pilot
async def test_graph_fills_left_to_right_then_right_to_left_and_shows_the_update():
    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("G")
        graph = app.query_one(ComputationGraph)
        assert app.screen.has_class("-graph") and graph.display
        assert await until(pilot, lambda: app.focused is graph)  # focused once shown (a refresh later)
        assert "x ·" in graph_text(app)
        await walk_to(pilot, "forward")
        text = graph_text(app)
        assert "h 6" in text and "ŷ 24" in text and "∂ −48" not in text
        await walk_to(pilot, "backward")
        text = graph_text(app)
        for line in ("C = ½(ŷ − y)² = ½(24 − 30)² = 18", "∂C/∂ŷ = ŷ − y = 24 − 30 = −6",
                     "∂C/∂w2 = ∂C/∂ŷ · h = −6 · 6 = −36", "∂C/∂h = ∂C/∂ŷ · w2 = −6 · 4 = −24",
                     "∂C/∂w1 = ∂C/∂h · x = −24 · 2 = −48"):
            assert line in text
        # Waiting after backward: what the update will do, worked out on a copy.
        assert "w1: 3 → 3.48" in text and "C: 18 → 0.05972" in text
        assert app.session.network.params.tolist() == [3.0, 4.0]
        await walk_to(pilot, "update")
        text = graph_text(app)
        assert "w1 3→3.48" in text and "w2 4→4.36" in text and "will make" not in text
        await pilot.press("escape")
        assert not app.screen.has_class("-graph") and not graph.display


async def test_arrows_pick_nodes_and_the_inspector_follows():
    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "G")
        graph = app.query_one(ComputationGraph)
        assert graph.selected == ("w", 0, 0, 0)
        await pilot.press("right", "right")  # w1 → h → w2
        assert graph.selected == ("w", 1, 0, 0)
        assert app.query_one(Inspector).selection[:3] == (1, 0, 0)
        assert "Chain rule for w2" in graph_text(app)
        await pilot.press("down")  # nothing below w2: stays
        assert graph.selected == ("w", 1, 0, 0)


async def test_large_network_graph_moves_with_the_inspector():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        app.query_one(Inspector).select(0, 2, 1, 0)
        await pilot.press("G")
        await pilot.pause()
        text = graph_text(app)
        assert "neuron 3 of layer 1" in text and "w1₃₂" in text and "w1₁₁" not in text
        await pilot.press("greater_than_sign")
        assert "Sample 2 of 10" in graph_text(app)
        assert app.query_one(Inspector).selection[3] == 1


async def test_graph_is_in_the_palette_and_in_help():
    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Computation graph" in titles and "Network diagram: weights or gradients" in titles
        await pilot.press("question_mark")
        from tui_backprop.app.screens.help import HelpScreen, help_rows

        assert isinstance(app.screen, HelpScreen)  # built from help_rows: the live bindings
        rows = [row for _, section in help_rows(app) for row in section]
        assert ("G", "Computation graph") in rows and ("D", "Network diagram: weights or gradients") in rows


# ------------------------------------------------------ gradients on the diagram
async def test_diagram_switches_to_gradients_filled_once_backward_ran():
    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        diagram = app.query_one(NetworkDiagram)
        await pilot.press("D")
        assert diagram.show_gradients and "∂C/∂w" in diagram.border_subtitle  # the lesson calls its cost C
        await walk_to(pilot, "forward")
        assert all(diagram.edge_values(layer) is None for layer in diagram.snapshot.layers)  # pending
        body = "\n".join(lines_of(diagram))
        assert "⊖" not in body and "○" in body
        await walk_to(pilot, "backward")
        assert [diagram.edge_values(layer)[0, 0] for layer in diagram.snapshot.layers] == [-48.0, -36.0]
        body = "\n".join(lines_of(diagram))
        assert "⊖" in body  # δ < 0 at both neurons
        await pilot.press("D")
        assert not diagram.show_gradients and diagram.edge_values(diagram.snapshot.layers[0])[0, 0] == 3.0


# ------------------------------------------------------- issue 11, bug 12
FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2"]


async def test_diagram_and_inspector_use_the_whole_feature_names():
    raw = {"network": {"inputs": 5, "layers": [{"units": 1, "activation": "sigmoid"}]},
           "data": {"source": "circle", "samples": 40, "features": FEATURES},
           "training": {"loss": "bce", "batch_size": "full"}}
    session = Session(parse_config(raw, "features.toml"))
    session.step()
    snap = session.snapshot()
    diagram = NetworkDiagram(snap)
    inspector = Inspector(snap)
    async with WidgetApp(diagram, inspector).run_test(size=(60, 30)) as pilot:
        await pilot.pause()
        body = "\n".join(lines_of(diagram))
        for label in ("X₁²", "X₂²", "X₁X₂"):
            assert label in body
        inspector.select(0, 0, 2, 0)
        text = inspector.build_text()[0].plain
        assert "x1² → neuron 1" in text and "x3" not in text


async def test_a_wide_neighbourhood_scrolls_to_the_selected_node_at_80x24():
    # (spiral-3-classes at the whole width now fits, in two bands: the lesson beside the graph leaves it 34 cells)
    app = BackpropApp(load_preset("exploding-gradients"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("G")  # (before a step: n would close the lesson to make room)
        assert app.query_one("#side").display
        graph = app.query_one(ComputationGraph)
        assert graph.graph.width > graph.scrollable_content_region.width  # wider than the view
        for _ in range(16):  # walk right through the network, neighbourhood after neighbourhood, to the loss
            await pilot.press("right")
            if graph.selected == ("loss",):
                break
        await pilot.pause()
        assert graph.selected == ("loss",)
        place = graph.graph.placed[graph.selected]
        view = graph.scrollable_content_region.width
        assert graph.scroll_x <= place.col and place.col + place.width <= graph.scroll_x + view
        top = graph.query_one("#graph-canvas").virtual_region.y + place.line  # and up or down to it
        assert graph.scroll_y <= top and top + 2 <= graph.scroll_y + graph.scrollable_content_region.height


async def test_lesson_and_form_keys_leave_the_graph():
    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("G", "v")
        assert not app.screen.has_class("-graph") and app.query_one("#side").display


async def test_opening_another_lesson_resets_the_graphs_selection():
    """Bug: w2 of a two-layer graph stayed selected when a one-layer lesson opened (IndexError drawing it)."""
    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "G", "right", "right")
        graph = app.query_one(ComputationGraph)
        assert graph.selected[1] == 1  # a node of layer 2
        await pilot.press("escape", "o", *"sigmoid-n", "enter")
        await pilot.pause()
        assert app.config.name == "sigmoid-neuron"
        await pilot.press("G")
        assert graph.selected == ("w", 0, 0, 0)
        assert len(graph.snapshot.layers) == 1
        assert "Chain rule for" in graph_text(app)


async def test_chain_two_weights_graph_fits_80_columns_in_two_bands():
    """QA #9: near convergence (old→new with many digits) ŷ and C were off the right edge at 80 columns, and
    scrolling to them scrolled the chain-rule text too."""
    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v", *["n"] * 18, "G")  # step 9: each n stops after backward, then updates
        await pilot.pause()
        graph = app.query_one(ComputationGraph)
        view = graph.scrollable_content_region.width
        assert graph.graph.width <= view, (graph.graph.width, view)
        assert ("loss",) in graph.graph.placed and graph.max_scroll_x == 0
        canvas = str(graph.query_one("#graph-canvas").render())
        assert "h × w2" in canvas and "├► C " in canvas  # the lower band names its input
        assert all(len(line) <= view for line in canvas.splitlines())
        walked = [graph.selected]
        for _ in range(4):  # w1 → h → w2 (the lower band's left) → ŷ → C
            await pilot.press("right")
            walked.append(graph.selected)
        assert walked == [("w", 0, 0, 0), ("a", 0, 0), ("w", 1, 0, 0), ("a", 1, 0), ("loss",)], walked
        assert graph.scroll_x == 0


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_an_exploding_neighbourhood_keeps_every_value_in_view(size):
    """QA6 K9: G on exploding-gradients' halt at 80×24 drew layer 1's 1.32e18s and left the neurons it feeds
    past the edge (`┌► w2₁₁    ` / `∂ NaN`). Figures with a power of ten take two digits, and at 80 columns
    the neurons it feeds go on in a band below, under a1₁'s name."""
    from tests.app.test_diverging_views import advance

    app = BackpropApp(load_preset("exploding-gradients"), questions=False)
    async with app.run_test(size=size) as pilot:
        advance(app, 10)
        assert app.session.halted and app.session.halted.step == 6
        if app.query_one("#side").display:
            await pilot.press("v")  # the graph gets the whole width
        await pilot.press("G")
        await pilot.pause(0.2)
        graph = app.query_one(ComputationGraph)
        view = graph.scrollable_content_region.width
        assert graph.graph.width <= view and graph.max_scroll_x == 0, (graph.graph.width, view)
        canvas = str(graph.query_one("#graph-canvas").render())
        banded = size == (80, 24)  # at 100 columns, two digits for 1.32e18 make it fit on one band
        for figure in ("x1 −4.48", "w1₁₁ −1.32e18" if banded else "w1₁₁ −1.3e18", "w2₁₁ −1.61", "w2₂₁ −176",
                       "w2₃₁ 0.529", "w2₆₁ −172", "z2₁ −1.52e119" if banded else "z2₁ −1.5e119", "… +2 more"):
            assert figure in canvas, figure
        assert ("a1₁ ─┼► w2₂₁" in canvas) == banded  # the band below names its source
