"""The SSH server: who gets in (a key in the database, not revoked; nothing else), what
a connection may open (sessions; never a forwarding), the limits (sessions in all and
per key, idle time) and the watch for revoked keys.

One :class:`KeyServer` per connection; the :class:`Hub` is what they share.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gridtui.data.sources.sshkeys import SshKeyInfo, active_fingerprints, find_ssh_key
from gridtui.ssh.lib import asyncssh
from gridtui.ssh.messages import span_text
from gridtui.ssh.pty import ATTACH
from gridtui.ssh.session import AppSession

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("gridtui.ssh")

#: the server's environment variables an app never gets: secrets, the server's own
#: terminal, what gridtui reads from a client-side setting
_DROP_ENV = ("GRIDTUI_TOKEN", "TMUX", "TMUX_PANE", "COLUMNS", "LINES", "COLORTERM", "STY",
             "SSH_AUTH_SOCK", "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "TERMCAP")  # fmt: skip


#: seconds an ending connection is given to leave by itself after its last session
CLOSE_GRACE = 5.0


@dataclass(frozen=True)
class Limits:
    """How much the server gives: sessions at once, per key, and the idle time."""

    max_sessions: int = 20
    max_per_key: int = 3
    #: seconds without input after which a session ends (0: never)
    idle: float = 30 * 60.0
    #: seconds between two looks at the revoked keys
    recheck: float = 5.0


class Hub:
    """What every connection shares: the keys' database, the app's command, the limits
    and the sessions running."""

    def __init__(
        self, factory: sessionmaker[Session], db_url: str, app_args: Sequence[str],
        limits: Limits,
    ) -> None:  # fmt: skip
        self.factory = factory
        self.db_url = db_url
        self.app_args = list(app_args)
        self.limits = limits
        self.sessions: set[AppSession] = set()
        self.per_key: Counter[str] = Counter()
        self.connections: set[KeyServer] = set()
        self._emptied = asyncio.Event()

    def app_argv(self, key: SshKeyInfo | None) -> list[str]:
        """The app's command for ``key``: its role and its audit name, nothing from the
        client."""
        assert key is not None
        return [sys.executable, "-c", ATTACH, "tui", "--role", key.role, "--actor", key.actor,
                *self.app_args]  # fmt: skip

    def app_env(self, term: str | None) -> dict[str, str]:
        """The app's environment: the server's (less :data:`_DROP_ENV`), the database,
        the client's terminal type and a UTF-8 locale."""
        env = {k: v for k, v in os.environ.items() if k not in _DROP_ENV}
        env["GRIDTUI_DB"] = self.db_url
        env["TERM"] = term or "xterm-256color"
        locale = (env.get("LC_ALL") or env.get("LANG") or "").lower().replace("utf8", "utf-8")
        if "utf-8" not in locale:
            env.pop("LC_ALL", None)
            env["LANG"] = "C.UTF-8"
        return env

    def admit(self, session: AppSession) -> tuple[str, dict[str, object]] | None:
        """Count ``session`` in; or the message that turns it away (a limit reached)."""
        name = session.server.key.name if session.server.key else ""
        if len(self.sessions) >= self.limits.max_sessions:
            log.info("refused a session for %s: %d sessions open", session.who,
                     len(self.sessions))  # fmt: skip
            return "server_full", {"n": self.limits.max_sessions}
        if self.per_key[name] >= self.limits.max_per_key:
            log.info("refused a session for %s: %d open with this key", session.who,
                     self.per_key[name])  # fmt: skip
            return "key_full", {"n": self.limits.max_per_key}
        self.sessions.add(session)
        self.per_key[name] += 1
        self._emptied.clear()
        return None

    def release(self, session: AppSession) -> None:
        """``session`` has ended (idempotent)."""
        if session in self.sessions:
            self.sessions.discard(session)
            name = session.server.key.name if session.server.key else ""
            self.per_key[name] -= 1
        if not self.sessions:
            self._emptied.set()

    async def wait_empty(self, *, within: float) -> None:
        """Until no session runs, at most ``within`` seconds."""
        if self.sessions:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(within):
                    await self._emptied.wait()

    async def watch_revocations(self) -> None:
        """End the sessions of keys revoked meanwhile, every :attr:`Limits.recheck`
        seconds (a key revoked while the database is away is ended when it answers)."""
        while True:
            await asyncio.sleep(self.limits.recheck)
            if not self.connections:
                continue
            try:
                active = await asyncio.to_thread(active_fingerprints, self.factory)
            except Exception as exc:  # the database away: try again next time
                log.warning("cannot check for revoked keys: %s", exc)
                continue
            for conn in list(self.connections):
                if conn.key is not None and conn.key.fingerprint not in active:
                    log.info("key of %s revoked: ending its connection", conn.actor)
                    conn.end_all("revoked")

    def hang_up_all(self) -> None:
        """Hang up every app (the server stops)."""
        for session in list(self.sessions):
            if session.child is not None:
                session.child.hang_up()


class KeyServer(asyncssh.SSHServer):
    """One connection: public-key authentication against the database, sessions only."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.conn: asyncssh.SSHServerConnection | None = None
        self.peer = "?"
        self.key: SshKeyInfo | None = None
        self._offered: SshKeyInfo | None = None
        self.sessions: set[AppSession] = set()
        self.closing = False
        self._had_session = False
        self._idle: asyncio.TimerHandle | None = None
        self._last_input = 0.0

    @property
    def actor(self) -> str:
        """The key's audit name (``ssh:wang``), or the peer's address before auth."""
        return self.key.actor if self.key else self.peer

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        host, port = (conn.get_extra_info("peername") or ("?", 0))[:2]
        self.peer = f"{host}:{port}"

    def connection_lost(self, exc: Exception | None) -> None:
        self.hub.connections.discard(self)
        if self._idle is not None:
            self._idle.cancel()
        if self.key is not None:
            log.info("connection of %s from %s closed", self.actor, self.peer)

    # authentication: keys only ---------------------------------------------------

    def begin_auth(self, username: str) -> bool:
        return True  # everyone authenticates; the user name is not used

    def public_key_auth_supported(self) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        # called for each key offered, then again with its signature: the last key
        # found before success is the one that signed
        try:
            found = await asyncio.to_thread(find_ssh_key, self.hub.factory, key.public_data)
        except Exception as exc:  # the database away: nobody gets in meanwhile
            log.warning("cannot check the key of %s, refused: %s", self.peer, exc)
            found = None
        self._offered = found
        if found is None:
            log.info("refused key %s from %s (unknown or revoked)", key.get_fingerprint(),
                     self.peer)  # fmt: skip
        return found is not None

    def auth_completed(self) -> None:
        self.key = self._offered
        assert self.key is not None
        log.info("accepted %s (%s, %s) from %s", self.actor, self.key.role,
                 self.key.fingerprint, self.peer)  # fmt: skip
        self.hub.connections.add(self)
        self.touch()

    # channels: sessions only --------------------------------------------------------

    def session_requested(self) -> AppSession | bool:
        if self.key is None or self.closing:
            return False
        session = AppSession(self)
        self.sessions.add(session)
        self._had_session = True
        return session

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str,
                             orig_port: int) -> bool:  # fmt: skip
        log.info("refused local port forwarding to %s:%d for %s", dest_host[:255], dest_port,
                 self.actor)  # fmt: skip
        return False

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        log.info("refused remote port forwarding from %s:%d for %s", listen_host[:255],
                 listen_port, self.actor)  # fmt: skip
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        log.info("refused socket forwarding for %s", self.actor)
        return False

    def unix_server_requested(self, listen_path: str) -> bool:
        log.info("refused socket forwarding for %s", self.actor)
        return False

    # idle time, ends ---------------------------------------------------------------

    def touch(self) -> None:
        """Input came: the idle clock starts again."""
        loop = asyncio.get_running_loop()
        self._last_input = loop.time()
        if self.hub.limits.idle and self._idle is None:
            self._idle = loop.call_later(self.hub.limits.idle, self._check_idle)

    def _check_idle(self) -> None:
        loop = asyncio.get_running_loop()
        left = self._last_input + self.hub.limits.idle - loop.time()
        if left > 0:
            self._idle = loop.call_later(left, self._check_idle)
            return
        self._idle = None
        log.info("%s idle for %s: ending", self.actor, span_text(self.hub.limits.idle)[1])
        zh_span, en_span = span_text(self.hub.limits.idle)
        self.end_all("idle", zh_span=zh_span, en_span=en_span)

    def end_all(self, name: str, **values: object) -> None:
        """End every app of this connection (message ``name``), then the connection."""
        self.closing = True
        for session in list(self.sessions):
            session.end(name, **values)
        self.session_gone()

    def session_gone(self) -> None:
        """A session ended. Once all have and the connection is ending, it is closed:
        at once when it had none, else after :data:`CLOSE_GRACE` seconds (the client
        reads the exit status of its session and leaves by itself first)."""
        self.sessions = {s for s in self.sessions if s.chan is not None and
                         (s.child is None or not s.child.closed)}  # fmt: skip
        if not self.closing or self.sessions or self.conn is None:
            return
        if not self._had_session:
            self.conn.close()
        else:
            asyncio.get_running_loop().call_later(CLOSE_GRACE, self.conn.close)


def server_options(host_key: asyncssh.SSHKey) -> dict[str, object]:
    """What asyncssh is told: this host key, public keys only, no forwarding of any
    kind, no SFTP or SCP, no line editor (the app reads raw keys), bytes."""
    return {
        "server_host_keys": [host_key],
        "server_version": "gridtui",
        "public_key_auth": True,
        "password_auth": False,
        "kbdint_auth": False,
        "host_based_auth": False,
        "gss_host": None,
        "allow_pty": True,
        "line_editor": False,
        "x11_forwarding": False,
        "agent_forwarding": False,
        "sftp_factory": None,
        "allow_scp": False,
        "encoding": None,
        "login_timeout": 60,
        "keepalive_interval": 30,
        "keepalive_count_max": 4,
        "rdns_lookup": False,
    }
