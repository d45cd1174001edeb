"""``gridtui db upgrade``, ``gridtui load DIR`` and ``gridtui seed``: the database's
schema, the city's fixtures, and a deterministic history."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gridtui.cli.common import CliError, aware_time, utcnow
from gridtui.cli.sources import open_sessions
from gridtui.config import Settings

if TYPE_CHECKING:
    from gridtui.cli.common import Subcommands


def cmd_db(args: argparse.Namespace) -> int:
    """``gridtui db upgrade``."""
    from gridtui.data.storage.db import upgrade

    upgrade(args.db_url)
    print(f"database at newest schema: {args.db_url}")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    """``gridtui load DIR``: validate and load a fixtures folder atomically."""
    from gridtui.data.intake.fixtures import FixtureLoadError, load_fixtures

    factory = open_sessions(args.db_url, migrate=True)
    try:
        report = load_fixtures(factory, Path(args.dir), now=utcnow())
    except FixtureLoadError as exc:
        raise CliError(f"cannot load {args.dir}: {exc}") from exc
    for table, (ins, upd) in report.counts.items():
        print(f"{table:14} {ins:7} new {upd:7} updated")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    """``gridtui seed``: a deterministic history."""
    from gridtui.data.seeding.seed import seed

    factory = open_sessions(args.db_url, migrate=True)
    result = seed(
        factory,
        scale=args.scale,
        seed=args.seed,
        now=args.now or utcnow(),
        fixtures=Path(args.fixtures),
        progress=None if args.quiet else lambda msg: print(msg, file=sys.stderr, flush=True),
    )
    print(json.dumps(result, ensure_ascii=False))
    return 0


def add_db_parsers(sub: Subcommands, settings: Settings) -> None:
    """``db``, ``load`` and ``seed``."""
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(func=cmd_db)

    load = sub.add_parser("load", help="validate and load a fixtures folder atomically")
    load.add_argument("dir")
    load.set_defaults(func=cmd_load)

    seed = sub.add_parser("seed", help="generate a deterministic history")
    seed.add_argument("--scale", choices=["demo", "city"], default="demo")
    seed.add_argument("--seed", type=int, default=1)
    seed.add_argument("--now", type=aware_time, default=None, help="end of the history (ISO 8601)")
    seed.add_argument("--fixtures", default=str(settings.fixtures))
    seed.add_argument("--quiet", action="store_true")
    seed.set_defaults(func=cmd_seed)
