"""Save the session and export what it learned: one screen, keyboard only.

Session files resume bit-identically (``tui-backprop --resume PATH``); the
exports are a CSV of the loss history, the network as JSON, and a PyTorch
script that rebuilds the same network with the exact weights.

Served in a browser (``serve``), the screen writes nothing on the server for
the visitor: it takes a file name, not a path, builds each file in a private
temporary folder and hands its bytes to the browser as a download.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static

from tui_backprop.app.screens.closes_once import ClosesOnce

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


def download_name(text: str) -> str:
    """The file name a visitor typed, without a known extension; ValueError when it is a path."""
    name = text.strip()
    if not name:
        raise ValueError("expected a file name, e.g. xor-run")
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith("~"):
        raise ValueError("a name, not a path: the files go to your browser's downloads")
    for _, suffix, _ in KINDS:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name


def file_bytes(session, name: str, kind: str) -> tuple[str, bytes]:
    """One file's name and contents, built in a temporary folder that is gone afterwards."""
    with tempfile.TemporaryDirectory(prefix="tui-backprop-") as folder:
        (path,) = write_files(session, Path(folder) / name, [kind])
        return path.name, path.read_bytes()


class SaveScreen(ClosesOnce, ModalScreen[list[Path] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="save.cancel"),
                Binding("enter", "save", "Save", id="save.save", show=False)]  # from a tick box too
    DEFAULT_CSS = """
    SaveScreen { align: center middle; }
    SaveScreen > Vertical {
        width: 70; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    SaveScreen #save-error { color: $error; height: auto; }
    SaveScreen Button { margin-top: 1; }
    SaveScreen Button.download { margin-top: 1; width: 100%; }
    SaveScreen #download-message { height: auto; }
    """

    def __init__(self, session, default_base: Path, served: bool = False):
        super().__init__()
        self.session = session
        self.default_base = default_base
        self.served = served

    def compose(self) -> ComposeResult:
        if self.served:
            yield from self._compose_downloads()
            return
        with Vertical():
            yield Static("Save and export. Files are named after this path plus the extension; "
                         "Enter saves, Escape cancels.")
            yield Input(str(self.default_base), id="save-path")
            for kind, suffix, label in KINDS:
                yield TickBox(f"{label}  [dim]{suffix}[/dim]", value=kind in ("session", "history"),
                               id=f"save-{kind}")
            yield Static("", id="save-error")
            yield Button("Save", id="save-button", variant="primary")

    def _compose_downloads(self) -> ComposeResult:
        with Vertical():
            yield Static("Download: each button sends one file to your browser's downloads; nothing is kept "
                         "on the server. Name the files, then Tab to a button and press Enter; Escape closes.")
            yield Input(self.default_base.name, id="save-path")
            for kind, suffix, label in KINDS:
                yield Button(f"{label}  {suffix}", id=f"download-{kind}", classes="download", compact=True)
            yield Static("", id="download-message")

    def on_mount(self) -> None:
        self.border_title = "Download" if self.served else "Save"
        self.query_one("#save-path", Input).focus()

    @on(Button.Pressed, ".download")
    def download(self, event: Button.Pressed) -> None:
        message = self.query_one("#download-message", Static)
        try:
            name = download_name(self.query_one("#save-path", Input).value)
            file_name, data = file_bytes(self.session, name, event.button.id.removeprefix("download-"))
        except (ConfigError, OSError, ValueError) as exc:
            message.update(f"[red]{exc}[/red]")
            return
        self.app.deliver_binary(io.BytesIO(data), save_filename=file_name)
        message.update(f"Sent {file_name} ({len(data):,} bytes) to your browser. Nothing arrived? Let this "
                       f"page open downloads (pop-ups).")

    @on(Input.Submitted)
    @on(Button.Pressed, "#save-button")
    def save(self) -> None:
        if self.served:  # Enter in the name field: check it, then on to the buttons
            try:
                download_name(self.query_one("#save-path", Input).value)
            except ValueError as exc:
                self.query_one("#download-message", Static).update(f"[red]{exc}[/red]")
                return
            self.query_one("#download-message", Static).update("")
            self.focus_next()
            return
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

    def action_save(self) -> None:
        self.save()

    def action_cancel(self) -> None:
        self.dismiss(None)
