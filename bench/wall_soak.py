"""Soak: wall mode on the simulator for a simulated week (issue 5).

Builds a fresh demo city, starts ``gridtui simulate --speed N --duration 7d`` on it,
and runs ``gridtui wall`` and, as the baseline in the same run, ``htop -d 10``, each
in its own pseudo-terminal of the same size (120x40 by default). Every byte either
program writes to its terminal is counted. Prints:

- the wall's resident memory after the warm-up (every screen shown at least once)
  and at the end of the simulated week, with samples in between; target: growth
  under 10 %;
- terminal bytes per second of the wall and of htop while the simulator runs
  ("live") and after it has stopped ("idle"); targets: live ≤ 3× htop, idle ≤ htop.

Usage::

    .venv/bin/python bench/wall_soak.py [--speed 1008] [--days 7] [--idle 60]
        [--rotate 20] [--size 120x40] [--keep DIR]

At ``--speed 1008`` a simulated week takes 10 minutes. Needs ``htop`` on the PATH
(Debian: ``apt-get install htop``). Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRIDTUI = str(Path(sys.executable).with_name("gridtui"))
TARGET_GROWTH = 0.10
TARGET_LIVE_RATIO = 3.0
TARGET_IDLE_RATIO = 1.0


@dataclass
class Terminal:
    """A program running in a pseudo-terminal whose output is counted, not shown."""

    name: str
    argv: Sequence[str]
    cols: int
    rows: int
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    total: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _fd: int = -1
    _thread: threading.Thread | None = None

    def start(self) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))
        self.proc = subprocess.Popen(
            list(self.argv), stdin=slave, stdout=slave, stderr=slave, env=self.env,
            cwd=ROOT, start_new_session=True, close_fds=True,
        )  # fmt: skip
        os.close(slave)
        self._fd = master
        self._thread = threading.Thread(target=self._read, name=f"pty-{self.name}", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._fd, 65536)
            except OSError:  # EIO: the program has gone
                return
            if not chunk:
                return
            with self._lock:
                self.total += len(chunk)

    def count(self) -> int:
        """Bytes written so far."""
        with self._lock:
            return self.total

    def rss_kib(self, field: str = "VmRSS") -> int:
        """Resident memory of the program (KiB): all of it (``VmRSS``), or only its own
        heap and stacks (``RssAnon``, without the database pages mapped from the file)."""
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise RuntimeError(f"{self.name}: no {field}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(OSError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1


def run(argv: Sequence[str], env: dict[str, str]) -> None:
    subprocess.run(list(argv), check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)


def build_city(url: str, env: dict[str, str]) -> None:
    run([GRIDTUI, "--db", url, "db", "upgrade"], env)
    run([GRIDTUI, "--db", url, "load", str(ROOT / "fixtures")], env)
    run([GRIDTUI, "--db", url, "seed", "--scale", "demo", "--seed", "1", "--quiet"], env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=1008.0, help="simulated s per real s")
    parser.add_argument("--days", type=float, default=7.0, help="simulated days")
    parser.add_argument("--idle", type=float, default=60.0, help="idle seconds measured")
    parser.add_argument("--rotate", type=float, default=20.0, help="wall rotation, seconds")
    parser.add_argument("--screens", default="overview,risk,sla,scorecards")
    parser.add_argument("--size", default="120x40", help="terminal COLSxROWS")
    parser.add_argument("--keep", default=None, help="folder for the database (kept)")
    args = parser.parse_args()
    if shutil.which("htop") is None:
        print("wall_soak: htop is needed as the baseline (apt-get install htop)", file=sys.stderr)
        return 2
    cols, rows = (int(v) for v in args.size.lower().split("x"))
    live_seconds = args.days * 86_400 / args.speed
    screens = args.screens.split(",")
    warmup = max(30.0, args.rotate * len(screens) + 10)

    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="wall-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "soak.sqlite"
    for p in workdir.glob("soak.sqlite*"):
        p.unlink()
    url = f"sqlite:///{db}"
    env = {
        **os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor",
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "COLUMNS": str(cols), "LINES": str(rows),
    }  # fmt: skip
    env.pop("NO_COLOR", None)
    t0 = time.monotonic()
    build_city(url, env)
    print(f"demo city built in {time.monotonic() - t0:.1f} s: {db}")

    sim_log = open(workdir / "simulate.log", "wb")  # noqa: SIM115 (closed in finally)
    sim = subprocess.Popen(
        [GRIDTUI, "--db", url, "simulate", "--speed", f"{args.speed:g}",
         "--duration", f"{args.days * 86_400 + warmup * args.speed:.0f}s"],
        stdout=sim_log, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    wall = Terminal(
        "wall",
        [GRIDTUI, "--db", url, "wall", "--rotate", f"{args.rotate:g}", "--screens",
         args.screens, "--lang", "zh"],
        cols, rows, env,
    )  # fmt: skip
    htop = Terminal("htop", ["htop", "-d", "10"], cols, rows, env)
    samples: list[tuple[float, int]] = []
    try:
        wall.start()
        htop.start()
        print(
            f"simulator at --speed {args.speed:g} (pid {sim.pid}); wall (pid {wall.proc.pid}) "  # type: ignore[union-attr]
            f"and htop -d 10 (pid {htop.proc.pid}) at {cols}x{rows}; "  # type: ignore[union-attr]
            f"warm-up {warmup:.0f} s (every screen shown once)"
        )
        time.sleep(warmup)
        if not wall.alive():
            print("wall_soak: the wall exited during the warm-up", file=sys.stderr)
            return 1
        rss_start, anon_start = wall.rss_kib(), wall.rss_kib("RssAnon")
        samples.append((0.0, rss_start))
        live_start = time.monotonic()
        wall_before, htop_before = wall.count(), htop.count()
        step = max(live_seconds / 10, 1.0)
        while (elapsed := time.monotonic() - live_start) < live_seconds:
            time.sleep(min(step, live_seconds - elapsed))
            if not wall.alive():
                print("wall_soak: the wall exited during the soak", file=sys.stderr)
                return 1
            samples.append((time.monotonic() - live_start, wall.rss_kib()))
        live = time.monotonic() - live_start
        wall_live = (wall.count() - wall_before) / live
        htop_live = (htop.count() - htop_before) / live
        rss_end, anon_end = wall.rss_kib(), wall.rss_kib("RssAnon")
        sim_rc = sim.poll()
        sim.send_signal(signal.SIGINT)
        try:
            sim.wait(30)
        except subprocess.TimeoutExpired:
            sim.kill()
        time.sleep(max(5.0, args.rotate / 2))  # the last changes drawn
        before_w, before_h = wall.count(), htop.count()
        time.sleep(args.idle)
        wall_idle = (wall.count() - before_w) / args.idle
        htop_idle = (htop.count() - before_h) / args.idle
        rss_idle = wall.rss_kib()
    finally:
        for t in (wall, htop):
            t.stop()
        if sim.poll() is None:
            sim.kill()
            sim.wait()
        sim_log.close()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    growth = (rss_end - rss_start) / rss_start
    print()
    print(
        f"simulated {args.days:g} days at --speed {args.speed:g}: {live:.0f} s of real time "
        f"(simulator {'still running' if sim_rc is None else f'exit {sim_rc}'} at the end "
        "of the window)"
    )
    print("wall memory (RSS, MiB) over the soak:")
    print("  " + "  ".join(f"{t / live_seconds * args.days:4.1f}d {kib / 1024:6.1f}"
                           for t, kib in samples))  # fmt: skip
    print(
        f"  start {rss_start / 1024:.1f} MiB → end {rss_end / 1024:.1f} MiB: growth "
        f"{growth * 100:+.1f} % (target < {TARGET_GROWTH * 100:.0f} %: "
        f"{'OK' if growth < TARGET_GROWTH else 'MISSED'}); after {args.idle:.0f} s idle "
        f"{rss_idle / 1024:.1f} MiB; median of samples "
        f"{statistics.median(k for _, k in samples) / 1024:.1f} MiB"
    )
    print(
        f"  of which the process's own (RssAnon, without database pages mapped from the "
        f"file): {anon_start / 1024:.1f} → {anon_end / 1024:.1f} MiB, "
        f"{(anon_end - anon_start) / anon_start * 100:+.1f} %"
    )
    print(f"terminal bytes per second at {cols}x{rows}:")
    print(f"  {'':6} {'wall':>9} {'htop -d 10':>11} {'ratio':>7}  target")
    live_ratio = wall_live / htop_live if htop_live else float("inf")
    idle_ratio = wall_idle / htop_idle if htop_idle else float("inf")
    print(
        f"  {'live':6} {wall_live:9.0f} {htop_live:11.0f} {live_ratio:7.2f}  "
        f"≤ {TARGET_LIVE_RATIO:g}× htop: {'OK' if live_ratio <= TARGET_LIVE_RATIO else 'MISSED'}"
    )
    print(
        f"  {'idle':6} {wall_idle:9.0f} {htop_idle:11.0f} {idle_ratio:7.2f}  "
        f"≤ htop: {'OK' if idle_ratio <= TARGET_IDLE_RATIO else 'MISSED'}"
    )
    ok = (
        growth < TARGET_GROWTH
        and live_ratio <= TARGET_LIVE_RATIO
        and idle_ratio <= TARGET_IDLE_RATIO
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
