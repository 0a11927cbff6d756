"""The official-series estimates of a lake: read, backtest (``officialbacktest``), calibrate,
choose, estimate, store, and the predictive distributions the plans read.

Reads built tables only: ``official_stats`` (the bureau's figures as ingested) and the day
rows of ``indicator_values`` (the feed's city retail sales, for the bridge). Writes two lake
tables (one part file per run, docs/forecasting.md):

- ``official_estimates``: per series and release period, published or estimated: value, 80 %
  and 95 % bounds, growth, status (published / nowcast / forecast), method, note;
- ``official_accuracy``: per series, horizon and method, the rolling backtest's MAPE, RMSE,
  coverage of the calibrated 80 %/95 % intervals and whether the method is the one published.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from cockpit.forecast.official import (
    PER_YEAR,
    Published,
    calibrated,
    index_period,
    nowcast_step,
    period_index,
    period_months,
    predictive_levels,
    published_series,
)
from cockpit.forecast.officialbacktest import (
    HORIZONS,
    ORIGINS,
    Estimator,
    SeriesKey,
    accuracy_table,
    backtest_series,
    bucket_of_step,
    choose,
    combine,
    conformal_factors,
    factor_key,
    horizon_summary,
    label_of,
    pooled_rule_steps,
)
from cockpit.lake import lake_of

if TYPE_CHECKING:
    import pandas as pd

ESTIMATES, ACCURACY = "official_estimates", "official_accuracy"
#: Monthly measures modelled (year-to-date measures are sums of these).
MEASURES = ("retail_sales", "wholesale_sales")
CITY = "500000"
#: The feed's daily series the bridge reads: payments counted, not their value. The feed's
#: value is dominated by a few large tickets (cars: under 1 % of payments, most of the value),
#: so its year-on-year growth carries sampling noise of 27–53 % (sd, tiny sample city) where
#: the count's is 3 % (docs/forecasting.md).
FEED_INDICATOR = "transactions"


# ---- the lake ------------------------------------------------------------------------------


def read_published(lake: Path) -> dict[SeriesKey, Published]:
    """Every monthly official series in the lake (``official_stats``), by key."""
    import duckdb

    from cockpit.lake import has, scan

    if not has(lake, "official_stats"):
        return {}
    measures = ", ".join("'" + m + "'" for m in MEASURES)
    sql = f"""
        SELECT measure, region_code, coalesce(category_code, '') AS category_code, period,
               any_value(value_fen)::DOUBLE AS value, any_value(yoy_pct)::DOUBLE AS yoy
        FROM {scan(lake, "official_stats")}
        WHERE measure IN ({measures}) AND value_fen IS NOT NULL
        GROUP BY ALL ORDER BY ALL
    """
    with duckdb.connect() as con:
        frame = con.execute(sql).df()
    out: dict[SeriesKey, Published] = {}
    for key, g in frame.groupby(["measure", "region_code", "category_code"]):
        ok = g["period"].str.fullmatch(r"\d{4}-(01-02|0[3-9]|1[0-2])")
        g = g[ok]
        if len(g):
            yoy = [None if v != v else float(v) for v in g["yoy"]]
            out[(str(key[0]), str(key[1]), str(key[2]))] = published_series(
                list(g["period"]),
                list(g["value"].astype(float)),
                yoy,  # type: ignore[arg-type]
            )
    return out


def read_feed_daily(lake: Path, indicator: str = "retail_sales") -> dict[str, float]:
    """The feed's city ``indicator`` per day (retail sales in fen; ``FEED_INDICATOR``: the
    bridge's payment counts), from the built ``indicator_values`` day rows."""
    import duckdb

    from cockpit.lake import read_files, table_dir

    days = sorted((table_dir(lake, "indicator_values") / "day").rglob("*.parquet"))
    if not days:
        return {}
    sql = f"""
        SELECT period, sum(value)::DOUBLE AS y FROM {read_files(days)}
        WHERE indicator_id = ? AND coalesce(cut, '') = '' GROUP BY period
    """
    with duckdb.connect() as con:
        rows = con.execute(sql, [indicator]).fetchall()
    return {str(p)[:10]: float(y) for p, y in rows if y is not None}


def feed_cut(daily: dict[str, float], period: str) -> int | None:
    """How far the feed covers ``period``: 31 (its last month complete), the last day seen,
    or None when it does not reach the period's last month."""
    if not daily:
        return None
    last = max(daily)
    month = period_months(period)[-1]
    if last[:7] < month:
        return None
    if last[:7] > month:
        return 31
    day = dt.date.fromisoformat(last)
    next_day = day + dt.timedelta(days=1)
    return 31 if next_day.month != day.month else day.day


def horizon_to(series: Published, months_ahead: int) -> int:
    """Release periods from the last published one to the one holding the month
    ``months_ahead`` months after the last published month."""
    last_month = period_months(index_period(series.last))[-1]
    year, month = int(last_month[:4]), int(last_month[5:7]) + months_ahead
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    target = f"{year}-01-02" if month <= 2 else f"{year}-{month:02d}"
    return period_index(target) - series.last


@dataclass(frozen=True)
class Plan:
    """What a series publishes: per bucket the method, the calibration and the note."""

    methods: dict[str, Estimator]
    notes: dict[str, str]
    factors: dict[str, dict[str, list[float]]]  # method → label → (k80, k95)
    #: Steps where, pooled over the lake's series, the model does not beat rule (b): rule
    #: (b) is published there whatever the series' own bucket says (``HORIZONS + 1``: every
    #: step beyond the backtest's horizons).
    rule_steps: tuple[int, ...] = ()
    #: The combination's weight on the model per step (``combination_weights``).
    weights: dict[str, float] = field(default_factory=dict)

    def method_at(self, step: int) -> Estimator:
        if self.methods[bucket_of_step(step)] == "combo":
            return "combo"
        if min(step, HORIZONS + 1) in self.rule_steps:
            return "rule_b"
        return self.methods[bucket_of_step(step)]

    def note_at(self, step: int) -> str:
        if (
            min(step, HORIZONS + 1) in self.rule_steps
            and self.methods[bucket_of_step(step)] == "ar"
        ):
            return "rule (b): across the lake's series the model does not beat it this far ahead"
        return self.notes[bucket_of_step(step)]


def scale_for(plan: Plan, method: str, horizon: int, cut_day: int | None) -> NDArray[np.float64]:
    """(horizon × 2) conformal factors (k80, k95) of each step; beyond the backtest, its last."""
    factors = plan.factors.get(method, {})
    return np.array(
        [
            factors.get(
                factor_key(label_of(h, cut_day)), factors.get(f"h{min(h, HORIZONS)}", [1.0, 1.0])
            )
            for h in range(1, horizon + 1)
        ],
        dtype=float,
    ).reshape(horizon, 2)


def predictive(
    series: Published,
    plan: Plan,
    daily: dict[str, float] | None,
    horizon: int,
    *,
    method: Estimator,
    paths: int = 2000,
) -> tuple[NDArray[np.float64], NDArray[np.float64], int | None]:
    """(calibrated level paths, point estimates, feed cut day of the bridge) of the series'
    next ``horizon`` periods by ``method``. Every method draws the same random numbers (one
    seed), so steps taken from different methods keep their correlation."""
    if method == "combo":
        return combined_paths(series, plan, daily, horizon, paths)
    cut_day = feed_cut(daily or {}, index_period(series.last + 1))
    first = nowcast_step(series, daily, cut_day) if method == "ar" else None
    used_cut = cut_day if first is not None else None
    levels, point = predictive_levels(
        series,
        method,
        horizon,
        first_step=first,
        scale=scale_for(plan, method, horizon, used_cut),
        paths=paths,
    )
    return levels, point, used_cut


def combined_paths(
    series: Published, plan: Plan, daily: dict[str, float] | None, horizon: int, paths: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], int | None]:
    """The combination's calibrated paths: per step ``w·model + (1 − w)·rule (b)`` on log
    levels, path by path (both draw the same random numbers), with the spread rescaled to the
    weighted sd the backtest calibrated (``combination.with_combination``), then stretched by
    the combination's conformal factors."""
    cut_day = feed_cut(daily or {}, index_period(series.last + 1))
    first = nowcast_step(series, daily, cut_day)
    used_cut = cut_day if first is not None else None
    a_lv, a_pt = predictive_levels(series, "ar", horizon, first_step=first, paths=paths)
    b_lv, b_pt = predictive_levels(series, "rule_b", horizon, paths=paths)
    w = np.array(
        [
            plan.weights.get(
                factor_key(label_of(h, used_cut)), plan.weights.get(f"h{min(h, HORIZONS)}", 0.0)
            )
            for h in range(1, horizon + 1)
        ]
    )
    a_log, b_log = np.log(np.maximum(a_lv, 1.0)), np.log(np.maximum(b_lv, 1.0))
    centre = w * np.log(a_pt) + (1 - w) * np.log(b_pt)
    dev = w * (a_log - np.log(a_pt)) + (1 - w) * (b_log - np.log(b_pt))
    sd_a = np.sqrt(((a_log - np.log(a_pt)) ** 2).mean(axis=0))
    sd_b = np.sqrt(((b_log - np.log(b_pt)) ** 2).mean(axis=0))
    sd = np.sqrt((dev**2).mean(axis=0))
    dev = dev * np.where(sd > 0, (w * sd_a + (1 - w) * sd_b) / np.where(sd > 0, sd, 1.0), 1.0)
    point = np.exp(centre)
    levels = calibrated(np.exp(centre + dev), point, scale_for(plan, "combo", horizon, used_cut))
    return levels, point, used_cut


def published_paths(
    series: Published, plan: Plan, daily: dict[str, float] | None, horizon: int, paths: int = 2000
) -> tuple[NDArray[np.float64], NDArray[np.float64], list[Estimator]]:
    """Paths and points of the next ``horizon`` periods, each step by its published method."""
    methods = [plan.method_at(h) for h in range(1, horizon + 1)]
    drawn = {
        m: predictive(series, plan, daily, horizon, method=m, paths=paths) for m in set(methods)
    }
    levels = np.column_stack([drawn[m][0][:, h] for h, m in enumerate(methods)])
    point = np.array([drawn[m][1][h] for h, m in enumerate(methods)])
    return levels, point, methods


def estimate_rows(
    key: SeriesKey,
    series: Published,
    plan: Plan,
    daily: dict[str, float] | None,
    months: int,
    clock: dict[str, float] | None = None,
) -> list[dict[str, Any]]:
    """Published periods as published, then one estimate per period up to ``months`` ahead.

    ``daily`` is the series' own feed (the bridge's regressor), ``clock`` the city's feed,
    which says how far time has run: a period it has reached is a nowcast.
    """
    from cockpit.indicators import period_label

    rows: list[dict[str, Any]] = []
    for k, value in enumerate(series.level):
        if not np.isfinite(value):
            continue
        g = series.growth[k]
        period = index_period(series.first + k)
        rows.append(
            _row(
                key,
                period,
                "published",
                0,
                "published",
                float(value),
                None,
                g,
                "",
                period_label(period),
            )
        )
    horizon = horizon_to(series, months)
    levels, point, methods = published_paths(series, plan, daily, horizon)
    centres: list[float] = []
    for h in range(1, horizon + 1):
        method = methods[h - 1]
        col = levels[:, h - 1]
        target = series.last + h
        period = index_period(target)
        base_k = target - PER_YEAR - series.first
        base = series.level[base_k] if base_k < len(series.level) else centres[h - 1 - PER_YEAR]
        centre = float(point[h - 1])
        centres.append(centre)
        g = math.log(centre / base) if base and np.isfinite(base) else None
        # A period the feed has reached is a nowcast, whichever method estimates it.
        cut = feed_cut(clock or daily or {}, period) if h == 1 else None
        status = "nowcast" if cut is not None else "forecast"
        bounds = {
            f"{side}{level}": float(np.quantile(col, q))
            for level in (80, 95)
            for side, q in (("lo", (1 - level / 100) / 2), ("hi", (1 + level / 100) / 2))
        }
        note = plan.note_at(h)
        if status == "nowcast" and method in ("ar", "combo") and daily:
            note += f"; feed to day {cut}" if cut and cut < 31 else "; feed for the whole month"
        rows.append(
            _row(key, period, status, h, method, centre, bounds, g, note, period_label(period))
        )
    return rows


def _row(
    key: SeriesKey,
    period: str,
    status: str,
    step: int,
    method: str,
    value: float,
    bounds: dict[str, float] | None,
    growth: float | None,
    note: str,
    label: str,
) -> dict[str, Any]:
    b = bounds or {}
    return {
        "measure": key[0],
        "region_code": key[1],
        "category_code": key[2],
        "period": period,
        "period_label": label,
        "status": status,
        "step": step,
        "method": method,
        "value_fen": round(value),
        **{k: (round(b[k]) if k in b else None) for k in ("lo80", "hi80", "lo95", "hi95")},
        "yoy_pct": None
        if growth is None or not np.isfinite(growth)
        else float(np.expm1(growth) * 100),
        "note": note,
    }


def run_official(home: Path, *, months: int = 24, origins: int = ORIGINS) -> dict[str, Any]:
    """Backtest, calibrate and estimate every official monthly series of the lake; store."""
    import pandas as pd

    from cockpit.forecast.combination import combination_weights, with_combination

    published = read_published(lake_of(home))
    if not published:
        from cockpit.forecast.sources import NoSeriesError

        raise NoSeriesError("the lake has no official statistics; run `cockpit ingest`")
    daily = read_feed_daily(lake_of(home), FEED_INDICATOR) or None
    feeds = {key: daily if key == ("retail_sales", CITY, "") else None for key in published}
    parts = []
    for key, series in published.items():
        found = backtest_series(series, feeds[key], origins=origins)
        if found:
            parts.append(
                pd.DataFrame(found).assign(measure=key[0], region_code=key[1], category_code=key[2])
            )
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    weights = combination_weights(rows)
    if weights:
        rows = with_combination(rows, weights)
    methods = ("ar", "rule_b", "combo")
    factors = {m: conformal_factors(rows, m) for m in methods} if len(rows) else {}
    rule_steps = pooled_rule_steps(rows)
    plans: dict[SeriesKey, Plan] = {}
    estimates: list[dict[str, Any]] = []
    for key, series in published.items():
        own = (
            rows[
                (rows["measure"] == key[0])
                & (rows["region_code"] == key[1])
                & (rows["category_code"] == key[2])
            ]
            if len(rows)
            else rows
        )
        choice = combine(choose(own, series), series, weights)
        plans[key] = Plan(choice.methods, choice.notes, factors, rule_steps, weights)
        estimates += estimate_rows(key, series, plans[key], feeds[key], months, daily)
    accuracy = accuracy_table(rows, plans) if len(rows) else pd.DataFrame()
    run_id = save_official(home, pd.DataFrame(estimates), accuracy, plans)
    return {
        "run_id": run_id,
        "series": len(published),
        "backtest_rows": len(rows),
        "horizons": horizon_summary(accuracy),
    }


def save_official(
    home: Path, estimates: pd.DataFrame, accuracy: pd.DataFrame, plans: dict[SeriesKey, Plan]
) -> str:
    """Write the run's two tables (its plans ride along in the accuracy table's metadata)."""
    import json

    from cockpit.forecast.store import _write

    now = dt.datetime.now(dt.UTC)
    run_id = f"{now:%Y%m%dT%H%M%S%f}"
    lake = lake_of(home)
    meta = {
        "/".join(k): {
            "methods": p.methods,
            "notes": p.notes,
            "rule_steps": p.rule_steps,
            "weights": p.weights,
        }
        for k, p in plans.items()
    }
    first = next(iter(plans.values()), None)
    accuracy = accuracy.assign(run_id=run_id)
    accuracy.attrs = {}
    _write(
        lake,
        ACCURACY,
        run_id,
        accuracy.assign(
            plans=json.dumps(meta, ensure_ascii=False),
            factors=json.dumps(first.factors if first else {}),
        )
        if len(accuracy)
        else accuracy,
    )
    _write(lake, ESTIMATES, run_id, estimates.assign(run_id=run_id))
    return run_id


def latest_estimates(home: Path) -> pd.DataFrame:
    """The newest run's ``official_estimates`` (empty without one)."""
    from cockpit.lake import frame, part_files

    return frame(part_files(lake_of(home), ESTIMATES)[-1:])


def latest_plan(lake: Path, key: SeriesKey) -> Plan | None:
    """The methods, notes and calibration the newest run published ``key`` with."""
    import json

    from cockpit.lake import frame, part_files

    parts = part_files(lake, ACCURACY)
    if not parts:
        return None
    head = frame(parts[-1:], columns=["plans", "factors"]).head(1)
    if head.empty:
        return None
    plans = json.loads(head["plans"].iloc[0])
    entry = plans.get("/".join(key))
    if entry is None:
        return None
    factors = json.loads(head["factors"].iloc[0])
    return Plan(
        entry["methods"],
        entry["notes"],
        factors,
        tuple(entry.get("rule_steps", ())),
        entry.get("weights", {}),
    )


@dataclass(frozen=True)
class YearDistribution:
    """Simulated totals of one series over a calendar year (published months included)."""

    totals: NDArray[np.float64]  # one per path, fen
    method: str
    note: str

    @property
    def mean(self) -> float:
        return float(self.totals.mean())

    def probability_at_least(self, level: float) -> float:
        return float(np.mean(self.totals >= level))


def year_distribution(
    lake: Path, key: SeriesKey, year: int, *, paths: int = 2000
) -> YearDistribution | None:
    """The predictive distribution of ``key``'s total over ``year``, from the same paths as
    the stored estimates (the stored run's methods and calibration; the nowcast step by the
    method published for it). None without the series or a complete year to reach."""
    series = read_published(lake).get(key)
    if series is None:
        return None
    plan = latest_plan(lake, key)
    if plan is None:
        choice = choose(_empty_rows(), series)
        plan = Plan(choice.methods, choice.notes, {})
    periods = [f"{year}-01-02", *(f"{year}-{m:02d}" for m in range(3, 13))]
    indices = [period_index(p) for p in periods]
    if indices[0] < series.first:
        return None
    horizon = indices[-1] - series.last
    daily = (
        read_feed_daily(lake, FEED_INDICATOR) or None if key == ("retail_sales", CITY, "") else None
    )
    if horizon <= 0:
        known = [series.level[i - series.first] for i in indices]
        if not all(np.isfinite(known)):
            return None
        return YearDistribution(np.full(paths, float(sum(known))), "published", "published")
    levels, _, _ = published_paths(series, plan, daily, horizon, paths)
    totals = np.zeros(paths)
    for i in indices:
        if i <= series.last:
            totals += series.level[i - series.first]
        else:
            totals += levels[:, i - series.last - 1]
    return YearDistribution(totals, plan.method_at(horizon), plan.note_at(horizon))


def _empty_rows() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns=["label"])
