"""What a request may carry: the one table of limits for ``/api/v1`` and Open311.

Every text field of every route is bounded here, and the same limit holds on both
APIs (a ticket's description is 4,000 characters whether it comes from the desk's
JSON or a 311 app's form). ``docs/api.md`` lists the table.

Text is also checked for control characters: codes, ids, tokens and query text may
carry none (no C0/C1 control, no DEL); free text (titles, descriptions, notes …) may
carry no NUL (PostgreSQL cannot store one), and the service strips the other
controls before it stores the text. Either is refused with 422 (``/api/v1``) or a
GeoReport 400 (Open311), on both databases.

The :data:`Code`, :data:`Line`, :data:`Text` … types carry the check and the limit
into every pydantic model and query parameter that uses them: one validation place.
"""

from __future__ import annotations

import re
from typing import Annotated

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
_NUL = "\x00"


def control_problem(value: str, *, free_text: bool = False) -> str | None:
    """Why ``value`` may not be stored or searched for, or None when it may:
    free text may carry no NUL, anything else no control character at all."""
    if free_text:
        return "must not contain NUL characters" if _NUL in value else None
    if _ANY_CONTROL.search(value):
        return "must not contain control characters (such as NUL)"
    return None


def _plain(value: str) -> str:
    problem = control_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _free(value: str) -> str:
    problem = control_problem(value, free_text=True)
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
Title = Annotated[str, Field(min_length=1, max_length=TITLE), AfterValidator(_free)]
Description = Annotated[str, Field(max_length=DESCRIPTION), AfterValidator(_free)]
Address = Annotated[str, Field(max_length=ADDRESS), AfterValidator(_free)]
Note = Annotated[str, Field(max_length=NOTE), AfterValidator(_free)]
Reason = Annotated[str, Field(min_length=1, max_length=REASON), AfterValidator(_free)]


def clip(text: str | None, limit: int) -> str | None:
    """``text`` cut to ``limit`` characters (the last one an ellipsis) for a public list."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"
