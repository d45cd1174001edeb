"""`kill -9` of `gridtui serve` in the middle of keyed writes, several times, on each
database: every write the server acknowledged is there afterwards, and none is there
twice, because a client that got no answer sends the same request with the same
``Idempotency-Key`` again until it gets one (what the remote app does).

Tickets, spot-check adjustments and daily reports, each from its own client threads,
while the server is killed as soon as a few more writes have been acknowledged since it
came up (a condition, not a time), then started again on the same database.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from gridtui.data.intake.fixtures import load_fixtures
from gridtui.data.sources.tokens import create_token
from gridtui.data.storage.models import DailyReportRow, Node, ScoreEntry, Ticket, Worker
from tests.api.conftest import free_port
from tests.conftest import FIXTURES, NOW
from tests.waiting import until, wait_until_up

pytestmark = pytest.mark.slow

KILLS = 4
TICKETS = 120
ADJUSTMENTS = 40
REPORTS = 24
#: acknowledged writes (of every kind) between coming up and the next kill -9
ACKS_PER_LIFE = 25
#: a client's backoff before it sends an unanswered request again (seconds)
RETRY = 0.02


@dataclass
class Tally:
    """What the clients sent and what the server acknowledged."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acked: dict[str, Any] = field(default_factory=dict)  # key -> the answer's body
    refused: list[tuple[str, int, str]] = field(default_factory=list)
    retries: int = 0

    def count(self) -> int:
        with self.lock:
            return len(self.acked)


def _send(
    base: str, token: str, tally: Tally, stop: threading.Event,
    jobs: list[tuple[str, str, dict[str, Any]]],
) -> None:  # fmt: skip
    """Each job until acknowledged: the same key and body again after a lost answer."""
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=5) as c:
        for key, path, body in jobs:
            while not stop.is_set():
                try:
                    r = c.post(path, json=body, headers={**auth, "Idempotency-Key": key})
                except httpx.TransportError:
                    with tally.lock:
                        tally.retries += 1
                    stop.wait(RETRY)  # the server is down: try again shortly (a client's backoff)
                    continue
                if r.status_code == 503:
                    stop.wait(RETRY)
                    continue
                with tally.lock:
                    if r.status_code in (200, 201):
                        tally.acked[key] = r.json()
                    else:
                        tally.refused.append((key, r.status_code, r.text[:200]))
                break


def _spawn(url: str, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gridtui.cli", "--db", url, "serve", "--port", str(port),
         "--sweep", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def test_kill_9_loses_and_duplicates_no_acknowledged_write(db_url, factory):
    load_fixtures(factory, FIXTURES, now=NOW)
    token = create_token(factory, "crash", "supervisor", at=NOW)
    with factory() as s:
        grids = list(s.scalars(select(Node.code).where(Node.level == "grid").order_by(Node.id)))
        workers = list(s.scalars(select(Worker).where(Worker.active.is_(True)).order_by(Worker.id)))
        worker_ids = [w.id for w in workers]
        worker_codes = [w.code for w in workers][:REPORTS]
    tickets = [
        (f"crash-t-{i}", "/api/v1/tickets", {
            "title": f"断电抢修 {i}", "category": "env.noise", "channel": "hotline",
            "grid": grids[i % len(grids)],
        })
        for i in range(TICKETS)
    ]  # fmt: skip
    adjustments = [
        (f"crash-a-{i}", "/api/v1/adjustments", {
            "subject_kind": "worker", "subject_id": worker_ids[i % len(worker_ids)],
            "points": -1, "reason": f"抽查 crash {i}",
        })
        for i in range(ADJUSTMENTS)
    ]  # fmt: skip
    reports = [
        (f"crash-r-{code}", "/api/v1/reports", {"worker": code, "events": 0, "note": "平安"})
        for code in worker_codes
    ]
    assert len(reports) == REPORTS
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    tally, stop = Tally(), threading.Event()
    jobs = [tickets[0::2], tickets[1::2], adjustments, reports]
    threads = [
        threading.Thread(target=_send, args=(base, token, tally, stop, j), daemon=True)
        for j in jobs
    ]
    proc = _spawn(db_url, port)
    try:
        wait_until_up(base, 30)
        for t in threads:
            t.start()
        for _ in range(KILLS):
            target = tally.count() + ACKS_PER_LIFE

            def acked(target: int = target) -> bool:
                return tally.count() >= target or not any(t.is_alive() for t in threads)

            until(acked, "acknowledged writes", 120)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            proc = _spawn(db_url, port)
            wait_until_up(base, 30)
        for t in threads:
            t.join(180)
        assert not any(t.is_alive() for t in threads), "clients did not finish"
    finally:
        stop.set()
        proc.kill()
        proc.wait(10)
    assert tally.retries > 0, "no kill landed while a client was waiting: the test saw nothing"
    assert tally.refused == []
    assert len(tally.acked) == TICKETS + ADJUSTMENTS + REPORTS
    with factory() as s:
        # tickets: each acknowledged id holds its own request, and each title is there once
        for key, _, body in tickets:
            ticket = s.get(Ticket, tally.acked[key]["ticket_id"])
            assert ticket is not None and ticket.title == body["title"], key
        titles = dict(
            s.execute(
                select(Ticket.title, func.count())
                .where(Ticket.title.like("断电抢修 %"))
                .group_by(Ticket.title)
            ).all()
        )
        assert len(titles) == TICKETS and set(titles.values()) == {1}
        # adjustments: one ledger line per request
        reasons = dict(
            s.execute(
                select(ScoreEntry.reason, func.count())
                .where(ScoreEntry.reason.like("%抽查 crash %"))
                .group_by(ScoreEntry.reason)
            ).all()
        )
        assert len(reasons) == ADJUSTMENTS and set(reasons.values()) == {1}, reasons
        # reports: one per worker, the one acknowledged
        filed = dict(
            s.execute(
                select(Worker.code, func.count())
                .join(DailyReportRow, DailyReportRow.worker_id == Worker.id)
                .where(Worker.code.in_(worker_codes))
                .group_by(Worker.code)
            ).all()
        )
        assert filed == dict.fromkeys(worker_codes, 1)
