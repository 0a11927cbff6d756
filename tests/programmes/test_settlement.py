"""Reconciliation with the payment channel's settlement statement: every injected difference
is queued, nothing else; resolutions are four-eyes and corrections are booked on the ledger."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cockpit.format import SHANGHAI
from cockpit.programmes import audit, foureyes, settlement, spending, vouchers
from cockpit.programmes.tx import NotAllowed
from cockpit.sample.settlement import write_statement
from tests.programmes.helpers import person, voucher_programme


def _paid(engine: Engine, code: str, n: int) -> str:
    """``n`` voucher payments today; returns today's date (Asia/Shanghai)."""
    # Two rounds: half the budget stays unreleased, to fund corrections.
    programme = voucher_programme(code, packs=n + 1, rounds=2)
    vouchers.install_programme(programme=programme, engine=engine)
    spending.enrol_merchants(
        programme_code=code,
        engine=engine,
        merchants=[{"merchant_id": "m1", "category_code": "RS01", "district_code": "500103"}],
    )
    rid = vouchers.open_round(programme_code=code, no=1, engine=engine, parts=1)
    for k in range(n):
        pack = vouchers.claim(round_id=rid, idem_key=f"{code}-{k}", who=person(k), engine=engine)
        spending.redeem(
            idem_key=f"{code}-pay-{k}",
            voucher_id=pack.vouchers[-1]["voucher_id"],
            merchant_id="m1",
            txn_id=f"{code}-T{k}",
            bill_fen=9000,
            payer=person(k).person,
            engine=engine,
        )
    return datetime.now(SHANGHAI).date().isoformat()


def test_the_injected_differences_and_only_they_are_queued(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    day = _paid(sqlite_engine, "settle", 6)
    path = tmp_path / "statement.csv"
    injected = write_statement(
        path, spending.redemptions_of("settle", engine=sqlite_engine), day=day, seed=3
    )
    got = settlement.reconcile(path, channel="test", engine=sqlite_engine)
    assert got["differences"] == {k["kind"]: 1 for k in injected}
    queued = {(i["kind"], i["order_id"]) for i in settlement.queue(engine=sqlite_engine)}
    expected = {(k["kind"], k["order_id"]) for k in injected if k["kind"] != "unreadable"}
    assert expected <= queued and len(queued) == len(injected)
    unreadable = [i for i in settlement.queue(engine=sqlite_engine) if i["kind"] == "unreadable"]
    # header, 5 of the 6 payments, the duplicate, the phantom: the broken line is the 9th
    assert unreadable[0]["line"] == 9 and "amount_fen" in unreadable[0]["detail"]
    again = settlement.reconcile(path, channel="test", engine=sqlite_engine)
    assert again == got and len(settlement.queue(engine=sqlite_engine)) == len(injected)


def test_resolutions_need_four_eyes_and_corrections_are_booked(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    day = _paid(sqlite_engine, "settle2", 4)
    path = tmp_path / "statement.csv"
    write_statement(path, spending.redemptions_of("settle2", engine=sqlite_engine), day=day, seed=5)
    settlement.reconcile(path, channel="test", engine=sqlite_engine)
    items = {i["kind"]: i for i in settlement.queue(engine=sqlite_engine)}
    differs = items["amount_differs"]["id"]
    kw = {"engine": sqlite_engine, "item_id": differs, "action": "correct", "note": "channel right"}
    proposed = settlement.resolve(officer="maker", **kw)
    assert proposed["status"] == "open" and proposed["awaiting_check"]
    with pytest.raises(foureyes.SameOfficer):
        settlement.resolve(officer="maker", **kw)
    done = settlement.resolve(officer="checker", **kw)
    assert done["status"] == "corrected"
    assert json.loads(done["resolution"])["maker"] == "maker"
    report = audit.verify(sqlite_engine)
    assert report.ok, report.problems
    with sqlite_engine.connect() as conn:
        from sqlalchemy import text

        booked = conn.execute(
            text("SELECT amount_fen, debit, credit FROM prog_ledger WHERE ref = :r"), {"r": differs}
        ).one()
    assert booked[0] == 500 and booked[2] == "merchant:m1"
    missing = items["missing_in_ledger"]["id"]
    with pytest.raises(NotAllowed, match="explain"):
        settlement.resolve(
            item_id=missing, action="write_off", note="x", officer="a", engine=sqlite_engine
        )
    for officer in ("a", "b"):
        out = settlement.resolve(
            item_id=missing,
            action="explain",
            note="test line",
            officer=officer,
            engine=sqlite_engine,
        )
    assert out["status"] == "explained"
    with sqlite_engine.begin() as conn:
        conn.execute(
            text("UPDATE prog_recon_items SET theirs_fen = theirs_fen + 1 WHERE id = :i"),
            {"i": differs},
        )
    problems = [p.message for p in audit.verify(sqlite_engine).problems]
    assert any(f"reconciliation item {differs} was edited" in m for m in problems)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"a,b\n1,2\n", "missing columns"),
        (
            b"settle_date,channel_ref,merchant_id,order_id,voucher_id,amount_fen,fee_fen,status\n"
            b"2025-05-01,a,m,o,,1,0,SUCCESS\n2025-05-02,b,m,p,,1,0,SUCCESS\n",
            "several days",
        ),
    ],
)
def test_an_unusable_statement_is_refused_naming_the_file(
    sqlite_engine: Engine, tmp_path: Path, content: bytes, why: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(settlement.StatementError, match=why) as info:
        settlement.reconcile(path, channel="x", engine=sqlite_engine)
    assert "bad.csv" in str(info.value)


def test_cli_reconcile_queue_resolve(sqlite_engine: Engine, tmp_path: Path) -> None:
    from cockpit.cli import app

    day = _paid(sqlite_engine, "settle3", 3)
    path = tmp_path / "s.csv"
    write_statement(path, spending.redemptions_of("settle3", engine=sqlite_engine), day=day, seed=1)
    runner = CliRunner()
    got = runner.invoke(app, ["programmes", "reconcile", str(path), "--channel", "up", "--json"])
    assert got.exit_code == 0, got.output
    assert sum(json.loads(got.output)["data"]["differences"].values()) == 5
    listed = json.loads(runner.invoke(app, ["programmes", "queue", "--json"]).output)
    assert listed["count"] == 5
    item = listed["data"][0]["id"]
    args = ["programmes", "resolve", item, "--action", "explain", "--note", "seen"]
    assert "another officer" in runner.invoke(app, [*args, "--as", "li"]).output
    assert "explained" in runner.invoke(app, [*args, "--as", "wang"]).output
