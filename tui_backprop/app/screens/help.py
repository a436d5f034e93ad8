"""The ? screen: every key, grouped, built from the live bindings so it cannot drift from them.

A binding's id starts with its section (``training.run`` → Training); its
tooltip (or description) is the text. Bindings of a widget or screen that only
work there say so in the section title.
"""

from __future__ import annotations

import dataclasses

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui_backprop.app.screens.closes_once import ClosesOnce

SECTIONS = {
    "training": "Training",
    "look": "Looking",
    "lesson": "Lesson",
    "inspector": "Gradient inspector (when it has focus)",
    "curve": "Loss curve (when it has focus)",
    "graph": "Computation graph (when it has focus)",
    "playground": "Playground",
    "view": "Views (escape returns; space and n still run and step; a view's key switches to it from any view)",
    "files": "Files",
    "anywhere": "Anywhere",
    "landscape": "Loss landscape (H)",
    "digits": "Digits (I)",
    "compare": "Compare mode (presets with two runs)",
    "sweep": "Sweep seeds (S)",
}


def key_names(app: App, binding: Binding) -> str:
    """How the keys of a binding read on screen: "← / h", "+", "space"."""
    if binding.key_display:
        return binding.key_display
    keys = [k.strip() for k in binding.key.split(",")]
    return " / ".join(app.get_key_display(dataclasses.replace(binding, key=k)) for k in keys)


def binding_owners() -> list[tuple[str | None, list[Binding]]]:
    """Every class that carries keys, with the section its bindings fall in when their id has none."""
    from tui_backprop.app.app import BackpropApp
    from tui_backprop.app.screens.compare import CompareScreen
    from tui_backprop.app.screens.digits import DigitsScreen
    from tui_backprop.app.screens.landscape import LandscapeScreen
    from tui_backprop.app.screens.main import MainScreen
    from tui_backprop.app.screens.sweep import SweepScreen
    from tui_backprop.app.widgets.computation_graph import ComputationGraph
    from tui_backprop.app.widgets.inspector import Inspector
    from tui_backprop.app.widgets.loss_curve import LossCurve

    textual_keys = [b for b in Screen.BINDINGS if b.action in ("app.focus_next", "app.focus_previous")]
    textual_keys = [dataclasses.replace(b, tooltip="Move between panes", id="look.focus") for b in textual_keys]
    palette = Binding(App.COMMAND_PALETTE_BINDING, "command_palette", "palette", id="anywhere.palette",
                      tooltip="Command palette: every action by name")
    return [(None, MainScreen.BINDINGS + textual_keys), ("inspector", Inspector.BINDINGS),
            ("curve", LossCurve.BINDINGS), ("graph", ComputationGraph.BINDINGS), (None, BackpropApp.BINDINGS + [palette]),
            ("landscape", LandscapeScreen.BINDINGS), ("digits", DigitsScreen.BINDINGS),
            ("compare", CompareScreen.BINDINGS), ("sweep", SweepScreen.BINDINGS)]


def help_rows(app: App) -> list[tuple[str, list[tuple[str, str]]]]:
    """(section title, [(keys, what they do)]) in the order the sections are listed above."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    seen = set()
    for default, bindings in binding_owners():
        for binding in bindings:
            section = (binding.id or "").partition(".")[0] if binding.id and "." in binding.id else default
            section = section or "more"
            row = (key_names(app, binding), binding.tooltip or binding.description)
            if row not in seen:  # help and quit live on each screen: list them once
                seen.add(row)
                grouped.setdefault(section, []).append(row)
    order = list(SECTIONS) + sorted(set(grouped) - set(SECTIONS))
    return [(SECTIONS.get(s, s.title()), grouped[s]) for s in order if s in grouped]


def help_table(app: App) -> Group:
    """A title and two columns (keys, what they do) per section; long descriptions wrap under themselves."""
    sections = help_rows(app)
    width = max(len(keys) for _, rows in sections for keys, _ in rows) + 2
    parts: list = []
    for title, rows in sections:
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, min_width=width)
        table.add_column()
        for keys, text in rows:
            table.add_row(Text("  " + keys), Text(text))
        parts += [Text(title, style="bold"), table, Text("")]
    parts.append(Text("Escape, q or ? closes this help."))
    return Group(*parts)


class HelpScreen(ClosesOnce, ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 96; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(help_table(self.app), id="help-text")

    def action_dismiss(self) -> None:
        self.dismiss(None)
