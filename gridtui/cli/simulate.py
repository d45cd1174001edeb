"""``gridtui simulate``: the city brought to life in simulated time, on the database or
through the API; and the simulator ``gridtui demo`` starts beside its app (a child
process)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from gridtui.cli.common import CliError, aware_time
from gridtui.cli.sources import open_local, open_remote
from gridtui.config import Settings

if TYPE_CHECKING:
    from gridtui.cli.common import Subcommands
    from gridtui.sim.clock import SpecClock
    from gridtui.sim.target import CityTarget

#: where ``gridtui demo``'s simulator writes, under the working folder
SIMULATE_LOG = Path("var") / "simulate.log"


def cmd_simulate(args: argparse.Namespace) -> int:
    """``gridtui simulate``: the city brought to life in simulated time."""
    from gridtui.sim.clock import SpecClock
    from gridtui.sim.runner import Run, SimOptions, stop_on_signals

    clock = SpecClock()
    target = _target(args, clock)
    options = SimOptions(
        speed=args.speed, duration=args.duration, start=args.start, seed=args.seed,
        fixtures=Path(args.fixtures), adopt=args.adopt, progress=args.progress,
        parent=args.parent,
        **({"rate": args.rate} if args.rate is not None else {}),
    )  # fmt: skip
    run = Run(target, clock, options, say=lambda msg: print(msg, flush=True))
    try:
        with stop_on_signals(run):
            run.run()
    finally:
        target.close()
    return 0


def _target(args: argparse.Namespace, clock: SpecClock) -> CityTarget:
    """The city to drive: the API's with ``--api`` (an admin token: the simulator
    publishes the clock), else the database's, on the simulated clock."""
    from gridtui.sim.target import ApiTarget, LocalTarget

    if not args.api:
        return LocalTarget(open_local(args.db_url, clock=clock.now))
    remote = open_remote(args)
    if remote.role != "admin":
        remote.close()
        raise CliError(
            f"the simulator needs an admin token (this one is {remote.role}): it publishes "
            "the city's clock; `gridtui token create --name sim --role admin`"
        )
    return ApiTarget(remote)


def start_simulator(args: argparse.Namespace) -> subprocess.Popen[bytes]:
    """``gridtui simulate`` in a child process, its output in ``var/simulate.log``."""
    SIMULATE_LOG.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "gridtui.cli", "--db", args.db_url, "simulate",
        "--speed", f"{args.speed:g}", "--parent", str(os.getpid()),
    ]  # fmt: skip
    with SIMULATE_LOG.open("ab") as out:
        # its own session: Ctrl-C in the app's terminal is the app's; the child stops
        # when told to, or by itself when the app is gone (--parent)
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def stop_child(child: subprocess.Popen[bytes]) -> None:
    """Stop the simulator :func:`start_simulator` started (killed after 15 s)."""
    child.terminate()  # SIGTERM: the simulator hands the clock back and exits
    try:
        child.wait(15)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def simulator_speed(value: str) -> float:
    """Simulated seconds per real second (an argument type): above 0, at most the
    fastest the clock allows."""
    from gridtui.data.sources.records import MAX_SPEED

    try:
        speed = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 < speed <= MAX_SPEED:
        raise argparse.ArgumentTypeError(f"speed must be above 0 and at most {MAX_SPEED:g}")
    return speed


def _duration(value: str) -> timedelta:
    """A span such as ``30m``, ``8h`` or ``7d`` (an argument type)."""
    from gridtui.domain.sla.config import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_simulate_parser(sub: Subcommands, settings: Settings) -> None:
    """``simulate``."""
    sim = sub.add_parser("simulate", help="bring the city to life in simulated time")
    sim.add_argument("--db", dest="db_url", default=argparse.SUPPRESS, help="database URL")
    sim.add_argument("--api", default=None, help="drive a `gridtui serve` (admin token)")
    sim.add_argument("--token", default=None, help="token for --api (better: GRIDTUI_TOKEN)")
    sim.add_argument(
        "--speed", type=simulator_speed, default=1.0,
        help="simulated seconds per real second (default 1)",
    )  # fmt: skip
    sim.add_argument(
        "--duration", type=_duration, default=None,
        help="simulated time to run, e.g. 30m, 8h, 7d (default: until Ctrl-C)",
    )  # fmt: skip
    sim.add_argument("--seed", type=int, default=1, help="same seed, same city (default 1)")
    sim.add_argument(
        "--start", type=aware_time, default=None,
        help="simulated time to start from when no clock runs yet (ISO 8601)",
    )  # fmt: skip
    sim.add_argument(
        "--rate", type=float, default=None,
        help="events per grid per day (default 1.06, as in Liyang)",
    )  # fmt: skip
    sim.add_argument(
        "--fixtures", default=str(settings.fixtures),
        help="the city folder (category details, grid workers)",
    )  # fmt: skip
    sim.add_argument(
        "--adopt", type=int, default=500, help="open tickets to take over at start (default 500)"
    )
    sim.add_argument(
        "--progress", type=float, default=10.0,
        help="real seconds between progress lines (0: none)",
    )  # fmt: skip
    sim.add_argument("--parent", type=int, default=None, help=argparse.SUPPRESS)
    sim.set_defaults(func=cmd_simulate)
