"""Fixtures of the indicator tests: a small synthetic lake, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.indicators.synthetic import LakeSpec, write_lake
from tests.indicators.lakefiles import publish_every_cell

SPEC = LakeSpec(rows=3000, merchants=50, start="2024-01", months=26, districts=5, seed=11)


@pytest.fixture(scope="session")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A COCKPIT_HOME whose synthetic lake has been built on DuckDB."""
    from cockpit.indicators.build import build

    home = tmp_path_factory.mktemp("indicators-home")
    write_lake(home / "lake", SPEC)
    publish_every_cell(home)
    build(home=home, engine="duckdb")
    return home


# Ibis 12 still calls DuckDB 2's deprecated fetch_arrow_table(); nothing we can change here.
# The lead may move this to pyproject's filterwarnings; until then each module marks itself.
IBIS_DUCKDB_DEPRECATION = "ignore:fetch_arrow_table\\(\\) is deprecated:DeprecationWarning"
