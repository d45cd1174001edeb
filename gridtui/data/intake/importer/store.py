"""Writing checked rows: tickets inserted or updated, their events, the change feed.

Tickets are keyed by (source, external id), so importing a file again writes nothing.
A changed row overwrites the imported fields (status included: the export is the
source of truth for them), bumps ``version`` and adds an ``import`` event; the colour
follows the category only when the category changed. Each batch that wrote something
adds one ``bulk``/``import`` change-feed row.

An imported ticket keeps the export's deadline: its due date and, while it is open,
its next deadline (:func:`gridtui.domain.chain.imported_deadlines`). Categories not in
the catalogue become ``<code_prefix>.<slug>`` (function ``imported``, colour blue,
``personal``: withheld from public Open311 reads until someone says otherwise) and
unknown departments ``<PREFIX>-<SLUG>``; a value that already is a code is used as
is. A ``grid`` value naming a node fills the ticket's hierarchy ids at that node's
level and above. A row with no ``grid`` value but ``lat``/``lon`` is placed by its
location when grids have outlines loaded: in the grid whose outline holds the point
(:mod:`gridtui.domain.geo.index`), its hierarchy ids filled as a grid value's would
be; outside every outline (or with no outlines) it has no place (unassigned).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from gridtui.data.intake.importer.column_map import ImportMap
from gridtui.data.intake.importer.report import ImportReport
from gridtui.data.intake.importer.rows import TicketRow, shorten
from gridtui.data.storage.changefeed import record_change
from gridtui.data.storage.models import Base, Category, Department, Node, Ticket
from gridtui.data.writes.loaded_grids import LoadedGrids
from gridtui.domain.chain import imported_deadlines
from gridtui.domain.colours import RiskColour
from gridtui.domain.geo.index import NO_GRID
from gridtui.domain.lifecycle import Action

TICKETS = Base.metadata.tables["tickets"]
EVENTS = Base.metadata.tables["ticket_events"]
NO_PLACE: dict[str, int | None] = dict.fromkeys(
    ("district_id", "street_id", "community_id", "grid_id")
)


def _slug(value: str) -> str:
    return re.sub(r"[\W_]+", "-", unicodedata.normalize("NFKC", value).casefold()).strip("-")


def _bounded_code(prefix: str, slug: str, limit: int) -> str:
    """``prefix + slug``; past ``limit`` characters, cut and ended by a hash of it."""
    code = prefix + (slug or "unspecified")
    if len(code) <= limit:
        return code
    return f"{code[: limit - 9]}-{hashlib.sha1(code.encode()).hexdigest()[:8]}"


def _hierarchy_ids(node: Node) -> dict[str, int | None]:
    """The ticket columns placing a ticket at ``node``: its level and those above."""
    ids = {
        "district_id": node.district_id,
        "street_id": node.street_id,
        "community_id": node.community_id,
        "grid_id": None,
    }
    if node.level in ("district", "street", "community", "grid"):
        ids[f"{node.level}_id"] = node.id
    return ids


class TicketStore:
    """Writes batches of checked rows; caches the catalogue, departments and nodes."""

    def __init__(self, mapping: ImportMap, report: ImportReport, file: str, now: datetime) -> None:
        self.mapping, self.report, self.file, self.now = mapping, report, file, now
        self.actor = f"import:{mapping.source}"
        self.loaded = False
        self.colours: dict[str, str] = {}  # category code -> default colour
        self.departments: dict[str, int] = {}  # department code -> id
        self.places: dict[str, dict[str, int | None]] = {}  # node code -> hierarchy ids
        self.grids = LoadedGrids()  # the grid outlines, to place rows by location
        self.grid_places: dict[int, dict[str, int | None]] = {}  # grid id -> hierarchy ids
        self.located: dict[str, dict[str, int | None]] = {}  # this batch: external id -> place

    def load(self, session: Session, grids: set[str]) -> None:
        """Fill the caches: the catalogue and departments once, nodes as named."""
        if not self.loaded:
            cats = session.execute(select(Category.code, Category.default_colour))
            self.colours = {code: colour for code, colour in cats}
            depts = session.execute(select(Department.code, Department.id))
            self.departments = {code: id_ for code, id_ in depts}
            self.loaded = True
        missing = grids - self.places.keys()
        if missing:
            for node in session.scalars(select(Node).where(Node.code.in_(missing))):
                self.places[node.code] = _hierarchy_ids(node)
            for code in missing - self.places.keys():
                self.places[code] = NO_PLACE

    def locate(self, session: Session, rows: list[TicketRow]) -> None:
        """Place the rows with a location and no grid value by their location, in one
        query of the grid index (:attr:`located`, for this batch)."""
        self.located = {}
        spots = [r for r in rows if not r.grid and r.lon is not None and r.lat is not None]
        index = self.grids.of(session) if spots else None
        if index is None:
            return
        found = index.locate_many([r.lon for r in spots], [r.lat for r in spots])
        missing = {int(g) for g in found if g != NO_GRID} - self.grid_places.keys()
        if missing:
            for node in session.scalars(select(Node).where(Node.id.in_(missing))):
                self.grid_places[node.id] = _hierarchy_ids(node)
        for row, grid in zip(spots, found, strict=True):
            if grid != NO_GRID:
                self.located[row.external_id] = self.grid_places[int(grid)]

    def place(self, row: TicketRow) -> dict[str, int | None]:
        """The hierarchy ids of ``row``'s ticket: its grid value's node, else where its
        location put it (:meth:`locate`), else none."""
        if row.grid:
            return self.places[row.grid]
        return self.located.get(row.external_id, NO_PLACE)

    def category(self, session: Session, value: str) -> str:
        """The category code for ``value``, created (and counted) when it is new."""
        code = value
        if code not in self.colours:
            code = _bounded_code(f"{self.mapping.code_prefix}.", _slug(value), 64)
        if code not in self.colours:
            name = shorten(value or "Unspecified", 120)
            colour = RiskColour.BLUE.value
            # Nobody has said what an unknown category is about: withheld from public
            # Open311 reads (personal) until the catalogue says otherwise.
            session.add(
                Category(
                    code=code,
                    name=name,
                    name_en=name,
                    function="imported",
                    default_colour=colour,
                    personal=True,
                )
            )
            self.colours[code] = colour
            self.report.categories_created += 1
        return code

    def department(self, session: Session, value: str) -> int | None:
        """The department id for ``value`` (None when blank), created when it is new."""
        if not value:
            return None
        code = value
        if code not in self.departments:
            code = _bounded_code(f"{self.mapping.code_prefix.upper()}-", _slug(value).upper(), 32)
        if code not in self.departments:
            dept = Department(code=code, name=shorten(value, 120), name_en=shorten(value, 120))
            session.add(dept)
            session.flush()
            self.departments[code] = dept.id
            self.report.departments_created += 1
        return self.departments[code]

    def values(self, session: Session, row: TicketRow) -> dict[str, Any]:
        """The imported columns of ``row``'s ticket."""
        due, next_deadline = imported_deadlines(row.due_at, row.status)
        return {
            "title": row.title,
            "description": row.description,
            "address": row.address,
            "lat": row.lat,
            "lon": row.lon,
            "channel": row.channel.value,
            "category": self.category(session, row.category),
            "status": row.status.value,
            "opened_at": row.opened_at,
            "due_at": due,
            "next_deadline": next_deadline,
            "satisfaction": row.satisfaction,
            "closed_at": row.closed_at,
            "department_id": self.department(session, row.department),
            **self.place(row),
        }

    def new_ticket(self, session: Session, row: TicketRow) -> dict[str, Any]:
        """Every column of the ticket ``row`` creates."""
        values = self.values(session, row)
        return values | {
            "source": self.mapping.source,
            "external_id": row.external_id,
            "colour": self.colours[values["category"]],
            "updated_at": self.now,
            "version": 1,
        }

    def event(self, ticket_id: int, before: str | None, after: str, note: str) -> dict[str, Any]:
        """A timeline row for ``insert(TicketEvent)``."""
        return {
            "ticket_id": ticket_id,
            "at": self.now,
            "action": Action.IMPORT.value,
            "actor": self.actor,
            "from_status": before,
            "to_status": after,
            "note": note,
        }

    def update(self, session: Session, ticket: Ticket, row: TicketRow) -> dict[str, Any] | None:
        """Overwrite what changed; the event to record, or None when nothing did."""
        values = self.values(session, row)
        changed = [k for k, v in values.items() if getattr(ticket, k) != v]
        if not changed:
            return None
        before = ticket.status
        for k in changed:
            setattr(ticket, k, values[k])
        if "category" in changed:
            ticket.colour = self.colours[ticket.category]
        ticket.version += 1
        ticket.updated_at = self.now
        note = f"updated from {self.file} line {row.line}: {', '.join(changed)}"
        return self.event(ticket.id, before, ticket.status, note)

    def insert(self, session: Session, new: list[tuple[TicketRow, dict[str, Any]]]) -> list[Any]:
        """Insert new tickets in one executemany; the events recording it.

        Core rather than the ORM: the ORM inserts row by row on SQLite to read ids
        back, and its bulk mode splits a batch wherever the non-null columns change.
        """
        if not new:
            return []
        stmt = insert(TICKETS).returning(TICKETS.c.external_id, TICKETS.c.id)
        ids = {key: id_ for key, id_ in session.execute(stmt, [v for _, v in new])}
        note = f"imported from {self.file} line "
        return [
            self.event(ids[row.external_id], None, row.status.value, f"{note}{row.line}")
            for row, _ in new
        ]

    def existing(self, session: Session, rows: list[TicketRow]) -> dict[str | None, Ticket]:
        """The tickets of this source that ``rows`` name, by external id, locked."""
        # Keys inline as literals: a prepared statement's generic plan on PostgreSQL
        # would test every row of the source against the whole list.
        keys: Any = bindparam(
            "keys", [r.external_id for r in rows], expanding=True, literal_execute=True
        )
        found = session.scalars(
            select(Ticket)
            .where(Ticket.source == self.mapping.source, Ticket.external_id.in_(keys))
            .with_for_update()
        )
        return {t.external_id: t for t in found}

    def write(self, session: Session, rows: list[TicketRow]) -> None:
        """Insert or update ``rows`` (distinct keys) inside the caller's transaction."""
        existing = self.existing(session, rows)
        self.load(session, {r.grid for r in rows if r.grid})
        self.locate(session, rows)
        created = (self.report.categories_created, self.report.departments_created)
        new: list[tuple[TicketRow, dict[str, Any]]] = []
        events: list[dict[str, Any]] = []
        for row in rows:
            ticket = existing.get(row.external_id)
            if ticket is None:
                new.append((row, self.new_ticket(session, row)))
            elif (event := self.update(session, ticket, row)) is not None:
                events.append(event)
        updated = len(events)
        events += self.insert(session, new)
        if events:
            session.execute(insert(EVENTS), events)
        self.report.inserted += len(new)
        self.report.updated += updated
        self.report.unchanged += len(rows) - len(new) - updated
        cats = self.report.categories_created - created[0]
        depts = self.report.departments_created - created[1]
        if new or updated or cats or depts:
            data = {
                "source": self.mapping.source,
                "file": self.file,
                "inserted": len(new),
                "updated": updated,
                "categories_created": cats,
                "departments_created": depts,
                "lines": [rows[0].line, rows[-1].line],
            }
            record_change(session, at=self.now, kind="bulk", op="import", data=data)
