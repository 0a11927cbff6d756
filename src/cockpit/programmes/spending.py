"""Spending vouchers: enrol merchants, redeem against a payment, refund, expire.

A voucher pays first: on a bill of 100 yuan with a 20-yuan voucher the payer pays 80. A refund
gives the payer's own money back first; only what exceeds it touches the voucher, which comes
back to its holder when the whole voucher is refunded within its validity, and is otherwise
clawed back from the merchant to the programme's budget. Expired vouchers return their value
to the budget (or the treasury, as the programme says) with one ledger movement each.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from cockpit.programmes import ledger
from cockpit.programmes.ledger import Move, iso
from cockpit.programmes.models import MerchantRow, RedemptionRow, RefundRow, VoucherRow
from cockpit.programmes.rules import VoucherProgramme
from cockpit.programmes.tx import (
    Conflict,
    IdempotencyMismatch,
    NotAllowed,
    NotFound,
    engine_or_default,
    request_hash,
    write_tx,
)
from cockpit.programmes.vouchers import (
    ops_chain,
    programme_chain,
    programme_id_of,
    voucher_rules,
)


def enrol_merchants(
    *, programme_code: str, merchants: list[dict[str, str]], engine: Engine | None = None
) -> int:
    """Enrol merchants (merchant_id, category_code, district_code); returns how many are new."""
    engine = engine_or_default(engine)
    with write_tx(engine) as conn:
        pid = programme_id_of(conn, programme_code)
        known = set(
            conn.execute(
                select(MerchantRow.merchant_id).where(MerchantRow.programme_id == pid)
            ).scalars()
        )
        fresh = [{"programme_id": pid, **m} for m in merchants if m["merchant_id"] not in known]
        if fresh:
            conn.execute(insert(MerchantRow), fresh)
    return len(fresh)


def _in_scope(p: VoucherProgramme, merchant: Any) -> str | None:
    """Why a merchant is out of the programme's scope, or None when it is in."""
    e = p.eligibility
    if e.merchants and merchant.merchant_id not in e.merchants:
        return f"merchant {merchant.merchant_id} is not on the programme's list"
    if e.categories and merchant.category_code not in e.categories:
        return f"category {merchant.category_code} is not eligible ({', '.join(e.categories)})"
    if e.districts and merchant.district_code not in e.districts:
        return f"district {merchant.district_code} is not eligible"
    return None


@dataclass(frozen=True)
class Redemption:
    """A voucher spent: what the voucher paid and what the payer paid."""

    redemption_id: str
    voucher_id: str
    bill_fen: int
    voucher_fen: int
    own_fen: int
    replayed: bool = False


def _check_redeemable(
    conn: Connection, voucher: Any, merchant_id: str, payer: str, bill_fen: int, stamp: str
) -> None:
    if voucher.holder != payer:
        raise NotAllowed("this voucher belongs to someone else")
    if voucher.status != "active":
        raise Conflict(f"voucher {voucher.id} is {voucher.status}")
    if voucher.valid_until <= stamp:
        raise NotAllowed(f"voucher {voucher.id} expired at {voucher.valid_until}")
    rules = voucher_rules(conn, voucher.programme_id)
    cap = rules.max_bill_fen
    if bill_fen > cap:
        raise NotAllowed(f"the bill ({bill_fen} fen) is above the programme's cap ({cap} fen)")
    if bill_fen < voucher.threshold_fen:
        raise NotAllowed(
            f"the bill ({bill_fen} fen) is under the voucher's threshold "
            f"({voucher.threshold_fen} fen)"
        )
    merchant = conn.execute(
        select(MerchantRow).where(
            MerchantRow.programme_id == voucher.programme_id, MerchantRow.merchant_id == merchant_id
        )
    ).first()
    if merchant is None:
        raise NotAllowed(f"merchant {merchant_id} is not enrolled in this programme")
    why = _in_scope(rules, merchant)
    if why:
        raise NotAllowed(why)


def redeem(
    *,
    idem_key: str,
    voucher_id: str,
    merchant_id: str,
    txn_id: str,
    bill_fen: int,
    payer: str,
    card: str | None = None,
    device: str | None = None,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> Redemption:
    """Spend a voucher on a payment at a merchant; threshold and scope are checked."""
    engine = engine_or_default(engine)
    moment = now or datetime.now().astimezone()
    stamp = iso(moment)
    digest = request_hash(
        {
            "voucher": voucher_id,
            "merchant": merchant_id,
            "txn": txn_id,
            "bill": bill_fen,
            "payer": payer,
        }
    )
    earlier = _replay_redemption(engine, idem_key, digest)
    if earlier is not None:
        return earlier
    try:
        with write_tx(engine) as conn:
            voucher = conn.execute(select(VoucherRow).where(VoucherRow.id == voucher_id)).first()
            if voucher is None:
                raise NotFound(f"no voucher {voucher_id}")
            _check_redeemable(conn, voucher, merchant_id, payer, bill_fen, stamp)
            taken = conn.execute(
                update(VoucherRow)
                .where(VoucherRow.id == voucher_id, VoucherRow.status == "active")
                .values(status="redeemed")
            )
            if taken.rowcount != 1:
                raise Conflict(f"voucher {voucher_id} was spent by another payment")
            rid = f"d{secrets.token_hex(8)}"
            face = int(voucher.face_fen)
            record = {
                "id": rid,
                "idem_key": idem_key,
                "request_sha256": digest,
                "programme_id": voucher.programme_id,
                "voucher_id": voucher_id,
                "merchant_id": merchant_id,
                "txn_id": txn_id,
                "payer": payer,
                "card": card,
                "device": device,
                "bill_fen": bill_fen,
                "voucher_fen": face,
                "own_fen": bill_fen - face,
                "refunded_own_fen": 0,
                "refunded_voucher_fen": 0,
                "at": stamp,
            }
            conn.execute(insert(RedemptionRow), record)
            ledger.append(
                conn,
                chain_id=ops_chain(voucher.programme_id),
                programme_id=voucher.programme_id,
                value_at=moment,
                moves=[
                    Move(
                        "redeem",
                        f"holder:{payer}",
                        f"merchant:{merchant_id}",
                        face,
                        ref=rid,
                        voucher_id=voucher_id,
                        doc=redemption_doc(record),
                    )
                ],
            )
    except IntegrityError:
        earlier = _replay_redemption(engine, idem_key, digest)
        if earlier is not None:
            return earlier
        raise Conflict(f"payment {txn_id} at {merchant_id} already used a voucher") from None
    return Redemption(rid, voucher_id, bill_fen, face, bill_fen - face)


REDEMPTION_FIELDS = (
    "id",
    "programme_id",
    "voucher_id",
    "merchant_id",
    "txn_id",
    "payer",
    "card",
    "device",
    "bill_fen",
    "voucher_fen",
    "own_fen",
    "at",
)


def redemption_doc(record: Any) -> str:
    """The digest of a redemption its ledger entry carries: the bill is covered too."""
    get = record.get if isinstance(record, dict) else lambda k: getattr(record, k)
    return ledger.record_doc({k: get(k) for k in REDEMPTION_FIELDS})


def _replay_redemption(engine: Engine, idem_key: str, digest: str) -> Redemption | None:
    with engine.connect() as conn:
        row = conn.execute(select(RedemptionRow).where(RedemptionRow.idem_key == idem_key)).first()
    if row is None:
        return None
    if row.request_sha256 != digest:
        raise IdempotencyMismatch(f"idempotency key {idem_key!r} was used for another payment")
    return Redemption(row.id, row.voucher_id, row.bill_fen, row.voucher_fen, row.own_fen, True)


@dataclass(frozen=True)
class Refund:
    """A refund: how much was the payer's own money, how much the voucher's, and its fate."""

    refund_id: str
    own_fen: int
    voucher_fen: int
    outcome: str  # own_only, restored, clawed_back
    replayed: bool = False


def refund(
    *,
    idem_key: str,
    merchant_id: str,
    txn_id: str,
    amount_fen: int,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> Refund:
    """Refund part or all of a redeemed payment: the payer's own money first."""
    engine = engine_or_default(engine)
    moment = now or datetime.now().astimezone()
    stamp = iso(moment)
    if amount_fen <= 0:
        raise NotAllowed("a refund must be a positive amount")
    with engine.connect() as conn:
        done = conn.execute(select(RefundRow).where(RefundRow.idem_key == idem_key)).first()
    if done is not None:
        return Refund(done.id, done.own_fen, done.voucher_fen, done.outcome, True)
    with write_tx(engine) as conn:
        red = conn.execute(
            select(RedemptionRow).where(
                RedemptionRow.merchant_id == merchant_id, RedemptionRow.txn_id == txn_id
            )
        ).first()
        if red is None:
            raise NotFound(f"no voucher payment {txn_id} at merchant {merchant_id}")
        own_left = red.own_fen - red.refunded_own_fen
        voucher_left = red.voucher_fen - red.refunded_voucher_fen
        if amount_fen > own_left + voucher_left:
            raise NotAllowed(
                f"refund of {amount_fen} fen exceeds the {own_left + voucher_left} "
                "fen not yet refunded"
            )
        own = min(amount_fen, own_left)
        vpart = amount_fen - own
        outcome = _voucher_back(conn, red, vpart, voucher_left, moment) if vpart else "own_only"
        changed = conn.execute(
            text(
                "UPDATE prog_redemptions SET refunded_own_fen = refunded_own_fen + :o, "
                "refunded_voucher_fen = refunded_voucher_fen + :v WHERE id = :i "
                "AND refunded_own_fen = :ro AND refunded_voucher_fen = :rv"
            ),
            {
                "o": own,
                "v": vpart,
                "i": red.id,
                "ro": red.refunded_own_fen,
                "rv": red.refunded_voucher_fen,
            },
        )
        if changed.rowcount != 1:
            raise Conflict("another refund of this payment ran at the same time; retry")
        rid = f"f{secrets.token_hex(8)}"
        conn.execute(
            insert(RefundRow),
            {
                "id": rid,
                "idem_key": idem_key,
                "redemption_id": red.id,
                "amount_fen": amount_fen,
                "own_fen": own,
                "voucher_fen": vpart,
                "outcome": outcome,
                "at": stamp,
            },
        )
    return Refund(rid, own, vpart, outcome)


def _voucher_back(
    conn: Connection, red: Any, vpart: int, voucher_left: int, moment: datetime
) -> str:
    """Restore the voucher to its holder, or claw its value back to the budget."""
    voucher = conn.execute(select(VoucherRow).where(VoucherRow.id == red.voucher_id)).one()
    pid = red.programme_id
    if vpart == voucher_left == red.voucher_fen and voucher.valid_until > iso(moment):
        conn.execute(update(VoucherRow).where(VoucherRow.id == voucher.id).values(status="active"))
        ledger.append(
            conn,
            chain_id=ops_chain(pid),
            programme_id=pid,
            value_at=moment,
            moves=[
                Move(
                    "refund",
                    f"merchant:{red.merchant_id}",
                    f"holder:{voucher.holder}",
                    vpart,
                    ref=red.id,
                    voucher_id=voucher.id,
                )
            ],
        )
        return "restored"
    ledger.append(
        conn,
        chain_id=programme_chain(pid),
        programme_id=pid,
        balance_delta=vpart,
        value_at=moment,
        moves=[
            Move(
                "clawback",
                f"merchant:{red.merchant_id}",
                f"budget:{pid}",
                vpart,
                ref=red.id,
                voucher_id=voucher.id,
            )
        ],
    )
    return "clawed_back"


def expire_due(
    *, engine: Engine | None = None, now: datetime | None = None, batch: int = 500
) -> int:
    """Expire every active voucher past its validity; their value goes back. Returns count."""
    engine = engine_or_default(engine)
    moment = now or datetime.now().astimezone()
    stamp = iso(moment)
    total = 0
    while True:
        with write_tx(engine) as conn:
            due = conn.execute(
                select(VoucherRow)
                .where(VoucherRow.status == "active", VoucherRow.valid_until <= stamp)
                .limit(batch)
            ).all()
            for programme_id in sorted({v.programme_id for v in due}):
                mine = [v for v in due if v.programme_id == programme_id]
                total += _expire(conn, programme_id, mine, moment)
        if len(due) < batch:
            return total


def _expire(conn: Connection, pid: int, vouchers: list[Any], moment: datetime) -> int:
    rules = voucher_rules(conn, pid)
    to_budget = rules.roll_over == "next_round"
    target = f"budget:{pid}" if to_budget else f"treasury:{pid}"
    moves = []
    for v in vouchers:
        hit = conn.execute(
            update(VoucherRow)
            .where(VoucherRow.id == v.id, VoucherRow.status == "active")
            .values(status="expired")
        )
        if hit.rowcount == 1:
            moves.append(
                Move(
                    "expire",
                    f"holder:{v.holder}",
                    target,
                    v.face_fen,
                    ref=v.claim_id,
                    voucher_id=v.id,
                )
            )
    if moves:
        back = sum(m.amount_fen for m in moves) if to_budget else 0
        ledger.append(
            conn,
            chain_id=programme_chain(pid),
            programme_id=pid,
            moves=moves,
            balance_delta=back,
            value_at=moment,
        )
    return len(moves)


def redemptions_of(programme_code: str, *, engine: Engine | None = None) -> list[dict[str, Any]]:
    """Every redemption of a programme (for evaluation and export)."""
    engine = engine_or_default(engine)
    with engine.connect() as conn:
        pid = programme_id_of(conn, programme_code)
        rows = conn.execute(select(RedemptionRow).where(RedemptionRow.programme_id == pid))
        return [r._asdict() for r in rows]
