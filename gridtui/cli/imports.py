"""``gridtui import FILE``: one export through a map; ``gridtui watch DIR``: the drop
folder (:mod:`gridtui.data.intake.inbox`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gridtui.cli.common import CliError, log_to_stderr, utcnow
from gridtui.cli.sources import open_sessions
from gridtui.config import Settings

if TYPE_CHECKING:
    from gridtui.cli.common import Subcommands
    from gridtui.data.intake.importer import ImportMap

#: rejected rows named on stderr; the count of the others follows
SHOWN_REJECTS = 20


def load_import_map(path: str) -> ImportMap:
    """The import map at ``path`` (a map without ``timezone`` takes the centre's); a bad
    one is the user's to fix."""
    from gridtui.data.intake.importer import ImportMapError, load_map

    try:
        return load_map(Path(path), timezone=Settings().timezone)
    except ImportMapError as exc:
        raise CliError(str(exc)) from exc


def cmd_import(args: argparse.Namespace) -> int:
    """``gridtui import FILE --map MAP.toml``."""
    from gridtui.data.intake.importer import import_file

    factory = open_sessions(args.db_url, migrate=True)
    mapping = load_import_map(args.map)
    report = import_file(
        factory,
        Path(args.file),
        mapping,
        rejects=Path(args.rejects) if args.rejects else None,
        now=utcnow(),
    )
    sheet = f" (sheet {report.sheet!r})" if report.sheet is not None else ""
    print(
        f"read {report.read}{sheet}: {report.inserted} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.rejected} rejected"
    )
    for rej in report.rejects[:SHOWN_REJECTS]:
        print(f"  {report.where(rej)}: {rej.field or '-'}: {rej.reason}", file=sys.stderr)
    if report.rejected > SHOWN_REJECTS:
        print(f"  … {report.rejected - SHOWN_REJECTS} more", file=sys.stderr)
    if report.rejected and args.rejects:
        print(f"rejected rows written to {args.rejects}", file=sys.stderr)
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    """``gridtui watch DIR``: import each work-order file that lands in DIR (the drop
    folder, :mod:`gridtui.data.intake.inbox`) until Ctrl-C; ``--once``: what is there,
    then stop."""
    from gridtui.data.intake.inbox import Inbox
    from gridtui.data.intake.inbox_files import shown_name

    log_to_stderr()  # what is left alone, and why, once each
    factory = open_sessions(args.db_url, migrate=False)
    mapping = load_import_map(args.map)
    inbox = Inbox(Path(args.dir), factory, mapping, settle=args.settle,
                  report=lambda outcome: print(outcome, flush=True))  # fmt: skip
    if args.once:
        for name in inbox.scan_until_settled():
            print(f"{shown_name(name)}: still being written (or empty): left for later",
                  file=sys.stderr)  # fmt: skip
        return 0
    where = f"{shown_name(args.dir)} (map {mapping.path}, source {mapping.source})"
    print(f"watching {where}; Ctrl-C stops", file=sys.stderr, flush=True)
    inbox.run()
    return 0


def add_import_parser(sub: Subcommands) -> None:
    """``import``."""
    imp = sub.add_parser(
        "import", help="import a work-order export: CSV/TSV (any encoding), .xlsx/.xls, JSON"
    )
    imp.add_argument("file")
    imp.add_argument("--map", required=True, help="TOML column/value map")
    imp.add_argument("--rejects", help="write rejected rows (with reasons) to this CSV")
    imp.set_defaults(func=cmd_import)


def add_watch_parser(sub: Subcommands, settings: Settings) -> None:
    """``watch``."""
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
