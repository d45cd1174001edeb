"""The bulletins ``gridtui serve --bulletins DIR`` wrote: ``GET /bulletins`` lists
them, ``GET /bulletins/{name}`` downloads one.

Only names of the bulletin form (:func:`~gridtui.domain.assessment.schedule.parse_bulletin_name`:
``bulletin-month-2026-11.zh.docx``) are listed or served, and only regular files
right in DIR: no other file, no path out of DIR, no symbolic link. A server started
without ``--bulletins`` answers 404 to both.
"""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel

from gridtui.api.answers import ApiError
from gridtui.api.deps import Caller
from gridtui.api.routes import API
from gridtui.domain.assessment.schedule import BulletinName, parse_bulletin_name

router = APIRouter(prefix=API)

#: each format's media type
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class BulletinOut(BaseModel):
    """One written bulletin."""

    name: str
    period: str
    key: str
    lang: str
    format: str
    size: int
    written_at: datetime


class BulletinList(BaseModel):
    """The written bulletins, the newest first."""

    bulletins: list[BulletinOut]


def _folder(request: Request) -> FsPath:
    folder: FsPath | None = request.app.state.bulletins
    if folder is None:
        raise ApiError(404, "not_found", "this server writes no bulletins (serve --bulletins DIR)")
    return folder


def _file(folder: FsPath, name: str) -> tuple[BulletinName, os.stat_result] | None:
    """The bulletin called ``name`` in ``folder`` and its stat, if it is one."""
    parsed = parse_bulletin_name(name)
    if parsed is None:
        return None
    try:
        st = os.lstat(folder / parsed.name)
    except OSError:
        return None
    return (parsed, st) if stat.S_ISREG(st.st_mode) else None


@router.get("/bulletins")
def bulletins(who: Caller, request: Request) -> BulletinList:
    """The bulletins written so far (name, period, key, language, format, size, when)."""
    folder = _folder(request)
    try:
        names = os.listdir(folder)
    except OSError:
        names = []
    found = [f for f in (_file(folder, n) for n in names) if f is not None]
    found.sort(key=lambda f: (-f[1].st_mtime, f[0].name))
    return BulletinList(
        bulletins=[
            BulletinOut(name=b.name, period=b.period, key=b.key, lang=b.lang, format=b.format,
                        size=st.st_size, written_at=datetime.fromtimestamp(st.st_mtime, UTC))
            for b, st in found
        ]
    )  # fmt: skip


@router.get(
    "/bulletins/{name}",
    response_class=FileResponse,
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}}},
)
def bulletin(
    who: Caller, request: Request, name: Annotated[str, Path(description="the file's name")]
) -> FileResponse:
    """One bulletin's file, by its name (404: no such bulletin)."""
    folder = _folder(request)
    found = _file(folder, name)
    if found is None:
        raise ApiError(404, "not_found", "no such bulletin")
    parsed, _ = found
    return FileResponse(folder / parsed.name, media_type=MEDIA_TYPES[parsed.format],
                        filename=parsed.name)  # fmt: skip
