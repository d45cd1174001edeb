"""Paging cursors over HTTP: the queue's sort key, opaque and strictly parsed.

A cursor is URL-safe base64 of a JSON list: the segment number of the sort order,
then the row's values of that segment's columns (times as ``{"t": ISO 8601}``).
:func:`decode_cursor` accepts only what :func:`encode_cursor` makes for the same sort
order: the right segment range, the right number of values, an id where an id goes
and a time with a zone where a time goes. Anything else is a 400 ``bad_cursor``,
never a database error.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from gridtui.data.reads.queue import segments
from gridtui.data.sources.records import Cursor, QueueQuery

#: ids are 64-bit in the database
MAX_ID = 2**63 - 1


class BadCursor(ValueError):
    """Text that is not a cursor this server made for this sort order."""


def encode_cursor(cursor: Cursor | None) -> str | None:
    """An opaque, URL-safe form of a queue cursor."""
    if cursor is None:
        return None
    values = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in cursor.key]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(text: str, query: QueueQuery) -> Cursor:
    """The cursor :func:`encode_cursor` made for a page of ``query``'s sort order.

    Raises:
        BadCursor: anything else (the message says what is wrong).
    """
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        raise BadCursor("it is not base64 of JSON") from None
    if not isinstance(raw, list) or not raw:
        raise BadCursor("it is not a list of sort values")
    segs = segments(query)
    seg_no = raw[0]
    if not _is_int(seg_no) or not 0 <= seg_no < len(segs):
        raise BadCursor(f"it does not name a part of the {query.sort} order")
    cols = segs[seg_no].cols
    if len(raw) != 1 + len(cols):
        raise BadCursor(f"it has {len(raw) - 1} sort values where {len(cols)} belong")
    values: list[object] = [seg_no]
    for col, value in zip(cols, raw[1:], strict=True):
        values.append(_value(col.key, value))
    return Cursor(tuple(values))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _value(name: str, value: Any) -> object:
    if name == "id":
        if not _is_int(value) or not 1 <= value <= MAX_ID:
            raise BadCursor("its ticket id is not an id")
        return value
    if not isinstance(value, dict) or set(value) != {"t"} or not isinstance(value["t"], str):
        raise BadCursor(f"its {name} is not a time")
    try:
        at = datetime.fromisoformat(value["t"])
    except ValueError:
        raise BadCursor(f"its {name} is not a time") from None
    if at.utcoffset() is None:
        raise BadCursor(f"its {name} has no time zone")
    try:
        return at.astimezone(UTC)
    except OverflowError:
        raise BadCursor(f"its {name} is out of range") from None
