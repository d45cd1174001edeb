"""``gridtui ssh-serve``: the command centre over SSH for holders of a registered key,
without an account on the machine; ``gridtui ssh-key add|list|revoke``: those keys.

Exit codes of ``ssh-key``: 0 done, 2 refused (a bad key file, a duplicate name or key,
an unknown name: the message says which).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gridtui.cli.common import CliError, log_to_stderr, utcnow
from gridtui.cli.sources import add_rules_options, open_sessions
from gridtui.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from gridtui.cli.common import Subcommands
    from gridtui.ssh.lib import asyncssh
    from gridtui.ssh.server import Hub

#: seconds the server waits for its apps to end when it stops
STOP_WAIT = 8.0


def _key_sessions(url: str) -> sessionmaker[Session]:
    """Sessions on the database at ``url``, which must have the keys' table."""
    from sqlalchemy import inspect

    factory = open_sessions(url, migrate=False)
    with factory() as s:
        found = inspect(s.get_bind()).has_table("ssh_keys")
    if not found:
        _dispose(factory)
        raise CliError(f"the database {url} has no ssh_keys table: run `gridtui db upgrade`")
    return factory


def cmd_ssh_key(args: argparse.Namespace) -> int:
    """``gridtui ssh-key add|list|revoke``."""
    from gridtui.data.sources.sshkeys import SshKeyError

    try:
        factory = _key_sessions(args.db_url)
    except CliError as exc:
        print(f"gridtui: {exc}", file=sys.stderr)
        return 2
    try:
        if args.action == "add":
            _add_key(factory, args)
        elif args.action == "list":
            _list_keys(factory)
        else:
            from gridtui.data.sources.sshkeys import revoke_ssh_key

            info = revoke_ssh_key(factory, args.name, at=utcnow())
            print(f"key {info.name!r} ({info.fingerprint}) revoked: refused from now on; a "
                  "running gridtui ssh-serve ends its sessions within seconds")  # fmt: skip
    except SshKeyError as exc:
        print(f"gridtui: {exc}", file=sys.stderr)
        return 2
    finally:
        _dispose(factory)
    return 0


def _dispose(factory: sessionmaker[Session]) -> None:
    """Close the connections of ``factory``'s engine."""
    bind = factory.kw.get("bind")
    if bind is not None:
        bind.dispose()


def _add_key(factory: sessionmaker[Session], args: argparse.Namespace) -> None:
    from gridtui.data.sources.sshkeys import add_ssh_key, check_name, check_role
    from gridtui.ssh.keyfile import read_public_key

    check_name(args.name)
    check_role(args.role)
    key = read_public_key(Path(args.keyfile))
    info = add_ssh_key(factory, args.name, args.role, key.key_type, key.key_base64,
                       at=utcnow())  # fmt: skip
    print(f"key {info.name!r} added: {info.key_type} {info.fingerprint}, role {info.role}, "
          f"audited as {info.actor}")  # fmt: skip


def _list_keys(factory: sessionmaker[Session]) -> None:
    from gridtui.data.sources.sshkeys import list_ssh_keys

    keys = list_ssh_keys(factory)
    if not keys:
        print("no keys: gridtui ssh-key add --name NAME --role ROLE KEYFILE", file=sys.stderr)
    for k in keys:
        state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
        print(f"{k.name:20} {k.role:10} {k.key_type:20} {k.fingerprint}  "
              f"{k.added_at:%Y-%m-%d %H:%M}  {state}")  # fmt: skip


def cmd_ssh_serve(args: argparse.Namespace) -> int:
    """``gridtui ssh-serve``: the SSH server, until SIGINT or SIGTERM."""
    from gridtui.ssh.hostkey import HostKeyError, default_state_dir, load_or_create
    from gridtui.ssh.server import Hub, Limits

    log_to_stderr()
    factory = _key_sessions(args.db_url)
    folder = Path(args.state) if args.state else default_state_dir(args.db_url)
    try:
        host_key, made = load_or_create(folder)
    except HostKeyError as exc:
        raise CliError(str(exc)) from None
    app_args = ["--fixtures", str(Path(args.fixtures).resolve())]
    if args.no_watch:
        app_args.append("--no-watch")
    limits = Limits(max_sessions=args.max_sessions, max_per_key=args.max_per_key,
                    idle=args.idle, recheck=args.recheck)  # fmt: skip
    hub = Hub(factory, args.db_url, app_args, limits)
    where = f"{folder / 'ssh_host_ed25519_key'} ({'made now' if made else 'kept'})"
    try:
        return asyncio.run(_serve(hub, host_key, args.host, args.port, where))
    finally:
        _dispose(factory)


async def _serve(hub: Hub, host_key: asyncssh.SSHKey, host: str, port: int, where: str) -> int:
    from gridtui.data.sources.sshkeys import list_ssh_keys
    from gridtui.ssh.hostkey import known_hosts_line
    from gridtui.ssh.lib import asyncssh
    from gridtui.ssh.server import KeyServer, server_options

    try:
        listener = await asyncssh.listen(host, port, server_factory=lambda: KeyServer(hub),
                                         **server_options(host_key))  # fmt: skip
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound = listener.get_port()
    print(f"gridtui ssh-serve: listening on {host}:{bound}", flush=True)
    print(f"host key {host_key.get_fingerprint()} in {where}", flush=True)
    print(f"known_hosts: {known_hosts_line(host_key, host, bound)}", flush=True)
    if not any(k.active for k in await asyncio.to_thread(list_ssh_keys, hub.factory)):
        print("no keys let in yet: gridtui ssh-key add --name NAME --role ROLE KEYFILE",
              file=sys.stderr, flush=True)  # fmt: skip
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watch = asyncio.create_task(hub.watch_revocations())
    try:
        await stop.wait()
    finally:
        watch.cancel()
        listener.close()
        hub.hang_up_all()
        await hub.wait_empty(within=STOP_WAIT)
    print("gridtui ssh-serve: stopped", flush=True)
    return 0


def _idle(value: str) -> float:
    """``30m``, ``90s``, ``1h`` or ``0`` (never) → seconds (an argument type)."""
    from gridtui.domain.sla.config import parse_duration

    if value.strip() == "0":
        return 0.0
    try:
        return parse_duration(value).total_seconds()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc}, or 0 for never") from None


def _count(value: str) -> int:
    """A positive whole number (an argument type)."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= n <= 10_000:
        raise argparse.ArgumentTypeError("must be 1 to 10000")
    return n


def _seconds(value: str) -> float:
    try:
        n = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0.2 <= n <= 3600:
        raise argparse.ArgumentTypeError("must be 0.2 to 3600 seconds")
    return n


def add_ssh_parsers(sub: Subcommands, settings: Settings) -> None:
    """``ssh-serve`` and ``ssh-key``."""
    serve = sub.add_parser("ssh-serve", help="the command centre over SSH, for registered keys")
    serve.add_argument("--db", dest="db_url", default=argparse.SUPPRESS, help="database URL")
    serve.add_argument("--host", default="127.0.0.1", help="address (default %(default)s)")
    serve.add_argument("--port", type=int, default=2222, help="port (default %(default)s)")
    serve.add_argument(
        "--state", default=settings.ssh_state or None, metavar="DIR",
        help="folder of the host key (env GRIDTUI_SSH_STATE; default: gridtui-ssh beside a "
        "SQLite database, else ~/.local/state/gridtui)",
    )  # fmt: skip
    serve.add_argument("--idle", type=_idle, default=30 * 60.0, metavar="SPAN",
                       help="end a session after this long without input: 30m (default), "
                       "90s, 2h, or 0 for never")  # fmt: skip
    serve.add_argument("--max-sessions", type=_count, default=20, metavar="N",
                       help="sessions at once (default %(default)s)")  # fmt: skip
    serve.add_argument("--max-per-key", type=_count, default=3, metavar="N",
                       help="sessions at once per key (default %(default)s)")  # fmt: skip
    serve.add_argument("--recheck", type=_seconds, default=5.0, metavar="SECONDS",
                       help="seconds between looks for revoked keys (default 5)")  # fmt: skip
    add_rules_options(serve, settings)
    serve.set_defaults(func=cmd_ssh_serve)

    key = sub.add_parser("ssh-key", help="the keys ssh-serve lets in: add, list, revoke")
    key.add_argument("--db", dest="db_url", default=argparse.SUPPRESS, help="database URL")
    actions = key.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="let a public key in with a role and a name")
    add.add_argument("--name", required=True, help="audit name: the trail shows ssh:NAME")
    add.add_argument("--role", required=True, help="viewer, officer or supervisor")
    add.add_argument("keyfile", metavar="KEYFILE", help="the person's public key (.pub)")
    actions.add_parser("list", help="every key, with its role and fingerprint")
    revoke = actions.add_parser("revoke", help="refuse a key from now on")
    revoke.add_argument("name", metavar="NAME")
    key.set_defaults(func=cmd_ssh_key)
