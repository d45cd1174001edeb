"""The ``gridtui`` command: parses arguments and delegates; no logic of its own.

Exit codes: 0 success, 1 a problem with the input or the data (the message says
which file, line and field), 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from gridtui.config import Settings


class CliError(Exception):
    """A problem the user can fix; printed without a traceback."""


def _aware(value: str) -> datetime:
    """An ISO 8601 moment; a naive one is read as UTC."""
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO 8601 time (e.g. 2026-11-24T08:00:00+08:00)"
        ) from exc
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _safe(url: str) -> str:
    """``url`` with any password hidden."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable URL)"


def _now() -> datetime:
    return datetime.now(UTC)


def _factory(url: str, *, migrate: bool):  # type: ignore[no-untyped-def]
    from gridtui.data.db import is_current, make_engine, session_factory, upgrade

    if migrate:
        upgrade(url)
    engine = make_engine(url)
    if not migrate and not is_current(engine):
        raise CliError(f"the database {url} has no gridtui schema: run `gridtui db upgrade`")
    return session_factory(engine)


def cmd_db(args: argparse.Namespace) -> int:
    """``gridtui db upgrade``."""
    from gridtui.data.db import upgrade

    upgrade(args.db_url)
    print(f"database at newest schema: {args.db_url}")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    """``gridtui load DIR``: validate and load a fixtures folder atomically."""
    from gridtui.data.fixtures import FixtureLoadError, load_fixtures

    factory = _factory(args.db_url, migrate=True)
    try:
        report = load_fixtures(factory, Path(args.dir), now=_now())
    except FixtureLoadError as exc:
        raise CliError(f"cannot load {args.dir}: {exc}") from exc
    for table, (ins, upd) in report.counts.items():
        print(f"{table:14} {ins:7} new {upd:7} updated")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    """``gridtui seed``: a deterministic history."""
    from gridtui.data.seed import seed

    factory = _factory(args.db_url, migrate=True)
    result = seed(
        factory,
        scale=args.scale,
        seed=args.seed,
        now=args.now or _now(),
        fixtures=Path(args.fixtures),
        progress=None if args.quiet else lambda msg: print(msg, file=sys.stderr, flush=True),
    )
    print(json.dumps(result, ensure_ascii=False))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """``gridtui import FILE --map MAP.toml``."""
    from gridtui.data.importer import ImportMapError, import_file, load_map

    factory = _factory(args.db_url, migrate=True)
    try:
        mapping = load_map(Path(args.map))
    except ImportMapError as exc:
        raise CliError(str(exc)) from exc
    report = import_file(
        factory,
        Path(args.file),
        mapping,
        rejects=Path(args.rejects) if args.rejects else None,
        now=_now(),
    )
    print(
        f"read {report.read}: {report.inserted} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.rejected} rejected"
    )
    for rej in report.rejects[:20]:
        print(f"  line {rej.line}: {rej.field or '-'}: {rej.reason}", file=sys.stderr)
    if report.rejected > 20:
        print(f"  … {report.rejected - 20} more", file=sys.stderr)
    if report.rejected and args.rejects:
        print(f"rejected rows written to {args.rejects}", file=sys.stderr)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """``gridtui stats [--json] [--at ISO]``."""
    from gridtui.data.stats import compute_stats

    factory = _factory(args.db_url, migrate=False)
    with factory() as session:
        stats = compute_stats(session, args.at or _now())
    data = stats.as_json()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for key, value in data.items():
            print(f"{key:22} {value}")
    return 0


def _source(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from gridtui.data.local import LocalSource

    if getattr(args, "api", None):
        return _remote(args)
    _factory(args.db_url, migrate=False)  # a clear error when the schema is missing
    return LocalSource(args.db_url, timezone=Settings().timezone)


def _remote(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from gridtui.api.client import ApiSource
    from gridtui.data.source import SourceError

    token = args.token or os.environ.get("GRIDTUI_TOKEN", "")
    if not token:
        raise CliError("--api needs a token: --token T or the environment variable GRIDTUI_TOKEN")
    try:
        return ApiSource(args.api, token)
    except SourceError as exc:
        raise CliError(f"cannot use the API at {args.api}: {exc}") from exc


def _app_options(args: argparse.Namespace, source: object = None) -> dict[str, object]:
    from gridtui.i18n import default_lang

    remote = getattr(args, "api", None) and source is not None
    return {
        "lang": args.lang or default_lang(),
        # over the API the token decides the role and the name in the audit trail
        "role": getattr(source, "role", args.role) if remote else args.role,
        "theme": args.theme,
        "actor": getattr(source, "actor", args.actor) if remote else args.actor,
        "ticket_id": args.ticket,
    }


def cmd_tui(args: argparse.Namespace) -> int:
    """``gridtui tui``: the command centre."""
    from gridtui.app import build_app

    source = _source(args)
    try:
        build_app(source, screen=args.screen, freeze_gc=True, **_app_options(args, source)).run()
    finally:
        source.close()
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    """``gridtui snapshot``: one screen, headless, to SVG."""
    from gridtui.snapshot import snapshot

    source = _source(args)
    try:
        svg = snapshot(source, args.screen, args.size, **_app_options(args, source))
    finally:
        source.close()
    Path(args.out).write_text(svg, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    """``gridtui token create|list|revoke``: API bearer tokens."""
    from gridtui.data.tokens import create_token, list_tokens, revoke_token

    factory = _factory(args.db_url, migrate=False)
    if args.action == "create":
        if not args.name or not args.role:
            raise CliError("token create needs --name and --role")
        secret = create_token(factory, args.name, args.role, at=_now())
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
        revoke_token(factory, args.name, at=_now())
        print(f"token {args.name!r} revoked")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """``gridtui serve``: the local HTTP API under uvicorn."""
    import uvicorn

    from gridtui.api.server import create_app

    if args.workers > 1:
        # Several processes on one port; each has its own change-table reader and sees
        # the others' writes within a tenth of a second. Uvicorn needs an import path.
        _factory(args.db_url, migrate=False)  # a clear error when the schema is missing
        os.environ["GRIDTUI_DB"] = args.db_url
        uvicorn.run("gridtui.api.server:app_from_settings", factory=True, host=args.host,
                    port=args.port, workers=args.workers, log_level="info",
                    timeout_graceful_shutdown=5)  # fmt: skip
        return 0
    source = _source(args)
    app = create_app(source)

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: object = None) -> None:
            # Change streams never end by themselves: end them first, so that stopping
            # the server stops it (clients reconnect later and resume).
            await app.state.hub.close()
            await super().shutdown(sockets)  # type: ignore[arg-type]

    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="info",
                            timeout_graceful_shutdown=5)  # fmt: skip
    try:
        Server(config).run()
    finally:
        source.close()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``gridtui demo``: the app on the demo city, as an officer."""
    return cmd_tui(args)


def _ui_options(p: argparse.ArgumentParser, *, screen_default: str | None) -> None:
    import getpass

    from gridtui.screens import SCREEN_NAMES, THEME_NAMES

    p.add_argument("--db", dest="db_url", default=argparse.SUPPRESS, help="database URL")
    p.add_argument("--api", default=None, help="remote mode: the URL of a `gridtui serve`")
    p.add_argument("--token", default=None, help="API token for --api (better: env GRIDTUI_TOKEN)")
    p.add_argument("--lang", choices=["zh", "en"], default=None, help="default: LANG, else zh")
    p.add_argument("--theme", choices=THEME_NAMES, default="dark")
    p.add_argument("--role", choices=["viewer", "officer", "supervisor"], default="viewer")
    p.add_argument("--actor", default=f"duty:{getpass.getuser()}", help="name in the audit trail")
    p.add_argument(
        "--screen", choices=SCREEN_NAMES, default=screen_default, required=screen_default is None
    )
    p.add_argument("--ticket", type=int, default=None, help="ticket id for the ticket screen")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and documentation)."""
    settings = Settings()
    p = argparse.ArgumentParser(prog="gridtui", description="网格化服务管理 command centre")
    p.add_argument(
        "--db",
        dest="db_url",
        default=settings.db,
        help="database URL (env GRIDTUI_DB; default %(default)s)",
    )
    sub = p.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(func=cmd_db)

    load = sub.add_parser("load", help="validate and load a fixtures folder atomically")
    load.add_argument("dir")
    load.set_defaults(func=cmd_load)

    seed = sub.add_parser("seed", help="generate a deterministic history")
    seed.add_argument("--scale", choices=["demo", "city"], default="demo")
    seed.add_argument("--seed", type=int, default=1)
    seed.add_argument("--now", type=_aware, default=None, help="end of the history (ISO 8601)")
    seed.add_argument("--fixtures", default=str(settings.fixtures))
    seed.add_argument("--quiet", action="store_true")
    seed.set_defaults(func=cmd_seed)

    imp = sub.add_parser("import", help="import a 311-style CSV or JSONL export")
    imp.add_argument("file")
    imp.add_argument("--map", required=True, help="TOML column/value map")
    imp.add_argument("--rejects", help="write rejected rows (with reasons) to this CSV")
    imp.set_defaults(func=cmd_import)

    st = sub.add_parser("stats", help="KPIs as of a moment")
    st.add_argument("--json", action="store_true")
    st.add_argument("--at", type=_aware, default=None, help="ISO 8601 moment (default now)")
    st.set_defaults(func=cmd_stats)

    tok = sub.add_parser("token", help="API bearer tokens (shown once, stored hashed)")
    tok.add_argument("action", choices=["create", "list", "revoke"])
    tok.add_argument("--name")
    tok.add_argument("--role", choices=["viewer", "officer", "supervisor", "admin"])
    tok.add_argument("--db", dest="db_url", default=argparse.SUPPRESS, help="database URL")
    tok.set_defaults(func=cmd_token)

    srv = sub.add_parser("serve", help="the local HTTP API")
    srv.add_argument("--db", dest="db_url", default=argparse.SUPPRESS, help="database URL")
    srv.add_argument("--host", default="127.0.0.1", help="bind address (default loopback)")
    srv.add_argument("--port", type=int, default=8765)
    srv.add_argument(
        "--workers", type=int, default=1,
        help="worker processes (default 1; more use more cores: each takes a share of the "
        "requests and change streams)",
    )  # fmt: skip
    srv.set_defaults(func=cmd_serve)

    tui = sub.add_parser("tui", help="open the command centre")
    _ui_options(tui, screen_default="overview")
    tui.set_defaults(func=cmd_tui)

    snap = sub.add_parser("snapshot", help="render a screen headless to SVG")
    _ui_options(snap, screen_default=None)
    snap.add_argument("--size", default="120x40", help="WIDTHxHEIGHT (default %(default)s)")
    snap.add_argument("--out", required=True, help="SVG file to write")
    snap.set_defaults(func=cmd_snapshot)

    demo = sub.add_parser("demo", help="open the command centre on the demo city")
    _ui_options(demo, screen_default="overview")
    demo.set_defaults(func=cmd_demo, role="officer")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gridtui`` console script."""
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except CliError as exc:
        print(f"gridtui: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `gridtui stats --json | head`: the reader left, not an error
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except ValueError as exc:  # bad rules, bad input: the message names what and where
        print(f"gridtui: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        from sqlalchemy.exc import SQLAlchemyError

        if not isinstance(exc, SQLAlchemyError):
            raise
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"gridtui: cannot use the database {_safe(args.db_url)}: {reason}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
