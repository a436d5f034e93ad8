"""The inspector's text, built from snapshots alone (no app): real numbers from real sessions.

The chain example: ŷ = w2·(w1·x), x = 2, y = 30, w1 = 3, w2 = 4, C = ½(ŷ − y)² = 18, ∂C/∂ŷ = −6.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

from tui_backprop.core.figures import fmt
from tui_backprop.app.inspector_text import SELECTED_CELL, View, build, cell_glyph, finite_scale, magnitude_level
from tui_backprop.core.activations import get_activation
from tui_backprop.core.gradcheck import LayerCheck
from tui_backprop.presets import load_preset
from tui_backprop.training.session import Session

from tests.conftest import inline_config


def after(preset_or_config, phase: str, layer_phases: int = 0) -> tuple[Session, object]:
    """A session run phase by phase until ``phase`` has just run, and its config."""
    config = load_preset(preset_or_config) if isinstance(preset_or_config, str) else preset_or_config
    session = Session(config)
    for _ in range(40):
        if session.run_phase() == phase:
            return session, config
    raise AssertionError(f"phase {phase!r} never ran")


def text_of(session, config, selection=(0, 0, 0, 0), width=60, **view) -> str:
    return build(session.snapshot(), View(selection=selection, width=width, renames=config.names, **view))[0].plain


def test_the_loss_phase_shows_the_loss_and_its_gradient_with_the_lessons_names():
    session, config = after("chain-two-weights", "loss")
    for layer in (0, 1):  # on the hidden layer too: the loss phase is visible wherever the learner stands
        text = text_of(session, config, (layer, 0, 0, 0))
        assert " C 18  ∂C/∂ŷ −6\n" in text
    assert " z 24  ŷ 24  y 30  δ —\n" in text_of(session, config, (1, 0, 0, 0))


def test_the_gradient_map_is_headed_with_the_lessons_name_for_the_loss():
    session, config = after("chain-two-weights", "backward L1")
    assert " ∇W (∂C/∂W)\n" in text_of(session, config, (0, 0, 0, 0))  # the lesson calls its loss C
    xor = Session(load_preset("xor"))
    xor.run(1)
    assert " ∇W (∂L/∂W)\n" in build(xor.snapshot(), View(width=60))[0].plain


def test_before_the_loss_phase_the_loss_is_pending_and_y_is_already_beside_yhat():
    session, config = after("chain-two-weights", "forward L2")
    text = text_of(session, config, (1, 0, 0, 0))
    assert " z 24  ŷ 24  y 30  δ —\n" in text
    assert " C: — (pending: loss phase not run yet)\n" in text
    assert "C 18" not in text
    # after forward L1 only, ŷ does not exist yet: no loss line at all
    session, config = after("chain-two-weights", "forward L1")
    assert "C:" not in text_of(session, config, (0, 0, 0, 0)) and "C 18" not in text_of(session, config)


def test_a_batch_shows_the_batch_mean_and_the_selected_samples_own_loss():
    # two samples, one output, half_mse: ŷ = 2x; ℓ₁ = ½(2 − 1)² = 0.5, ℓ₂ = ½(6 − 2)² = 8, C = 4.25
    config = inline_config([[2.0]], [[1.0], [3.0]], [[1.0], [2.0]], loss="half_mse")
    session, _ = after(config, "loss")
    text = text_of(session, config, (0, 0, 0, 1))
    assert " z 6  ŷ 6  y 2  δ —\n" in text
    assert " ℓ 8  ∂ℓ/∂ŷ 4\n" in text
    assert " ℓ 0.5  ∂ℓ/∂ŷ 1\n" in text_of(session, config, (0, 0, 0, 0))
    assert session.snapshot().loss == 4.25  # the batch loss (status line) is the mean of the two


def test_several_outputs_show_the_selected_ones_target_and_gradient():
    # two outputs, mse: ŷ = (2, −1), y = (1, 1); ∂ℓ/∂ŷⱼ = 2(ŷⱼ − yⱼ)/2 = (1, −2); L = (1 + 4)/2 = 2.5
    config = inline_config([[2.0], [-1.0]], [[1.0]], [[1.0, 1.0]], loss="mse")
    session, _ = after(config, "loss")
    text = text_of(session, config, (0, 1, 0, 0))
    assert " z −1  ŷ₂ −1  y₂ 1  δ —\n" in text
    assert " L 2.5  ∂L/∂ŷ₂ −2\n" in text
    assert " L 2.5  ∂L/∂ŷ₁ 1\n" in text_of(session, config, (0, 0, 0, 0))


def cells_with(text, style) -> list[tuple[int, int, str]]:
    """(line, column, character) of every span drawn in ``style`` (and possibly more)."""
    plain = text.plain
    found = []
    for span in text.spans:
        if isinstance(span.style, str) or not all(
                getattr(span.style, attr) for attr in ("reverse", "bold", "underline")):
            continue
        line = plain.count("\n", 0, span.start)
        column = span.start - (plain.rfind("\n", 0, span.start) + 1)
        found.append((line, column, plain[span.start:span.end].rstrip()))  # a cell is its glyph and a space
    return found


def test_the_selected_weight_is_reversed_in_both_maps_and_nothing_else_is():
    session, config = after("xor", "backward L1")
    snap = session.snapshot()
    info = snap.layers[0]
    text, _ = build(snap, View(selection=(0, 2, 1, 0), width=60))
    cells = cells_with(text, SELECTED_CELL)
    assert len(cells) == 2  # one cell in W, one in ∇W
    lines = text.plain.split("\n")
    header = next(i for i, line in enumerate(lines) if line.startswith(" W"))
    (line_w, col_w, glyph_w), (line_g, col_g, glyph_g) = cells
    assert line_w == line_g == header + 1 + 2  # the row of neuron 3
    assert lines[line_w].startswith("▸")
    columns = info.fan_in + 1  # the bias is the last column
    assert col_w == 1 + 2 * 1 and col_g == 1 + 2 * columns + 2 + 2 * 1
    for glyph, matrix, biases in ((glyph_w, info.weights, info.biases), (glyph_g, info.grad_weights, info.grad_biases)):
        both = np.column_stack([matrix, biases])
        assert glyph == cell_glyph(matrix[2, 1], magnitude_level(matrix[2, 1], finite_scale(both)))


def test_a_selected_neuron_and_weight_beyond_the_map_are_scrolled_into_it():
    session, config = after("spiral-3-classes", "backward L1")
    snap = session.snapshot()  # layer 2 is 24×24 (+bias): more rows and columns than a map shows
    text, _ = build(snap, View(selection=(1, 20, 22, 0), width=60))
    (line, column, _), _ = cells_with(text, SELECTED_CELL)
    lines = text.plain.split("\n")
    assert lines[line].startswith("▸")
    assert "  neurons 14–21 of 24" in text.plain
    shown = (60 - 4 - 6) // 4
    assert f"  columns {23 - shown + 1}–23 of 25" in text.plain
    assert column == 1 + 2 * (shown - 1)  # the last cell shown


ELEMENTWISE = ["linear", "sigmoid", "tanh", "relu", "leaky_relu"]


@pytest.mark.parametrize("activation", ELEMENTWISE + ["softmax"])
def test_the_snapshot_carries_the_cores_f_prime(activation):
    loss = "cross_entropy" if activation == "softmax" else "mse"
    x = [[1.0, -2.0], [0.5, 0.3], [-1.0, 0.7]]
    y = [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
    config = inline_config([[0.8, -0.6], [-0.3, 1.1]], x, y, loss=loss, activation=activation,
                           biases=[0.1, -0.2])
    session, _ = after(config, "forward L1")
    info = session.snapshot().layers[0]
    core = get_activation(activation)
    np.testing.assert_array_equal(info.f_prime, core.derivative(info.z, info.a))
    if activation in ELEMENTWISE:  # and it is the slope: central differences of the forward function
        h = 1e-6
        slope = (core.forward(info.z + h) - core.forward(info.z - h)) / (2 * h)
        np.testing.assert_allclose(info.f_prime, slope, atol=1e-6)


@pytest.mark.parametrize("activation, loss, fused", [
    ("sigmoid", "bce", True), ("softmax", "cross_entropy", True), ("sigmoid", "mse", False),
    ("linear", "half_mse", False), ("tanh", "mse", False),
])
def test_delta_from_loss_is_the_cores_decision(activation, loss, fused):
    config = inline_config([[0.5], [-0.4]], [[1.0]], [[1.0, 0.0]], loss=loss, activation=activation)
    session, _ = after(config, "backward L1")
    snap = session.snapshot()
    assert snap.layers[0].delta_from_loss is fused
    text = text_of(session, config)
    assert ("comes straight from the loss" in text) is fused


def test_the_weight_check_uses_the_cores_tolerance():
    session, config = after("chain-two-weights", "backward L1")
    # backprop −48; a finite difference 5e-6 off in relative terms is within RTOL = 1e-5 (the core's rule;
    # the inspector's own 1e-6 threshold called it wrong)
    assert " rel err 5e−6 ✓" in text_of(session, config, weight_check=(-48.0, -48.0 * (1 + 5e-6)))
    assert "✗" in text_of(session, config, weight_check=(-48.0, -48.0 * (1 + 1e-3)))
    check = session.check_layer(0)
    assert isinstance(check, LayerCheck)
    text = text_of(session, config, layer_check=check)
    assert "grad check ✓" in text and " finite diff −48 " in text


def test_the_builder_needs_no_textual():
    code = ("import sys, tui_backprop.app.inspector_text as t; "
            "assert not [m for m in sys.modules if m.split('.')[0] == 'textual'], 'textual imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_no_network_yet():
    assert build(None)[0].plain == "No network yet."


def test_the_chain_rule_uses_the_lessons_names():
    session, config = after("chain-two-weights", "backward L1")
    text = text_of(session, config, (0, 0, 0, 0))
    assert "  = (−24) · 1 · 2 = −48\n" in text and " batch mean = −48 = ∂C/∂w1 ✓\n" in text
    text = text_of(session, config, (1, 0, 0, 0))
    assert "  = (−6) · 1 · 6 = −36\n  ∂C/∂a = ∂C/∂ŷ, from the loss phase\n batch mean = −36 = ∂C/∂w2 ✓\n" in text
    # one example (batch of one): the chain rule differentiates the lesson's C, not a per-sample ℓ (QA2 11)
    assert "Weight w2 = 4 (h → neuron 1)\n ∂C/∂a · ∂a/∂z · ∂z/∂w2  (sample 1)\n" in text and "ℓ" not in text


def test_a_bias_chain_rule_names_the_bias_once_and_the_output_as_the_pane_does():
    """QA2 5: "Bias b[1]" over "∂ℓ/∂w = δ · ∂z/∂b", "δ = a−y" beside ŷ and "= ∂L/∂b2" for the same bias."""
    session, config = after("xor", "backward L1")
    text = text_of(session, config, (1, 0, 4, 0))
    out = session.snapshot().layers[1]
    assert float(out.a[0, 0]) == pytest.approx(0.2452, abs=1e-4) and float(out.grad_biases[0]) == pytest.approx(-0.03665, abs=1e-5)
    assert ("Bias b2 = 0\n δ = ∂ℓ/∂z comes straight from the loss:\n δ = ŷ − y = 0.2452 − 0 = 0.2452\n"
            " ∂ℓ/∂b2 = δ · ∂z/∂b2\n  = 0.2452 · 1 = 0.2452\n batch mean (10) = −0.03665 = ∂L/∂b2 ✓\n") in text
    assert "b[" not in text and "∂ℓ/∂w" not in text and "a−y" not in text


def test_near_convergence_the_chain_rules_product_adds_up_as_written():
    """As in the computation graph (QA 8): it read "= 1.04e−10 · 1 · 2 = 2.081e−10" (1.04·2 is 2.08)."""
    import re

    from tests.conftest import preset_session

    session = preset_session("chain-two-weights", 17, headless=True)
    while session.last_phase not in ("backward", "backward L1"):
        session.run_phase()
    config = load_preset("chain-two-weights")
    for selection in ((0, 0, 0, 0), (1, 0, 0, 0)):
        line = next(l for l in text_of(session, config, selection).splitlines() if l.startswith("  = "))
        *factors, result = re.split(r" · | = ", line[4:])
        product = np.prod([float(f.replace("\u2212", "-")) for f in factors])
        assert fmt(product) == result, line
    assert "  = 1.0403e\u221210 · 1 · 2 = 2.081e\u221210" in text_of(session, config)


@pytest.mark.parametrize("kind", ["l2", "l1"])
def test_the_weight_section_shows_the_regularization_term_the_optimizer_adds(kind):
    """Issue 11: ∂L/∂w + rate·w (L2) or rate·sign(w) (L1) is what the optimizer steps on."""
    config = load_preset("xor").replace("training", regularization=kind, regularization_rate=0.03)
    session, config = after(config, "backward L1")
    w = float(session.network.layers[0].weights[0, 0])
    g = float(session.network.layers[0].grad_weights[0, 0])
    term = 0.03 * (w if kind == "l2" else np.sign(w))
    text = text_of(session, config, (0, 0, 0, 0), width=80)
    assert f"+ {kind.upper()} " in text and f"= {fmt(term)}" in text, text
    assert f"the optimizer's gradient {fmt(g + term)}" in text, text
    assert session.optimizer.name == "sgd"
    session.run_phase()  # the update: plain SGD moves the weight by −lr·(the optimizer's gradient)
    assert float(session.optimizer.last_update[0]) == pytest.approx(-session.learning_rate * (g + term), rel=1e-12)
    bias_text = text_of(session, config, (0, 0, 2, 0), width=80)  # the bias: never regularized
    assert f"+ {kind.upper()} " not in bias_text.split("Bias")[1]


def test_no_regularization_no_term():
    session, config = after("xor", "backward L1")
    assert "the optimizer's gradient" not in text_of(session, config, (0, 0, 0, 0), width=80)


def test_mid_step_the_update_ratio_says_it_is_the_last_steps():
    """Bug: paused after step 2's backward, 'update/W 0.09' read as this step's; it is step 1's 0.36 / 4 (the
    update over the weight it was added to)."""
    session, config = after("chain-two-weights", "update")  # step 1 applied: w2 4 → 4.36
    for _ in range(20):
        if session.run_phase() == "backward L1":
            break
    snap = session.snapshot()
    assert snap.step == 1 and snap.paused_after_backward
    text = text_of(session, config, (1, 0, 0, 0))
    assert "‖W‖ 4.36  ‖∇W‖ 2.41\nlast update/W 0.09 (step 1) (‖W‖ before 4)\n" in text
    assert abs(snap.layers[1].diagnostics.update_ratio - 0.36 / 4) < 1e-12
    session.run_phase()  # step 2's update: now the figure is this step's own
    text = text_of(session, config, (1, 0, 0, 0))
    ratio = session.snapshot().layers[1].diagnostics.update_ratio
    assert f"  update/W {fmt(ratio, 2)} (‖W‖ before 4.36)\n" in text and "last update/W" not in text


def test_the_update_ratio_names_the_weights_it_is_over_where_they_read_otherwise():
    """QA5 C3: '‖W‖ 0.677  ‖∇W‖ 0.177  update/W 0.35': ‖W‖ is after the step, the ratio over the weights before
    it (0.177 / 0.5), so the line's own figures gave 0.26."""
    session, config = after("chain-two-weights", "update")  # w2: 4 → 4.36
    diag = session.snapshot().layers[1].diagnostics
    assert diag.stepped_from_norm == 4.0 and abs(diag.update_ratio - 0.36 / 4.0) < 1e-12
    assert "update/W 0.09 (‖W‖ before 4)" in text_of(session, config, (1, 0, 0, 0))
    session, config = after("xor", "update")  # weights that barely move read the same: no note
    diag = session.snapshot().layers[0].diagnostics
    assert fmt(diag.stepped_from_norm, 3) == fmt(diag.weight_norm, 3)
    assert "before" not in next(l for l in text_of(session, config).splitlines() if "update/W" in l)


def test_the_norms_line_never_leaves_a_label_without_its_value():
    """QA3 K7: at 80×24 the line '‖W‖ 1.58  ‖∇W‖ 0.235  update/W 0.071' wrapped after 'update/W'."""
    session, config = after("xor-two-hidden", "update")
    wide = text_of(session, config, width=60)
    line = next(l for l in wide.splitlines() if l.startswith("‖W‖"))
    assert "  ‖∇W‖ " in line and "  update/W " in line and "(‖W‖ before 1.65)" in line  # room: two spaces apart
    narrow = text_of(session, config, width=len(line) - 1)  # text_width = width − 1: two columns short
    assert next(l for l in narrow.splitlines() if l.startswith("‖W‖")) == line.replace("  ", " ")
    tight = text_of(session, config, width=22)
    lines = tight.splitlines()
    i = next(i for i, l in enumerate(lines) if l.startswith("‖W‖"))
    assert "update/W" not in lines[i] and lines[i + 1] == "update/W 0.071" and lines[i + 2] == "  (‖W‖ before 1.65)"


NARROW = 36  # the inspector's width at 80×24, its scrollbar's column included; 42 at 100×30


def every_text(preset: str, width: int, phases: int = 24, selections=None):
    """The inspector's text after each of the first ``phases`` phases, for a few selections on every layer."""
    config = load_preset(preset)
    session = Session(config)
    for _ in range(phases):
        session.run_phase()
        snap = session.snapshot()
        for i, layer in enumerate(snap.layers):
            for selection in selections or ((i, 0, 0, 0), (i, layer.units - 1, layer.fan_in, 1)):
                yield build(snap, View(selection=selection, width=width, renames=config.names))[0].plain


@pytest.mark.parametrize("preset", ["xor", "xor-two-hidden", "playground", "spiral-3-classes", "exploding-gradients"])
@pytest.mark.parametrize("width", [NARROW, 42])
def test_every_inspector_line_fits_the_pane_so_no_label_wraps_away_from_its_value(preset, width):
    """QA: at 80×24 'mean of 10: … δ' ended a line and '0.00581' began the next; the chain rule broke as
    '(sample' / '1)'. Every line is now at most text_width long, wrapped between label-and-value pairs."""
    text_width = View(width=width).text_width
    assert text_width == width - 1  # the body's width beside the scrollbar (35 at 80×24): no wider, no narrower
    for text in every_text(preset, width):
        for line in text.splitlines():
            assert len(line) <= text_width, f"{len(line)} > {text_width}: {line!r}\n{text}"


def test_at_80x24_the_mean_line_wraps_under_its_first_value():
    session, config = after("xor", "update")
    for _ in range(2):
        session.step()
    lines = text_of(session, config, width=NARROW).splitlines()
    i = next(i for i, line in enumerate(lines) if line.startswith(" mean of 10: z "))
    head = " mean of 10: "
    assert lines[i + 1].startswith(" " * len(head) + "δ ") and len(lines[i + 1].split()) == 2, lines[i:i + 2]
    assert not lines[i].rstrip().endswith("δ")


def test_at_80x24_the_chain_rule_keeps_sample_n_whole():
    session, config = after("playground", "backward L1")
    text = text_of(session, config, (1, 1, 0, 1), width=NARROW)
    assert "(sample 2)" in text.replace("\n", "|")  # one piece: never '(sample' / '2)'
    assert all(len(line) <= View(width=NARROW).text_width for line in text.splitlines())


def test_the_applied_update_says_when_it_is_not_minus_lr_times_the_gradient():
    """QA5 C6: under Adam 'applied update −0.003' beside ∂L/∂w = 0.034 and lr 0.003 (−lr·g would be −0.0001)."""
    session, config = after("xor", "update")
    line = next(l for l in text_of(session, config).splitlines() if "applied update" in l)
    update = session.snapshot().layers[0].update_weights[0, 0]
    assert update == pytest.approx(-0.1 * session.snapshot().layers[0].grad_weights[0, 0])  # plain SGD: −lr·g
    assert "not −lr" not in line
    adam = load_preset("xor").replace("training", optimizer="adam", learning_rate=0.01)
    session, config = after(adam, "update")
    text = text_of(session, config)
    assert "applied update" in text and "(by adam, not −lr·∂L/∂w)" in text


def test_mid_backward_the_gradient_table_marks_layers_not_reached_yet():
    """QA5 C9: spiral, step 2 after backward L3: the table showed L1 and L2 with step 1's norms beside L3's."""
    session, config = after("spiral", "update")
    for _ in range(20):
        if session.run_phase() == "backward L3":
            break
    snap = session.snapshot()
    assert [layer.backward_pending for layer in snap.layers] == [True, True, False]
    rows = [line for line in text_of(session, config).splitlines() if line[1:3] in ("L1", "L2", "L3")]
    assert "pending" in rows[0] and "pending" in rows[1] and "█" not in rows[0] + rows[1]
    assert fmt(snap.layers[2].diagnostics.grad_norm, 2) in rows[2] and "█" in rows[2]


def test_a_saturated_layer_is_said_once_as_a_warning():
    """QA5 K6: 'saturated 52%' and, right below, '⚠ 52% saturated (f'≈0)'."""
    session, config = after("xor", "update")
    for _ in range(4):
        session.step()
    diag = session.snapshot().layers[0].diagnostics
    assert diag.saturated_share >= 0.5  # xor's hidden layer after 5 steps (the case QA saw: 52%)
    text = text_of(session, config)
    assert f"⚠ {diag.saturated_share:.0%} saturated" in text and "\nsaturated " not in text
    assert "\nsaturated " in text_of(session, config, (1, 0, 0, 0))  # the output layer: no warning, the plain line


def test_mid_step_a_missing_forward_pass_has_one_reason():
    """QA5 K11: spiral, step 3 after forward L1, layer 3: 'dead/saturated: pending (forward L3 not run yet)' and
    the chain rule's '(pending: forward L3 not run yet)', but the neuron line between them said 'press p'."""
    session, config = after("spiral", "update")
    session.step()
    assert session.run_phase() == "forward L1"
    text = text_of(session, config, (2, 0, 0, 0))
    assert "press p" not in text.replace("\n", " ")
    assert text.count("(pending: forward L3 not run yet)") >= 2, text


def test_a_large_update_ratio_keeps_its_whole_figures():
    """QA6 K11: 'update/W 1e2 (‖W‖ before 7.68)' for 103.5: a power of ten reads as no figure at all."""
    config = load_preset("exploding-gradients").with_seed(4)
    session, _ = after(config, "update")
    ratios = [layer.diagnostics.update_ratio for layer in session.snapshot().layers]
    i = next(i for i, r in enumerate(ratios) if 10 <= r < 1e4)
    shown = next(l for l in text_of(session, config, (i, 0, 0, 0)).splitlines() if "update/W" in l)
    assert f"update/W {round(ratios[i]):d}" in shown.replace(",", ""), (shown, ratios[i])


def test_an_output_the_lesson_calls_a_does_not_restate_its_gradient():
    """QA5 K4 / QA6 K8: sigmoid-neuron read '∂C/∂a = ∂C/∂a, from the loss phase'."""
    session, config = after("sigmoid-neuron", "update")
    text = text_of(session, config).replace("\n", " ")
    assert "∂C/∂a = ∂C/∂a" not in text and "∂C/∂a: from the loss phase" in text, text


def test_the_sum_of_w_times_delta_multiplies_out_to_the_chain_lines_figure():
    """QA5 K13: xor step 200, w1₁₁: the chain line wrote ∂ℓ/∂a 0.12283 and the line below it
    '= (−0.537)·(−0.229)', which a learner multiplies to 0.12297. Its factors now take the digits it needs."""
    config = load_preset("xor")
    session = Session(config)
    session.run(199)
    while session.run_phase() != "backward L1":
        pass
    lines = text_of(session, config).splitlines()
    chain = next(line for line in lines if line.startswith("  = "))
    assert chain == "  = 0.12283 · 0.94487 · (−0.73811) = −0.08566"
    sigma = next(line for line in lines if "Σ w·δ" in line)
    assert sigma == "  ∂ℓ/∂a = Σ w·δ of layer 2 = (−0.53681)·(−0.22882)"
    # every neuron and sample: the printed factors give the printed ∂ℓ/∂a, to the digits it is printed with
    for neuron in range(4):
        for sample in range(10):
            lines = text_of(session, config, (0, neuron, 0, sample)).splitlines()
            written = next(line for line in lines if line.startswith("  = ")).split(" · ")[0][4:].strip("()")
            w, d = (float(f.strip("()").replace("−", "-"))
                    for f in next(line for line in lines if "Σ w·δ" in line).split(" = ")[-1].split("·"))
            digits = len(re.sub(r"e.*|\D", "", written).lstrip("0"))
            assert fmt(w * d, digits) == written, (neuron, sample, lines)
    # where 3 digits come out as written, they stay 3
    assert "  ∂ℓ/∂a = Σ w·δ of layer 2 = 0.745·(−0.541)" in text_of(session, config, (0, 1, 0, 1)).splitlines()


def test_negative_factors_are_bracketed_after_the_first_as_in_the_sum_below():
    """QA5 K3: xor w2₁ after step 2's backward pass read '= −0.2565 · −0.7857 = 0.2015', where the Σ w·δ line
    writes '(−0.562)·(−0.302)'. Both now bracket a negative factor, the first too."""
    config = load_preset("xor")
    session = Session(config)
    session.run(1)
    while session.run_phase() != "backward L1":
        pass
    assert "  = (−0.2565) · (−0.7857) = 0.2015" in text_of(session, config, (1, 0, 0, 0)).splitlines()
    hidden = text_of(session, config, (0, 0, 0, 0)).splitlines()
    chain = next(line for line in hidden if line.startswith("  = "))
    assert chain.split(" = ")[1].count("(−") == chain.split(" = ")[1].count("−") >= 1, chain
    assert next(line for line in hidden if "Σ w·δ" in line).count("(−") >= 1


def test_near_its_target_the_inspector_tells_y_hat_from_y_and_the_weight_from_the_one_the_pass_used():
    """QA8 C8: "z 4  ŷ 4  y 4" above "L 1.638e−8  ∂L/∂ŷ −0.000256", and "weight now 2 … the pass below used 2"
    beside update/W 2.6e−5: rounding hid the differences the numbers are about."""
    config = load_preset("one-weight")
    session = Session(config)
    session.use_notes = False
    session.run(7)
    text = text_of(session, config, width=36)
    assert "z 3.9999  ŷ 3.9999  y 4" in text, text
    assert "weight now 2 (after the update)" in text and "the pass below used 1.9999" in text, text
    assert "(1.9999 → 2)" in text, text  # the applied update's ends, not "(2 → 2)" (QA9 K1)
    session = Session(config)  # far from the target, four digits as before
    session.use_notes = False
    session.run(1)
    assert "z 2  ŷ 2  y 4" in text_of(session, config, width=36)
