"""Bulletins (通报): the period's figures, rankings and lists, written as Markdown, an
Excel workbook or a Word document (by the file's suffix), in zh or en.

:func:`write_bulletin` reads what it needs from any
:class:`~gridtui.data.sources.source.DataSource` (:mod:`gridtui.bulletin.build`),
lays it out (:mod:`gridtui.bulletin.compose`, :mod:`gridtui.bulletin.lists`, the
content model :mod:`gridtui.bulletin.model`) and hands it to one writer
(:mod:`gridtui.bulletin.markdown`, :mod:`gridtui.bulletin.workbook`,
:mod:`gridtui.bulletin.document`); the file appears whole or not at all
(:mod:`gridtui.bulletin.files`). ``gridtui serve --bulletins DIR`` writes them on
schedule (:mod:`gridtui.bulletin.scheduled`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from gridtui.bulletin.build import build_bulletin
from gridtui.bulletin.files import write_atomically
from gridtui.bulletin.model import Bulletin

if TYPE_CHECKING:
    from gridtui.data.sources.records import Period
    from gridtui.data.sources.source import DataSource
    from gridtui.domain.assessment.config import AssessmentConfig

__all__ = ["SUFFIXES", "Bulletin", "bulletin_format", "write_bulletin", "write_content"]

#: the suffixes a bulletin may be written to, and their formats
SUFFIXES = {".md": "md", ".xlsx": "xlsx", ".docx": "docx"}


def bulletin_format(path: Path) -> str:
    """The format of a bulletin written to ``path`` (``md``, ``xlsx``, ``docx``).

    Raises:
        ValueError: another suffix (the message names the accepted ones).
    """
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        shown = path.suffix or "no suffix"
        raise ValueError(
            f"a bulletin is written as {', '.join(SUFFIXES)} (by the file's suffix), not {shown}"
        )
    return fmt


def write_content(bulletin: Bulletin, path: Path, *, replace: bool = True) -> Path:
    """Write ``bulletin`` to ``path`` in the format its suffix names, atomically
    (:func:`~gridtui.bulletin.files.write_atomically`; ``replace`` False keeps an
    existing file).

    Raises:
        ValueError: an unknown suffix.
        OSError: the file cannot be written.
    """
    fmt = bulletin_format(path)
    if fmt == "md":
        from gridtui.bulletin.markdown import write_markdown as write
    elif fmt == "xlsx":
        from gridtui.bulletin.workbook import write_workbook as write
    else:
        from gridtui.bulletin.document import write_document as write
    return write_atomically(path, lambda tmp: write(bulletin, tmp), replace=replace)


def write_bulletin(
    source: DataSource,
    path: Path,
    *,
    period: Period,
    at: datetime,
    levels: Sequence[str] | None = None,
    lang: str = "zh",
    progress: Callable[[float], None] | None = None,
    config: AssessmentConfig | None = None,
    issued: datetime | None = None,
) -> Path:
    """Write the bulletin of the period containing ``at`` to ``path`` (``.md``,
    ``.xlsx`` or ``.docx``) and return ``path``.

    ``levels``: the ranking sections, of street, community, grid, worker, department
    (default: ``[schedule] levels`` of ``config``); ``config``: the assessment rules
    (default: :data:`~gridtui.domain.assessment.config.DEFAULT_ASSESSMENT`);
    ``issued``: the date under the issuer (default: none); ``progress(0..1)`` is
    told how far it is.

    Raises:
        ValueError: an unknown suffix, period, level or language.
        SourceError: the source could not answer.
        OSError: the file cannot be written.
    """
    bulletin_format(path)  # refuse a bad suffix before reading anything
    content = build_bulletin(source, period=period, at=at, levels=levels, lang=lang,
                             config=config, issued=issued, progress=progress,
                             share=0.8)  # fmt: skip
    write_content(content, path)
    if progress is not None:
        progress(1.0)
    return path
