"""Fixtures of the industry room: the sample city's industry lists, and a migrated database
with them loaded (made once per session, copied for each test)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cockpit.db import make_engine, upgrade
from tests.access.helpers import sign_in_as


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The sample city's industry lists (and the Order + List file they refer to)."""
    from cockpit.sample.industry import write_industry
    from cockpit.sample.trade import write_trade

    out = tmp_path_factory.mktemp("industry-city")
    write_trade(
        out, first=dt.date(2025, 1, 1), last=dt.date(2025, 3, 1), rng=np.random.default_rng(3)
    )
    truth = write_industry(out, rng=np.random.default_rng(11))
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), "utf-8")
    return out, truth


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ind-template") / "empty.sqlite"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def loaded_template(
    tmp_path_factory: pytest.TempPathFactory, migrated: Path, city: tuple[Path, dict[str, Any]]
) -> Path:
    """A database with every sample list loaded, in the ground truth's order."""
    from cockpit.industry import load_list

    path = tmp_path_factory.mktemp("ind-loaded") / "loaded.sqlite"
    shutil.copyfile(migrated, path)
    eng = make_engine(f"sqlite:///{path}")
    out, truth = city
    for kind, rel in truth["load_order"]:
        load_list(kind, out / rel, engine=eng)
    eng.dispose()
    return path


def _copy(template: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "ind.sqlite"
    shutil.copyfile(template, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


@pytest.fixture
def engine(tmp_path: Path, migrated: Path) -> Iterator[Engine]:
    """An empty, migrated database."""
    yield from _copy(migrated, tmp_path)


@pytest.fixture
def loaded(tmp_path: Path, loaded_template: Path) -> Iterator[Engine]:
    """A database holding the sample city's registry."""
    yield from _copy(loaded_template, tmp_path)


@pytest.fixture
def home(cockpit_home: Path, loaded_template: Path) -> Path:
    """A COCKPIT_HOME whose database holds the sample registry."""
    import shutil

    from cockpit.config import get_settings

    get_settings().ensure_home()
    url = get_settings().database_url
    assert url.startswith("sqlite:///")
    shutil.copyfile(loaded_template, url.removeprefix("sqlite:///"))
    return cockpit_home


@pytest.fixture
def client(home: Path) -> Iterator[TestClient]:
    from cockpit.web.app import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as c:
        sign_in_as(c, "analyst")
        yield c
