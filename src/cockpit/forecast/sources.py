"""Where forecast inputs come from: the indicators' built tables, never raw transactions.

The forecast pipeline takes any long frame; this adapter turns the lake into one.
Monthly values come from ``lake/indicator_values`` (built by ``cockpit build``) for the
cuts it publishes: city, by district, by category, and the district × category cross (cut
``"district,category"``), the bottom of the grouped hierarchy; how far the feed runs, from
its day rows (``indicator_values/day``). Only complete months are returned; the month in
progress is the nowcast's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.lake import files, lake_of, scan

if TYPE_CHECKING:
    import pandas as pd

VALUES_TABLE = "indicator_values"
#: Indicators the feed nowcast is made for.
CROSS_INDICATORS = ("retail_sales",)
#: The indicators room's name for the district × category cut.
CROSS_CUT = "district,category"


class NoSeriesError(LookupError):
    """The lake holds no series for what was asked."""


def _duckdb_frame(sql: str) -> pd.DataFrame:
    import duckdb

    with duckdb.connect() as con:
        return con.execute(sql).df()


def read_indicator_values(
    *, home: Path, indicator_id: str, period_type: str, cut: str
) -> pd.DataFrame:
    """Rows of ``lake/indicator_values`` for one indicator, period type and cut."""
    import duckdb
    import pandas as pd

    lake = lake_of(home)
    if not files(lake, VALUES_TABLE, top=True):  # month and year-to-date rows
        return pd.DataFrame()
    sql = f"""
        SELECT * FROM {scan(lake, VALUES_TABLE, top=True)}
        WHERE indicator_id = ? AND period_type = ? AND coalesce(cut, '') = ?
    """
    with duckdb.connect() as con:
        frame: pd.DataFrame = con.execute(sql, [indicator_id, period_type, cut]).df()
    return frame


def last_feed_day(home: Path) -> pd.Timestamp:
    """The latest day the built ``indicator_values/day`` rows reach."""
    import pandas as pd

    lake = lake_of(home)
    if not files(lake, VALUES_TABLE, day=True):
        raise NoSeriesError("no daily indicator values in the lake; run `cockpit build`")
    sql = f"""SELECT max(period) AS d FROM {scan(lake, VALUES_TABLE, day=True)}
              WHERE indicator_id = 'retail_sales'"""
    return pd.Timestamp(str(_duckdb_frame(sql)["d"].iloc[0])[:10])


def complete_months(frame: pd.DataFrame, last_day: pd.Timestamp) -> pd.DataFrame:
    """Drop months not fully covered by the feed (the month of ``last_day`` unless it ends it)."""
    import pandas as pd

    month_end = last_day + pd.offsets.MonthEnd(0)
    cutoff = last_day.to_period("M").to_timestamp()
    if last_day.normalize() == month_end.normalize():
        cutoff = cutoff + pd.offsets.MonthBegin(1)
    return frame[frame["ds"] < cutoff].reset_index(drop=True)


def _monthly_from_values(values: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    import pandas as pd

    months = values[values["period"].str.fullmatch(r"\d{4}-\d{2}")]
    out = months[dims].copy() if dims else pd.DataFrame(index=months.index)
    out["ds"] = pd.to_datetime(months["period"] + "-01")
    out["y"] = months["value"].astype(float)
    return out.reset_index(drop=True)


def read_indicator_monthly(*, home: Path, indicator_id: str, by: str = "both") -> pd.DataFrame:
    """Complete months of an indicator as ds, y + dimension columns (district/category)."""
    dims = ["district", "category"] if by == "both" else [by]
    last = last_feed_day(home)
    cut = CROSS_CUT if by == "both" else by
    values = read_indicator_values(
        home=home, indicator_id=indicator_id, period_type="month", cut=cut
    )
    if values.empty:
        raise NoSeriesError(
            f"no monthly {indicator_id} by {cut} in lake/{VALUES_TABLE}; run `cockpit build`"
        )
    return complete_months(_monthly_from_values(values, dims), last)


def zero_filled(frame: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    """Every dimension combination seen, at every month of the span: no sales is zero."""
    import pandas as pd

    months = pd.date_range(frame["ds"].min(), frame["ds"].max(), freq="MS")
    combos = frame[dims].drop_duplicates()
    grid = combos.merge(pd.DataFrame({"ds": months}), how="cross")
    out = grid.merge(frame, on=[*dims, "ds"], how="left").fillna({"y": 0.0})
    return out.sort_values([*dims, "ds"], ignore_index=True)


OFFICIAL_TABLE = "official_stats"


def read_official_monthly(*, home: Path, by: str = "") -> pd.DataFrame:
    """Official monthly retail sales (fen) as ds, y (+ ``district`` or ``category``).

    From the lake's ingested official statistics (``official_stats``, measure
    ``retail_sales``). ``by``: ``""`` the city, ``"district"`` every district of the city,
    ``"category"`` the city by category. NBS publishes January and February together
    (period ``YYYY-01-02``); that figure is split evenly between the two months, so the
    pipeline, which pools January and February anyway (``springfestival``), models their sum.
    """
    import duckdb
    import pandas as pd

    lake = lake_of(home)
    if not files(lake, OFFICIAL_TABLE):
        raise NoSeriesError("the lake has no official statistics; run `cockpit ingest`")
    where = {
        "": "region_code = '500000' AND coalesce(category_code, '') = ''",
        "district": "region_code <> '500000' AND coalesce(category_code, '') = ''",
        "category": "region_code = '500000' AND coalesce(category_code, '') <> ''",
    }[by]
    label = {
        "": "",
        "district": ", region_code AS district",
        "category": ", category_code AS category",
    }[by]
    sql = f"""
        SELECT DISTINCT period, value_fen::DOUBLE AS y {label}
        FROM {scan(lake, OFFICIAL_TABLE)}
        WHERE measure = 'retail_sales' AND value_fen IS NOT NULL AND {where}
    """
    with duckdb.connect() as con:
        raw: pd.DataFrame = con.execute(sql).df()
    pooled = raw["period"].str.fullmatch(r"\d{4}-01-02")
    single = raw[raw["period"].str.fullmatch(r"\d{4}-\d{2}")].assign(
        ds=lambda f: pd.to_datetime(f["period"] + "-01")
    )
    halves = [
        raw[pooled].assign(
            ds=pd.to_datetime(raw.loc[pooled, "period"].str[:4] + m), y=raw.loc[pooled, "y"] / 2
        )
        for m in ("-01-01", "-02-01")
    ]
    out = pd.concat([single, *halves], ignore_index=True).drop(columns="period")
    dims = [c for c in ("district", "category") if c in out.columns]
    return out[["ds", "y", *dims]].sort_values([*dims, "ds"], ignore_index=True)
