"""Lesson text: paragraphs wrap, formulas keep their lines (in the lesson pane and the picker's preview)."""

from rich.cells import cell_len

from tui_backprop.app.app import BackpropApp
from tui_backprop.app.screens.picker import PresetPicker
from tui_backprop.app.widgets.lesson_pane import (LessonPane, LessonText, lesson_blocks, lesson_layout,
                                                  preformatted_width, wrap_blocks)
from tui_backprop.presets import load_preset

ASKED = "  ∂C/∂w1 = (ŷ − y) · w2 · x  = −6 · 4 · 2 = ?"
TOLD = "  ∂C/∂w1 = (ŷ − y) · w2 · x  = −6 · 4 · 2 = −48"


def shown_whole(pane: LessonText, line: str) -> bool:
    """The line is one line of the pane and fits its visible width (no sideways scrolling needed)."""
    return line in [text.rstrip() for text in pane.lines()] and cell_len(line) <= pane.scrollable_content_region.width


def test_paragraphs_wrap_and_formulas_keep_their_lines():
    lesson = "A paragraph that is long enough\nto be wrapped twice at twenty.\n" \
             "  z = w·x + b = 0.5·2 − 0.5 = 0.5\n\nNext paragraph."
    blocks = lesson_blocks(lesson)
    assert blocks == [("A paragraph that is long enough to be wrapped twice at twenty.", False),
                      ("  z = w·x + b = 0.5·2 − 0.5 = 0.5", True), ("", False), ("Next paragraph.", False)]
    lines = [text.plain.rstrip() for text in wrap_blocks(blocks, 20)]
    assert lines == ["A paragraph that is", "long enough to be", "wrapped twice at", "twenty.",
                     "  z = w·x + b = 0.5·2 − 0.5 = 0.5", "", "Next paragraph."]
    assert preformatted_width(lesson) == 33


def test_a_formula_wider_than_the_side_pane_widens_it_or_covers_the_curve():
    # chain-two-weights: 47 cells of formula + 5 of frame = 52.
    assert lesson_layout(100, 46, 47) == ("over-middle", None)  # 100 − 46 = 54 ≥ 52, but no room beside
    assert lesson_layout(140, 46, 47) == ("side", 52)  # 140 − 46 − 52 = 42 columns left for the curve
    assert lesson_layout(100, 46, 73) == ("over-all", None)  # sigmoid-neuron: 78 > 54
    assert lesson_layout(100, 46, 25) == ("side", None)  # fits the usual 30 columns


async def test_chain_two_weights_formula_on_one_line_at_100x30():
    app = BackpropApp(load_preset("chain-two-weights"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        pane = app.query_one(LessonPane)
        assert shown_whole(pane, ASKED), pane.lines()
        assert not any(line.rstrip().endswith("w2 ·") for line in pane.lines())  # the old wrap
        assert app.query_one("#inspector").region.width > 0  # the inspector stays beside the lesson
        await pilot.press("v")  # the curve back: the side pane is narrow, the formula scrolls, never wraps
        await pilot.pause()
        assert app.query_one("#curve").region.width > 0
        assert ASKED in [line.rstrip() for line in pane.lines()]
        assert pane.virtual_size.width >= cell_len(TOLD) > pane.scrollable_content_region.width


async def test_with_questions_off_the_formula_shows_minus_48_on_one_line():
    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert shown_whole(app.query_one(LessonPane), TOLD)


async def test_at_80x24_the_wide_lesson_keeps_every_formula_line():
    app = BackpropApp(load_preset("sigmoid-neuron"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        pane = app.query_one(LessonPane)
        assert shown_whole(pane, "  forward:  z = 0.5·2 − 0.5 = 0.5, a = σ(0.5) = 0.6225, C = 0.0713")
        assert shown_whole(pane, "  backward: delta = ∂C/∂z = (a − y)·σ'(z), and σ'(z) = a(1 − a) = 0.2350,")


async def test_picker_preview_keeps_the_formula_on_one_line():
    app = BackpropApp(load_preset("xor"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("o", *"chain-two")
        await pilot.pause()
        assert isinstance(app.screen, PresetPicker)
        preview = app.screen.query_one("#preview", LessonText)
        assert shown_whole(preview, TOLD), preview.lines()  # the picker asks nothing: the answer shows


async def test_after_a_training_key_a_narrower_terminal_does_not_bring_the_covering_lesson_back():
    """QA: at 100×30 the lesson stays beside the panes after n; shrunk to 80×24 it covered them all again."""
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        main = app.main
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        assert main.has_class("-narrow") and not main.has_class("-side-open")  # the panes stay in view
        await pilot.press("v")  # asked for, the lesson covers them again, and a resize keeps it
        await pilot.pause()
        assert main.has_class("-side-open")
        await pilot.resize_terminal(82, 24)
        await pilot.pause()
        assert main.has_class("-side-open")


async def test_before_any_training_key_the_lesson_still_opens_over_the_panes_at_80x24():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.main.has_class("-side-open") and app.main.has_class("-narrow")


async def test_after_a_weight_is_typed_the_lesson_says_its_numbers_are_the_presets():
    """The lesson's worked numbers (w1 = 3, w2 = 4, −48 …) stayed as they were after w set w1 = 5 (its questions
    already follow the edit): a line above the text now says whose weights they are, until r or a step back."""
    from tests.conftest import until
    from tui_backprop.app.widgets.lesson_pane import WEIGHTS_EDITED

    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(LessonPane)

        async def edit_w1(value: str) -> None:
            await pilot.press("w")
            assert await until(pilot, lambda: type(app.screen).__name__ == "EditWeightScreen")
            app.screen.query_one("Input").value = value
            await pilot.press("enter")
            assert await until(pilot, lambda: type(app.screen).__name__ != "EditWeightScreen")
            await pilot.pause()

        await edit_w1("3")  # w1's own value: nothing edited
        assert WEIGHTS_EDITED not in pane.render().plain
        await edit_w1("5")
        text = pane.render().plain
        assert WEIGHTS_EDITED in text and "w1 = 3 and w2 = 4" in text, text
        assert text.index(WEIGHTS_EDITED) < text.index("The smallest network")
        await pilot.press("r")  # the preset's weights again
        await pilot.pause()
        assert WEIGHTS_EDITED not in pane.render().plain
        await pilot.press(*["p"] * 6)  # two forward phases, the loss, two backward, the update: step 1 done
        await edit_w1("5")  # on step 2's pass
        assert WEIGHTS_EDITED in pane.render().plain
        await pilot.press("backspace")  # back to step 1, before the edit
        await pilot.pause()
        assert app.session.step_count == 1 and WEIGHTS_EDITED not in pane.render().plain
