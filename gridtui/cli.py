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
from typing import Any

from gridtui.config import Settings, public_url_for


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
    from gridtui.data.storage.db import is_current, make_engine, session_factory, upgrade

    if migrate:
        upgrade(url)
    engine = make_engine(url)
    if not migrate and not is_current(engine):
        raise CliError(f"the database {url} has no gridtui schema: run `gridtui db upgrade`")
    return session_factory(engine)


def cmd_db(args: argparse.Namespace) -> int:
    """``gridtui db upgrade``."""
    from gridtui.data.storage.db import upgrade

    upgrade(args.db_url)
    print(f"database at newest schema: {args.db_url}")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    """``gridtui load DIR``: validate and load a fixtures folder atomically."""
    from gridtui.data.intake.fixtures import FixtureLoadError, load_fixtures

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
    from gridtui.data.seeding.seed import seed

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
    from gridtui.data.intake.importer import ImportMapError, import_file, load_map

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
    from gridtui.data.reads.stats import compute_stats

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
    from gridtui.data.sources.local import LocalSource
    from gridtui.data.storage.db import PoolSettings

    if getattr(args, "api", None):
        return _remote(args)
    _factory(args.db_url, migrate=False)  # a clear error when the schema is missing
    pool = PoolSettings.for_workers(getattr(args, "workers", 1))
    return LocalSource(args.db_url, timezone=Settings().timezone, pool=pool)


def _remote(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from gridtui.api.client import ApiSource
    from gridtui.data.sources.source import SourceError

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
        # the simulated clock, when a simulator runs, from the first screen on
        "clock_spec": _clock_spec(source),
    }


def _clock_spec(source: object) -> object:
    from gridtui.data.sources.source import SourceError

    read = getattr(source, "clock_spec", None)
    try:
        return read() if read is not None else None
    except SourceError:
        return None  # the app keeps asking, and shows why the data is stale


def _need_terminal() -> None:
    """Refuse to start a full-screen app without a terminal to draw on.

    Textual reads keys from stdin and draws on stderr. Without a terminal there (``ssh
    host`` without ``-t`` into an account whose key forces ``gridtui tui``) it would
    run headless and never end, holding the database, after the client has gone."""
    if not all(s is not None and s.isatty() for s in (sys.__stdin__, sys.__stderr__)):
        raise CliError("the command centre needs a terminal on stdin and stderr (over SSH: ssh -t)")


def cmd_tui(args: argparse.Namespace) -> int:
    """``gridtui tui``: the command centre."""
    from gridtui.app import build_app

    source = _source(args)
    rules = _watch_rules(args, source)
    try:
        _need_terminal()
        build_app(source, screen=args.screen, freeze_gc=True, **_app_options(args, source)).run()
    finally:
        if rules is not None:
            rules.close()
        source.close()
    return 0


def cmd_wall(args: argparse.Namespace) -> int:
    """``gridtui wall``: the read-only wall display (rotation, big figures, alerts)."""
    from gridtui.wall.app import build_wall

    source = _source(args)
    rules = _watch_rules(args, source)
    try:
        _need_terminal()
        options = _app_options(args, source) | {"role": "viewer"}
        wall = build_wall(source, screens=args.screens, rotate=args.rotate, alert=args.alert,
                          freeze_gc=True, **options)  # fmt: skip
        wall.run(mouse=False)  # nothing to click on a wall, and no mouse reports to read
    finally:
        if rules is not None:
            rules.close()
        source.close()
    return 0


def _wall_screens(value: str) -> list[str]:
    """``overview,sla`` → the wall screens to rotate through, in that order."""
    from gridtui.wall import WALL_SCREENS

    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in WALL_SCREENS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown wall screen {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"a comma-separated list of {', '.join(WALL_SCREENS)}"
        )
    return list(dict.fromkeys(names))


def _wall_alert(value: str) -> list[str]:
    """``bell,flash`` / ``bell`` / ``flash`` / ``none`` → what an alert does."""
    from gridtui.wall import ALERT_MODES

    names = [n.strip() for n in value.split(",") if n.strip()]
    if names == ["none"]:
        return []
    unknown = [n for n in names if n not in ALERT_MODES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown alert {', '.join(map(repr, unknown)) or '(none given)'}; "
            "bell, flash, bell,flash or none"
        )
    return names


def _rotate(value: str) -> float:
    """Seconds per wall screen: 0 (no rotation) or at least 2."""
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if seconds != 0 and not 2 <= seconds <= 86400:
        raise argparse.ArgumentTypeError("rotate must be 0 (no rotation) or 2 to 86400 seconds")
    return seconds


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
    from gridtui.data.sources.tokens import create_token, list_tokens, revoke_token

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


def cmd_sweep(args: argparse.Namespace) -> int:
    """``gridtui sweep [--every SECONDS]``: the SLA sweeper, once or in a loop."""
    import time

    from gridtui.data.sources.local import LocalSource
    from gridtui.data.sources.source import SourceError

    _factory(args.db_url, migrate=False)
    source = LocalSource(args.db_url, timezone=Settings().timezone)
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
    import uvicorn

    from gridtui.api.server import create_app
    from gridtui.data.storage.db import PoolSettings

    public_url = args.public_url or public_url_for(args.host, args.port)
    if args.workers > 1:
        # Several processes on one port; each has its own change-table reader and sees
        # the others' writes within a tenth of a second. Uvicorn needs an import path.
        factory = _factory(args.db_url, migrate=False)  # a clear error without a schema
        os.environ["GRIDTUI_DB"] = args.db_url
        os.environ["GRIDTUI_SWEEP_SECONDS"] = str(args.sweep)
        os.environ["GRIDTUI_PUBLIC_URL"] = public_url
        # each worker's share of the connections (gridtui.data.storage.db.PoolSettings)
        os.environ["GRIDTUI_POOL"] = PoolSettings.for_workers(args.workers).to_env()
        watchers = _serve_watchers(args, factory)  # one of each, here in the parent
        try:
            uvicorn.run("gridtui.api.server:app_from_settings", factory=True, host=args.host,
                        port=args.port, workers=args.workers, log_level="info",
                        timeout_graceful_shutdown=5)  # fmt: skip
        finally:
            for watcher in watchers:
                watcher.close()
        return 0
    source = _source(args)
    app = create_app(source, sweep_seconds=args.sweep, public_url=public_url)
    watchers = _serve_watchers(args, source.factory, source)

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
        for watcher in watchers:
            watcher.close()
        source.close()
    return 0


def _log_to_stderr() -> None:
    """The ``gridtui.*`` logs (rules reloads, drop-folder imports) on stderr."""
    import logging

    from gridtui.api.logs import CleanRecords

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s", "%H:%M:%S"))
    handler.addFilter(CleanRecords())  # (records are cleaned when made; this is the net)
    logger = logging.getLogger("gridtui")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _watch_rules(args: argparse.Namespace, source: object, factory: Any = None):  # type: ignore[no-untyped-def]
    """A :class:`~gridtui.data.intake.confwatch.ConfigWatcher` on ``--fixtures`` (local mode
    only: a remote app follows its server's rules), or None."""
    from gridtui.data.intake.confwatch import watch_rules
    from gridtui.data.sources.local import LocalSource

    if getattr(args, "no_watch", False) or getattr(args, "api", None):
        return None
    local = source if isinstance(source, LocalSource) else None
    if local is None and factory is None:
        return None
    options: dict[str, object] = {}
    if local is not None:  # this process's readers wake at once; SLA times follow the sim
        options = {"sla_clock": local.now, "on_change": local.changed.bump}
    folder = Path(getattr(args, "fixtures", None) or Settings().fixtures)
    return watch_rules(folder, local.factory if local is not None else factory, **options)


def _serve_watchers(args: argparse.Namespace, factory: Any, source: Any = None) -> list[Any]:
    """What ``serve`` watches besides serving: the rules files, and ``--inbox``."""
    from gridtui.data.intake.importer import ImportMapError, load_map
    from gridtui.data.intake.inbox import Inbox

    _log_to_stderr()
    watchers: list[Any] = []
    rules = _watch_rules(args, source, factory)
    if rules is not None:
        watchers.append(rules)
    if args.inbox:
        try:
            mapping = load_map(Path(args.inbox_map))
        except ImportMapError as exc:
            for watcher in watchers:
                watcher.close()
            raise CliError(str(exc)) from exc
        options: dict[str, Any] = {"settle": args.settle}
        if source is not None:
            options |= {"now": source.now, "on_import": source.changed.bump}
        watchers.append(Inbox(Path(args.inbox), factory, mapping, **options).start())
    return watchers


def cmd_watch(args: argparse.Namespace) -> int:
    """``gridtui watch DIR``: import each work-order file that lands in DIR (the drop
    folder, :mod:`gridtui.data.intake.inbox`) until Ctrl-C; ``--once``: what is there, then stop."""
    import time

    from gridtui.data.intake.importer import ImportMapError, load_map
    from gridtui.data.intake.inbox import Inbox
    from gridtui.data.intake.inbox_files import shown_name

    _log_to_stderr()  # what is left alone, and why, once each
    factory = _factory(args.db_url, migrate=False)
    try:
        mapping = load_map(Path(args.map))
    except ImportMapError as exc:
        raise CliError(str(exc)) from exc
    inbox = Inbox(Path(args.dir), factory, mapping, settle=args.settle,
                  report=lambda outcome: print(outcome, flush=True))  # fmt: skip
    if args.once:
        inbox.scan()
        deadline = time.monotonic() + args.settle + 10
        while (wait := inbox.next_check()) is not None and time.monotonic() < deadline:
            time.sleep(wait + 0.05)
            inbox.scan()
        for name in inbox.waiting:
            print(f"{shown_name(name)}: still being written (or empty): left for later",
                  file=sys.stderr)  # fmt: skip
        return 0
    where = f"{shown_name(args.dir)} (map {mapping.path}, source {mapping.source})"
    print(f"watching {where}; Ctrl-C stops", file=sys.stderr, flush=True)
    inbox.run()
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    """``gridtui simulate``: the city brought to life in simulated time."""
    from gridtui.sim.clock import SpecClock
    from gridtui.sim.runner import Run, SimOptions, stop_on_signals
    from gridtui.sim.target import ApiTarget, CityTarget, LocalTarget

    clock = SpecClock()
    target: CityTarget
    if args.api:
        remote = _remote(args)
        if remote.role != "admin":
            remote.close()
            raise CliError(
                f"the simulator needs an admin token (this one is {remote.role}): it publishes "
                "the city's clock; `gridtui token create --name sim --role admin`"
            )
        target = ApiTarget(remote)
    else:
        from gridtui.data.sources.local import LocalSource

        _factory(args.db_url, migrate=False)  # a clear error when the schema is missing
        target = LocalTarget(
            LocalSource(args.db_url, timezone=Settings().timezone, clock=clock.now)
        )
    options = SimOptions(
        speed=args.speed, duration=args.duration, start=args.start, seed=args.seed,
        fixtures=Path(args.fixtures), adopt=args.adopt, progress=args.progress,
        parent=args.parent,
        **({"rate": args.rate} if args.rate is not None else {}),
    )  # fmt: skip
    run = Run(target, clock, options, say=lambda msg: print(msg, flush=True))
    try:
        with stop_on_signals(run):
            run.run()
    finally:
        target.close()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``gridtui demo``: the app on the demo city, as an officer, with the simulator
    running beside it (``--no-sim``: without)."""
    if args.no_sim or args.api:
        return cmd_tui(args)
    child = _start_simulator(args)
    try:
        return cmd_tui(args)
    finally:
        _stop_child(child)


def _start_simulator(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """``gridtui simulate`` in a child process, its output in ``var/simulate.log``."""
    import subprocess

    log = Path("var") / "simulate.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "gridtui.cli", "--db", args.db_url, "simulate",
        "--speed", f"{args.speed:g}", "--parent", str(os.getpid()),
    ]  # fmt: skip
    with log.open("ab") as out:
        # its own session: Ctrl-C in the app's terminal is the app's; the child stops
        # when told to, or by itself when the app is gone (--parent)
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def _stop_child(child) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    child.terminate()  # SIGTERM: the simulator hands the clock back and exits
    try:
        child.wait(15)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def _speed(value: str) -> float:
    from gridtui.data.sources.records import MAX_SPEED

    try:
        speed = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 < speed <= MAX_SPEED:
        raise argparse.ArgumentTypeError(f"speed must be above 0 and at most {MAX_SPEED:g}")
    return speed


def _duration(value: str):  # type: ignore[no-untyped-def]
    from gridtui.domain.sla import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _ui_options(p: argparse.ArgumentParser, *, screen_default: str | None) -> None:
    import getpass

    from gridtui.registry import SCREEN_NAMES, THEME_NAMES

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


def _rules_options(p: argparse.ArgumentParser, settings: Settings) -> None:
    """``--fixtures DIR`` (whose sla.toml and scoring.toml are watched) and ``--no-watch``."""
    p.add_argument(
        "--fixtures", default=str(settings.fixtures), metavar="DIR",
        help="edits of DIR/sla.toml and DIR/scoring.toml apply while running "
        "(local database only; default %(default)s)",
    )  # fmt: skip
    p.add_argument("--no-watch", action="store_true", help="do not watch the rules files")


def _wall_options(p: argparse.ArgumentParser) -> None:
    from gridtui.registry import THEME_NAMES
    from gridtui.wall import DEFAULT_ROTATE, WALL_SCREENS

    p.add_argument("--db", dest="db_url", default=argparse.SUPPRESS, help="database URL")
    p.add_argument("--api", default=None, help="remote mode: the URL of a `gridtui serve`")
    p.add_argument("--token", default=None, help="API token for --api (better: env GRIDTUI_TOKEN)")
    p.add_argument("--lang", choices=["zh", "en"], default=None, help="default: LANG, else zh")
    p.add_argument("--theme", choices=THEME_NAMES, default="dark")
    p.add_argument(
        "--rotate", type=_rotate, default=DEFAULT_ROTATE,
        help="seconds per screen (default %(default)g; 0: no rotation)",
    )  # fmt: skip
    p.add_argument(
        "--screens", type=_wall_screens, default=list(WALL_SCREENS),
        help=f"screens to rotate through, in order (default {','.join(WALL_SCREENS)})",
    )  # fmt: skip
    p.add_argument(
        "--alert", type=_wall_alert, default=["bell", "flash"],
        help="on a new red ticket or SLA breach: bell, flash, bell,flash (default) or none",
    )  # fmt: skip
    # a wall changes nothing: always a viewer, whatever the token or the flags
    p.set_defaults(role="viewer", actor="wall", ticket=None, screen=None)


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

    swp = sub.add_parser("sweep", help="the SLA sweeper: breach penalties and escalation")
    swp.add_argument("--db", dest="db_url", default=argparse.SUPPRESS, help="database URL")
    swp.add_argument(
        "--every", type=float, default=0.0, metavar="SECONDS",
        help="sweep every SECONDS until stopped (default: once); not needed beside "
        "`gridtui serve` or `gridtui simulate --db`, which sweep by themselves",
    )  # fmt: skip
    swp.set_defaults(func=cmd_sweep)

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
    _rules_options(srv, settings)
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
    srv.set_defaults(func=cmd_serve)

    watch = sub.add_parser("watch", help="import each work-order file dropped into a folder")
    watch.add_argument("dir", help="the drop folder (done/ and rejected/ are made inside)")
    watch.add_argument("--db", dest="db_url", default=argparse.SUPPRESS, help="database URL")
    watch.add_argument(
        "--map", default=str(settings.fixtures / "maps" / "hotline12345.toml"),
        help="TOML column/value map (default: the 12345 hotline export, %(default)s)",
    )  # fmt: skip
    watch.add_argument(
        "--settle", type=float, default=1.0,
        help="seconds a file must stay unchanged before it is read (default 1)",
    )  # fmt: skip
    watch.add_argument("--once", action="store_true", help="import what is there, then stop")
    watch.set_defaults(func=cmd_watch)

    tui = sub.add_parser("tui", help="open the command centre")
    _ui_options(tui, screen_default="overview")
    _rules_options(tui, settings)
    tui.set_defaults(func=cmd_tui)

    wall = sub.add_parser("wall", help="the read-only wall display: rotation, big figures, alerts")
    _wall_options(wall)
    _rules_options(wall, settings)
    wall.set_defaults(func=cmd_wall)

    snap = sub.add_parser("snapshot", help="render a screen headless to SVG")
    _ui_options(snap, screen_default=None)
    snap.add_argument("--size", default="120x40", help="WIDTHxHEIGHT (default %(default)s)")
    snap.add_argument("--out", required=True, help="SVG file to write")
    snap.set_defaults(func=cmd_snapshot)

    sim = sub.add_parser("simulate", help="bring the city to life in simulated time")
    sim.add_argument("--db", dest="db_url", default=argparse.SUPPRESS, help="database URL")
    sim.add_argument("--api", default=None, help="drive a `gridtui serve` (admin token)")
    sim.add_argument("--token", default=None, help="token for --api (better: GRIDTUI_TOKEN)")
    sim.add_argument(
        "--speed", type=_speed, default=1.0, help="simulated seconds per real second (default 1)"
    )
    sim.add_argument(
        "--duration", type=_duration, default=None,
        help="simulated time to run, e.g. 30m, 8h, 7d (default: until Ctrl-C)",
    )  # fmt: skip
    sim.add_argument("--seed", type=int, default=1, help="same seed, same city (default 1)")
    sim.add_argument(
        "--start", type=_aware, default=None,
        help="simulated time to start from when no clock runs yet (ISO 8601)",
    )  # fmt: skip
    sim.add_argument(
        "--rate", type=float, default=None,
        help="events per grid per day (default 1.06, as in Liyang)",
    )  # fmt: skip
    sim.add_argument(
        "--fixtures", default=str(settings.fixtures),
        help="the city folder (category details, grid workers)",
    )  # fmt: skip
    sim.add_argument(
        "--adopt", type=int, default=500, help="open tickets to take over at start (default 500)"
    )
    sim.add_argument(
        "--progress", type=float, default=10.0,
        help="real seconds between progress lines (0: none)",
    )  # fmt: skip
    sim.add_argument("--parent", type=int, default=None, help=argparse.SUPPRESS)
    sim.set_defaults(func=cmd_simulate)

    demo = sub.add_parser("demo", help="open the command centre on the demo city")
    _ui_options(demo, screen_default="overview")
    _rules_options(demo, settings)
    demo.add_argument(
        "--speed",
        type=_speed,
        default=60.0,
        help="the simulator's speed (default 60: a simulated hour a minute, so that a "
        "visitor sees the city move even at night)",
    )
    demo.add_argument("--no-sim", action="store_true", help="without the simulator")
    demo.set_defaults(func=cmd_demo, role="officer")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gridtui`` console script."""
    from gridtui.api.logs import install_cleaning
    from gridtui.domain.text import shown_text

    install_cleaning()  # outside text in any gridtui/uvicorn log line is made safe
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except CliError as exc:
        print(f"gridtui: {shown_text(str(exc))}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `gridtui stats --json | head`: the reader left, not an error
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except ValueError as exc:  # bad rules, bad input: the message names what and where
        print(f"gridtui: {shown_text(str(exc))}", file=sys.stderr)
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
