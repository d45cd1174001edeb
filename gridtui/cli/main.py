"""The ``gridtui`` command: the argument parser, assembled from the command modules of
:mod:`gridtui.cli`, and :func:`main`, which runs the chosen command and turns the
errors a user can fix into a message and an exit code.

Exit codes: 0 success, 1 a problem with the input or the data (the message says
which file, line and field), 2 a usage error (or a database that cannot be used).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from gridtui.cli.bulletin import add_bulletin_parser
from gridtui.cli.common import CliError
from gridtui.cli.db import add_db_parsers
from gridtui.cli.geo import add_geo_parser
from gridtui.cli.imports import add_import_parser, add_watch_parser
from gridtui.cli.serve import add_serve_parsers
from gridtui.cli.simulate import add_simulate_parser
from gridtui.cli.ssh import add_ssh_parsers
from gridtui.cli.stats import add_stats_parser
from gridtui.cli.tui import add_app_parsers, add_demo_parser
from gridtui.cli.web import add_web_parser
from gridtui.config import Settings


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
    # in the order `gridtui --help` lists them
    add_db_parsers(sub, settings)  # db, load, seed
    add_import_parser(sub)
    add_geo_parser(sub)  # geo load, geo place (issue 17)
    add_stats_parser(sub)
    add_bulletin_parser(sub)
    add_serve_parsers(sub, settings)  # token, sweep, serve
    add_watch_parser(sub, settings)
    add_app_parsers(sub, settings)  # tui, wall, snapshot
    add_simulate_parser(sub, settings)
    add_demo_parser(sub, settings)
    add_ssh_parsers(sub, settings)  # ssh-serve, ssh-key
    add_web_parser(sub, settings)  # web (issue 16)
    return p


def _safe(url: str) -> str:
    """``url`` with any password hidden."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable URL)"


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
