"""`gridtui snapshot` and `gridtui tui` from the command line."""

from __future__ import annotations

import pytest

from gridtui.cli.main import main


def test_snapshot_writes_the_screen_as_svg(demo_url, tmp_path, capsys):
    out = tmp_path / "queue.svg"
    code = main(["--db", demo_url, "snapshot", "--screen", "queue", "--size", "100x30",
                 "--lang", "en", "--out", str(out)])  # fmt: skip
    assert code == 0
    svg = out.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "Queue" in svg and "Colour" in svg


def test_snapshot_of_the_most_urgent_ticket_by_default(demo_url, tmp_path):
    from gridtui.data.sources.local import LocalSource

    src = LocalSource(demo_url)
    urgent = src.most_urgent()
    src.close()
    out = tmp_path / "t.svg"
    assert main(["snapshot", "--db", demo_url, "--screen", "ticket", "--out", str(out)]) == 0
    assert f"#{urgent}" in out.read_text(encoding="utf-8")


def test_snapshot_rejects_a_bad_size(demo_url, tmp_path, capsys):
    code = main(["--db", demo_url, "snapshot", "--screen", "queue", "--size", "big",
                 "--out", str(tmp_path / "x.svg")])  # fmt: skip
    assert code == 1
    assert "WIDTHxHEIGHT" in capsys.readouterr().err


def test_unknown_screen_is_a_usage_error(demo_url, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--db", demo_url, "snapshot", "--screen", "nope", "--out", str(tmp_path / "x")])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_tui_on_a_database_without_schema_says_what_to_do(tmp_path, capsys):
    code = main(["tui", "--db", f"sqlite:///{tmp_path}/empty.sqlite"])
    assert code == 1
    assert "gridtui db upgrade" in capsys.readouterr().err
