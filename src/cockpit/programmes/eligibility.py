"""The firm registry's verdict on subsidy applications, folded into the amount's decision.

``cockpit.industry`` decides who qualifies for the rent and carrier subsidies (designation,
park, floor area, years); this module only turns its reasons into decision lines.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from cockpit.programmes.amounts import Decision, Line

if TYPE_CHECKING:
    from cockpit.industry.eligibility import Verdict


def registry_verdict(
    kind: str, applicant: str, facts: dict[str, Any], now: datetime | None, engine: Engine
) -> Verdict | None:
    """The registry's verdict for programmes of a kind it decides; None for the others."""
    from cockpit.format import SHANGHAI
    from cockpit.industry import now_shanghai, subsidy_eligibility

    if now is None:
        day = now_shanghai().date()
    else:
        day = (now.astimezone(SHANGHAI) if now.tzinfo else now).date()
    return subsidy_eligibility(kind=kind, applicant=applicant, facts=facts, on=day, engine=engine)


def with_verdict(decision: Decision, verdict: Verdict | None) -> Decision:
    """The decision with the registry's reasons first; nothing payable when it refuses."""
    if verdict is None:
        return decision
    lines = [Line(en, zh) for en, zh in verdict.lines]
    if not verdict.eligible:
        return Decision(0, False, lines)
    return Decision(decision.amount_fen, decision.eligible, lines + decision.lines)
