"""Small figures that do not lie: sparklines from a zero baseline, and axis ticks.

* A sparkline starts at zero, not at its lowest value: 0 is the lowest bar and a
  small count a small bar. A value below zero hangs from the top of the line
  (``▔`` ``▀``) instead of rising, so a loss never looks like a gain; a bucket not
  yet begun (``None``) is blank, never a zero.
* Count axes tick at whole numbers only (1, 2, 5 × 10ⁿ steps).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

BARS = "▁▂▃▄▅▆▇█"
#: below zero: a small and a large loss, hanging from the top of the cell
HANGING = "▔▀"


def spark(values: Sequence[float | None]) -> str:
    """A one-line sparkline of ``values`` from a zero baseline (see the module)."""
    known = [abs(v) for v in values if v is not None]
    top = max(known, default=0.0)
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif v < 0:
            out.append(HANGING[1] if -v >= top / 2 else HANGING[0])
        elif not top:
            out.append(BARS[0])
        else:
            out.append(BARS[round(v / top * (len(BARS) - 1))])
    return "".join(out)


def count_ticks(top: float, most: int = 5) -> list[int]:
    """Whole-number ticks from 0 to at least ``top``, at most ``most`` + 1 of them, at a
    step of 1, 2 or 5 × 10ⁿ."""
    top = max(1.0, top)
    step = 1
    for magnitude in range(0, 12):
        base = 10**magnitude
        step = next((m * base for m in (1, 2, 5) if top / (m * base) <= most), 0)
        if step:
            break
    return list(range(0, math.ceil(top / step) * step + 1, step))
