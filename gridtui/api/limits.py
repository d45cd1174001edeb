"""What a request may carry: the one table of limits for ``/api/v1`` and Open311.

Every text field of every route is bounded here, and the same limit holds on both
APIs (a ticket's description is 4,000 characters whether it comes from the desk's
JSON or a 311 app's form). ``docs/api.md`` lists the table.

Codes, ids, keys, cursors and query text are also checked for control characters:
they may carry none (no C0/C1 control, no DEL; PostgreSQL cannot even compare a NUL),
refused with 422 (``/api/v1``) or a GeoReport 400 (Open311), on both databases. Free
text (titles, descriptions, notes, reasons, addresses) is outside text the service
cleans before storing it (:func:`gridtui.domain.text.clean_text` drops every
control character, NUL included), so it is only bounded here.

The :data:`Code`, :data:`Line`, :data:`Text` … types carry the check and the limit
into every pydantic model and query parameter that uses them: one validation place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, Field

#: bytes of a request body; a longer one is answered 413 before it is read further
MAX_BODY = 64 * 1024
#: characters of a ticket's title
TITLE = 200
#: characters of a ticket's description (and of what Open311 lists publish of one)
DESCRIPTION = 4000
#: characters of an address
ADDRESS = 200
#: characters of an action's note and of a daily report's note
NOTE = 2000
#: characters of a spot-check adjustment's reason
REASON = 500
#: characters of a code: category, channel, grid, worker, colour, status, action, target
CODE = 64
#: characters of the queue's search text (``q``)
QUERY_TEXT = 200
#: characters of an ``Idempotency-Key``
IDEMPOTENCY_KEY = 100
#: characters of a paging cursor
CURSOR = 512
#: characters of Open311's ``address_id`` (a node's code) and ``api_key``
OPEN311_FIELD = 200

#: every limit by name, for the documentation and the tests
TABLE: dict[str, int] = {
    "request body (bytes)": MAX_BODY,
    "title": TITLE,
    "description": DESCRIPTION,
    "address": ADDRESS,
    "note": NOTE,
    "reason": REASON,
    "code": CODE,
    "q": QUERY_TEXT,
    "Idempotency-Key": IDEMPOTENCY_KEY,
    "cursor": CURSOR,
}

_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def control_problem(value: str, *, free_text: bool = False) -> str | None:
    """Why ``value`` may not be stored or searched for, or None when it may: free
    text may carry anything (it is cleaned when stored), anything else no control
    character at all."""
    if free_text:
        return None
    if _ANY_CONTROL.search(value):
        return "must not contain control characters (such as NUL)"
    return None


def _plain(value: str) -> str:
    problem = control_problem(value)
    if problem:
        raise ValueError(problem)
    return value


#: a code or id as text: no control characters, at most :data:`CODE` characters
Code = Annotated[str, Field(max_length=CODE), AfterValidator(_plain)]
#: search text: no control characters, at most :data:`QUERY_TEXT` characters
Search = Annotated[str, Field(max_length=QUERY_TEXT), AfterValidator(_plain)]
#: a cursor: no control characters, at most :data:`CURSOR` characters
CursorText = Annotated[str, Field(max_length=CURSOR), AfterValidator(_plain)]
#: an idempotency key: no control characters, at most :data:`IDEMPOTENCY_KEY`
KeyText = Annotated[str, Field(max_length=IDEMPOTENCY_KEY), AfterValidator(_plain)]
#: free text: bounded only (the service strips control characters when it stores it)
Title = Annotated[str, Field(min_length=1, max_length=TITLE)]
Description = Annotated[str, Field(max_length=DESCRIPTION)]
Address = Annotated[str, Field(max_length=ADDRESS)]
Note = Annotated[str, Field(max_length=NOTE)]
Reason = Annotated[str, Field(min_length=1, max_length=REASON)]


#: the Open311 fields a report stores or looks up: (limit, free text?)
OPEN311_FIELDS: dict[str, tuple[int, bool]] = {
    "service_code": (CODE, False),
    "description": (DESCRIPTION, True),
    "address_string": (ADDRESS, True),
    "address_id": (CODE, False),
    "api_key": (OPEN311_FIELD, False),
    "Idempotency-Key": (IDEMPOTENCY_KEY, False),
}


def field_problem(name: str, value: str) -> str | None:
    """What is wrong with Open311 field ``name`` (of :data:`OPEN311_FIELDS`), if anything."""
    limit, free_text = OPEN311_FIELDS[name]
    if len(value) > limit:
        return f"{name} is longer than {limit:,} characters"
    problem = control_problem(value, free_text=free_text)
    return f"{name} {problem}" if problem else None


def invalid_message(errors: Sequence[Any]) -> str:
    """One sentence for pydantic's errors: "note is longer than 2,000 characters; …"."""
    parts = []
    for e in errors:
        field = ".".join(str(p) for p in e["loc"] if p not in ("body", "query", "path", "header"))
        limit = (e.get("ctx") or {}).get("max_length")
        if e["type"] == "string_too_long" and isinstance(limit, int):
            parts.append(f"{field or 'request'} is longer than {limit:,} characters")
        else:
            parts.append(f"{field or 'request'}: {e['msg']}")
    return "invalid request: " + "; ".join(parts)


def clip(text: str | None, limit: int) -> str | None:
    """``text`` cut to ``limit`` characters (the last one an ellipsis) for a public list."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"
