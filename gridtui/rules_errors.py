"""The rules files whose edit the source refused, as the app shows them: an error toast
(zh and en) naming each refused file and line while any is refused, a marker in the
status bar, and a note when a file is fixed."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.notifications import Notification, Notify

from gridtui.data.sources.records import ConfigProblem
from gridtui.i18n import tr
from gridtui.textual_private import unnotify

#: the error toast of a refused rules edit stays this long (or until the file is fixed)
CONFIG_TOAST_SECONDS = 3600.0


class RulesErrors:
    """The refused rules edits on show in one app."""

    def __init__(self) -> None:
        #: what the source said last
        self.problems: list[ConfigProblem] = []
        self._toast: Notification | None = None

    def show(self, app: App[Any], problems: list[ConfigProblem], lang: str) -> None:
        """Take the source's answer: a note per file fixed, a new toast when what is
        refused changed (the old one withdrawn)."""
        before = {p.name: p.message for p in self.problems}
        now = {p.name: p.message for p in problems}
        self.problems = list(problems)
        for name in sorted(before.keys() - now.keys()):
            app.notify(tr("config.fixed", lang, name=name), markup=False)
        if now != before and self._toast is not None:
            unnotify(app, self._toast)
            self._toast = None
        if problems and now != before:
            self._toast = Notification(
                "\n".join(p.message for p in problems), tr("config.refused", lang),
                "error", CONFIG_TOAST_SECONDS,
            )  # fmt: skip
            app.post_message(Notify(self._toast))

    def marker(self, lang: str) -> str:
        """`` · ⚠ rules error sla.toml:42`` while a rules edit is refused, else ``""``."""
        if not self.problems:
            return ""
        where = ", ".join(p.name + (f":{p.line}" if p.line else "") for p in self.problems)
        return f" · ⚠ {tr('config.marker', lang)} {where}"
