"""Browser mode: `tui-backprop serve` with a token, a session limit, no orphan processes, downloads.

The server runs as a real subprocess on loopback, configured as it would be
for a class (a token, a small session limit); app processes are counted as
the server's children in /proc.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tui_backprop import cli
from tui_backprop.serve import HINT, app_command, is_loopback

TOKEN = "class-token-for-tests"
LIMIT = 2


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(url: str) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    with opener.open(url, timeout=3) as response:
        assert response.status == 200
        return response.read().decode("utf-8")


def _start(*extra: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui_backprop", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--preset", "xor", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "serve did not answer within 30 s"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.2)


def _stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # textual-serve exits gracefully on SIGTERM
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
    return proc.stdout.read()


def _children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (the app sessions: serve runs each with exec)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry))
    return found


def _run(coroutine, seconds: float = 240):
    return asyncio.run(asyncio.wait_for(coroutine, seconds))


async def _until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


async def _shows(ws, text: bytes, seconds: float = 60) -> None:
    """Read the app's screen output until ``text`` is drawn (a busy machine may take a while).

    Keys sent before a screen is up go to the screen below it, as a fast typist's would.
    """
    import aiohttp

    drawn = b""
    deadline = time.monotonic() + seconds
    while text not in re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", drawn):  # text between the style codes
        message = await asyncio.wait_for(ws.receive(), max(0.1, deadline - time.monotonic()))
        assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), message
        if message.type == aiohttp.WSMsgType.BINARY:
            drawn += message.data


async def _type(ws, keys: str) -> None:
    """One message per key, as the browser's terminal sends them."""
    for key in keys:
        await ws.send_str(json.dumps(["stdin", key]))
        await asyncio.sleep(0.05)


async def _free_place(client, port: int) -> None:
    """Wait for a free place: the server counts a closed tab just after its app has exited."""
    deadline = time.monotonic() + 30
    while True:
        async with client.get(f"http://127.0.0.1:{port}/?token={TOKEN}") as response:
            if response.status == 200:
                return
        assert time.monotonic() < deadline, "the server still counts closed tabs"
        await asyncio.sleep(0.1)


async def _open_app(client, url: str):
    """A websocket session like a browser tab's; returns it once the app has drawn its screen."""
    ws = await client.ws_connect(url)
    await _shows(ws, b"loss")  # the status line and the loss curve say "loss"
    return ws


@pytest.fixture(scope="module")
def classroom():
    """serve on loopback configured like a class: a token and a limit of two sessions."""
    pytest.importorskip("textual_serve")
    proc, port = _start("--token", TOKEN, "--max-sessions", str(LIMIT))
    yield proc, port
    out = _stop(proc)
    assert f"http://127.0.0.1:{port}/?token={TOKEN}" in out  # the link to share, printed in full


def test_without_the_token_everything_is_403_and_no_app_starts(classroom):
    import aiohttp

    proc, port = classroom

    async def visit():
        async with aiohttp.ClientSession() as client:
            for path in ("/", "/?token=wrong-token", "/static/js/textual.js", "/download/abc"):
                async with client.get(f"http://127.0.0.1:{port}{path}") as response:
                    assert response.status == 403, path
                    assert "token" in await response.text()
            for path in ("/ws?width=80&height=24", "/ws/wrong-token?width=80&height=24"):
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await client.ws_connect(f"ws://127.0.0.1:{port}{path}")
                assert refused.value.status == 403
            await asyncio.sleep(1.0)  # a process started anyway would show up by now
            assert _children(proc.pid) == set()

    _run(visit())


def test_the_token_gives_the_page_and_a_running_app_which_ends_with_its_tab(classroom):
    import aiohttp

    proc, port = classroom

    async def visit():
        async with aiohttp.ClientSession() as client:
            await _free_place(client, port)
            async with client.get(f"http://127.0.0.1:{port}/?token={TOKEN}") as response:
                assert response.status == 200
                page = await response.text()
                assert response.cookies["tui_backprop_token"].value == TOKEN  # for the download tabs
            assert "textual-terminal" in page and "tui-backprop" in page
            ws_url = f"ws://127.0.0.1:{port}/ws/{TOKEN}"
            assert f'data-session-websocket-url="{ws_url}"' in page  # the page opens the socket with the token
            ws = await _open_app(client, ws_url + "?width=100&height=30")
            apps = _children(proc.pid)
            assert len(apps) == 1
            (app_pid,) = apps
            with open(f"/proc/{app_pid}/cmdline", "rb") as f:
                assert b"--served" in f.read().split(b"\0")  # the app keeps the server's files out of reach
            await ws.close()
            await _until(lambda: not os.path.exists(f"/proc/{app_pid}"), 30, "the app outlived its tab")
            assert _children(proc.pid) == set()

    _run(visit())


def test_the_session_limit_holds_and_a_late_visitor_gets_a_clear_page(classroom):
    import aiohttp

    proc, port = classroom

    async def visit():
        async with aiohttp.ClientSession() as client:
            url = f"ws://127.0.0.1:{port}/ws/{TOKEN}?width=80&height=24"
            tabs = []
            for _ in range(LIMIT):
                await _free_place(client, port)  # the tabs of the test before may still be counted
                tabs.append(await _open_app(client, url))
            assert len(_children(proc.pid)) == LIMIT
            async with client.get(f"http://127.0.0.1:{port}/?token={TOKEN}") as response:
                assert response.status == 503
                assert f"All {LIMIT} sessions" in await response.text()
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(url)
            assert refused.value.status == 503
            await asyncio.sleep(1.0)
            assert len(_children(proc.pid)) == LIMIT
            await tabs.pop().close()
            await _until(lambda: len(_children(proc.pid)) == LIMIT - 1, 30, "a closed tab kept its place")
            await _free_place(client, port)  # the freed place is open again
            for tab in tabs:
                await tab.close()
            await _until(lambda: not _children(proc.pid), 30, "apps outlived their tabs")

    _run(visit())


def test_save_in_the_browser_is_a_download_and_writes_nothing_on_the_server(classroom, tmp_path):
    import aiohttp

    proc, port = classroom
    target = tmp_path / "stolen"

    async def visit():
        async with aiohttp.ClientSession() as client:
            await _free_place(client, port)
            ws = await _open_app(client, f"ws://127.0.0.1:{port}/ws/{TOKEN}?width=100&height=30")
            try:
                await _type(ws, "s")  # the save screen
                await _shows(ws, b"Download")
                await asyncio.sleep(1.0)
                # a path typed as the name is refused in place (twice: Enter stays in the field)
                await _type(ws, "\x15" + str(target) + "\r")
                await _shows(ws, b"a name, not a path")
                await _type(ws, "\r")
                await asyncio.sleep(0.5)
                assert not target.exists() and not any(tmp_path.iterdir())
                # a name, Enter (on to the first button: session), Enter (download)
                await _type(ws, "\x15run-one\r")
                await asyncio.sleep(0.5)
                await _type(ws, "\r")
                while True:
                    message = await asyncio.wait_for(ws.receive(), 60)
                    if message.type == aiohttp.WSMsgType.TEXT:
                        kind, key = json.loads(message.data)
                        if kind == "deliver_file_start":
                            break
                async with client.get(f"http://127.0.0.1:{port}/download/{key}") as response:
                    assert response.status == 403  # a download link alone is not enough
                async with client.get(f"http://127.0.0.1:{port}/download/{key}",
                                      headers={"Cookie": f"tui_backprop_token={TOKEN}"}) as response:
                    assert response.status == 200
                    assert "filename=run-one.npz" in response.headers["Content-Disposition"]
                    data = await response.read()
            finally:
                await ws.close()
            return data

    data = _run(visit())
    assert data[:4] == b"PK\x03\x04"  # an .npz is a zip archive
    saved = tmp_path / "run-one.npz"
    saved.write_bytes(data)
    from tui_backprop.persist import load_session

    assert load_session(saved).config.name == "xor"  # the downloaded session opens again


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except OSError:
        return False


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_stopping_or_killing_the_server_ends_every_session(how):
    """Ctrl+C with tabs open ends their apps at once; a server killed outright leaves none behind either."""
    import aiohttp

    pytest.importorskip("textual_serve")
    proc, port = _start()

    async def visit():
        async with aiohttp.ClientSession() as client:
            ws = await _open_app(client, f"ws://127.0.0.1:{port}/ws?width=80&height=24")
            (app_pid,) = _children(proc.pid)
            started = time.monotonic()
            proc.send_signal(how)
            await _until(lambda: proc.poll() is not None, 15, "the server did not stop within 15 s")
            await _until(lambda: not _alive(app_pid), 15, "an app outlived its server")
            await ws.close()
            return time.monotonic() - started

    try:
        _run(visit())
    finally:
        _stop(proc)
    assert proc.returncode == (0 if how == signal.SIGTERM else -signal.SIGKILL)


def test_serve_on_loopback_without_a_token_serves_the_textual_page():
    pytest.importorskip("textual_serve")
    proc, port = _start()
    try:
        page = _fetch(f"http://127.0.0.1:{port}/")
        assert "textual-terminal" in page  # textual-serve's page: a terminal element driven by textual.js
        assert "js/textual.js" in page
        assert f"ws://127.0.0.1:{port}/ws" in page  # the websocket that runs the app
        assert "tui-backprop" in page  # our title
        _fetch(f"http://127.0.0.1:{port}/static/js/textual.js")
    finally:
        out = _stop(proc)
    assert proc.returncode == 0
    assert f"open http://127.0.0.1:{port}/\n" in out


@pytest.fixture
def served(monkeypatch):
    """cmd_serve's arguments to make_server, without serving anything."""
    pytest.importorskip("textual_serve")
    calls = []

    class Server:
        def serve(self):
            pass

    def make_server(command, host, port, public_url, token, max_sessions):
        calls.append({"command": command, "host": host, "token": token, "max_sessions": max_sessions})
        return Server()

    monkeypatch.setattr("tui_backprop.serve.make_server", make_server)
    return calls


def test_beyond_loopback_a_random_token_is_the_default(served):
    assert cli.main(["serve", "--host", "0.0.0.0"]) == 0
    assert cli.main(["serve", "--host", "0.0.0.0"]) == 0
    first, second = served[0]["token"], served[1]["token"]
    assert len(first) >= 32 and first != second
    assert served[0]["max_sessions"] == 40
    assert shlex.split(served[0]["command"])[-1] == "--served"
    assert cli.main(["serve"]) == 0 and served[2]["token"] is None  # loopback stays as easy as before
    assert cli.main(["serve", "--token", "my-class-2026", "--max-sessions", "25"]) == 0
    assert served[3]["token"] == "my-class-2026" and served[3]["max_sessions"] == 25


def test_no_token_beyond_loopback_needs_i_understand(served, capsys):
    assert cli.main(["serve", "--host", "0.0.0.0", "--no-token"]) == 2
    err = capsys.readouterr().err
    assert "anyone who reaches this address" in err and "--i-understand" in err and err.count("\n") == 1
    assert served == []
    assert cli.main(["serve", "--host", "0.0.0.0", "--no-token", "--i-understand"]) == 0
    assert served[0]["token"] is None
    assert cli.main(["serve", "--no-token"]) == 0  # on loopback it is just today's default


@pytest.mark.parametrize("argv, expected", [
    (["serve", "--token", "short"], "--token: expected 8 to 128"),
    (["serve", "--token", "has spaces in it"], "--token: expected 8 to 128"),
    (["serve", "--token", "abcdefgh12", "--no-token"], "contradict"),
    (["serve", "--max-sessions", "0"], "--max-sessions: expected 1 or more"),
    (["serve", "--port", "70000"], "--port: expected 0 to 65535 (0: any free port), got 70000"),
    (["serve", "--port", "-1"], "--port: expected 0 to 65535"),
    (["--resume", "run.npz", "serve"], "--resume is off in the browser"),
    (["--served", "--resume", "run.npz"], "--resume is off in a served session"),
])
def test_bad_serve_options_are_one_line_and_exit_2(served, capsys, argv, expected):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert expected in err and err.startswith("tui-backprop: ") and err.count("\n") == 1
    assert served == []


def test_an_address_that_cannot_be_served_fails_before_the_url_is_printed(capsys):
    pytest.importorskip("textual_serve")
    assert cli.main(["serve", "--host", "256.1.1.1", "--port", str(_free_port())]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err.startswith("tui-backprop: cannot serve on 256.1.1.1:") and out.err.count("\n") == 1
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err == f"tui-backprop: cannot serve on 127.0.0.1:{port} (Address already in use)\n"


def test_port_0_prints_the_port_it_serves_on():
    pytest.importorskip("textual_serve")
    proc = subprocess.Popen([sys.executable, "-m", "tui_backprop", "serve", "--port", "0", "--preset", "xor"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        line = proc.stdout.readline()
        port = int(re.fullmatch(r"tui-backprop in the browser: open http://127\.0\.0\.1:(\d+)/\n", line)[1])
        assert port != 0
        deadline = time.monotonic() + 30  # the URL is printed just before the server listens
        while True:
            try:
                assert "textual-terminal" in _fetch(f"http://127.0.0.1:{port}/")  # it answers there
                break
            except OSError:
                assert time.monotonic() < deadline, "serve did not answer within 30 s"
                time.sleep(0.2)
    finally:
        _stop(proc)


def test_loopback_is_only_this_machine():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("192.168.1.5")
    assert not is_loopback("myhost.example")  # a name may resolve to anything: treated as open


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
                                    "--seed", "3", "--no-mouse", "--served"]
    assert shlex.split(app_command(served=False)) == [sys.executable, "-m", "tui_backprop"]


def test_serve_defaults_to_this_machine_only():
    args = cli.build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1"
