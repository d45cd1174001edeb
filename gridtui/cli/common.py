"""What every command shares: the error a user can fix, times given as arguments, and
the ``gridtui.*`` log on stderr."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    #: what ``add_subparsers`` returns: each command module adds its commands to it
    Subcommands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


class CliError(Exception):
    """A problem the user can fix; printed without a traceback (exit code 1)."""


def aware_time(value: str) -> datetime:
    """An ISO 8601 moment (an argument type); a naive one is read as UTC."""
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO 8601 time (e.g. 2026-11-24T08:00:00+08:00)"
        ) from exc
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The real time now, in UTC."""
    return datetime.now(UTC)


def log_to_stderr() -> None:
    """The ``gridtui.*`` logs (rules reloads, drop-folder imports) on stderr."""
    import logging

    from gridtui.api.logs import CleanRecords

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s", "%H:%M:%S"))
    handler.addFilter(CleanRecords())  # (records are cleaned when made; this is the net)
    logger = logging.getLogger("gridtui")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
