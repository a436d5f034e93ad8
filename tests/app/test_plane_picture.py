"""The input-plane picture's pixels and colours, checked without an app (app/plane_picture.py)."""

import subprocess
import sys
from types import SimpleNamespace

import numpy as np
from rich.segment import Segment

from tui_backprop.app.plane_picture import (ANSI_BLUE, ANSI_BRIGHT_YELLOW, ANSI_WHITE, ANSI_YELLOW, CLASS_BASE,
                                            LEVELS, SIGNED, class_keys, density_glyph, fit_parts, luminance,
                                            pair_style, pixel_colour, point_colour, sample_pixels,
                                            signed_keys, uses_ansi_palette, value_scale)


def test_the_picture_needs_no_textual():
    code = ("import sys, tui_backprop.app.plane_picture; "
            "assert not [m for m in sys.modules if m.split('.')[0] == 'textual'], 'textual imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_signed_keys_map_the_scale_onto_the_levels():
    values = np.array([-2.0, -1.0, 0.0, 0.5, 1.0, np.nan])
    assert signed_keys(values, 0.0, 1.0, False).tolist() == [0, 0, LEVELS, 12, 2 * LEVELS, LEVELS]
    # a sigmoid's 0.75 is half way up the positive side
    assert signed_keys(np.array([0.75]), 0.5, 0.5, False).tolist() == [12]
    # discrete: only the two ends, the middle counts as positive
    assert signed_keys(values[:5], 0.0, 1.0, True).tolist() == [0, 0, 2 * LEVELS, 2 * LEVELS, 2 * LEVELS]


def test_class_keys_are_the_argmax_class_light_when_unsure():
    values = np.array([[0.8, 0.2], [0.4, 0.6], [0.1, 0.9]])
    assert class_keys(values, False).tolist() == [CLASS_BASE, CLASS_BASE + 3, CLASS_BASE + 2]
    assert class_keys(values, True).tolist() == [CLASS_BASE, CLASS_BASE + 2, CLASS_BASE + 2]


def test_value_scale_by_activation():
    assert value_scale("tanh", np.array([5.0])) == (0.0, 1.0)
    assert value_scale("sigmoid", np.array([5.0])) == (0.5, 0.5)
    assert value_scale("softmax", np.array([5.0])) == (0.5, 0.5)
    assert value_scale("relu", np.array([0.0, 3.0, -5.0, np.inf])) == (0.0, 5.0)  # the largest finite size
    assert value_scale("linear", np.zeros(3)) == (0.0, 1.0)  # all zero: a range that divides


def test_sample_pixels_is_nearest_neighbour():
    keys = np.array([[1, 2], [3, 4]])
    assert sample_pixels(keys, 4, 4).tolist() == [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    assert sample_pixels(keys, 1, 1).tolist() == [[1]]


def test_the_signed_palette_runs_orange_to_grey_to_blue():
    assert len(SIGNED) == 2 * LEVELS + 1
    assert (SIGNED[0], SIGNED[LEVELS], SIGNED[2 * LEVELS]) == ("#e8701a", "#e8eaeb", "#0848a8")
    assert pixel_colour(CLASS_BASE) == "#f59322" and pixel_colour(CLASS_BASE + 2) == "#4090e0"
    # unsure: the class hue mixed 55 % towards the middle grey
    assert pixel_colour(CLASS_BASE + 1) == "#eec391"  # f5→ee, 93→c3, 22→91


def test_the_16_colour_palette_keeps_the_sign():
    assert pixel_colour(LEVELS, ansi=True) == ANSI_WHITE
    assert pixel_colour(LEVELS + 1, ansi=True) == ANSI_WHITE  # within the unsure band
    assert pixel_colour(0, ansi=True) == ANSI_YELLOW
    assert pixel_colour(LEVELS - 3, ansi=True) == ANSI_BRIGHT_YELLOW  # weak: the light shade
    assert pixel_colour(2 * LEVELS, ansi=True) == ANSI_BLUE
    assert pixel_colour(CLASS_BASE + 2 * 2 + 1, ansi=True) == "#ff55ff"  # class 2, unsure


def test_a_point_stands_out_on_its_own_region():
    for key in (0, 2 * LEVELS, CLASS_BASE, CLASS_BASE + 2):
        background = pixel_colour(key)
        point = point_colour(key, background)
        assert point != background
        assert abs(luminance(point) - luminance(background)) > 50
    assert point_colour(LEVELS, pixel_colour(LEVELS, True), ansi=True) == "#555555"  # dark grey on white


def test_pair_style_is_cached():
    style = pair_style(0, 2 * LEVELS)
    assert style is pair_style(0, 2 * LEVELS)
    assert style.color.triplet.hex == SIGNED[0] and style.bgcolor.triplet.hex == SIGNED[2 * LEVELS]


def test_density_glyphs_without_colour():
    assert density_glyph(0, 0) == " "
    assert density_glyph(LEVELS, LEVELS) == "▒"
    assert density_glyph(2 * LEVELS, 2 * LEVELS) == "█"
    assert density_glyph(CLASS_BASE, CLASS_BASE) == " " and density_glyph(CLASS_BASE + 8, CLASS_BASE + 8) == "█"


def test_fit_parts_drops_whole_parts_by_priority_keeping_order():
    parts = [(0, [Segment("output")]), (20, [Segment(" train")]), (1, [Segment(" lo")]), (2, [Segment(" hi")])]
    text = lambda width: "".join(segment.text for segment in fit_parts(parts, width))  # noqa: E731
    assert text(40) == "output train lo hi"
    assert text(12) == "output lo hi"  # " train" (6) is the least important
    assert text(10) == "output lo"
    assert text(5) == " lo"  # the caption does not fit: the next one that does, never a cut word


def test_uses_ansi_palette(monkeypatch):
    monkeypatch.delenv("TEXTUAL_COLOR_SYSTEM", raising=False)
    terminal = SimpleNamespace(is_headless=False, console=SimpleNamespace(color_system="standard"))
    assert uses_ansi_palette(terminal)
    assert not uses_ansi_palette(SimpleNamespace(is_headless=False, console=SimpleNamespace(color_system="truecolor")))
    assert not uses_ansi_palette(SimpleNamespace(is_headless=True, console=terminal.console))
    monkeypatch.setenv("TEXTUAL_COLOR_SYSTEM", "standard")
    assert uses_ansi_palette(SimpleNamespace(is_headless=True))
