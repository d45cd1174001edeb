"""The parameters of GeoReport requests, parsed and checked: the query of
``GET requests``, the form of ``POST requests`` and the location it reports."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from urllib.parse import parse_qsl

from fastapi import Request

from gridtui.api import limits
from gridtui.api.open311.errors import GeoReportError, echo
from gridtui.data.sources.public import MAX_RESULTS, RequestQuery
from gridtui.domain.text import clean_text

WINDOW = timedelta(days=90)
MAX_BODY = limits.MAX_BODY
MAX_FIELDS = 100
MAX_ID = 2**63 - 1
TITLE_LENGTH = 80
# "+08:00" sent unencoded in a query string arrives as " 08:00".
_SPACED_OFFSET = re.compile(r" (\d\d(?::?\d\d)?)$")


def checked(name: str, value: str) -> str:
    """``value`` of field ``name`` when within its limit (:data:`limits.OPEN311_FIELDS`).

    Raises:
        GeoReportError: 400 saying what is wrong.
    """
    problem = limits.field_problem(name, value)
    if problem:
        raise GeoReportError(400, problem)
    return value


def service_code(value: str, name: str = "service_code") -> str:
    """A service code as sent, stripped.

    Raises:
        GeoReportError: 400 for a code over :data:`limits.CODE` characters or with
            control characters (PostgreSQL refuses NUL).
    """
    checked(name, value)
    return value.strip()


# -- GET requests ------------------------------------------------------------------------


def parse_request_query(params: Mapping[str, str], now: datetime, tz: tzinfo) -> RequestQuery:
    """The query of ``GET requests``; dates without a zone are the centre's time.

    Raises:
        GeoReportError: 400 for a malformed id, date, range or status.
    """
    ids = _ids(params.get("service_request_id", ""))
    if ids:
        return RequestQuery(ids=ids)
    try:
        start, end = _window(params, now, tz)
    except OverflowError:
        raise GeoReportError(400, "start_date or end_date is out of range") from None
    statuses = frozenset(s.strip() for s in params.get("status", "").split(",") if s.strip())
    if statuses - {"open", "closed"}:
        raise GeoReportError(400, "status must be open, closed or both (open,closed)")
    code = service_code(params.get("service_code", ""))
    return RequestQuery((), code or None, start, end, statuses)


def _window(params: Mapping[str, str], now: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """The window of requested times: at most 90 days, by default the last 90."""
    start = _when(params, "start_date", tz)
    end = _when(params, "end_date", tz)
    if start is not None and end is not None:
        if end < start:
            raise GeoReportError(400, "end_date is before start_date")
        if end - start > WINDOW:
            raise GeoReportError(400, "start_date to end_date may not span more than 90 days")
    elif start is not None:
        end = start + WINDOW
    elif end is not None:
        start = end - WINDOW
    else:
        end = now.astimezone(UTC)
        start = end - WINDOW
    return start, end


def _ids(text: str) -> tuple[int, ...]:
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isascii() or not part.isdigit() or not 1 <= int(part) <= MAX_ID:
            raise GeoReportError(400, f"service_request_id {echo(part)} is not a request id")
        out.append(int(part))
    if len(out) > MAX_RESULTS:
        raise GeoReportError(400, f"at most {MAX_RESULTS} service_request_id values at once")
    return tuple(dict.fromkeys(out))


def _when(params: Mapping[str, str], name: str, tz: tzinfo) -> datetime | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(_SPACED_OFFSET.sub(r"+\1", text))
    except ValueError:
        raise GeoReportError(400, f"{name} {echo(text)} is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


# -- POST requests -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Location:
    """Where a report says it is (at least one part is given)."""

    lat: float | None
    long: float | None
    address: str
    address_id: str


def parse_location(fields: Mapping[str, str]) -> Location:
    """The location of ``POST requests``: ``lat`` and ``long`` together, and/or
    ``address_string``, and/or ``address_id``.

    Raises:
        GeoReportError: 400 without a location, or with a bad coordinate.
    """
    lat = _coordinate(fields, "lat", 90)
    long = _coordinate(fields, "long", 180)
    if (lat is None) != (long is None):
        raise GeoReportError(400, "lat and long go together: give both or neither")
    address = clean_text(fields.get("address_string", ""), one_line=True).strip()
    address_id = clean_text(fields.get("address_id", ""), one_line=True).strip()
    if lat is None and not address and not address_id:
        raise GeoReportError(
            400, "a location is required: lat and long, address_string or address_id"
        )
    return Location(lat, long, address, address_id)


def _coordinate(fields: Mapping[str, str], name: str, limit: int) -> float | None:
    text = fields.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise GeoReportError(400, f"{name} {echo(text)} is not a number") from None
    if not math.isfinite(value) or abs(value) > limit:
        raise GeoReportError(400, f"{name} must be a WGS-84 degree within ±{limit}")
    return value


def title_of(description: str, fallback: str) -> str:
    """A ticket title: the first non-blank line of the description (cut to
    :data:`TITLE_LENGTH`), else ``fallback`` (the service's name)."""
    for line in clean_text(description).splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1] + "…"
    return fallback


async def read_form(request: Request) -> dict[str, str]:
    """The query parameters and the form-encoded body of a POST (the body wins;
    within each, a name's first value wins).

    Raises:
        GeoReportError: 400 for another content type, a body over 64 KiB or too
            many fields.
    """
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in ("", "application/x-www-form-urlencoded"):
        raise GeoReportError(400, "send the request as application/x-www-form-urlencoded")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise GeoReportError(400, f"the request body is over {MAX_BODY // 1024} KiB")
    try:
        pairs = parse_qsl(
            body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS
        )
    except ValueError:
        raise GeoReportError(400, f"more than {MAX_FIELDS} form fields") from None
    fields: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        fields.setdefault(key, value)
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    fields |= form
    for name in limits.OPEN311_FIELDS:
        checked(name, fields.get(name, ""))
    return fields
