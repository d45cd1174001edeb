"""``gridtui serve --bulletins DIR``: a bulletin written once its period's due time
comes on the (simulated) clock, and not again after a restart; the routes that list
and download them, and refuse every other name."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from gridtui.cli.bulletin import local_rules
from gridtui.data.sources.local import LocalSource
from gridtui.domain.assessment.schedule import period_due
from tests.api.conftest import free_port
from tests.bulletin.servers import api_server, city_copy
from tests.conftest import NOW
from tests.waiting import until, wait_until_up

pytestmark = pytest.mark.xdist_group("bulletin-city")
GRIDTUI = [sys.executable, "-m", "gridtui.cli"]
MD = "text/markdown; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file in ``folder``: (inode, modification time in ns)."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()}


class Served:
    """A ``gridtui serve`` process, its log lines read as they come."""

    def __init__(self, url: str, folder: Path) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [*GRIDTUI, "--db", url, "serve", "--port", str(self.port), "--sweep", "0",
             "--no-watch", "--bulletins", str(folder)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        wait_until_up(f"http://127.0.0.1:{self.port}")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        self.lines.extend(self.proc.stdout)

    def saw(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def wait_for(self, text: str, seconds: float = 60.0) -> None:
        """Until a log line says ``text`` (failing with the log so far)."""
        try:
            until(lambda: self.saw(text), repr(text), seconds)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the log:\n{''.join(self.lines)}") from None

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=30)
        self.reader.join(10)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        return "".join(self.lines)


def test_serve_writes_each_bulletin_once_when_it_falls_due(
    demo_city: Callable[[int], Path], tmp_path: Path
) -> None:
    url = city_copy(demo_city(3), tmp_path)
    folder = tmp_path / "bulletins"
    publisher = LocalSource(url)
    rules = local_rules(publisher)()
    schedule = rules.config.schedule
    month = period_due(schedule, rules.windows, rules.tz, "month", NOW)  # November 2026
    # the city's clock: three simulated minutes before November's bulletin is due, ×30
    # (six real seconds: the server starts and begins to catch up before then)
    spec = publisher.publish_clock(30.0, start=month.due - timedelta(minutes=3))
    publisher.close()
    served = Served(url, folder)
    try:
        # November's once the clock shows its due time (and the next due is the week's)
        served.wait_for("next bulletin: week 2026-W49")
    finally:
        log = served.stop()

    def files(period: str) -> set[str]:
        return {f"bulletin-{period}.{schedule.lang}.{f}" for f in schedule.formats}

    november, week, october = files("month-2026-11"), files("week-2026-W48"), files("month-2026-10")
    for name in november:
        assert (folder / name).stat().st_mtime >= spec.real_at(month.due).timestamp() - 0.01
    # on start, the most recent due week and month were caught up with: October's
    # month when the first round began before November's was due (it did, unless the
    # machine took over six seconds to start the server), and the last week
    caught_up = week | (october if "next bulletin: month 2026-11" in log else set())
    before = _files(folder)
    assert set(before) == caught_up | november, log  # no lock, no temporary file left
    first_week = log.index("bulletin-week-2026-W48")
    assert first_week < log.index("bulletin written: bulletin-month-2026-11")
    # a restart writes nothing again
    again = Served(url, folder)
    try:
        again.wait_for("next bulletin: week 2026-W49")
    finally:
        log = again.stop()
    assert _files(folder) == before and "bulletin written" not in log


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A bulletins folder with two bulletins and what must never be served."""
    found = tmp_path / "bulletins"
    found.mkdir()
    (found / "bulletin-month-2026-11.zh.md").write_text("# 十一月通报\n", encoding="utf-8")
    (found / "bulletin-week-2026-W48.en.xlsx").write_bytes(b"PK\x03\x04 workbook")
    (found / ".bulletin-month-2026-12.zh.md.lock").write_text("1 host\n", encoding="utf-8")
    (found / ".bulletin-month-2026-12.zh.md.abc.tmp").write_text("half", encoding="utf-8")
    (found / "notes.txt").write_text("not a bulletin", encoding="utf-8")
    (found / "bulletin-year-2026.zh.md").mkdir()
    (tmp_path / "secret.md").write_text("outside", encoding="utf-8")
    (found / "bulletin-month-2026-10.zh.md").symlink_to(tmp_path / "secret.md")
    return found


def test_the_routes_list_and_serve_bulletins_and_nothing_else(
    demo_city: Callable[[int], Path], tmp_path: Path, folder: Path
) -> None:
    source = LocalSource(city_copy(demo_city(3), tmp_path), clock=lambda: NOW)
    try:
        with api_server(source, folder) as (base, token):
            auth = {"Authorization": f"Bearer {token}"}
            listed = httpx.get(f"{base}/api/v1/bulletins", headers=auth).json()["bulletins"]
            assert sorted((b["name"], b["period"], b["key"], b["lang"], b["format"], b["size"])
                          for b in listed) == [
                ("bulletin-month-2026-11.zh.md", "month", "2026-11", "zh", "md", 18),
                ("bulletin-week-2026-W48.en.xlsx", "week", "2026-W48", "en", "xlsx", 13),
            ]  # fmt: skip
            assert all(b["written_at"].endswith("Z") or "+00:00" in b["written_at"] for b in listed)
            md = httpx.get(f"{base}/api/v1/bulletins/bulletin-month-2026-11.zh.md", headers=auth)
            assert md.status_code == 200 and md.headers["content-type"] == MD
            assert md.text == "# 十一月通报\n" and "attachment" in md.headers["content-disposition"]
            xlsx = httpx.get(
                f"{base}/api/v1/bulletins/bulletin-week-2026-W48.en.xlsx", headers=auth
            )
            assert xlsx.headers["content-type"] == XLSX and xlsx.content.startswith(b"PK")
            for name in ["bulletin-month-2026-09.zh.md", "bulletin-month-2026-10.zh.md",
                         "bulletin-year-2026.zh.md", ".bulletin-month-2026-12.zh.md.lock",
                         "notes.txt", "..%2Fsecret.md", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                         "..%5Csecret.md", "bulletin-month-2026-11.zh.md%00",
                         "bulletin-month-2026-11.zh.md%2F..%2F..%2Fsecret.md"]:  # fmt: skip
                answer = httpx.get(f"{base}/api/v1/bulletins/{name}", headers=auth)
                assert answer.status_code == 404, (name, answer.text)
                assert answer.json()["error"]["code"] == "not_found"
            assert httpx.get(f"{base}/api/v1/bulletins").status_code == 401
        with api_server(source, None) as (base, token):  # serve without --bulletins
            auth = {"Authorization": f"Bearer {token}"}
            for path in ("", "/bulletin-month-2026-11.zh.md"):
                answer = httpx.get(f"{base}/api/v1/bulletins{path}", headers=auth)
                assert answer.status_code == 404 and "--bulletins" in answer.text
    finally:
        source.close()
