"""An app whose terminal window closes ends, even when the session's leader keeps the
hang-up signal to itself (``make demo``: make gets SIGHUP and goes on waiting): before,
it stayed, Textual's input thread reading end-of-file in a busy loop."""

from __future__ import annotations

import os
import select
import subprocess
import sys

import pytest

from gridtui.hangup import HUNG_UP
from tests.conftest import ROOT
from tests.waiting import until

#: a session leader like make: takes the terminal, catches SIGHUP and does nothing
#: with it (a caught signal is reset for the child, an ignored one would be inherited),
#: runs the app and ends with its status
HOLDER = (
    "import fcntl, signal, subprocess, sys, termios; "
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "signal.signal(signal.SIGHUP, lambda *_: None); "
    "sys.exit(subprocess.call(sys.argv[1:]))"
)


@pytest.mark.slow
def test_an_app_ends_when_its_terminal_goes_away(demo_url: str) -> None:
    master, slave = os.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    app = [sys.executable, "-m", "gridtui.cli", "--db", demo_url, "tui", "--no-watch"]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, *app], stdin=slave, stdout=slave, stderr=slave,
        cwd=ROOT, env=env, start_new_session=True, close_fds=True,
    )  # fmt: skip
    os.close(slave)
    try:
        shown = bytearray()

        def drawn() -> bool:  # read what the app writes (it must not block on a full pty)
            while select.select([master], [], [], 0)[0]:
                try:
                    shown.extend(os.read(master, 65536))
                except OSError:  # the app ended and the terminal with it
                    return True
            return "总览".encode() in shown or holder.poll() is not None

        until(drawn, "the app's first screen", 60)
        assert holder.poll() is None, shown.decode(errors="replace")[-2000:]
        os.close(master)  # the window closes
        master = -1
        status = until(
            lambda: holder.poll() is not None and holder.returncode, "the app to end", 30
        )
        assert status == HUNG_UP
    finally:
        if master >= 0:
            os.close(master)
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)
