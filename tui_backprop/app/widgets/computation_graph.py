"""The computation graph view: one sample's values and gradients, node by node, and the chain rule.

It reads snapshots only (the text comes from ``app.graph_layout`` and
``app.graph_chain``). Arrow keys move between nodes; under the graph, the
selected node's gradient is written out as the whole chain from the loss.
While gradients wait to be applied, it also says what the update will do,
worked out on a copy of the network.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from tui_backprop.app.graph_chain import Chain, weighted_sum_line
from tui_backprop.app.graph_canvas import render
from tui_backprop.app.graph_layout import GraphLayout, GraphValues, build, names_for
from tui_backprop.core.figures import change
from tui_backprop.training.preview import preview_update
from tui_backprop.training.session import Snapshot

STYLES = {"name": Style(bold=True), "value": Style(), "grad": Style(color="#f59322"),
          "pending": Style(dim=True), "edge": Style(dim=True), "selected": Style(bold=True, reverse=True), "": Style()}


class ComputationGraph(VerticalScroll, can_focus=True):
    """One sample's computation graph (micrograd's data | grad), for the whole network or one neuron's part."""

    DEFAULT_CSS = """
    ComputationGraph { height: 1fr; padding: 0 1; overflow-x: auto; }
    ComputationGraph > #graph-canvas { width: auto; margin: 1 0 1 0; }
    """

    BINDINGS = [
        Binding("left,h", "move(-1, 0)", "Node left", id="graph.left", show=False),
        Binding("right,l", "move(1, 0)", "Node right", id="graph.right", show=False),
        Binding("up,k", "move(0, -1)", "Node up", id="graph.up", show=False),
        Binding("down,j", "move(0, 1)", "Node down", id="graph.down", show=False),
        Binding("less_than_sign", "sample(-1)", "Prev sample", id="graph.previous_sample", key_display="<",
                show=False),
        Binding("greater_than_sign", "sample(1)", "Next sample", id="graph.next_sample", key_display=">",
                show=False),
    ]

    class NodeSelected(Message):
        """The learner moved to a node of a neuron: the inspector follows (weight == fan_in: the bias)."""

        def __init__(self, layer: int, neuron: int, weight: int | None, sample: int) -> None:
            super().__init__()
            self.layer, self.neuron, self.weight, self.sample = layer, neuron, weight, sample

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.snapshot: Snapshot | None = None
        self.renames = ()
        self.focus_neuron = (0, 0)  # the neighbourhood shown for a large network
        self.sample = 0
        self.selected: tuple | None = None
        self.graph: GraphLayout | None = None

    def compose(self):
        yield Static(id="graph-head")
        yield Static(id="graph-canvas")
        yield Static(id="graph-chain")

    def on_mount(self) -> None:
        self.border_title = "Computation graph"
        self._draw()

    # ------------------------------------------------------------ public API
    def show(self, snapshot: Snapshot | None) -> None:
        self.snapshot = snapshot
        self._draw()

    def set_names(self, names) -> None:
        """The preset's [names] table (pairs of default name, lesson name)."""
        self.renames = tuple(names)
        self._draw()

    def new_session(self, names) -> None:
        """Another session: forget the old network's snapshot and selection (a layer it may not have)."""
        self.snapshot = None
        self.selected = None
        self.focus_neuron = (0, 0)
        self.sample = 0
        self.set_names(names)

    def follow(self, layer: int, neuron: int, weight: int, sample: int) -> None:
        """The inspector's selection: a large network's graph moves to that neuron."""
        self.focus_neuron = (layer, neuron)
        self.sample = sample
        snap = self.snapshot
        if snap is not None and snap.layers and layer < len(snap.layers):
            info = snap.layers[layer]
            key = ("b", layer, neuron) if weight >= info.fan_in else ("w", layer, neuron, weight)
            self.selected = key
        self._draw()

    # --------------------------------------------------------------- actions
    def action_move(self, dx: int, dy: int) -> None:
        g = self.graph
        if g is None or not g.placed:
            return
        places = list(g.placed.values())
        here = g.placed.get(self.selected) or places[0]
        # By column of the graph, not screen column: a graph in two bands goes on at the left of the lower one.
        if dy:
            same = sorted((p for p in places if p.column == here.column), key=lambda p: p.line)
            index = same.index(here) + dy
            target = same[index] if 0 <= index < len(same) else here
        else:
            cols = sorted({p.column for p in places})
            index = cols.index(here.column) + dx
            if not 0 <= index < len(cols):
                return
            target = min((p for p in places if p.column == cols[index]), key=lambda p: abs(p.line - here.line))
        self.selected = target.key
        key = target.key
        if key[0] in ("w", "b", "z", "a"):
            layer, neuron = key[1], key[2]
            info = self.snapshot.layers[layer]
            weight = key[3] if key[0] == "w" else info.fan_in if key[0] == "b" else None
            self.post_message(self.NodeSelected(layer, neuron, weight, self.sample))
        self._draw()

    def action_sample(self, delta: int) -> None:
        snap = self.snapshot
        if snap is None or snap.layers[0].z is None:
            return
        batch = snap.layers[0].z.shape[0]
        self.sample = min(max(self.sample + delta, 0), batch - 1)
        layer, neuron = self.focus_neuron
        self.post_message(self.NodeSelected(layer, neuron, None, self.sample))
        self._draw()

    # ------------------------------------------------------------- drawing
    @staticmethod
    def _small(snap: Snapshot) -> bool:
        from tui_backprop.app.graph_layout import is_small

        return is_small(snap)

    def _draw(self) -> None:
        if not self.is_mounted:
            return
        head, canvas, chain = (self.query_one(f"#graph-{part}", Static) for part in ("head", "canvas", "chain"))
        snap = self.snapshot
        if snap is None or not snap.layers:
            head.update(Text("No network yet.", style="dim"))
            canvas.update("")
            chain.update("")
            return
        values = GraphValues(snap, names_for(snap, self.renames), self.sample)
        self.sample = values.sample
        layer, neuron = self.focus_neuron
        layer = min(layer, len(snap.layers) - 1)
        neuron = min(neuron, snap.layers[layer].units - 1)
        width = self.scrollable_content_region.width  # (0: not laid out yet)
        if width and not self.show_vertical_scrollbar:  # room for one, should the bands make the text taller
            width -= self.styles.scrollbar_size_vertical
        g = self.graph = build(values, layer, neuron, width=width or None)
        if self.selected not in g.placed:
            self.selected = self._default_selection(g, layer, neuron)
        head.update(self._head_text(snap, values))
        canvas.update(self._canvas_text(g))
        chain.update(self._chain_text(snap, values, g))
        self.call_after_refresh(self._scroll_to_selected)

    def on_resize(self) -> None:
        self._draw()  # a whole network's bands fit the new width

    def _scroll_to_selected(self) -> None:
        """A graph wider than the view scrolls sideways so the selected node stays in sight (keyboard alone)."""
        place = self.graph.placed.get(self.selected) if self.graph is not None else None
        if place is None:
            return
        # As little as possible from the left edge, so the inputs stay in view whenever they can.
        x = max(0, min(place.col + place.width + 1 - self.scrollable_content_region.width, place.col))
        # And up or down, as little as it takes, to a node in a band below the view's bottom (QA6 K9).
        top = self.query_one("#graph-canvas").virtual_region.y + place.line
        height = self.scrollable_content_region.height
        y = self.scroll_y
        if top + 2 > y + height:
            y = top + 2 - height
        if top < y:
            y = top
        if x != self.scroll_x or y != self.scroll_y:
            self.scroll_to(x=x, y=max(y, 0), animate=False)

    @staticmethod
    def _default_selection(g: GraphLayout, layer: int, neuron: int) -> tuple:
        """The first weight of the neuron in view: its chain is the longest one shown."""
        for key in (("w", layer, neuron, 0), ("b", layer, neuron)):
            if key in g.placed:
                return key
        return next(iter(g.placed))

    def _head_text(self, snap: Snapshot, values: GraphValues) -> Text:
        text = Text()
        where = "whole network" if self._small(snap) else (
            f"neuron {self.focus_neuron[1] + 1} of layer {self.focus_neuron[0] + 1} and its neighbours")
        text.append(f"Sample {values.sample + 1} of {values.batch}", style="bold")
        text.append(f" · {where}\n", style="dim")
        text.append("name value", style="bold")
        text.append(", under it ", style="dim")
        text.append(f"∂ = ∂{values.names.loss}/∂node", style=STYLES["grad"])
        text.append(" · = not computed yet", style="dim")
        if values.updated:
            text.append(" · old→new: the update just applied", style="dim")
        text.append("\n←→↑↓ pick a node" + (", < > sample" if values.batch > 1 else "") + ", G or escape: back",
                    style="dim")
        return text

    def _canvas_text(self, g: GraphLayout) -> Text:
        canvas = render(g, self.selected)
        text = Text(no_wrap=True, overflow="crop", end="")
        for i, (chars, styles) in enumerate(zip(canvas.lines, canvas.styles)):
            if i:
                text.append("\n")  # (an empty line stays: it parts a graph's two bands)
            end = len("".join(chars).rstrip())
            run_start = 0
            for x in range(1, end + 1):
                if x == end or styles[x] != styles[run_start]:
                    text.append("".join(chars[run_start:x]), style=STYLES.get(styles[run_start], Style()))
                    run_start = x
        return text

    def _chain_text(self, snap: Snapshot, values: GraphValues, g: GraphLayout) -> Text:
        key = self.selected
        node = values.node(key)
        text = Text()
        text.append(f"Chain rule for {node.name}", style="bold")
        text.append(" (from the loss down to it):\n", style="dim")
        lines = Chain(values).lines(key)
        for i, line in enumerate(lines):
            text.append("  " + line + "\n", style="bold" if i == len(lines) - 1 else "")
        if key[0] in ("w", "b", "z", "a") and not (key[0] == "a" and key[1] == len(snap.layers) - 1 and
                                                   snap.layers[key[1]].activation != "linear"):
            layer, neuron = key[1], key[2]
            text.append("Weighted sum: ", style="bold")
            text.append(weighted_sum_line(values, layer, neuron) + "\n")
        self._update_text(text, snap, values, key)
        return text

    def _update_text(self, text: Text, snap: Snapshot, values: GraphValues, key: tuple) -> None:
        if snap.running or not snap.paused_after_backward:
            return
        session = getattr(self.app, "session", None)
        preview = preview_update(session, snap) if session is not None else None
        if preview is None:
            return
        text.append("The update will make", style="bold")
        text.append(" (worked out on a copy; n or p applies it):\n", style="dim")
        if key[0] in ("w", "b"):
            info = snap.layers[key[1]]
            if key[0] == "w":
                old, new = info.weights[key[2], key[3]], preview.weights[key[1]][key[2], key[3]]
            else:
                old, new = info.biases[key[2]], preview.biases[key[1]][key[2]]
            text.append(f"  {values.node(key).name}: {' → '.join(change(old, new))}\n")
        loss = values.names.loss
        mean = " (batch mean)" if values.batch > 1 else ""
        text.append(f"  {loss}{mean}: {' → '.join(change(preview.loss_before, preview.loss_after))}\n")
