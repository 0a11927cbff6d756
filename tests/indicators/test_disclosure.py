"""Small-cell rules: thin cells suppressed, and no suppressed cell recoverable from the
published totals, the cumulative rows or the growth rates."""

from __future__ import annotations

import math
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import pytest

from cockpit.datafiles import DataFileError
from cockpit.indicators.build import build
from cockpit.indicators.catalogue import CUT_DIMENSIONS
from cockpit.indicators.disclosure import load_policy
from cockpit.indicators.query import read_values
from cockpit.indicators.synthetic import LakeSpec, write_lake
from tests.indicators.conftest import IBIS_DUCKDB_DEPRECATION

pytestmark = pytest.mark.filterwarnings(IBIS_DUCKDB_DEPRECATION)

# Thin enough that many district × category cells have one or two merchants.
SPEC = LakeSpec(rows=3000, merchants=60, start="2024-01", months=14, districts=4, seed=5)
ADDITIVE = ["retail_sales", "online_sales", "transactions"]


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(published under the default rules, every cell published) of the same lake."""
    from tests.indicators.lakefiles import publish_every_cell

    out = []
    for rules in ("default", "none"):
        home = tmp_path_factory.mktemp(f"rules-{rules}")
        write_lake(home / "lake", SPEC)
        if rules == "none":
            publish_every_cell(home)
        build(home=home, engine="duckdb")
        out.append(read_values(home / "lake"))
    return out[0], out[1]


def _months(v: pd.DataFrame) -> pd.DataFrame:
    return v[(v["period_type"] == "month") & (v["period"].str.len() == 7)]


def test_cells_of_fewer_than_three_merchants_are_empty_everywhere(
    both: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    published, _ = both
    thin = published[(published["merchants"] > 0) & (published["merchants"] < 3)]
    assert len(thin) > 100, "the lake has thin cells"
    assert (thin["status"] == "suppressed").all()
    for col in ("value", "num", "den", "mom", "yoy", "ss_mom", "ss_yoy"):
        assert thin[col].isna().all(), col
    single = published["period"].str.len() != 10  # not 1–2月
    single &= published["period_type"] != "ytd"  # cumulative rows: see below
    fine = published[(published["merchants"] >= 3) & single]
    assert set(fine["status"]) <= {"ok", "unreliable", "complementary"}
    assert (fine["status"] == "ok").any()


PAIRS = [("district", "category"), ("business_district", "category")]


def _label(x: object) -> str | None:
    return x if isinstance(x, str) else None


def _unknowns_determined(
    v: pd.DataFrame, ind: str, period: str, pair: tuple[str, str] = PAIRS[0]
) -> list[tuple[str, str | None, str | None]]:
    """Suppressed cells of one indicator and month that linear algebra on the published
    totals pins down: unknowns are the hidden cells of the pair's two single cuts (e.g.
    district and category) and of the pair; equations say rows and columns add up to their
    single cells and those to the city total. A cell is determined when its unit vector is
    in the row space."""
    first, second = pair
    both = f"{first},{second}"
    rows = _months(v)
    rows = rows[(rows["indicator_id"] == ind) & (rows["period"] == period)]
    total = rows[rows["cut"] == ""]["value"].iloc[0]
    assert not math.isnan(total)
    cells: dict[tuple[str, str | None, str | None], float] = {}
    for r in rows[rows["cut"].isin([first, second, both])].to_dict("records"):
        a = _label(r[first]) if r["cut"] in (first, both) else None
        b = _label(r[second]) if r["cut"] in (second, both) else None
        cells[(r["cut"], a, b)] = r["value"]
    unknown = [k for k, x in cells.items() if math.isnan(x)]
    col = {k: i for i, k in enumerate(unknown)}
    equations: list[list[float]] = []

    def equation(members: list[tuple[str, str | None, str | None]], minus: tuple | None) -> None:
        a = np.zeros(len(unknown))
        for k in members:
            if k in col:
                a[col[k]] += 1
        if minus is not None and minus in col:
            a[col[minus]] -= 1
        if a.any():
            equations.append(list(a))

    firsts = sorted({k[1] for k in cells if k[0] == first}, key=str)
    seconds = sorted({k[2] for k in cells if k[0] == second}, key=str)
    equation([(first, d, None) for d in firsts], None)
    equation([(second, None, c) for c in seconds], None)
    for d in firsts:
        members = [k for k in cells if k[0] == both and k[1] == d]
        equation(members, (first, d, None))
    for c in seconds:
        members = [k for k in cells if k[0] == both and k[2] == c]
        equation(members, (second, None, c))
    if not unknown:
        return []
    matrix = np.array(equations) if equations else np.zeros((0, len(unknown)))
    rank = np.linalg.matrix_rank(matrix) if len(matrix) else 0
    found = []
    for k, i in col.items():
        e = np.zeros(len(unknown))
        e[i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, e])) == rank:
            found.append(k)
    return found


@pytest.mark.parametrize("pair", PAIRS, ids=",".join)
@pytest.mark.parametrize("ind", ADDITIVE)
def test_no_suppressed_cell_can_be_recovered_from_the_totals(
    both: tuple[pd.DataFrame, pd.DataFrame], ind: str, pair: tuple[str, str]
) -> None:
    published, _ = both
    months = sorted(set(_months(published)["period"]))
    rows = _months(published)
    rows = rows[rows["cut"] == ",".join(pair)]
    for period in months:
        assert _unknowns_determined(published, ind, period, pair) == [], period
    assert int(rows["value"].isna().sum()) > 50, "the pair has hidden cells"


def test_the_outside_area_is_a_business_district_of_the_pair(
    both: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """Business district "" (merchants outside any area) is a row of the pair like the
    others, so the pair's cells add up to each category."""
    published, _ = both
    pair = _months(published)
    pair = pair[pair["cut"] == "business_district,category"]
    assert (pair["business_district"] == "").any()
    assert pair["business_district"].notna().all() and pair["category"].notna().all()


@pytest.mark.parametrize("pair", PAIRS, ids=",".join)
def test_the_attack_finds_a_cell_when_complementary_suppression_is_off(
    both: tuple[pd.DataFrame, pd.DataFrame], pair: tuple[str, str]
) -> None:
    """The recovery test can fail: primary suppression alone leaves cells recoverable."""
    published, every = both
    primary = published.copy()
    back = primary["status"] == "complementary"
    back &= primary["cut"].isin([*pair, ",".join(pair)])
    assert back.any()
    keys = ["indicator_id", "period_type", "period", "cut", *CUT_DIMENSIONS]
    truth = every[every["period_type"] != "day"].set_index(keys)["value"]
    back &= primary["period_type"] != "day"
    primary.loc[back, "value"] = truth.reindex(
        pd.MultiIndex.from_frame(primary.loc[back, keys])
    ).to_numpy()
    found = [
        _unknowns_determined(primary, "retail_sales", p, pair)
        for p in sorted(set(_months(primary)["period"]))
    ]
    assert any(found)


def test_a_cumulative_row_is_suppressed_when_one_of_its_months_is(
    both: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    published, _ = both
    v = published[published["indicator_id"] == "retail_sales"]
    keys = ["cut", *CUT_DIMENSIONS]
    months = _months(v).copy()
    months["year"] = months["period"].str.slice(0, 4)
    ytd = v[v["period_type"] == "ytd"]
    checked = 0
    for r in ytd.itertuples():
        same = months
        for k in keys:
            x = getattr(r, k)
            same = same[same[k].isna()] if not isinstance(x, str) else same[same[k] == x]
        period = str(r.period)
        span = same[(same["year"] == period[:4]) & (same["period"] <= period)]
        if span["value"].isna().any():
            assert math.isnan(cast(float, r.value)), r
            checked += 1
    assert checked > 10


def test_a_growth_rate_on_a_suppressed_base_is_withheld(
    both: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """Else the base comes back as value / (1 + growth)."""
    published, every = both
    v = _months(published)
    v = v[v["indicator_id"] == "retail_sales"].copy()
    v["mi"] = v["period"].str.slice(0, 4).astype(int) * 12 + v["period"].str.slice(5).astype(int)
    keys = ["cut", *CUT_DIMENSIONS, "mi"]
    base = v[[*keys, "status"]].copy()
    base["mi"] += 1
    merged = v.merge(base, on=keys, how="inner", suffixes=("", "_base"), sort=False)
    on_hidden = merged[merged["status_base"].isin(["suppressed", "complementary"])]
    assert len(on_hidden) > 10
    assert on_hidden["mom"].isna().all() and on_hidden["ss_mom"].isna().all()
    shown = on_hidden[on_hidden["status"] == "ok"]
    assert shown["growth_withheld"].str.contains("mom:base_suppressed").all()
    assert every["mom"].notna().sum() > published["mom"].notna().sum()


def test_a_mistake_in_the_policy_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "disclosure.yaml").write_text(
        'version: "x"\nsuppress:\n  min_merchants: 0\n', "utf-8"
    )
    with pytest.raises(DataFileError) as err:
        load_policy(tmp_path)
    assert err.value.line == 3 and "min_merchants" in str(err.value)


def test_the_shipped_policy_is_the_documented_one() -> None:
    policy = load_policy(None)
    assert policy.suppress.min_merchants == 3 and policy.suppress.complementary
    assert policy.reliability.max_cv == pytest.approx(0.30)
