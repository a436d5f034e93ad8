"""Browser mode: serve the app with textual-serve (the optional ``serve`` extra).

textual-serve starts one app process per browser tab and streams its screen
over a websocket; by itself it has no password and no limit. This module adds
what a classroom needs around it:

- a token: every request (the page, the websocket that starts a process, the
  downloads) must carry it, in the URL or in the cookie the page sets, or it
  gets 403 and starts nothing. Required on any host other than loopback.
- a session limit: beyond ``max_sessions`` running apps a visitor gets a page
  saying the room is full, and no process.
- sessions end with their tab: a closed websocket asks the app to quit, and
  after a short grace the process is killed, so none is left behind.

Each app runs with ``--served``, which keeps the server's files out of reach
(save and export become browser downloads; see app/screens/save.py).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import os
import re
import secrets
import shlex
import socket
import sys
import threading
import time

HINT = "serve needs textual-serve; install it with: pip install 'tui-backprop[serve]'"
DEFAULT_MAX_SESSIONS = 40
COOKIE = "tui_backprop_token"
STOP_GRACE = 5.0  # seconds an app gets to quit after its tab closed, before it is killed
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,128}")


def app_command(preset: str | None = None, seed: int | None = None, no_mouse: bool = False,
                served: bool = True) -> str:
    """The shell command each browser session runs."""
    parts = [sys.executable, "-m", "tui_backprop"]
    if preset:
        parts += ["--preset", preset]
    if seed is not None:
        parts += ["--seed", str(seed)]
    if no_mouse:
        parts.append("--no-mouse")
    if served:
        parts.append("--served")
    return shlex.join(parts)


def exit_with_server() -> None:
    """A served app ends when its server does, even a server killed outright: no orphan sessions."""
    server = os.getppid()  # serve starts each app with exec, so its parent is the server itself

    def watch() -> None:
        while os.getppid() == server:
            time.sleep(1)
        os._exit(0)  # nothing to keep: a served app holds no files, and its browser is gone

    threading.Thread(target=watch, daemon=True, name="exit-with-server").start()


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (a host name other than localhost counts as open)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


def check_token(token: str) -> str | None:
    """An error message for a token given on the command line, or None when it is usable."""
    if not TOKEN_PATTERN.fullmatch(token):
        return "--token: expected 8 to 128 letters, digits, '-' or '_' (it goes into a URL)"
    return None


def share_host(host: str) -> str:
    """The address to print for visitors: the wildcard addresses mean 'this machine on the network'."""
    if host not in ("0.0.0.0", "::", ""):
        return f"[{host}]" if ":" in host else host
    try:  # the address of the interface that routes outward; connect() on UDP sends nothing
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))
            return s.getsockname()[0]
    except OSError:
        return socket.gethostname()


def bound_port(host: str, port: int) -> int:
    """Bind ``host:port`` once and let go: a bad host or a port in use fails here (OSError), before the URL
    is printed. The port bound: for port 0, the free one the system chose."""
    family, _, _, _, address = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                                   flags=socket.AI_PASSIVE)[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        s.bind(address)
        return s.getsockname()[1]


def _page(title: str, text: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body style='background:#0c181f;color:#eee;font:18px sans-serif;padding:3em'>"
            f"<h1>{title}</h1><p>{text}</p></body></html>")


FORBIDDEN_PAGE = _page("tui-backprop: link without its token",
                       "This server needs the full link, the one ending in <code>?token=…</code>. "
                       "Ask your teacher for it.")


def full_page(limit: int) -> str:
    return _page("tui-backprop: the room is full",
                 f"All {limit} sessions this server allows are in use. When someone closes their tab a "
                 f"place frees up: reload this page in a minute.")


def make_server(command: str, host: str = "127.0.0.1", port: int = 8000, public_url: str | None = None,
                token: str | None = None, max_sessions: int = DEFAULT_MAX_SESSIONS):
    """A textual-serve ``Server`` with a token and a session limit; raises ImportError without textual-serve,
    OSError when ``host:port`` cannot be served."""
    from aiohttp import web
    import aiohttp_jinja2
    from textual_serve.app_service import AppService
    from textual_serve.server import Server, log, to_int

    port = bound_port(host, port)

    class Session(AppService):
        """One browser tab's app process; stopping it never leaves the process behind."""

        async def stop(self) -> None:
            process = self._process
            try:
                await asyncio.wait_for(super().stop(), STOP_GRACE)
                if process is not None and process.returncode is None:
                    await asyncio.wait_for(process.wait(), STOP_GRACE)
            except (asyncio.TimeoutError, ConnectionError, RuntimeError):
                pass
            finally:
                if process is not None and process.returncode is None:
                    process.kill()
                    await process.wait()

    class ClassroomServer(Server):
        def __init__(self):
            super().__init__(f"exec {command}", host=host, port=port, title="tui-backprop", public_url=public_url)
            self.token = token
            self.max_sessions = max_sessions
            self.sessions = 0  # app processes running now
            self.websockets: set[web.WebSocketResponse] = set()
            self.fixed_public_url = public_url is not None
            self.share_url = public_url or f"http://{share_host(host)}:{port}"

        def _allowed(self, request: web.Request) -> bool:
            if self.token is None:
                return True
            given = (request.match_info.get("token") or request.query.get("token")
                     or request.cookies.get(COOKIE) or "")
            return hmac.compare_digest(given.encode(), self.token.encode())

        @web.middleware
        async def _guard(self, request: web.Request, handler):
            if not self._allowed(request):
                return web.Response(status=403, text=FORBIDDEN_PAGE, content_type="text/html")
            return await handler(request)

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.middlewares.append(self._guard)
            app.router.add_get("/ws/{token}", self.handle_websocket, name="websocket-token")
            return app

        async def on_shutdown(self, app: web.Application) -> None:
            # Ctrl+C with tabs open: end their sessions now rather than wait out aiohttp's 60 s.
            await asyncio.gather(*(ws.close(code=1001, message=b"server stopped") for ws in set(self.websockets)))

        async def on_startup(self, app: web.Application) -> None:
            url = self.share_url + ("/" if self.token is None else f"/?token={self.token}")
            lines = [f"tui-backprop in the browser: open {url}"]  # one unwrapped line, easy to copy
            if self.token is None and not is_loopback(self.host):
                lines.append("WARNING: no token. Anyone who can reach this address can start sessions on "
                             "this machine.")
            lines.append(f"At most {self.max_sessions} sessions at once. Ctrl+C stops the server.")
            print("\n".join(lines), flush=True)

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            if self.sessions >= self.max_sessions:
                return web.Response(status=503, text=full_page(self.max_sessions), content_type="text/html")
            # Without --public-url, links follow the address the visitor used (0.0.0.0 is no address).
            base = self.public_url if self.fixed_public_url else f"{request.scheme}://{request.host}"
            ws_scheme = "wss" if base.startswith("https") else "ws"
            ws_path = "/ws" if self.token is None else f"/ws/{self.token}"
            context = {
                "font_size": to_int(request.query.get("fontsize", "16"), 16),
                "app_websocket_url": f"{ws_scheme}:{base.split(':', 1)[1]}{ws_path}",
                "config": {"static": {"url": f"{base}/static/"}},
                "application": {"name": self.title},
            }
            response = aiohttp_jinja2.render_template("app_index.html", request, context)
            if self.token is not None:  # downloads open /download/KEY in a new tab: the cookie carries the token
                response.set_cookie(COOKIE, self.token, httponly=True, samesite="Strict")
            return response

        async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
            if self.sessions >= self.max_sessions:
                return web.Response(status=503, text=full_page(self.max_sessions), content_type="text/html")
            self.sessions += 1  # counted before the first await: two tabs cannot both take the last place
            websocket = web.WebSocketResponse(heartbeat=15)
            self.websockets.add(websocket)
            session = None
            try:
                await websocket.prepare(request)
                session = Session(self.command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                                  close=websocket.close, download_manager=self.download_manager,
                                  debug=self.debug)
                await session.start(to_int(request.query.get("width", "80"), 80),
                                    to_int(request.query.get("height", "24"), 24))
                await self._process_messages(websocket, session)
            except asyncio.CancelledError:
                await websocket.close()
            except Exception as error:  # a broken message or connection ends this tab only
                log.exception(error)
            finally:
                try:
                    if session is not None:
                        await session.stop()
                finally:
                    self.sessions -= 1
                    self.websockets.discard(websocket)
            return websocket

    return ClassroomServer()
