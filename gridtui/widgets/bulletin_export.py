"""Writing a bulletin (通报) from a screen: a thread worker, a progress bar while it
writes, a notification naming the files (or why it failed).

The writing is :func:`gridtui.bulletin.write_bulletin`'s (one file per format, the
format by the suffix); this widget only runs it off the UI thread and shows how far
it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from gridtui.data.sources.records import ASSESSMENT_LEVELS, Assessment
from gridtui.data.sources.source import DataSource
from gridtui.i18n import tr
from gridtui.labels import error_text

#: a period key as the scoring engine writes it (``2026``, ``2026-11``, ``2026-W48``)
_KEY = re.compile(r"[0-9]{4}(-W?[0-9]{2})?")
#: the formats the one-key export writes, one file each
EXPORT_FORMATS: tuple[str, ...] = ("docx", "xlsx", "md")


def bulletin_names(assessment: Assessment, level: str, lang: str) -> list[str]:
    """The files of the bulletin of ``level`` in the assessment's period, named as the
    scheduled bulletins are (checked parts only, never outside text) with the level
    added: ``bulletin-month-2026-11-street.zh.docx``."""
    period, key = assessment.period, assessment.period_key
    if period not in ("week", "month", "year") or not _KEY.fullmatch(key):
        raise ValueError(f"not a period to name a file after: {period} {key!r}")
    if level not in ASSESSMENT_LEVELS or lang not in ("zh", "en"):
        raise ValueError(f"not a level or language to name a file after: {level!r} {lang!r}")
    stem = f"bulletin-{period}-{key}-{level}.{lang}"
    return [f"{stem}.{fmt}" for fmt in EXPORT_FORMATS]


class BulletinExport(Horizontal):
    """A line with a label and a progress bar, shown while a bulletin is written."""

    DEFAULT_CSS = """
    BulletinExport { height: 1; display: none; padding: 0 1; background: $boost; }
    BulletinExport.-busy { display: block; }
    BulletinExport Static { width: auto; margin-right: 2; }
    BulletinExport ProgressBar { width: 1fr; }
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        #: the files written by the last export that succeeded, for tests
        self.written: list[Path] = []
        #: the last failure's message, and the progress shown (0..1), for tests
        self.failure = ""
        self.shown: list[float] = []
        self.busy = False
        self.lang = "zh"

    def compose(self) -> ComposeResult:
        """The label and the bar."""
        yield Static(id="export-label")
        yield ProgressBar(total=100, show_eta=False, id="export-bar")

    def start(
        self,
        source: DataSource,
        folder: Path,
        assessment: Assessment,
        at: datetime,
        levels: Sequence[str],
        lang: str,
    ) -> bool:
        """Write the bulletin of ``assessment``'s period (``levels``) into ``folder`` in
        a thread; False (and a notification) while another one is being written."""
        if self.busy:
            self.app.notify(tr("assess.export_busy", lang), timeout=3)
            return False
        self.lang = lang
        try:
            paths = [folder / name for name in bulletin_names(assessment, levels[0], lang)]
        except ValueError as exc:
            self._failed(exc)
            return False
        self.busy, self.shown = True, []
        self.query_one("#export-label", Static).update(tr("assess.exporting", lang))
        self.query_one(ProgressBar).update(progress=0)
        self.add_class("-busy")
        self.run_worker(
            lambda: self._write(source, paths, assessment, at, list(levels), lang),
            thread=True, group="export", exit_on_error=False,
        )  # fmt: skip
        return True

    def _write(
        self,
        source: DataSource,
        paths: list[Path],
        assessment: Assessment,
        at: datetime,
        levels: list[str],
        lang: str,
    ) -> None:
        """(A thread.) Every file in turn; the bar moves with each one's progress."""
        try:
            from gridtui.bulletin import write_bulletin

            written: list[Path] = []
            for i, path in enumerate(paths):
                path.parent.mkdir(parents=True, exist_ok=True)

                def progress(done: float, i: int = i) -> None:
                    share = (i + max(0.0, min(1.0, done))) / len(paths)
                    self.app.call_from_thread(self._progress, share)

                written.append(
                    write_bulletin(source, path, period=assessment.period, at=at,
                                   levels=levels, lang=lang, progress=progress)
                )  # fmt: skip
        except Exception as exc:  # shown, never raised into the app
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._done, written)

    def _progress(self, share: float) -> None:
        self.shown.append(share)
        self.query_one(ProgressBar).update(progress=round(share * 100, 1))

    def _done(self, written: list[Path]) -> None:
        self.busy = False
        self.written = written
        self.remove_class("-busy")
        files = ", ".join(str(p) for p in written)
        self.app.notify(tr("assess.exported", self.lang, files=files), timeout=8, markup=False)

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.remove_class("-busy")
        self.failure = error_text(error, self.lang)
        message = tr("assess.export_failed", self.lang, error=self.failure)
        self.app.notify(message, severity="error", timeout=8, markup=False)
