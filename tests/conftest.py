"""Fixtures every room's tests share: a fresh COCKPIT_HOME, the sample city, PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.config import reset_settings
from tests.pg import postgres_server


@pytest.fixture
def cockpit_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty COCKPIT_HOME for one test, with settings re-read from the environment."""
    from cockpit.db import get_engine

    home = tmp_path / "home"
    monkeypatch.setenv("COCKPIT_HOME", str(home))
    monkeypatch.delenv("COCKPIT_DB_URL", raising=False)
    monkeypatch.delenv("COCKPIT_ENGINE", raising=False)
    reset_settings()
    get_engine.cache_clear()
    yield home
    reset_settings()
    get_engine.cache_clear()


@pytest.fixture(scope="session")
def sample_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny sample city's feeds and ground truth, generated once per test session."""
    from cockpit.sample import generate_city

    out = tmp_path_factory.mktemp("sample-city")
    generate_city(out, scale="tiny", seed=7)
    return out


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database: on 127.0.0.1:5432 where one runs, else a server we start.

    In CI (CI=true) a missing PostgreSQL fails the tests that need it; it never skips them.
    """
    with postgres_server() as url:
        yield url


def pytest_configure(config: pytest.Config) -> None:
    # Tests must never read a developer's real home or database.
    os.environ.setdefault("COCKPIT_HOME", str(Path(config.rootpath) / ".pytest-home"))
