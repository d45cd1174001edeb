"""Twenty SSH sessions at once on the demo city: ``gridtui ssh-serve`` beside the
OpenSSH forced-command route of docs/ssh.md, in the same run.

For each route: a server on 127.0.0.1, then ``--sessions`` (20) concurrent sessions
from asyncssh clients in this process (100x30 terminals, one key, role viewer), each
waiting for the app's first screen, pressing ``4`` (the SLA screen, whose countdowns
tick) and reading what comes for ``--seconds`` (20) after a 3 s settle. Printed per
route: time to the first screen (median, p95), bytes per second per session (median,
max) and in all, and the memory the sessions add to the server's process tree (PSS:
shared pages counted once, each process's share of them) per session, over the tree
before the first connection.

The OpenSSH route needs root, ``sshd`` and the test account of tests/e2e/test_ssh.py
(``gridsup-e2e``, made as docs/ssh.md says, left in place); without them it is skipped
with the reason.

    .venv/bin/python bench/ssh_sessions.py [--sessions 20] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gridtui.data.sources.sshkeys import add_ssh_key  # noqa: E402
from gridtui.data.storage.db import make_engine, session_factory  # noqa: E402
from gridtui.ssh.lib import asyncssh  # noqa: E402
from tests.conftest import NOW, build_demo_city  # noqa: E402

#: the header's "角色" (role): the app's first screen is there
FIRST_SCREEN = "角色".encode()


@dataclass
class Route:
    """A server to measure: its port, the user to log in as, its process tree's root."""

    name: str
    port: int
    user: str
    pid: int


class Reader(asyncssh.SSHClientSession[bytes]):
    """Counts what a session receives; notes when the first screen came."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.received = 0
        self.head = b""
        self.first: float | None = None

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        self.received += len(data)
        if self.first is None:
            self.head = (self.head + data)[-4096:]
            if FIRST_SCREEN in self.head:
                self.first = time.monotonic() - self.started


def tree(root: int) -> list[int]:
    """``root`` and every process under it."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
                parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def pss_mb(root: int) -> float:
    """The PSS of ``root``'s process tree, in MB."""
    total = 0
    for pid in tree(root):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
    return total / 1024


def ssh_cpu_seconds(route: Route) -> float:
    """CPU time (user + system) of the SSH layer of ``route``'s tree: the server
    process itself and every ``sshd`` under it, not the apps."""
    ticks = 0
    for pid in tree(route.pid):
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            if pid == route.pid or comm.startswith("sshd"):
                fields = stat.rpartition(")")[2].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(route: Route, key: Path, sessions: int, seconds: float) -> dict[str, float]:
    """Open ``sessions`` sessions on ``route``; the figures."""
    before = pss_mb(route.pid)
    client_key = asyncssh.read_private_key(str(key))
    # sshd drops unauthenticated connections past 10 at once (MaxStartups 10:30:100):
    # both routes log in five at a time
    logins = asyncio.Semaphore(5)

    async def one() -> tuple[asyncssh.SSHClientConnection, asyncssh.SSHClientChannel[bytes],
                             Reader]:  # fmt: skip
        async with logins:
            conn = await asyncssh.connect(
                "127.0.0.1", route.port, username=route.user, client_keys=[client_key],
                known_hosts=None, agent_path=None, config=[],
            )  # fmt: skip
        chan, reader = await conn.create_session(
            Reader, term_type="xterm-256color", term_size=(100, 30), encoding=None
        )
        return conn, chan, reader

    opened = await asyncio.gather(*(one() for _ in range(sessions)))
    readers = [r for _, _, r in opened]
    deadline = time.monotonic() + 180
    while any(r.first is None for r in readers):
        if time.monotonic() > deadline:
            shown = next(r.head for r in readers if r.first is None)
            raise SystemExit(
                f"{route.name}: not every app showed its first screen in 180 s; "
                f"one shows: {shown[-600:]!r}"
            )
        await asyncio.sleep(0.2)
    for _, chan, _ in opened:
        chan.write(b"4")
    await asyncio.sleep(3)
    start = [r.received for r in readers]
    cpu = ssh_cpu_seconds(route)
    await asyncio.sleep(seconds)
    cpu = ssh_cpu_seconds(route) - cpu
    rates = [(r.received - s) / seconds for r, s in zip(readers, start, strict=True)]
    during = pss_mb(route.pid)
    for conn, _, _ in opened:
        conn.close()
    firsts = [r.first or 0.0 for r in readers]
    return {
        "first_median": statistics.median(firsts), "first_p95": pct(firsts, 0.95),
        "rate_median": statistics.median(rates), "rate_max": max(rates),
        "rate_total": sum(rates), "mb_before": before,
        "mb_per_session": (during - before) / sessions, "ssh_cpu": cpu / seconds,
    }  # fmt: skip


@contextlib.contextmanager
def ssh_serve(workdir: Path, url: str, sessions: int) -> Iterator[Route]:
    """``gridtui ssh-serve`` on a free port, sessions allowed for all."""
    from tests.e2e.ssh_serve import SshServe

    server = SshServe(workdir, "bench", url, "--state", str(workdir / "state"), "--no-watch",
                      "--max-sessions", str(sessions), "--max-per-key", str(sessions))  # fmt: skip
    try:
        yield Route("gridtui ssh-serve", server.port, "bench", server.process.pid)
    finally:
        server.stop()


@contextlib.contextmanager
def openssh(workdir: Path, db: Path, key: Path) -> Iterator[Route]:
    """docs/ssh.md's account and key line (role viewer) under a real sshd, as
    tests/e2e/test_ssh.py sets it up."""
    from tests.e2e.ssh_doc import SshDoc
    from tests.e2e.sshd import ACCOUNT, Sshd, ensure_account, gridtui_for, run

    base = Path(tempfile.mkdtemp(prefix="gridtui-bench-", dir="/run"))
    os.chmod(base, 0o755)
    privsep = Path("/run/sshd")
    made_privsep = not privsep.exists()
    if made_privsep:
        privsep.mkdir(mode=0o755)
    server = None
    try:
        swaps = {"sqlite:////var/lib/gridtui/city.sqlite": f"sqlite:///{base}/data/city.sqlite"}
        user = ensure_account(SshDoc.read(swaps, ACCOUNT).account_commands())
        swaps["/opt/gridtui/bin/gridtui"] = str(gridtui_for(user, base))
        data = base / "data"
        data.mkdir()
        shutil.copyfile(db, data / "city.sqlite")
        for path, mode in ((data, 0o2770), (data / "city.sqlite", 0o660)):
            os.chown(path, 0, user.pw_gid)
            os.chmod(path, mode)
        keys = base / "keys"
        keys.mkdir(mode=0o755)
        swaps["/etc/ssh/gridtui"] = str(keys)
        page = SshDoc.read(swaps, ACCOUNT)
        line = page.keys()["li"].with_key(key.with_suffix(".pub").read_text())
        (keys / ACCOUNT).write_text(line.replace("--lang en --theme ansi", "") + "\n")
        host = base / "host_key"
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host)])
        server = Sshd(base, "bench", host, page.match_block("gridsup"))
        yield Route("OpenSSH forced command", server.port, ACCOUNT, server.process.pid)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(base, ignore_errors=True)
        if made_privsep:
            with contextlib.suppress(OSError):
                privsep.rmdir()


def openssh_missing() -> str | None:
    from tests.e2e.sshd import missing_tools

    return missing_tools()


def report(name: str, f: dict[str, float]) -> None:
    print(f"\n{name}")
    print(f"  first screen: median {f['first_median']:.1f} s, p95 {f['first_p95']:.1f} s")
    print(f"  bytes/s per session: median {f['rate_median']:,.0f}, max {f['rate_max']:,.0f};"
          f" all sessions {f['rate_total']:,.0f}")  # fmt: skip
    print(f"  server tree before: {f['mb_before']:.0f} MB PSS; added per session: "
          f"{f['mb_per_session']:.0f} MB PSS")  # fmt: skip
    print(f"  CPU of the SSH layer (server, not the apps): {f['ssh_cpu']:.1%} of a core")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--seconds", type=float, default=20.0)
    args = p.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="gridtui-bench-ssh-"))
    try:
        db = workdir / "city.sqlite"
        url = f"sqlite:///{db}"
        build_demo_city(url, seed_no=1)
        key = workdir / "bench"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                       check=True)  # fmt: skip
        engine = make_engine(url)
        kind, blob = key.with_suffix(".pub").read_text().split()[:2]
        add_ssh_key(session_factory(engine), "bench", "viewer", kind, blob, at=NOW)
        engine.dispose()
        print(f"{args.sessions} sessions, {args.seconds:g} s each, demo city; "
              f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")  # fmt: skip
        with ssh_serve(workdir, url, args.sessions) as route:
            report(route.name, asyncio.run(measure(route, key, args.sessions, args.seconds)))
        why = openssh_missing()
        if why:
            print(f"\nOpenSSH forced command: skipped ({why})")
            return
        with openssh(workdir, db, key) as route:
            report(route.name, asyncio.run(measure(route, key, args.sessions, args.seconds)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
