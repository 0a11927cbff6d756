"""One forecast run over a grouped hierarchy: select, forecast, reconcile, report.

The reconciliation method is chosen like the models are: by backtest. Each backtest
window's selected forecasts are reconciled with every method, and the method with the
lowest MASE (averaged over levels, so the many bottom series do not outvote the city)
is published; BottomUp is always reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cockpit.forecast.hierarchy import RECONCILERS, Hierarchy, build_hierarchy, reconcile
from cockpit.forecast.metrics import covered, seasonal_naive_scale, smape
from cockpit.forecast.pipeline import LEVELS, ForecastSpec, PanelForecast, forecast_panel

if TYPE_CHECKING:
    import pandas as pd

REPORT_COLUMNS = ["level", "method", "series", "mase", "smape", "cov80", "cov95"]


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
    return report[REPORT_COLUMNS]


def _reconciled_backtest(panel: PanelForecast, hierarchy: Hierarchy) -> pd.DataFrame:
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
    return pd.concat(parts, ignore_index=True)


def forecast_hierarchy(
    bottom: pd.DataFrame, dimensions: tuple[str, ...], spec: ForecastSpec
) -> ForecastRun:
    """Forecast every level of a grouped hierarchy built from bottom series.

    ``bottom`` has ds, y and one column per dimension (e.g. district, category).
    """
    hierarchy = build_hierarchy(bottom, dimensions)
    panel = forecast_panel(hierarchy.series, spec)
    levels = hierarchy.level_of()
    base = panel.backtest[panel.backtest["model"] == panel.backtest["unique_id"].map(panel.chosen)]
    complete = set(base["unique_id"]) == set(levels)
    reports = []
    method = "MinTrace_mint_shrink"
    if not base.empty:
        history = hierarchy.series
        reports.append(
            _report(_scored(base.assign(method="base"), history, spec.season_length), levels)
        )
    if complete and not base.empty:
        rec = _scored(_reconciled_backtest(panel, hierarchy), hierarchy.series, spec.season_length)
        rec_report = _report(rec, levels)
        reports.append(rec_report)
        by_method = rec_report.groupby("method")["mase"].mean()
        method = str(by_method.idxmin())
    final = reconcile(panel.forecasts, panel.fitted, hierarchy, methods=_with_baseline(method))
    published = final[final["method"] == method].copy()
    published["model"] = published["unique_id"].map(panel.chosen)
    published["level"] = published["unique_id"].map(levels)
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


def _with_baseline(method: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(("BottomUp", method)))


def _concat_reports(reports: list[pd.DataFrame]) -> pd.DataFrame:
    import pandas as pd

    if not reports:
        return pd.DataFrame(columns=REPORT_COLUMNS)
    return pd.concat(reports, ignore_index=True)


__all__ = ["RECONCILERS", "ForecastRun", "forecast_flat", "forecast_hierarchy"]
