"""Unit pictures for every hidden layer, big enough to show a shape, every unit reachable; titles never cut."""

from tui_backprop.app.app import BackpropApp
from tui_backprop.app.widgets import DecisionBoundary, NeuronMaps
from tui_backprop.app.plane_picture import UPPER_HALF, first_fitting
from tui_backprop.presets import load_preset


def lines_of(widget) -> list[str]:
    return ["".join(segment.text for segment in widget.render_line(y)) for y in range(widget.size.height)]


def map_widths(line: str) -> list[int]:
    """Widths of the runs of picture cells in one row of maps."""
    return [len(run) for run in line.replace(" ", "\0").split("\0") if run and UPPER_HALF in run]


async def test_every_unit_of_every_hidden_layer_is_reachable_from_the_inspector_at_100x30():
    app = BackpropApp(load_preset("spiral"), questions=False)  # 2-16-16-1: two hidden layers of 16
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        maps = app.query_one(NeuronMaps)
        assert maps.region.width > 0 and maps.region.height >= 5
        for layer, walk in ((1, "down"), (2, "up")):  # the inspector keeps neuron 16 when it moves on
            seen: set[int] = set()
            for _ in range(16):
                lines = lines_of(maps)
                numbers = [int(word) for word in lines[-1].split()]
                assert numbers == [unit + 1 for unit in maps.shown], lines
                first, last = numbers[0], numbers[-1]
                shown = f"{first}–{last}" if last > first else f"{first}"
                assert lines[0].strip().startswith((f"layer {layer} unit", f"L{layer} unit")), lines[0]
                assert f" {shown} of 16" in lines[0], lines[0]  # which layer and which units are shown
                selected = app.query_one("#inspector").selection[1] + 1
                assert selected in numbers  # the page follows the inspector's neuron
                seen.update(numbers)
                # A shape, not a swatch: every map at least 8 pixels wide and 8 tall (4 rows of ▀).
                assert all(width >= 8 for width in map_widths(lines[1])), lines
                assert sum(UPPER_HALF in line for line in lines) >= 4
                assert "+" not in lines[-1]  # no "+N more" that nothing can show
                await pilot.press(walk)
                await pilot.pause()
            assert seen == set(range(1, 17)), (layer, seen)
            await pilot.press("right")  # the next layer (the inspector's ← →)
            await pilot.pause()


async def test_xor_units_fill_the_maps_row_at_120x36():
    app = BackpropApp(load_preset("xor"), questions=False)  # one hidden layer of 4 units
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        maps = app.query_one(NeuronMaps)
        lines = [line for line in lines_of(maps) if line.strip()]
        assert lines[0].strip() == "layer 1 units: what each computes"
        assert lines[-1].split() == ["1", "2", "3", "4"]
        assert map_widths(lines[1]) == [10, 10, 10, 10]


def test_a_title_is_shortened_never_cut():
    forms = ("Neuron 6 of layer 2", "Layer 2 neuron 6", "L2 neuron 6", "L2 n6")
    assert first_fitting(forms, 19) == "Neuron 6 of layer 2"
    assert first_fitting(forms, 18) == "Layer 2 neuron 6"
    assert first_fitting(forms, 3) == "L2 n6"  # nothing fits: the shortest, whole


async def test_neuron_picture_title_fits_the_boundary_pane_at_100x30():
    app = BackpropApp(load_preset("spiral"), questions=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "right", "down", "down", "down", "down", "down", "m")
        await pilot.pause()
        boundary = app.query_one(DecisionBoundary)
        title = str(boundary.border_title)
        assert title in ("Neuron 6 of layer 2", "Layer 2 neuron 6"), title
        assert len(title) <= boundary.outer_size.width - 6  # drawn whole between the corners


async def test_diagram_gradient_legend_fits_at_80x24():
    app = BackpropApp(load_preset("xor"), questions=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "D")
        await pilot.pause()
        diagram = app.query_one("#diagram")
        subtitle = str(diagram.border_subtitle)
        assert subtitle.startswith("edges ∂L/∂w · nodes δ"), subtitle  # the long form needs 35 + 6 > 40
        assert len(subtitle) <= diagram.outer_size.width - 6
