"""What the views over the main screen share: ? and q as on the main view, escape goes back, space and n keep
driving training, and the keys of the other views (G H U S I D) switch to them as they do on the main view."""

from __future__ import annotations

from inspect import isawaitable

from textual.binding import Binding
from textual.screen import Screen

from tui_backprop.app.screens.closes_once import ClosesOnce


# The views' keys, one list for the main view (which opens them) and the views (which switch to them).
VIEWS = [  # key, the main view's action, footer word, binding id, what the help says
    ("G", "toggle_graph", "graph", "view.computation_graph", "Computation graph"),
    ("D", "toggle_diagram_gradients", "diagram grads", "view.diagram_gradients", "Network diagram: weights or gradients"),
    ("S", "sweep", "sweep", "view.sweep", "Sweep seeds"),
    ("H", "landscape", "landscape", "view.loss_landscape",
     "Loss landscape: loss over two weights, the path, the next step −lr·g"),
    ("U", "layer_stats", "statistics", "view.layer_statistics",
     "Layer statistics: update:weight ratio per layer over time, histograms"),
    ("I", "digits", "digits", "view.digits", "Digits (digits lesson): the selected image, its probabilities, layer 1's weights"),
]


async def acted(result) -> None:
    """Await an owner's action if it is a coroutine (the main view's keys that pause the run first)."""
    if isawaitable(result):
        await result


def view_bindings(switch: bool = False) -> list[Binding]:
    """The views' keys (hidden in the footer, listed in help); ``switch``: from a view, via ``switch_view``."""
    return [Binding(key, f"switch_view('{action}')" if switch else action, word, id=binding_id, show=False,
                    tooltip=text)
            for key, action, word, binding_id, text in VIEWS]


def open_preset_binding(scope: str) -> Binding:
    """o on a view: the view closes, then the preset picker opens, so a preset never loads under a view (or a
    sweep, or compare mode) that would go on showing the old run (QA5 B5). Hidden in the footer: beside a
    view's keys "o open" read as "open this run" (QA5 C4)."""
    return Binding("o", "open_preset", "open", id=f"{scope}.open_preset", show=False,
                   tooltip="Close this view and open a preset")


def leave_and_open_preset(screen) -> None:
    screen.action_leave()
    screen.app.action_open_preset()


class SwitchesViews:
    """Mix in before ``Screen`` and add ``view_bindings(switch=True)`` to BINDINGS: from this view, another
    view's key closes it and opens that one (one view at a time: escape then returns to the main view); its
    own key closes it."""

    VIEW_ACTION = ""  # the main view's action that opens this view

    @property
    def views_owner(self):
        """The screen whose actions open the views (the main view; compare mode has the landscape only)."""
        return self.app.main

    async def action_switch_view(self, action: str) -> None:
        owner = self.views_owner
        opens = getattr(owner, f"action_{action}", None)
        if opens is None:
            return  # not a view of this owner (compare mode: U, S, G do nothing there, as on its screen)
        if action != self.VIEW_ACTION and not getattr(owner, f"can_open_{action}", lambda: True)():
            await acted(opens())  # it says why (I without the digits lesson), and this view stays open
            return
        self.action_leave()
        if action != self.VIEW_ACTION:
            await acted(opens())  # (never over the graph: the main view leaves it before a view opens)


class ViewScreen(SwitchesViews, ClosesOnce, Screen[None]):
    """A full-screen view; ``owner`` (the app, or compare mode) runs and steps the training."""

    BINDINGS = [
        # First, as on the main view (the footer shows them first); the help lists them under "Anywhere".
        Binding("question_mark", "app.help", "help", id="anywhere.help", key_display="?", tooltip="All keys"),
        Binding("q", "app.quit", "quit", id="anywhere.quit", tooltip="Quit"),
        Binding("escape", "leave", "back", id="view.back"),
        Binding("space", "toggle_run", "run", id="view.run"),
        Binding("n", "step", "step", id="view.step"),
        open_preset_binding("view"),
        *view_bindings(switch=True),
    ]

    def __init__(self, owner):
        super().__init__()
        self.owner = owner

    @property
    def views_owner(self):
        return self.owner

    def action_leave(self) -> None:
        self.dismiss(None)

    def action_open_preset(self) -> None:
        # over compare mode, compare mode closes too (the preset replaces its runs)
        opener = getattr(self.owner, "action_open_preset", None)
        self.action_leave()
        if opener is not None:
            opener()
        else:
            self.app.action_open_preset()

    def action_toggle_run(self) -> None:
        self.owner.action_toggle_run()

    async def action_step(self) -> None:
        await acted(self.owner.action_step())  # the main view's pauses a running session first
