"""The main view's playground keys (test points, discretize, neuron maps, new data, typing a weight) and the
views it opens (sweep, loss landscape, digits, layer statistics): a mixin for ``screens/main.py``."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from tui_backprop.core.figures import change, fmt
from tui_backprop.core.names import Names
from tui_backprop.app.widgets.boundary import DecisionBoundary
from tui_backprop.app.widgets.inspector import Inspector
from tui_backprop.training.session import Session


class PlaygroundControls:
    """Keys that change what the boundary shows or poke the network by hand, and the views opened on top."""

    def action_toggle_test_points(self) -> None:
        boundary = self.query_one(DecisionBoundary)
        boundary.show_test = not boundary.show_test
        self.notify(f"Test points {'shown' if boundary.show_test else 'hidden'}", timeout=2)

    def action_toggle_discretize(self) -> None:
        boundary = self.query_one(DecisionBoundary)
        boundary.discretize = not boundary.discretize
        self.notify(f"Discretized output {'on' if boundary.discretize else 'off'}", timeout=2)

    def action_toggle_neuron_view(self) -> None:
        self.neuron_view = not self.neuron_view
        self._show_neuron_view()

    def _show_neuron_view(self) -> None:
        boundary = self.query_one(DecisionBoundary)
        layer, neuron = self.query_one(Inspector).selection[:2]
        hidden = layer < len(self.session.network.layers) - 1
        boundary.neuron = (layer, neuron) if self.neuron_view and hidden else None
        if self.neuron_view and hidden:  # the longest title that fits the pane (never a cut one)
            unit, at = neuron + 1, layer + 1
            boundary.set_title_forms(f"Neuron {unit} of layer {at}", f"Layer {at} neuron {unit}",
                                     f"L{at} neuron {unit}", f"L{at} n{unit}")
        elif self.neuron_view:
            boundary.set_title_forms("Decision boundary (select a hidden neuron)", "Select a hidden neuron",
                                     "Boundary")
        else:
            boundary.set_title_forms("Decision boundary", "Boundary")

    async def action_new_data(self) -> None:
        if self.locked("new_data"):
            return
        paused = await self.pause_first("for new data")
        if self._halted_note():  # (the halted step's NaN gradients would read as the new data's)
            return
        seed = self.session.config.data_seed + 1
        self.session.regenerate_data(seed)
        self.notify(f"{paused}New data from seed {seed}; the network keeps its weights. Step back now stops at "
                    f"step {self.session.step_count:,}.", timeout=5)
        self.publish_now()

    async def action_edit_weight(self) -> None:
        from tui_backprop.app.screens.edit_weight import EditWeightScreen

        if self.locked("edit_weight"):
            return
        paused = await self.pause_first("to type a weight")
        if self._halted_note():
            return
        self.say_paused(paused)
        layer, row, column, _sample = self.query_one(Inspector).selection
        net = self.session.network
        block = net.layers[layer].param_block
        column = min(column, block.shape[1] - 1)
        is_bias = net.layers[layer].has_bias and column == net.layers[layer].fan_in
        # as the inspector names it (w1₁₁, b2, or the lesson's w1)
        names = Names.of_network(net, self.session.config.names)
        name = names.bias(layer, row) if is_bias else names.weight(layer, row, column)

        def chosen(value: float | None) -> None:
            if value is None:
                return
            try:
                before, after = self.session.set_parameter(layer, row, column, value)
            except ValueError as exc:
                self.notify(str(exc), severity="error")
                return
            # both losses on the batch the redone pass used: the last step's loss was another batch's
            old, new = change(before, after)
            step = self.session.step_count + 1
            self.notify(f"{name} = {fmt(value, 6)}: forward pass redone on step {step:,}'s batch, "
                        f"loss {new} (with the old value {old})", timeout=5)
            self.publish_now()

        self.app.push_screen(EditWeightScreen(name, float(block[row, column])), chosen)

    async def action_sweep(self) -> None:
        """The main run pauses; the chosen run's seed (if any) opens here afterwards."""
        from tui_backprop.app.screens.sweep import SweepScreen

        self.leave_graph()
        paused = await self.pause_first("while the seeds train", "space resumes it after")
        self.say_paused(paused)

        swept = self.config

        def chosen(seed: int | None) -> None:
            if seed is not None:
                config = swept.with_seed(seed)  # the configuration the row was trained with, whatever came since
                self.switch_session(Session(config, lesson=self.session.lesson_config))
                # (in the pause toast's place: that run is no longer on screen)
                self.say_paused(f"Seed {seed} of the sweep opened: space trains it.", timeout=5)

        # A lesson that locks the seed (or the data) may still show the sweep; its rows only are not opened.
        locked = self.config.locks.action_lock("open_sweep_seed") is not None
        screen = read_only_sweep(swept, lambda: self.locked("open_sweep_seed")) if locked else SweepScreen(swept)
        self.app.push_screen(screen, chosen)

    def action_landscape(self) -> None:
        from tui_backprop.app.screens.landscape import LandscapeScreen, Source

        self.leave_graph()
        source = Source(self, lambda: self.runner, lambda session: [session],
                        lambda: [self.latest_snapshot] if self.latest_snapshot is not None else [])
        self.app.push_screen(LandscapeScreen(source, self.query_one(Inspector).selection[:3]))

    def action_digits(self) -> None:
        from tui_backprop.app.screens.digits import DigitsScreen

        if not self.can_open_digits():
            self.notify("The digits view needs the handwritten digits: open the digits preset (o).", timeout=4)
            return
        self.leave_graph()
        self.app.push_screen(DigitsScreen(self))

    def can_open_digits(self) -> bool:
        return self.session.data.source == "digits" and self.session.network.layers[0].fan_in == 64

    def action_layer_stats(self) -> None:
        from tui_backprop.app.screens.layer_stats import LayerStatsScreen

        self.leave_graph()
        self.app.push_screen(LayerStatsScreen(self))


def read_only_sweep(config, refuse):
    """The sweep of a lesson that locks the seed: Enter on a row says why (``refuse``) and the sweep stays, still
    training, instead of opening that seed."""
    from tui_backprop.app.screens.sweep import SweepScreen

    class ReadOnlySweep(SweepScreen):
        BINDINGS = [Binding("enter", "open_seed", "seed locked", id="sweep.open_seed", key_display="⏎",
                            tooltip="This lesson locks the seed: its runs are shown, not opened")]

        def on_mount(self) -> None:  # (after the sweep's own) its title must not promise what Enter won't do
            title = self.query_one("#sweep-title")
            text, promise = title.content, "Enter on a run opens its seed."
            if isinstance(text, Text) and promise in text.plain:
                title.update(text[: text.plain.index(promise)] + Text("The lesson locks the seed: Enter opens none."))

        def action_open_seed(self) -> None:
            refuse()

        def on_data_table_row_selected(self, event) -> None:
            event.stop()
            refuse()

    return ReadOnlySweep(config)
