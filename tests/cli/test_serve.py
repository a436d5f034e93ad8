"""Browser mode: `tui-backprop serve` on loopback, and a clear hint without textual-serve."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tui_backprop import cli
from tui_backprop.serve import HINT, app_command


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(url: str) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    with opener.open(url, timeout=3) as response:
        assert response.status == 200
        return response.read().decode("utf-8")


def test_serve_on_loopback_serves_the_textual_page():
    pytest.importorskip("textual_serve")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui_backprop", "serve", "--host", "127.0.0.1", "--port", str(port), "--preset", "xor"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        page = None
        while page is None:
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "serve did not answer within 30 s"
            try:
                page = _fetch(f"http://127.0.0.1:{port}/")
            except OSError:
                time.sleep(0.2)
        assert "textual-terminal" in page  # textual-serve's page: a terminal element driven by textual.js
        assert "js/textual.js" in page
        assert f"ws://127.0.0.1:{port}/ws" in page  # the websocket that runs the app
        assert "tui-backprop" in page  # our title
        _fetch(f"http://127.0.0.1:{port}/static/js/textual.js")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # textual-serve exits gracefully on SIGTERM
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)
    assert proc.returncode == 0
    out = proc.stdout.read()
    assert f"http://127.0.0.1:{port}" in out


def test_serve_without_textual_serve_prints_a_hint_and_exits_2(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # makes the import fail
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    assert cli.main(["serve", "--port", str(_free_port())]) == 2
    err = capsys.readouterr().err
    assert err == f"tui-backprop: {HINT}\n"


def test_serve_checks_the_preset_before_serving(capsys):
    assert cli.main(["serve", "--preset", "no-such-preset", "--port", str(_free_port())]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tui-backprop: ") and err.count("\n") == 1


def test_app_command_is_one_safe_shell_line():
    command = app_command("my preset's.toml", seed=3, no_mouse=True)
    assert shlex.split(command) == [sys.executable, "-m", "tui_backprop", "--preset", "my preset's.toml",
                                    "--seed", "3", "--no-mouse"]
    assert shlex.split(app_command()) == [sys.executable, "-m", "tui_backprop"]


def test_serve_defaults_to_this_machine_only():
    args = cli.build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1"
