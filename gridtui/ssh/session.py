"""One SSH session: the command centre for the key's holder, on a pseudo-terminal of its
own (:class:`~gridtui.ssh.pty.PtyChild`), sized from the client's terminal and resized
with it. Anything else a session may ask for is refused: a command (``ssh host id``),
a subsystem (SFTP, and SCP with it), a session without a terminal."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from gridtui.domain.text import log_text
from gridtui.ssh.lib import asyncssh
from gridtui.ssh.messages import message
from gridtui.ssh.pty import PtyChild

if TYPE_CHECKING:
    from gridtui.ssh.server import KeyServer

log = logging.getLogger("gridtui.ssh")

#: a terminal type as terminfo names them; anything else is replaced
_TERM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")
DEFAULT_TERM = "xterm-256color"
#: input bytes the app has not taken yet, over which the client is paused
INPUT_HIGH = 64 * 1024
#: the terminal put back after an app that did not end by itself (hung up): main
#: screen, cursor shown, mouse reports and bracketed paste off, plain attributes
RESET = (
    b"\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l\x1b[?2004l"
    b"\x1b[?1049l\x1b[?25h\x1b[0m\r\n"
)


def _size(width: int, height: int) -> tuple[int, int]:
    """A terminal size the app can use: a client's 0 (unknown) is 80 x 24, and no size
    past 1000 x 500."""
    return (min(width, 1000) or 80, min(height, 500) or 24)


class AppSession(asyncssh.SSHServerSession[bytes]):
    """The app for one session of ``server``'s connection."""

    def __init__(self, server: KeyServer) -> None:
        self.server = server
        self.chan: asyncssh.SSHServerChannel[bytes] | None = None
        self.term: str | None = None
        self.size = (80, 24)
        self.refusal: tuple[str, dict[str, object]] | None = None
        self.child: PtyChild | None = None
        self.ending: tuple[str, dict[str, object]] | None = None
        self.admitted = False

    @property
    def who(self) -> str:
        """The key's audit name, for the log."""
        return self.server.actor

    # what the client asks for ---------------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self.chan = chan

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: object
    ) -> bool:
        self.term = term_type if _TERM.fullmatch(term_type or "") else DEFAULT_TERM
        self.size = _size(term_size[0], term_size[1])
        return True

    def shell_requested(self) -> bool:
        return True  # the app, never a shell: decided in session_started

    def exec_requested(self, command: str) -> bool:
        log.info("refused a command for %s: %s", self.who, log_text(command[:200]))
        self.refusal = ("no_commands", {})
        return True  # accepted only to say why nothing runs, then closed

    def subsystem_requested(self, subsystem: str) -> bool:
        log.info("refused the subsystem %s for %s", log_text(subsystem[:40]), self.who)
        return False

    def break_received(self, msec: int) -> bool:
        return False

    # the session ---------------------------------------------------------------------

    def session_started(self) -> None:
        if self.refusal is None and self.term is None:
            log.info("refused a session without a terminal for %s", self.who)
            self.refusal = ("needs_terminal", {})
        if self.refusal is None:
            self.refusal = self.server.hub.admit(self)
        if self.refusal is not None:
            self._refuse(*self.refusal)
            return
        self.admitted = True
        try:
            self.child = PtyChild(
                self.server.hub.app_argv(self.server.key), self.server.hub.app_env(self.term),
                self.size, self._output, self._exited,
            )  # fmt: skip
        except OSError as exc:
            log.error("the app for %s did not start: %s", self.who, exc)
            self._refuse("no_start", {})
            return
        self.child.on_drained = self._drained
        log.info("session for %s: app pid %d, %dx%d, TERM=%s", self.who, self.child.pid,
                 *self.size, self.term)  # fmt: skip

    def _refuse(self, name: str, values: dict[str, object]) -> None:
        assert self.chan is not None
        self.chan.write_stderr(message(name, crlf=self.term is not None, **values))
        self.chan.exit(1)

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        if self.child is None:
            return
        self.server.touch()
        if self.child.write(data) > INPUT_HIGH and self.chan is not None:
            self.chan.pause_reading()

    def _drained(self) -> None:
        if self.chan is not None:
            self.chan.resume_reading()

    def eof_received(self) -> bool:
        return True  # no more input; the app goes on until it ends or the client goes

    def terminal_size_changed(self, width: int, height: int, pixwidth: int,
                              pixheight: int) -> None:  # fmt: skip
        self.size = _size(width, height)
        if self.child is not None:
            self.child.resize(*self.size, pixwidth, pixheight)

    def pause_writing(self) -> None:
        if self.child is not None:
            self.child.pause()

    def resume_writing(self) -> None:
        if self.child is not None:
            self.child.resume()

    # the app's side ------------------------------------------------------------------

    def _output(self, data: bytes) -> None:
        if self.chan is not None:
            self.chan.write(data)

    def _exited(self, status: int) -> None:
        log.info("session for %s ended: app status %d", self.who, status)
        self.server.hub.release(self)
        chan, self.chan = self.chan, None
        if chan is None:
            return  # the client went first
        if self.ending is not None:
            name, values = self.ending
            chan.write(RESET + message(name, crlf=True, **values))
            status = 1  # ended by the server, whatever the hung-up app said
        chan.exit(status)
        self.server.session_gone()

    def end(self, name: str, **values: object) -> None:
        """End the app, then tell the client why (message ``name``) and close."""
        if self.child is not None and self.ending is None:
            self.ending = (name, values)
            log.info("ending the session of %s: %s", self.who, name)
            self.child.hang_up()

    def connection_lost(self, exc: Exception | None) -> None:
        self.chan = None
        if self.child is not None and not self.child.closed:
            self.child.hang_up()
            self.child.close()
        if self.child is None:
            self.server.hub.release(self)
        self.server.session_gone()
