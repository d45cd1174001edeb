"""The three-colour dispute rule (Zhuzhou): a blue dispute whose mediation fails three
times becomes yellow."""

from __future__ import annotations

from dataclasses import dataclass

from gridtui.domain.colours import RiskColour

FAILED_MEDIATIONS_TO_YELLOW = 3


@dataclass(frozen=True, slots=True)
class Recolour:
    """A colour change the rule demands, with the reason to record."""

    to: RiskColour
    reason_zh: str
    reason_en: str


def after_failed_mediation(
    colour: RiskColour, failures: int, *, is_dispute: bool
) -> Recolour | None:
    """What to do after a dispute's mediation failed for the ``failures``-th time.

    Only blue disputes move, and only once the count reaches three; other colours
    are already handled at a higher level (yellow, orange, red) or are not disputes.
    """
    if not is_dispute or colour is not RiskColour.BLUE:
        return None
    if failures < FAILED_MEDIATIONS_TO_YELLOW:
        return None
    return Recolour(
        to=RiskColour.YELLOW,
        reason_zh=f"蓝色纠纷调解失败{failures}次，自动升为黄色",
        reason_en=f"blue dispute failed mediation {failures} times: raised to yellow",
    )
