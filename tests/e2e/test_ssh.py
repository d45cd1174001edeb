"""SSH access for remote supervisors, end to end (docs/ssh.md is what this proves).

Real ``sshd``s on 127.0.0.1 (``StrictModes`` on), configured from the page's own
``Match`` blocks and key lines, let the page's account in (``gridsup-e2e`` here,
created once with the page's commands and left in place). Real ``ssh -tt`` clients in
``tmux`` reach the app; the screen is read with ``capture-pane``, keys are sent with
``send-keys``, and the database shows what the app wrote and under which name.

Runs as root with sshd, ssh and tmux installed (``.ci/run`` installs them on Debian);
skipped otherwise, with the reason.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gridtui.i18n import role_label, tr
from tests.conftest import NOW, build_demo_city
from tests.e2e.ssh_doc import SshDoc
from tests.e2e.sshd import (
    ACCOUNT,
    Sshd,
    account_processes,
    ensure_account,
    free_port,
    gridtui_for,
    missing_tools,
    run,
    ssh_argv,
)
from tests.e2e.tmux import Pane, Tmux
from tests.waiting import until

#: one worker runs the module: one machine set-up (sshd, accounts, tmux)
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("ssh")]

#: seconds for the app to show its first screen over SSH (a slow, shared machine)
START = 60.0


def role_text(role: str, lang: str) -> str:
    """The header's role, as the app writes it."""
    return f"{tr('header.role', lang)}: {role_label(role, lang)}"


@dataclass
class Site:
    """Everything the tests reach: two sshds (a role per key; ForceCommand), the
    account, the keys, the city, a `gridtui serve` and a private tmux server."""

    workdir: Path
    user: pwd.struct_passwd
    db: Path
    keys: dict[str, Path]
    known_hosts: Path
    servers: dict[str, Sshd]
    tmux: Tmux
    panes: list[Pane] = field(default_factory=list)

    def ssh(self, layout: str, person: str, *options: str) -> list[str]:
        """``ssh`` to ``layout``'s server with ``person``'s key."""
        return ssh_argv(self.servers[layout], self.keys[person], self.known_hosts, *options)

    def start(self, name: str, argv: list[str]) -> Pane:
        """``argv`` in a new 100x30 terminal."""
        pane = self.tmux.start(f"{name}-{len(self.panes)}", argv, width=100, height=30)
        self.panes.append(pane)
        return pane

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        """Rows from the city the app works on (read-only, beside the app)."""
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

    def wait_app(self, pane: Pane, text: str) -> str:
        """The app's first screen once it shows ``text``; on failure the sshds' logs
        say why (a refused key, a bad mode, a locked account)."""
        try:
            return pane.wait_for(text, START)
        except AssertionError as exc:
            logs = "\n".join(f"--- sshd {n}\n{s.log_text()}" for n, s in self.servers.items())
            raise AssertionError(f"{exc}\n{logs}") from None

    def wait_until_no_session(self, timeout: float = 30.0) -> None:
        """Every process of the account has ended (the app and sshd's session)."""
        uid = self.user.pw_uid
        try:
            until(lambda: not account_processes(uid), "the account's processes to end", timeout)
        except AssertionError as exc:
            left = account_processes(uid)
            raise AssertionError(f"{exc}: still running as {ACCOUNT}: {left}") from None


def _mode(path: Path, mode: int, uid: int = 0, gid: int = 0) -> Path:
    os.chown(path, uid, gid)
    os.chmod(path, mode)
    return path


def _dir(path: Path, mode: int, uid: int = 0, gid: int = 0) -> Path:
    path.mkdir()
    return _mode(path, mode, uid, gid)


def _keygen(path: Path, comment: str) -> Path:
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)])
    return path


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    until(lambda: process.poll() is not None or healthy(), "gridtui serve", timeout, every=0.2)
    assert process.poll() is None, f"gridtui serve did not come up at {url}"


def _end(pids: list[int]) -> None:
    """Terminate these processes (the account's, left over after a failure)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, sig)
        with suppress(AssertionError):  # a second's grace, less once they are gone
            until(lambda: not any(Path(f"/proc/{p}").exists() for p in pids), "the end", 1)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """The machine set up as docs/ssh.md says, with this machine's paths."""
    reason = missing_tools()
    if reason:
        pytest.skip(f"SSH end-to-end: {reason}")
    from gridtui.data.sources.tokens import create_token
    from gridtui.data.storage.db import make_engine, session_factory

    # Root-owned directories all the way up, as StrictModes wants for the key files
    # (the test's tmp_path lies under the world-writable /tmp).
    workdir = Path(tempfile.mkdtemp(prefix="gridtui-e2e-", dir="/run"))
    os.chmod(workdir, 0o755)
    privsep = Path("/run/sshd")  # Debian's sshd needs it; systemd makes it at boot
    made_privsep = not privsep.exists()
    if made_privsep:
        privsep.mkdir(mode=0o755)
    cleanups: list[object] = []
    tmux = Tmux(workdir)
    user: pwd.struct_passwd | None = None
    try:
        api_port = free_port()
        common = {
            "sqlite:////var/lib/gridtui/city.sqlite": f"sqlite:///{workdir}/data/city.sqlite",
            "/etc/gridtui/ssh": f"{workdir}/env",
            "http://127.0.0.1:8765": f"http://127.0.0.1:{api_port}",
        }
        page = SshDoc.read(common, ACCOUNT)
        user = ensure_account(page.account_commands())
        try:
            gridtui = gridtui_for(user, workdir)
        except LookupError as exc:
            pytest.skip(f"SSH end-to-end: {exc}")
        common["/opt/gridtui/bin/gridtui"] = str(gridtui)
        gid = user.pw_gid

        # the city: a set-group-ID directory of the account's group, the file 0660
        data = _dir(workdir / "data", 0o2770, gid=gid)
        db = data / "city.sqlite"
        build_demo_city(f"sqlite:///{db}", seed_no=1)
        for f in data.iterdir():
            _mode(f, 0o660, gid=gid)

        # the server for the API key, on its own copy, with the person's token
        server_dir = _dir(workdir / "server", 0o700)
        shutil.copyfile(db, server_dir / "city.sqlite")
        server_url = f"sqlite:///{server_dir}/city.sqlite"
        engine = make_engine(server_url)
        token = create_token(session_factory(engine), "ssh:zhou", "officer", at=NOW)
        engine.dispose()
        api = subprocess.Popen(
            [str(Path(sys.prefix) / "bin" / "gridtui"), "serve", "--db", server_url,
             "--host", "127.0.0.1", "--port", str(api_port)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        cleanups.append(api)
        env = _dir(workdir / "env", 0o750, gid=gid)
        (env / "zhou.env").write_text(f"GRIDTUI_TOKEN={token}\n")
        _mode(env / "zhou.env", 0o640, gid=gid)

        # keys: the host's, and one per person of the page
        host_dir = _dir(workdir / "host", 0o700)
        host_key = _keygen(host_dir / "ssh_host_ed25519_key", "gridtui-e2e-host")
        client_dir = _dir(workdir / "client", 0o700)
        lines = page.keys()
        keys = {person: _keygen(client_dir / person, f"{person}@e2e") for person in lines}

        servers: dict[str, Sshd] = {}
        for layout, account, with_options in (("main", "gridsup", True),
                                              ("force", "gridview", False)):  # fmt: skip
            key_dir = _dir(workdir / f"keys-{layout}", 0o755)
            doc = SshDoc.read({**common, "/etc/ssh/gridtui": str(key_dir)}, ACCOUNT)
            chosen = [
                doc.keys()[p].with_key((keys[p].with_suffix(".pub")).read_text())
                for p, line in lines.items()
                if bool(line.options) == with_options
            ]
            keys_file = key_dir / ACCOUNT
            keys_file.write_text("\n".join(chosen) + "\n")
            _mode(keys_file, 0o644)
            servers[layout] = Sshd(workdir, layout, host_key, doc.match_block(account))
            cleanups.append(servers[layout])
        host_pub = host_key.with_suffix(".pub").read_text().strip()
        known_hosts = workdir / "known_hosts"
        known_hosts.write_text(
            "".join(f"[127.0.0.1]:{s.port} {host_pub}\n" for s in servers.values())
        )
        _wait_healthy(f"http://127.0.0.1:{api_port}", api)
        yield Site(workdir, user, db, keys, known_hosts, servers, tmux)
    finally:
        tmux.close()  # every ssh client hangs up, so every session ends
        if user is not None:
            uid = user.pw_uid
            with suppress(AssertionError):  # what is left is ended below
                until(lambda: not account_processes(uid), "the sessions to end", 15, every=0.25)
            _end([pid for pid, _ in account_processes(user.pw_uid)])
        for item in reversed(cleanups):
            if isinstance(item, Sshd):
                item.stop()
            elif isinstance(item, subprocess.Popen):
                stop(item)
        shutil.rmtree(workdir, ignore_errors=True)
        if made_privsep:
            with suppress(OSError):
                privsep.rmdir()


def test_a_supervisor_key_gets_the_app_with_its_role_and_name_whatever_it_asks(site: Site) -> None:
    urgent, title = site.most_urgent()
    note = "SSH督办 [b]e2e[/b]"
    pane = site.start(
        "wang", [*site.ssh("main", "wang", "-tt"), "gridtui", "tui", "--role", "admin",
                 "--actor", "root"],
    )  # fmt: skip
    screen = site.wait_app(pane, role_text("supervisor", "zh"))
    assert role_text("admin", "zh") not in screen

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
    assert rows == [("ssh:wang", urgent)]  # the key's name, not the account's or "root"

    pane.send("q")
    assert pane.wait_exit() == 0, pane.text()
    site.wait_until_no_session()
    assert "forced-command (key-option)" in site.servers["main"].log_text()


def test_a_viewer_key_cannot_act_and_its_app_ends_with_the_connection(site: Site) -> None:
    urgent, _ = site.most_urgent()
    pane = site.start("li", [*site.ssh("main", "li", "-tt"), "bash", "-c", "id"])
    screen = site.wait_app(pane, role_text("viewer", "en"))
    assert "uid=" not in screen  # `id` never ran

    before = site.query("SELECT count(*) FROM ticket_events")
    pane.send("6")
    pane.wait_for(f"#{urgent}")
    pane.send("n")
    pane.wait_for(tr("act.refused", "en"))
    assert site.query("SELECT count(*) FROM ticket_events") == before

    # the line drops (the terminal window is closed): nothing stays on the server
    assert account_processes(site.user.pw_uid)
    pane.kill()
    site.wait_until_no_session()


def test_help_shows_over_ssh(site: Site) -> None:
    pane = site.start("help", site.ssh("main", "wang", "-tt"))
    site.wait_app(pane, role_text("supervisor", "zh"))
    pane.send("?")
    try:
        pane.wait_for(f"{tr('screen.help', 'zh')} · {tr('screen.overview', 'zh')}", 6)
    finally:
        pane.kill()
        site.wait_until_no_session()


@pytest.mark.parametrize("layout,person", [("main", "li"), ("force", "zhao")])
@pytest.mark.parametrize(
    "command,typed",
    [(["echo SHELL-OK"], ""), ([], "echo SHELL-OK\nexit\n")],
    ids=["command", "login"],
)
def test_no_shell(site: Site, layout: str, person: str, command: list[str], typed: str) -> None:
    # a shell would run the command, or read the typed one from stdin
    argv = [*site.ssh(layout, person, "-T"), *command]
    done = subprocess.run(argv, input=typed, capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip
    out = done.stdout + done.stderr
    assert "SHELL-OK" not in out
    assert done.returncode == 1, out
    assert "the command centre needs a terminal" in done.stderr, out
    site.wait_until_no_session()


@pytest.mark.parametrize("layout,person", [("main", "li"), ("force", "zhao")])
def test_no_file_transfer(site: Site, layout: str, person: str) -> None:
    server = site.servers[layout]
    batch = site.workdir / "sftp-batch"
    batch.write_text("ls -1 /\n")
    done = subprocess.run(
        ["sftp", "-F", "/dev/null", "-P", str(server.port), "-i", str(site.keys[person]),
         "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
         "-o", f"UserKnownHostsFile={site.known_hosts}", "-o", "StrictHostKeyChecking=yes",
         "-b", str(batch), f"{ACCOUNT}@127.0.0.1"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "etc" not in done.stdout.split()  # no listing of /
    # the key's (or the account's) command ran in place of the sftp server
    assert "forced-command" in server.log_text().rpartition("subsystem request for sftp")[2]
    site.wait_until_no_session()


def stop(process: subprocess.Popen[bytes]) -> None:
    """End ``process``: SIGTERM, then SIGKILL if it has not gone in 15 s (a client busy
    on a loaded machine may sit on SIGTERM; its server session must end either way)."""
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(15)


@pytest.mark.parametrize("layout,person", [("main", "li"), ("force", "zhao")])
def test_port_forwarding_is_refused(site: Site, layout: str, person: str) -> None:
    server = site.servers[layout]
    # -L to the sshd itself: a working tunnel would carry its "SSH-2.0-…" greeting
    local = free_port()
    tunnel = subprocess.Popen(
        [*site.ssh(layout, person, "-N", "-L", f"127.0.0.1:{local}:127.0.0.1:{server.port}")],
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
    assert "refused local port forward" in server.log_text()

    # -R: the server will not listen for the client
    done = subprocess.run(
        [*site.ssh(layout, person, "-N", "-o", "ExitOnForwardFailure=yes",
                   "-R", f"127.0.0.1:{free_port()}:127.0.0.1:{server.port}")],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 255
    assert "remote port forwarding failed" in done.stderr
    site.wait_until_no_session()


def test_forcecommand_gives_every_key_of_the_account_the_same_app(site: Site) -> None:
    pane = site.start("zhao", [*site.ssh("force", "zhao", "-tt"), "bash"])
    site.wait_app(pane, role_text("viewer", "zh"))
    pane.send("q")
    assert pane.wait_exit() == 0, pane.text()
    site.wait_until_no_session()
    assert "forced-command (config)" in site.servers["force"].log_text()


def test_a_key_on_the_server_gets_the_role_of_its_token(site: Site) -> None:
    pane = site.start("zhou", site.ssh("main", "zhou", "-tt"))
    # nothing in the key's command says officer: only the token does
    site.wait_app(pane, role_text("officer", "zh"))
    pane.send("q")
    assert pane.wait_exit() == 0, pane.text()
    site.wait_until_no_session()
