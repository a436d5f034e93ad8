"""Numbers on the network diagram: what each one is, from the snapshot, and where it may sit."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager

import numpy as np
import pytest
from rich.cells import cell_len

from tests.app.test_widgets import WidgetApp, lines_of, session_for
from tui_backprop.app.app import BackpropApp
from tui_backprop.app.plane_picture import first_fitting
from tui_backprop.app.diagram_numbers import (
    CELLS,
    Edge,
    Shown,
    legend_forms,
    node_texts,
    number,
    place_edge_numbers,
)
from tui_backprop.core.figures import fmt
from tui_backprop.app.widgets import NetworkDiagram
from tui_backprop.presets import load_preset
from tui_backprop.training.session import Session


def chain_after_backward() -> Session:
    session = Session(load_preset("chain-two-weights"))  # the lesson pauses after backward
    session.step()
    assert session.last_phase == "backward L1"
    return session


@pytest.mark.parametrize("value, text", [(0.4567, "0.46"), (-0.012, "−0.01"), (24.0, "24"), (-48.0, "−48"),
                                         (123.4, "123"), (12345.0, "12345"), (123456.0, "1.2e5"), (-12345.0, "−1e4"), (3e-7, "3e−7"), (0.0, "0"),
                                         (None, "·")])
def test_a_number_takes_at_most_five_cells(value, text):
    assert number(value) == text and len(text) <= CELLS


def test_chain_two_weights_node_and_edge_numbers_are_the_worked_example():
    snap = chain_after_backward().snapshot()
    assert node_texts(snap, 0, gradients=False) == [["2"], ["6"], ["ŷ 24 y 30"]]
    # With gradients: δ at the nodes (ŷ − y = −6, then −6 · w2 = −24), ∂C/∂w on the edges.
    assert node_texts(snap, 0, gradients=True) == [[""], ["−24"], ["ŷ δ −6"]]
    from tui_backprop.app.diagram_numbers import edge_value
    assert edge_value(snap, 0, 0, 0, True) == -48.0 and edge_value(snap, 1, 0, 0, True) == -36.0
    assert edge_value(snap, 0, 0, 0, False) == 3.0 and edge_value(snap, 1, 0, 0, False) == 4.0


def test_values_not_computed_yet_are_pending():
    session = Session(load_preset("chain-two-weights"))
    session.advance_phase()  # forward L1 only
    snap = session.snapshot()
    assert node_texts(snap, 0, gradients=False) == [["2"], ["6"], ["ŷ · y 30"]]  # y is data: known
    assert node_texts(snap, 0, gradients=True) == [[""], ["·"], ["ŷ δ ·"]]
    from tui_backprop.app.diagram_numbers import edge_value
    assert edge_value(snap, 0, 0, 0, True) is None  # ∂C/∂w1: backward L1 not run yet
    forms = legend_forms(snap, 0, True, Shown(nodes=True, output=True, edges=False, pending=True))
    assert forms[0] == "edges ∂L/∂w pending · nodes δ (· = pending) (D: weights)"


def test_node_numbers_are_the_selected_samples():
    snap = session_for("xor", 3).snapshot()
    hidden = snap.layers[0].a
    for sample in (0, 3):
        texts = node_texts(snap, sample, gradients=False)
        assert texts[0] == [number(float(v)) for v in snap.layers[0].inputs[sample]]
        assert texts[1] == [number(float(v)) for v in hidden[sample]]
        y = fmt(float(snap.batch_y[sample, 0]), 2)
        assert texts[2] == [f"ŷ {number(float(snap.layers[1].a[sample, 0]))} y {y}"]
    forms = legend_forms(snap, 3, False, Shown(nodes=True, output=True, edges=True, pending=False))
    assert forms[0] == "edges w (updated) · nodes a (sample 4 of 10) (D: gradients)"
    assert all(form for form in forms)


def test_a_short_legend_keeps_that_the_edges_are_updated_before_the_batch_size():
    # At 80×24 the diagram's legend has 34 cells: it dropped "(updated)" for "(sample 1 of 10)", so new weights on
    # the edges sat beside the last pass's activations without a word.
    snap = session_for("xor", 3).snapshot()
    forms = legend_forms(snap, 0, False, Shown(nodes=True, output=True, edges=True, pending=False))
    assert first_fitting(forms, 34) == "w (updated) · nodes a (sample 1)"
    assert first_fitting(forms, 60) == "edges w (updated) · nodes a (sample 1 of 10) (D: gradients)"
    # QA6 C2: with a weight selected it read 'w1₁₂ −0.78 · w · a sample 1' (the selected number is an edge's)
    named = legend_forms(snap, 0, False, Shown(True, True, True, False, "w1₁₂ −0.78"))
    assert first_fitting(named, 34) == "w1₁₂ −0.78 (updated) · a sample 1"
    before = legend_forms(session_for("xor", 0).snapshot(), 0, False, Shown(True, True, True, False))
    assert not any("updated" in form for form in before)  # no step yet: longest first, as before
    assert list(before[1:-1]) == sorted(before[1:-1], key=len, reverse=True)


def test_edge_numbers_never_overlap_and_sit_on_their_own_line():
    # Two flat edges on rows 1 and 3 (dots: 4 per row), one steep edge: it gets no number.
    flat_a = Edge((0, 0, 0), 0.5, 2, 5, 40, 5, 2.0)
    flat_b = Edge((0, 1, 0), -1.25, 2, 13, 40, 13, 1.0)
    steep = Edge((0, 2, 0), 3.0, 2, 1, 12, 19, 0.5)
    shown = {}
    for edge in (flat_a, flat_b, steep):
        for cell in range(edge.x0 // 2, edge.x1 // 2 + 1):
            x = 2 * cell + 1
            y = edge.y0 + (edge.y1 - edge.y0) * (x - edge.x0) / (edge.x1 - edge.x0)
            shown.setdefault((int(round(y)) // 4, cell), edge.key)
    blocked = {(1, c) for c in range(9, 12)}  # a node's number in the way of the middle of flat_a
    placed = place_edge_numbers([flat_a, flat_b, steep], blocked, 30, 6, shown)
    assert {p.key for p in placed} == {(0, 0, 0), (0, 1, 0)}
    cells = [(p.row, p.start + i) for p in placed for i in range(len(p.text))]
    assert len(cells) == len(set(cells)) and not set(cells) & blocked
    by_key = {p.key: p for p in placed}
    assert by_key[(0, 0, 0)].row == 1 and by_key[(0, 0, 0)].text == "0.5"
    assert by_key[(0, 1, 0)].row == 3 and by_key[(0, 1, 0)].text == "−1.25"  # room for three digits


def test_an_edge_gets_three_digits_where_its_line_has_room_else_two():
    """QA: chain-two-weights' edges read 3.5 and 4.4 where the lesson says 3.48 and 4.36."""
    assert number(3.48, 3) == "3.48" and number(-0.4567, 3) == "−0.46" and number(3.48) == "3.5"
    edge = Edge((0, 0, 0), 3.48, 2, 5, 22, 5, 1.0)  # a flat edge 10 cells long
    shown = {(1, c): edge.key for c in range(1, 12)}
    assert [p.text for p in place_edge_numbers([edge], set(), 30, 4, shown)] == ["3.48"]
    blocked = {(1, 3), (1, 9)}  # a gap of five cells: three for the number, one either side
    assert [p.text for p in place_edge_numbers([edge], blocked, 30, 4, shown)] == ["3.5"]


# ------------------------------------------------------------------ the widget
@asynccontextmanager
async def diagram_in_pane(snapshot, width: int, height: int):
    """(diagram, pilot): the diagram of ``snapshot`` alone in a bordered pane, ``width`` × ``height`` inside."""
    diagram = NetworkDiagram(snapshot)
    async with WidgetApp(diagram).run_test(size=(width + 2, height + 2)) as pilot:
        diagram.styles.border = ("round", "white")
        diagram.styles.height = height + 2
        await pilot.pause()
        yield diagram, pilot


def input_row(diagram) -> str:
    """The picture's row with the (first) input node."""
    return next(line for line in lines_of(diagram) if "○" in line)


@pytest.mark.parametrize("width, height", [(44, 7), (38, 5)])  # the pane at 100×30 and at 80×24
async def test_diagram_shows_chain_two_weights_numbers(width, height):
    """x 2 —3→ h 6 —4→ ŷ 24 beside y 30, on the picture, with a legend saying which is which."""
    async with diagram_in_pane(chain_after_backward().snapshot(), width, height) as (diagram, _):
        row = input_row(diagram)
        cells = row.split()
        assert cells[:3] == ["x", "○", "2"], row
        assert "ŷ 24 y 30" in row
        tokens = [t for t in re.split(r"[\u2800-\u28ff\s○●◉]+", row) if t]
        assert tokens == ["x", "2", "3", "6", "4", "ŷ", "24", "y", "30"], row  # in the order of the pass
        assert diagram.border_subtitle.startswith("edges w · nodes a"), diagram.border_subtitle


@pytest.mark.parametrize("width, height", [(44, 7), (38, 5), (30, 5)])
async def test_xor_numbers_never_garble_the_picture(width, height):
    snap = session_for("xor", 3).snapshot()
    async with diagram_in_pane(snap, width, height) as (diagram, pilot):
        diagram.select(0, 1, 1, 2)  # w[2,2] of layer 1, sample 3
        await pilot.pause()
        body = "\n".join(lines_of(diagram)[1:])
        assert body.count("○") == 2 and body.count("●") + body.count("◉") == 5  # every node still drawn
        assert body.count("ŷ") == 1
        nodes, edges = diagram.numbers_shown
        a = snap.layers[0].a[2]
        if nodes:  # every hidden unit's number, whole, for sample 3
            for value in a:
                assert f"● {number(float(value))}" in body or f"◉ {number(float(value))}" in body
        room = diagram.outer_size.width - 6
        assert diagram.border_subtitle and cell_len(diagram.border_subtitle) <= room
        subtitle = diagram.border_subtitle
        assert "sample 3" in subtitle or "w1₂₂" in subtitle or subtitle.startswith("edges w · ŷ")
        if width == 44:
            assert nodes and "sample 3" in subtitle


async def test_diagram_numbers_follow_the_inspector_in_the_app():
    from tui_backprop.app.app import BackpropApp

    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        diagram = app.query_one(NetworkDiagram)
        assert "ŷ 24 y 30" in "\n".join(lines_of(diagram))
        await pilot.press("D")
        await pilot.pause()
        text = "\n".join(lines_of(diagram))
        assert "ŷ δ −6" in text and "−24" in text and "−48" in text and "−36" in text, text
        assert diagram.border_subtitle.startswith("edges ∂C/∂w")  # the lesson calls its cost C
        await pilot.press("p")  # the update: the weights move, the legend says so
        await pilot.press("D")
        await pilot.pause()
        weights = app.session.network.layers[0].weights
        text = "\n".join(lines_of(diagram))
        assert number(float(weights[0, 0]), 3) == "3.48" and "3.48" in text and "4.36" in text, text  # as the lesson
        assert "(updated)" in diagram.border_subtitle
        assert not np.isclose(weights[0, 0], 3.0)


async def test_a_selected_bias_has_its_number_in_the_legend():
    """A bias has no edge: selecting it in the inspector put no number anywhere on the diagram."""
    session = Session(load_preset("sigmoid-neuron"))  # z = 0.5·2 − 0.5: w 0.5, b −0.5
    session.advance_phase()
    diagram = NetworkDiagram(session.snapshot())
    async with WidgetApp(diagram).run_test(size=(46, 9)) as pilot:
        diagram.styles.border = ("round", "white")
        diagram.select(0, 0, 1, 0)  # the inspector's bias: its input index is fan_in
        await pilot.pause()
        assert diagram.border_subtitle.startswith("b −0.5 · "), diagram.border_subtitle  # the inspector's "Bias b"
        diagram.select(0, 0, 0, 0)  # the weight: on its edge, not repeated in the legend
        await pilot.pause()
        assert "0.5" in "".join(lines_of(diagram)) and not diagram.border_subtitle.startswith("w ")
        diagram.show_gradients = True
        diagram.select(0, 0, 1, 0)
        await pilot.pause()
        assert diagram.border_subtitle.startswith("∂L/∂b pending · "), diagram.border_subtitle  # not yet


async def test_the_diagram_uses_the_lessons_names_for_the_output_and_the_loss():
    """QA: sigmoid-neuron calls its output a and its cost C ([names]); the diagram said ŷ and ∂L/∂w."""
    from tui_backprop.app.app import BackpropApp

    app = BackpropApp(load_preset("sigmoid-neuron"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("escape", "n")
        await pilot.pause()
        diagram = app.query_one(NetworkDiagram)
        text = "\n".join(lines_of(diagram))
        assert "◉ a 0.62 y 1" in text, text  # a = σ(0.5) = 0.6225 beside its target
        assert "ŷ" not in text
        await pilot.press("D")
        await pilot.pause()
        assert "∂C/∂w" in diagram.border_subtitle and "∂L/∂w" not in diagram.border_subtitle


# ------------------------------------------------- an output beside its target
def chain_step_two() -> Session:
    session = chain_after_backward()
    session.step()  # the update of step 1
    session.step()  # step 2, up to its backward pass
    assert session.step_count == 1 and session.last_phase == "backward L1"
    return session


def test_an_output_near_its_target_keeps_the_digits_that_tell_them_apart():
    """QA2 7: "ŷ 30 y 30" while ŷ = 30.3456 and C = 0.05972: a wrong output looked right."""
    from tui_backprop.app.diagram_numbers import beside_target

    snap = chain_step_two().snapshot()
    assert float(snap.layers[-1].a[0, 0]) == pytest.approx(30.3456, abs=1e-4) and snap.loss == pytest.approx(0.05972, abs=1e-5)
    assert node_texts(snap, 0, gradients=False) == [["2"], ["7"], ["ŷ 30.3 y 30"]]
    assert beside_target(0.9996, 1.0) == "<1" and beside_target(29.99999996, 30.0) == "<30"
    assert beside_target(30.0, 30.0) == "30" and beside_target(0.46, 1.0) == "0.46"
    assert beside_target(1e-9, 0.0) == "1e−9" and beside_target(0.998, 1.0) == "0.998"


@pytest.mark.parametrize("width, height", [(44, 7), (38, 5)])
async def test_the_diagram_draws_an_output_near_its_target_apart_from_it(width, height):
    async with diagram_in_pane(chain_step_two().snapshot(), width, height) as (diagram, _):
        row = input_row(diagram)
        assert "ŷ 30.3 y 30" in row, row


def test_a_runaway_output_beside_its_target_stays_a_number():
    """A NaN run's output (−8e155) beside y 4 crashed the pane ("−8e1.6e2" is no number)."""
    from tui_backprop.app.diagram_numbers import beside_target

    assert number(-8.06e155) == "−8e155" and beside_target(-8.06e155, 4.0) == "−8e155"
    assert beside_target(float("nan"), 1.0) == "NaN" and beside_target(float("inf"), 1.0) == "∞"


def test_a_column_of_numbers_has_one_format():
    """QA2: the D view's gradients read "−8e−3", "−0.25", "0.003", "5e−4" down one column."""
    from tui_backprop.app.diagram_numbers import column

    assert column([-0.008, -0.25, 0.003, 0.0005]) == ["−8e−3", "−2e−1", "3e−3", "5e−4"]
    assert column([0.027, 0.053, 0.13, None]) == ["0.027", "0.053", "0.13", "·"]  # no power needed: none
    assert column([2.0, 30.0]) == ["2", "30"]


async def test_the_gradient_view_writes_each_column_and_each_gap_in_one_format(monkeypatch):
    import tui_backprop.app.widgets.diagram as diagram_module

    placed = []

    def spy(*args, **kwargs):
        spots = place_edge_numbers(*args, **kwargs)
        placed.extend(spots)
        return spots

    monkeypatch.setattr(diagram_module, "place_edge_numbers", spy)
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.session.run(100)  # seed 7: hidden δ 0.027, 0.053, 0.13, −0.001 (it read "−1e−3" below "0.13")
        app.screen.publish_now()
        await pilot.pause(0.3)
        placed.clear()  # the weights drawn before
        await pilot.press("D")
        await pilot.pause(0.3)
        snap = app.main.latest_snapshot
        for texts in node_texts(snap, 0, True):
            numbers = [t.split()[-1] for t in texts if t]
            assert len({"e" in n for n in numbers if n != "0"}) <= 1, numbers
        assert placed
        for gap in {spot.key[0] for spot in placed}:
            texts = [spot.text for spot in placed if spot.key[0] == gap]
            assert len({"e" in t for t in texts if t != "0"}) <= 1, texts


@pytest.mark.parametrize("preset", ["circle", "spiral"])
@pytest.mark.parametrize("width, height", [(38, 5), (44, 7)])  # the pane at 80×24 and at 100×30
async def test_a_wide_layers_plus_n_sits_under_its_own_column_on_a_row_of_notes_only(preset, width, height):
    """QA: at 80×24 the '+5' of circle's 8-unit layer shared X₂'s row, 'X₂ ○ 0.67    +5', and read as X₂'s.
    The notes get the bottom row to themselves, each under its own layer's nodes."""
    session = Session(load_preset(preset))
    session.step()
    async with diagram_in_pane(session.snapshot(), width, height) as (diagram, _):
        lines = lines_of(diagram)[1:]  # under the header
        notes = [(m.start(), m.group()) for m in re.finditer(r"\+\d+(?: more)?", lines[-1])]
        assert notes, lines
        assert all(note.endswith(" more") for _, note in notes), lines  # QA5 C11: a bare "+5" reads as a value
        assert not re.search(r"[○●◉X]", lines[-1]), lines  # no input, no node on the notes' row
        hidden = [layer.units - sum(row[x] in "●◉" for row in lines[:-1] if x < len(row))
                  for layer, x in zip(session.snapshot().layers, diagram_columns(lines[:-1]))]
        for start, note in notes:
            column = next(x for x in diagram_columns(lines[:-1]) if start <= x < start + len(note))
            under = [row[column] for row in lines[:-1] if column < len(row) and row[column] in "●◉"]
            assert under, (note, column, lines)  # the layer's nodes are straight above it
        assert sorted(int(n[1:].split()[0]) for _, n in notes) == sorted(h for h in hidden if h > 0), (notes, hidden, lines)


def diagram_columns(lines: list[str]) -> list[int]:
    """The x of each layer's nodes (● or ◉), left to right."""
    return sorted({x for line in lines for x, ch in enumerate(line) if ch in "●◉"})


def test_the_selected_gradient_before_the_backward_pass_reads_pending_in_words():
    """QA8 K3: "∂L/∂w1₁₁ · · ∂L/∂w · δ": the pending mark beside the legend's separator read as a stray dot."""
    from tui_backprop.app.diagram_numbers import selected_text
    from tui_backprop.training.session import Session

    session = Session(load_preset("xor"))
    snap = session.snapshot()
    assert selected_text(snap, 0, 0, 0, gradients=True) == "∂L/∂w1₁₁ pending"
    session.run_phase()
    for _ in range(8):
        if session.snapshot().layers[0].delta is not None:
            break
        session.run_phase()
    text = selected_text(session.snapshot(), 0, 0, 0, gradients=True)
    assert text.startswith("∂L/∂w1₁₁ ") and "pending" not in text
