"""The tui-backprop app: a main view of one session (``screens/main.py``) and the keys that work anywhere.

The App holds little state of its own: the session, its runner and the
configuration belong to the main screen (``app.session``, ``app.runner`` and
``app.config`` read them there). Each screen and widget carries its own keys;
the help screen and the command palette are built from those bindings.
"""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.app import App, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.command import CommandPalette
from textual.notifications import Notification, Notify
from textual.widgets import Input

from tui_backprop import collector
from tui_backprop.app.screens.main import MainScreen, reflow
from tui_backprop.app.screens.type_ahead import TypeAhead
from tui_backprop.app.training_controls import LEARNING_RATES, next_learning_rate
from tui_backprop.config import Config, ConfigError, load_config
from tui_backprop.training.session import Session

__all__ = ["BackpropApp", "LEARNING_RATES", "next_learning_rate", "reflow"]


class SafeCommandPalette(CommandPalette):
    """Textual's palette, but a page key that arrives before the list is laid out does nothing.

    (Over SSH, ctrl+p and PageDown often arrive together: OptionList._move_page then raises KeyError.)
    """

    def _action_command_list(self, action: str) -> None:
        try:
            super()._action_command_list(action)
        except (KeyError, IndexError):
            pass  # no lines yet: the next key press finds them


class BackpropApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "tui-backprop"
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (60, "-narrow"), (90, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-tiny-height"), (16, "-short"), (24, "-tall")]
    NOTIFICATION_TIMEOUT = 3  # seconds (Textual's 5): a note, not a pane

    # Keys that work on every screen; each screen adds its own (help and quit there, so the footer shows
    # them first, and a dialog's text field never quits the app).
    BINDINGS = [
        Binding("o", "open_preset", "open", id="anywhere.open_preset",
                tooltip="Open a preset (type to filter, Enter loads, Escape cancels)"),
    ]

    def __init__(self, config: Config, session: Session | None = None, *, fps: float = 10.0,
                 served: bool = False, questions: bool = True):
        super().__init__()
        self.served = served  # in a browser via `serve`: no server files on a visitor's behalf
        self.fps = fps
        self.questions = questions  # the lesson's questions at start (y, --no-questions)
        self._first_session = session or Session(config)
        self.main: MainScreen | None = None
        self.type_ahead = TypeAhead(self, super().on_event)
        self._last_toast: dict[str, Notification] = {}
        self._toasts: list[Notification] = []  # the notes on screen, oldest first (fit_toasts)

    def notify_replacing(self, kind: str, message: str, *, timeout: float = 3, severity: str = "information") -> None:
        """A toast that takes the place of the last one of its ``kind``: twenty quick step-backs leave one
        toast saying where the run is, not twenty covering the loss curve."""
        from tui_backprop.app.toast_place import drop_toasts

        old = self._last_toast.get(kind)
        if old is not None:
            drop_toasts(self.screen_stack, [old])
        toast = self._last_toast[kind] = Notification(message, severity=severity, timeout=timeout)
        self.post_message(Notify(toast))

    def on_notify(self, event: Notify) -> None:
        """Every toast (``notify``, ``notify_replacing``, Textual's own), before Textual shows it: the oldest
        toasts make way until the new one fits whole. Textual adds a toast at the bottom of the rack, whose
        rows are few (over the curve: 9 at 80×24), so a burst of keys (⌫ d g) cut off the newest, the answer
        to the key just pressed (QA6 B1)."""
        self._toasts.append(event.notification)
        self.fit_toasts()

    def fit_toasts(self, screen=None) -> None:
        """The oldest toasts on ``screen`` (the current one) make way until the newest fits whole: for each new
        toast, and when the toasts move to fewer rows (``toast_place``: the lesson opened, a dialog)."""
        from tui_backprop.app.toast_place import drop_toasts, oldest_to_drop, toast_room

        self._toasts = [note for note in self._toasts if not note.has_expired]
        room = toast_room(screen or self.screen)
        if room is not None:
            dropped = oldest_to_drop(self._toasts, room)
            drop_toasts(self.screen_stack, dropped)
            self._toasts = self._toasts[len(dropped):]

    def on_mount(self) -> None:
        # Toasts over the help, dialogs and views: where the main view puts them (toast_place.py).
        self.screen_change_signal.subscribe(self, self._screen_changed)

    def _screen_changed(self, screen) -> None:
        from tui_backprop.app.toast_place import hide_toasts, place_toasts_as_main

        if screen is not self.main:
            hide_toasts(self.main)  # before the first frame with the dialog
            screen.call_after_refresh(place_toasts_as_main, screen, self.main)  # once it is composed

    async def on_event(self, event: events.Event) -> None:
        """Keys typed while a screen opens or closes wait for it (``screens/type_ahead.py``)."""
        if not isinstance(event, events.Key):
            return await super().on_event(event)
        if event.key.startswith("alt+") and not event.is_forwarded:
            # Escape and a key typed within Textual's escape delay (or in one packet over SSH) arrive as one
            # "alt+key", and were lost: the app binds no Alt keys, so they are the two keys, in order.
            char = event.character
            key = char if char is not None and len(char) == 1 and char.isalnum() else event.key.removeprefix("alt+")
            for typed in (events.Key("escape", "\x1b"), events.Key(key, char)):
                typed.set_sender(self)
                await self.on_event(typed)
            return None
        back = event.is_forwarded  # back from the focused widget: its bindings run now
        if not self.type_ahead.take(event):
            await super().on_event(event)
            if back:
                self.type_ahead.handled(event)
            else:
                self.type_ahead.sent(event)  # keys typed next wait until this one is handled

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Run headless (tests, snapshots), a text box's cursor stays on: a frame taken half a second
        after the last key, as on a loaded machine, would catch it blinked off (same text, other styles)."""
        if self.is_headless and isinstance(event.widget, Input):
            event.widget.cursor_blink = False

    def on_ready(self) -> None:
        collector.resume()  # the first frame is on screen (the CLI paused the collector for the start)

    def get_default_screen(self) -> MainScreen:
        self.main = MainScreen(self._first_session, fps=self.fps, questions=self.questions)
        return self.main

    # The main view's state, read where it lives.
    @property
    def session(self) -> Session:
        return self.main.session if self.main is not None else self._first_session

    @property
    def runner(self):
        return self.main.runner

    @property
    def config(self) -> Config:
        return self.session.config

    # -------------------------------------------------------------- actions
    def action_help(self) -> None:
        from tui_backprop.app.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_open_preset(self) -> None:
        from tui_backprop.app.screens.picker import PresetPicker

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.load_preset_file(path)

        self.push_screen(PresetPicker(current=self.session.lesson_config.name, questions=self.main.questions_on),
                         chosen)

    def load_preset_file(self, path: Path) -> bool:
        try:
            session = Session(load_config(path))
        except ConfigError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return False
        self.main.switch_session(session, opened=True)
        return True

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(SafeCommandPalette(id="--command-palette"))

    quitting = False

    async def action_quit(self) -> None:
        self.quitting = True
        self.main.runner.cancel()
        self.exit(0)

    def push_screen(self, screen, *args, **kwargs):
        """No dialog opens once q was pressed: keys typed after it would mount one into a closing app."""
        if self.quitting:
            return AwaitComplete()
        return super().push_screen(screen, *args, **kwargs)

    def get_system_commands(self, screen):
        """The palette: Textual's own commands, then every key of the main view by name."""
        yield from super().get_system_commands(screen)
        for owner, binding in palette_bindings(self):
            yield SystemCommand(binding.tooltip or binding.description,
                                f"key {binding.key_display or binding.key.split(',')[0]}",
                                lambda o=owner, a=binding.action: o.run_action(a))


def palette_bindings(app: BackpropApp):
    """(owner, binding) for every key worth a palette entry: the app's and the main view's."""
    for owner in (app, app.main):
        for binding in type(owner).BINDINGS:
            if binding.action not in ("app.quit", "close_side"):
                yield owner, binding
