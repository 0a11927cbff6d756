"""Projections of a share of two published quarterly year-to-date series (commerce value
added as a % of GDP), with a predictive distribution learnt from a rolling backtest.

The bureau publishes value added and GDP each quarter as 1–N月累计 (year to date, with the
growth on the same period a year before). The share a plan targets is the year's: the
fourth quarter's year-to-date share. Its log changes on the same quarter a year before
(``d = log(1 + yoy_num) − log(1 + yoy_den)``) chain the share forward:
``log S_t = log S_{t−4} + d_t``. Two rules are compared, as for the monthly series:

- rule (a): the share of the same quarter a year before (``d = 0``);
- rule (b): the latest published year-on-year change carried (``d_t = d_origin``).

A rolling-origin backtest pooled over every region with both series (the city and its
districts) scores both at 1–8 quarters ahead; at each horizon the one with the smaller mean
absolute log error is published, and its backtest errors (log actual − log point) are the
predictive distribution: the share's draws are the point × exp(error). The series are short
(the sample city: 15 quarters and the year before implied), so no model with parameters is
fitted; the distribution is as wide as the rule's own record.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

NUMERATOR, DENOMINATOR = "commerce_value_added_ytd", "gdp_ytd"
MAX_STEP = 8
#: Fewest backtest errors at a horizon to read a distribution off them.
MIN_ERRORS = 30
Rule = Literal["rule_a", "rule_b"]


def quarter_index(period: str) -> int | None:
    """Quarters since year 0 of a quarter-end period ``YYYY-03/06/09/12``; None otherwise."""
    if len(period) != 7 or period[4] != "-" or period[5:] not in ("03", "06", "09", "12"):
        return None
    return int(period[:4]) * 4 + int(period[5:]) // 3 - 1


@dataclass(frozen=True)
class ShareSeries:
    """Year-to-date log shares on consecutive quarters (NaN where missing)."""

    first: int  # quarter index of element 0
    log_share: NDArray[np.float64]
    change: NDArray[np.float64]  # log change on the same quarter a year before

    @property
    def last(self) -> int:
        return self.first + len(self.log_share) - 1


def share_series(
    rows: list[tuple[str, float, float | None, float, float | None]],
) -> ShareSeries | None:
    """From (period, numerator, its yoy %, denominator, its yoy %) rows of one region."""
    found = [(quarter_index(p), n, yn, d, yd) for p, n, yn, d, yd in rows]
    found = [r for r in found if r[0] is not None and r[1] > 0 and r[3] > 0]
    if not found:
        return None
    first = min(int(r[0]) for r in found if r[0] is not None)
    last = max(int(r[0]) for r in found if r[0] is not None)
    log_share = np.full(last - first + 1, np.nan)
    change = np.full(last - first + 1, np.nan)
    for q, n, yn, d, yd in found:
        k = int(q) - first  # type: ignore[arg-type]
        log_share[k] = np.log(n / d)
        if yn is not None and yd is not None and yn > -100 and yd > -100:
            change[k] = np.log1p(yn / 100) - np.log1p(yd / 100)
    for k in range(4, len(log_share)):
        if not np.isfinite(change[k]):
            change[k] = log_share[k] - log_share[k - 4]
    # The first year's published rates give the year before, as for the monthly series.
    before = log_share[:4] - change[:4]
    if np.isfinite(before).any():
        log_share = np.concatenate([before, log_share])
        change = np.concatenate([np.full(4, np.nan), change])
        first -= 4
    return ShareSeries(first, log_share, change)


def point_path(series: ShareSeries, origin: int, horizon: int, rule: Rule) -> NDArray[np.float64]:
    """Log shares of quarters ``origin + 1 … origin + horizon`` by ``rule``, from what was
    published up to ``origin``."""
    k0 = origin - series.first
    d = float(series.change[k0]) if rule == "rule_b" else 0.0
    out = np.empty(horizon)
    for h in range(1, horizon + 1):
        back = k0 + h - 4
        base = series.log_share[back] if back <= k0 else out[back - k0 - 1]
        out[h - 1] = base + d
    return out


def backtest_errors(shares: list[ShareSeries]) -> dict[Rule, dict[int, NDArray[np.float64]]]:
    """Per rule and horizon, the errors log actual − log point over every origin and region."""
    out: dict[Rule, dict[int, list[float]]] = {"rule_a": {}, "rule_b": {}}
    for s in shares:
        for origin in range(s.first + 4, s.last):
            k0 = origin - s.first
            if not np.isfinite(s.change[k0]) or not np.isfinite(s.log_share[k0 - 3 : k0 + 1]).all():
                continue
            horizon = min(MAX_STEP, s.last - origin)
            for rule in ("rule_a", "rule_b"):
                path = point_path(s, origin, horizon, rule)
                for h in range(1, horizon + 1):
                    actual = s.log_share[k0 + h]
                    if np.isfinite(actual) and np.isfinite(path[h - 1]):
                        out[rule].setdefault(h, []).append(float(actual - path[h - 1]))
    return {r: {h: np.array(e) for h, e in by.items()} for r, by in out.items()}


@dataclass(frozen=True)
class ShareDistribution:
    """Draws of a share (in %) at the end of a year, and how they were made."""

    draws: NDArray[np.float64]
    point: float
    method: str
    note: str

    @property
    def mean(self) -> float:
        return float(self.draws.mean())

    def probability_at_least(self, level: float) -> float:
        return float(np.mean(self.draws >= level))


def year_share(
    series: ShareSeries,
    errors: dict[Rule, dict[int, NDArray[np.float64]]],
    year: int,
) -> ShareDistribution | None:
    """The distribution of ``year``'s share (its fourth quarter's year to date), in %."""
    target = year * 4 + 3
    horizon = target - series.last
    if horizon <= 0:
        value = series.log_share[target - series.first] if target >= series.first else np.nan
        if not np.isfinite(value):
            return None
        share = float(np.exp(value) * 100)
        return ShareDistribution(np.array([share]), share, "published", "published")
    if not np.isfinite(series.change[-1]):
        return None
    usable = [h for h in range(1, MAX_STEP + 1) if len(errors["rule_b"].get(h, ())) >= MIN_ERRORS]
    if not usable:
        return None
    step = min(horizon, max(usable))
    mae = {r: float(np.mean(np.abs(errors[r][step]))) for r in ("rule_a", "rule_b")}
    rule: Rule = "rule_b" if mae["rule_b"] <= mae["rule_a"] else "rule_a"
    # Beyond the backtest's longest horizon, its errors widened as a random walk would.
    spread = np.sqrt(horizon / step)
    point = float(point_path(series, series.last, horizon, rule)[-1])
    draws = np.exp(point + spread * errors[rule][step]) * 100
    name = {
        "rule_a": "rule (a), the share a year before",
        "rule_b": "rule (b), the latest year-on-year change carried",
    }[rule]
    note = (
        f"{name}; {horizon} quarters ahead; distribution = its rolling-backtest errors at "
        f"{step} quarters ahead ({len(errors[rule][step])}, pooled over regions; MAE "
        f"{mae[rule] * 100:.2f} % vs {mae['rule_a' if rule == 'rule_b' else 'rule_b'] * 100:.2f} %"
        " for the other rule)" + (f", widened ×{spread:.2f}" if spread > 1 else "")
    )
    return ShareDistribution(draws, float(np.exp(point) * 100), rule, note)


def read_shares(
    lake: Path, numerator: str = NUMERATOR, denominator: str = DENOMINATOR
) -> dict[str, ShareSeries]:
    """Each region's share series from ``official_stats`` (regions with both measures)."""
    import duckdb

    from cockpit.lake import has, scan

    if not has(lake, "official_stats"):
        return {}
    sql = f"""
        SELECT region_code, period,
               any_value(value_fen) FILTER (WHERE measure = ?)::DOUBLE,
               any_value(yoy_pct) FILTER (WHERE measure = ?)::DOUBLE,
               any_value(value_fen) FILTER (WHERE measure = ?)::DOUBLE,
               any_value(yoy_pct) FILTER (WHERE measure = ?)::DOUBLE
        FROM {scan(lake, "official_stats")}
        WHERE measure IN (?, ?) AND coalesce(category_code, '') = ''
        GROUP BY ALL ORDER BY ALL
    """
    params = [numerator, numerator, denominator, denominator, numerator, denominator]
    with duckdb.connect() as con:
        rows = con.execute(sql, params).fetchall()
    by_region: dict[str, list[tuple[str, float, float | None, float, float | None]]] = {}
    for region, period, n, yn, d, yd in rows:
        if n is None or d is None:
            continue
        clean = (None if v is None or v != v else float(v) for v in (yn, yd))
        yn_, yd_ = clean
        by_region.setdefault(str(region), []).append((str(period), float(n), yn_, float(d), yd_))
    out = {}
    for region, found in by_region.items():
        series = share_series(found)
        if series is not None:
            out[region] = series
    return out


def share_distribution(lake: Path, region: str, year: int) -> ShareDistribution | None:
    """Commerce value added as a % of GDP in ``region`` at the end of ``year``: its draws."""
    shares = read_shares(lake)
    series = shares.get(region)
    if series is None:
        return None
    return year_share(series, backtest_errors(list(shares.values())), year)
