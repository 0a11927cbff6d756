"""The registry on PostgreSQL (production's database): the same loads, refusals and figures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from cockpit.db import make_engine, upgrade
from cockpit.industry import gap_list, load_list, measure


@pytest.mark.postgres
@pytest.mark.slow
def test_the_sample_registry_loads_and_counts_the_same_on_postgres(
    postgres_url: str, city: tuple[Path, dict[str, Any]]
) -> None:
    out, truth = city
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    try:
        refused = 0
        for kind, rel in truth["load_order"]:
            refused += load_list(kind, out / rel, engine=engine).rejected
        assert refused == len(truth["bad_rows"])
        day = dt.date(2026, 11, 30)
        scale = measure("industry_scale", chain="metaverse", on=day, engine=engine)
        assert scale.value == truth["expected"]["industry_scale_fen"]
        heads = measure("head_firms", chain="metaverse", on=day, engine=engine)
        assert heads.value == truth["expected"]["head_firms"]
        gaps = {v.node_id for v in gap_list(chain_id="ai", on=day, engine=engine)}
        assert gaps == set(truth["gap_nodes"]["ai"]["empty"])
    finally:
        engine.dispose()
