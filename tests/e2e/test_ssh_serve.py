"""``gridtui ssh-serve``, end to end (docs/ssh.md, "Without an account"): the real
OpenSSH client in ``tmux`` against the server, on a copy of the demo city, with keys
registered by ``gridtui ssh-key``.

Two servers on one state folder: the main one (two sessions at once, one per key,
revocations looked for every half second) and one whose sessions end after three
seconds without input. Needs ``ssh``, ``sftp``, ``ssh-keygen`` and ``tmux`` (no root:
the server is gridtui's own); skipped without them, with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gridtui.i18n import role_label, tr
from gridtui.ssh.messages import texts
from tests.e2e.ssh_serve import SshServe, gridtui, missing_client_tools, ssh_argv, stop
from tests.e2e.sshd import free_port, run
from tests.e2e.tmux import Pane, Tmux
from tests.waiting import until

#: one worker runs the module: its servers, its tmux
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("ssh-serve")]

#: seconds for the app to show its first screen (a slow, shared machine)
START = 60.0
#: the keys: name → role (``stranger`` is never registered)
ROLES = {"wang": "supervisor", "li": "viewer", "zhou": "officer", "gone": "viewer"}


def role_text(role: str) -> str:
    """The header's role, as the app writes it in Chinese."""
    return f"{tr('header.role', 'zh')}: {role_label(role, 'zh')}"


@dataclass
class Site:
    """The servers, the keys, the city and a private tmux server."""

    workdir: Path
    db: Path
    keys: dict[str, Path]
    known_hosts: Path
    main: SshServe
    idle: SshServe
    tmux: Tmux
    panes: list[Pane] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"

    def ssh(self, person: str, *options: str, server: SshServe | None = None) -> list[str]:
        return ssh_argv(server or self.main, self.keys[person], self.known_hosts, *options)

    def start(self, person: str, *, server: SshServe | None = None) -> Pane:
        """``ssh -tt`` with ``person``'s key in a new 100x30 terminal."""
        pane = self.tmux.start(
            f"{person}-{len(self.panes)}", self.ssh(person, "-tt", server=server)
        )
        self.panes.append(pane)
        return pane

    def status(self, pane: Pane, timeout: float = START) -> int:
        """The exit status of ``pane``'s ssh, once it has ended."""
        try:
            return pane.wait_exit(timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.main.log_text()}") from None

    def wait_app(self, pane: Pane, text: str) -> str:
        try:
            return pane.wait_for(text, START)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- ssh-serve log\n{self.main.log_text()}") from None

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)) as conn:
            return conn.execute(sql, params).fetchall()

    def most_urgent(self) -> tuple[int, str]:
        """(id, title) of the open ticket with the nearest deadline: the queue's first
        row and the ticket screen's default."""
        rows = self.query(
            "SELECT id, title FROM tickets WHERE closed_at IS NULL AND next_deadline IS NOT NULL"
            " ORDER BY next_deadline, id LIMIT 1"
        )
        return int(rows[0][0]), str(rows[0][1])  # type: ignore[call-overload]

    def run(
        self, argv: list[str], typed: str = "", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``argv`` with ``typed`` on its input; its output kept."""
        return subprocess.run(argv, input=typed, capture_output=True, text=True, timeout=120,
                              check=False, env=env)  # fmt: skip


@pytest.fixture(scope="module")
def site(demo_city: Callable[[int], Path]) -> Iterator[Site]:
    reason = missing_client_tools()
    if reason:
        pytest.skip(f"ssh-serve end-to-end: {reason}")
    workdir = Path(tempfile.mkdtemp(prefix="gridtui-ssh-serve-"))
    tmux = Tmux(workdir)
    servers: list[SshServe] = []
    try:
        db = workdir / "city.sqlite"
        shutil.copyfile(demo_city(1), db)
        url = f"sqlite:///{db}"
        keys = {}
        for person in [*ROLES, "stranger"]:
            keys[person] = workdir / person
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{person}@e2e",
                 "-f", str(keys[person])])  # fmt: skip
        for person, role in ROLES.items():
            done = gridtui("ssh-key", "add", "--name", person, "--role", role,
                           str(keys[person].with_suffix(".pub")), db=url)  # fmt: skip
            assert done.returncode == 0, done.stderr
        state = workdir / "state"
        main = SshServe(workdir, "main", url, "--state", str(state), "--max-sessions", "2",
                        "--max-per-key", "1", "--recheck", "0.5", "--no-watch")  # fmt: skip
        servers.append(main)
        idle = SshServe(workdir, "idle", url, "--state", str(state), "--idle", "3s",
                        "--no-watch")  # fmt: skip
        servers.append(idle)
        known_hosts = workdir / "known_hosts"
        known_hosts.write_text(f"{main.known_hosts_line()}\n{idle.known_hosts_line()}\n")
        yield Site(workdir, db, keys, known_hosts, main, idle, tmux)
    finally:
        tmux.close()
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def test_the_host_key_is_made_once_private_and_kept(site: Site) -> None:
    key = site.workdir / "state" / "ssh_host_ed25519_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert "(made now)" in site.main.printed()
    assert "(kept)" in site.idle.printed()  # the second server found the first's key
    fingerprint = run(["ssh-keygen", "-lf", str(key)]).stdout.split()[1]
    assert f"host key {fingerprint} " in site.main.printed()
    assert f"host key {fingerprint} " in site.idle.printed()


def test_a_supervisor_gets_the_app_acts_as_ssh_name_and_resizes(site: Site) -> None:
    urgent, title = site.most_urgent()
    note = "SSH督办 [b]e2e[/b]"
    pane = site.start("wang")
    site.wait_app(pane, role_text("supervisor"))

    # the client's window grows: the app lays itself out again, to the new edges
    site.tmux.run("resize-window", "-t", pane.name, "-x", "150", "-y", "42")

    def relaid(screen: str) -> bool:
        lines = screen.splitlines()
        return (
            len(lines) == 42
            and max(len(line.rstrip()) for line in lines) > 120
            and bool(lines[-1].strip())
        )

    pane.wait_for(relaid, why="the app at 150x42")

    pane.send("2")  # the queue, its first row the most urgent ticket
    pane.wait_for(lambda s: tr("screen.queue", "zh") in s and title[:6] in s, why=title[:6])
    pane.send("6")  # that ticket; a note on it
    pane.wait_for(f"#{urgent}")
    pane.send("n")
    pane.wait_for(tr("act.title", "zh", id=urgent))
    pane.type(note)
    pane.send("Enter")
    query = "SELECT actor, ticket_id FROM ticket_events WHERE note = ?"
    try:
        rows = until(lambda: site.query(query, note), "the note", 30, every=0.25)
    except AssertionError as exc:
        raise AssertionError(f"{exc}:\n{pane.text()}") from None
    assert rows == [("ssh:wang", urgent)]

    pane.send("q")
    assert site.status(pane) == 0, pane.text()
    site.main.wait_no_app()
    assert "accepted ssh:wang (supervisor" in site.main.log_text()


def test_a_viewer_cannot_act_and_its_app_ends_with_the_connection(site: Site) -> None:
    urgent, _ = site.most_urgent()
    pane = site.start("li")
    site.wait_app(pane, role_text("viewer"))
    before = site.query("SELECT count(*) FROM ticket_events")
    pane.send("6")
    pane.wait_for(f"#{urgent}")
    pane.send("n")
    pane.wait_for(tr("act.refused", "zh"))
    assert site.query("SELECT count(*) FROM ticket_events") == before

    assert site.main.apps()
    pane.kill()  # the terminal window closes: the line drops
    site.main.wait_no_app()


def test_an_unknown_key_is_refused(site: Site) -> None:
    done = site.run(site.ssh("stranger", "-tt"))
    assert done.returncode == 255
    assert "Permission denied (publickey)" in done.stderr
    assert "refused key SHA256:" in site.main.log_text()


def test_commands_and_x11_are_refused_and_nothing_runs(site: Site) -> None:
    marker = site.workdir / "ran"
    display = {**os.environ, "DISPLAY": ":99"}  # so that -X asks for X11 forwarding
    for options in (["-T"], ["-tt", "-X"]):  # without a terminal or with one
        done = site.run([*site.ssh("li", *options), "id", ";", "touch", str(marker)], env=display)
        out = done.stdout + done.stderr
        assert done.returncode == 1, out
        assert "uid=" not in out
        assert texts("no_commands")[1] in out.replace("\r", "")
        assert not marker.exists()
    assert "X11 forwarding request failed" in done.stderr
    assert "refused a command for ssh:li: id ; touch" in site.main.log_text()
    assert not site.main.apps()


def test_a_session_without_a_terminal_is_told_and_closed(site: Site) -> None:
    # no terminal and no command: a shell would read commands from stdin
    marker = site.workdir / "typed"
    done = site.run(site.ssh("li", "-T"), typed=f"touch {marker}\nexit\n")
    assert done.returncode == 1, done.stderr
    assert texts("needs_terminal")[0] in done.stderr
    assert texts("needs_terminal")[1] in done.stderr
    assert not marker.exists()


def test_no_file_transfer(site: Site) -> None:
    batch = site.workdir / "sftp-batch"
    batch.write_text("ls -1 /\n")
    common = ["-F", "/dev/null", "-P", str(site.main.port), "-i", str(site.keys["wang"]),
              "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
              "-o", f"UserKnownHostsFile={site.known_hosts}",
              "-o", "StrictHostKeyChecking=yes"]  # fmt: skip
    done = site.run(["sftp", *common, "-b", str(batch), "supervisor@127.0.0.1"])
    assert done.returncode != 0
    assert "etc" not in done.stdout.split()
    assert "subsystem request failed" in done.stderr
    copy = site.workdir / "passwd"
    for legacy in ([], ["-O"]):  # scp over SFTP (the default), and the old protocol
        done = site.run(["scp", *legacy, *common, "supervisor@127.0.0.1:/etc/passwd", str(copy)])
        assert done.returncode != 0
        assert not copy.exists()
    log = site.main.log_text()
    assert "refused the subsystem sftp for ssh:wang" in log
    assert "refused a command for ssh:wang: scp -f /etc/passwd" in log


def test_port_forwarding_is_refused(site: Site) -> None:
    # -L to the server itself: a working tunnel would carry its "SSH-2.0-…" greeting
    local = free_port()
    tunnel = subprocess.Popen(
        site.ssh("li", "-N", "-L", f"127.0.0.1:{local}:127.0.0.1:{site.main.port}"),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:

        def connected() -> socket.socket | None:
            assert tunnel.poll() is None, "no tunnel"
            try:
                return socket.create_connection(("127.0.0.1", local), timeout=5)
            except OSError:
                return None

        conn = until(connected, "the tunnel", 30, every=0.2)
        assert conn is not None
        with conn:
            conn.settimeout(20)
            assert conn.recv(64) == b""  # closed at once: the server refused the channel
    finally:
        stop(tunnel)
    assert f"refused local port forwarding to 127.0.0.1:{site.main.port} for ssh:li" in (
        site.main.log_text()
    )
    back = f"127.0.0.1:{free_port()}:127.0.0.1:{site.main.port}"
    done = site.run(site.ssh("li", "-N", "-o", "ExitOnForwardFailure=yes", "-R", back))
    assert done.returncode == 255
    assert "remote port forwarding failed" in done.stderr
    assert "refused remote port forwarding" in site.main.log_text()


def test_the_session_limits(site: Site) -> None:
    # two at once, one per key
    first = site.start("wang")
    site.wait_app(first, role_text("supervisor"))
    again = site.start("wang")
    assert site.status(again) == 1, f"{again.text()}\n{site.main.log_text()}"
    assert texts("key_full")[1].format(n=1) in again.text().replace("\n", " ")
    second = site.start("li")
    site.wait_app(second, role_text("viewer"))
    third = site.start("zhou")
    assert site.status(third) == 1, f"{third.text()}\n{site.main.log_text()}"
    assert texts("server_full")[1].format(n=2) in third.text().replace("\n", " ")
    assert len(site.main.apps()) == 2
    first.send("q")
    second.send("q")
    assert site.status(first) == 0 and site.status(second) == 0
    site.main.wait_no_app()


def test_an_idle_session_ends(site: Site) -> None:
    pane = site.start("zhou", server=site.idle)
    assert site.status(pane) == 1, pane.text()
    shown = pane.text().replace("\n", " ")
    assert "3 秒无操作，会话已结束。" in shown
    assert "session ended after 3 seconds without input" in shown
    site.idle.wait_no_app()
    assert "ssh:zhou idle for 3 seconds: ending" in site.idle.log_text()


def test_a_revoked_key_is_ended_and_refused(site: Site) -> None:
    pane = site.start("gone")
    site.wait_app(pane, role_text("viewer"))
    done = gridtui("ssh-key", "revoke", "gone", db=site.url)
    assert done.returncode == 0, done.stderr
    assert site.status(pane, 30) == 1, f"{pane.text()}\n{site.main.log_text()}"
    assert texts("revoked")[1] in pane.text().replace("\n", " ")
    site.main.wait_no_app()
    again = site.run(site.ssh("gone", "-tt"))
    assert again.returncode == 255
    assert "Permission denied (publickey)" in again.stderr
