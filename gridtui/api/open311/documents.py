"""The GeoReport documents over a data source (:class:`GeoReport`): discovery, the
service list and definitions, service requests, and filing a new one.

A public GET shows what a citizen may see of a ticket: no reporter, worker or
contact details; for matters about persons (disputes, counselling, visits …, the
category's ``personal`` flag) no description, address or coordinates either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any

from gridtui.api import limits
from gridtui.api.hosted import HostedSource
from gridtui.api.open311.errors import GeoReportError, echo
from gridtui.api.open311.places import Places
from gridtui.api.open311.query import (
    Location,
    checked,
    parse_location,
    service_code,
    title_of,
)
from gridtui.data.sources.public import PublicTicket, RequestQuery, ServiceEntry
from gridtui.data.sources.records import NewTicket
from gridtui.data.sources.source import ActionRefused
from gridtui.data.sources.tokens import TokenCache, TokenInfo
from gridtui.domain.callback import Satisfaction
from gridtui.domain.channels import Channel
from gridtui.domain.intake import DUPLICATE_WINDOW, content_key
from gridtui.domain.lifecycle import TERMINAL, Status
from gridtui.domain.roles import OPEN_TICKET, PermissionDenied, check

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: when the discovery document last changed
CHANGESET = "2026-12-06T00:00:00+00:00"
MEDIA_TYPES = ["text/xml", "application/json"]
MAX_DESCRIPTION = limits.DESCRIPTION
KEY_SERVICE = "ask the centre for a token: gridtui token create --name APP --role officer"
#: the channel of every ticket filed through Open311 (311 apps are citizen apps)
CHANNEL = Channel.CITIZEN_APP
#: the prefix of the reporter recorded on the ticket's timeline
REPORTER_PREFIX = "open311:"
WITHHELD = "个人事项，详情不公开 / a personal matter: details withheld"
_CLOSED = [s.value for s in TERMINAL]


class GeoReport:
    """The GeoReport documents over a data source (each call one short read)."""

    def __init__(
        self, source: HostedSource, now: Callable[[], datetime], tokens: TokenCache
    ) -> None:
        self.source = source
        self.now = now
        self.tokens = tokens
        self.tz: tzinfo = source.tz
        self.places = Places(source)

    def discovery(self, production: str, test: str) -> dict[str, Any]:
        """The discovery document: the ``production`` endpoint and the ``test`` one
        (the sandbox), each in both formats, as published discovery documents list
        them (a generic XML reader sees a list of endpoints, a list of formats)."""
        return {
            "changeset": CHANGESET,
            "contact": "the command centre's duty desk (指挥中心值班室)",
            "key_service": KEY_SERVICE,
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": url,
                    "changeset": CHANGESET,
                    "type": kind,
                    "formats": list(MEDIA_TYPES),
                }
                for kind, url in (("production", production), ("test", test))
            ],
        }

    def services(self) -> list[dict[str, Any]]:
        """Every category as a service, by code."""
        return [
            {
                "service_code": e.code,
                "service_name": e.name,
                "description": e.name_en or None,
                "metadata": False,
                "type": "realtime",
                "keywords": ",".join(dict.fromkeys([e.function, *e.code.split(".")])),
                "group": e.function,
            }
            for e in self.source.service_catalogue()
        ]

    def _service(self, code: str) -> ServiceEntry | None:
        return next((e for e in self.source.service_catalogue() if e.code == code), None)

    def definition(self, code: str) -> dict[str, Any]:
        """The service definition of ``code`` (no attributes beyond the standard ones).

        Raises:
            GeoReportError: 404 for an unknown service.
        """
        if self._service(code) is None:
            raise GeoReportError(404, f"no service {echo(code)}")
        return {"service_code": code, "attributes": []}

    def requests(self, query: RequestQuery) -> list[dict[str, Any]]:
        """The tickets ``query`` selects, newest first, at most
        :data:`~gridtui.data.sources.public.MAX_RESULTS`."""
        return [self._request(t) for t in self._tickets(query)]

    def request(self, ticket_id: int) -> list[dict[str, Any]]:
        """One ticket as a one-item list.

        Raises:
            GeoReportError: 404 for an unknown id.
        """
        found = self.requests(RequestQuery(ids=(ticket_id,)))
        if not found:
            raise GeoReportError(404, f"no service request {ticket_id}")
        return found

    def _request(self, t: PublicTicket) -> dict[str, Any]:
        # shown only when the catalogue says the category is not about persons (a
        # category it does not know is withheld)
        public = t.personal is False
        return {
            "service_request_id": str(t.id),
            "status": "closed" if t.status in _CLOSED else "open",
            "status_notes": _status_notes(t),
            "service_name": t.service_name,
            "service_code": t.category,
            # cut to the intake limit: no stored text makes a public list huge
            "description": limits.clip(t.description or t.title or None, MAX_DESCRIPTION)
            if public
            else None,
            "agency_responsible": t.department,
            "service_notice": None if public else WITHHELD,
            "requested_datetime": _iso(t.opened_at, self.tz),
            "updated_datetime": _iso(t.updated_at, self.tz),
            "expected_datetime": _iso(t.due_at, self.tz),
            "address": limits.clip(t.address or None, limits.ADDRESS) if public else None,
            "address_id": t.grid_code,
            "zipcode": None,
            "lat": t.lat if public else None,
            "long": t.lon if public else None,
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
            raise GeoReportError(403, f"api_key {echo(who.name)}: {exc}") from None
        return who

    def create(
        self, fields: Mapping[str, str], key: str | None = None
    ) -> tuple[list[dict[str, Any]], bool]:
        """File the report in ``fields`` as a new ticket (``POST requests``) through the
        data source; with an idempotency ``key``, at most once per (token, key). Returns
        the answer and whether it is the first answer to the key replayed.

        Raises:
            GeoReportError: 403 for the key (see :meth:`caller`); 400 for an unknown
                service, no location, a description over 4,000 characters, or a
                report the ticket service refuses.
        """
        who = self.caller(fields.get("api_key", ""))
        code = service_code(fields.get("service_code", ""))
        if not code:
            raise GeoReportError(400, "service_code is required")
        service = self._service(code)
        if service is None:
            raise GeoReportError(400, f"unknown service_code {echo(code)}: see services")
        description = checked("description", fields.get("description", ""))
        where = parse_location(fields)
        new = NewTicket(
            title=title_of(description, service.name),
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
                ticket_id, replayed = self._open(new, who, client_key, None)
            else:
                # no key from the client: the content is the key, so that a retry after
                # a timeout answers with the ticket the first try opened
                ticket_id, replayed = self._open(new, who, content_key(fields), DUPLICATE_WINDOW)
        except ActionRefused as exc:  # a reused key too
            raise GeoReportError(400, str(exc)) from exc
        opened = self._tickets(RequestQuery(ids=(ticket_id,)))
        due_at = opened[0].due_at if opened else None
        answer = {
            "service_request_id": str(ticket_id),
            "service_notice": _notice(_iso(due_at, self.tz)),
        }
        return [answer], replayed

    # -- where requests live (the sandbox's are elsewhere: .sandbox) -------------------

    def _tickets(self, query: RequestQuery) -> list[PublicTicket]:
        """The tickets ``query`` selects."""
        return self.source.public_tickets(query)

    def _open(
        self, new: NewTicket, who: TokenInfo, key: str, window: timedelta | None
    ) -> tuple[int, bool]:
        """Open the ticket of ``new`` at most once per key (within ``window``); its id
        and whether an earlier ticket was given back.

        Raises:
            ActionRefused: the ticket service refused the report or the key.
        """
        result = self.source.open_ticket(new, role=who.role, idempotency_key=key, window=window)
        return result.ticket_id, result.replayed


def _status_notes(t: PublicTicket) -> str:
    """The status in both languages, the ticket it was merged into, the callback."""
    notes = f"{_status_name(t.status, 'zh')} / {_status_name(t.status, 'en')}"
    if t.merged_into is not None:
        notes += f" → {t.merged_into}"
    if t.satisfaction:  # the resident's callback (回访), in GeoReport's own field
        result = Satisfaction(t.satisfaction)
        notes += f"; 回访 {result.label('zh')} / callback: {result.label('en').lower()}"
    return notes


def _status_name(status: str, lang: str) -> str:
    try:
        return Status(status).label(lang)
    except ValueError:
        return status


def _iso(at: datetime | None, tz: tzinfo) -> str | None:
    return None if at is None else at.astimezone(tz).isoformat(timespec="seconds")


def _coordinates(where: Location) -> str:
    """The coordinates as the ticket's address text, when no address was given."""
    if where.lat is None or where.long is None:
        return ""
    return f"{where.lat:.6f}, {where.long:.6f}"


def _notice(expected: str | None) -> str:
    if expected is None:
        return "已受理 / received"
    return f"已受理，预计 {expected} 前办结 / received; expected by {expected}"
