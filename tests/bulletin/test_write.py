"""``write_bulletin``: the format by the suffix, what it asks the source, progress, a
file that appears whole or not at all; and the claim that lets one process of
several write a scheduled bulletin."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from gridtui.bulletin import write_bulletin
from gridtui.bulletin.files import claim, write_atomically
from gridtui.data.sources.source import SourceError
from gridtui.domain.assessment.config import DEFAULT_ASSESSMENT
from tests.bulletin import records as R


def test_the_suffix_chooses_the_format_and_the_levels_the_sections(tmp_path: Path) -> None:
    records, config = R.RecordsSource(), replace(DEFAULT_ASSESSMENT, bulletin=R.LAYOUT)
    for suffix in (".md", ".xlsx", ".docx"):
        seen: list[float] = []
        out = write_bulletin(records.source(), tmp_path / f"b{suffix}", period="month", at=R.AT,
                             levels=["community"], lang="en", progress=seen.append,
                             config=config)  # fmt: skip
        assert out.exists() and out.stat().st_size > 0
        assert out.stat().st_mode & 0o777 == 0o600
        assert seen == sorted(seen) and seen[-1] == 1.0 and 0 < seen[0] < 1
    text = (tmp_path / "b.md").read_text(encoding="utf-8")
    assert "## 2. Community ranking" in text and "Street ranking" not in text
    assert ("assessment", "community", "month") in records.asked
    assert ("facts", "month", "3") in records.asked  # list_limit of the layout
    assert (tmp_path / "b.xlsx").read_bytes()[:2] == b"PK"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.docx", "b.md", "b.xlsx"]


def test_the_default_levels_are_the_schedule_s(tmp_path: Path) -> None:
    records = R.RecordsSource()
    write_bulletin(records.source(), tmp_path / "b.md", period="month", at=R.AT)
    asked = [a[1] for a in records.asked if a[0] == "assessment"]
    assert asked == list(DEFAULT_ASSESSMENT.schedule.levels)


def test_bad_requests_are_refused_before_anything_is_read(tmp_path: Path) -> None:
    records = R.RecordsSource()
    with pytest.raises(ValueError, match=r"\.md, \.xlsx, \.docx.*\.pdf"):
        write_bulletin(records.source(), tmp_path / "b.pdf", period="month", at=R.AT)
    with pytest.raises(ValueError, match="unknown level 'town'"):
        write_bulletin(
            records.source(), tmp_path / "b.md", period="month", at=R.AT, levels=["town"]
        )
    with pytest.raises(ValueError, match="unknown language"):
        write_bulletin(records.source(), tmp_path / "b.md", period="month", at=R.AT, lang="fr")
    assert records.asked == [] and list(tmp_path.iterdir()) == []


def test_a_failed_bulletin_leaves_the_old_file_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "b.docx"
    out.write_bytes(b"last month's")
    with pytest.raises(SourceError):
        write_bulletin(R.RecordsSource(fail=True).source(), out, period="month", at=R.AT)

    def half(tmp: Path) -> None:
        tmp.write_bytes(b"half a bulletin")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(out, half)
    assert out.read_bytes() == b"last month's" and os.listdir(tmp_path) == ["b.docx"]

    # written once: an existing bulletin is never replaced
    def again(tmp: Path) -> None:
        tmp.write_bytes(b"again")

    with pytest.raises(FileExistsError):
        write_atomically(out, again, replace=False)
    assert out.read_bytes() == b"last month's" and os.listdir(tmp_path) == ["b.docx"]


def test_one_claim_at_a_time_and_a_dead_writer_s_claim_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "bulletin-month-2026-11.zh.docx"
    with claim(out) as first:
        with claim(out) as second:
            assert first and not second
        assert (tmp_path / ".bulletin-month-2026-11.zh.docx.lock").exists()
    assert list(tmp_path.iterdir()) == []
    # a writer that died holding the claim: its process is gone
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    lock = tmp_path / ".bulletin-month-2026-11.zh.docx.lock"
    lock.write_text(f"{gone.stdout.strip()} {socket.gethostname()}\n", encoding="utf-8")
    with claim(out) as taken:
        assert taken
    # a living one's is respected
    lock.write_text(f"{os.getppid()} {socket.gethostname()}\n", encoding="utf-8")
    with claim(out) as taken:
        assert not taken
    assert lock.exists()
