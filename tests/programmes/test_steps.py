"""Every step of a subsidy application and of an appeal is a ledger entry: the command line
prints each step's entries, refusals carry their rule (worded by codes.yaml), zero-amount
steps leave balances alone, and records predating them get their steps booked."""

from __future__ import annotations

import importlib.util
import json
import string
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from cockpit import codes
from cockpit.cli import app
from cockpit.db import get_engine
from cockpit.programmes import appeals, audit, ledger, subsidies, vouchers
from cockpit.programmes.evidence import Both, Refusal
from cockpit.programmes.models import STEP_OPS, ChainRow, LedgerRow
from cockpit.programmes.rules import shipped
from tests.programmes.helpers import car_facts, resident_id

CAR = "chongqing-car-2023"


def _run(*args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["data"]


def _entries(ids: list[int]) -> list[tuple[str, str, str, int, str]]:
    """(op, debit, credit, amount, ref) of the entries, in the order asked."""
    with get_engine().connect() as conn:
        rows = {r.id: r for r in conn.execute(select(LedgerRow).where(LedgerRow.id.in_(ids)))}
    return [
        (rows[i].op, rows[i].debit, rows[i].credit, rows[i].amount_fen, rows[i].ref) for i in ids
    ]


def _ops(answer: dict[str, Any]) -> list[str]:
    return [e[0] for e in _entries(answer["entry_ids"])]


def test_each_cli_step_prints_the_entries_it_booked(cockpit_home: Path) -> None:
    _run("programmes", "install", CAR)
    buyer = resident_id(1)
    applied = _run(
        "programmes",
        "apply",
        CAR,
        "--applicant",
        buyer,
        "--facts",
        json.dumps(car_facts(159_800, "S-1")),
    )
    aid = applied["application_id"]
    assert _entries(applied["entry_ids"]) == [
        ("submit", f"firm:{applied['applicant']}", f"application:{aid}", 0, aid)
    ]
    assert _ops(_run("programmes", "approve", aid, "--as", "Li")) == ["propose"]
    approved = _run("programmes", "approve", aid, "--as", "Wang")
    assert _entries(approved["entry_ids"])[0][::3] == ("approve", 200_000)
    assert _ops(_run("programmes", "disburse", aid, "--as", "Zhao")) == ["propose"]
    assert _ops(_run("programmes", "disburse", aid, "--as", "Wang")) == ["disburse"]
    # Refused by rule: submitted, then refused, the rule on the ledger itself.
    second = _run(
        "programmes",
        "apply",
        CAR,
        "--applicant",
        buyer,
        "--facts",
        json.dumps(car_facts(99_800, "S-2")),
    )
    sid = second["application_id"]
    refused = _entries(second["entry_ids"])
    assert [e[0] for e in refused] == ["submit", "refuse"]
    assert refused[1][2] == "rule:one_per_person" and refused[1][3] == 0
    appeal = _run(
        "programmes", "appeal", sid, "--applicant", buyer, "--grounds", "the first car went back"
    )
    assert _entries(appeal["entry_ids"]) == [
        ("lodge", f"appeal:{appeal['id']}", f"refused_application:{sid}", 0, appeal["id"])
    ]
    # An officer's rejection.
    third = _run(
        "programmes",
        "apply",
        CAR,
        "--applicant",
        resident_id(2),
        "--facts",
        json.dumps(car_facts(89_800, "S-3")),
    )
    rejected = _run(
        "programmes",
        "reject",
        third["application_id"],
        "--reason",
        "invoice unreadable",
        "--as",
        "Li",
    )
    assert _ops(rejected) == ["reject"]
    # The appeal decided (four eyes) reopens the refused application: both on the ledger.
    verb = ("programmes", "decide-appeal", appeal["id"], "--outcome", "upheld", "--reason", "ok")
    assert _ops(_run(*verb, "--as", "Li")) == ["propose"]  # taken up and proposed
    decided = _run(*verb, "--as", "Wang")
    assert decided["stage"] == "upheld" and _ops(decided) == ["reopen", "decide"]
    shown = _run("programmes", "review", sid)
    assert [e["op"] for e in shown["ledger"]] == ["submit", "refuse", "reopen"]
    assert shown["status"] == "submitted"
    # The steps moved nothing: the budget holds its budget less the one approval.
    with get_engine().connect() as conn:
        balance = conn.execute(
            select(ChainRow.balance_fen).where(ChainRow.chain_id == "p1")
        ).scalar()
        zero = conn.execute(
            text(
                "SELECT COUNT(*) FROM prog_ledger WHERE amount_fen = 0 AND op NOT IN ({})".format(
                    ", ".join(f"'{op}'" for op in STEP_OPS)
                )
            )
        ).scalar()
    assert balance == 30_000_000_00 - 200_000 and zero == 0
    assert _run("ledger", "verify")["ok"] is True
    out = CliRunner().invoke(app, ["programmes", "review", sid]).output
    assert "refuse" in out and "rule:one_per_person" in out


def test_refusal_reasons_are_worded_by_codes_yaml() -> None:
    reasons = codes.catalogue()["refusal_reason"]
    fields = string.Formatter()
    for rule, words in reasons.items():
        en = {f for _, f, _, _ in fields.parse(words.en) if f}
        zh = {f for _, f, _, _ in fields.parse(words.zh) if f}
        assert en == zh, rule
    got = Refusal.by("purchase_window", "purchase_date", day="2024-01-02", start="a", end="b")
    assert got.en == "bought on 2024-01-02, outside the programme's window a to b"
    assert got.zh == "购买日期 2024-01-02 不在活动期 a 至 b 内"
    listed = Refusal.by(
        "payout", "payout", offered=Both("buyer or till", "buyer或till"), payout="x"
    )
    assert "buyer或till" in listed.zh and "buyer or till" in listed.en


def _strip_steps(engine: Engine) -> None:
    """Make the database look as it did before steps were booked: their entries removed and
    the chains re-hashed under the key (what the ledger was before prog_0008)."""
    key = ledger.ledger_key()
    with engine.begin() as conn:
        conn.execute(
            text(f"DELETE FROM prog_ledger WHERE op IN ({', '.join(repr(o) for o in STEP_OPS)})")
        )
        for (chain_id,) in conn.execute(text("SELECT chain_id FROM prog_chains")).all():
            rows = conn.execute(
                text("SELECT * FROM prog_ledger WHERE chain_id = :c ORDER BY seq"), {"c": chain_id}
            ).mappings()
            prev, last_prev = ledger.GENESIS, ledger.GENESIS
            for seq, r in enumerate(list(rows), start=1):
                fields = {**ledger.hashed_fields(r), "seq": seq}
                digest = ledger.entry_hash(key=key, prev_hash=prev, **fields)
                conn.execute(
                    text(
                        "UPDATE prog_ledger SET seq = :s, prev_hash = :p, hash = :h WHERE id = :i"
                    ),
                    {"s": seq, "p": prev, "h": digest, "i": r["id"]},
                )
                last_prev, prev = prev, digest
            count = conn.execute(
                text("SELECT COUNT(*) FROM prog_ledger WHERE chain_id = :c"), {"c": chain_id}
            ).scalar()
            conn.execute(
                text(
                    "UPDATE prog_chains SET seq = :s, head_hash = :h, prev_hash = :p "
                    "WHERE chain_id = :c"
                ),
                {"s": count, "h": prev, "p": last_prev, "c": chain_id},
            )


def test_records_from_before_prog_0008_get_their_steps(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    vouchers.install_programme(programme=shipped(CAR), engine=engine)
    buyer = "ps:" + "b" * 32

    def apply(n: int, who: str = buyer) -> dict[str, Any]:
        return subsidies.apply(
            programme_code=CAR,
            idem_key=f"k{n}",
            applicant=who,
            facts=car_facts(159_800, f"B-{n}"),
            engine=engine,
        )

    first = apply(1)["application_id"]
    for officer in ("Li", "Wang"):
        subsidies.review(
            application_id=first,
            idem_key=f"r{officer}",
            decision="approve",
            reviewer=officer,
            engine=engine,
        )
    refused = apply(2)["application_id"]
    appeal = appeals.lodge(
        subject_kind="refused_application",
        subject_id=refused,
        appellant=buyer,
        grounds="g",
        engine=engine,
    )
    appeals.take_up(appeal_id=appeal["id"], officer="Li", engine=engine)
    for officer in ("Li", "Wang"):
        appeals.decide(
            appeal_id=appeal["id"], outcome="dismissed", reason="no", officer=officer, engine=engine
        )
    apply(3, "ps:" + "c" * 32)  # pending
    assert audit.verify(engine).ok
    _strip_steps(engine)
    assert ledger.verify(engine).ok
    before = [p.message for p in audit.verify(engine).problems]
    assert any(f"application {refused} has no submit entry" in m for m in before), before
    assert any(f"appeal {appeal['id']} has no lodge entry" in m for m in before), before
    spec = importlib.util.spec_from_file_location(
        "prog_0008",
        Path(vouchers.__file__).parent / "migrations" / "prog_0008_steps_on_ledger.py",
    )
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with engine.begin() as conn:
        migration._backfill(conn)
    report = audit.verify(engine)
    assert report.ok, report.problems
