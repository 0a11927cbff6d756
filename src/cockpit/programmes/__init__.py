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

import importlib
from typing import TYPE_CHECKING, Any

from cockpit.programmes.amounts import Decision, decide
from cockpit.programmes.appeals import appeals as list_appeals
from cockpit.programmes.appeals import clawback_of, recovery_of, refusal_of
from cockpit.programmes.appeals import decide as decide_appeal
from cockpit.programmes.appeals import lodge as lodge_appeal
from cockpit.programmes.appeals import take_up as take_up_appeal
from cockpit.programmes.audit import verify as verify_ledger
from cockpit.programmes.callers import MAX_CLIENT_KEY, Caller
from cockpit.programmes.catalog import load_rules
from cockpit.programmes.checkpoint import CheckpointError
from cockpit.programmes.checkpoint import write as write_checkpoint
from cockpit.programmes.consent import check as check_consent
from cockpit.programmes.consent import issue as issue_consent
from cockpit.programmes.effect import causal_effect, gross_leverage, latest_effects, side_by_side
from cockpit.programmes.evidence import Refusal
from cockpit.programmes.export import export_events
from cockpit.programmes.fraud import flags
from cockpit.programmes.leverage import computed as leverage_of
from cockpit.programmes.leverage import reported as reported_leverage
from cockpit.programmes.lottery import commit_seed, draw, draw_record, register, verify_draw
from cockpit.programmes.models import (
    ApplicationRow,
    LedgerRow,
    ProgrammeRow,
    RedemptionRow,
    RoundRow,
)
from cockpit.programmes.records import (
    CLAIM_STATUSES,
    REDEMPTION_COLUMNS,
    REDEMPTION_STATUSES,
    scheduled_rounds,
)
from cockpit.programmes.records import Listing as RecordListing
from cockpit.programmes.records import Window as RecordWindow
from cockpit.programmes.records import claims as list_claims
from cockpit.programmes.records import proposals as list_proposals
from cockpit.programmes.records import redemptions as list_redemptions
from cockpit.programmes.rules import (
    MAX_AMOUNT_FEN,
    load_programme,
    parse_programme,
    shipped,
    shipped_programmes,
    yuan_to_fen,
)
from cockpit.programmes.settlement import reconcile, resolve
from cockpit.programmes.spending import enrol_merchants, expire_due, redeem, refund
from cockpit.programmes.status import list_programmes, programme_status
from cockpit.programmes.subsidies import (
    application,
    applications_of,
    apply,
    claw_back,
    disburse,
    review,
)
from cockpit.programmes.tx import (
    Conflict,
    IdempotencyMismatch,
    LimitReached,
    NotAllowed,
    NotFound,
    ProgrammeError,
    SoldOut,
    pseudonym_of,
    pseudonymise,
)
from cockpit.programmes.vouchers import (
    ClaimResult,
    Identity,
    RoundInfo,
    claim,
    close_round,
    install_programme,
    open_round,
    release_round,
    round_info,
)

if TYPE_CHECKING:
    from cockpit.programmes.aioclaim import batcher_for
    from cockpit.programmes.aioclaim import claim as claim_batched
    from cockpit.programmes.aioclaim import serves as serves_batched

# The batched claim path (psycopg's async pool) is imported on first use, not by every verb.
_BATCHED = {"batcher_for": "batcher_for", "claim_batched": "claim", "serves_batched": "serves"}


def __getattr__(name: str) -> Any:
    if name not in _BATCHED:
        raise AttributeError(f"module 'cockpit.programmes' has no attribute {name!r}")
    return getattr(importlib.import_module("cockpit.programmes.aioclaim"), _BATCHED[name])


__all__ = [
    "CLAIM_STATUSES",
    "MAX_AMOUNT_FEN",
    "MAX_CLIENT_KEY",
    "REDEMPTION_COLUMNS",
    "REDEMPTION_STATUSES",
    "ApplicationRow",
    "Caller",
    "CheckpointError",
    "ClaimResult",
    "Conflict",
    "Decision",
    "IdempotencyMismatch",
    "Identity",
    "LedgerRow",
    "LimitReached",
    "NotAllowed",
    "NotFound",
    "ProgrammeError",
    "ProgrammeRow",
    "RecordListing",
    "RecordWindow",
    "RedemptionRow",
    "Refusal",
    "RoundInfo",
    "RoundRow",
    "SoldOut",
    "application",
    "applications_of",
    "apply",
    "batcher_for",
    "causal_effect",
    "check_consent",
    "claim",
    "claim_batched",
    "claw_back",
    "clawback_of",
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
    "issue_consent",
    "latest_effects",
    "leverage_of",
    "list_appeals",
    "list_claims",
    "list_programmes",
    "list_proposals",
    "list_redemptions",
    "load_programme",
    "load_rules",
    "lodge_appeal",
    "open_round",
    "parse_programme",
    "programme_status",
    "pseudonym_of",
    "pseudonymise",
    "reconcile",
    "recovery_of",
    "redeem",
    "refund",
    "refusal_of",
    "register",
    "release_round",
    "reported_leverage",
    "resolve",
    "review",
    "round_info",
    "scheduled_rounds",
    "serves_batched",
    "shipped",
    "shipped_programmes",
    "side_by_side",
    "take_up_appeal",
    "verify_draw",
    "verify_ledger",
    "write_checkpoint",
    "yuan_to_fen",
]
