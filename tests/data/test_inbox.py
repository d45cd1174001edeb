"""The drop folder (gridtui.data.intake.inbox): each 12345 hotline export (CSV or JSON) that
lands in the folder is imported whole or not at all, moved to done/ or rejected/
(with the reasons beside it), never read while still being written, and never
imported twice; `gridtui watch` and `gridtui serve --inbox` run it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gridtui.data.intake.importer import ImportMap
from gridtui.data.intake.inbox import Inbox
from gridtui.data.sources.tokens import create_token
from gridtui.data.storage.models import Change, InboxFile, Ticket
from tests.api.conftest import free_port
from tests.conftest import FIXTURES, NOW, ROOT
from tests.waiting import until

SAMPLES = FIXTURES / "samples"
CSV = SAMPLES / "hotline12345-sample.csv"
JSON = SAMPLES / "hotline12345-sample.json"
CSV_ROWS, JSON_ROWS = 40, 15
GRIDTUI = [sys.executable, "-m", "gridtui.cli"]
Factory = sessionmaker[Session]


class Clock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def hotline_tickets(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return int(s.scalar(select(func.count()).where(Ticket.source == "hotline12345")) or 0)


def imported_files(factory: sessionmaker[Session]) -> list[str]:
    with factory() as s:
        return sorted(s.scalars(select(InboxFile.name)))


def make_inbox(
    drop: Path, factory: sessionmaker[Session], mapping: ImportMap, clock: Clock, **kw: Any
) -> Inbox:
    return Inbox(drop, factory, mapping, settle=1.0, clock=clock, now=lambda: NOW, **kw)


def test_files_present_at_start_are_imported_once_settled(
    city: Factory, mapping: ImportMap, drop: Path
) -> None:
    drop.mkdir()
    shutil.copy(CSV, drop)
    shutil.copy(JSON, drop)
    clock = Clock()
    inbox = make_inbox(drop, city, mapping, clock)
    assert inbox.scan() == []  # seen, not settled yet
    clock.t += 0.5
    assert inbox.scan() == [] and inbox.waiting == [CSV.name, JSON.name]
    clock.t += 0.6
    outcomes = inbox.scan()
    assert [(o.name, o.state) for o in outcomes] == [
        (CSV.name, "imported"),
        (JSON.name, "imported"),
    ]
    assert [o.report.inserted for o in outcomes if o.report] == [CSV_ROWS, JSON_ROWS]
    assert sorted(p.name for p in (drop / "done").iterdir()) == [CSV.name, JSON.name]
    assert (drop / "done" / CSV.name).read_bytes() == CSV.read_bytes()
    assert not list((drop / "rejected").iterdir()) and inbox.waiting == []
    assert hotline_tickets(city) == CSV_ROWS + JSON_ROWS
    assert imported_files(city) == sorted([CSV.name, JSON.name])
    with city() as s:
        imports = s.scalars(select(Change).where(Change.op == "import")).all()
        assert {c.data["file"] for c in imports} == {CSV.name, JSON.name}
        # the map put the orders into our catalogue, departments and grids
        t = s.scalars(select(Ticket).where(Ticket.external_id == "GD20261123001001")).one()
        assert (t.category, t.channel, t.status) == ("order.stall", "citizen_app", "accepted")
        assert t.grid_id is not None and t.department_id is not None


def _broken_csv(drop: Path) -> tuple[Path, bytes]:
    rows = CSV.read_text(encoding="utf-8-sig").splitlines()
    rows[3] = rows[3].replace("2026-11-23 ", "2026-13-23 ", 1)  # line 4: no 13th month
    rows[6] = rows[6].replace(",112.", ",东经112.", 1)  # line 7: not a number
    data = ("\n".join(rows) + "\n").encode("utf-8")
    path = drop / "bad-export.csv"
    path.write_bytes(data)
    return path, data


def test_a_malformed_file_is_rejected_whole_with_the_lines_named(
    city: Factory, mapping: ImportMap, drop: Path
) -> None:
    drop.mkdir()
    _, data = _broken_csv(drop)
    broken_json = (
        '[\n  {"工单编号": "GD1", "受理时间": "2026-11-24 08:00:00"},\n'
        '  {"工单编号": , "受理时间": ""}\n]\n'
    )
    (drop / "orders.json").write_text(broken_json, encoding="utf-8")
    (drop / "readme.txt").write_text("工单导出说明", encoding="utf-8")
    clock = Clock()
    inbox = make_inbox(drop, city, mapping, clock)
    inbox.scan()
    clock.t += 2
    outcomes = {o.name: o for o in inbox.scan()}
    assert {n: o.state for n, o in outcomes.items()} == {
        "bad-export.csv": "rejected", "orders.json": "rejected", "readme.txt": "rejected",
    }  # fmt: skip
    rejected = drop / "rejected"
    assert (rejected / "bad-export.csv").read_bytes() == data  # kept intact
    error = (rejected / "bad-export.csv.error.txt").read_text(encoding="utf-8")
    assert "nothing from this file was written" in error and "2 of 40 row(s)" in error
    line4, line7 = (data.decode().splitlines()[i].split(",")[0] for i in (3, 6))
    assert f"line 4 ({line4}): field opened_at: '2026-13-23" in error
    assert f"line 7 ({line7}): field lon: '东经112." in error
    json_error = (rejected / "orders.json.error.txt").read_text(encoding="utf-8")
    assert "not JSON at line 3 column 12: Expecting value" in json_error
    readme = (rejected / "readme.txt.error.txt").read_text("utf-8")
    assert "the header lacks mapped column(s)" in readme and "read as UTF-8 text" in readme
    assert hotline_tickets(city) == 0 and imported_files(city) == []  # nothing from them
    assert "line 4" in str(outcomes["bad-export.csv"])
    # fixed and dropped again under the same name: imported; the old reasons are kept
    shutil.copy(CSV, drop / "bad-export.csv")
    inbox.scan()
    clock.t += 2
    assert [o.state for o in inbox.scan()] == ["imported"]
    assert hotline_tickets(city) == CSV_ROWS
    assert (rejected / "bad-export.csv.error.txt").exists()


def test_a_file_still_being_written_is_left_until_it_settles(
    city: Factory, mapping: ImportMap, drop: Path
) -> None:
    drop.mkdir()
    data = CSV.read_bytes()
    half = len(data) // 2
    clock = Clock()
    inbox = make_inbox(drop, city, mapping, clock)
    # a copy under a temporary name is never touched, however long it sits there
    part = drop / "export.csv.part"
    part.write_bytes(data)
    (drop / ".export.csv").write_bytes(data[:half])
    # a file written in place: half of it now
    growing = drop / "export.csv"
    with growing.open("wb") as fh:
        fh.write(data[:half])
        fh.flush()
        inbox.scan()
        clock.t += 0.9
        assert inbox.scan() == []
        fh.write(data[half:])  # the rest, just before it would have settled
        fh.flush()
        os.utime(growing, ns=(time.time_ns(), time.time_ns()))
        clock.t += 0.2
        assert inbox.scan() == []  # changed: it starts settling again
        clock.t += 0.9
        assert inbox.scan() == []
    assert growing.read_bytes() == data and hotline_tickets(city) == 0
    clock.t += 0.2
    assert [(o.name, o.state) for o in inbox.scan()] == [("export.csv", "imported")]
    assert hotline_tickets(city) == CSV_ROWS
    clock.t += 60
    assert inbox.scan() == [] and part.exists() and (drop / ".export.csv").exists()
    # renamed when complete: now it is a candidate (and a duplicate of export.csv)
    part.rename(drop / "export-copy.csv")
    inbox.scan()
    clock.t += 2
    assert [o.state for o in inbox.scan()] == ["duplicate"]
    assert hotline_tickets(city) == CSV_ROWS


def test_the_same_content_is_never_imported_twice(
    city: Factory, mapping: ImportMap, drop: Path
) -> None:
    drop.mkdir()
    clock = Clock()
    inbox = make_inbox(drop, city, mapping, clock)

    def dropped(name: str, data: bytes) -> list[tuple[str, str]]:
        (drop / name).write_bytes(data)
        inbox.scan()
        clock.t += 2
        return [(o.name, o.state) for o in inbox.scan()]

    assert dropped(CSV.name, CSV.read_bytes()) == [(CSV.name, "imported")]
    assert dropped("copy.csv", CSV.read_bytes()) == [("copy.csv", "duplicate")]
    assert dropped(CSV.name, CSV.read_bytes()) == [(CSV.name, "duplicate")]
    done = drop / "done"
    assert sorted(p.name for p in done.iterdir()) == sorted([
        CSV.name, "copy.csv", "copy.csv.duplicate.txt",
        "hotline12345-sample.2.csv", "hotline12345-sample.2.csv.duplicate.txt",
    ])  # fmt: skip
    note = (done / "copy.csv.duplicate.txt").read_text(encoding="utf-8")
    assert f"same content as '{CSV.name}'" in note and "40 row(s)" in note
    assert hotline_tickets(city) == CSV_ROWS
    # after a restart too
    again = make_inbox(drop, city, mapping, clock)
    (drop / "again.csv").write_bytes(CSV.read_bytes())
    again.scan()
    clock.t += 2
    assert [o.state for o in again.scan()] == ["duplicate"]
    # a newer export with some of the same orders updates them: no duplicate tickets
    rows = CSV.read_text(encoding="utf-8-sig").splitlines()
    newer = [rows[0], *(r.replace(",办理中,", ",已办结,") for r in rows[1:11])]
    assert newer[1:] != rows[1:11]
    assert dropped("update.csv", ("\n".join(newer) + "\n").encode()) == [("update.csv", "imported")]
    assert hotline_tickets(city) == CSV_ROWS
    assert imported_files(city) == sorted([CSV.name, "update.csv"])


def test_while_the_database_is_away_the_file_waits(
    city: Factory, mapping: ImportMap, drop: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlalchemy import create_engine

    from gridtui.data.intake.inbox import RETRY_SECONDS

    drop.mkdir()
    shutil.copy(CSV, drop)
    away = create_engine(f"sqlite:///{drop}/missing-folder/none.sqlite")
    clock = Clock()
    inbox = make_inbox(drop, sessionmaker(away), mapping, clock)
    inbox.scan()
    clock.t += 2
    assert inbox.scan() == []  # not rejected: nothing is wrong with the file
    assert (drop / CSV.name).exists() and inbox.waiting == [CSV.name]
    assert "cannot import now" in caplog.text
    inbox.factory = city  # the database is back
    clock.t += 2
    assert inbox.scan() == []  # it waits a little longer than a settle first
    clock.t += RETRY_SECONDS
    assert [o.state for o in inbox.scan()] == ["imported"]
    assert hotline_tickets(city) == CSV_ROWS
    away.dispose()


def test_the_watching_thread_imports_dropped_files(
    city: Factory, mapping: ImportMap, drop: Path
) -> None:
    drop.mkdir()
    shutil.copy(JSON, drop)  # there before the watcher starts
    inbox = Inbox(drop, city, mapping, settle=0.5, now=lambda: NOW).start()
    try:
        assert until(lambda: (drop / "done" / JSON.name).exists())
        shutil.copy(CSV, drop / "today.csv")
        assert until(lambda: (drop / "done" / "today.csv").exists())
        assert hotline_tickets(city) == CSV_ROWS + JSON_ROWS
    finally:
        inbox.close()


def test_the_watching_thread_waits_for_a_slow_writer(
    city: Factory, mapping: ImportMap, drop: Path
) -> None:
    drop.mkdir()
    inbox = Inbox(drop, city, mapping, settle=3.0, now=lambda: NOW).start()
    data = CSV.read_bytes()
    path = drop / "slow.csv"
    try:
        with path.open("wb") as fh:
            fh.write(data[: len(data) // 3])
            fh.flush()
            until(lambda: "slow.csv" in inbox.waiting)
            time.sleep(0.3)  # well within the settle time: still being written
            assert path.exists() and hotline_tickets(city) == 0
            fh.write(data[len(data) // 3 :])
        assert until(lambda: (drop / "done" / "slow.csv").exists())
        assert hotline_tickets(city) == CSV_ROWS
        assert not list((drop / "rejected").iterdir())
    finally:
        inbox.close()


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def test_gridtui_watch_imports_what_lands_in_the_folder(sqlite_city: str, drop: Path) -> None:
    from gridtui.data.storage.db import make_engine, session_factory

    proc = subprocess.Popen(
        [*GRIDTUI, "--db", sqlite_city, "watch", str(drop), "--settle", "0.3"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert until(lambda: (drop / "done").is_dir() or proc.poll() is not None)
        shutil.copy(CSV, drop / "export.csv")
        bad, _ = _broken_csv(drop)
        assert until(lambda: (drop / "done" / "export.csv").exists() or proc.poll() is not None)
        assert until(lambda: (drop / "rejected" / f"{bad.name}.error.txt").exists())
    finally:
        out = _stop(proc)
    assert "export.csv: imported 40 row(s): 40 new" in out, out
    assert "bad-export.csv: rejected: 2 of 40 row(s) refused, the first on line 4" in out, out
    engine = make_engine(sqlite_city)
    try:
        assert hotline_tickets(session_factory(engine)) == CSV_ROWS
    finally:
        engine.dispose()
    # --once: what is there now, then it stops by itself
    shutil.copy(JSON, drop)
    done = subprocess.run(
        [*GRIDTUI, "--db", sqlite_city, "watch", str(drop), "--settle", "0.2", "--once"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0 and f"{JSON.name}: imported 15 row(s)" in done.stdout


def test_gridtui_serve_runs_the_inbox_and_watches_the_rules(
    sqlite_city: str, drop: Path, tmp_path: Path
) -> None:
    from gridtui.data.storage.db import make_engine, session_factory

    folder = Path(shutil.copytree(FIXTURES, tmp_path / "fixtures"))
    engine = make_engine(sqlite_city)
    token = create_token(session_factory(engine), "督办", "viewer", at=NOW)
    engine.dispose()
    port = free_port()
    proc = subprocess.Popen(
        [*GRIDTUI, "--db", sqlite_city, "serve", "--port", str(port), "--inbox", str(drop),
         "--settle", "0.3", "--fixtures", str(folder)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    # one client for every look (a new one loads the certificate store each time)
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5)

    def up() -> bool:
        try:
            return http.get("/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return proc.poll() is not None

    def problems() -> list[dict[str, Any]]:
        answer = http.get("/api/v1/config/problems", headers={"Authorization": f"Bearer {token}"})
        return list(answer.json()["problems"])

    try:
        assert until(up) and proc.poll() is None
        shutil.copy(JSON, drop / "orders.json")
        assert until(lambda: (drop / "done" / "orders.json").exists())
        (folder / "scoring.toml").write_text('timezone = "Mars/Olympus"\n', encoding="utf-8")
        found = until(problems)
        assert [(p["name"], p["line"]) for p in found] == [("scoring.toml", 1)]
        assert "Mars/Olympus" in found[0]["message"]
        shutil.copy(FIXTURES / "scoring.toml", folder / "scoring.toml")
        assert until(lambda: problems() == [])
    finally:
        http.close()
        out = _stop(proc)
    assert "orders.json: imported 15 row(s)" in out, out
    assert "scoring.toml:1" in out, out  # the serving process's log names it too
    assert json.loads(json.dumps(found))  # plain JSON over the wire
