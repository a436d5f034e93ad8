"""Small labels that must agree with their neighbours (QA 17)."""

from tui_backprop.app.widgets import NetworkDiagram
from tui_backprop.app.widgets.diagram import input_label

from tests.app.test_widgets import WidgetApp, lines_of, session_for


def test_numbered_inputs_are_labelled_as_playgrounds_two():
    assert [input_label(n) for n in ("x1", "x2", "x3", "x10", "x64")] == ["X₁", "X₂", "X₃", "X₁₀", "X₆₄"]
    assert input_label("x1^2") == "X₁²" and input_label("petal length") == "petal length"


async def test_the_digits_diagram_labels_its_inputs_alike():
    """QA: the digits network read "X₁ X₂ x3"."""
    diagram = NetworkDiagram(session_for("digits", 1).snapshot())
    async with WidgetApp(diagram).run_test(size=(60, 24)) as pilot:
        await pilot.pause()
        body = "\n".join(lines_of(diagram)[1:])
        assert "X₁" in body and "X₂" in body and "X₃" in body, body
        assert "x3" not in body and "x4" not in body, body


async def test_the_digits_outputs_are_numbered_by_digit_from_0():
    """QA2 10: the outputs read ŷ1 … ŷ10 while the I view and the lesson number the digits 0 … 9."""
    from tui_backprop.app.diagram_numbers import node_texts

    snap = session_for("digits", 1).snapshot()
    outputs = node_texts(snap, 0, gradients=False)[-1]
    label = int(snap.batch_y[0].argmax())  # the first sample's digit
    assert [t.split()[0] for t in outputs] == [f"ŷ{d}" for d in range(10)]
    assert outputs[label].endswith(f" y{label} 1") and all(t.endswith(" 0") for d, t in enumerate(outputs) if d != label)
    diagram = NetworkDiagram(snap)
    async with WidgetApp(diagram).run_test(size=(98, 28)) as pilot:
        await pilot.pause()
        body = "\n".join(lines_of(diagram))
        assert "ŷ0 " in body and "y0 " in body and "ŷ10" not in body and "y10" not in body, body  # ŷ8, ŷ9: "+2"


def test_class_outputs_share_their_numbers_with_the_inspector():
    """spiral-3-classes (softmax): ŷ₀ … ŷ₂ in the inspector as ŷ0 … ŷ2 on the diagram; one sigmoid output stays ŷ."""
    from tui_backprop.app.inspector_text import View, build

    session = session_for("spiral-3-classes", 1)
    text = build(session.snapshot(), View(selection=(2, 1, 0, 0)))[0].plain
    assert "Neuron 2/3 (class 1)" in text and " ŷ₁ " in text and " y₁ " in text and "ŷ₂" not in text
    text = build(session_for("xor", 1).snapshot(), View(selection=(1, 0, 0, 0)))[0].plain
    assert "class" not in text and " ŷ " in text
