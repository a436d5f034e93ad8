"""The digits view: the picture, the probabilities the network gives, layer 1's weights as pictures."""

import numpy as np
import pytest

from tui_backprop.app.app import BackpropApp
from tui_backprop.app.screens.digits import DigitsScreen, UnitPictures, ink_lines, probability_lines
from tui_backprop.presets import load_preset


def test_digits_view_at_80x24(snap_compare):
    async def run_before(pilot):
        await pilot.press(*["e"] * 5, "I", "right")
        await pilot.pause(0.5)
    assert snap_compare(BackpropApp(load_preset("digits")), run_before=run_before, terminal_size=(80, 24))


async def test_probabilities_are_the_networks_output_for_the_selected_digit():
    app = BackpropApp(load_preset("digits"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e", "e", "I", "right", "right")
        await pilot.pause(0.5)
        screen = app.screen
        assert isinstance(screen, DigitsScreen) and screen.index == 2
        data = app.session.data
        probabilities = app.session.network.predict(data.x_test[2:3])[0]
        text = str(screen.query_one("#digit-probabilities").render())
        for digit, p in enumerate(probabilities):
            assert f"{digit} " in text and f"{p:6.1%}" in text
        label = int(np.argmax(data.y_test[2]))
        assert f"this is a {label}" in str(screen.query_one("#digit-image").render())
        assert screen.query_one("#digit-image").border_title == "test 3/449"
        await pilot.press("t")
        await pilot.pause(0.3)
        assert screen.query_one("#digit-image").border_title == "training 1/1348"
        pictures = screen.query_one(UnitPictures)
        assert np.array_equal(pictures.weights, app.session.network.layers[0].weights)


@pytest.mark.parametrize("no_color", [False, True])
async def test_the_weights_title_fits_80_columns_and_names_its_marks(monkeypatch, no_color):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = BackpropApp(load_preset("digits"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("I")
        await pilot.pause(0.3)
        pane = app.screen.query_one("#digit-units")
        title = str(pane.border_title)
        assert len(title) <= pane.size.width - 4  # the border's corners and a space each side: never cut
        legend = "+# positive, -= negative" if no_color else "blue +, orange −"
        assert title == f"Layer 1 weights, 8×8 per unit: {legend} (scaled per unit)"


async def test_each_pane_says_what_it_is_in_words_that_fit():
    """QA: the digit picture, the network's input, had no label: only 'test 3/449' above it."""
    app = BackpropApp(load_preset("digits"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("I")
        await pilot.pause(0.3)
        screen = app.screen
        image = screen.query_one("#digit-image")
        assert str(image.border_subtitle) == "network input" and str(image.border_title).startswith("test ")
        assert "probability of each digit" in str(screen.query_one("#digit-probabilities").border_title)
        assert str(screen.query_one("#digit-units").border_title).startswith("Layer 1 weights")
        for pane in (image, screen.query_one("#digit-probabilities"), screen.query_one("#digit-units")):
            for label in (pane.border_title, pane.border_subtitle):
                assert label is None or len(str(label)) + 6 <= pane.outer_size.width, label  # "╰─ label ─╯", never cut


async def test_other_presets_say_what_the_view_needs():
    app = BackpropApp(load_preset("xor"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("I")
        await pilot.pause()
        assert not isinstance(app.screen, DigitsScreen)
        assert any("digits preset" in n.message for n in app._notifications)


def test_the_picture_and_the_bars():
    pixels = np.zeros(64)
    pixels[0], pixels[63] = 1.0, 0.5
    lines = ink_lines(pixels)
    assert len(lines) == 8 and lines[0].startswith("██") and lines[7].endswith("▒▒")
    bars = probability_lines(np.array([0.1, 0.6] + [0.0375] * 8), label=0, width=10)
    assert bars[0] == "0 █·········  10.0% ◀ answer"
    assert bars[1] == "1 ██████····  60.0%  ◀ guess"
