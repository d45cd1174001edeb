"""The app ends when its terminal goes away.

A closed terminal window (a killed tmux, a dropped SSH link) hangs the terminal up,
and the kernel's SIGHUP ends the app. It does not when the session's leader outlives
the hang-up and keeps the signal to itself: under ``make demo``, make gets it and goes
on waiting for its child. The app was left without a terminal, Textual's input thread
reading end-of-file in a busy loop (most of a core, for as long as nobody killed it).
So the app looks every :data:`CHECK_SECONDS` whether its terminal is still one, and
ends when it is not.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from textual.app import App

#: seconds between two looks at the terminal
CHECK_SECONDS = 2.0
#: the exit status of an app whose terminal went away (as if SIGHUP had ended it)
HUNG_UP = 128 + 1


def terminal_fd() -> int | None:
    """The file descriptor of the terminal on stdin, if stdin is one."""
    stream = sys.__stdin__
    if stream is None:
        return None
    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # closed, or not a real file
        return None
    return fd if os.isatty(fd) else None


def end_on_hangup(app: App[Any]) -> None:
    """Have ``app`` end once the terminal it runs on is hung up (nothing to do for an
    app without one: headless, in a browser, served over SSH)."""
    fd = None if app.is_headless else terminal_fd()
    if fd is None:
        return

    def look() -> None:
        if not os.isatty(fd):  # a hung-up terminal answers no terminal request
            app.exit(return_code=HUNG_UP)

    app.set_interval(CHECK_SECONDS, look)
