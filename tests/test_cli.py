"""The `gridtui` command line, run in-process on real databases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gridtui.cli.main import main
from tests.conftest import FIXTURES, NOW


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_load_seed_and_stats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path}/g.sqlite"
    assert run(capsys, "--db", db, "db", "upgrade")[0] == 0
    code, out, _ = run(capsys, "--db", db, "load", str(FIXTURES))
    assert code == 0 and "nodes" in out
    code, out, _ = run(
        capsys, "--db", db, "seed", "--scale", "demo", "--seed", "3", "--now", NOW.isoformat(),
        "--quiet",
    )  # fmt: skip
    assert code == 0
    seeded = json.loads(out)
    code, out, _ = run(capsys, "--db", db, "stats", "--json", "--at", NOW.isoformat())
    assert code == 0
    stats = json.loads(out)
    assert stats["tickets_total"] == seeded["tickets"]
    for key in (
        "open", "closed", "overdue", "closure_rate", "on_time_closed", "closed_with_deadline",
        "on_time_rate", "by_colour", "by_status", "by_channel",
    ):  # fmt: skip
        assert key in stats
    assert stats["open"] + stats["closed"] <= stats["tickets_total"]
    assert sum(stats["by_status"].values()) == stats["tickets_total"]
    # as of a moment before the history began, there is nothing
    code, out, _ = run(capsys, "--db", db, "stats", "--json", "--at", "2000-01-01T00:00:00Z")
    assert json.loads(out)["tickets_total"] == 0


def test_broken_fixture_names_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "fx"
    shutil.copytree(FIXTURES, folder)
    lines = (folder / "workers.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("full_time", "astronaut")
    (folder / "workers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path}/g.sqlite"
    code, _, err = run(capsys, "--db", db, "load", str(folder))
    assert code == 1
    assert "workers.csv:4" in err and "'role'" in err and "nothing was loaded" in err
    code, out, _ = run(capsys, "--db", db, "stats", "--json")
    assert code == 0 and json.loads(out)["tickets_total"] == 0


def test_stats_on_a_database_without_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--db", f"sqlite:///{tmp_path}/empty.sqlite", "stats")
    assert code == 1 and "gridtui db upgrade" in err


def test_dead_server_gets_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql+psycopg://gridtui:secret@127.0.0.1:1/nowhere"
    code, _, err = run(capsys, "--db", url, "stats")
    assert code == 2
    assert "cannot use the database" in err and "127.0.0.1:1" in err
    assert "secret" not in err
