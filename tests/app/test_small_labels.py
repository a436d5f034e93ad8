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
