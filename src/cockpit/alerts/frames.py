"""The frames the rules read, loaded from the lake tables (docs/lake.md).

Each loader returns ``None`` when its table is not in the lake yet, so the rules that need
it are reported as skipped rather than failing the run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.alerts.evaluate import AlertData
from cockpit.lake import has, lake_of, scan

if TYPE_CHECKING:
    import pandas as pd

ACTIVITY_DAYS = 150  # enough for the longest freshness window plus its silence


def query(lake: Path, table: str, sql: str) -> pd.DataFrame | None:
    """Run ``sql`` with ``{t}`` standing for the table; None when the table has no file."""
    import duckdb

    if not has(lake, table):
        return None
    with duckdb.connect() as con:
        frame: pd.DataFrame = con.sql(sql.format(t=scan(lake, table))).df()
    return frame


def load_trade(
    lake: Path, *, until_month: str | None = None
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The Order + List: enterprises and their monthly order reports (up to a month)."""
    enterprises = query(
        lake,
        "trade_enterprises",
        "SELECT DISTINCT ON (enterprise_id) enterprise_id, name, district_code, products, "
        "markets FROM {t} ORDER BY enterprise_id",
    )
    cutoff = f"WHERE month <= '{until_month}'" if until_month else ""
    orders = query(
        lake,
        "trade_orders",
        "SELECT enterprise_id, month, orders_in_hand_fen, new_orders_fen, export_value_fen "
        f"FROM {{t}} {cutoff} ORDER BY enterprise_id, month",
    )
    return enterprises, orders


def load_activity(
    lake: Path, *, until: dt.date | None = None, days: int = ACTIVITY_DAYS
) -> pd.DataFrame | None:
    """Days with sales per source and merchant in the ``days`` up to ``until`` (or the end)."""
    import duckdb

    if not has(lake, "transactions"):
        return None
    source = scan(lake, "transactions")
    end = f"DATE '{until.isoformat()}'" if until else f"(SELECT max(date) FROM {source})"
    sql = (
        f"SELECT DISTINCT source, merchant_id, date FROM {source} "
        f"WHERE date <= {end} AND date > {end} - INTERVAL {int(days)} DAY"
    )
    with duckdb.connect() as con:
        activity: pd.DataFrame = con.sql(sql).df()
    merchants = query(
        lake, "merchants", "SELECT merchant_id, closed_on FROM {t} WHERE valid_to IS NULL"
    )
    if merchants is not None and not merchants.empty:
        activity = activity.merge(
            merchants.drop_duplicates("merchant_id"), on="merchant_id", how="left"
        )
    activity["date"] = activity["date"].map(lambda d: d.date() if hasattr(d, "date") else d)
    return activity


def load_alert_data(
    home: Path, *, until_month: str | None = None, until_day: dt.date | None = None
) -> AlertData:
    """Every frame the rules read, from COCKPIT_HOME's lake."""
    from cockpit.alerts.sources import load_forecasts, load_series, load_targets

    lake = lake_of(home)
    enterprises, orders = load_trade(lake, until_month=until_month)
    return AlertData(
        series=load_series(home, until_month=until_month),
        forecasts=load_forecasts(home),
        targets=load_targets(home),
        activity=load_activity(lake, until=until_day),
        enterprises=enterprises,
        orders=orders,
    )
