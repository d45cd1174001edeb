"""Remote mode's data source: ApiSource against a real server gives the same records
as LocalSource on the same database; writes are role-checked by the token, audited
with its name, and at most once per idempotency key (also when a response is lost);
the change stream resumes after the server comes back, missing nothing."""

from __future__ import annotations

import shutil
import socket
import threading
from dataclasses import replace

import httpx
import pytest

from gridtui.api.client import ApiSource
from gridtui.data.intake.fixtures import load_fixtures
from gridtui.data.sources.local import LocalSource
from gridtui.data.sources.records import Anchor, ChangeBatch, NewTicket, QueueQuery
from gridtui.data.sources.source import (
    ActionRefused,
    DataSource,
    NotPermitted,
    SourceError,
    SourceUnavailable,
)
from gridtui.data.sources.tokens import create_token
from tests.api.conftest import free_port
from tests.conftest import FIXTURES, NOW
from tests.waiting import until


@pytest.fixture
def officer(city, server):
    src = ApiSource(server, create_token(city.factory, "desk", "officer", at=NOW), timeout=5)
    yield src
    src.close()


def test_reads_equal_the_local_source(city, officer):
    assert officer.role == "officer" and officer.actor == "token:desk"
    assert officer.timezone == city.timezone
    assert officer.reference() == city.reference()
    assert officer.overview(NOW) == city.overview(NOW)
    # a tall screen asks for more at-risk tickets; remote and local give the same ones
    tall = city.overview(NOW, at_risk=45)
    assert len(tall.at_risk) > len(city.overview(NOW).at_risk)
    assert officer.overview(NOW, at_risk=45) == tall
    for span in ("24h", "7d", "30d"):
        assert officer.trend(span, NOW) == city.trend(span, NOW)
    assert officer.sla_board(NOW, 50) == city.sla_board(NOW, 50)
    root = city.reference().root_id
    assert officer.board(None) == city.board(None)
    child = city.board(root).cells[0].node.id
    assert officer.board(child) == city.board(child)
    for period in ("week", "month", "year"):
        assert officer.scorecards(period, NOW, 20) == city.scorecards(period, NOW, 20)
    urgent = city.most_urgent()
    assert officer.most_urgent() == urgent and urgent is not None
    assert officer.ticket(urgent, NOW) == city.ticket(urgent, NOW)
    assert officer.daily_reports(NOW) == city.daily_reports(NOW)


@pytest.mark.parametrize(
    "query",
    [
        QueueQuery(),
        QueueQuery(sort="colour", colours=frozenset({"red", "orange"})),
        QueueQuery(sort="age", statuses=frozenset({"closed"}), text="噪音"),
        QueueQuery(channels=frozenset({"hotline", "patrol"}), categories=frozenset({"noise"})),
        QueueQuery(sort="colour", descending=True),
    ],
)
def test_queue_pages_walk_like_the_local_source(city, officer, query):
    def walk(src: DataSource) -> tuple[list[int], list[int]]:
        rows: list[int] = []
        page = src.queue(query, Anchor.FIRST, None, 9)
        rows += [r.id for r in page.rows]
        while page.has_after:
            page = src.queue(query, Anchor.AFTER, page.last, 9)
            rows += [r.id for r in page.rows]
        back: list[int] = []
        page = src.queue(query, Anchor.LAST, None, 9)
        back = [r.id for r in page.rows] + back
        while page.has_before:
            page = src.queue(query, Anchor.BEFORE, page.first, 9)
            back = [r.id for r in page.rows] + back
        return rows, back

    remote, local = walk(officer), walk(city)
    assert remote == local
    forward, backward = remote
    assert forward == backward
    assert officer.queue_count(query, 10_000) == city.queue_count(query, 10_000)


def test_a_page_carries_its_count_and_an_older_server_is_asked_separately(
    city, officer, monkeypatch
):
    query = QueueQuery(colours=frozenset({"red", "orange"}))
    want = city.queue_count(query, 10_000)
    page = officer.queue(query, Anchor.FIRST, None, 5, 10_000)
    assert page.count == want and page.rows == city.queue(query, Anchor.FIRST, None, 5).rows
    assert officer.queue(query, Anchor.FIRST, None, 5).count is None
    # a server from before the count was in the page's answer leaves it out
    real_get = officer._get
    paths: list[str] = []

    def old_server(path, params=None):
        paths.append(path)
        answer = real_get(path, params)
        if path.endswith("/tickets"):
            answer.pop("count", None)
        return answer

    monkeypatch.setattr(officer, "_get", old_server)
    assert officer.queue(query, Anchor.FIRST, None, 5, 10_000).count == want
    assert paths[-1].endswith("/tickets/count")


def test_actions_are_checked_by_the_token_and_audited_with_its_name(city, server, officer):
    urgent = city.most_urgent()
    detail = city.ticket(urgent, NOW)
    out = officer.act(urgent, "note", role="officer", actor="ignored", note="到场核实 [b]x[/b]")
    assert out.version == detail.row.version + 1 and not out.replayed
    last = city.ticket(urgent, NOW).timeline[-1]
    assert (last.actor, last.note) == ("token:desk", "到场核实 [b]x[/b]")
    with pytest.raises(NotPermitted, match="supervisor"):
        officer.act(urgent, "cancel", role="supervisor", actor="x", note="no")
    with pytest.raises(ActionRefused):
        officer.act(urgent, "note", role="officer", actor="x", expected_version=1)
    viewer = ApiSource(server, create_token(city.factory, "wall", "viewer", at=NOW))
    try:
        with pytest.raises(NotPermitted):
            viewer.act(urgent, "note", role="viewer", actor="x", note="n")
        with pytest.raises(NotPermitted):
            viewer.adjust("worker", 1, 2.0, "spot check", role="viewer", actor="x")
    finally:
        viewer.close()
    with pytest.raises(SourceError, match="no ticket"):
        officer.ticket(10**9, NOW)


def test_a_wrong_token_or_a_dead_server_says_so(city, server):
    with pytest.raises(SourceError, match="refused the token"):
        ApiSource(server, "gt_nope")
    with pytest.raises(SourceUnavailable, match="unreachable"):
        ApiSource(f"http://127.0.0.1:{free_port()}", "gt_x", timeout=2)


def test_intake_with_one_key_creates_one_ticket(city, server):
    secret = create_token(city.factory, "hotline", "officer", at=NOW)
    body = {"title": "路灯不亮", "category": city.reference().categories.popitem()[0],
            "channel": "hotline", "grid": _grid_code(city)}  # fmt: skip
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "k-1"}
    before = city.last_seq()
    with httpx.Client(base_url=server, headers=headers, timeout=10) as c:
        first = c.post("/api/v1/tickets", json=body)
        again = c.post("/api/v1/tickets", json=body)
        other = c.post("/api/v1/tickets", json={**body, "title": "另一件事"})
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["ticket_id"] == first.json()["ticket_id"]
    assert other.status_code == 422 and "different request" in other.json()["error"]["message"]
    opened = [r for r in city.change_records(before) if r.op == "open"]
    assert [r.entity_id for r in opened] == [first.json()["ticket_id"]]


def _whole_answer(up: socket.socket) -> bytes:
    """One HTTP message (a response, or a request) read in full (head, then
    ``Content-Length`` bytes of body): either side may send it in several pieces."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = up.recv(65536)
        if not chunk:
            raise OSError("the server closed the connection")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
         if line.lower().startswith(b"content-length:")),
        0,
    )  # fmt: skip
    while len(body) < length:
        chunk = up.recv(65536)
        if not chunk:
            raise OSError("the server closed the connection")
        body += chunk
    return head + b"\r\n\r\n" + body


class LosingProxy:
    """A TCP proxy on 127.0.0.1 that forwards requests to the server but throws away
    the first ``lose`` responses (the connection just closes): a write that happened
    on the server whose answer never reached the client."""

    def __init__(self, target: str, lose: int) -> None:
        host, port = target.removeprefix("http://").split(":")
        self.target = (host, int(port))
        self.lose = lose
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._pipe, args=(conn,), daemon=True).start()

    def _pipe(self, conn: socket.socket) -> None:
        with conn, socket.create_connection(self.target) as up:
            # generous: on a loaded CI machine (PostgreSQL beside the suite) an answer
            # can take seconds, and a proxy timeout would look like a lost answer
            conn.settimeout(30)
            up.settimeout(30)
            while True:
                try:  # the whole request: a client may send its head and body apart
                    request = _whole_answer(conn)
                except OSError:  # closed (the client is done) or broken
                    return
                up.sendall(request)
                try:
                    answer = _whole_answer(up)
                except OSError:
                    return
                if self.lose > 0:
                    self.lose -= 1
                    return  # drop the answer and the connection
                try:
                    conn.sendall(answer)
                except OSError:  # the client has gone (the test is over)
                    return

    def close(self) -> None:
        self.sock.close()


def test_a_write_retried_after_a_lost_answer_happens_once(city, server):
    secret = create_token(city.factory, "desk2", "officer", at=NOW)
    src = ApiSource(server, secret)
    proxy = LosingProxy(server, lose=0)
    remote = ApiSource(proxy.url, secret, timeout=15)  # a loaded CI machine is slow
    try:
        urgent = city.most_urgent()
        version = city.ticket(urgent, NOW).row.version
        proxy.lose = 1
        out = remote.act(urgent, "note", role="officer", actor="x", note="只记一次")
        assert out.replayed and out.version == version + 1
        notes = [e for e in city.ticket(urgent, NOW).timeline if e.note == "只记一次"]
        assert len(notes) == 1
        proxy.lose = 1
        new = NewTicket("井盖缺失", _category(city), "hotline", _grid_code(city), "remote")
        made = remote.open_ticket(new, role="officer")
        assert made.replayed
        titles = city.queue(replace(QueueQuery(), text="井盖缺失"), Anchor.FIRST, None, 50)
        assert [r.id for r in titles.rows] == [made.ticket_id]
    finally:
        remote.close()
        src.close()
        proxy.close()


def test_adjustments_and_reports_retried_after_a_lost_answer_happen_once(city, server):
    from sqlalchemy import func, select

    from gridtui.data.storage.models import DailyReportRow, ScoreEntry, Worker

    secret = create_token(city.factory, "sup3", "supervisor", at=NOW)
    proxy = LosingProxy(server, lose=0)
    remote = ApiSource(proxy.url, secret, timeout=60)  # a busy machine: slow scoring writes
    filed = {r.worker_id for r in city.daily_reports(NOW).filed}
    try:
        proxy.lose = 1
        remote.adjust("worker", 1, -5, "抽查只扣一次", role="supervisor", actor="x")
        proxy.lose = 1
        with city.factory() as s:
            code = s.scalars(
                select(Worker.code).where(Worker.active.is_(True), Worker.id.not_in(filed))
            ).first()
        row = remote.file_report(code, 0, "平安")
        assert row.replayed and row.worker.code == code
        with city.factory() as s:
            adjusted = s.scalar(select(func.count()).where(ScoreEntry.reason == "抽查只扣一次"))
            reports = s.scalar(
                select(func.count()).where(
                    DailyReportRow.worker_id == row.worker_id, DailyReportRow.day == row.day
                )
            )
        assert adjusted == 1 and reports == 1
    finally:
        remote.close()
        proxy.close()


def test_open_ticket_through_the_local_source_needs_an_officer(city):
    new = NewTicket("积水", _category(city), "hotline", _grid_code(city), "duty:张")
    with pytest.raises(NotPermitted):
        city.open_ticket(new, role="viewer")
    out = city.open_ticket(new, role="officer", idempotency_key="a")
    assert city.open_ticket(new, role="officer", idempotency_key="a").ticket_id == out.ticket_id


def test_the_change_stream_resumes_after_the_server_returns(city, serve):
    port = free_port()
    url = serve(city, port=port)
    src = ApiSource(url, create_token(city.factory, "s", "officer", at=NOW), backoff_max=0.5)
    try:
        seq = src.last_seq()
        urgent = city.most_urgent()
        city.act(urgent, "note", role="officer", actor="duty:a", note="一")
        batch = _wait_batch(src, seq)
        assert batch.ticket_ids == {urgent} and batch.count == 1
        seq = batch.seq
        serve.stop()
        # the server is gone: after the grace period the stream says so
        failure = until(lambda: _failure(src, seq), "the stream to report the server gone")
        assert "unreachable" in failure or "closed" in failure
        made = [city.act(urgent, "note", role="officer", actor="duty:b", note=str(i))
                for i in range(5)]  # fmt: skip
        serve(city, port=port)
        batch = _wait_batch(src, seq, count=5)
        assert batch.count == 5 and batch.ticket_ids == {urgent}
        assert batch.seq == city.last_seq() and made[-1].version == made[0].version + 4
        assert src._listener is not None and src._listener.reconnects >= 1
    finally:
        src.close()


def test_closing_ends_a_quiet_change_stream_at_once(city, server):
    # a wall or a remote app that quits must not wait for the stream's next event
    src = ApiSource(server, create_token(city.factory, "q", "viewer", at=NOW), timeout=5)
    try:
        src.last_seq()  # starts the listener
        listener = src._listener
        assert listener is not None
        until(lambda: listener.connected, "the change stream to connect")
    finally:
        src.close()
    # the read blocked on the quiet stream ended; the thread did not outlive close()
    assert not listener._thread.is_alive()


def _failure(src: ApiSource, since: int) -> str:
    """The message of the stream's failure, or "" while it answers."""
    try:
        src.changes(since)
    except SourceUnavailable as exc:
        return str(exc)
    return ""


def _wait_batch(src: ApiSource, since: int, count: int = 1) -> ChangeBatch:
    """The changes after ``since`` once ``count`` of them arrived (the server may be
    coming back meanwhile)."""

    def arrived() -> ChangeBatch | None:
        try:
            batch = src.changes(since)
        except SourceUnavailable:
            return None
        return batch if batch.count >= count else None

    found = until(arrived, f"{count} change(s)", 10)
    assert found is not None
    return found


def _grid_code(city: LocalSource) -> str:
    return next(n.code for n in city.reference().nodes.values() if n.level == "grid")


def _category(city: LocalSource) -> str:
    return sorted(city.reference().categories)[0]


def test_a_fixtures_load_renames_on_the_server_and_in_the_remote_app(city, server, tmp_path):
    # another process loads fixtures with a renamed community: the running server and a
    # remote app show the new name without a restart (they served the old one until then)
    src = ApiSource(server, create_token(city.factory, "n", "viewer", at=NOW), timeout=5)
    try:
        seq = src.last_seq()
        old = "柳岸社区"
        assert any(n.name == old for n in src.reference().nodes.values())
        folder = tmp_path / "fixtures"
        shutil.copytree(FIXTURES, folder)
        nodes = folder / "nodes.csv"
        nodes.write_text(nodes.read_text(encoding="utf-8").replace(old, "柳岸新村社区"), "utf-8")
        other = LocalSource(city.url, clock=lambda: NOW)
        try:
            load_fixtures(other.factory, folder, now=NOW)
        finally:
            other.close()

        def named() -> bool:
            answer = httpx.get(f"{server}/api/v1/reference", headers=src._transport.headers)
            return "柳岸新村社区" in answer.text

        until(named, "the server to serve the new name")
        until(lambda: _wait_batch(src, seq).kinds & {"bulk"}, "the load on the stream")
        assert any(n.name == "柳岸新村社区" for n in src.reference().nodes.values())
    finally:
        src.close()
