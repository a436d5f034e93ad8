"""Open a preset: type to filter, arrows to choose, Enter to load, Escape to cancel."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from tui_backprop.app.screens.closes_once import ClosesOnce

from tui_backprop.app.widgets.lesson_pane import LessonText, lesson_blocks
from tui_backprop.config import ConfigError, load_config
from tui_backprop.lessons import mask
from tui_backprop.presets import COURSE_ORDER, PresetInfo, course_place, list_presets


class PresetPicker(ClosesOnce, ModalScreen[Path | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
        Binding("down", "move(1)", "Next", show=False, id="picker.down"),
        Binding("up", "move(-1)", "Previous", show=False, id="picker.up"),
    ]
    DEFAULT_CSS = """
    PresetPicker { align: center middle; }
    PresetPicker > Vertical {
        width: 96; max-width: 100%; height: 26; max-height: 100%;
        border: round $accent; background: $surface;
    }
    PresetPicker Input { margin: 0 0 0 0; }
    PresetPicker Horizontal { height: 1fr; }
    PresetPicker OptionList { width: 1fr; min-width: 30; max-width: 38; height: 1fr; }
    PresetPicker #preview { width: 1fr; height: 1fr; padding: 0 0 0 1; border-left: solid $primary; }
    """

    def __init__(self, presets: list[PresetInfo] | None = None, current: str | None = None,
                 questions: bool = False):
        super().__init__()
        self.presets = presets if presets is not None else list_presets()
        self.shown: list[PresetInfo] = list(self.presets)
        self.current = current  # the preset on screen: highlighted until a filter is typed (o ⏎ reloads it)
        # With questions on, the preview hides their answers as the lesson pane does: "= −48" in the preview
        # was the number lesson 2 then asks to predict (QA9 B1).
        self.questions = questions
        self._questions: dict[str, tuple] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(placeholder="type to filter presets…", id="filter")
            with Horizontal():
                yield OptionList(id="preset-list")
                # Formulas as in the lesson pane: whole where they fit, else wrapped under their text.
                yield LessonText(id="preview")

    def on_mount(self) -> None:
        self.border_title = "Open a preset"
        self._fill("")
        self.query_one("#filter", Input).focus()

    def _fill(self, text: str) -> None:
        words = text.lower().split()
        query = text.strip().lower()

        def rank(p: PresetInfo) -> tuple[int, str]:
            # An exact name first, then names that start with / contain the query, then text matches.
            name = p.name.lower()
            if query and name == query:
                return (0, name)
            if query and name.startswith(query):
                return (1, name)
            if query and query in name:
                return (2, name)
            if query and query in p.title.lower():
                return (3, name)
            return (4, name)

        matches = [p for p in self.presets if all(w in f"{p.name} {p.title} {p.lesson}".lower() for w in words)]
        self.shown = sorted(matches, key=rank) if query else matches
        options = self.query_one("#preset-list", OptionList)
        options.clear_options()
        for p in self.shown:
            mark = (" (user; hides the shipped one)" if p.hides_shipped else " (user)") if p.origin == "user" else ""
            place = course_place(p.name) if p.origin == "shipped" else None
            number = f"{place[0]}. " if place else ""  # the course's order: one-weight is 1., not 16th of 25
            summary = f"\n  [dim]{escape(p.summary)}[/dim]" if p.summary else ""
            # (the number on the title's line: "22. " before the longest name wrapped it onto a line of its own)
            options.add_option(Option(f"[b]{escape(p.name)}[/b]{mark}\n  {number}{escape(p.title)}{summary}",
                                      id=p.name))
        if self.shown:
            names = [p.name for p in self.shown]
            options.highlighted = names.index(self.current) if not query and self.current in names else 0
        self._preview()

    def _preview(self) -> None:
        options = self.query_one("#preset-list", OptionList)
        idx = options.highlighted
        preview = self.query_one("#preview", LessonText)
        if idx is None or idx >= len(self.shown):
            preview.set_blocks([("No preset matches." if not self.shown else "", False)])
            return
        p = self.shown[idx]
        place = course_place(p.name) if p.origin == "shipped" else None
        where = (f"lesson {place[0]} of {len(COURSE_ORDER)} · {place[1]}" if place else
                 "shipped lesson" if p.origin == "shipped" else f"your preset: {p.path}")
        if p.error:
            body = [(escape(line), False) for line in p.error.splitlines()]
        else:
            lesson = mask(p.lesson, self._questions_of(p)) if self.questions else p.lesson
            body = lesson_blocks(lesson) if lesson.strip() else [("(no lesson text)", False)]
        preview.set_blocks([(f"[b]{escape(p.title)}[/b]", False), (f"[dim]{escape(where)}[/dim]", False),
                            ("", False), *body])
        preview.scroll_home(animate=False)

    def _questions_of(self, p: PresetInfo) -> tuple:
        """The preset's questions (read once; none from a file that does not load: the preview says why)."""
        if p.name not in self._questions:
            try:
                self._questions[p.name] = load_config(p.path, p.name).questions
            except (ConfigError, OSError, ValueError):
                self._questions[p.name] = ()
        return self._questions[p.name]

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self) -> None:
        self._preview()

    @on(Input.Submitted, "#filter")
    def _submit(self) -> None:
        self._choose(self.query_one("#preset-list", OptionList).highlighted)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option_index)

    def _choose(self, index: int | None) -> None:
        if index is None or index >= len(self.shown):
            return
        self.dismiss(self.shown[index].path)

    def action_move(self, delta: int) -> None:
        options = self.query_one("#preset-list", OptionList)
        if not self.shown:
            return
        current = options.highlighted or 0
        options.highlighted = max(0, min(len(self.shown) - 1, current + delta))

    def action_cancel(self) -> None:
        self.dismiss(None)
