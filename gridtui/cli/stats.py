"""``gridtui stats``: the KPIs as of a moment, as a table or JSON."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from gridtui.cli.common import aware_time, utcnow
from gridtui.cli.sources import open_sessions

if TYPE_CHECKING:
    from gridtui.cli.common import Subcommands


def cmd_stats(args: argparse.Namespace) -> int:
    """``gridtui stats [--json] [--at ISO]``."""
    from gridtui.data.reads.stats import compute_stats

    factory = open_sessions(args.db_url, migrate=False)
    with factory() as session:
        stats = compute_stats(session, args.at or utcnow())
    data = stats.as_json()
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for key, value in data.items():
            print(f"{key:22} {value}")
    return 0


def add_stats_parser(sub: Subcommands) -> None:
    """``stats``."""
    st = sub.add_parser("stats", help="KPIs as of a moment")
    st.add_argument("--json", action="store_true")
    st.add_argument("--at", type=aware_time, default=None, help="ISO 8601 moment (default now)")
    st.set_defaults(func=cmd_stats)
