"""The drop folder under hostile input (issue 12): no one file stops it. A 250-byte
name, a FIFO, a link, a folder, an empty or hidden file, an unreadable file: each is
dealt with (imported and moved, or left alone) and reported once; names with escape
sequences or newlines never reach the terminal or the log as such."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gridtui.data.intake.importer import ImportMap
from gridtui.data.intake.inbox import Inbox, Outcome
from gridtui.data.intake.inbox_files import NAME_MAX, fitting_name
from tests.conftest import ROOT
from tests.data.test_inbox import (
    CSV,
    CSV_ROWS,
    GRIDTUI,
    JSON,
    JSON_ROWS,
    Clock,
    Factory,
    hotline_tickets,
    make_inbox,
)

LONG = "工单" * 40 + "x" * (250 - 6 * 40 - 4) + ".csv"  # 250 bytes in UTF-8
EVIL = "x\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07.csv"


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def settle(inbox: Inbox, clock: Clock, rounds: int = 5) -> list[Outcome]:
    out = []
    for _ in range(rounds):
        out += inbox.scan()
        clock.t += 2
    return out


def test_a_250_byte_name_is_imported_moved_and_stops_nothing(
    city: Factory, mapping: ImportMap, drop: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gridtui")
    assert len(os.fsencode(LONG)) == 250
    drop.mkdir()
    shutil.copy(CSV, drop / LONG)
    shutil.copy(JSON, drop / "zz-after.json")  # sorted after the long name
    bad = "坏" * 80 + ".csv"  # 244 bytes: no room for ".error.txt" beside it
    (drop / bad).write_text("工单编号,受理时间\nGD1,2026-13-01 08:00:00\n", encoding="utf-8")
    clock = Clock()
    inbox = make_inbox(drop, city, mapping, clock)
    outcomes = settle(inbox, clock)
    assert {(o.name, o.state) for o in outcomes} == {
        (LONG, "imported"), ("zz-after.json", "imported"), (bad, "rejected"),
    }  # fmt: skip
    assert hotline_tickets(city) == CSV_ROWS + JSON_ROWS
    assert names(drop) == ["done", "rejected"]  # nothing left behind, nothing looping
    assert names(drop / "done") == sorted([fitting_name(LONG), "zz-after.json"])
    assert (drop / "done" / fitting_name(LONG)).read_bytes() == CSV.read_bytes()
    short_bad = fitting_name(bad)
    assert names(drop / "rejected") == sorted([short_bad, short_bad + ".error.txt"])
    note = (drop / "rejected" / (short_bad + ".error.txt")).read_text(encoding="utf-8")
    assert note.startswith(bad + ": not imported")  # the note names the original
    assert all(len(os.fsencode(n)) <= NAME_MAX for n in names(drop / "rejected"))
    assert inbox.next_check() is None  # nothing waits: the watcher sleeps
    assert "File name too long" not in caplog.text and "cannot" not in caplog.text
    # the same long name dropped again: a duplicate, moved beside a note, not re-imported
    shutil.copy(CSV, drop / LONG)
    assert [o.state for o in settle(inbox, clock)] == ["duplicate"]
    assert names(drop) == ["done", "rejected"] and hotline_tickets(city) == CSV_ROWS + JSON_ROWS
    assert len(names(drop / "done")) == 4  # a second shortened name and its note


def test_links_fifos_folders_empty_and_hidden_files_are_left_and_reported_once(
    city: Factory, mapping: ImportMap, drop: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gridtui")
    drop.mkdir()
    outside = tmp_path / "outside.csv"
    shutil.copy(CSV, outside)
    (drop / "a-link.csv").symlink_to(outside)
    os.mkfifo(drop / "b-fifo.csv")  # opened for reading, it would block the scan
    (drop / "c-folder").mkdir()
    (drop / "d-empty.csv").touch()
    (drop / ".e-hidden.csv").write_bytes(CSV.read_bytes())
    (drop / "f.csv.part").write_bytes(CSV.read_bytes())
    shutil.copy(JSON, drop / "g.json")
    clock = Clock()
    inbox = make_inbox(drop, city, mapping, clock)
    outcomes = settle(inbox, clock, rounds=8)
    assert [(o.name, o.state) for o in outcomes] == [("g.json", "imported")]
    assert hotline_tickets(city) == JSON_ROWS  # the link's target was not imported
    assert outside.exists() and (drop / "a-link.csv").is_symlink()
    expected = {
        "a-link.csv": "a symbolic link",
        "b-fifo.csv": "not a regular file (FIFO",
        "c-folder": "a folder",
        "d-empty.csv": "empty",
        ".e-hidden.csv": "a hidden name",
        "f.csv.part": "a name still being written",
    }
    messages = [r.getMessage() for r in caplog.records]
    for name, why in expected.items():
        said = [m for m in messages if m.startswith(f"{name}: ")]
        assert len(said) == 1 and why in said[0], (name, said)
    # once the empty file has content, it is imported
    shutil.copy(CSV, drop / "d-empty.csv")
    assert [(o.name, o.state) for o in settle(inbox, clock)] == [("d-empty.csv", "imported")]


def test_an_unreadable_file_goes_to_rejected_and_the_others_are_imported(
    city: Factory,
    mapping: ImportMap,
    drop: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gridtui.data.intake.inbox as inbox_module
    from gridtui.data.intake.inbox_files import read_regular as real

    def read(path: Path) -> bytes | None:
        if path.name == "a-locked.csv":  # (tests run as root: chmod 000 would not do)
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(inbox_module, "read_regular", read)
    drop.mkdir()
    shutil.copy(CSV, drop / "a-locked.csv")
    shutil.copy(JSON, drop / "b.json")
    clock = Clock()
    inbox = make_inbox(drop, city, mapping, clock)
    got = {o.name: o.state for o in settle(inbox, clock)}
    assert got == {"a-locked.csv": "rejected", "b.json": "imported"}
    error = (drop / "rejected" / "a-locked.csv.error.txt").read_text(encoding="utf-8")
    assert "cannot be read: Permission denied" in error


def test_a_failure_with_one_file_is_logged_once_and_the_scan_goes_on(
    city: Factory,
    mapping: ImportMap,
    drop: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gridtui.data.intake.inbox as inbox_module
    from gridtui.data.intake.inbox_files import move as real

    def move(path: Path, folder: Path) -> Path:
        if path.name == "a-stuck.csv":
            raise OSError(30, "Read-only file system")
        return real(path, folder)

    monkeypatch.setattr(inbox_module, "move", move)
    drop.mkdir()
    shutil.copy(CSV, drop / "a-stuck.csv")
    shutil.copy(JSON, drop / "b.json")
    clock = Clock()
    inbox = make_inbox(drop, city, mapping, clock)
    got = {o.name: o.state for o in settle(inbox, clock, rounds=10)}
    assert got == {"b.json": "imported"}
    said = [r.getMessage() for r in caplog.records if "a-stuck.csv" in r.getMessage()]
    assert len(said) == 1 and "Read-only file system" in said[0], said
    assert inbox.next_check() is None  # not tried again at every step
    assert hotline_tickets(city) == CSV_ROWS + JSON_ROWS  # its rows are in: never twice


def test_escape_sequences_and_newlines_in_names_reach_neither_terminal_nor_log(
    sqlite_city: str, drop: Path
) -> None:
    drop.mkdir()
    shutil.copy(CSV, drop / EVIL)
    (drop / "bad\nFORGED: imported 999 row(s).csv").write_text("not,a\nwork,order\n")
    os.mkfifo(drop / "fifo\x1b[2J\u202e.csv")
    done = subprocess.run(
        [*GRIDTUI, "--db", sqlite_city, "watch", str(drop), "--settle", "0.2", "--once"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    for bad in ("\x1b", "\x07", "\u202e"):
        assert bad not in out, out
    assert not any(line.startswith("FORGED") for line in out.splitlines()), out
    assert "x]0;pwned]52;c;ZXZpbA==.csv: imported 40 row(s)" not in out  # OSC gone whole
    assert "x.csv: imported 40 row(s)" in out, out
    assert "bad\\nFORGED: imported 999 row(s).csv: rejected" in out, out
    assert "fifo<U+202E>.csv: not a regular file" in out, out
    error = (drop / "rejected" / "bad\nFORGED: imported 999 row(s).csv.error.txt").read_text()
    assert error.startswith("bad\\nFORGED")


def test_a_folder_that_cannot_be_worked_is_reported_once(
    city: Factory,
    mapping: ImportMap,
    drop: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox = make_inbox(drop, city, mapping, Clock())

    class Notify:  # the watcher's wake-ups: twenty, then stop
        calls = 0

        def watch(self, *_: object) -> str:
            self.calls += 1
            return "stop" if self.calls > 20 else "timeout"

        def close(self) -> None:
            pass

    def scan() -> list[object]:
        raise PermissionError(13, "Permission denied", str(drop))

    monkeypatch.setattr(inbox, "scan", scan)
    inbox._notify = Notify()
    inbox._watch()
    said = [r.getMessage() for r in caplog.records if "cannot work the inbox" in r.getMessage()]
    assert len(said) == 1 and "Permission denied" in said[0], said
