"""A terminal to look at: ``tmux`` panes driven with ``send-keys`` and read with
``capture-pane``, on a private tmux server (its own socket and an empty config)."""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path

from tests.waiting import until

#: the environment of the tmux server and so of every pane: a UTF-8 locale (ticket
#: titles and the Chinese interface), nothing from the caller's terminal
ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "LANG": "C.UTF-8",
    "TERM": "xterm-256color",
    "HOME": os.environ.get("HOME", "/root"),
}


class Tmux:
    """A private tmux server; :meth:`close` kills it with every pane in it."""

    def __init__(self, workdir: Path) -> None:
        self.socket = f"gridtui-e2e-{os.getpid()}-{time.monotonic_ns()}"
        self.workdir = workdir
        self.config = workdir / "tmux.conf"
        # Panes stay after their program ends, so that its last words and exit
        # status can be read.
        self.config.write_text("set -g remain-on-exit on\nset -g history-limit 0\n")

    def run(self, *args: str) -> str:
        """One tmux command on this server; its output."""
        done = subprocess.run(
            ["tmux", "-u", "-L", self.socket, "-f", str(self.config), *args],
            env=ENV,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def start(self, name: str, argv: Sequence[str], *, width: int = 100, height: int = 30) -> Pane:
        """``argv`` in a new detached session of ``width`` x ``height``; a shell around
        it writes its exit status down (:meth:`Pane.exit_status`)."""
        status = self.workdir / f"{name}.status"
        # tmux may mark a pane dead (its terminal closed) without ever giving the
        # program's status: the shell around the program writes it instead
        wrapped = ["sh", "-c", f'"$@"; echo $? > {shlex.quote(str(status))}', "sh", *argv]
        self.run("new-session", "-d", "-s", name, "-x", str(width), "-y", str(height),
                 shlex.join(wrapped))  # fmt: skip
        return Pane(self, name, status)

    def close(self) -> None:
        """Kill the server and all its panes (their programs get a hangup)."""
        # no server: never started, or already gone
        with suppress(RuntimeError, subprocess.TimeoutExpired):
            self.run("kill-server")


class Pane:
    """One session's only pane."""

    def __init__(self, tmux: Tmux, name: str, status: Path) -> None:
        self.tmux = tmux
        self.name = name
        self.status = status

    def text(self) -> str:
        """What the screen shows now, one line per row."""
        return self.tmux.run("capture-pane", "-p", "-t", self.name)

    def send(self, *keys: str) -> None:
        """Press keys (tmux key names: ``2``, ``?``, ``Enter``, ``Escape``)."""
        self.tmux.run("send-keys", "-t", self.name, *keys)

    def type(self, text: str) -> None:
        """Type ``text`` literally."""
        self.tmux.run("send-keys", "-t", self.name, "-l", text)

    def wait_for(
        self, want: str | Callable[[str], bool], timeout: float = 30.0, why: str = ""
    ) -> str:
        """Poll the screen until it contains ``want`` (or ``want(screen)`` holds);
        the screen. Fails with the last screen shown."""
        check = want if callable(want) else lambda screen: want in screen
        shown = ""

        def showing() -> bool:
            nonlocal shown
            shown = self.text()
            return check(shown)

        try:
            until(showing, why or repr(want), timeout, every=0.25)
        except AssertionError as exc:
            raise AssertionError(f"{exc} ({timeout:.0f} s); the screen shows:\n{shown}") from None
        return shown

    def exit_status(self) -> int | None:
        """The program's exit status once it ended (as its shell wrote it), else None."""
        written = self.status.read_text().strip() if self.status.exists() else ""
        return int(written) if written else None

    def wait_exit(self, timeout: float = 30.0) -> int:
        """Wait for the program to end; its exit status."""
        try:
            until(lambda: self.exit_status() is not None, "the program to end", timeout, 0.25)
        except AssertionError as exc:
            raise AssertionError(f"{exc} ({timeout:.0f} s):\n{self.text()}") from None
        status = self.exit_status()
        assert status is not None
        return status

    def kill(self) -> None:
        """Close the pane as a closed terminal window would: a hangup for the program."""
        self.tmux.run("kill-session", "-t", self.name)
