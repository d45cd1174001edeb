"""Guards in front of every route: a request body larger than
:data:`gridtui.api.limits.MAX_BODY` is answered 413 before any route reads it.

:class:`BodyLimit` is a pure ASGI middleware around the whole application (the
Open311 sub-application included). A declared ``Content-Length`` over the limit is
refused at once; a body without one (chunked) is counted as it streams in and
refused as soon as it passes the limit, so no route ever buffers more. Errors keep
each API's format: ``{"error": {"code": "too_large", …}}`` for ``/api/v1``, a
GeoReport error list (JSON or XML by the path's suffix) under ``/open311/`` (its
production and sandbox endpoints).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from gridtui.api.limits import MAX_BODY
from gridtui.api.open311.xml import error_response, format_of_path

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

#: where the GeoReport sub-applications are mounted (production and the sandbox)
OPEN311_PREFIX = "/open311/"


def _too_large_message(limit: int) -> str:
    return f"the request body is larger than {limit:,} bytes ({limit // 1024} KiB)"


class BodyLimit:
    """413 for a request body over ``limit`` bytes (see the module docstring)."""

    def __init__(self, app: App, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                text = "Content-Length is not a number"
                await self._refuse(scope, send, 400, "bad_request", text)
                return
            if int(declared) > self.limit:
                await self._refuse(scope, send, 413, "too_large", _too_large_message(self.limit))
                return
        # count what arrives (a chunked body declares no length; a declared one is
        # held to it by the HTTP server, but counting costs nothing)
        first: list[Message] = []
        total = 0
        while True:
            message = await receive()
            first.append(message)
            if message["type"] != "http.request":
                break
            total += len(message.get("body", b""))
            if total > self.limit:
                await self._refuse(scope, send, 413, "too_large", _too_large_message(self.limit))
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            if first:
                return first.pop(0)
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send, status: int, code: str, text: str) -> None:
        path: str = scope.get("path", "")
        if path.startswith(OPEN311_PREFIX):
            response = error_response(format_of_path(path), status, text)
            body, media = bytes(response.body), response.headers["content-type"]
        else:
            body = json.dumps({"error": {"code": code, "message": text}}).encode()
            media = "application/json"
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", media.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1").strip()
    return None
