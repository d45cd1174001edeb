"""``gridtui web``'s server: textual-serve's, behind a login with the API tokens.

textual-serve (aiohttp) runs a command per browser connection and relays its screen
over a websocket. :class:`WebServer` keeps its websocket relay, its ``AppService`` and
its static files (the terminal's script, style sheet and font, served from here) and
adds the rest:

- ``GET /login`` and ``POST /login``: a token is checked against the database's token
  hashes (revoked ones refused) and opens a session, a signed ``HttpOnly``,
  ``SameSite=Strict`` cookie (:mod:`gridtui.web.cookies`); ``POST /logout`` ends it;
- every other request needs a valid session, read again from the token's record each
  time: ``/`` sends the browser to the login page, the rest answer 401, and the
  websocket is refused before its handshake, so no app starts;
- each websocket gets its own ``python -m gridtui.web.child`` with the token's role and
  ``web:<token name>`` as the actor, both from the token's record; the session is
  checked again every few seconds and the app ends when its token is revoked, the
  session expires or is logged out;
- at most ``max_sessions`` apps at once; cross-site requests (another ``Origin``) are
  refused; every answer carries a content security policy allowing nothing from
  elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from gridtui.data.sources.tokens import TokenInfo, digest, holder_of, verify_token
from gridtui.web.cookies import COOKIE, Session, Signer
from gridtui.web.pages import app_page, login_page, pick_lang

if TYPE_CHECKING:
    from sqlalchemy.orm import Session as DbSession
    from sqlalchemy.orm import sessionmaker

log = logging.getLogger("gridtui.web")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: what the pages may load: only this server's own files and websocket
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
#: the requests that need no session
OPEN_PATHS = frozenset({"/login", "/favicon.ico"})


@dataclass(frozen=True, slots=True)
class WebOptions:
    """How the server runs each browser's app, and what it allows."""

    default_lang: str = "zh"
    #: extra arguments of every app (``--theme``, ``--fixtures``, ``--no-watch``)
    app_args: tuple[str, ...] = ()
    max_sessions: int = 20
    #: seconds between checks of a running app's session
    recheck: float = 10.0
    #: send the cookie over HTTPS only (the public URL is https)
    secure: bool = False


class WebServer(Server):
    """textual-serve's server with the login, the sessions and a command per token."""

    def __init__(
        self,
        factory: sessionmaker[DbSession],
        signer: Signer,
        *,
        host: str,
        port: int,
        public_url: str | None = None,
        options: WebOptions | None = None,
    ) -> None:
        super().__init__("gridtui", host=host, port=port, public_url=public_url)
        self.factory = factory
        self.signer = signer
        self.options = options or WebOptions()
        self.given_public_url = public_url
        self.live: dict[web.WebSocketResponse, AppService] = {}

    # -- the aiohttp application ------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._headers, self._guard])
        app.add_routes(
            [
                web.get("/login", self.login_page),
                web.post("/login", self.login),
                web.post("/logout", self.logout),
                web.get("/", self.handle_index),
                web.get("/ws", self.handle_websocket),
                web.static("/static", self.statics_path),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    def initialize_logging(self) -> None:
        """Plain log lines on stderr (textual-serve's own would colour them)."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    async def on_startup(self, app: web.Application) -> None:
        log.info("serving the command centre to browsers on %s", self.public_url)

    async def on_shutdown(self, app: web.Application) -> None:
        """End every browser's app before the server goes."""
        for websocket in list(self.live):
            await websocket.close()

    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
        if isinstance(response, web.WebSocketResponse):
            return response  # its headers went with the handshake
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.path != "/" and not request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        if isinstance(response, web.HTTPException):
            raise response
        return response

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """No session, no page: the login page for ``/``, 401 for the rest."""
        if not self._same_origin(request):
            raise web.HTTPForbidden(text="cross-site request refused")
        if request.path in OPEN_PATHS:
            return await handler(request)
        found = await self.holder(request.cookies.get(COOKIE))
        if found is None:
            if request.path == "/" and request.method == "GET":
                raise web.HTTPSeeOther("/login")
            raise web.HTTPUnauthorized(text="sign in first: /login")
        request["session"], request["holder"] = found
        return await handler(request)

    def _same_origin(self, request: web.Request) -> bool:
        """A request a page of another site made (``Origin`` not this server's)?"""
        origin = request.headers.get("Origin")
        if origin is None:
            return True
        parts = urlsplit(origin)
        return parts.netloc == request.host or origin == self._origin()

    def _origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    # -- sessions -----------------------------------------------------------------------

    async def holder(self, cookie: str | None) -> tuple[Session, TokenInfo] | None:
        """The session of ``cookie`` and its token's holder, now; None when the cookie
        is not valid or its token has been revoked."""
        session = self.signer.read(cookie)
        if session is None:
            return None
        info = await asyncio.to_thread(holder_of, self.factory, session.token_hash)
        return None if info is None else (session, info)

    async def login_page(self, request: web.Request) -> web.Response:
        lang = pick_lang(request.query.get("lang"), self.options.default_lang)
        page = login_page(lang, signed_out="signed_out" in request.query)
        return web.Response(text=page, content_type="text/html")

    async def login(self, request: web.Request) -> web.Response:
        """A token in, a session out (or the form again, 401)."""
        form = await request.post()
        lang = pick_lang(str(form.get("lang", "")), self.options.default_lang)
        token = str(form.get("token", "")).strip()
        info = await asyncio.to_thread(verify_token, self.factory, token) if token else None
        if info is None:
            log.warning("refused a login from %s", request.remote)
            return web.Response(text=login_page(lang, error=True), status=401,
                                content_type="text/html")  # fmt: skip
        value, _ = self.signer.issue(digest(token), lang)
        log.info("web:%s (%s) signed in from %s", info.name, info.role, request.remote)
        response = web.HTTPSeeOther("/")
        response.set_cookie(
            COOKIE, value, max_age=int(self.signer.lifetime), path="/", httponly=True,
            samesite="Strict", secure=self.options.secure,
        )  # fmt: skip
        raise response

    async def logout(self, request: web.Request) -> web.Response:
        """End the session: its cookie is refused from now on, its apps end."""
        session: Session = request["session"]
        self.signer.end(session)
        log.info("web:%s signed out", request["holder"].name)
        response = web.HTTPSeeOther(f"/login?lang={session.lang}&signed_out=1")
        response.del_cookie(COOKIE, path="/")
        raise response

    # -- the app ------------------------------------------------------------------------

    async def handle_index(self, request: web.Request) -> web.Response:
        session: Session = request["session"]
        info: TokenInfo = request["holder"]
        page = app_page(session.lang, name=f"web:{info.name}", role=info.role,
                        websocket_url=self.websocket_url(request))  # fmt: skip
        return web.Response(text=page, content_type="text/html")

    def websocket_url(self, request: web.Request) -> str:
        """Where the page's script connects: the public URL's host when one is set,
        else the host the browser asked for (where its cookie belongs)."""
        if self.given_public_url:
            parts = urlsplit(self.given_public_url)
            scheme, netloc = ("wss" if parts.scheme == "https" else "ws"), parts.netloc
        else:
            scheme, netloc = ("wss" if request.secure else "ws"), request.host
        return f"{scheme}://{netloc}/ws"

    def app_command(self, info: TokenInfo, lang: str) -> str:
        """The shell command of one browser's app: the role and the actor from the
        token's record, quoted (a token's name is outside text)."""
        argv: Sequence[str] = [
            sys.executable, "-m", "gridtui.web.child", "--role", info.role,
            "--actor", f"web:{info.name}", "--lang", lang, *self.options.app_args,
        ]  # fmt: skip
        return "exec " + shlex.join(argv)  # the app in the shell's place, the server's child

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One browser's app, for as long as its websocket and its session last."""
        session: Session = request["session"]
        info: TokenInfo = request["holder"]
        if len(self.live) >= self.options.max_sessions:
            raise web.HTTPServiceUnavailable(text="too many sessions; try again later")
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=1 << 20)

        async def close() -> None:  # the app has ended
            await websocket.close()

        service = AppService(
            self.app_command(info, session.lang), write_bytes=websocket.send_bytes,
            write_str=websocket.send_str, close=close, download_manager=self.download_manager,
        )  # fmt: skip
        self.live[websocket] = service  # counted at once: no await since the check
        watch = asyncio.create_task(self._watch(websocket, request.cookies.get(COOKIE)))
        try:
            await websocket.prepare(request)
            log.info("web:%s (%s) opened an app", info.name, info.role)
            width = _size(request.query.get("width"), 80, 500)
            height = _size(request.query.get("height"), 24, 200)
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("the app of web:%s failed", info.name)
        finally:
            watch.cancel()
            self.live.pop(websocket, None)
            if websocket.prepared:
                await websocket.close()
            await service.stop()
            log.info("web:%s closed an app", info.name)
        return websocket

    async def _watch(self, websocket: web.WebSocketResponse, cookie: str | None) -> None:
        """Close the websocket (and so end the app) once the session is no longer valid."""
        while not websocket.closed:
            await asyncio.sleep(self.options.recheck)
            try:
                still = await self.holder(cookie)
            except Exception:  # the database away for a moment: look again later
                log.warning("cannot check a web session now", exc_info=True)
                continue
            if still is None:
                await websocket.close(code=4001, message=b"session ended")
                return


def _size(value: str | None, default: int, limit: int) -> int:
    """A terminal dimension from the query string, within 1..``limit``."""
    try:
        return max(1, min(limit, int(value or default)))
    except ValueError:
        return default
