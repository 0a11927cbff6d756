"""Bursts of concurrent claims never overspend the budget or a person's limit.

Runs on SQLite and on a real PostgreSQL (found on 127.0.0.1:5432 or started by the tests;
when neither is possible the PostgreSQL tests fail, they never skip).
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, text

from cockpit.programmes import ledger, vouchers
from cockpit.programmes.tx import LimitReached, SoldOut
from cockpit.programmes.vouchers import ClaimResult, Identity
from tests.programmes.helpers import person, voucher_programme


def _attempt(rid: int, key: str, who: Identity, engine: Engine) -> ClaimResult | str:
    try:
        return vouchers.claim(round_id=rid, idem_key=key, who=who, engine=engine)
    except SoldOut:
        return "sold_out"
    except LimitReached:
        return "limit"


def _burst(engine: Engine, rid: int, jobs: list[tuple[str, Identity]]) -> list[ClaimResult | str]:
    with ThreadPoolExecutor(max_workers=24) as pool:
        return list(pool.map(lambda job: _attempt(rid, job[0], job[1], engine), jobs))


def test_burst_grants_exactly_the_budget_and_nobody_twice(engine: Engine, code: str) -> None:
    vouchers.install_programme(programme=voucher_programme(code, packs=50), engine=engine)
    rid = vouchers.open_round(programme_code=code, no=1, engine=engine, parts=4)
    # 150 people; each of the first 60 also tries again from a second account that shares
    # one identifier (phone, card or device) with the first.
    jobs = [(f"{code}-{n}", person(n)) for n in range(150)]
    for n in range(60):
        kind = ("phone", "card", "device")[n % 3]
        jobs.append((f"{code}-dup-{n}", person(1000 + n, **{kind: f"{kind}-{n}"})))
    results = _burst(engine, rid, jobs)
    granted = [r for r in results if isinstance(r, ClaimResult)]
    assert len(granted) == 50
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT person, phone, card, device FROM prog_claims WHERE round_id = :r"),
            {"r": rid},
        ).all()
        left = conn.execute(
            text("SELECT sum(balance_fen) FROM prog_chains WHERE chain_id LIKE :c"),
            {"c": f"r{rid}.%"},
        ).scalar_one()
    assert len(rows) == 50 and left == 0
    for column in range(4):
        counts = Counter(row[column] for row in rows)
        assert max(counts.values()) == 1
    assert ledger.verify(engine).ok


def test_one_person_hammering_from_many_accounts_gets_one_pack(engine: Engine, code: str) -> None:
    vouchers.install_programme(programme=voucher_programme(code, packs=100), engine=engine)
    rid = vouchers.open_round(programme_code=code, no=1, engine=engine, parts=4)
    same_id = person(7).person
    jobs = [(f"{code}-{n}", person(500 + n, person=same_id)) for n in range(40)]
    results = _burst(engine, rid, jobs)
    assert sum(isinstance(r, ClaimResult) for r in results) == 1
    assert results.count("limit") == 39


def test_the_same_key_retried_concurrently_pays_once(engine: Engine, code: str) -> None:
    vouchers.install_programme(programme=voucher_programme(code, packs=100), engine=engine)
    rid = vouchers.open_round(programme_code=code, no=1, engine=engine, parts=4)
    results = _burst(engine, rid, [(f"{code}-same", person(3))] * 30)
    ids = {r.claim_id for r in results if isinstance(r, ClaimResult)}
    assert len(ids) == 1 and all(isinstance(r, ClaimResult) for r in results)
    with engine.connect() as conn:
        n = conn.execute(
            text("SELECT count(*) FROM prog_claims WHERE round_id = :r"), {"r": rid}
        ).scalar_one()
    assert n == 1
