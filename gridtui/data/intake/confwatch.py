"""Rules hot reload: an edit of ``sla.toml``, ``scoring.toml`` or ``assessment.toml``
applies while the app, the wall or the server runs, and a broken edit never replaces
working rules.

:class:`ConfigWatcher` watches the fixtures folder (watchfiles) and hands each edited
rules file to :func:`apply_rules`, which checks it with the parsers ``gridtui load``
uses and then:

- **valid and new**: stores the text (``config_docs``), clears a recorded problem and
  appends a ``config``/``reload`` change. Every process's
  :meth:`~gridtui.data.writes.service.TicketService.rules` re-parses when the stored stamp
  moves, and every app and API client reloads its screens on the change; for
  ``sla.toml`` the stored deadlines of open tickets (``due_at``, ``next_deadline``,
  the policy name) are then recomputed under the new rules
  (:func:`recompute_deadlines`, a ``config``/``recomputed`` change when done);
- **valid and as stored** (an edit undone): clears a recorded problem;
- **invalid** (TOML syntax, or a rule the parser refuses): keeps the stored rules and
  records a :class:`~gridtui.data.storage.models.ConfigProblemRow` naming the file, the line
  and what is wrong, with a ``config``/``problem`` change, so that the people at every
  screen (local or remote, through
  :meth:`~gridtui.data.sources.source.DataSource.config_problems`) see it. Fixing the file
  clears it.

Several processes may watch one folder (an app, two walls, a server): each checks the
edit, and the database makes the decision once: the text is stored by an ``UPDATE``
that only matches a different text, and a problem is recorded once per broken text
(by its digest).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.sources.records import ConfigProblem
from gridtui.data.storage.changefeed import record_change
from gridtui.data.storage.models import ConfigDoc, ConfigProblemRow, Ticket
from gridtui.data.writes.sla_runtime import SlaRuntime, steps_of
from gridtui.domain.assessment.config import parse_assessment_config
from gridtui.domain.scoring.config import parse_scoring_config
from gridtui.domain.sla.config import parse_sla_config

log = logging.getLogger("gridtui.watch")

#: the rules files a fixtures folder holds, and how each is checked
PARSERS: dict[str, Callable[[str, str], object]] = {
    "sla.toml": parse_sla_config,
    "scoring.toml": parse_scoring_config,
    "assessment.toml": parse_assessment_config,
}
RULES = tuple(PARSERS)
#: open tickets re-derived per transaction after an SLA edit
RECOMPUTE_BATCH = 200
#: seconds between two of its transactions
RECOMPUTE_PAUSE = 0.005
#: watchfiles yields once a step brings no new event (an editor's save is one burst)
STEP_MS = 100
DEBOUNCE_MS = 600
#: a rules file changed this recently (ns) may still be being written: read it later
SETTLE_NS = 150_000_000


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RulesOutcome:
    """What :func:`apply_rules` did with one file.

    ``state``: ``applied`` (new rules stored), ``fixed`` (the stored rules stand and a
    problem was cleared), ``unchanged`` (nothing to do), ``refused`` (the edit is
    broken; ``problem`` says why; the last good rules stay).
    """

    name: str
    state: Literal["applied", "fixed", "unchanged", "refused"]
    problem: ConfigProblem | None = None
    #: open tickets whose stored deadlines moved under new SLA rules
    recomputed: int = 0
    #: whether this call recorded the problem (False: another watcher already had)
    recorded: bool = True

    def __str__(self) -> str:
        if self.problem is not None:
            return f"{self.problem.message} (the last good {self.name} stays in force)"
        if self.state == "applied":
            extra = f"; {self.recomputed} open ticket(s) re-timed" if self.recomputed else ""
            return f"{self.name}: new rules applied{extra}"
        if self.state == "fixed":
            return f"{self.name}: fixed, the rules in force are unchanged"
        return f"{self.name}: unchanged"


def check_rules(name: str, text: str) -> ConfigProblem | None:
    """The problem with ``text`` as the rules file ``name``, or None when it is valid."""
    try:
        PARSERS[name](text, name)
    except ValueError as exc:  # ConfigError and the parsers' other refusals
        line = getattr(exc, "line", None)
        message = str(exc)
        if line is None and "(at end of document)" in message:
            # the TOML parser names no line when the text stops short: the last one
            line = text.count("\n") + (0 if text.endswith("\n") else 1)
            message = message.replace(f"{name}: ", f"{name}:{line}: ", 1)
        if not message.startswith(name):
            message = f"{name}: {message}"
        return ConfigProblem(name, line if isinstance(line, int) else None, message, _utcnow())
    return None


def apply_rules(
    factory: sessionmaker[Session],
    name: str,
    text: str,
    *,
    now: datetime | None = None,
    recompute_at: datetime | None = None,
) -> RulesOutcome:
    """Check ``text`` as the rules file ``name`` and store it or record why not (see
    the module docstring). ``now`` stamps the row and the change (default: now);
    ``recompute_at`` is the "now" of the SLA clocks when deadlines are recomputed
    (default: ``now``; a simulated clock's time under a simulator).

    Raises:
        KeyError: ``name`` is not a rules file.
        sqlalchemy.exc.SQLAlchemyError: the database failed (nothing was changed).
    """
    if name not in PARSERS:
        raise KeyError(f"{name!r} is not a rules file; expected one of {', '.join(RULES)}")
    now = now or _utcnow()
    problem = check_rules(name, text)
    if problem is not None:
        return _refuse(factory, problem, _digest(text), now)
    with factory.begin() as s:
        stored = _rowcount(
            s.execute(
                update(ConfigDoc)
                .where(ConfigDoc.name == name, ConfigDoc.text != text)
                .values(text=text, loaded_at=now)
            )
        )
        if not stored and s.get(ConfigDoc, name) is None:
            s.add(ConfigDoc(name=name, text=text, loaded_at=now))
            stored = 1
        cleared = _rowcount(
            s.execute(delete(ConfigProblemRow).where(ConfigProblemRow.name == name))
        )
        if stored or cleared:
            op = "reload" if stored else "fixed"
            record_change(s, at=now, kind="config", op=op, data={"name": name})
    if not stored:
        return RulesOutcome(name, "fixed" if cleared else "unchanged")
    moved = 0
    if name == "sla.toml":
        moved = recompute_deadlines(factory, at=recompute_at or now, stamp=now)
    return RulesOutcome(name, "applied", recomputed=moved)


def _refuse(
    factory: sessionmaker[Session], problem: ConfigProblem, digest: str, now: datetime
) -> RulesOutcome:
    try:
        with factory.begin() as s:
            row = s.get(ConfigProblemRow, problem.name)
            if row is not None and row.digest == digest:
                return RulesOutcome(problem.name, "refused", problem, recorded=False)
            if row is None:
                s.add(
                    ConfigProblemRow(
                        name=problem.name, line=problem.line, message=problem.message,
                        digest=digest, at=now,
                    )
                )  # fmt: skip
            else:
                row.line, row.message, row.digest, row.at = (
                    problem.line, problem.message, digest, now,
                )  # fmt: skip
            data = {"name": problem.name, "line": problem.line}
            record_change(s, at=now, kind="config", op="problem", data=data)
    except IntegrityError:  # another watcher recorded the same problem first
        return RulesOutcome(problem.name, "refused", problem, recorded=False)
    return RulesOutcome(problem.name, "refused", problem)


def recompute_deadlines(
    factory: sessionmaker[Session],
    *,
    at: datetime,
    stamp: datetime | None = None,
    batch: int = RECOMPUTE_BATCH,
) -> int:
    """Re-derive the stored SLA columns of every open ticket under the stored
    ``sla.toml``, ``batch`` tickets per transaction; the number that moved.

    Only tickets the SLA rules time (a policy name is stored: opened here or seeded)
    are touched: an imported ticket keeps the deadline its export gave until someone
    acts on it. Running clocks are not written anywhere else, so the live figures
    (the SLA board, a ticket's clocks) follow the new rules before this finishes;
    this keeps the queue's order and the overdue counts in step with them.
    """
    with factory() as s:
        doc = s.get(ConfigDoc, "sla.toml")
        if doc is None:
            return 0
        runtime = SlaRuntime.from_text(doc.text)
    moved, last = 0, 0
    while True:
        if last:
            time.sleep(RECOMPUTE_PAUSE)  # the writes waiting behind (intake) go first
        with factory.begin() as s:
            tickets = list(
                s.scalars(
                    select(Ticket)
                    .where(Ticket.closed_at.is_(None), Ticket.sla_policy != "", Ticket.id > last)
                    .order_by(Ticket.id)
                    .limit(batch)
                    .with_for_update()
                )
            )
            if not tickets:
                break
            last = tickets[-1].id
            steps = steps_of(s, [t.id for t in tickets])
            for t in tickets:
                tc = runtime.ticket(t.colour, t.category, t.channel, steps.get(t.id, []), at)
                name = tc.policy.name if tc.policy is not None else ""
                due, nxt = tc.due_at, tc.next_deadline
                if (t.sla_policy, t.due_at, t.next_deadline) != (name, due, nxt):
                    t.sla_policy, t.due_at, t.next_deadline = name, due, nxt
                    moved += 1
    if moved:
        with factory.begin() as s:
            record_change(
                s, at=stamp or at, kind="config", op="recomputed",
                data={"name": "sla.toml", "tickets": moved},
            )  # fmt: skip
    return moved


def _rowcount(result: object) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# -- the watcher ---------------------------------------------------------------------------


class ConfigWatcher:
    """Applies edits of the rules files in ``folder`` while it runs (a thread).

    Only edits made while it runs apply: opening a viewer on a database must not load
    into it the rules of whatever folder it was started next to. At start it only
    re-checks a file with a refused edit on record (so that a fix made while nobody
    watched clears it); then it waits for file events. Each outcome goes to ``report``
    (default: the ``gridtui.watch`` log: a refused edit as a warning naming the file
    and the line).

    Args:
        folder: the fixtures folder holding the rules files (:data:`RULES`).
        factory: sessions on the database the rules live in.
        clock: the time of stored rows and changes (default: real time).
        sla_clock: "now" for recomputed SLA deadlines (default: ``clock``).
        report: called with each outcome that changed something.
        on_change: called after each write (e.g. to wake this process's readers).
    """

    def __init__(
        self,
        folder: Path,
        factory: sessionmaker[Session],
        *,
        clock: Callable[[], datetime] = _utcnow,
        sla_clock: Callable[[], datetime] | None = None,
        report: Callable[[RulesOutcome], None] | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.folder = folder
        self.on_change = on_change
        self.factory = factory
        self.clock = clock
        self.sla_clock = sla_clock or clock
        self.report = report or _log_outcome
        #: outcomes so far (bounded: the last 100), newest last
        self.outcomes: list[RulesOutcome] = []
        self.ready = threading.Event()  # the first check is done
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._notify: Any = None

    def start(self) -> ConfigWatcher:
        """Start watching (the first check runs in the watcher's thread).

        Raises:
            FileNotFoundError: ``folder`` does not exist.
        """
        from watchfiles._rust_notify import RustNotify

        if not self.folder.is_dir():
            raise FileNotFoundError(f"{self.folder}: no such folder to watch")
        self._notify = RustNotify([str(self.folder)], False, False, 300, False, True)
        self._thread = threading.Thread(target=self._run, name="gridtui-confwatch", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop watching (returns within a watch step)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)

    def check(self, names: tuple[str, ...] = RULES) -> list[RulesOutcome]:
        """Read and apply the files ``names`` now; a file that is absent is skipped."""
        out: list[RulesOutcome] = []
        for name in names:
            text = self._read(self.folder / name)
            if text is None:
                continue
            now = self.clock()
            outcome = (
                apply_rules(self.factory, name, text, now=now, recompute_at=self.sla_clock())
                if not isinstance(text, ConfigProblem)
                else _refuse(self.factory, text, _digest(text.message), now)
            )
            out.append(outcome)
            self.outcomes = [*self.outcomes[-99:], outcome]
            if outcome.state != "unchanged" and outcome.recorded:
                self.report(outcome)
                if self.on_change is not None:
                    self.on_change()
        return out

    def _read(self, path: Path) -> str | ConfigProblem | None:
        """The file's text once it stopped changing; a problem when it is not text."""
        for attempt in range(10):
            try:
                before = path.stat()
                data = path.read_bytes()
                after = path.stat()
            except FileNotFoundError:
                return None
            # An editor (or `write_text`) truncates first and writes after: an empty file,
            # or one touched a moment ago, is most likely half-way; give it a moment.
            fresh = time.time_ns() - after.st_mtime_ns < SETTLE_NS
            if (not data or fresh) and attempt < 9:
                time.sleep(0.1)
                continue
            if (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns):
                try:
                    return data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    why = f"{path.name}: not UTF-8 text (byte {exc.start}): {exc.reason}"
                    return ConfigProblem(path.name, None, why, _utcnow())
            time.sleep(0.1)  # still being written: read it again when it settles
        return None

    def _run(self) -> None:
        try:
            self._safe_check(self._on_record())
            self.ready.set()
            while not self._stop.is_set():
                got = self._notify.watch(DEBOUNCE_MS, STEP_MS, 0, self._stop)
                if got == "stop":
                    return
                if isinstance(got, set):
                    names = tuple(n for n in RULES if any(Path(p).name == n for _, p in got))
                    if names:
                        self._safe_check(names)
        except Exception:
            log.exception("watching %s stopped", self.folder)
        finally:
            self.ready.set()
            self._notify.close()

    def _on_record(self) -> tuple[str, ...]:
        """The rules files with a refused edit on record."""
        try:
            with self.factory() as s:
                recorded = set(s.scalars(select(ConfigProblemRow.name)))
        except Exception as exc:  # the database is away: nothing to re-check now
            log.warning("cannot read the rules problems: %s", exc)
            return ()
        return tuple(n for n in RULES if n in recorded)

    def _safe_check(self, names: tuple[str, ...]) -> None:
        try:
            self.check(names)
        except Exception as exc:  # the database is away: the next edit tries again
            log.warning("cannot apply %s: %s", ", ".join(names), exc)


def _log_outcome(outcome: RulesOutcome) -> None:
    if outcome.state == "refused":
        log.warning("%s", outcome)
    else:
        log.info("%s", outcome)


def watch_rules(
    folder: Path,
    factory: sessionmaker[Session],
    **options: Any,
) -> ConfigWatcher | None:
    """A started :class:`ConfigWatcher` on ``folder``, or None (logged) when the folder
    does not exist."""
    try:
        return ConfigWatcher(folder, factory, **options).start()
    except FileNotFoundError as exc:
        log.info("not watching the rules: %s", exc)
        return None


__all__ = [
    "RULES",
    "ConfigWatcher",
    "RulesOutcome",
    "apply_rules",
    "check_rules",
    "recompute_deadlines",
    "watch_rules",
]
