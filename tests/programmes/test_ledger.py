"""The ledger catches rows changed, removed or forged directly in the database."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from cockpit.programmes import ledger, spending, vouchers
from cockpit.programmes.ledger import entry_hash
from tests.programmes.helpers import person, voucher_programme


@pytest.fixture
def busy(sqlite_engine: Engine) -> Engine:
    """A programme with three claims and one redemption."""
    code = "ledger-prog"
    vouchers.install_programme(programme=voucher_programme(code, packs=10), engine=sqlite_engine)
    spending.enrol_merchants(
        programme_code=code,
        engine=sqlite_engine,
        merchants=[{"merchant_id": "m1", "category_code": "RS01", "district_code": "500103"}],
    )
    rid = vouchers.open_round(programme_code=code, no=1, engine=sqlite_engine, parts=1)
    packs = [
        vouchers.claim(round_id=rid, idem_key=f"k{n}", who=person(n), engine=sqlite_engine)
        for n in range(3)
    ]
    spending.redeem(
        idem_key="r1",
        voucher_id=packs[0].vouchers[0]["voucher_id"],
        merchant_id="m1",
        txn_id="t1",
        bill_fen=3000,
        payer=person(0).person,
        engine=sqlite_engine,
    )
    assert ledger.verify(sqlite_engine).ok
    return sqlite_engine


def _sql(engine: Engine, sql: str, **params: object) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def _claim_entry(engine: Engine, seq: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT id FROM prog_ledger WHERE op = 'claim' AND seq = :s"), {"s": seq}
            ).scalar_one()
        )


def test_changed_amount_is_named_as_tampered(busy: Engine) -> None:
    target = _claim_entry(busy, 2)
    _sql(busy, "UPDATE prog_ledger SET amount_fen = 1 WHERE id = :i", i=target)
    first = ledger.verify(busy).problems[0]
    assert (first.kind, first.entry_id, first.seq) == ("tampered", target, 2)


def test_removed_middle_entry_is_named_as_missing(busy: Engine) -> None:
    _sql(busy, "DELETE FROM prog_ledger WHERE id = :i", i=_claim_entry(busy, 2))
    first = ledger.verify(busy).problems[0]
    assert first.kind == "missing" and "2..2" in first.message


def test_removed_last_entry_is_caught_by_the_chain_head(busy: Engine) -> None:
    _sql(busy, "DELETE FROM prog_ledger WHERE id = :i", i=_claim_entry(busy, 3))
    kinds = {p.kind for p in ledger.verify(busy).problems}
    assert "head_mismatch" in kinds


def test_rewritten_entry_with_a_fresh_hash_breaks_the_next_link(busy: Engine) -> None:
    target = _claim_entry(busy, 1)
    with busy.connect() as conn:
        r = conn.execute(text("SELECT * FROM prog_ledger WHERE id = :i"), {"i": target}).one()
    forged = entry_hash(
        prev_hash=r.prev_hash,
        chain_id=r.chain_id,
        seq=r.seq,
        at=r.at,
        value_at=r.value_at,
        op=r.op,
        debit=r.debit,
        credit="holder:ps:thief",
        amount_fen=r.amount_fen,
        programme_id=r.programme_id,
        voucher_id=r.voucher_id,
        ref=r.ref,
    )
    _sql(
        busy,
        "UPDATE prog_ledger SET credit = 'holder:ps:thief', hash = :h WHERE id = :i",
        h=forged,
        i=target,
    )
    first = ledger.verify(busy).problems[0]
    assert first.kind == "broken_link" and first.seq == 2


def test_voucher_revived_behind_the_ledgers_back_is_a_balance_problem(busy: Engine) -> None:
    _sql(busy, "UPDATE prog_vouchers SET status = 'active' WHERE status = 'redeemed'")
    problems = ledger.verify(busy).problems
    assert [p.kind for p in problems] == ["balance"]
    assert "holder:" in problems[0].message


def test_budget_balance_edited_is_a_balance_problem(busy: Engine) -> None:
    _sql(busy, "UPDATE prog_chains SET balance_fen = balance_fen + 5000 WHERE chain_id LIKE 'r%'")
    assert ledger.verify(busy).problems[0].kind == "balance"


def test_cli_verify_json_exits_nonzero_and_names_the_first_problem(
    busy: Engine, cockpit_home: Path
) -> None:
    from cockpit.cli import app

    ok = CliRunner().invoke(app, ["ledger", "verify", "--json"])
    assert ok.exit_code == 0 and json.loads(ok.output)["data"]["ok"] is True
    target = _claim_entry(busy, 2)
    _sql(busy, "UPDATE prog_ledger SET amount_fen = amount_fen + 1 WHERE id = :i", i=target)
    bad = CliRunner().invoke(app, ["ledger", "verify", "--json"])
    assert bad.exit_code == 1
    assert json.loads(bad.output)["data"]["first_problem"]["entry_id"] == target


def _entry(engine: Engine, entry_id: int) -> tuple[str, str]:
    """The booking time and the value time of an entry."""
    with engine.connect() as conn:
        at, value_at = conn.execute(
            text("SELECT at, value_at FROM prog_ledger WHERE id = :i"), {"i": entry_id}
        ).one()
    return str(at), str(value_at)


def _fund_entry(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT id FROM prog_ledger WHERE op = 'fund'")).scalar_one())


def test_changed_value_time_is_named_as_tampered(busy: Engine) -> None:
    target = _claim_entry(busy, 2)
    at, value_at = _entry(busy, target)
    assert ledger.hashed_value(at, value_at) == value_at  # valued at the claim: in the hash
    _sql(
        busy,
        "UPDATE prog_ledger SET value_at = '2025-05-01T10:00:00.000000+08:00' WHERE id = :i",
        i=target,
    )
    problems = ledger.verify(busy).problems
    assert [(p.kind, p.entry_id, p.seq) for p in problems] == [("tampered", target, 2)]
    assert problems[0].message == (
        f"entry {target} (chain {problems[0].chain_id}, seq 2) was changed or forged: "
        "its keyed hash does not match its content"
    )


def test_value_time_moved_to_the_booking_time_is_named_as_tampered(busy: Engine) -> None:
    target = _claim_entry(busy, 3)
    at, _ = _entry(busy, target)
    _sql(
        busy,
        "UPDATE prog_ledger SET value_at = :v WHERE id = :i",
        v=ledger.booking_as_value(at),
        i=target,
    )
    first = ledger.verify(busy).problems[0]
    assert (first.kind, first.entry_id) == ("tampered", target)


def test_value_time_equal_to_the_booking_time_is_guarded_too(busy: Engine) -> None:
    """The funding was valued when it was booked (no ``now``): moving it is caught all the same."""
    target = _fund_entry(busy)
    at, value_at = _entry(busy, target)
    assert value_at == ledger.booking_as_value(at) and value_at.endswith("+08:00")
    moved = (datetime.fromisoformat(value_at) - timedelta(days=30)).isoformat(
        timespec="microseconds"
    )
    _sql(busy, "UPDATE prog_ledger SET value_at = :v WHERE id = :i", v=moved, i=target)
    problems = ledger.verify(busy).problems
    assert [(p.kind, p.entry_id) for p in problems] == [("tampered", target)]
