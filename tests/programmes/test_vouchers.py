"""Claiming, redeeming, refunding and expiring vouchers, with the ledger kept straight."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from cockpit.programmes import ledger, spending, vouchers
from cockpit.programmes.models import IdentitySlotRow, VoucherRow
from cockpit.programmes.tx import (
    Conflict,
    IdempotencyMismatch,
    LimitReached,
    NotAllowed,
    SoldOut,
)
from tests.programmes.helpers import person, voucher_programme


def _setup(engine: Engine, code: str, packs: int = 3, **kw: Any) -> int:
    vouchers.install_programme(programme=voucher_programme(code, packs=packs, **kw), engine=engine)
    spending.enrol_merchants(
        programme_code=code,
        engine=engine,
        merchants=[
            {"merchant_id": "m-food", "category_code": "RS01", "district_code": "500103"},
            {"merchant_id": "m-car", "category_code": "RS15", "district_code": "500103"},
        ],
    )
    return vouchers.open_round(programme_code=code, no=1, engine=engine, parts=2)


def test_claim_gives_a_pack_of_five_vouchers_and_the_ledger_verifies(
    engine: Engine, code: str
) -> None:
    rid = _setup(engine, code)
    got = vouchers.claim(round_id=rid, idem_key=f"{code}-k1", who=person(1), engine=engine)
    assert sorted(v["face_fen"] for v in got.vouchers) == [500, 500, 1000, 1000, 2000]
    assert ledger.verify(engine).ok


def test_retried_claim_with_same_key_returns_the_same_pack(engine: Engine, code: str) -> None:
    rid = _setup(engine, code)
    first = vouchers.claim(round_id=rid, idem_key=f"{code}-k", who=person(1), engine=engine)
    again = vouchers.claim(round_id=rid, idem_key=f"{code}-k", who=person(1), engine=engine)
    assert again.claim_id == first.claim_id and again.replayed
    with pytest.raises(IdempotencyMismatch):
        vouchers.claim(round_id=rid, idem_key=f"{code}-k", who=person(2), engine=engine)


def test_same_phone_under_another_id_counts_as_the_same_person(engine: Engine, code: str) -> None:
    rid = _setup(engine, code)
    vouchers.claim(round_id=rid, idem_key=f"{code}-a", who=person(1), engine=engine)
    for shared in ({"phone": "phone-1"}, {"card": "card-1"}, {"device": "dev-1"}):
        with pytest.raises(LimitReached):
            vouchers.claim(
                round_id=rid, idem_key=f"{code}-{shared}", who=person(9, **shared), engine=engine
            )


def test_round_sells_out_at_its_budget(engine: Engine, code: str) -> None:
    rid = _setup(engine, code, packs=3)
    for n in range(3):
        vouchers.claim(round_id=rid, idem_key=f"{code}-{n}", who=person(n), engine=engine)
    with pytest.raises(SoldOut):
        vouchers.claim(round_id=rid, idem_key=f"{code}-x", who=person(99), engine=engine)


def test_redeem_checks_threshold_scope_holder_and_spends_voucher_first(
    engine: Engine, code: str
) -> None:
    rid = _setup(engine, code)
    who = person(1)
    pack = vouchers.claim(round_id=rid, idem_key=f"{code}-c", who=who, engine=engine).vouchers
    twenty = next(v for v in pack if v["face_fen"] == 2000)
    kw: dict[str, Any] = dict(voucher_id=twenty["voucher_id"], engine=engine, payer=who.person)
    with pytest.raises(NotAllowed, match="threshold"):
        spending.redeem(
            idem_key=f"{code}-r0", merchant_id="m-food", txn_id="t0", bill_fen=7999, **kw
        )
    with pytest.raises(NotAllowed, match="category RS15"):
        spending.redeem(
            idem_key=f"{code}-r1", merchant_id="m-car", txn_id="t1", bill_fen=9000, **kw
        )
    with pytest.raises(NotAllowed, match="someone else"):
        spending.redeem(
            idem_key=f"{code}-r2",
            merchant_id="m-food",
            txn_id="t2",
            bill_fen=9000,
            **{**kw, "payer": "ps:other"},
        )
    done = spending.redeem(
        idem_key=f"{code}-r3", merchant_id="m-food", txn_id="t3", bill_fen=9000, **kw
    )
    assert (done.voucher_fen, done.own_fen) == (2000, 7000)
    again = spending.redeem(
        idem_key=f"{code}-r3", merchant_id="m-food", txn_id="t3", bill_fen=9000, **kw
    )
    assert again.replayed and again.redemption_id == done.redemption_id
    with pytest.raises(Conflict):
        spending.redeem(
            idem_key=f"{code}-r4", merchant_id="m-food", txn_id="t4", bill_fen=9000, **kw
        )
    assert ledger.verify(engine).ok


def test_refund_returns_own_money_first_then_restores_or_claws_back(
    engine: Engine, code: str
) -> None:
    rid = _setup(engine, code)
    who = person(1)
    pack = vouchers.claim(round_id=rid, idem_key=f"{code}-c", who=who, engine=engine).vouchers
    a, b = [v for v in pack if v["face_fen"] == 1000]
    for v, txn in ((a, "ta"), (b, "tb")):
        spending.redeem(
            idem_key=f"{code}-{txn}",
            voucher_id=v["voucher_id"],
            merchant_id="m-food",
            txn_id=txn,
            bill_fen=5000,
            payer=who.person,
            engine=engine,
        )
    part = spending.refund(
        idem_key=f"{code}-f1", merchant_id="m-food", txn_id="ta", amount_fen=3000, engine=engine
    )
    assert (part.own_fen, part.voucher_fen, part.outcome) == (3000, 0, "own_only")
    whole = spending.refund(
        idem_key=f"{code}-f2", merchant_id="m-food", txn_id="ta", amount_fen=2000, engine=engine
    )
    assert (whole.own_fen, whole.voucher_fen, whole.outcome) == (1000, 1000, "restored")
    late = datetime.now().astimezone() + timedelta(days=30)
    after_expiry = spending.refund(
        idem_key=f"{code}-f3",
        merchant_id="m-food",
        txn_id="tb",
        amount_fen=5000,
        engine=engine,
        now=late,
    )
    assert after_expiry.outcome == "clawed_back"
    with engine.connect() as conn:
        status = conn.execute(
            select(VoucherRow.status).where(VoucherRow.id == a["voucher_id"])
        ).scalar_one()
    assert status == "active"
    assert ledger.verify(engine).ok


@pytest.mark.slow
def test_expiry_returns_unused_value_to_the_budget(engine: Engine, code: str) -> None:
    rid = _setup(engine, code)
    vouchers.claim(round_id=rid, idem_key=f"{code}-c", who=person(1), engine=engine)
    late = datetime.now().astimezone() + timedelta(days=8)
    assert spending.expire_due(engine=engine, now=late) >= 5
    with engine.connect() as conn:
        pid = conn.execute(
            text("SELECT id FROM prog_programmes WHERE code = :c"), {"c": code}
        ).scalar_one()
        budget = conn.execute(
            text("SELECT balance_fen FROM prog_chains WHERE chain_id = :c"), {"c": f"p{pid}"}
        ).scalar_one()
    assert budget == 5000  # the pack's 50 yuan came back
    assert ledger.verify(engine).ok


# Each claim: (round number, whether it is granted). Person 1 throughout, a new key each time.
LIMIT_CASES = {
    "one in all": (1, 1, [(1, True), (1, False), (2, False)]),
    "one a round, two in all": (1, 2, [(1, True), (1, False), (2, True), (3, False)]),
    "two a round, two in all": (2, 2, [(1, True), (1, True), (1, False), (2, False)]),
    "two a round, three in all": (2, 3, [(1, True), (1, True), (1, False), (2, True), (2, False)]),
}


@pytest.mark.parametrize("case", LIMIT_CASES, ids=list(LIMIT_CASES))
def test_limits_hold_in_each_round_and_in_all_with_the_slots_they_need(
    engine: Engine, code: str, case: str
) -> None:
    """Round slots are written only where the round's limit is the tighter one; the
    programme's slots hold every other line (vouchers.slot_scopes)."""
    per_round, total, claims = LIMIT_CASES[case]
    programme = voucher_programme(code, packs=5, per_round=per_round, total=total, rounds=3)
    pid = vouchers.install_programme(programme=programme, engine=engine)
    start = datetime.now().astimezone()
    rounds = {
        no: vouchers.open_round(programme_code=code, no=no, engine=engine, parts=1)
        for no in (1, 2, 3)
    }
    for n, (no, granted) in enumerate(claims):
        moment = start + timedelta(days=2 * (no - 1), minutes=1)
        ask = partial(
            vouchers.claim, round_id=rounds[no], idem_key=f"{code}-{n}", who=person(1),
            engine=engine, now=moment,
        )  # fmt: skip
        if granted:
            ask()
        else:
            with pytest.raises(LimitReached):
                ask()
    ours = [f"p{pid}", *(f"r{rid}" for rid in rounds.values())]
    with engine.connect() as conn:
        found = conn.execute(select(IdentitySlotRow.scope).where(IdentitySlotRow.scope.in_(ours)))
        kept = {scope[0] for (scope,) in found}
    assert kept == ({"r", "p"} if per_round < total else {"p"})
    assert ledger.verify(engine).ok
