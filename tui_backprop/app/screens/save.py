"""Save the session and export what it learned: one screen, keyboard only.

Session files resume bit-identically (``tui-backprop --resume PATH``); the
exports are a CSV of the loss history, the network as JSON, and a PyTorch
script that rebuilds the same network with the exact weights.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static

from tui_backprop.app.widgets.tick_box import TickBox

from tui_backprop.config import ConfigError

KINDS = (
    ("session", ".npz", "session (resume later with --resume)"),
    ("history", ".csv", "loss history (CSV)"),
    ("network", ".json", "network weights (JSON)"),
    ("pytorch", ".py", "PyTorch script with these weights"),
)


def write_files(session, base: Path, kinds: list[str]) -> list[Path]:
    from tui_backprop.export import export_history_csv, export_network_json, export_pytorch
    from tui_backprop.persist import save_session

    writers = {"session": save_session, "history": export_history_csv,
               "network": export_network_json, "pytorch": export_pytorch}
    suffix = {k: s for k, s, _ in KINDS}
    written = []
    for kind in kinds:
        path = base.with_name(base.name + suffix[kind])
        written.append(Path(writers[kind](session, path)))
    return written


class SaveScreen(ModalScreen[list[Path] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="save.cancel")]
    DEFAULT_CSS = """
    SaveScreen { align: center middle; }
    SaveScreen > Vertical {
        width: 70; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    SaveScreen #save-error { color: $error; height: auto; }
    SaveScreen Button { margin-top: 1; }
    """

    def __init__(self, session, default_base: Path):
        super().__init__()
        self.session = session
        self.default_base = default_base

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Save and export. Files are named after this path plus the extension; "
                         "Enter saves, Escape cancels.")
            yield Input(str(self.default_base), id="save-path")
            for kind, suffix, label in KINDS:
                yield TickBox(f"{label}  [dim]{suffix}[/dim]", value=kind in ("session", "history"),
                               id=f"save-{kind}")
            yield Static("", id="save-error")
            yield Button("Save", id="save-button", variant="primary")

    def on_mount(self) -> None:
        self.border_title = "Save"
        self.query_one("#save-path", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save-button")
    def save(self) -> None:
        error = self.query_one("#save-error", Static)
        text = self.query_one("#save-path", Input).value.strip()
        if not text:
            error.update("expected a file path, e.g. ~/xor-run")
            return
        base = Path(text).expanduser()
        for _, suffix, _ in KINDS:
            if base.name.endswith(suffix):
                base = base.with_name(base.name[: -len(suffix)])
        if not base.parent.is_dir():
            error.update(f"the folder {str(base.parent)!r} does not exist")
            return
        kinds = [k for k, _, _ in KINDS if self.query_one(f"#save-{k}", Checkbox).value]
        if not kinds:
            error.update("tick at least one kind of file")
            return
        try:
            written = write_files(self.session, base, kinds)
        except (ConfigError, OSError, ValueError) as exc:
            error.update(str(exc))
            return
        self.dismiss(written)

    def action_cancel(self) -> None:
        self.dismiss(None)
