"""Browser mode: serve the app with textual-serve (the optional ``serve`` extra).

textual-serve starts one app process per browser tab (``python -m
tui_backprop --preset ...``) and streams its screen over a websocket. It
binds to 127.0.0.1 unless told otherwise: pass ``--host`` (and, behind a
proxy, ``--public-url``) only when the room needs it.
"""

from __future__ import annotations

import shlex
import sys

HINT = "serve needs textual-serve; install it with: pip install 'tui-backprop[serve]'"


def app_command(preset: str | None = None, seed: int | None = None, no_mouse: bool = False) -> str:
    """The shell command each browser session runs."""
    parts = [sys.executable, "-m", "tui_backprop"]
    if preset:
        parts += ["--preset", preset]
    if seed is not None:
        parts += ["--seed", str(seed)]
    if no_mouse:
        parts.append("--no-mouse")
    return shlex.join(parts)


def make_server(command: str, host: str = "127.0.0.1", port: int = 8000, public_url: str | None = None):
    """A textual-serve ``Server``; raises ImportError when textual-serve is missing."""
    from textual_serve.server import Server

    return Server(command, host=host, port=port, title="tui-backprop", public_url=public_url)
