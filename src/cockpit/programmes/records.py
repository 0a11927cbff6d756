"""A programme's claims and redemptions as lists an officer filters, pages and downloads.

Read-only. Filters: the round, the status, a time window ``[since, until)`` (timezone-aware;
the tables store UTC) and, for redemptions, the merchant's district. ``districts`` limits the
rows to those districts (the caller's scope; None: every district). A claim records no
district (where the claimant lives is not asked), so a district-limited caller sees none —
default deny, as for any row whose district is unknown.

A claim's status comes from its vouchers: ``active`` (none spent, some still valid),
``partly_spent``, ``spent`` (all spent) or ``expired`` (none spent, none valid). A
redemption's: ``paid``, ``partly_refunded`` or ``refunded`` (the whole bill returned).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine, and_, case, func, literal, select

from cockpit.programmes.catalog import programme_id_of
from cockpit.programmes.ledger import iso
from cockpit.programmes.models import (
    ClaimRow,
    MerchantRow,
    RedemptionRow,
    RoundRow,
    VoucherRow,
)
from cockpit.programmes.tx import engine_or_default

ClaimStatus = Literal["active", "partly_spent", "spent", "expired"]
RedemptionStatus = Literal["paid", "partly_refunded", "refunded"]
CLAIM_STATUSES: tuple[ClaimStatus, ...] = ("active", "partly_spent", "spent", "expired")
REDEMPTION_STATUSES: tuple[RedemptionStatus, ...] = ("paid", "partly_refunded", "refunded")
CLAIM_COLUMNS = (
    "claim_id",
    "at",
    "round",
    "vouchers",
    "face_fen",
    "spent_fen",
    "status",
    "person",
)
REDEMPTION_COLUMNS = (
    "redemption_id",
    "at",
    "round",
    "merchant_id",
    "district",
    "category",
    "bill_fen",
    "voucher_fen",
    "own_fen",
    "refunded_fen",
    "status",
)


@dataclass(frozen=True)
class Window:
    """What a list is asked for: filters, then the page (``limit`` None: every row)."""

    round_no: int | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    district: str | None = None
    districts: frozenset[str] | None = None
    offset: int = 0
    limit: int | None = 50


@dataclass(frozen=True)
class Listing:
    """One page of rows and how many match in all."""

    total: int
    rows: list[dict[str, Any]] = field(default_factory=list)


def _between(column: Any, w: Window) -> list[Any]:
    conds = []
    if w.since is not None:
        conds.append(column >= iso(w.since))
    if w.until is not None:
        conds.append(column < iso(w.until))
    return conds


def claims(*, programme_code: str, window: Window, engine: Engine | None = None) -> Listing:
    """The programme's claims (newest first) matching ``window``."""
    if window.districts is not None or window.district:
        return Listing(total=0)  # a claim has no district: nobody limited to some sees it
    engine = engine_or_default(engine)
    n = func.count(VoucherRow.id)
    spent = func.sum(case((VoucherRow.status == "redeemed", 1), else_=0))
    active = func.sum(case((VoucherRow.status == "active", 1), else_=0))
    status = case(
        (and_(spent == n, n > 0), literal("spent")),
        (and_(spent == 0, active > 0), literal("active")),
        (spent == 0, literal("expired")),
        else_=literal("partly_spent"),
    )
    with engine.connect() as conn:
        pid = programme_id_of(conn, programme_code)
        conds = [ClaimRow.programme_id == pid, *_between(ClaimRow.at, window)]
        if window.round_no is not None:
            conds.append(RoundRow.no == window.round_no)
        grouped = (
            select(
                ClaimRow.id.label("claim_id"),
                ClaimRow.at.label("at"),
                RoundRow.no.label("round"),
                n.label("vouchers"),
                func.coalesce(func.sum(VoucherRow.face_fen), 0).label("face_fen"),
                func.coalesce(
                    func.sum(case((VoucherRow.status == "redeemed", VoucherRow.face_fen), else_=0)),
                    0,
                ).label("spent_fen"),
                status.label("status"),
                ClaimRow.person.label("person"),
            )
            .join(RoundRow, RoundRow.id == ClaimRow.round_id)
            .outerjoin(VoucherRow, VoucherRow.claim_id == ClaimRow.id)
            .where(*conds)
            .group_by(ClaimRow.id, ClaimRow.at, RoundRow.no, ClaimRow.person)
        )
        if window.status is not None:
            grouped = grouped.having(status == window.status)
        inner = grouped.subquery()
        total = int(conn.execute(select(func.count()).select_from(inner)).scalar_one())
        page = select(inner).order_by(inner.c.at.desc(), inner.c.claim_id).offset(window.offset)
        if window.limit is not None:
            page = page.limit(window.limit)
        rows = [dict(r._mapping) for r in conn.execute(page)]
    return Listing(total=total, rows=rows)


def redemptions(*, programme_code: str, window: Window, engine: Engine | None = None) -> Listing:
    """The programme's redemptions (newest first) matching ``window``, each with the
    merchant's district and category as the programme enrolled it."""
    engine = engine_or_default(engine)
    refunded = RedemptionRow.refunded_own_fen + RedemptionRow.refunded_voucher_fen
    status = case(
        (refunded == 0, literal("paid")),
        (refunded >= RedemptionRow.bill_fen, literal("refunded")),
        else_=literal("partly_refunded"),
    )
    with engine.connect() as conn:
        pid = programme_id_of(conn, programme_code)
        conds = [RedemptionRow.programme_id == pid, *_between(RedemptionRow.at, window)]
        if window.round_no is not None:
            conds.append(RoundRow.no == window.round_no)
        if window.status is not None:
            conds.append(status == window.status)
        if window.district:
            conds.append(MerchantRow.district_code == window.district)
        if window.districts is not None:
            if not window.districts:
                return Listing(total=0)
            conds.append(MerchantRow.district_code.in_(sorted(window.districts)))
        base = (
            select(
                RedemptionRow.id.label("redemption_id"),
                RedemptionRow.at.label("at"),
                RoundRow.no.label("round"),
                RedemptionRow.merchant_id.label("merchant_id"),
                MerchantRow.district_code.label("district"),
                MerchantRow.category_code.label("category"),
                RedemptionRow.bill_fen.label("bill_fen"),
                RedemptionRow.voucher_fen.label("voucher_fen"),
                RedemptionRow.own_fen.label("own_fen"),
                refunded.label("refunded_fen"),
                status.label("status"),
            )
            .join(VoucherRow, VoucherRow.id == RedemptionRow.voucher_id)
            .join(RoundRow, RoundRow.id == VoucherRow.round_id)
            .outerjoin(
                MerchantRow,
                and_(
                    MerchantRow.programme_id == RedemptionRow.programme_id,
                    MerchantRow.merchant_id == RedemptionRow.merchant_id,
                ),
            )
            .where(*conds)
        )
        inner = base.subquery()
        total = int(conn.execute(select(func.count()).select_from(inner)).scalar_one())
        page = select(inner).order_by(inner.c.at.desc(), inner.c.redemption_id)
        page = page.offset(window.offset)
        if window.limit is not None:
            page = page.limit(window.limit)
        rows = [dict(r._mapping) for r in conn.execute(page)]
    return Listing(total=total, rows=rows)


def scheduled_rounds(*, programme_code: str, engine: Engine | None = None) -> list[dict[str, Any]]:
    """A voucher programme's rounds as its rules schedule them (no, opens_at, closes_at,
    budget share), released or not; [] for a subsidy programme."""
    from cockpit.programmes.catalog import load_rules
    from cockpit.programmes.rules import VoucherProgramme

    engine = engine_or_default(engine)
    with engine.connect() as conn:
        rules = load_rules(conn, programme_id_of(conn, programme_code))
    if not isinstance(rules, VoucherProgramme):
        return []
    return [
        {
            "no": i,
            "opens_at": iso(r.opens_at),
            "closes_at": iso(r.closes_at),
            "budget_share": float(r.budget_share),
        }
        for i, r in enumerate(rules.rounds, start=1)
    ]


def proposals(*, programme_code: str, engine: Engine | None = None) -> list[dict[str, Any]]:
    """The programme's four-eyes proposals waiting for a second officer (oldest first)."""
    from cockpit.programmes import foureyes

    engine = engine_or_default(engine)
    with engine.connect() as conn:
        pid = programme_id_of(conn, programme_code)
        found = foureyes.pending(conn, pid)
    return [
        {
            "action": p["action"],
            "subject": p["subject"],
            "amount_fen": p["amount_fen"],
            "maker": p["maker"],
            "made_at": p["made_at"],
        }
        for p in found
    ]
