"""The API's claim path on PostgreSQL: grouped claims stay exact, one answer per claim.

``aioclaim`` sends the claims that queued while its connections were busy as one call of
``prog_claim_batch`` (one transaction, a subtransaction per claim). These tests run it on a
real PostgreSQL with a pool of two connections, so batches really form, and check what the
single-claim tests check: exactly the budget, nobody twice, the ledger verifies, refusals
recorded, retries answered with the first result.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, text

from cockpit.config import get_settings, reset_settings
from cockpit.db import get_engine
from cockpit.ingest.pseudonym import pseudonym
from cockpit.programmes import aioclaim, ledger, vouchers
from cockpit.programmes.tx import (
    IdempotencyMismatch,
    LimitReached,
    SoldOut,
    Unavailable,
    pseudonymise,
)
from cockpit.programmes.vouchers import ClaimResult, Identity
from cockpit.web.app import install_error_handlers
from cockpit.web.auth import create_api_key
from cockpit.web.routes import programmes as routes
from tests.live import live_server
from tests.programmes.helpers import person, resident_id, voucher_programme

pytestmark = pytest.mark.postgres


def _conninfo(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _open(engine: Engine, code: str, packs: int, parts: int = 4) -> vouchers.RoundInfo:
    programme = voucher_programme(code, packs=packs, per_round=1, total=1)
    vouchers.install_programme(programme=programme, engine=engine)
    rid = vouchers.open_round(programme_code=code, no=1, engine=engine, parts=parts)
    info = vouchers.round_info(engine, rid)
    assert aioclaim.serves(info)
    return info


async def _attempt(batcher: aioclaim.Batcher, key: str, who: Identity) -> ClaimResult | str:
    try:
        return await aioclaim.claim(batcher, idem_key=key, who=who)
    except SoldOut:
        return "sold_out"
    except LimitReached:
        return "limit"


async def _burst(
    engine: Engine, info: vouchers.RoundInfo, jobs: list[tuple[str, Identity]]
) -> list[ClaimResult | str]:
    batcher = aioclaim.Batcher(aioclaim.Pool(_conninfo(engine), size=2), info)
    return await asyncio.gather(*(_attempt(batcher, key, who) for key, who in jobs))


def _claims(engine: Engine, rid: int) -> list[tuple[str, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT person, phone, card, device FROM prog_claims WHERE round_id = :r"),
            {"r": rid},
        ).all()
    return [tuple(r) for r in rows]


def test_grouped_burst_grants_exactly_the_budget_and_nobody_twice(
    pg_engine: Engine, code: str
) -> None:
    info = _open(pg_engine, code, packs=50)
    # 150 people; the first 60 also try again from another account sharing an identifier.
    jobs = [(f"{code}-{n}", person(n)) for n in range(150)]
    for n in range(60):
        kind = ("phone", "card", "device")[n % 3]
        jobs.insert(2 * n + 1, (f"{code}-dup-{n}", person(1000 + n, **{kind: f"{kind}-{n}"})))
    results = asyncio.run(_burst(pg_engine, info, jobs))
    granted = [r for r in results if isinstance(r, ClaimResult)]
    assert len(granted) == 50 and len({g.claim_id for g in granted}) == 50
    assert all(len(g.vouchers) == 5 and not g.replayed for g in granted)
    rows = _claims(pg_engine, info.round_id)
    assert len(rows) == 50
    for column in range(4):
        assert max(Counter(row[column] for row in rows).values()) == 1
    with pg_engine.connect() as conn:
        left = conn.execute(
            text("SELECT sum(balance_fen) FROM prog_chains WHERE chain_id LIKE :c"),
            {"c": f"r{info.round_id}.%"},
        ).scalar_one()
        # Claims committed together share their ledger timestamp: batches did form.
        biggest = conn.execute(
            text(
                "SELECT max(n) FROM (SELECT count(*) AS n FROM prog_ledger WHERE op = 'claim' "
                "AND chain_id LIKE :c GROUP BY chain_id, at) t"
            ),
            {"c": f"r{info.round_id}.%"},
        ).scalar_one()
        refusals = conn.execute(
            text("SELECT count(*) FROM prog_refusals WHERE round_id = :r"), {"r": info.round_id}
        ).scalar_one()
        slots = conn.execute(
            text(
                "SELECT scope, count(*) FROM prog_identity_slots WHERE scope IN (:p, :r) "
                "GROUP BY scope"
            ),
            {"p": f"p{info.programme_id}", "r": f"r{info.round_id}"},
        ).all()
    assert left == 0 and biggest > 1
    # One slot per identifier and granted claim, in the programme's scope only (limits of one).
    assert dict(slots) == {f"p{info.programme_id}": 50 * 4}
    assert refusals == results.count("limit") > 0
    assert results.count("sold_out") == len(jobs) - 50 - refusals
    assert ledger.verify(pg_engine).ok


def test_retries_get_the_first_answer_even_after_sell_out(pg_engine: Engine, code: str) -> None:
    info = _open(pg_engine, code, packs=3, parts=2)

    async def scenario() -> list[ClaimResult | str]:
        batcher = aioclaim.Batcher(aioclaim.Pool(_conninfo(pg_engine), size=1), info)
        # The same key three times at once (one batch), then others until sold out...
        first = await asyncio.gather(
            *(_attempt(batcher, f"{code}-a", person(1)) for _ in range(3)),
            *(_attempt(batcher, f"{code}-{n}", person(n)) for n in range(2, 8)),
        )
        # ...then the first key once more, after the round sold out.
        return [*first, await _attempt(batcher, f"{code}-a", person(1))]

    results = asyncio.run(scenario())
    same_key = [r for i, r in enumerate(results) if i < 3 or i == len(results) - 1]
    assert all(isinstance(r, ClaimResult) for r in same_key)
    assert len({r.claim_id for r in same_key if isinstance(r, ClaimResult)}) == 1
    assert sum(isinstance(r, ClaimResult) and not r.replayed for r in same_key) == 1
    last = results[-1]
    assert isinstance(last, ClaimResult) and last.replayed and len(last.vouchers) == 5
    assert len(_claims(pg_engine, info.round_id)) == 3
    assert results.count("sold_out") == 6 - 2


def test_grouped_claims_are_valued_at_their_own_time_and_booked_together(
    pg_engine: Engine, code: str
) -> None:
    """A simulated burst in 2025: each entry's value time is its claim's, its hash covers it."""
    opens = datetime(2025, 5, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    programme = voucher_programme(code, packs=30, per_round=1, total=1)
    vouchers.install_programme(programme=programme, engine=pg_engine, now=opens)
    rid = vouchers.open_round(
        programme_code=code,
        no=1,
        engine=pg_engine,
        parts=2,
        opens_at=opens,
        closes_at=opens + timedelta(hours=1),
        now=opens,
    )
    info = vouchers.round_info(pg_engine, rid)
    booked_from = ledger.now_iso()

    async def burst() -> list[ClaimResult]:
        batcher = aioclaim.Batcher(aioclaim.Pool(_conninfo(pg_engine), size=1), info)
        return list(
            await asyncio.gather(
                *(
                    aioclaim.claim(
                        batcher,
                        idem_key=f"{code}-{n}",
                        who=person(n),
                        now=opens + timedelta(seconds=7 * n),
                    )
                    for n in range(30)
                )
            )
        )

    granted = asyncio.run(burst())
    with pg_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT ref, at, value_at FROM prog_ledger WHERE op = 'claim' AND chain_id LIKE :c"
            ),
            {"c": f"r{rid}.%"},
        ).all()
    value_of = {ref: value for ref, _, value in rows}
    assert value_of == {
        g.claim_id: ledger.value_iso(opens + timedelta(seconds=7 * n))
        for n, g in enumerate(granted)
    }
    assert all(at >= booked_from for _, at, _ in rows)
    assert len({at for _, at, _ in rows}) < len(rows)  # batches formed: booked together
    assert ledger.verify(pg_engine).ok
    tampered = granted[5].claim_id

    def set_value(value: str) -> None:
        with pg_engine.begin() as conn:
            conn.execute(
                text("UPDATE prog_ledger SET value_at = :v WHERE ref = :r"),
                {"v": value, "r": tampered},
            )

    set_value(ledger.value_iso(opens))  # the database is shared: put it back afterwards
    try:
        first = ledger.verify(pg_engine).problems[0]
    finally:
        set_value(value_of[tampered])
    assert first.kind == "tampered" and first.chain_id.startswith(f"r{rid}.")
    assert ledger.verify(pg_engine).ok


def test_a_key_reused_for_another_person_is_refused(pg_engine: Engine, code: str) -> None:
    info = _open(pg_engine, code, packs=5)

    async def scenario() -> None:
        batcher = aioclaim.Batcher(aioclaim.Pool(_conninfo(pg_engine), size=1), info)
        await aioclaim.claim(batcher, idem_key=f"{code}-k", who=person(1))
        with pytest.raises(IdempotencyMismatch):
            await aioclaim.claim(batcher, idem_key=f"{code}-k", who=person(2))

    asyncio.run(scenario())
    assert len(_claims(pg_engine, info.round_id)) == 1


def test_a_dropped_connection_answers_503_once_then_is_replaced(
    pg_engine: Engine, code: str
) -> None:
    info = _open(pg_engine, code, packs=5)

    async def scenario() -> tuple[int, int]:
        pool = aioclaim.Pool(_conninfo(pg_engine), size=1)
        batcher = aioclaim.Batcher(pool, info)
        await aioclaim.claim(batcher, idem_key=f"{code}-1", who=person(1))
        async with pool.connection() as conn:
            pid = conn.info.backend_pid
        with pg_engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        with pytest.raises(Unavailable):
            await aioclaim.claim(batcher, idem_key=f"{code}-2", who=person(2))
        again = await aioclaim.claim(batcher, idem_key=f"{code}-2", who=person(2))
        assert not again.replayed  # nothing was written by the attempt that met the break
        async with pool.connection() as conn:
            return pid, conn.info.backend_pid

    old, new = asyncio.run(scenario())
    assert old != new
    assert len(_claims(pg_engine, info.round_id)) == 2


def test_the_pseudonym_is_ingestions() -> None:
    value = resident_id(1)
    key = get_settings().pseudonym_key.get_secret_value().encode("utf-8")
    assert pseudonymise(value, "resident_id") == pseudonym(key, value)
    assert pseudonymise(" " + value.lower() + " ", "resident_id") == pseudonymise(
        value, "resident_id"
    )


@pytest.fixture
def pg_api(
    postgres_url: str, pg_engine: Engine, cockpit_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, str]]:
    """The programmes API served on loopback against PostgreSQL; (base URL, claimant key)."""
    monkeypatch.setenv("COCKPIT_DB_URL", postgres_url)
    reset_settings()
    get_engine.cache_clear()
    key = create_api_key(role="claimant_app", name="app", engine=get_engine()).token
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(routes.router)
    with live_server(app) as base:
        yield base, key
    get_engine().dispose()  # before cockpit_home forgets it: close its pooled connections


def test_http_burst_on_postgres_is_exact_and_bad_input_changes_nothing(
    pg_api: tuple[str, str], code: str
) -> None:
    base, key = pg_api
    info = _open(get_engine(), code, packs=20)
    path = f"/api/programmes/{code}/rounds/1/claims"
    headers = {"X-API-Key": key}

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
            bad = await client.post(path, json={"idempotency_key": "short", "id_number": "x"})
            assert bad.status_code == 422
            bodies = [
                {
                    "idempotency_key": f"{code}-{n:04d}",
                    "id_number": resident_id(n),
                    "phone": f"1380000{n % 45:04d}",
                }
                for n in range(60)
            ]
            return list(await asyncio.gather(*(client.post(path, json=b) for b in bodies)))

    answers = asyncio.run(burst())
    codes = Counter(r.status_code for r in answers)
    assert codes[201] == 20 and codes[409] == 40
    refusals = Counter(r.json()["code"] for r in answers if r.status_code == 409)
    assert set(refusals) <= {"sold_out", "limit_reached"}
    granted = [r.json() for r in answers if r.status_code == 201]
    assert all(g["holder"].startswith("ps:") and len(g["vouchers"]) == 5 for g in granted)
    rows = _claims(get_engine(), info.round_id)
    assert len(rows) == 20 and max(Counter(r[1] for r in rows).values()) == 1
    assert ledger.verify(get_engine()).ok


def test_claim_route_refuses_like_fastapi(pg_api: tuple[str, str], code: str) -> None:
    base, key = pg_api
    info = _open(get_engine(), code, packs=2)
    path = f"/api/programmes/{code}/rounds/1/claims"
    ok = {"idempotency_key": f"{code}-0001", "id_number": resident_id(1)}
    with httpx.Client(base_url=base, timeout=30) as http:
        assert http.post(path, json=ok).status_code == 401
        assert http.post(path, json=ok, headers={"X-API-Key": "ck_nope"}).status_code == 401
        short = http.post(path, json={**ok, "id_number": "x"}, headers={"X-API-Key": key})
        assert short.status_code == 422
        assert short.json()["field"] == "body.id_number"
        broken = http.post(path, content=b"{not json", headers={"X-API-Key": key})
        assert broken.status_code == 422 and broken.json()["field"].startswith("body")
        bad_no = http.post(
            f"/api/programmes/{code}/rounds/x/claims", json=ok, headers={"X-API-Key": key}
        )
        assert bad_no.status_code == 422 and bad_no.json()["field"] == "path.no"
        no_round = http.post(
            f"/api/programmes/{code}/rounds/9/claims",
            json=ok,
            headers={"Authorization": f"Bearer {key}"},
        )
        assert no_round.status_code == 404 and no_round.json()["code"] == "not_found"
        granted = http.post(path, json=ok, headers={"Authorization": f"Bearer {key}"})
        assert granted.status_code == 201 and not granted.json()["replayed"]
    assert len(_claims(get_engine(), info.round_id)) == 1


def test_rounds_with_larger_limits_take_the_reference_path(
    pg_api: tuple[str, str], code: str
) -> None:
    base, key = pg_api
    programme = voucher_programme(code, packs=4, per_round=2, total=2)
    vouchers.install_programme(programme=programme, engine=get_engine())
    rid = vouchers.open_round(programme_code=code, no=1, engine=get_engine(), parts=2)
    assert not aioclaim.serves(vouchers.round_info(get_engine(), rid))
    path = f"/api/programmes/{code}/rounds/1/claims"
    same_person = {"id_number": resident_id(1), "phone": "13800000001"}
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=30) as http:
        answers = [
            http.post(path, json={"idempotency_key": f"{code}-{n:04d}", **same_person})
            for n in range(3)
        ]
    assert [a.status_code for a in answers] == [201, 201, 409]
    assert answers[2].json()["code"] == "limit_reached"
    assert len(_claims(get_engine(), rid)) == 2


def _pending(info: vouchers.RoundInfo, n: int, who: Identity) -> aioclaim.Pending:
    """Claim ``n`` of ``who`` as ``aioclaim.claim`` queues it (no event loop needed here)."""
    moment = datetime.now().astimezone()
    pairs = who.identifiers(list(info.rules.limits.identifiers))
    scopes = [scope for scope, _ in vouchers.slot_scopes(info)]
    claim_id = f"c-lock-{info.round_id}-{n}"
    return aioclaim.Pending(
        who=who,
        idem_key=f"lock-{info.round_id}-{n}",
        digest=f"{n:064x}",
        stamp=ledger.iso(moment),
        value_at=ledger.value_iso(moment),
        vouchers=vouchers._voucher_rows(info, claim_id, who.person, moment),
        slots=[(scope, kind, value) for scope in scopes for kind, value in pairs],
        future=cast("asyncio.Future[ClaimResult]", None),
    )


def test_two_batches_waiting_on_each_other_part_at_once(pg_engine: Engine, code: str) -> None:
    """prog_0010: B, asking for the budget row A holds, takes the round's free one; then A
    holds a phone that batch B's claim names, and B one that A's next
    claim names. Each waits on the other; PostgreSQL would find the cycle only after
    ``deadlock_timeout`` (10 s here, for both sessions), but the batch's lock timeout lets the
    claim that waited go first: it is answered ``retry``, nothing of it written, and both
    batches finish within a second."""
    import threading
    import time

    import psycopg

    info = _open(pg_engine, code, packs=10, parts=2)
    a1 = _pending(info, 1, person(1, phone="shared-p"))
    b1 = _pending(info, 2, person(2, phone="shared-q"))
    b2 = _pending(info, 3, person(3, phone="shared-p"))  # waits on a1
    a2 = _pending(info, 4, person(4, phone="shared-q"))  # waits on b1
    first = psycopg.connect(_conninfo(pg_engine))
    second = psycopg.connect(_conninfo(pg_engine))
    outcomes: dict[str, list[str]] = {}
    rows: dict[str, str] = {}
    try:
        for conn in (first, second):
            conn.execute("SET deadlock_timeout = '10s'")
        started = time.monotonic()
        row = first.execute(aioclaim.BATCH_SQL, aioclaim._batch_params(info, 0, [a1])).fetchone()
        assert row is not None and row[0] == ["granted", f"r{info.round_id}.0"]

        def run_b() -> None:
            # B asks for the budget row A holds, and takes the free one instead.
            found = second.execute(aioclaim.BATCH_SQL, aioclaim._batch_params(info, 0, [b1, b2]))
            *outcomes["b"], rows["b"] = found.fetchone()[0]  # type: ignore[index]
            second.commit()

        b = threading.Thread(target=run_b)
        b.start()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # B holds b1's phone and waits for a1's
            waiting = first.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'",
                (second.info.backend_pid,),
            ).fetchone()
            if (waiting and waiting[0]) or "b" in outcomes:
                break
            time.sleep(0.005)
        found = first.execute(aioclaim.BATCH_SQL, aioclaim._batch_params(info, 0, [a2]))
        *outcomes["a"], rows["a"] = found.fetchone()[0]  # type: ignore[index]
        first.commit()
        b.join(timeout=15)
        elapsed = time.monotonic() - started
    finally:
        first.close()
        second.close()
    assert elapsed < 5, f"the batches waited {elapsed:.1f} s on each other"
    assert sorted(outcomes["a"] + outcomes["b"]) == ["granted", "retry", "taken"]
    assert rows == {"a": f"r{info.round_id}.0", "b": f"r{info.round_id}.1"}
    assert ledger.verify(pg_engine).ok
