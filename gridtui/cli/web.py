"""``gridtui web``: the command centre in a browser, behind a login with the API tokens
(:mod:`gridtui.web`; docs/web.md)."""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import sys
from typing import TYPE_CHECKING

from gridtui.cli.common import CliError
from gridtui.cli.sources import add_rules_options, open_sessions
from gridtui.config import Settings, public_url_for

if TYPE_CHECKING:
    from gridtui.cli.common import Subcommands

#: the environment variable that may hold the session secret (kept across restarts)
SECRET_ENV = "GRIDTUI_WEB_SECRET"


def is_loopback(host: str) -> bool:
    """Is ``host`` reachable from this machine only?"""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def session_secret() -> bytes:
    """The secret that signs the session cookies: ``GRIDTUI_WEB_SECRET`` (then taken out
    of the environment, so that no app inherits it), else a new one (sessions then end
    when the server stops)."""
    from gridtui.web.cookies import MIN_SECRET

    given = os.environ.pop(SECRET_ENV, "")
    if not given:
        return secrets.token_bytes(32)
    if len(given.encode()) < MIN_SECRET:
        example = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        raise CliError(f"{SECRET_ENV} must be at least {MIN_SECRET} characters (e.g. `{example}`)")
    return given.encode()


def _app_args(args: argparse.Namespace) -> tuple[str, ...]:
    """What every browser's app is started with besides its role, actor and language."""
    extra = ["--theme", args.theme, "--fixtures", str(args.fixtures)]
    return (*extra, "--no-watch") if args.no_watch else tuple(extra)


def cmd_web(args: argparse.Namespace) -> int:
    """``gridtui web``: serve the app to browsers until interrupted."""
    from gridtui.web.cookies import Signer
    from gridtui.web.server import WebOptions, WebServer

    factory = open_sessions(args.db_url, migrate=False)  # a clear error without a schema
    signer = Signer(session_secret(), lifetime=args.session_hours * 3600)
    os.environ["GRIDTUI_DB"] = args.db_url  # each browser's app opens the same database
    public = args.public_url or None
    options = WebOptions(
        default_lang=args.lang or Settings().lang, app_args=_app_args(args),
        max_sessions=args.max_sessions, recheck=args.recheck,
        secure=bool(public and public.startswith("https:")),
    )  # fmt: skip
    if not is_loopback(args.host):
        print(f"gridtui web: WARNING: listening on {args.host}, reachable from other machines; "
              "tokens and screens cross the network in clear unless an HTTPS proxy is in "
              "front (docs/web.md)", file=sys.stderr)  # fmt: skip
    where = public or public_url_for(args.host, args.port)
    print(f"gridtui web: the command centre on {where} (sign in with an API token: "
          "gridtui token create)", file=sys.stderr, flush=True)  # fmt: skip
    WebServer(factory, signer, host=args.host, port=args.port, public_url=public,
              options=options).serve()  # fmt: skip
    return 0


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 < number <= 24 * 30:
        raise argparse.ArgumentTypeError("between 0 and 720 hours")
    return number


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0.5 <= number <= 3600:
        raise argparse.ArgumentTypeError("between 0.5 and 3600 seconds")
    return number


def add_web_parser(sub: Subcommands, settings: Settings) -> None:
    """``web``."""
    from gridtui.registry import THEME_NAMES

    p = sub.add_parser("web", help="serve the command centre to browsers (login with API tokens)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    p.add_argument("--port", type=int, default=8000, help="default %(default)s")
    p.add_argument("--public-url", default="",
                   help="the address browsers use, when behind a proxy (https://…)")  # fmt: skip
    p.add_argument("--lang", choices=["zh", "en"], default=None,
                   help="the login page's language (default: GRIDTUI_LANG, else zh)")  # fmt: skip
    p.add_argument("--theme", choices=THEME_NAMES, default="dark")
    p.add_argument("--max-sessions", type=int, default=20,
                   help="apps running at once (default %(default)s)")  # fmt: skip
    p.add_argument("--session-hours", type=_positive, default=12.0,
                   help="a login lasts this long (default %(default)g)")  # fmt: skip
    p.add_argument("--recheck", type=_seconds, default=10.0,
                   help="seconds between checks that a running app's token is still valid "
                   "and its session not ended (default %(default)g)")  # fmt: skip
    add_rules_options(p, settings)
    p.set_defaults(func=cmd_web)
