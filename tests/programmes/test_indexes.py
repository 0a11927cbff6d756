"""prog_0009: vouchers and redemptions indexed by programme, so a programme's status
(asked once per programme by the budgets chart) reads only that programme's rows; prog_0011:
no index on a voucher's holder, which nothing looks up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, event, inspect, text

from cockpit.db import alembic_config, make_engine, upgrade
from cockpit.programmes import status, vouchers
from tests.pg import postgres_server
from tests.programmes.helpers import voucher_programme

NEW = {
    "prog_vouchers": ("ix_prog_vouchers_programme_status", ["programme_id", "status"]),
    "prog_redemptions": ("ix_prog_redemptions_programme_id", ["programme_id"]),
}


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind, not yet migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/indexes.sqlite"
        return
    request.applymarker(pytest.mark.postgres)
    with postgres_server() as url:
        yield url


def _indexes(engine: Engine, table: str) -> dict[str, list[str]]:
    return {
        str(ix["name"]): [str(c) for c in ix["column_names"]]
        for ix in inspect(engine).get_indexes(table)
    }


def test_prog_0009_adds_the_programme_indexes_and_takes_them_off_again(fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    try:
        upgrade(fresh_url)
        for table, (name, columns) in NEW.items():
            assert _indexes(engine, table)[name] == columns
        command.downgrade(alembic_config(fresh_url), "prog_0008")
        engine.dispose()
        for table, (name, _) in NEW.items():
            assert name not in _indexes(engine, table)
        with engine.connect() as conn:
            versions = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
        assert "prog_0008" in versions and "prog_0009" not in versions
        upgrade(fresh_url)
        engine.dispose()
        for table, (name, columns) in NEW.items():
            assert _indexes(engine, table)[name] == columns
    finally:
        engine.dispose()


def test_prog_0011_drops_the_holder_index_and_brings_it_back_on_downgrade(
    fresh_url: str,
) -> None:
    engine = make_engine(fresh_url)
    try:
        upgrade(fresh_url)
        assert "ix_prog_vouchers_holder" not in _indexes(engine, "prog_vouchers")
        command.downgrade(alembic_config(fresh_url), "prog_0010")
        engine.dispose()
        assert _indexes(engine, "prog_vouchers")["ix_prog_vouchers_holder"] == ["holder"]
        upgrade(fresh_url)
        engine.dispose()
        assert "ix_prog_vouchers_holder" not in _indexes(engine, "prog_vouchers")
    finally:
        engine.dispose()


def test_a_programmes_status_reads_vouchers_and_redemptions_by_index(
    sqlite_engine: Engine,
) -> None:
    programme = voucher_programme("indexed", packs=2)
    vouchers.install_programme(programme=programme, engine=sqlite_engine)
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "prog_vouchers" in statement or "prog_redemptions" in statement:
            seen.append((statement, params))

    event.listen(sqlite_engine, "before_cursor_execute", keep)
    try:
        status.programme_status("indexed", engine=sqlite_engine)
    finally:
        event.remove(sqlite_engine, "before_cursor_execute", keep)
    assert {t for t in NEW if any(t in s for s, _ in seen)} == set(NEW)
    with sqlite_engine.connect() as conn:
        for statement, params in seen:
            plan = " | ".join(
                str(row[-1])
                for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
            )
            table = next(t for t in NEW if t in statement)
            assert f"USING INDEX {NEW[table][0]}" in plan or (
                f"USING COVERING INDEX {NEW[table][0]}" in plan
            ), plan
            assert f"SCAN {table}" not in plan, plan
