"""One forecast run over a grouped hierarchy: select, forecast, reconcile, report.

The reconciliation method is chosen like the models are: by backtest. Each backtest
window's selected forecasts are reconciled with every method. Reconciled intervals are
each series' base interval moved to its reconciled mean, then stretched per method and
level by the split-conformal factor that makes them cover the reconciled backtest at the
nominal rate (the report shows the cross-fitted coverage: each window calibrated on the
other). The published method is, among those whose 80 % and 95 % intervals cover near
their nominal rate at every level (``COVERAGE_FLOOR``), the one with the lowest MASE —
per level the median over series (a handful of series that sold nothing before the
backtest have near-zero scales and astronomical MASE), then averaged over levels so the
many bottom series do not outvote the city. BottomUp is always reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from cockpit.forecast.calibration import apply_factors, cross_fitted, fit_factors
from cockpit.forecast.hierarchy import RECONCILERS, Hierarchy, build_hierarchy, reconcile
from cockpit.forecast.metrics import covered, seasonal_naive_scale, smape
from cockpit.forecast.pipeline import (
    LEVELS,
    ForecastSpec,
    PanelForecast,
    forecast_panel,
    merge_panels,
)

if TYPE_CHECKING:
    import pandas as pd

REPORT_COLUMNS = ["level", "method", "series", "mase", "smape", "cov80", "cov95", "mase_median"]
#: Backtest coverage below which an interval is a defect (reported, and not published if
#: another reconciler avoids it): a few points of noise under nominal are tolerated.
COVERAGE_FLOOR = {80: 0.70, 95: 0.90}
#: Fewest reconciled backtest points per (method, level) a calibration factor is learnt
#: from: the city is one series, so a 12-month window gives 12 points.
MIN_LEVEL_POINTS = 10


@dataclass
class ForecastRun:
    """Published forecasts, the accuracy report behind them, and how they were made."""

    forecasts: pd.DataFrame  # unique_id, level, ds, model, method, mean, lo80, hi80, lo95, hi95
    report: pd.DataFrame  # REPORT_COLUMNS: backtest accuracy by level and method
    method: str  # the reconciliation method published ("none" without a hierarchy)
    panel: PanelForecast
    hierarchy: Hierarchy | None


def _scored(frame: pd.DataFrame, history: pd.DataFrame, season_length: int) -> pd.DataFrame:
    """Adds mase, smape, cov80, cov95 columns to backtest rows (unique_id, cutoff, y, mean...)."""
    first_cut = frame.groupby("unique_id")["cutoff"].min()
    scales = {
        uid: seasonal_naive_scale(
            g.loc[g["ds"] <= first_cut[uid], "y"].to_numpy(dtype=float), season_length
        )
        for uid, g in history[history["unique_id"].isin(first_cut.index)].groupby("unique_id")
    }
    y = frame["y"].to_numpy(dtype=float)
    f = frame["mean"].to_numpy(dtype=float)
    out = frame.copy()
    out["mase"] = np.abs(y - f) / frame["unique_id"].map(scales).to_numpy(dtype=float)
    out["smape"] = smape(y, f)
    for level in LEVELS:
        lo, hi = frame[f"lo{level}"].to_numpy(dtype=float), frame[f"hi{level}"].to_numpy(float)
        out[f"cov{level}"] = covered(y, lo, hi)
    return out


def _report(scored: pd.DataFrame, levels: dict[str, str]) -> pd.DataFrame:
    scored = scored.assign(level=scored["unique_id"].map(levels))
    per_series = scored.groupby(["level", "method", "unique_id"], as_index=False)[
        ["mase", "smape", "cov80", "cov95"]
    ].mean()
    grouped = per_series.groupby(["level", "method"], as_index=False)
    report = grouped[["mase", "smape", "cov80", "cov95"]].mean()
    report["series"] = grouped.size()["size"].to_numpy()
    report["mase_median"] = grouped["mase"].median()["mase"].to_numpy()
    return report[REPORT_COLUMNS]


def below_floor(report: pd.DataFrame) -> pd.Series:
    """Rows of a report whose backtest coverage is under ``COVERAGE_FLOOR`` (a defect)."""
    return (report["cov80"] < COVERAGE_FLOOR[80]) | (report["cov95"] < COVERAGE_FLOOR[95])


def choose_method(report: pd.DataFrame) -> str:
    """The reconciler to publish: near-nominal coverage at every level, then lowest MASE.

    MASE is the per-level median (robust to series with near-zero scale) averaged over
    levels. If no method covers near nominal everywhere, the one with the smallest
    worst-level shortfall is published, and the report shows the defect.
    """
    import pandas as pd

    rec = report[report["method"] != "base"]
    score = rec.groupby("method")["mase_median"].mean()
    bad = set(rec.loc[below_floor(rec), "method"])
    honest = score[[m not in bad for m in score.index]]
    if not honest.empty:
        return str(honest.idxmin())
    short95 = COVERAGE_FLOOR[95] - rec["cov95"].to_numpy(dtype=float)
    short80 = COVERAGE_FLOOR[80] - rec["cov80"].to_numpy(dtype=float)
    gap = pd.Series(np.maximum(short95, short80), index=rec.index)
    return str(gap.groupby(rec["method"]).max().idxmin())


def _reconciled_backtest(
    panel: PanelForecast, hierarchy: Hierarchy, levels: dict[str, str]
) -> pd.DataFrame:
    """Backtest rows of the selected forecasts, reconciled per window by every method."""
    import pandas as pd

    chosen = panel.backtest[
        panel.backtest["model"] == panel.backtest["unique_id"].map(panel.chosen)
    ]
    parts = []
    for cutoff, window in chosen.groupby("cutoff"):
        fitted = panel.fitted[panel.fitted["ds"] <= cutoff]
        rec = reconcile(window, fitted, hierarchy)
        truth = window[["unique_id", "ds", "y"]]
        rec = rec.merge(truth, on=["unique_id", "ds"]).assign(cutoff=cutoff)
        parts.append(rec)
    out = pd.concat(parts, ignore_index=True)
    return out.assign(cell=out["method"] + "|" + out["unique_id"].map(levels))


def _forecast_levels(
    hierarchy: Hierarchy, levels: dict[str, str], spec: ForecastSpec
) -> PanelForecast:
    """Base forecasts of every level; the bottom of a cross with its own (cheaper) candidates.

    The bottom of district × category holds most of the series and AutoCES (inside the
    default combination) costs most of the fitting time, while the bottom's backtests
    almost never pick it (docs/forecasting.md), so ``spec.bottom_models`` applies there.
    Each part chooses its own default candidate by its own backtest ranks.
    """
    series = hierarchy.series
    cross = "/".join(hierarchy.dimensions)
    if len(hierarchy.dimensions) < 2 or spec.bottom_models is None:
        return forecast_panel(series, spec)
    at_bottom = series["unique_id"].astype(str).map(levels) == cross
    upper = forecast_panel(series[~at_bottom], spec)
    lower = forecast_panel(series[at_bottom], replace(spec, models=spec.bottom_models))
    return merge_panels([upper, lower])


def forecast_hierarchy(
    bottom: pd.DataFrame, dimensions: tuple[str, ...], spec: ForecastSpec
) -> ForecastRun:
    """Forecast every level of a grouped hierarchy built from bottom series.

    ``bottom`` has ds, y and one column per dimension (e.g. district, category).
    """
    hierarchy = build_hierarchy(bottom, dimensions)
    levels = hierarchy.level_of()
    panel = _forecast_levels(hierarchy, levels, spec)
    base = panel.backtest[panel.backtest["model"] == panel.backtest["unique_id"].map(panel.chosen)]
    complete = set(base["unique_id"]) == set(levels)
    reports = []
    method = "BottomUp"
    factors: dict[tuple[str, int], float] = {}
    if not base.empty:
        history = hierarchy.series
        reports.append(
            _report(_scored(base.assign(method="base"), history, spec.season_length), levels)
        )
    if complete and not base.empty:
        rec = _reconciled_backtest(panel, hierarchy, levels)
        if spec.calibrate:
            factors = fit_factors(rec, "cell", MIN_LEVEL_POINTS)
            rec = cross_fitted(rec, "cell", MIN_LEVEL_POINTS)
        rec_report = _report(_scored(rec, hierarchy.series, spec.season_length), levels)
        reports.append(rec_report)
        method = choose_method(rec_report)
    final = reconcile(panel.forecasts, panel.fitted, hierarchy, methods=(method,))
    published = final[final["method"] == method].copy()
    published["model"] = published["unique_id"].map(panel.chosen)
    published["level"] = published["unique_id"].map(levels)
    if factors:
        cells = published["method"] + "|" + published["level"]
        published = apply_factors(published.assign(cell=cells), factors, "cell")
        published = published.drop(columns="cell")
    return ForecastRun(
        forecasts=published.reset_index(drop=True),
        report=_concat_reports(reports),
        method=method,
        panel=panel,
        hierarchy=hierarchy,
    )


def forecast_flat(series: pd.DataFrame, spec: ForecastSpec) -> ForecastRun:
    """Forecast unrelated series (no reconciliation): the report has one level, ``all``."""
    panel = forecast_panel(series, spec)
    levels = dict.fromkeys(panel.chosen, "all")
    base = panel.backtest[panel.backtest["model"] == panel.backtest["unique_id"].map(panel.chosen)]
    reports = []
    if not base.empty:
        history = series.assign(unique_id=series["unique_id"].astype(str))
        reports.append(
            _report(_scored(base.assign(method="base"), history, spec.season_length), levels)
        )
    published = panel.forecasts.assign(method="none", level="all")
    return ForecastRun(
        forecasts=published,
        report=_concat_reports(reports),
        method="none",
        panel=panel,
        hierarchy=None,
    )


def _concat_reports(reports: list[pd.DataFrame]) -> pd.DataFrame:
    import pandas as pd

    if not reports:
        return pd.DataFrame(columns=REPORT_COLUMNS)
    return pd.concat(reports, ignore_index=True)


__all__ = ["RECONCILERS", "ForecastRun", "forecast_flat", "forecast_hierarchy"]
