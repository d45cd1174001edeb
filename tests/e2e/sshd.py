"""A real OpenSSH server on 127.0.0.1 for the end-to-end tests, the dedicated account
it lets in, and the ``ssh`` command lines that reach it."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

from tests.waiting import until

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)
#: the test's account (the page's ``gridsup``); left on the machine between runs
ACCOUNT = "gridsup-e2e"


def missing_tools() -> str | None:
    """Why the SSH end-to-end tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (creates an account and runs sshd)"
    wanted = {"sshd": SSHD, **{t: shutil.which(t) for t in ("ssh", "ssh-keygen", "tmux")}}
    absent = [name for name, path in wanted.items() if not path]
    if absent:
        return f"{', '.join(absent)} not installed (Debian: openssh-server openssh-client tmux)"
    return None


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(argv: Sequence[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """``argv``, checked, its output kept for the error message."""
    done = subprocess.run(list(argv), capture_output=True, text=True, timeout=60, check=False,
                          **kwargs)  # type: ignore[call-overload]  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
    return done  # type: ignore[no-any-return]


def ensure_account(commands: list[list[str]]) -> pwd.struct_passwd:
    """Run the page's account commands: ``useradd`` only when the account is missing
    (another run may create it at the same time), the others every time (they are
    idempotent and put back what a manual change undid)."""
    for argv in commands:
        if argv[0] == "useradd":
            try:
                pwd.getpwnam(ACCOUNT)
                continue
            except KeyError:
                pass
            try:
                run(argv)
            except RuntimeError:
                pwd.getpwnam(ACCOUNT)  # lost a race: fine if it exists now
        else:
            run(argv)
    return pwd.getpwnam(ACCOUNT)


def account_can_run(user: pwd.struct_passwd, python: Path) -> bool:
    """Whether ``user`` can run gridtui with ``python``."""
    try:
        done = subprocess.run([str(python), "-c", "import gridtui.cli.main"], user=user.pw_uid,
                              group=user.pw_gid, extra_groups=[], cwd="/", capture_output=True,
                              timeout=60, check=False)  # fmt: skip
    except OSError:
        return False
    return done.returncode == 0


def gridtui_for(user: pwd.struct_passwd, workdir: Path) -> Path:
    """A ``gridtui`` command ``user`` can run.

    The project's own ``.venv/bin/gridtui`` when the account can run its interpreter.
    A virtual environment made from a Python in a private home (pyenv under /root,
    mode 0700) it cannot; then the same packages are given to it on the system's
    Python of the same version (same ABI), in a small venv under ``workdir``.
    """
    venv_bin = Path(sys.prefix) / "bin"
    if account_can_run(user, venv_bin / "python"):
        return venv_bin / "gridtui"
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    system = Path(f"/usr/bin/python{version}")
    if not system.exists():
        raise LookupError(
            f"{user.pw_name} cannot run {venv_bin / 'python'} (its interpreter is private) "
            f"and there is no {system} to run the same packages with"
        )
    runner = workdir / "venv"
    run([str(system), "-m", "venv", "--without-pip", str(runner)])
    site = runner / "lib" / f"python{version}" / "site-packages"
    ours = Path(sys.prefix) / "lib" / f"python{version}" / "site-packages"
    # addsitedir also runs the .pth files there (the editable install of gridtui)
    (site / "gridtui-e2e.pth").write_text(f"import site; site.addsitedir({str(ours)!r})\n")
    script = runner / "bin" / "gridtui"
    script.write_text(
        f"#!{runner / 'bin' / 'python'}\nimport sys\n\nfrom gridtui.cli.main import main\n\n"
        "sys.exit(main())\n"
    )
    script.chmod(0o755)
    if not account_can_run(user, runner / "bin" / "python"):
        raise LookupError(f"{user.pw_name} cannot run gridtui on {system} either")
    return script


GLOBAL_CONFIG = """\
# the test's sshd: loopback only, its own host key, only the test account
Port {port}
ListenAddress 127.0.0.1
HostKey {host_key}
PidFile none
# stay off the machine's PAM session stack (login records, pam_loginuid); the page's
# `usermod -p '*'` is what makes the account usable this way
UsePAM no
StrictModes yes
PermitRootLogin no
AllowUsers {account}
AuthorizedKeysFile none
PasswordAuthentication no
KbdInteractiveAuthentication no
LogLevel VERBOSE
# as on every Debian server: file transfer is on for everyone else
Subsystem sftp internal-sftp

"""


class Sshd:
    """``sshd -D -e -f CONFIG`` on 127.0.0.1; its log is in :attr:`log`."""

    def __init__(self, workdir: Path, name: str, host_key: Path, match_block: str) -> None:
        self.port = free_port()
        self.config = workdir / f"sshd-{name}.conf"
        self.config.write_text(
            GLOBAL_CONFIG.format(port=self.port, host_key=host_key, account=ACCOUNT) + match_block
        )
        self.log = workdir / f"sshd-{name}.log"
        assert SSHD is not None
        run([SSHD, "-t", "-f", str(self.config)])
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [SSHD, "-D", "-e", "-f", str(self.config)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

        def listening_or_gone() -> bool:
            if self.process.poll() is not None:
                return True
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", self.port)) == 0

        with suppress(AssertionError):  # said below, with sshd's log
            until(listening_or_gone, "sshd to listen", 30, every=0.1)
        if self.process.poll() is not None or not listening_or_gone():
            raise RuntimeError(f"sshd did not start:\n{self.log_text()}")

    def log_text(self) -> str:
        """What sshd said so far."""
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """Stop listening (sessions still open are ended by their clients)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def ssh_argv(server: Sshd, key: Path, known_hosts: Path, *options: str) -> list[str]:
    """``ssh`` to the test account on ``server`` with ``key`` and nothing else: no
    config file, no agent, the server's host key checked."""
    return [
        "ssh", "-F", "/dev/null", "-p", str(server.port), "-i", str(key),
        "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
        "-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes",
        "-o", "ConnectTimeout=20", *options, f"{ACCOUNT}@127.0.0.1",
    ]  # fmt: skip


def account_processes(uid: int) -> list[tuple[int, str]]:
    """(pid, command line) of every process running as ``uid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            args = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone meanwhile
        found.append((int(entry.name), args.strip()))
    return found
