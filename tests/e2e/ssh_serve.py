"""``gridtui ssh-serve`` as a process for the end-to-end tests: started on a free
port, its host key read from what it prints, its log kept, its apps (child processes)
listed from ``/proc``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.e2e.sshd import free_port
from tests.waiting import until

GRIDTUI = Path(sys.prefix) / "bin" / "gridtui"


def missing_client_tools() -> str | None:
    """Why the ssh-serve end-to-end tests cannot run here, or None (no root needed: the
    server is gridtui's own)."""
    absent = [t for t in ("ssh", "ssh-keygen", "sftp", "tmux") if not shutil.which(t)]
    if absent:
        return f"{', '.join(absent)} not installed (Debian: openssh-client tmux)"
    return None


def gridtui(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    """``gridtui --db DB ARGS…``, its output kept."""
    return subprocess.run([str(GRIDTUI), "--db", db, *args], capture_output=True, text=True,
                          timeout=120, check=False, env=server_env())  # fmt: skip


def server_env() -> dict[str, str]:
    """The server's environment: this one, in a UTF-8 locale, without a language of
    its own (the apps speak Chinese, as the centre's people do)."""
    env = {k: v for k, v in os.environ.items() if k not in ("GRIDTUI_LANG", "LC_ALL")}
    env["LANG"] = "C.UTF-8"
    return env


class SshServe:
    """``gridtui --db DB ssh-serve --port <free> ARGS…`` until :meth:`stop`."""

    def __init__(self, workdir: Path, name: str, db: str, *args: str) -> None:
        self.port = free_port()
        self.out = workdir / f"ssh-serve-{name}.out"
        self.log = workdir / f"ssh-serve-{name}.log"
        with self.out.open("wb") as out, self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(GRIDTUI), "--db", db, "ssh-serve", "--host", "127.0.0.1",
                 "--port", str(self.port), *args],
                stdin=subprocess.DEVNULL, stdout=out, stderr=log, env=server_env(),
            )  # fmt: skip

        def ready() -> bool:
            return self.process.poll() is not None or "known_hosts: " in self.printed()

        until(ready, "ssh-serve to listen", 60, every=0.1)
        if self.process.poll() is not None:
            raise RuntimeError(f"ssh-serve did not start:\n{self.printed()}\n{self.log_text()}")

    def printed(self) -> str:
        """What the server printed on stdout."""
        return self.out.read_text(errors="replace")

    def log_text(self) -> str:
        """The server's log (stderr)."""
        return self.log.read_text(errors="replace")

    def known_hosts_line(self) -> str:
        """The ``known_hosts`` line the server printed for itself."""
        for line in self.printed().splitlines():
            if line.startswith("known_hosts: "):
                return line.removeprefix("known_hosts: ")
        raise AssertionError(f"no known_hosts line in:\n{self.printed()}")

    def apps(self) -> list[int]:
        """The pids of the apps running now (the server's child processes)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            # the command may hold spaces and parentheses: the fields follow the last ")"
            ppid = int(stat.rpartition(")")[2].split()[1])
            if ppid == self.process.pid:
                found.append(int(entry.name))
        return found

    def wait_no_app(self, timeout: float = 30.0) -> None:
        """Until every app of the server has ended."""
        try:
            until(lambda: not self.apps(), "the apps to end", timeout, every=0.2)
        except AssertionError as exc:
            raise AssertionError(f"{exc}: {self.apps()}\n{self.log_text()}") from None

    def stop(self) -> None:
        """SIGTERM (the server hangs up its apps and ends), SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a client: SIGTERM, then SIGKILL if it has not gone in 10 s (``ssh -N``
    may sit on SIGTERM while it closes its channels)."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def ssh_argv(server: SshServe, key: Path, known_hosts: Path, *options: str) -> list[str]:
    """``ssh`` to ``server`` with ``key`` and nothing else (no config file, no agent),
    the server's host key checked against ``known_hosts``."""
    return [
        "ssh", "-F", "/dev/null", "-p", str(server.port), "-i", str(key),
        "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
        "-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes",
        "-o", "ConnectTimeout=20", *options, "supervisor@127.0.0.1",
    ]  # fmt: skip
