"""The layout rules of issue #14 that a machine can check: no module under gridtui/
longer than 500 lines."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "gridtui"
#: the hard limit on a module's length (the aim is about 400)
MAX_LINES = 500


def too_long(package: Path = PACKAGE, limit: int = MAX_LINES) -> list[str]:
    """``path: lines`` of every module under ``package`` longer than ``limit`` lines."""
    found = []
    for path in sorted(package.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            found.append(f"{path.relative_to(package.parent)}: {lines}")
    return found


def test_no_module_is_longer_than_the_limit() -> None:
    offenders = too_long()
    assert not offenders, f"modules over {MAX_LINES} lines:\n" + "\n".join(offenders)


def test_the_check_finds_a_long_module(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "short.py").write_text("x = 1\n" * 3)
    (tmp_path / "pkg" / "long.py").write_text("x = 1\n" * 4)
    assert too_long(tmp_path / "pkg", limit=3) == ["pkg/long.py: 4"]
