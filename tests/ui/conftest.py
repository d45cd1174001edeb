"""UI test fixtures: a seeded demo city (built once, copied per test), a fixed clock,
and the app built by the same factory the CLI uses."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from gridtui.app import GridApp, build_app
from gridtui.data.sources.local import LocalSource
from gridtui.snapshot import settle
from tests.conftest import NOW


@pytest.fixture(scope="session")
def demo_template(demo_city: Callable[[int], Path]) -> Path:
    """The demo city seeded up to ``NOW`` (seed 1), built once per run."""
    return demo_city(1)


@pytest.fixture
def demo_url(demo_template: Path, tmp_path: Path) -> str:
    """A private copy of the demo city for one test."""
    path = tmp_path / "demo.sqlite"
    shutil.copyfile(demo_template, path)
    return f"sqlite:///{path}"


def fixed_clock() -> datetime:
    """The tests' now."""
    return NOW


@pytest.fixture
def source(demo_url: str) -> Iterator[LocalSource]:
    """A local data source on the test's copy, on the fixed clock."""
    src = LocalSource(demo_url, clock=fixed_clock)
    yield src
    src.close()


@pytest.fixture
def make_app(source: LocalSource) -> Callable[..., GridApp]:
    """``make_app(screen=..., role=..., lang=...)`` → an app on the test's city."""

    def make(**options: Any) -> GridApp:
        options.setdefault("clock", fixed_clock)
        options.setdefault("poll_seconds", 0.2)
        options.setdefault("lang", "zh")
        return build_app(source, **options)

    return make


@pytest.fixture
def wait() -> Callable[..., Any]:
    """``await wait(app, pilot)``: until the screen loaded and workers are done."""
    return settle
