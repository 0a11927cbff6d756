"""The ledger's value time: every movement valued at its operation's time, booked when written.

A round simulated in 2025 (``now=`` on every operation) is booked today, valued on its own
days; rows written before value times existed get their booking time and keep their hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import Engine, text

from cockpit.db import alembic_config, make_engine, upgrade
from cockpit.programmes import ledger, spending, subsidies, vouchers
from cockpit.programmes.ledger import value_iso
from cockpit.programmes.rules import shipped
from tests.pg import postgres_server
from tests.programmes.helpers import car_facts, person, voucher_programme

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENS = datetime(2025, 5, 1, 10, 0, tzinfo=SHANGHAI)


def _rows(engine: Engine, *codes: str) -> list[tuple[str, str, str, str]]:
    """(op, ref, booking time, value time) of the programmes' entries (one or two codes)."""
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT l.op, l.ref, l.at, l.value_at FROM prog_ledger l "
                "JOIN prog_programmes p ON p.id = l.programme_id "
                "WHERE p.code IN (:a, :b) ORDER BY l.chain_id, l.seq"
            ),
            {"a": codes[0], "b": codes[-1]},
        )
        return [(r.op, r.ref, r.at, r.value_at) for r in found]


def test_each_movement_is_valued_at_its_operations_time_and_booked_now(
    engine: Engine, code: str
) -> None:
    booked_from = ledger.now_iso()
    fund_at, claim_at = OPENS - timedelta(days=2), OPENS + timedelta(minutes=5)
    pay_at, refund_at = OPENS + timedelta(days=1), OPENS + timedelta(days=2, hours=3)
    close_at, expire_at = OPENS + timedelta(hours=12), OPENS + timedelta(days=8)
    programme = voucher_programme(code, packs=4)
    vouchers.install_programme(programme=programme, engine=engine, now=fund_at)
    rid = vouchers.open_round(
        programme_code=code,
        no=1,
        engine=engine,
        parts=2,
        opens_at=OPENS,
        closes_at=OPENS + timedelta(hours=12),
        now=OPENS,
    )
    spending.enrol_merchants(
        programme_code=code,
        engine=engine,
        merchants=[{"merchant_id": "m1", "category_code": "RS01", "district_code": "500103"}],
    )
    packs = [
        vouchers.claim(
            round_id=rid,
            idem_key=f"{code}-k{n}",
            who=person(n),
            engine=engine,
            now=claim_at + timedelta(seconds=n),
        )
        for n in range(2)
    ]
    pay = spending.redeem(
        idem_key=f"{code}-pay",
        voucher_id=packs[0].vouchers[0]["voucher_id"],
        merchant_id="m1",
        txn_id=f"{code}-t1",
        bill_fen=3000,
        payer=person(0).person,
        engine=engine,
        now=pay_at,
    )
    spending.refund(
        idem_key=f"{code}-back",
        merchant_id="m1",
        txn_id=f"{code}-t1",
        amount_fen=2700,  # 25 yuan of the payer's own, 2 of the voucher's: clawed back
        engine=engine,
        now=refund_at,
    )
    vouchers.close_round(round_id=rid, engine=engine, now=close_at)
    spending.expire_due(engine=engine, now=expire_at)
    car = shipped("chongqing-car-2023").model_copy(update={"code": f"{code}-car"})
    subsidies_at = [OPENS + timedelta(days=d) for d in (10, 11, 12)]
    vouchers.install_programme(programme=car, engine=engine, now=subsidies_at[0])
    app = subsidies.apply(
        programme_code=car.code,
        idem_key=f"{code}-apply",
        applicant=f"ps:{code}",
        facts=car_facts(159_800, "INV-1"),
        engine=engine,
        now=subsidies_at[0],
    )
    for officer in ("maker", "checker"):  # four eyes
        subsidies.review(
            application_id=app["application_id"],
            idem_key=f"{code}-review-{officer}",
            decision="approve",
            reviewer=officer,
            engine=engine,
            now=subsidies_at[1],
        )
    for officer in ("payer", "cashier"):
        paid = subsidies.disburse(
            application_id=app["application_id"],
            idem_key=f"{code}-disburse-{officer}",
            officer=officer,
            engine=engine,
            now=subsidies_at[2],
        )
    booked_to = ledger.now_iso()

    rows = _rows(engine, code, car.code)
    expected = {
        ("fund", code): fund_at,
        ("release", f"round {rid}"): OPENS,
        ("claim", packs[0].claim_id): claim_at,
        ("claim", packs[1].claim_id): claim_at + timedelta(seconds=1),
        ("redeem", pay.redemption_id): pay_at,
        ("clawback", pay.redemption_id): refund_at,
        ("close", f"round {rid}"): close_at,
        ("fund", car.code): subsidies_at[0],
        ("submit", app["application_id"]): subsidies_at[0],  # a step: no money, valued too
        ("approve", app["application_id"]): subsidies_at[1],
        ("disburse", app["application_id"]): subsidies_at[2],
    }
    seen = {(op, ref): value for op, ref, _, value in rows if op not in ("expire", "propose")}
    assert seen == {key: value_iso(moment) for key, moment in expected.items()}
    proposed = [value for op, _, _, value in rows if op == "propose"]  # four eyes' makers
    assert proposed == [value_iso(subsidies_at[1]), value_iso(subsidies_at[2])]
    expired = [value for op, _, _, value in rows if op == "expire"]
    assert len(expired) == 2 * 5 - 1 and set(expired) == {value_iso(expire_at)}
    assert all(booked_from <= at <= booked_to for _, _, at, _ in rows)  # booked today
    assert all(value.startswith("2025-") and value.endswith("+08:00") for *_, value in rows)
    assert paid["disbursed_at"] == ledger.iso(subsidies_at[2])
    assert ledger.verify(engine).ok


def test_without_now_an_entry_is_valued_when_it_is_booked(sqlite_engine: Engine) -> None:
    vouchers.install_programme(programme=voucher_programme("plain", packs=2), engine=sqlite_engine)
    ((op, _, at, value),) = _rows(sqlite_engine, "plain")
    assert op == "fund" and value == ledger.booking_as_value(at)
    assert ledger.hashed_value(at, value) is None  # the hash of a row from before value times
    assert abs(datetime.fromisoformat(value) - datetime.now(UTC)) < timedelta(minutes=5)


def _legacy_hash(prev: str, seq: int, at: str, debit: str, credit: str, amount: int) -> str:
    """The hash as prog_0001/0002's code wrote it: no value time."""
    fields = (prev, "p1", str(seq), at, "fund", debit, credit, str(amount), "1", "", "old")
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind, not yet migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/legacy.sqlite"
        return
    request.applymarker(pytest.mark.postgres)
    with postgres_server() as url:
        yield url


def test_migration_values_old_rows_at_their_booking_time_and_keeps_their_hashes(
    fresh_url: str,
) -> None:
    command.upgrade(alembic_config(fresh_url), "prog_0002")
    engine = make_engine(fresh_url)
    try:
        booked = ["2025-04-30T18:30:00.123456Z", "2025-05-01T02:00:00.000000Z"]
        h1 = _legacy_hash(ledger.GENESIS, 1, booked[0], "treasury:1", "budget:1", 5000)
        h2 = _legacy_hash(h1, 2, booked[1], "budget:1", "merchant:m1", 2000)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO prog_programmes (id, code, kind, name_zh, name_en, rules_json, "
                    "rules_sha256, budget_fen, installed_at) VALUES (1, 'old', 'x', '旧', 'old', "
                    "'{}', '', 5000, :at)"
                ),
                {"at": booked[0]},
            )
            conn.execute(
                text(
                    "INSERT INTO prog_chains (chain_id, programme_id, account, balance_fen, seq, "
                    "head_hash, prev_hash) VALUES ('p1', 1, NULL, NULL, 2, :h, :p)"
                ),
                {"h": h2, "p": h1},
            )
            for seq, at, debit, credit, amount, prev, digest in (
                (1, booked[0], "treasury:1", "budget:1", 5000, ledger.GENESIS, h1),
                (2, booked[1], "budget:1", "merchant:m1", 2000, h1, h2),
            ):
                conn.execute(
                    text(
                        "INSERT INTO prog_ledger (chain_id, seq, at, op, debit, credit, "
                        "amount_fen, programme_id, voucher_id, ref, prev_hash, hash) VALUES "
                        "('p1', :s, :at, 'fund', :d, :c, :a, 1, NULL, 'old', :p, :h)"
                    ),
                    {
                        "s": seq,
                        "at": at,
                        "d": debit,
                        "c": credit,
                        "a": amount,
                        "p": prev,
                        "h": digest,
                    },
                )
        upgrade(fresh_url)
        with engine.connect() as conn:
            values = conn.execute(text("SELECT value_at FROM prog_ledger ORDER BY seq")).scalars()
            assert list(values) == [
                "2025-05-01T02:30:00.123456+08:00",
                "2025-05-01T10:00:00.000000+08:00",
            ]
        assert ledger.verify(engine).ok
        with engine.begin() as conn, pytest.raises(Exception, match=r"(?i)null"):
            conn.execute(text("UPDATE prog_ledger SET value_at = NULL WHERE seq = 1"))
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE prog_ledger SET value_at = :v WHERE seq = 1"),
                {"v": "2025-04-01T02:30:00.123456+08:00"},
            )
        first = ledger.verify(engine).problems[0]
        assert (first.kind, first.chain_id, first.seq) == ("tampered", "p1", 1)
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                args = conn.execute(
                    text(
                        "SELECT pg_get_function_identity_arguments(oid) FROM pg_proc "
                        "WHERE proname = 'prog_claim_batch'"
                    )
                ).scalars()
                assert [a.split(", ")[5] for a in args] == ["p_value_ats text[]"]
    finally:
        engine.dispose()


def test_rekeying_refuses_a_chain_already_broken(tmp_path: Path) -> None:
    """prog_0004 re-keys old chains only after checking them: a tampered one stops it."""
    url = f"sqlite:///{tmp_path}/broken.sqlite"
    command.upgrade(alembic_config(url), "prog_0003")
    engine = make_engine(url)
    try:
        at = "2025-05-01T02:00:00.000000Z"
        good = _legacy_hash(ledger.GENESIS, 1, at, "treasury:1", "budget:1", 5000)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO prog_programmes (id, code, kind, name_zh, name_en, rules_json, "
                    "rules_sha256, budget_fen, installed_at) VALUES (1, 'old', 'x', '旧', 'old', "
                    "'{}', '', 5000, :at)"
                ),
                {"at": at},
            )
            conn.execute(
                text(
                    "INSERT INTO prog_chains (chain_id, programme_id, account, balance_fen, seq, "
                    "head_hash, prev_hash) VALUES ('p1', 1, NULL, NULL, 1, :h, :g)"
                ),
                {"h": good, "g": ledger.GENESIS},
            )
            conn.execute(
                text(
                    "INSERT INTO prog_ledger (chain_id, seq, at, value_at, op, debit, credit, "
                    "amount_fen, programme_id, voucher_id, ref, prev_hash, hash) VALUES "
                    "('p1', 1, :at, :v, 'fund', 'treasury:1', 'budget:1', 9000, 1, NULL, 'old', "
                    ":g, :h)"
                ),
                {"at": at, "v": ledger.booking_as_value(at), "g": ledger.GENESIS, "h": good},
            )
        with pytest.raises(RuntimeError, match="does not verify under the old hash"):
            upgrade(url)
    finally:
        engine.dispose()
