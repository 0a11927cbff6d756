"""Fixtures of the programmes tests: migrated databases (SQLite and PostgreSQL) and programmes."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from cockpit.db import get_engine, make_engine, upgrade

_codes = itertools.count(1)


@pytest.fixture
def sqlite_engine(cockpit_home: Path) -> Engine:
    """The default SQLite database of a fresh COCKPIT_HOME, migrated."""
    upgrade()
    return get_engine()


@pytest.fixture(scope="session")
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    """A fresh PostgreSQL database, migrated (shared by the session: use unique codes)."""
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each test using it runs on SQLite and on PostgreSQL."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        return request.getfixturevalue("pg_engine")  # type: ignore[no-any-return]
    return request.getfixturevalue("sqlite_engine")  # type: ignore[no-any-return]


@pytest.fixture
def code() -> str:
    """A programme code unique in this test session."""
    return f"test-prog-{next(_codes)}"
