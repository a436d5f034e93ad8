"""How the app looks: fixed seeds, paused, no wall-clock text in the frame."""

import pytest

from tui_backprop.app.app import BackpropApp
from tui_backprop.presets import load_preset

SIZES = [(100, 30), (80, 24)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_start(snap_compare, size):
    assert snap_compare(BackpropApp(load_preset("xor")), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_xor_after_ten_steps(snap_compare, size):
    assert snap_compare(BackpropApp(load_preset("xor"), questions=False), press=["n"] * 10, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_chain_paused_after_backward_shows_w1_breakdown(snap_compare, size):
    assert snap_compare(BackpropApp(load_preset("chain-two-weights"), questions=False), press=["n"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_chain_breakdown_is_on_screen(size):
    """The frame above shows w1's chain rule: ∂ℓ/∂a · ∂a/∂z · ∂z/∂w = (−24) · 1 · 2 = −48."""
    app = BackpropApp(load_preset("chain-two-weights"), questions=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("n")
        text = app.query_one("#inspector").build_text()[0].plain
        assert "(−24) · 1 · 2 = −48" in text
        assert "batch mean = −48" in text


def test_compare_mode(snap_compare):
    assert snap_compare(BackpropApp(load_preset("optimizers")), press=["n"] * 5, terminal_size=(100, 30))


def test_picker(snap_compare):
    assert snap_compare(BackpropApp(load_preset("xor")), press=["o", "c", "i", "r"], terminal_size=(100, 30))


def test_help(snap_compare):
    assert snap_compare(BackpropApp(load_preset("xor")), press=["question_mark"], terminal_size=(100, 30))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_chain_two_weights_lesson_first_screen(snap_compare, size):
    """The lesson a teacher opens first: its formulas keep their lines and alignment at both sizes."""
    assert snap_compare(BackpropApp(load_preset("chain-two-weights")), terminal_size=size)


async def test_picker_frame_holds_still_after_typing():
    """test_picker's frame is the same however late it is taken: a loaded machine took it after the
    filter box's cursor had blinked off (same text, other styles). Frames over 1.2 s, two blinks' time."""
    app = BackpropApp(load_preset("xor"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("o", "c", "i", "r")
        await pilot.pause()
        first = app.export_screenshot()
        for _ in range(4):
            await pilot.pause(0.3)
            assert app.export_screenshot() == first
