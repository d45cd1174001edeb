"""The full-screen apps: ``gridtui tui`` (the command centre), ``gridtui wall`` (the
read-only wall display), ``gridtui snapshot`` (one screen, headless, to SVG) and
``gridtui demo`` (the command centre with the simulator beside it)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gridtui.cli.common import CliError
from gridtui.cli.simulate import simulator_speed, start_simulator, stop_child
from gridtui.cli.sources import add_rules_options, open_source, open_watched_source
from gridtui.config import Settings

if TYPE_CHECKING:
    from gridtui.cli.common import Subcommands
    from gridtui.data.sources.records import ClockSpec
    from gridtui.data.sources.source import DataSource


def app_options(args: argparse.Namespace, source: DataSource | None = None) -> dict[str, object]:
    """The app's options from the arguments; over the API the token decides the role and
    the name in the audit trail."""
    from gridtui.i18n import default_lang

    remote = getattr(args, "api", None) and source is not None
    bulletins = {"bulletins": args.bulletins} if hasattr(args, "bulletins") else {}
    return bulletins | {
        "lang": args.lang or default_lang(),
        "role": getattr(source, "role", args.role) if remote else args.role,
        "theme": args.theme,
        "actor": getattr(source, "actor", args.actor) if remote else args.actor,
        "ticket_id": args.ticket,
        # the simulated clock, when a simulator runs, from the first screen on
        "clock_spec": _clock_spec(source),
    }


def _clock_spec(source: DataSource | None) -> ClockSpec | None:
    """The simulated clock the source publishes, if any (None when it cannot tell yet)."""
    from gridtui.data.sources.source import SourceError

    if source is None:
        return None
    try:
        return source.clock_spec()
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

    source, rules = open_watched_source(args)
    try:
        _need_terminal()
        app = build_app(source, screen=args.screen, freeze_gc=True, **app_options(args, source))
        app.run()
    finally:
        if rules is not None:
            rules.close()
        source.close()
    return app.return_code or 0  # 129: the terminal went away (gridtui.hangup)


def cmd_wall(args: argparse.Namespace) -> int:
    """``gridtui wall``: the read-only wall display (rotation, big figures, alerts)."""
    from gridtui.wall.app import build_wall

    source, rules = open_watched_source(args)
    try:
        _need_terminal()
        options = app_options(args, source) | {"role": "viewer"}
        wall = build_wall(source, screens=args.screens, rotate=args.rotate, alert=args.alert,
                          freeze_gc=True, **options)  # fmt: skip
        wall.run(mouse=False)  # nothing to click on a wall, and no mouse reports to read
    finally:
        if rules is not None:
            rules.close()
        source.close()
    return wall.return_code or 0  # 129: the terminal went away (gridtui.hangup)


def cmd_snapshot(args: argparse.Namespace) -> int:
    """``gridtui snapshot``: one screen, headless, to SVG."""
    from gridtui.snapshot import snapshot

    source = open_source(args)
    try:
        svg = snapshot(source, args.screen, args.size, **app_options(args, source))
    finally:
        source.close()
    Path(args.out).write_text(svg, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """``gridtui demo``: the app on the demo city, as an officer, with the simulator
    running beside it (``--no-sim``: without)."""
    if args.no_sim or args.api:
        return cmd_tui(args)
    child = start_simulator(args)
    try:
        return cmd_tui(args)
    finally:
        stop_child(child)


def _wall_screens(value: str) -> list[str]:
    """``overview,sla`` → the wall screens to rotate through, in that order."""
    from gridtui.wall import WALL_CHOICES

    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in WALL_CHOICES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown wall screen {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"a comma-separated list of {', '.join(WALL_CHOICES)}"
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


def _source_options(p: argparse.ArgumentParser) -> None:
    """Where an app's data comes from, and its language and theme."""
    from gridtui.registry import THEME_NAMES

    p.add_argument("--db", dest="db_url", default=argparse.SUPPRESS, help="database URL")
    p.add_argument("--api", default=None, help="remote mode: the URL of a `gridtui serve`")
    p.add_argument("--token", default=None, help="API token for --api (better: env GRIDTUI_TOKEN)")
    p.add_argument("--lang", choices=["zh", "en"], default=None, help="default: LANG, else zh")
    p.add_argument("--theme", choices=THEME_NAMES, default="dark")


def _ui_options(p: argparse.ArgumentParser, *, screen_default: str | None) -> None:
    """The command centre's options: :func:`_source_options`, role, actor, screen."""
    import getpass

    from gridtui.registry import SCREEN_NAMES

    _source_options(p)
    p.add_argument("--role", choices=["viewer", "officer", "supervisor"], default="viewer")
    p.add_argument("--actor", default=f"duty:{getpass.getuser()}", help="name in the audit trail")
    p.add_argument(
        "--screen", choices=SCREEN_NAMES, default=screen_default, required=screen_default is None
    )
    p.add_argument("--ticket", type=int, default=None, help="ticket id for the ticket screen")


def _bulletins_option(p: argparse.ArgumentParser, settings: Settings) -> None:
    """Where the assessment screen's export writes (``GRIDTUI_BULLETINS``)."""
    p.add_argument(
        "--bulletins", type=Path, default=settings.bulletins, metavar="DIR",
        help="folder the assessment screen's export writes bulletins to (default %(default)s)",
    )  # fmt: skip


def _wall_options(p: argparse.ArgumentParser) -> None:
    """The wall's options: :func:`_source_options`, rotation, screens, alerts."""
    from gridtui.wall import DEFAULT_ROTATE, WALL_SCREENS

    _source_options(p)
    p.add_argument(
        "--rotate", type=_rotate, default=DEFAULT_ROTATE,
        help="seconds per screen (default %(default)g; 0: no rotation)",
    )  # fmt: skip
    p.add_argument(
        "--screens", type=_wall_screens, default=list(WALL_SCREENS),
        help=f"screens to rotate through, in order (default {','.join(WALL_SCREENS)}; "
        "map can be added)",
    )  # fmt: skip
    p.add_argument(
        "--alert", type=_wall_alert, default=["bell", "flash"],
        help="on a new red ticket or SLA breach: bell, flash, bell,flash (default) or none",
    )  # fmt: skip
    # a wall changes nothing: always a viewer, whatever the token or the flags
    p.set_defaults(role="viewer", actor="wall", ticket=None, screen=None)


def add_app_parsers(sub: Subcommands, settings: Settings) -> None:
    """``tui``, ``wall`` and ``snapshot``."""
    tui = sub.add_parser("tui", help="open the command centre")
    _ui_options(tui, screen_default="overview")
    _bulletins_option(tui, settings)
    add_rules_options(tui, settings)
    tui.set_defaults(func=cmd_tui)

    wall = sub.add_parser("wall", help="the read-only wall display: rotation, big figures, alerts")
    _wall_options(wall)
    add_rules_options(wall, settings)
    wall.set_defaults(func=cmd_wall)

    snap = sub.add_parser("snapshot", help="render a screen headless to SVG")
    _ui_options(snap, screen_default=None)
    snap.add_argument("--size", default="120x40", help="WIDTHxHEIGHT (default %(default)s)")
    snap.add_argument("--out", required=True, help="SVG file to write")
    snap.set_defaults(func=cmd_snapshot)


def add_demo_parser(sub: Subcommands, settings: Settings) -> None:
    """``demo``."""
    demo = sub.add_parser("demo", help="open the command centre on the demo city")
    _ui_options(demo, screen_default="overview")
    _bulletins_option(demo, settings)
    add_rules_options(demo, settings)
    demo.add_argument(
        "--speed",
        type=simulator_speed,
        default=60.0,
        help="the simulator's speed (default 60: a simulated hour a minute, so that a "
        "visitor sees the city move even at night)",
    )
    demo.add_argument("--no-sim", action="store_true", help="without the simulator")
    demo.set_defaults(func=cmd_demo, role="officer")
