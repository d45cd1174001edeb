"""The browser's session: a signed cookie naming the API token it was opened with.

The cookie carries the token's stored hash (never the token), the language chosen at
the login, when it was issued and when it ends, and a random id; an HMAC-SHA256 of
all that with the server's secret makes it unforgeable. The holder's name and role are
never in it: they are read from the token's record on every request, so a revoked
token ends its sessions. Logging out forgets the session's id on this server.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

#: the cookie's name
COOKIE = "gridtui_web"
#: the shortest secret a setting may give (bytes of its UTF-8 text)
MIN_SECRET = 32


@dataclass(frozen=True, slots=True)
class Session:
    """What a valid cookie says."""

    token_hash: str
    lang: str
    issued: float
    expires: float
    sid: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Makes and reads session cookies with one secret; remembers logged-out ids."""

    def __init__(self, secret: bytes, *, lifetime: float) -> None:
        if len(secret) < MIN_SECRET:
            raise ValueError(f"the session secret needs at least {MIN_SECRET} bytes")
        self._key = hashlib.sha256(b"gridtui web session\0" + secret).digest()
        self.lifetime = lifetime
        self._ended: dict[str, float] = {}  # logged-out session id → its expiry

    def issue(self, token_hash: str, lang: str, *, now: float | None = None) -> tuple[str, Session]:
        """A new session for the token stored as ``token_hash``: (cookie value, session)."""
        issued = time.time() if now is None else now
        session = Session(token_hash, lang, issued, issued + self.lifetime, secrets.token_hex(16))
        body = json.dumps(
            [session.token_hash, session.lang, session.issued, session.expires, session.sid],
            separators=(",", ":"),
        ).encode()
        return f"{_b64(body)}.{_b64(self._mac(body))}", session

    def read(self, value: str | None, *, now: float | None = None) -> Session | None:
        """The session of a cookie value, or None: missing, malformed, forged, expired
        or logged out."""
        if not value or value.count(".") != 1 or len(value) > 1024:
            return None
        body_text, mac_text = value.split(".")
        try:
            body, mac = _unb64(body_text), _unb64(mac_text)
        except (binascii.Error, ValueError):
            return None
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            token_hash, lang, issued, expires, sid = json.loads(body)
            session = Session(str(token_hash), str(lang), float(issued), float(expires), str(sid))
        except (ValueError, TypeError):
            return None
        at = time.time() if now is None else now
        if at >= session.expires or session.sid in self._ended:
            return None
        return session

    def end(self, session: Session) -> None:
        """Log ``session`` out: its cookie is refused from now on (on this server)."""
        now = time.time()
        self._ended = {sid: t for sid, t in self._ended.items() if t > now}
        self._ended[session.sid] = session.expires

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()
