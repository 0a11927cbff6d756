"""January/February pooling: the split model, without fitting any forecaster."""

from __future__ import annotations

import pandas as pd

from cockpit.forecast.springfestival import fit_share, pool, unpool


def _series(values: list[float]) -> pd.DataFrame:
    ds = pd.date_range("2021-01-01", periods=len(values), freq="MS")
    return pd.DataFrame({"unique_id": "s", "ds": ds, "y": values})


def test_pooling_keeps_each_years_january_plus_february_total() -> None:
    # Jan/Feb swap as Spring Festival moves: 2021 Feb-heavy, 2022 even, 2023 Jan-heavy.
    values = []
    for jan, feb in ((60.0, 140.0), (100.0, 100.0), (150.0, 50.0)):
        values += [jan, feb] + [100.0] * 10
    frame = _series(values)
    pooled, models = pool(frame)
    jf = pooled[pooled["ds"].dt.month <= 2].groupby(pooled["ds"].dt.year)["y"].sum()
    assert jf.tolist() == [200.0, 200.0, 200.0]
    jan = pooled[pooled["ds"].dt.month == 1]["y"]
    assert jan.nunique() == 1  # the moving-holiday swing is gone
    back = unpool(pooled, models, ["y"])
    totals = back[back["ds"].dt.month <= 2].groupby(back["ds"].dt.year)["y"].sum()
    assert totals.round(6).tolist() == [200.0, 200.0, 200.0]


def test_series_selling_in_only_one_of_the_two_months_is_left_alone() -> None:
    values = ([50.0, 0.0] + [10.0] * 10) * 3
    assert fit_share(_series(values)) is None
    pooled, models = pool(_series(values))
    assert models == {} and pooled["y"].tolist() == values
