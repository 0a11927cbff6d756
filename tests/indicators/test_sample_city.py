"""On the sample city, ingested for real: the injected events show where and when they should.

Transaction counts are used (the tiny city's amounts are dominated by a few car sales); an
event's place must lose (slump) or gain (spike) share of the city's payments in its window
compared with the six months on either side.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cockpit.indicators.build import build
from cockpit.indicators.query import read_values
from tests.indicators.conftest import IBIS_DUCKDB_DEPRECATION

# The sample city is generated, ingested and built first: minutes on two shared cores.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings(IBIS_DUCKDB_DEPRECATION),
]


@pytest.fixture(scope="module")
def city_home(sample_city: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cockpit.ingest import ingest_paths

    home = tmp_path_factory.mktemp("city-home")
    ingest_paths([sample_city], home=home)
    build(home=home, engine="duckdb")
    return home


def _events(sample_city: Path) -> dict[str, dict[str, object]]:
    truth = json.loads((sample_city / "ground_truth.json").read_text("utf-8"))
    return {str(e["kind"]): e for e in truth["events"]}


def _share_change(values: pd.DataFrame, cut: str, place: str, start: str, end: str) -> float:
    """Share of the city's payments in the event window over the share around it, minus 1."""
    v = values[(values["indicator_id"] == "transactions") & (values["period_type"] == "month")]
    v = v[v["period"].str.len() == 7]
    total = v[v["cut"] == ""].set_index("period")["value"]
    part = v[(v["cut"] == cut) & (v[cut] == place)].set_index("period")["value"]
    share = (part / total).dropna()
    months = pd.PeriodIndex(share.index, freq="M")
    first, last = pd.Period(start[:7], "M"), pd.Period(end[:7], "M")
    inside = (months >= first) & (months <= last)
    around = ~inside & (months >= first - 6) & (months <= last + 6)
    return float(share[inside].mean() / share[around].mean() - 1)


def test_district_slump_appears_in_its_district_and_months(
    city_home: Path, sample_city: Path
) -> None:
    e = _events(sample_city)["district_slump"]
    values = read_values(city_home / "lake")
    change = _share_change(values, "district", str(e["place"]), str(e["start"]), str(e["end"]))
    assert change < -0.12, change  # injected: -25 %
    year_before = _share_change(
        values,
        "district",
        str(e["place"]),
        "2024" + str(e["start"])[4:],
        "2024" + str(e["end"])[4:],
    )
    assert year_before > change + 0.1


def test_category_spike_appears_in_its_category_and_months(
    city_home: Path, sample_city: Path
) -> None:
    e = _events(sample_city)["category_spike"]
    values = read_values(city_home / "lake")
    change = _share_change(values, "category", str(e["place"]), str(e["start"]), str(e["end"]))
    assert change > 0.3, change  # injected: +60 %
