"""One browser session's app: ``python -m gridtui.web.child --role R --actor web:NAME``.

``gridtui web`` starts this once per browser connection, through textual-serve, which
sets Textual's web driver in the environment: the app talks to the browser over this
process's standard input and output. The role and the actor are the server's, read
from the token's record; the database comes from ``GRIDTUI_DB`` (never the command
line, which every user sees in ``ps``). Not a command for people."""

from __future__ import annotations

import argparse
import os
import threading
from collections.abc import Sequence

from gridtui.domain.roles import Role
from gridtui.registry import THEME_NAMES


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gridtui.web.child")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--actor", required=True)
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    p.add_argument("--theme", choices=THEME_NAMES, default="dark")
    p.add_argument("--fixtures", default=None)
    p.add_argument("--no-watch", action="store_true")
    return p


def _end_with_parent(app: object, parent: int) -> None:
    """Quit ``app`` when the server that started it is gone (killed, not stopped): its
    pipes then lead nowhere and nobody would ever end this process."""
    from textual.app import App

    assert isinstance(app, App)

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(1.0)
        try:
            app.call_from_thread(app.exit)
        except RuntimeError:  # not running (yet, or any more)
            os._exit(0)

    threading.Thread(target=watch, name="gridtui-web-parent", daemon=True).start()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the app for one browser session until the browser leaves."""
    from gridtui.app import build_app
    from gridtui.cli.sources import open_watched_source
    from gridtui.cli.tui import app_options
    from gridtui.config import Settings

    args = _parser().parse_args(argv)
    args.db_url, args.api, args.token, args.ticket = Settings().db, None, None, None
    parent = os.getppid()
    source, rules = open_watched_source(args)
    try:
        app = build_app(source, screen="overview", freeze_gc=True, **app_options(args, source))
        _end_with_parent(app, parent)
        app.run()
    finally:
        if rules is not None:
            rules.close()
        source.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
