"""``gridtui serve``: the HTTP API under uvicorn (with the rules watcher and the drop
folder beside it); ``gridtui sweep``: the SLA sweeper on its own; ``gridtui token``:
the API's bearer tokens."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gridtui.cli.bulletin import bulletin_folder, start_bulletins
from gridtui.cli.common import CliError, log_to_stderr, utcnow
from gridtui.cli.imports import load_import_map
from gridtui.cli.sources import add_rules_options, open_local, open_sessions, watch_rules_files
from gridtui.config import Settings, public_url_for

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from gridtui.cli.common import Subcommands
    from gridtui.data.intake.confwatch import ConfigWatcher
    from gridtui.data.intake.inbox import Inbox
    from gridtui.data.sources.local import LocalSource


def cmd_token(args: argparse.Namespace) -> int:
    """``gridtui token create|list|revoke``: API bearer tokens."""
    from gridtui.data.sources.tokens import create_token, list_tokens, revoke_token

    factory = open_sessions(args.db_url, migrate=False)
    if args.action == "create":
        if not args.name or not args.role:
            raise CliError("token create needs --name and --role")
        secret = create_token(factory, args.name, args.role, at=utcnow())
        print(secret)
        print(f"token {args.name!r} ({args.role}): shown once, stored only as a hash",
              file=sys.stderr)  # fmt: skip
    elif args.action == "list":
        for t in list_tokens(factory):
            state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
            print(f"{t.name:24} {t.role:11} {t.created_at:%Y-%m-%d %H:%M}  {state}")
    else:
        if not args.name:
            raise CliError("token revoke needs --name")
        revoke_token(factory, args.name, at=utcnow())
        print(f"token {args.name!r} revoked")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """``gridtui sweep [--every SECONDS]``: the SLA sweeper, once or in a loop."""
    from gridtui.data.sources.source import SourceError

    source = open_local(args.db_url)
    try:
        while True:
            try:
                r = source.sweep()
                print(f"{source.now():%Y-%m-%d %H:%M:%S}Z checked {r.checked}, breaches "
                      f"{r.breaches}, escalated {r.escalated}, "
                      f"missing reports {r.missing_reports}", flush=True)  # fmt: skip
            except SourceError as exc:
                if not args.every:
                    raise CliError(f"sweep failed: {exc}") from exc
                print(f"gridtui: sweep failed, trying again: {exc}", file=sys.stderr, flush=True)
            if not args.every:
                return 0
            time.sleep(args.every)
    finally:
        source.close()


def cmd_serve(args: argparse.Namespace) -> int:
    """``gridtui serve``: the local HTTP API under uvicorn."""
    public_url = args.public_url or public_url_for(args.host, args.port)
    args.bulletins = bulletin_folder(args.bulletins) if args.bulletins else None
    if args.workers > 1:
        _serve_in_workers(args, public_url)
    else:
        _serve_in_process(args, public_url)
    return 0


def _serve_in_workers(args: argparse.Namespace, public_url: str) -> None:
    """Several processes on one port; each has its own change-table reader and sees the
    others' writes within a tenth of a second. Uvicorn needs an import path, and the
    workers read their settings from the environment."""
    import uvicorn

    from gridtui.data.storage.db import PoolSettings

    factory = open_sessions(args.db_url, migrate=False)  # a clear error without a schema
    os.environ["GRIDTUI_DB"] = args.db_url
    os.environ["GRIDTUI_SWEEP_SECONDS"] = str(args.sweep)
    os.environ["GRIDTUI_PUBLIC_URL"] = public_url
    if args.bulletins:
        os.environ["GRIDTUI_BULLETINS"] = str(args.bulletins)  # each worker serves them
    # each worker's share of the connections (gridtui.data.storage.db.PoolSettings)
    os.environ["GRIDTUI_POOL"] = PoolSettings.for_workers(args.workers).to_env()
    watchers = _serve_watchers(args, factory)  # one of each, here in the parent
    # the scheduled bulletins are written here in the parent too, over a source of its own
    writer = open_local(args.db_url) if args.bulletins else None
    stop_bulletins = start_bulletins(args.bulletins, writer) if writer else None
    try:
        uvicorn.run("gridtui.api.server:app_from_settings", factory=True, host=args.host,
                    port=args.port, workers=args.workers, log_level="info",
                    timeout_graceful_shutdown=5)  # fmt: skip
    finally:
        for watcher in watchers:
            watcher.close()
        if stop_bulletins is not None and writer is not None:
            stop_bulletins()
            writer.close()


def _serve_in_process(args: argparse.Namespace, public_url: str) -> None:
    """One process: the API over a local source, under uvicorn in this thread."""
    from gridtui.api.server import create_app
    from gridtui.api.serving import ApiServer

    source = open_local(args.db_url, workers=args.workers)
    app = create_app(source, sweep_seconds=args.sweep, public_url=public_url,
                     bulletins=args.bulletins)  # fmt: skip
    watchers = _serve_watchers(args, source.factory, source)
    stop_bulletins = start_bulletins(args.bulletins, source) if args.bulletins else None

    server = ApiServer(app, host=args.host, port=args.port, log_level="info",
                       timeout_graceful_shutdown=5)  # fmt: skip
    try:
        server.run()
    finally:
        for watcher in watchers:
            watcher.close()
        if stop_bulletins is not None:
            stop_bulletins()
        source.close()


def _serve_watchers(
    args: argparse.Namespace, factory: sessionmaker[Session], local: LocalSource | None = None
) -> list[ConfigWatcher | Inbox]:
    """What ``serve`` watches besides serving: the rules files, and ``--inbox``."""
    from gridtui.data.intake.inbox import Inbox

    log_to_stderr()
    watchers: list[ConfigWatcher | Inbox] = []
    rules = watch_rules_files(args, factory, local)
    if rules is not None:
        watchers.append(rules)
    if args.inbox:
        try:
            mapping = load_import_map(args.inbox_map)
        except CliError:
            for watcher in watchers:
                watcher.close()
            raise
        options: dict[str, Any] = {"settle": args.settle}
        if local is not None:
            options |= {"now": local.now, "on_import": local.changed.bump}
        watchers.append(Inbox(Path(args.inbox), factory, mapping, **options).start())
    return watchers


def add_serve_parsers(sub: Subcommands, settings: Settings) -> None:
    """``token``, ``sweep`` and ``serve``."""
    tok = sub.add_parser("token", help="API bearer tokens (shown once, stored hashed)")
    tok.add_argument("action", choices=["create", "list", "revoke"])
    tok.add_argument("--name")
    tok.add_argument("--role", choices=["viewer", "officer", "supervisor", "admin"])
    tok.add_argument("--db", dest="db_url", default=argparse.SUPPRESS, help="database URL")
    tok.set_defaults(func=cmd_token)

    swp = sub.add_parser("sweep", help="the SLA sweeper: breach penalties and escalation")
    swp.add_argument("--db", dest="db_url", default=argparse.SUPPRESS, help="database URL")
    swp.add_argument(
        "--every", type=float, default=0.0, metavar="SECONDS",
        help="sweep every SECONDS until stopped (default: once); not needed beside "
        "`gridtui serve` or `gridtui simulate --db`, which sweep by themselves",
    )  # fmt: skip
    swp.set_defaults(func=cmd_sweep)
    _add_serve_parser(sub, settings)


def _add_serve_parser(sub: Subcommands, settings: Settings) -> None:
    srv = sub.add_parser("serve", help="the local HTTP API")
    srv.add_argument("--db", dest="db_url", default=argparse.SUPPRESS, help="database URL")
    srv.add_argument("--host", default="127.0.0.1", help="bind address (default loopback)")
    srv.add_argument("--port", type=int, default=8765)
    srv.add_argument(
        "--public-url", default=settings.public_url or None, metavar="URL",
        help="the API's public base URL, named by Open311 discovery (env GRIDTUI_PUBLIC_URL; "
        "default http://HOST:PORT)",
    )  # fmt: skip
    srv.add_argument(
        "--workers", type=int, default=1,
        help="worker processes (default 1; more use more cores: each takes a share of the "
        "requests, the change streams and the database connections, see docs/api.md)",
    )  # fmt: skip
    srv.add_argument(
        "--sweep", type=float, default=10.0, metavar="SECONDS",
        help="run the SLA sweeper (breach penalties, escalation on breach) every SECONDS "
        "(default %(default)s; 0: off, when another process sweeps)",
    )  # fmt: skip
    add_rules_options(srv, settings)
    srv.add_argument(
        "--inbox", default=None, metavar="DIR",
        help="drop folder: import each JSON/CSV work-order file that lands in DIR",
    )  # fmt: skip
    srv.add_argument(
        "--inbox-map", default=str(settings.fixtures / "maps" / "hotline12345.toml"),
        metavar="MAP", help="import map of the drop folder (default %(default)s)",
    )  # fmt: skip
    srv.add_argument(
        "--settle", type=float, default=1.0,
        help="seconds a dropped file must stay unchanged before it is read (default 1)",
    )  # fmt: skip
    srv.add_argument(
        "--bulletins", default=None, metavar="DIR",
        help="write each week's and month's bulletin into DIR once it is due (times, formats "
        "and levels: [schedule] of assessment.toml) and serve them at /api/v1/bulletins",
    )  # fmt: skip
    srv.set_defaults(func=cmd_serve)
