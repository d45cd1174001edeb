"""``gridtui geo load FILE --level L --key PROP``: outlines for streets, communities or
grids from a GeoJSON file, all or nothing; ``gridtui geo place [--dry-run]``: open
tickets re-placed by their location after the grid outlines changed (see
``docs/map.md``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from gridtui.cli.common import CliError, utcnow
from gridtui.cli.sources import open_sessions
from gridtui.domain.text import shown_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from gridtui.cli.common import Subcommands

#: the largest boundary file read (a city's 10,000 grid outlines are about 20 MB)
MAX_FILE = 512 * 1024 * 1024
#: grid changes listed by ``geo place``; the count of the others follows
SHOWN_MOVES = 30


def cmd_geo_load(args: argparse.Namespace) -> int:
    """``gridtui geo load FILE --level L --key PROP``."""
    from gridtui.data.writes.geo_load import load_boundary_file
    from gridtui.domain.geo.validate import BoundaryFileError

    path = Path(args.file)
    name = shown_text(str(path), one_line=True)
    try:
        if path.stat().st_size > MAX_FILE:
            raise CliError(f"cannot load {name}: larger than {MAX_FILE // 2**20} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {name}: {exc.strerror or exc}") from exc
    factory = open_sessions(args.db_url, migrate=True)
    try:
        summary = load_boundary_file(
            factory, data, level=args.level, key=args.key, source=path.name, at=utcnow()
        )
    except BoundaryFileError as exc:
        raise CliError(f"cannot load {name}: {exc}") from exc
    finally:
        _dispose(factory)
    print(
        f"loaded {summary.loaded} {summary.level} outline(s) from {name} "
        f"({summary.replaced} replaced); {summary.outlined} of {summary.nodes} "
        f"{summary.level}(s) have one"
    )
    if summary.level == "grid":
        print("open tickets stay in their grids: `gridtui geo place` re-places them")
    return 0


def cmd_geo_place(args: argparse.Namespace) -> int:
    """``gridtui geo place [--dry-run]``."""
    from gridtui.data.writes.errors import ServiceError
    from gridtui.data.writes.geo_place import replace_tickets
    from gridtui.data.writes.loaded_grids import LoadedGrids

    factory = open_sessions(args.db_url, migrate=False)
    try:
        report = replace_tickets(factory, LoadedGrids(), at=utcnow(), dry_run=args.dry_run)
    except ServiceError as exc:
        raise CliError(str(exc)) from exc
    finally:
        _dispose(factory)
    print(
        f"open tickets with a location: {report.checked}; "
        f"in no grid's outline: {report.outside} (left where they are)"
    )
    verb = "would move" if args.dry_run else "moved"
    print(f"{verb} {report.moved} ticket(s)")
    ranked = sorted(report.pairs.items(), key=lambda p: (-p[1], p[0]))
    for (was, now), count in ranked[:SHOWN_MOVES]:
        print(f"  {shown_text(was, one_line=True)} → {shown_text(now, one_line=True)}: {count}")
    if len(ranked) > SHOWN_MOVES:
        rest = sum(n for _, n in ranked[SHOWN_MOVES:])
        print(f"  … {len(ranked) - SHOWN_MOVES} more grid change(s), {rest} ticket(s)")
    if report.skipped:
        print(f"left alone: {report.skipped} ticket(s) changed while this ran")
    return 0


def _dispose(factory: sessionmaker[Session]) -> None:
    """Close the connections of ``factory``'s engine (a command run in-process, as the
    tests run it, leaves none open)."""
    bind = factory.kw.get("bind")
    if bind is not None:
        bind.dispose()


def add_geo_parser(sub: Subcommands) -> None:
    """``geo load`` and ``geo place``."""
    geo = sub.add_parser(
        "geo", help="boundaries of streets, communities and grids; placing by location"
    )
    cmds = geo.add_subparsers(dest="geo_command", required=True)
    load = cmds.add_parser(
        "load", help="load outlines from a GeoJSON FeatureCollection (all or nothing)"
    )
    load.add_argument("file", help="GeoJSON FeatureCollection of Polygon/MultiPolygon features")
    load.add_argument("--level", required=True, choices=["street", "community", "grid"])
    load.add_argument("--key", required=True, help="the feature property holding the node's code")
    load.set_defaults(func=cmd_geo_load)
    place = cmds.add_parser("place", help="move open tickets into the grid their location lies in")
    place.add_argument("--dry-run", action="store_true", help="only say what would move")
    place.set_defaults(func=cmd_geo_place)
