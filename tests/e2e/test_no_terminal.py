"""`gridtui tui` without a terminal (``ssh host`` without ``-t`` into a forced command)
says so and ends, instead of running headless for ever."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gridtui.data.storage.db import upgrade


def test_tui_without_a_terminal_refuses_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/city.sqlite"
    upgrade(url)
    done = subprocess.run(
        [str(Path(sys.prefix) / "bin" / "gridtui"), "tui", "--db", url],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "needs a terminal" in done.stderr and "ssh -t" in done.stderr
    assert "\x1b[" not in done.stderr + done.stdout  # nothing drawn
