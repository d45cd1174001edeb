"""A program on a pseudo-terminal of its own, driven from the event loop: its output
read from the master side as it comes, input written to it without blocking, resized
on request (the kernel then sends the program SIGWINCH), hung up like a closed
terminal window (SIGHUP, then SIGKILL if it lingers).

The child starts in a session of its own and takes the terminal as its controlling
terminal (:data:`ATTACH`), so that resizes and hang-ups reach it as they would on a
real terminal. Its end is seen through a pidfd, without a child watcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import signal
import struct
import subprocess
import termios
from collections.abc import Callable, Sequence

#: the child's first step: the terminal on its stdin becomes its controlling terminal,
#: then the gridtui command runs (``python -c ATTACH tui …``)
ATTACH = (
    "import fcntl, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "from gridtui.cli.main import main; sys.exit(main(sys.argv[1:]))"
)
#: bytes read from the terminal at a time
CHUNK = 32 * 1024
#: seconds a hung-up program has to end before it is killed
GRACE = 5.0


def _winsize(cols: int, rows: int, pixwidth: int = 0, pixheight: int = 0) -> bytes:
    return struct.pack("HHHH", rows, cols, pixwidth, pixheight)


class PtyChild:
    """``argv`` on a new pseudo-terminal of ``cols`` x ``rows``.

    ``on_output(data)`` gets what the program writes; ``on_exit(status)`` is called
    once, after the last output, with its exit status (128 + the signal's number when
    a signal ended it).
    """

    def __init__(
        self,
        argv: Sequence[str],
        env: dict[str, str],
        size: tuple[int, int],
        on_output: Callable[[bytes], None],
        on_exit: Callable[[int], None],
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self.on_output = on_output
        self.on_exit = on_exit
        self.pending = bytearray()  # input not yet taken by the terminal
        #: called when all input has been taken (a paused client may send again)
        self.on_drained: Callable[[], None] | None = None
        self.master, slave = os.openpty()
        try:
            fcntl.ioctl(slave, termios.TIOCSWINSZ, _winsize(*size))
            self.process = subprocess.Popen(
                list(argv), stdin=slave, stdout=slave, stderr=slave, env=env,
                start_new_session=True, close_fds=True,
            )  # fmt: skip
        except BaseException:
            os.close(self.master)
            raise
        finally:
            os.close(slave)  # the child's only: its end closes the terminal
        os.set_blocking(self.master, False)
        self.pid = self.process.pid
        self.pidfd = os.pidfd_open(self.pid)
        self.loop.add_reader(self.pidfd, self._ended)
        self.reading = False
        self.closed = False
        self._kill: asyncio.TimerHandle | None = None
        self.resume()

    # output ----------------------------------------------------------------------

    def pause(self) -> None:
        """Stop reading the program's output (the client is behind)."""
        if self.reading:
            self.loop.remove_reader(self.master)
            self.reading = False

    def resume(self) -> None:
        """Read the program's output again."""
        if not self.reading and not self.closed:
            self.loop.add_reader(self.master, self._readable)
            self.reading = True

    def _readable(self) -> None:
        data = self._read()
        if data:
            self.on_output(data)
        elif data is None:  # the terminal is closed on the child's side
            self.pause()

    def _read(self) -> bytes | None:
        """What the terminal has now; b"" when nothing, None when it is closed."""
        try:
            return os.read(self.master, CHUNK) or None
        except BlockingIOError:
            return b""
        except OSError as exc:
            if exc.errno == errno.EIO:  # Linux: every slave side is closed
                return None
            raise

    # input -------------------------------------------------------------------------

    def write(self, data: bytes) -> int:
        """Give ``data`` to the program as typed input; the bytes still waiting."""
        if self.closed:
            return 0
        self.pending += data
        self._flush()
        return len(self.pending)

    def _flush(self) -> None:
        while self.pending and not self.closed:
            try:
                done = os.write(self.master, self.pending)
            except BlockingIOError:
                self.loop.add_writer(self.master, self._flush)
                return
            except OSError:  # the program is gone: its input goes nowhere
                self.pending.clear()
                break
            del self.pending[:done]
        if not self.closed:
            self.loop.remove_writer(self.master)
        if self.on_drained is not None:
            self.on_drained()

    # control -----------------------------------------------------------------------

    def resize(self, cols: int, rows: int, pixwidth: int = 0, pixheight: int = 0) -> None:
        """The terminal is now ``cols`` x ``rows``: the program gets SIGWINCH."""
        if not self.closed:
            fcntl.ioctl(self.master, termios.TIOCSWINSZ, _winsize(cols, rows, pixwidth,
                                                                  pixheight))  # fmt: skip

    def hang_up(self) -> None:
        """End the program as a closed terminal would: SIGHUP to its process group, and
        SIGKILL after :data:`GRACE` seconds if it is still there."""
        if self.process.returncode is not None:
            return
        self._signal(signal.SIGHUP)
        if self._kill is None:
            self._kill = self.loop.call_later(GRACE, self._signal, signal.SIGKILL)

    def _signal(self, sig: int) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, sig)

    def _ended(self) -> None:
        """The program has ended: its last output, then :attr:`on_exit`."""
        self.loop.remove_reader(self.pidfd)
        os.close(self.pidfd)
        status = self.process.wait()
        if self._kill is not None:
            self._kill.cancel()
        while self.reading:  # what it wrote last (a paused reader stays paused)
            data = self._read()
            if not data:
                break
            self.on_output(data)
        self.close()
        self.on_exit(status if status >= 0 else 128 - status)

    def close(self) -> None:
        """Let go of the terminal (the program, if still there, gets a hang-up)."""
        if self.closed:
            return
        self.pause()
        self.loop.remove_writer(self.master)
        self.closed = True
        os.close(self.master)
