"""The same lifecycle, history rules and open data on PostgreSQL (production's database)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from cockpit.db import make_engine, upgrade
from cockpit.scenarios import calls, catalogues, ocds, sample, walkthrough
from cockpit.scenarios.vocab import IllegalTransition
from tests.scenarios.conftest import T0, UNIT, seed_registry


@pytest.mark.slow
@pytest.mark.postgres
def test_sample_call_runs_and_history_is_append_only_on_postgres(postgres_url: str) -> None:
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    try:
        sample.load_sample(engine=engine, at=T0)
        result = walkthrough.run_sample_call(engine=engine)
        assert result["state"] == "accepted" and result["winner"] == "F06"
        assert calls.verify_timeline(walkthrough.CALL_ID, engine=engine) == []
        assert catalogues.count_cases(sector="consumption", district="500103", engine=engine) == 1
        package = ocds.release_package(engine=engine, call_ids=[walkthrough.CALL_ID])
        assert ocds.validate_package(package) == []
        with engine.begin() as conn, pytest.raises(Exception, match="append-only"):
            conn.execute(text("UPDATE scn_events SET actor = 'x'"))
        with engine.begin() as conn, pytest.raises(Exception, match="append-only"):
            conn.execute(text("DELETE FROM scn_events"))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_concurrent_steps_on_one_call_take_effect_once_on_postgres(postgres_url: str) -> None:
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    try:
        seed_registry(engine)
        calls.create_call(scenario_id="S1", actor=UNIT, call_id="C-race", engine=engine, at=T0)
        for step in ("publish", "open"):
            calls.advance(call_id="C-race", step=step, actor=UNIT, engine=engine)

        def close() -> str:
            try:
                calls.advance(call_id="C-race", step="close", actor=UNIT, engine=engine)
                return "moved"
            except IllegalTransition:
                return "refused"

        with ThreadPoolExecutor(max_workers=4) as pool:
            outcomes = sorted(pool.map(lambda _: close(), range(4)))
        assert outcomes == ["moved", "refused", "refused", "refused"]
        closes = [e for e in calls.timeline("C-race", engine=engine) if e.action == "close"]
        assert len(closes) == 1
        assert calls.verify_timeline("C-race", engine=engine) == []
    finally:
        engine.dispose()
