"""Anti-fraud flags carry their evidence; programme events reach the lake with voucher ids."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine

from cockpit.programmes import fraud, spending, vouchers
from cockpit.programmes.export import export_events
from cockpit.programmes.status import programme_status
from cockpit.programmes.tx import LimitReached
from tests.programmes.helpers import person, voucher_programme

CODE = "fraud-prog"


@pytest.fixture
def busy(sqlite_engine: Engine) -> Engine:
    e = sqlite_engine
    vouchers.install_programme(programme=voucher_programme(CODE, packs=20), engine=e)
    spending.enrol_merchants(
        programme_code=CODE,
        engine=e,
        merchants=[
            {"merchant_id": m, "category_code": "RS01", "district_code": "500103"}
            for m in ("m-honest", "m-cashout")
        ],
    )
    rid = vouchers.open_round(programme_code=CODE, no=1, engine=e, parts=2)
    packs = {
        n: vouchers.claim(round_id=rid, idem_key=f"c{n}", who=person(n), engine=e) for n in range(6)
    }
    for n in (100, 101, 102):  # three more people on person 0's phone/device, within a second
        with pytest.raises(LimitReached):
            vouchers.claim(round_id=rid, idem_key=f"c{n}", who=person(n, device="dev-0"), engine=e)
    # Person 1 spends three vouchers at the cash-out merchant, each bill just over threshold,
    # and gets two refunded at once; persons 2..5 spend one 5-yuan voucher each there too.
    fives = [v for v in packs[1].vouchers if v["threshold_fen"] <= 4000][:3]
    for k, v in enumerate(fives):
        spending.redeem(
            idem_key=f"r1-{k}",
            voucher_id=v["voucher_id"],
            merchant_id="m-cashout",
            txn_id=f"t1-{k}",
            bill_fen=v["threshold_fen"] + 50,
            payer=person(1).person,
            engine=e,
        )
    for n in range(2, 6):
        v = packs[n].vouchers[0]
        spending.redeem(
            idem_key=f"r{n}",
            voucher_id=v["voucher_id"],
            merchant_id="m-cashout",
            txn_id=f"t{n}",
            bill_fen=v["threshold_fen"] + 10,
            payer=person(n).person,
            engine=e,
        )
    for k in range(2):
        spending.refund(
            idem_key=f"f{k}", merchant_id="m-cashout", txn_id=f"t1-{k}", amount_fen=100, engine=e
        )
    big = packs[0].vouchers[-1]
    spending.redeem(
        idem_key="r0",
        voucher_id=big["voucher_id"],
        merchant_id="m-honest",
        txn_id="t0",
        bill_fen=30_000,
        payer=person(0).person,
        engine=e,
    )
    return e


def test_each_pattern_is_flagged_with_evidence(busy: Engine) -> None:
    found = fraud.flags(programme_code=CODE, engine=busy)
    by_kind = {(f["kind"], f["subject"]): f for f in found}
    shared = by_kind[("shared_device", "dev-0")]
    assert len(shared["evidence"]["people"]) == 4
    assert by_kind[("claim_burst", "dev-0")]["evidence"]["max_in_window"] == 4
    near = by_kind[("just_over_threshold", "m-cashout")]
    assert near["evidence"]["near_threshold"] == 7
    assert len(by_kind[("quick_refund", "m-cashout")]["evidence"]["refunds"]) == 2
    assert by_kind[("repeat_payer", f"{person(1).person}@m-cashout")]["evidence"]["txn_ids"]
    assert not any(f["subject"] == "m-honest" for f in found)


def test_export_writes_events_with_voucher_ids_to_the_lake(busy: Engine, tmp_path: Path) -> None:
    path = export_events(lake=tmp_path / "lake", engine=busy)
    assert path == tmp_path / "lake" / "programme_events" / "part-programmes.parquet"
    table = pq.read_table(path)
    rows = table.to_pylist()
    kinds = {r["kind"] for r in rows}
    assert {"claim", "redeem", "refund"} <= kinds
    redeemed = [r for r in rows if r["kind"] == "redeem"]
    assert len(redeemed) == 8 and all(r["voucher_id"].startswith("v") for r in redeemed)
    assert str(table.schema.field("ts").type) == "timestamp[us]"
    assert str(table.schema.field("amount_fen").type) == "int64"


def test_flags_are_found_again_as_soon_as_a_row_they_read_is_added(busy: Engine) -> None:
    rid = programme_status(CODE, engine=busy)["rounds"][0]["round_id"]
    vouchers.claim(round_id=rid, idem_key="c7", who=person(7), engine=busy)
    before = fraud.flags(programme_code=CODE, engine=busy)
    assert not any(f["subject"] == "dev-7" for f in before)
    # What a caller does with its list does not reach the next caller.
    before.clear()
    again = fraud.flags(programme_code=CODE, engine=busy)
    assert again and again == fraud.flags(programme_code=CODE, engine=busy)
    # A refused claim books no ledger entry: person 1, past their limit, on person 7's device.
    with pytest.raises(LimitReached):
        vouchers.claim(
            round_id=rid, idem_key="c1-again", who=person(1, device="dev-7"), engine=busy
        )
    after = fraud.flags(programme_code=CODE, engine=busy)
    shared = next(f for f in after if (f["kind"], f["subject"]) == ("shared_device", "dev-7"))
    assert shared["evidence"]["people"] == sorted([person(1).person, person(7).person])
    # A refund adds a quick refund to the cash-out merchant's evidence at once.
    spending.refund(
        idem_key="f2", merchant_id="m-cashout", txn_id="t1-2", amount_fen=100, engine=busy
    )
    quick = next(
        f for f in fraud.flags(programme_code=CODE, engine=busy) if f["kind"] == "quick_refund"
    )
    assert len(quick["evidence"]["refunds"]) == 3
