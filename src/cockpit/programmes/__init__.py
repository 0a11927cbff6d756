"""Incentive programmes: vouchers and subsidies on a tamper-evident ledger, safe under bursts.

    from cockpit.programmes import install_programme, open_round, claim, redeem, verify_ledger
    pid = install_programme(programme=shipped("yuzhong-vouchers-2025"))
    rid = open_round(programme_code="yuzhong-vouchers-2025", no=1)
    got = claim(round_id=rid, idem_key="k-1", who=Identity(person="ps:…", phone="ps:…"))
    verify_ledger(get_engine()).ok

Programmes are YAML data (``rules``), amounts come from declared rules with their explanation
(``amounts``), every money movement is a keyed (HMAC) hash-chained double entry (``ledger``),
checked with the records beside it and against outside checkpoints (``audit``,
``checkpoint``). Disbursements need four eyes (``foureyes``); callers act only for themselves
(``callers``, ``consent``); the payment channel's statements are reconciled (``settlement``);
decisions can be appealed (``appeals``). Subsidies go
apply → review → disburse (``subsidies``), purchases and trade-ins checked against their
evidence by the programme's eligibility rules (``evidence``), their gross leverage computed
from what was paid (``leverage``); lotteries are commit–reveal (``lottery``); flags for
review (``fraud``); gross leverage and the DiD causal multiplier (``effect``); events to the
lake (``export``). See docs/programmes.md.
"""

from cockpit.programmes.amounts import Decision, decide
from cockpit.programmes.appeals import decide as decide_appeal
from cockpit.programmes.appeals import lodge as lodge_appeal
from cockpit.programmes.audit import verify as verify_ledger
from cockpit.programmes.checkpoint import write as write_checkpoint
from cockpit.programmes.effect import causal_effect, gross_leverage, side_by_side
from cockpit.programmes.evidence import Refusal
from cockpit.programmes.export import export_events
from cockpit.programmes.fraud import flags
from cockpit.programmes.leverage import computed as leverage_of
from cockpit.programmes.lottery import commit_seed, draw, draw_record, register, verify_draw
from cockpit.programmes.rules import load_programme, parse_programme, shipped, shipped_programmes
from cockpit.programmes.settlement import reconcile, resolve
from cockpit.programmes.spending import enrol_merchants, expire_due, redeem, refund
from cockpit.programmes.status import list_programmes, programme_status
from cockpit.programmes.subsidies import applications_of, apply, claw_back, disburse, review
from cockpit.programmes.tx import (
    Conflict,
    IdempotencyMismatch,
    LimitReached,
    NotAllowed,
    NotFound,
    ProgrammeError,
    SoldOut,
    pseudonymise,
)
from cockpit.programmes.vouchers import (
    Identity,
    claim,
    close_round,
    install_programme,
    open_round,
    release_round,
)

__all__ = [
    "Conflict",
    "Decision",
    "IdempotencyMismatch",
    "Identity",
    "LimitReached",
    "NotAllowed",
    "NotFound",
    "ProgrammeError",
    "Refusal",
    "SoldOut",
    "applications_of",
    "apply",
    "causal_effect",
    "claim",
    "claw_back",
    "close_round",
    "commit_seed",
    "decide",
    "decide_appeal",
    "disburse",
    "draw",
    "draw_record",
    "enrol_merchants",
    "expire_due",
    "export_events",
    "flags",
    "gross_leverage",
    "install_programme",
    "leverage_of",
    "list_programmes",
    "load_programme",
    "lodge_appeal",
    "open_round",
    "parse_programme",
    "programme_status",
    "pseudonymise",
    "reconcile",
    "redeem",
    "refund",
    "register",
    "release_round",
    "resolve",
    "review",
    "shipped",
    "shipped_programmes",
    "side_by_side",
    "verify_draw",
    "verify_ledger",
    "write_checkpoint",
]
