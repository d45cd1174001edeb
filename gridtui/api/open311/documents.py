"""Open311 GeoReport v2 over the centre's tickets (mounted at ``/open311/v2``).

Existing 311 apps and tools read the catalogue and the tickets and file new reports:

- ``GET discovery.{fmt}``: the endpoint, its specification and its formats;
- ``GET services.{fmt}``: one service per ticket category;
- ``GET services/{code}.{fmt}``: the service definition (no extra attributes);
- ``GET requests.{fmt}``: tickets by a list of ids, or by category, time window and
  status (by default the last 90 days), newest first, at most 1,000;
- ``GET requests/{id}.{fmt}``: one ticket;
- ``POST requests.{fmt}``: a new ticket, form-encoded, with an ``api_key`` that is a
  gridtui token whose role may open tickets.

``fmt`` is ``json`` or ``xml``; both carry the same content. GETs are public, as the
specification says; they show what a citizen may see of a ticket (no reporter, worker
or contact details; for matters about persons — disputes, counselling, visits … — no
description, address or coordinates either: the category's ``personal`` flag, from
``categories.csv``). Errors are
GeoReport errors (``[{"code", "description"}]`` or ``<errors><error>…``) with HTTP
400, 403 or 404 (405 for a wrong method, 503 when the database is away); the path's
suffix picks their format. See ``docs/open311.md``.
"""

from __future__ import annotations

import asyncio
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import case, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridtui.api import limits
from gridtui.api.busy import retry_after
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.records import NodeRef
from gridtui.data.sources.source import ActionRefused, SourceUnavailable
from gridtui.data.sources.tokens import TokenCache, TokenInfo
from gridtui.data.storage.models import Category, Department, Node, Ticket
from gridtui.data.writes.service import NewTicket
from gridtui.domain.callback import Satisfaction
from gridtui.domain.channels import Channel
from gridtui.domain.intake import DUPLICATE_WINDOW, content_key
from gridtui.domain.lifecycle import OPEN_STATUSES, TERMINAL
from gridtui.domain.roles import OPEN_TICKET, PermissionDenied, check
from gridtui.domain.text import clean_text
from gridtui.i18n import status_label

if TYPE_CHECKING:
    from sqlalchemy import Row, Select

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: when the discovery document last changed
CHANGESET = "2026-11-24T00:00:00+00:00"
FORMATS = ("json", "xml")
MEDIA_TYPES = ["text/xml", "application/json"]
MAX_DESCRIPTION = limits.DESCRIPTION
KEY_SERVICE = "ask the centre for a token: gridtui token create --name APP --role officer"
MAX_RESULTS = 1000
WINDOW = timedelta(days=90)
MAX_BODY = limits.MAX_BODY
MAX_FIELDS = 100
MAX_ID = 2**63 - 1
#: the channel of every ticket filed through Open311 (311 apps are citizen apps)
CHANNEL = Channel.CITIZEN_APP
#: the prefix of the reporter recorded on the ticket's timeline
REPORTER_PREFIX = "open311:"
TITLE_LENGTH = 80
#: the element name of a list's items, by the list's element name (XML)
ITEM_TAGS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
_DEPTH = {"city": 0, "district": 1, "street": 2, "community": 3, "grid": 4}
_OPEN = [s.value for s in OPEN_STATUSES]
_CLOSED = [s.value for s in TERMINAL]
# Characters XML 1.0 forbids even escaped (stored text is already clean; echoes may not be).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# "+08:00" sent unencoded in a query string arrives as " 08:00".
_SPACED_OFFSET = re.compile(r" (\d\d(?::?\d\d)?)$")

Document = dict[str, Any] | list[dict[str, Any]]
if TYPE_CHECKING:
    #: a result row of any columns
    AnyRow = Row[*tuple[Any, ...]]


class GeoReportError(Exception):
    """A request GeoReport answers with an error: HTTP status and a description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# -- rendering -------------------------------------------------------------------------


def xml_document(root: str, item: str, doc: Document) -> bytes:
    """``doc`` as XML: a list becomes ``<root><item>…</item>…</root>``, a mapping
    ``<root><key>…</key>…</root>``; nested lists take their items' names from
    :data:`ITEM_TAGS`. None is an empty element, booleans are ``true``/``false``."""
    top = ET.Element(root)
    if isinstance(doc, list):
        for entry in doc:
            _fill(ET.SubElement(top, item), entry)
    else:
        _fill(top, doc)
    body: bytes = ET.tostring(top, encoding="utf-8", xml_declaration=True)
    return body


def _fill(element: ET.Element, value: object) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list):
        tag = ITEM_TAGS[element.tag]
        for inner in value:
            _fill(ET.SubElement(element, tag), inner)
    else:
        element.text = _xml_text(value)


def _xml_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _NOT_XML.sub("", str(value))


def render(
    fmt: str,
    doc: Document,
    root: str,
    item: str = "",
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """``doc`` as JSON or as XML under ``root`` (list items named ``item``)."""
    if fmt == "xml":
        body = xml_document(root, item, doc)
        return Response(body, status_code=status, media_type="text/xml", headers=headers)
    return JSONResponse(doc, status_code=status, headers=headers)


def error_response(
    fmt: str, status: int, description: str, headers: Mapping[str, str] | None = None
) -> Response:
    """A GeoReport error document."""
    doc = [{"code": status, "description": description}]
    return render(fmt, doc, "errors", "error", status=status, headers=headers)


def format_of_path(path: str) -> str:
    """The response format a path asks for: ``xml`` for ``….xml``, else ``json``."""
    return "xml" if path.endswith(".xml") else "json"


def checked_format(fmt: str) -> str:
    """``fmt`` when it is one GeoReport serves.

    Raises:
        GeoReportError: 404 for any other suffix.
    """
    if fmt not in FORMATS:
        raise GeoReportError(404, f"unknown format {_echo(fmt)}: use .json or .xml")
    return fmt


def _echo(value: str, limit: int = 64) -> str:
    """Outside text quoted in a message: cleaned, on one line, cut to ``limit``."""
    text = clean_text(value, one_line=True)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _code(value: str, name: str = "service_code") -> str:
    """A service code as sent, stripped.

    Raises:
        GeoReportError: 400 for a code over :data:`limits.CODE` characters or with
            control characters (PostgreSQL refuses NUL).
    """
    checked(name, value)
    return value.strip()


def checked(name: str, value: str) -> str:
    """``value`` of field ``name`` when within its limit (:data:`limits.OPEN311_FIELDS`).

    Raises:
        GeoReportError: 400 saying what is wrong.
    """
    problem = limits.field_problem(name, value)
    if problem:
        raise GeoReportError(400, problem)
    return value


def _iso(at: datetime | None, tz: tzinfo) -> str | None:
    return None if at is None else at.astimezone(tz).isoformat(timespec="seconds")


# -- request parameters ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestQuery:
    """What ``GET requests`` asks for; ``ids``, when given, overrides the rest."""

    ids: tuple[int, ...] = ()
    service_code: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    statuses: frozenset[str] = frozenset()


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
    code = _code(params.get("service_code", ""))
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
            raise GeoReportError(400, f"service_request_id {_echo(part)} is not a request id")
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
        raise GeoReportError(400, f"{name} {_echo(text)} is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


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
        raise GeoReportError(400, f"{name} {_echo(text)} is not a number") from None
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


# -- places: a report's grid -------------------------------------------------------------


class Places:
    """Finds the grid that takes a report.

    Nodes have no coordinates, so ``lat``/``long`` cannot place a report. In order:
    ``address_id`` naming a node's code; else the most specific node whose code or
    name (Chinese or English) occurs in ``address_string``; else the default intake
    grid. A node above grid level hands the report to its first grid by code
    (dedicated grids last); the default intake grid is the city's first such grid.
    """

    def __init__(self, source: LocalSource) -> None:
        self.source = source
        self._indexed: tuple[int, dict[str, NodeRef], list[tuple[str, NodeRef]]] | None = None

    def grid_for(self, where: Location) -> str:
        """The code of the grid that takes a report at ``where``.

        Raises:
            GeoReportError: 400 when ``address_id`` alone names no node, or the
                centre has no grid.
        """
        node: NodeRef | None = None
        if where.address_id:
            node = self._codes().get(where.address_id.casefold())
            if node is None and where.lat is None and not where.address:
                raise GeoReportError(
                    400, f"address_id {_echo(where.address_id)} names no grid or area"
                )
        if node is None and where.address:
            node = self.in_text(where.address)
        return self._first_grid(node)

    def in_text(self, text: str) -> NodeRef | None:
        """The most specific node named in ``text``: the deepest level, then the longest
        name, then the lowest code. A name found only inside a longer name found
        (``Wanghu`` in ``Wanghu District``) does not count on its own."""
        low = text.casefold()
        hits = [(needle, node) for needle, node in self._needles() if _occurs(low, needle)]
        names = {needle for needle, _ in hits}
        ranked = [
            (-_DEPTH.get(node.level, 0), -len(needle), node.code, node)
            for needle, node in hits
            if not _only_inside(low, needle, [m for m in names if needle in m and m != needle])
        ]
        return min(ranked, key=lambda r: r[:3])[3] if ranked else None

    def _first_grid(self, node: NodeRef | None) -> str:
        if node is not None and node.level == "grid":
            return node.code
        stmt = select(Node.code).where(Node.level == "grid")
        column = {
            "district": Node.district_id,
            "street": Node.street_id,
            "community": Node.community_id,
        }.get(node.level if node else "")
        ordered = (case((Node.kind == "dedicated", 1), else_=0), Node.code)
        with self.source.factory() as s:
            code = None
            if column is not None and node is not None:
                code = s.scalar(stmt.where(column == node.id).order_by(*ordered).limit(1))
            code = code or s.scalar(stmt.order_by(*ordered).limit(1))
        if code is None:
            raise GeoReportError(400, "the centre has no grid to take reports")
        return code

    def _index(self) -> tuple[dict[str, NodeRef], list[tuple[str, NodeRef]]]:
        ref = self.source.reference()
        if self._indexed is None or self._indexed[0] != id(ref):
            codes = {n.code.casefold(): n for n in ref.nodes.values()}
            needles = [
                (needle, n)
                for n in ref.nodes.values()
                for needle in {n.code.casefold(), n.name.casefold(), n.name_en.casefold()}
                if len(needle) >= 2
            ]
            self._indexed = (id(ref), codes, needles)
        return self._indexed[1], self._indexed[2]

    def _codes(self) -> dict[str, NodeRef]:
        return self._index()[0]

    def _needles(self) -> list[tuple[str, NodeRef]]:
        return self._index()[1]


def _occurs(text: str, needle: str) -> bool:
    """``needle`` occurs in ``text`` (both casefolded); an ASCII needle as a whole word,
    with no ASCII letter or digit either side, so that the code ``LC`` does not match
    inside ``Walcott`` (Chinese has no word boundaries: a substring is enough)."""
    if needle not in text:
        return False
    if not needle.isascii():
        return True
    pattern = r"(?<![0-9a-z])" + re.escape(needle) + r"(?![0-9a-z])"
    return re.search(pattern, text) is not None


def _only_inside(text: str, needle: str, longer: list[str]) -> bool:
    """Every occurrence of ``needle`` in ``text`` lies inside one of ``longer``."""
    for name in sorted(longer, key=len, reverse=True):
        text = text.replace(name, "\0" * len(name))
    return not _occurs(text, needle)


# -- the documents -----------------------------------------------------------------------

_REQUEST_COLUMNS = (
    Ticket.id, Ticket.status, Ticket.category, Ticket.title, Ticket.description,
    Ticket.department_id, Ticket.grid_id, Ticket.merged_into, Ticket.opened_at,
    Ticket.updated_at, Ticket.due_at, Ticket.address, Ticket.lat, Ticket.lon,
    Ticket.satisfaction,
)  # fmt: skip


def request_statement(query: RequestQuery) -> Select[*tuple[Any, ...]]:
    """The SELECT of ``GET requests``: by primary key for ids, else a range of the
    ``ix_tickets_opened`` index read backwards (newest first) and cut at
    :data:`MAX_RESULTS` rows, so its cost does not grow with the table."""
    stmt = select(*_REQUEST_COLUMNS)
    if query.ids:
        stmt = stmt.where(Ticket.id.in_(query.ids))
    else:
        if query.start is not None:
            stmt = stmt.where(Ticket.opened_at >= query.start)
        if query.end is not None:
            stmt = stmt.where(Ticket.opened_at <= query.end)
        if query.service_code:
            stmt = stmt.where(Ticket.category == query.service_code)
        if query.statuses == {"open"}:
            # open tickets have no closed_at: the partial index over them applies
            stmt = stmt.where(Ticket.closed_at.is_(None), Ticket.status.in_(_OPEN))
        elif query.statuses == {"closed"}:
            stmt = stmt.where(Ticket.status.in_(_CLOSED))
    return stmt.order_by(Ticket.opened_at.desc(), Ticket.id.desc()).limit(MAX_RESULTS)


WITHHELD = "个人事项，详情不公开 / a personal matter: details withheld"


@dataclass(frozen=True, slots=True)
class _Names:
    """Names of what a page of tickets refers to."""

    categories: dict[str, str]
    personal: dict[str, bool]
    departments: dict[int, str]
    grids: dict[int, str]

    def public(self, category: str) -> bool:
        """Whether a public GET may show the description, address and coordinates of a
        ticket in ``category``: only when the catalogue says it is not about persons
        (a category it does not know is withheld)."""
        return self.personal.get(category) is False


class GeoReport:
    """The GeoReport documents over a data source (each call one short session)."""

    def __init__(
        self, source: LocalSource, now: Callable[[], datetime], tokens: TokenCache
    ) -> None:
        self.source = source
        self.now = now
        self.tokens = tokens
        self.tz: tzinfo = source.tz
        self.places = Places(source)

    def discovery(self, url: str) -> dict[str, Any]:
        """The discovery document of the endpoint at ``url``."""
        return {
            "changeset": CHANGESET,
            "contact": "the command centre's duty desk (指挥中心值班室)",
            "key_service": KEY_SERVICE,
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": url,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": list(MEDIA_TYPES),
                }
            ],
        }

    def services(self) -> list[dict[str, Any]]:
        """Every category as a service, by code."""
        with self.source.factory() as s:
            rows = s.execute(
                select(Category.code, Category.name, Category.name_en, Category.function).order_by(
                    Category.code
                )
            ).all()
        return [
            {
                "service_code": r.code,
                "service_name": r.name,
                "description": r.name_en or None,
                "metadata": False,
                "type": "realtime",
                "keywords": ",".join(dict.fromkeys([r.function, *r.code.split(".")])),
                "group": r.function,
            }
            for r in rows
        ]

    def definition(self, code: str) -> dict[str, Any]:
        """The service definition of ``code`` (no attributes beyond the standard ones).

        Raises:
            GeoReportError: 404 for an unknown service.
        """
        with self.source.factory() as s:
            if s.get(Category, code) is None:
                raise GeoReportError(404, f"no service {_echo(code)}")
        return {"service_code": code, "attributes": []}

    def requests(self, query: RequestQuery) -> list[dict[str, Any]]:
        """The tickets ``query`` selects, newest first, at most :data:`MAX_RESULTS`."""
        with self.source.factory() as s:
            rows = s.execute(request_statement(query)).all()
            names = self._names(s, rows)
        return [self._request(r, names) for r in rows]

    def request(self, ticket_id: int) -> list[dict[str, Any]]:
        """One ticket as a one-item list.

        Raises:
            GeoReportError: 404 for an unknown id.
        """
        found = self.requests(RequestQuery(ids=(ticket_id,)))
        if not found:
            raise GeoReportError(404, f"no service request {ticket_id}")
        return found

    def _names(self, s: Session, rows: Sequence[AnyRow]) -> _Names:
        return _Names(
            categories=_lookup(s, Category.code, Category.name, {r.category for r in rows}),
            personal=_lookup(s, Category.code, Category.personal, {r.category for r in rows}),
            departments=_lookup(s, Department.id, Department.name, {r.department_id for r in rows}),
            grids=_lookup(s, Node.id, Node.code, {r.grid_id for r in rows}),
        )

    def _request(self, r: AnyRow, names: _Names) -> dict[str, Any]:
        notes = f"{status_label(r.status, 'zh')} / {status_label(r.status, 'en')}"
        if r.merged_into is not None:
            notes += f" → {r.merged_into}"
        if r.satisfaction:  # the resident's callback (回访), in GeoReport's own field
            result = Satisfaction(r.satisfaction)
            notes += f"; 回访 {result.label('zh')} / callback: {result.label('en').lower()}"
        public = names.public(r.category)
        return {
            "service_request_id": str(r.id),
            "status": "closed" if r.status in _CLOSED else "open",
            "status_notes": notes,
            "service_name": names.categories.get(r.category),
            "service_code": r.category,
            # cut to the intake limit: no stored text makes a public list huge
            "description": limits.clip(r.description or r.title or None, MAX_DESCRIPTION)
            if public
            else None,
            "agency_responsible": names.departments.get(r.department_id),
            "service_notice": None if public else WITHHELD,
            "requested_datetime": _iso(r.opened_at, self.tz),
            "updated_datetime": _iso(r.updated_at, self.tz),
            "expected_datetime": _iso(r.due_at, self.tz),
            "address": limits.clip(r.address or None, limits.ADDRESS) if public else None,
            "address_id": names.grids.get(r.grid_id),
            "zipcode": None,
            "lat": r.lat if public else None,
            "long": r.lon if public else None,
            "media_url": None,
        }

    # -- intake ----------------------------------------------------------------------

    def caller(self, api_key: str) -> TokenInfo:
        """The holder of ``api_key`` when it may open tickets.

        Raises:
            GeoReportError: 403 for a missing, unknown or revoked key, or a role that
                may not open tickets.
        """
        who = self.tokens.verify(api_key.strip()) if api_key.strip() else None
        if who is None:
            raise GeoReportError(403, "api_key is missing, unknown or revoked")
        try:
            check(who.role, OPEN_TICKET)
        except PermissionDenied as exc:
            raise GeoReportError(403, f"api_key {_echo(who.name)}: {exc}") from None
        return who

    def create(
        self, fields: Mapping[str, str], key: str | None = None
    ) -> tuple[list[dict[str, Any]], bool]:
        """File the report in ``fields`` as a new ticket (``POST requests``); with an
        idempotency ``key``, at most once per (token, key). Returns the answer and
        whether it is the first answer to the key replayed.

        Raises:
            GeoReportError: 403 for the key (see :meth:`caller`); 400 for an unknown
                service, no location, a description over 4,000 characters, or a
                report the ticket service refuses.
        """
        who = self.caller(fields.get("api_key", ""))
        code = _code(fields.get("service_code", ""))
        if not code:
            raise GeoReportError(400, "service_code is required")
        with self.source.factory() as s:
            service_name = s.scalar(select(Category.name).where(Category.code == code))
        if service_name is None:
            raise GeoReportError(400, f"unknown service_code {_echo(code)}: see services")
        description = checked("description", fields.get("description", ""))
        where = parse_location(fields)
        new = NewTicket(
            title=title_of(description, service_name),
            category=code,
            channel=CHANNEL.value,
            grid=self.places.grid_for(where),
            reporter=REPORTER_PREFIX + who.name,
            description=description,
            address=where.address or _coordinates(where),
            lat=where.lat,
            lon=where.long,
            source="open311",
        )
        client_key = checked("Idempotency-Key", key) if key else None
        try:
            if client_key:
                result = self.source.open_ticket(new, role=who.role, idempotency_key=client_key)
            else:
                # no key from the client: the content is the key, so that a retry after
                # a timeout answers with the ticket the first try opened
                result = self.source.open_ticket(
                    new, role=who.role, idempotency_key=content_key(fields),
                    window=DUPLICATE_WINDOW,
                )  # fmt: skip
        except ActionRefused as exc:  # a reused key too
            raise GeoReportError(400, str(exc)) from exc
        with self.source.factory() as s:
            due_at = s.scalar(select(Ticket.due_at).where(Ticket.id == result.ticket_id))
        answer = {
            "service_request_id": str(result.ticket_id),
            "service_notice": _notice(_iso(due_at, self.tz)),
        }
        return [answer], result.replayed


def _lookup(s: Session, key: Any, value: Any, wanted: set[Any]) -> dict[Any, Any]:
    """``key → value`` for the ``wanted`` keys (None left out), in one query."""
    wanted.discard(None)
    if not wanted:
        return {}
    return {k: v for k, v in s.execute(select(key, value).where(key.in_(wanted)))}


def _coordinates(where: Location) -> str:
    """The coordinates as the ticket's address text, when no address was given."""
    if where.lat is None or where.long is None:
        return ""
    return f"{where.lat:.6f}, {where.long:.6f}"


def _notice(expected: str | None) -> str:
    if expected is None:
        return "已受理 / received"
    return f"已受理，预计 {expected} 前办结 / received; expected by {expected}"


# -- the application ---------------------------------------------------------------------


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GeoReportError)
    async def _georeport(request: Request, exc: GeoReportError) -> Response:
        return error_response(format_of_path(request.url.path), exc.status, exc.description)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}"
            for e in exc.errors()
        )
        return error_response(format_of_path(request.url.path), 400, problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        fmt = format_of_path(request.url.path)
        detail = str(exc.detail)
        if exc.status_code == 404:
            path = request.url.path.removesuffix(f".{fmt}")
            detail = f"no resource at {_echo(path)}: see discovery.json"
        return error_response(fmt, exc.status_code, detail, exc.headers)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(SourceUnavailable)
    async def _unavailable(request: Request, exc: Exception) -> Response:
        fmt = format_of_path(request.url.path)
        wait = retry_after(exc)
        return error_response(
            fmt, 503, f"the centre's database is busy or unavailable; try again in {wait} s",
            {"Retry-After": str(wait)},
        )  # fmt: skip


def create_open311_app(
    source: LocalSource,
    now: Callable[[], datetime],
    tokens: TokenCache | None = None,
    *,
    public_url: str,
) -> FastAPI:
    """The GeoReport v2 sub-application (its own error format); discovery names the
    endpoint under ``public_url`` (configured, never the request's Host header)."""
    app = FastAPI(title="gridtui Open311 GeoReport v2", openapi_url=None, docs_url=None)
    geo = GeoReport(source, now, tokens or TokenCache(source.side_factory))
    endpoint = public_url.rstrip("/") + "/open311/v2"
    _install_error_handlers(app)

    @app.get("/discovery.{fmt}")
    def discovery(fmt: str) -> Response:
        """Where the endpoint is and what it speaks."""
        return render(checked_format(fmt), geo.discovery(endpoint), "discovery")

    @app.get("/services.{fmt}")
    def services(fmt: str) -> Response:
        """The service list: one per category."""
        fmt = checked_format(fmt)
        return render(fmt, geo.services(), "services", "service")

    @app.get("/services/{service_code}.{fmt}")
    def service_definition(service_code: str, fmt: str) -> Response:
        """A service's definition."""
        fmt = checked_format(fmt)
        return render(fmt, geo.definition(_code(service_code)), "service_definition")

    # One route for both methods, so that any other method gets 405 with Allow: GET, POST.
    @app.api_route("/requests.{fmt}", methods=["GET", "POST"])
    async def requests(request: Request, fmt: str) -> Response:
        """GET: service requests by ids, or by service, dates and status.
        POST: a new service request (form-encoded; ``api_key`` required)."""
        fmt = checked_format(fmt)
        if request.method == "POST":
            fields = await read_form(request)
            key = request.headers.get("idempotency-key")
            found, replayed = await asyncio.to_thread(geo.create, fields, key)
            if replayed:
                return render(fmt, found, "service_requests", "request",
                              headers={"Idempotent-Replayed": "true"})  # fmt: skip
        else:
            query = parse_request_query(request.query_params, now(), geo.tz)
            found = await asyncio.to_thread(geo.requests, query)
        return render(fmt, found, "service_requests", "request")

    @app.get("/requests/{service_request_id}.{fmt}")
    def one_request(
        service_request_id: Annotated[int, Path(ge=1, le=MAX_ID)], fmt: str
    ) -> Response:
        """One service request."""
        fmt = checked_format(fmt)
        return render(fmt, geo.request(service_request_id), "service_requests", "request")

    return app
