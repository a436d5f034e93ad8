"""The computation graph as text: real snapshots in, the worked examples' numbers out."""

from __future__ import annotations

import numpy as np
import pytest

from tui_backprop.app.graph_chain import Chain, weighted_sum_line
from tui_backprop.app.graph_canvas import render
from tui_backprop.app.graph_layout import GraphValues, Node, build, is_small, names_for, node_text
from tui_backprop.core.figures import fmt
from tui_backprop.config import ConfigError, parse_config
from tui_backprop.core.names import Names, key_of
from tui_backprop.presets import load_preset
from tui_backprop.training.preview import preview_update
from tui_backprop.training.session import Session



def inline_config(layers, x, y, loss, inputs=None):
    raw = {"network": {"inputs": inputs or len(x[0]), "layers": layers},
           "data": {"source": "inline", "x": x, "y": y},
           "training": {"loss": loss, "batch_size": "full", "learning_rate": 0.1}}
    return parse_config(raw, "test.toml")


PHASE = {0: None, 1: "forward", 2: "loss", 3: "backward", 4: "update"}


def values_after(preset: str, phases: int, sample: int = 0) -> GraphValues:
    """The graph after the first step's forward (1), loss (2), backward (3) or update (4): whole phases, or
    one layer at a time."""
    config = load_preset(preset)
    session = Session(config)
    depth = len(config.network.layers)
    targets = {"forward": ("forward", f"forward L{depth}"), "loss": ("loss",),
               "backward": ("backward", "backward L1"), "update": ("update",)}.get(PHASE[phases], ())
    while targets and session.last_phase not in targets:
        session.run_phase()
    snap = session.snapshot()
    return GraphValues(snap, names_for(snap, config.names), sample)


def drawing(values: GraphValues, layer: int = 0, unit: int = 0) -> str:
    return "\n".join(render(build(values, layer, unit)).text())


CHAIN_W1 = [
    "C = ½(ŷ − y)² = ½(24 − 30)² = 18",
    "∂C/∂ŷ = ŷ − y = 24 − 30 = −6",
    "∂C/∂w2 = ∂C/∂ŷ · h = −6 · 6 = −36",
    "∂C/∂h = ∂C/∂ŷ · w2 = −6 · 4 = −24",
    "∂C/∂w1 = ∂C/∂h · x = −24 · 2 = −48",
]


def test_chain_two_weights_before_anything_is_pending():
    text = drawing(values_after("chain-two-weights", 0))
    assert "x ·" in text and "w1 3" in text and "h ·" in text and "C ·" in text
    assert "∂ −" not in text  # no gradient before the backward pass


def test_chain_two_weights_after_forward_has_values_left_to_right_and_no_gradients():
    values = values_after("chain-two-weights", 1)
    text = drawing(values)
    assert "x 2" in text and "h 6" in text and "ŷ 24" in text and "y 30" in text
    assert "C ·" in text  # the loss phase has not run
    assert "∂ −48" not in text
    assert Chain(values).lines(("w", 0, 0, 0))[0] == "C: after the loss phase (press p)"
    assert weighted_sum_line(values, 0, 0) == "h = w1·x = 3·2 = 6"


def test_chain_two_weights_after_backward_spells_out_the_whole_chain():
    values = values_after("chain-two-weights", 3)
    text = drawing(values)
    for gradient in ("∂ −48", "∂ −36", "∂ −24", "∂ −6"):
        assert gradient in text
    assert "C 18" in text
    assert Chain(values).lines(("w", 0, 0, 0)) == CHAIN_W1
    assert Chain(values).lines(("w", 1, 0, 0)) == CHAIN_W1[:3]


def test_chain_two_weights_after_the_update_shows_old_to_new():
    values = values_after("chain-two-weights", 4)
    text = drawing(values)
    assert "w1 3→3.48" in text and "w2 4→4.36" in text
    # The chain is still the pass that was applied: it used w2 = 4, not 4.36.
    assert Chain(values).lines(("w", 0, 0, 0)) == CHAIN_W1


def test_sigmoid_neuron_chain_has_the_derivative_factor_with_its_value():
    values = values_after("sigmoid-neuron", 3)
    lines = Chain(values).lines(("w", 0, 0, 0))
    assert lines == [
        "C = ½(a − y)² = ½(0.62246 − 1)² = 0.07127",  # ½(0.6225 − 1)² would be 0.07125
        "∂C/∂a = a − y = 0.6225 − 1 = −0.3775",
        "σ'(z) = a(1 − a) = 0.6225·(1 − 0.6225) = 0.235",
        "∂C/∂z = ∂C/∂a · σ'(z) = −0.37754 · 0.235 = −0.08872",  # −0.3775 · 0.235 would be −0.08871
        "∂C/∂w = ∂C/∂z · x = −0.08872 · 2 = −0.1774",
    ]
    assert weighted_sum_line(values, 0, 0) == "z = w·x + b = 0.5·2 + (−0.5) = 0.5"
    assert "σ ► a 0.6225" in drawing(values)


def test_neuron_with_bias_bias_gradient():
    values = values_after("neuron-with-bias", 3)
    assert Chain(values).lines(("b", 0, 0))[-1] == "∂L/∂b = ∂L/∂ŷ · 1 = −18 · 1 = −18"
    assert Chain(values).lines(("w", 0, 0, 0))[-1] == "∂L/∂w = ∂L/∂ŷ · x = −18 · 4 = −72"


@pytest.mark.parametrize("preset", ["chain-two-weights", "neuron-with-bias", "sigmoid-neuron", "one-weight"])
def test_worked_examples_are_drawn_whole_and_fit_100_columns(preset):
    values = values_after(preset, 3)
    assert is_small(values.snap)
    g = build(values)
    assert g.width <= 96  # 100 columns less the border and padding
    assert max(p.line for p in g.placed.values()) + 2 <= 12


def test_a_2_2_1_network_is_drawn_whole_and_xor_shows_one_neighbourhood():
    config = inline_config(layers=[{"units": 2, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
                           x=[[0.0, 1.0]], y=[[1.0]], loss="bce")
    session = Session(config)
    session.step()
    snap = session.snapshot()
    assert is_small(snap)
    text = drawing(GraphValues(snap, names_for(snap)))
    for name in ("w1₁₁", "w1₂₂", "b1₂", "z1₂", "a1₁", "w2₂", "z2", "ŷ", "L"):
        assert name in text
    xor = values_after("xor", 3)  # 2-4-1
    assert not is_small(xor.snap)
    text = drawing(xor, 0, 1)
    assert "w1₂₁" in text and "w2₂" in text and "z2" in text and "w1₁₁" not in text


def test_wide_layers_are_cut_with_an_ellipsis():
    config = inline_config(inputs=8, layers=[{"units": 3, "activation": "relu"}, {"units": 9, "activation": "linear"}],
                           x=[[0.1 * i for i in range(8)]], y=[[0.0] * 9], loss="mse")
    session = Session(config)
    session.step()
    snap = session.snapshot()
    values = GraphValues(snap, names_for(snap))
    text = drawing(values, 0, 0)
    assert "… +2 more" in text  # 8 inputs, 6 shown
    assert "… +3 more" in text  # feeds 9 neurons, 6 shown
    line = weighted_sum_line(values, 0, 0)
    assert line.startswith("z1₁ = ") and " + … + " in line and line.count("·") == 3


def test_batch_gradients_are_per_sample_with_the_batch_mean_named():
    values = values_after("xor", 3, sample=2)
    line = Chain(values).lines(("w", 1, 0, 0))[-1]
    info = values.snap.layers[1]
    expected = info.delta[2, 0] * info.inputs[2, 0]
    assert line.endswith(f"(this sample; the step uses the batch mean {fmt(info.grad_weights[0, 0])})")
    node = values.node(("w", 1, 0, 0))
    assert node.grad == pytest.approx(expected)
    assert np.mean(info.delta[:, 0] * info.inputs[:, 0]) == pytest.approx(info.grad_weights[0, 0])


def test_update_preview_matches_the_real_update_and_touches_nothing():
    session = Session(load_preset("xor"))
    session.pause_after = "backward"
    session.step()
    snap = session.snapshot()
    params = session.network.params.copy()
    preview = preview_update(session, snap)
    assert (session.network.params == params).all()
    session.step()
    after = session.snapshot()
    for i, layer in enumerate(after.layers):
        assert np.array_equal(preview.weights[i], layer.weights)
    assert preview.loss_after == pytest.approx(session.network.evaluate(snap.batch_x, snap.batch_y), rel=1e-12)
    assert preview_update(session, after) is None  # nothing waits to be applied


# ------------------------------------------------------------------ names
def test_default_names_drop_indices_with_one_choice():
    chain = Names(1, [(1, False), (1, False)])
    assert [chain.weight(0, 0, 0), chain.weight(1, 0, 0), chain.a(0, 0), chain.a(1, 0), chain.loss] == \
        ["w1", "w2", "a1", "ŷ", "L"]
    one = Names(1, [(1, True)])
    assert [one.weight(0, 0, 0), one.bias(0, 0), one.z(0, 0), one.input(0)] == ["w", "b", "z", "x"]
    xor = Names(2, [(4, True), (1, True)], ("x1", "x1^2"))
    assert [xor.weight(0, 1, 0), xor.weight(1, 0, 3), xor.input(1)] == ["w1₂₁", "w2₄", "x1²"]
    assert key_of("w1₂₁") == "w1_21" and key_of("w1[10,2]") == "w1_10_2"


def test_presets_name_things_as_their_lessons_do():
    values = values_after("chain-two-weights", 3)
    assert values.names.loss == "C" and values.names.a(0, 0) == "h"
    assert values_after("sigmoid-neuron", 0).names.a(0, 0) == "a"


@pytest.mark.parametrize("names, field, words", [
    ({"q": "x"}, "names.q", "unknown name"),
    ({"L": "two words"}, "names.L", "without spaces"),
    ({"L": 3}, "names.L", "expected a string"),
    ([1], "names", "expected a table"),
])
def test_bad_names_table_names_file_and_field(names, field, words):
    raw = {"network": {"inputs": 1, "layers": [{"units": 1, "activation": "linear"}]},
           "data": {"source": "inline", "x": [[1.0]], "y": [[1.0]]}, "names": names}
    with pytest.raises(ConfigError) as info:
        parse_config(raw, "lesson.toml")
    assert info.value.source == "lesson.toml" and info.value.field == field and words in info.value.message


def test_near_convergence_the_written_arithmetic_adds_up():
    """QA: "∂C/∂ŷ = ŷ − y = 30 − 30 = −3.619e−8" and "h = w1·x = 3.46·2 = 6.911" (3.46·2 is 6.92)."""
    import re

    from tests.conftest import preset_session

    session = preset_session("chain-two-weights", 17, headless=True)
    while session.last_phase not in ("backward", "backward L1"):
        session.run_phase()
    snap = session.snapshot()
    values = GraphValues(snap, names_for(snap, load_preset("chain-two-weights").names), 0)
    number = r"(−?[\d.]+(?:e−?\d+)?)"
    read = lambda text: float(text.replace("\u2212", "-"))  # noqa: E731
    loss, output, w2, h, w1 = Chain(values).lines(("w", 0, 0, 0))
    a, b, result = re.fullmatch(rf"C = ½\(ŷ − y\)² = ½\({number} − {number}\)² = {number}", loss).groups()
    assert fmt(0.5 * (read(a) - read(b)) ** 2) == result and b == "30" and a != "30"
    a, b, result = re.fullmatch(rf"∂C/∂ŷ = ŷ − y = {number} − {number} = {number}", output).groups()
    assert fmt(read(a) - read(b)) == result == fmt(snap.output[0, 0] - 30.0)
    for line in (w2, h, w1):
        g, x, result = re.fullmatch(rf".* = {number} · {number} = {number}", line).groups()
        assert fmt(read(g) * read(x)) == result, line
    w, x, result = re.fullmatch(rf"h = w1·x = {number}·{number} = {number}", weighted_sum_line(values, 0, 0)).groups()
    assert fmt(read(w) * read(x)) == result and x == "2", (w, x, result)


def test_a_small_update_on_a_node_shows_in_its_digits():
    """QA: w1₁₁ −0.776→−0.776 hid an update of 1.4e−5; the digits grow until old and new differ."""
    moved = Node(("w", 0, 0, 0), "w1₁₁", -0.775998, grad=0.0014, old=-0.776012)
    assert node_text(moved) == ("w1₁₁ \u22120.77601→\u22120.776", "∂ 0.0014")
    kept = Node(("w", 0, 0, 0), "w1₁₁", -0.5, grad=0.0, old=-0.5)
    assert node_text(kept) == ("w1₁₁ \u22120.5", "∂ 0")


def test_near_its_target_the_output_keeps_the_digits_that_tell_it_from_y():
    """QA8 C8: one-weight at step 7 (w = 1.999936 in the pass, ŷ = 3.999872, L = 1.6e−8): the node read "ŷ 4"
    beside "y 4" and the weighted sum "ŷ = 2·2 = 4", under a chain line with (3.999872 − 4)²."""
    session = Session(load_preset("one-weight"))
    session.use_notes = False
    session.run(7)  # after step 7's update: its pass (w 1.999936) and the new w 1.9999872
    snap = session.snapshot()
    values = GraphValues(snap, names_for(snap, load_preset("one-weight").names), 0)
    y_hat = float(snap.layers[0].a[0, 0])
    assert y_hat != 4 and fmt(y_hat) == "4"
    text = drawing(values)
    assert "ŷ 3.9999 " in text and "y 4 " in text, text
    assert weighted_sum_line(values, 0, 0) == "ŷ = w·x = 1.99994·2 = 3.9999"


def test_relus_slope_reads_as_a_side_of_zero():
    """The graph read "relu'(z1₁) = 1 because z1₁ > 0 = 1" (exploding-gradients' halt), a chain of equals that
    ends in the figure it started from."""
    values = values_after("dead-relu", 3)
    lines = {unit: Chain(values).slope_lines(0, unit)[0] for unit in range(values.snap.layers[0].units)}
    z = values.snap.layers[0].z[0]
    for unit, line in lines.items():
        name = values.node(("z", 0, unit)).name
        assert line == (f"relu'({name}) = 1, as {name} > 0" if z[unit] > 0 else f"relu'({name}) = 0, as {name} ≤ 0")
    assert {z[u] > 0 for u in lines} == {True, False}  # both sides seen
