"""Opening what a command works on: sessions on the database (database-only commands),
a :class:`~gridtui.data.sources.local.LocalSource` on it, or the API of a ``gridtui
serve`` (``--api``); and the watcher of the rules files (``--fixtures``) beside a
local source."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from gridtui.cli.common import CliError
from gridtui.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from gridtui.api.client import ApiSource
    from gridtui.data.intake.confwatch import ConfigWatcher
    from gridtui.data.sources.local import LocalSource
    from gridtui.data.sources.source import DataSource


def open_sessions(url: str, *, migrate: bool) -> sessionmaker[Session]:
    """Sessions on the database at ``url``: migrated to the newest schema first
    (``migrate``), else refused with a clear message when it has no gridtui schema."""
    from gridtui.data.storage.db import is_current, make_engine, session_factory, upgrade

    if migrate:
        upgrade(url)
    engine = make_engine(url)
    if not migrate and not is_current(engine):
        raise CliError(f"the database {url} has no gridtui schema: run `gridtui db upgrade`")
    return session_factory(engine)


def open_local(
    url: str, *, workers: int = 1, clock: Callable[[], datetime] | None = None
) -> LocalSource:
    """The database at ``url`` as a data source, with this process's share of the
    connections when ``workers`` processes serve it; ``clock``: the simulator's."""
    from gridtui.data.sources.local import LocalSource
    from gridtui.data.storage.db import PoolSettings

    open_sessions(url, migrate=False)  # a clear error when the schema is missing
    pool = PoolSettings.for_workers(workers)
    return LocalSource(url, timezone=Settings().timezone, clock=clock, pool=pool)


def open_remote(args: argparse.Namespace) -> ApiSource:
    """The API at ``--api``, with ``--token`` or the environment's ``GRIDTUI_TOKEN``."""
    from gridtui.api.client import ApiSource
    from gridtui.data.sources.source import SourceError

    token = args.token or os.environ.get("GRIDTUI_TOKEN", "")
    if not token:
        raise CliError("--api needs a token: --token T or the environment variable GRIDTUI_TOKEN")
    try:
        return ApiSource(args.api, token)
    except SourceError as exc:
        raise CliError(f"cannot use the API at {args.api}: {exc}") from exc


def open_source(args: argparse.Namespace) -> DataSource:
    """What an app shows: the API's data with ``--api``, else the database's."""
    return open_remote(args) if args.api else as_data_source(open_local(args.db_url))


def open_watched_source(args: argparse.Namespace) -> tuple[DataSource, ConfigWatcher | None]:
    """:func:`open_source`, and with a local one the watcher of its rules files (a
    remote app follows its server's rules)."""
    if args.api:
        return open_remote(args), None
    local = open_local(args.db_url)
    return as_data_source(local), watch_rules_files(args, local.factory, local)


def as_data_source(local: LocalSource) -> DataSource:
    """``local`` as the app sees it. (mypy does not take a LocalSource for a DataSource:
    its ``adjust`` also answers whether an idempotent request was replayed, a bool
    where the protocol's returns None.)"""
    return cast("DataSource", local)


def add_rules_options(p: argparse.ArgumentParser, settings: Settings) -> None:
    """``--fixtures DIR`` (whose rules files are watched) and ``--no-watch``."""
    p.add_argument(
        "--fixtures", default=str(settings.fixtures), metavar="DIR",
        help="edits of DIR/sla.toml, scoring.toml and assessment.toml apply while running "
        "(local database only; default %(default)s)",
    )  # fmt: skip
    p.add_argument("--no-watch", action="store_true", help="do not watch the rules files")


def watch_rules_files(
    args: argparse.Namespace, factory: sessionmaker[Session], local: LocalSource | None = None
) -> ConfigWatcher | None:
    """A :class:`~gridtui.data.intake.confwatch.ConfigWatcher` on ``--fixtures``, or None
    (``--no-watch``, or no such folder). Beside ``local``, its readers wake at once and
    SLA times follow its clock (the simulator's)."""
    from gridtui.data.intake.confwatch import watch_rules

    if args.no_watch:
        return None
    folder = Path(args.fixtures or Settings().fixtures)
    if local is None:
        return watch_rules(folder, factory)
    return watch_rules(folder, factory, sla_clock=local.now, on_change=local.changed.bump)
