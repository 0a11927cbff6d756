"""Anti-fraud flags for review, each with its evidence.

A flag is a reason to look, not a verdict. Kinds:

* ``shared_device`` / ``shared_card`` — one device or card behind several people (claims,
  refused claims and payments);
* ``just_over_threshold`` — a merchant whose voucher bills sit just above the threshold;
* ``quick_refund`` — refunds soon after the voucher payment (cash-out);
* ``repeat_payer`` — one payer spending vouchers at one merchant again and again;
* ``claim_burst`` — many claims (granted or refused) from one device within a minute.

Each flag carries ``district_code``: its merchant's district, or None for flags about people
(devices, cards), which only city-wide readers see (``cockpit.access.scope``).
"""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from cockpit.programmes.models import (
    ClaimRow,
    MerchantRow,
    RedemptionRow,
    RefundRow,
    RefusalRow,
    VoucherRow,
)
from cockpit.programmes.tx import engine_or_default
from cockpit.programmes.vouchers import programme_id_of


@dataclass(frozen=True)
class Thresholds:
    """When a pattern becomes a flag."""

    shared_people: int = 2
    near_threshold_share: float = 0.6
    near_threshold_margin: float = 0.05
    near_threshold_min: int = 5
    quick_refund_seconds: int = 3600
    quick_refund_min: int = 2
    repeat_payer_min: int = 3
    burst_seconds: int = 60
    burst_min: int = 3


def _ts(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _shared(
    rows: list[tuple[str | None, str, str]], kind: str, t: Thresholds
) -> list[dict[str, Any]]:
    people: dict[str, set[str]] = defaultdict(set)
    refs: dict[str, list[str]] = defaultdict(list)
    for key, person, ref in rows:
        if key:
            people[key].add(person)
            refs[key].append(ref)
    return [
        {
            "kind": f"shared_{kind}",
            "subject": key,
            "evidence": {"people": sorted(ps), "records": sorted(refs[key])[:50]},
            "message": f"one {kind} behind {len(ps)} people",
        }
        for key, ps in sorted(people.items())
        if len(ps) >= t.shared_people
    ]


def _near_threshold(
    reds: list[Any], thresholds: dict[str, int], t: Thresholds
) -> list[dict[str, Any]]:
    by_merchant: dict[str, list[Any]] = defaultdict(list)
    for r in reds:
        by_merchant[r.merchant_id].append(r)
    out = []
    for merchant, rows in sorted(by_merchant.items()):
        near = [
            r
            for r in rows
            if r.bill_fen <= thresholds[r.voucher_id] * (1 + t.near_threshold_margin)
        ]
        if len(near) >= t.near_threshold_min and len(near) / len(rows) >= t.near_threshold_share:
            out.append(
                {
                    "kind": "just_over_threshold",
                    "subject": merchant,
                    "evidence": {
                        "redemptions": len(rows),
                        "near_threshold": len(near),
                        "examples": [
                            {
                                "txn_id": r.txn_id,
                                "bill_fen": r.bill_fen,
                                "threshold_fen": thresholds[r.voucher_id],
                            }
                            for r in near[:10]
                        ],
                    },
                    "message": f"{len(near)} of {len(rows)} voucher bills within "
                    f"{t.near_threshold_margin:.0%} above the threshold",
                }
            )
    return out


def _quick_refunds(reds: dict[str, Any], refunds: list[Any], t: Thresholds) -> list[dict[str, Any]]:
    quick: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in refunds:
        red = reds.get(f.redemption_id)
        if red is None:
            continue
        gap = (_ts(f.at) - _ts(red.at)).total_seconds()
        if gap <= t.quick_refund_seconds:
            quick[red.merchant_id].append(
                {"txn_id": red.txn_id, "seconds": int(gap), "refund_fen": f.amount_fen}
            )
    return [
        {
            "kind": "quick_refund",
            "subject": m,
            "evidence": {"refunds": ev},
            "message": f"{len(ev)} refunds within {t.quick_refund_seconds // 60} minutes "
            "of the voucher payment",
        }
        for m, ev in sorted(quick.items())
        if len(ev) >= t.quick_refund_min
    ]


def _repeat_payers(reds: list[Any], t: Thresholds) -> list[dict[str, Any]]:
    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in reds:
        pairs[(r.payer, r.merchant_id)].append(r.txn_id)
    return [
        {
            "kind": "repeat_payer",
            "subject": f"{payer}@{merchant}",
            "evidence": {"payer": payer, "merchant_id": merchant, "txn_ids": txns},
            "message": f"{len(txns)} voucher payments by one payer at one merchant",
        }
        for (payer, merchant), txns in sorted(pairs.items())
        if len(txns) >= t.repeat_payer_min
    ]


def _bursts(events: list[tuple[str | None, str]], t: Thresholds) -> list[dict[str, Any]]:
    by_device: dict[str, list[str]] = defaultdict(list)
    for device, at in events:
        if device:
            by_device[device].append(at)
    out = []
    for device, stamps in sorted(by_device.items()):
        times = sorted(_ts(s) for s in stamps)
        best = 0
        lo = 0
        for hi in range(len(times)):
            while (times[hi] - times[lo]).total_seconds() > t.burst_seconds:
                lo += 1
            best = max(best, hi - lo + 1)
        if best >= t.burst_min:
            out.append(
                {
                    "kind": "claim_burst",
                    "subject": device,
                    "evidence": {
                        "max_in_window": best,
                        "window_seconds": t.burst_seconds,
                        "attempts": len(times),
                        "first": sorted(stamps)[0],
                        "last": sorted(stamps)[-1],
                    },
                    "message": f"{best} claims from one device within {t.burst_seconds} s",
                }
            )
    return out


def flags(
    *, programme_code: str, engine: Engine | None = None, thresholds: Thresholds | None = None
) -> list[dict[str, Any]]:
    """Every flag of a programme, with evidence.

    The flags read every claim, refused claim, redemption, refund and merchant of the
    programme. Those rows are only ever added, never changed or removed, so their counts and
    largest ids are a version of what the flags rest on: the flags found are kept per
    programme under that version and found again as soon as any of those rows is added (a
    refused claim books no ledger entry, hence the tables themselves, not the ledger).
    """
    t = thresholds or Thresholds()
    eng = engine_or_default(engine)
    with eng.connect() as conn:
        pid = programme_id_of(conn, programme_code)
        # The version first: a row added after it is read makes the next call find again.
        version = _version(conn, pid)
        key = (eng.url.render_as_string(hide_password=False), programme_code, t)
        with _LOCK:
            kept = _FOUND.get(key)
        if kept is not None and kept[0] == version:
            return copy.deepcopy(kept[1])
        # Only the columns the rules read, and each voucher's threshold by a join (a list of
        # every redeemed voucher's id in an IN clause costs more than the join).
        claims = conn.execute(
            select(ClaimRow.id, ClaimRow.person, ClaimRow.device, ClaimRow.card, ClaimRow.at).where(
                ClaimRow.programme_id == pid
            )
        ).all()
        refused = conn.execute(
            select(
                RefusalRow.id, RefusalRow.person, RefusalRow.device, RefusalRow.card, RefusalRow.at
            ).where(RefusalRow.programme_id == pid)
        ).all()
        reds = conn.execute(
            select(
                RedemptionRow.id,
                RedemptionRow.voucher_id,
                RedemptionRow.merchant_id,
                RedemptionRow.txn_id,
                RedemptionRow.payer,
                RedemptionRow.card,
                RedemptionRow.device,
                RedemptionRow.bill_fen,
                RedemptionRow.at,
                VoucherRow.threshold_fen,
            )
            .join(VoucherRow, VoucherRow.id == RedemptionRow.voucher_id)
            .where(RedemptionRow.programme_id == pid)
        ).all()
        refunds = conn.execute(
            select(RefundRow.redemption_id, RefundRow.amount_fen, RefundRow.at)
            .join(RedemptionRow, RedemptionRow.id == RefundRow.redemption_id)
            .where(RedemptionRow.programme_id == pid)
        ).all()
        # A flag's district is its merchant's: the district scope reads flags by it.
        districts: dict[str, str] = {
            m: d
            for m, d in conn.execute(
                select(MerchantRow.merchant_id, MerchantRow.district_code).where(
                    MerchantRow.programme_id == pid
                )
            ).all()
        }
    thresholds_of = {r.voucher_id: r.threshold_fen for r in reds}
    devices = [(c.device, c.person, c.id) for c in claims]
    devices += [(r.device, r.person, f"refused:{r.id}") for r in refused]
    devices += [(r.device, r.payer, r.id) for r in reds]
    cards = [(c.card, c.person, c.id) for c in claims]
    cards += [(r.card, r.person, f"refused:{r.id}") for r in refused]
    cards += [(r.card, r.payer, r.id) for r in reds]
    found = _shared(devices, "device", t) + _shared(cards, "card", t)
    found += _near_threshold(list(reds), thresholds_of, t)
    found += _quick_refunds({r.id: r for r in reds}, list(refunds), t)
    found += _repeat_payers(list(reds), t)
    found += _bursts([(c.device, c.at) for c in claims] + [(r.device, r.at) for r in refused], t)
    for flag in found:
        flag["district_code"] = districts.get(_flag_merchant(flag) or "")
    with _LOCK:
        _FOUND[key] = (version, copy.deepcopy(found))
    return found


# Flags found, per (database, programme, thresholds): the version they were found at, and them.
_FOUND: dict[tuple[str, str, Thresholds], tuple[tuple[Any, ...], list[dict[str, Any]]]] = {}
_LOCK = threading.Lock()


def _version(conn: Connection, pid: int) -> tuple[Any, ...]:
    """How many rows of each kind the flags read there are, and the largest id of each."""
    refund = (
        select(func.count(), func.max(RefundRow.id))
        .join(RedemptionRow, RedemptionRow.id == RefundRow.redemption_id)
        .where(RedemptionRow.programme_id == pid)
    )
    queries = [
        select(func.count(), func.max(row.id)).where(row.programme_id == pid)
        for row in (ClaimRow, RefusalRow, RedemptionRow)
    ]
    queries += [
        refund,
        select(func.count(), func.max(MerchantRow.merchant_id)).where(
            MerchantRow.programme_id == pid
        ),
    ]
    return tuple(tuple(conn.execute(q).one()) for q in queries)


MERCHANT_FLAGS = ("just_over_threshold", "quick_refund")


def _flag_merchant(flag: dict[str, Any]) -> str | None:
    """The merchant a flag is about, if any (device and card flags name people only)."""
    if flag["kind"] in MERCHANT_FLAGS:
        return str(flag["subject"])
    merchant = flag["evidence"].get("merchant_id")
    return str(merchant) if merchant else None
