"""The automatic pipeline: candidates, rolling-origin backtest, per-series selection.

``forecast_panel`` takes a long frame (unique_id, ds, y) of any series, backtests every
candidate model and combination over rolling origins, picks per series the one with the
lowest backtest MASE (a combination unless a single model beats it by ``margin``), and
forecasts with 80 % and 95 % intervals. Nothing here knows about districts or categories.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from cockpit.forecast.calibration import apply_factors, cross_fitted, fit_factors
from cockpit.forecast.metrics import covered, seasonal_naive_scale, smape
from cockpit.forecast.models import (
    BOTTOM_MODELS,
    COMBINATIONS,
    MONTHLY_MODELS,
    build_models,
    usable_combinations,
)

if TYPE_CHECKING:
    import pandas as pd

LEVELS = (80, 95)
BOUNDS = ("lo80", "hi80", "lo95", "hi95")


@dataclass(frozen=True)
class ForecastSpec:
    """How to forecast a panel; the defaults are the module's automatic pipeline."""

    h: int
    season_length: int = 12
    freq: str | int = "MS"
    models: tuple[str, ...] = MONTHLY_MODELS
    combinations: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(COMBINATIONS))
    n_windows: int = 2
    step_size: int | None = None
    selection: Literal["per_series", "panel"] = "per_series"
    default_model: str = "Combo"
    margin: float = 0.5
    spring_festival: bool = True
    calibrate: bool = True
    n_jobs: int = 2
    #: Candidates for the bottom level of a grouped hierarchy (district × category) in
    #: ``forecast_hierarchy``; None: the same as ``models``. ``forecast_panel`` ignores it.
    bottom_models: tuple[str, ...] | None = BOTTOM_MODELS

    @property
    def candidates(self) -> list[str]:
        """Models and usable combinations, combinations first (they win ties)."""
        return [*usable_combinations(self.models, self.combinations), *self.models]

    @property
    def fallback(self) -> str:
        """The candidate used where a series has no backtest."""
        return self.default_model if self.default_model in self.candidates else self.models[0]


@dataclass
class PanelForecast:
    """What one pipeline run produces, all as long pandas frames."""

    forecasts: pd.DataFrame  # unique_id, ds, model, mean, lo80, hi80, lo95, hi95 (chosen)
    candidates: pd.DataFrame  # same columns, every candidate
    fitted: pd.DataFrame  # unique_id, ds, y, fitted (chosen model, in-sample)
    backtest: pd.DataFrame  # unique_id, ds, cutoff, y, model, mean, bounds (every candidate)
    errors: pd.DataFrame  # unique_id, model, mase, smape, cov80, cov95 (backtest means)
    chosen: dict[str, str] = field(default_factory=dict)


@contextmanager
def quiet_degenerate_series() -> Iterator[None]:
    """Silence one known, harmless warning while models fit (workers inherit the filter).

    AutoTheta's seasonality test calls statsmodels' ``acf``, which divides by the variance:
    on a constant stretch (a category a district did not sell yet) numpy warns, and the
    test then correctly finds no seasonality. AutoETS, on a series just long enough for a
    candidate (the pooled 1–2月 series are short), divides its residual variance by zero
    degrees of freedom, scores that candidate infinite and picks another. Nothing else is
    silenced.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message="invalid value encountered in divide",
            category=RuntimeWarning,
            module="statsmodels.*",
        )
        warnings.filterwarnings(
            "ignore",
            message="divide by zero encountered in scalar divide",
            category=RuntimeWarning,
            module="statsforecast.ets",
        )
        yield


def _statsforecast(spec: ForecastSpec) -> object:
    from statsforecast import StatsForecast
    from statsforecast.models import SeasonalNaive

    # A model that cannot fit a series (AutoETS on an exactly periodic one, say) yields
    # the seasonal naive forecast for it instead of failing the whole panel.
    return StatsForecast(
        models=build_models(spec.models, spec.season_length),
        freq=spec.freq,
        n_jobs=spec.n_jobs,
        fallback_model=SeasonalNaive(season_length=spec.season_length),
    )


def _long(wide: pd.DataFrame, spec: ForecastSpec, keys: list[str]) -> pd.DataFrame:
    """Wide statsforecast output → one row per (keys, model), combinations added."""
    import pandas as pd

    parts = []
    for name in spec.models:
        part = wide[keys].copy()
        part["model"] = name
        part["mean"] = wide[name].to_numpy(dtype=float)
        for level in LEVELS:
            part[f"lo{level}"] = wide[f"{name}-lo-{level}"].to_numpy(dtype=float)
            part[f"hi{level}"] = wide[f"{name}-hi-{level}"].to_numpy(dtype=float)
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    for name, members in usable_combinations(spec.models, spec.combinations).items():
        combo = long[long["model"].isin(members)].groupby(keys, as_index=False, sort=False)
        means = combo[["mean", *BOUNDS]].mean()
        means["model"] = name
        long = pd.concat([long, means], ignore_index=True)
    return long


def _backtestable(df: pd.DataFrame, spec: ForecastSpec) -> pd.DataFrame:
    """Series long enough for the first window to keep a season and a half of history."""
    step = spec.step_size or spec.h
    need = spec.h + step * (spec.n_windows - 1) + spec.season_length + spec.season_length // 2
    sizes = df.groupby("unique_id")["y"].transform("size")
    return df[sizes >= need]


def run_backtest(df: pd.DataFrame, spec: ForecastSpec) -> pd.DataFrame:
    """Rolling-origin forecasts of every candidate (fit once, then moved forward)."""
    import pandas as pd

    usable = _backtestable(df, spec)
    if usable.empty:
        cols = ["unique_id", "ds", "cutoff", "y", "model", "mean", *BOUNDS]
        return pd.DataFrame(columns=cols)
    sf = _statsforecast(spec)
    wide = sf.cross_validation(  # type: ignore[attr-defined]
        df=usable,
        h=spec.h,
        n_windows=spec.n_windows,
        step_size=spec.step_size or spec.h,
        level=list(LEVELS),
        refit=False,
    )
    return _long(wide, spec, ["unique_id", "ds", "cutoff", "y"])


def backtest_errors(
    backtest: pd.DataFrame, history: pd.DataFrame, spec: ForecastSpec
) -> pd.DataFrame:
    """Per series and candidate: MASE, sMAPE and interval coverage, averaged over the backtest."""
    import pandas as pd

    if backtest.empty:
        return pd.DataFrame(columns=["unique_id", "model", "mase", "smape", "cov80", "cov95"])
    first_cut = backtest.groupby("unique_id")["cutoff"].min()
    scales = {
        uid: seasonal_naive_scale(
            g.loc[g["ds"] <= first_cut[uid], "y"].to_numpy(dtype=float), spec.season_length
        )
        for uid, g in history[history["unique_id"].isin(first_cut.index)].groupby("unique_id")
    }
    y = backtest["y"].to_numpy(dtype=float)
    f = backtest["mean"].to_numpy(dtype=float)
    frame = backtest[["unique_id", "model"]].copy()
    frame["mase"] = np.abs(y - f) / backtest["unique_id"].map(scales).to_numpy(dtype=float)
    frame["smape"] = smape(y, f)
    for level in LEVELS:
        lo = backtest[f"lo{level}"].to_numpy(dtype=float)
        hi = backtest[f"hi{level}"].to_numpy(dtype=float)
        frame[f"cov{level}"] = covered(y, lo, hi)
    return frame.groupby(["unique_id", "model"], as_index=False).mean()


def select_models(errors: pd.DataFrame, uids: list[str], spec: ForecastSpec) -> dict[str, str]:
    """Per series, the candidate to publish.

    The panel's default is the candidate with the best mean rank of backtest MASE over
    its series. Ranks, not mean MASE: a model that blows up on a few series (AutoCES moved
    forward without refitting did, on M3) must not decide for all the others. A series
    departs from the default only when another candidate's own backtest MASE is lower by
    more than ``margin`` (a fraction): a few windows are noisy evidence, and switching on
    noise costs accuracy (docs/forecasting.md).
    """
    if errors.empty:
        return dict.fromkeys(uids, spec.fallback)
    ranks = errors.groupby("unique_id")["mase"].rank(method="average")
    default = str(ranks.groupby(errors["model"]).mean().idxmin())
    chosen = dict.fromkeys(uids, default)
    if spec.selection == "panel":
        return chosen
    for uid, group in errors.groupby("unique_id"):
        mase = group.set_index("model")["mase"]
        best = str(mase.idxmin())
        if mase[best] < mase.get(default, np.inf) * (1 - spec.margin):
            chosen[str(uid)] = best
    return chosen


def merge_panels(parts: list[PanelForecast]) -> PanelForecast:
    """One PanelForecast from forecasts of disjoint sets of series."""
    import pandas as pd

    def cat(name: str) -> pd.DataFrame:
        frames: list[pd.DataFrame] = [getattr(p, name) for p in parts]
        kept = [f for f in frames if not f.empty]
        return pd.concat(kept, ignore_index=True) if kept else frames[0]

    chosen: dict[str, str] = {}
    for part in parts:
        chosen.update(part.chosen)
    return PanelForecast(
        forecasts=cat("forecasts"),
        candidates=cat("candidates"),
        fitted=cat("fitted"),
        backtest=cat("backtest"),
        errors=cat("errors"),
        chosen=chosen,
    )


def _final_forecast(df: pd.DataFrame, spec: ForecastSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    sf = _statsforecast(spec)
    wide = sf.forecast(df=df, h=spec.h, level=list(LEVELS), fitted=True)  # type: ignore[attr-defined]
    fitted_wide = sf.forecast_fitted_values()  # type: ignore[attr-defined]
    return _long(wide, spec, ["unique_id", "ds"]), _long(
        fitted_wide, spec, ["unique_id", "ds", "y"]
    )


def _pick(frame: pd.DataFrame, chosen: dict[str, str]) -> pd.DataFrame:
    wanted = frame["unique_id"].map(chosen)
    return frame[frame["model"] == wanted].reset_index(drop=True)


def _pools_spring_festival(df: pd.DataFrame, spec: ForecastSpec) -> bool:
    import pandas as pd

    monthly = spec.freq in ("MS", "M", "ME") and spec.season_length == 12
    return spec.spring_festival and monthly and pd.api.types.is_datetime64_any_dtype(df["ds"])


def _with_actuals(frame: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    """Replace pooled ``y`` by the series' real values."""
    merged = frame.drop(columns="y").merge(df, on=["unique_id", "ds"], how="left")
    return merged[frame.columns]


def forecast_panel(series: pd.DataFrame, spec: ForecastSpec) -> PanelForecast:
    """Backtest, select and forecast every series of a long (unique_id, ds, y) frame."""
    df = series[["unique_id", "ds", "y"]].copy()
    df["unique_id"] = df["unique_id"].astype(str)
    df["y"] = df["y"].astype(float)
    df = df.sort_values(["unique_id", "ds"], ignore_index=True)
    modelled = df
    if _pools_spring_festival(df, spec):
        from cockpit.forecast.springfestival import pool, unpool

        modelled, shares = pool(df)
    with quiet_degenerate_series():
        backtest = run_backtest(modelled, spec)
        candidates, fitted_all = _final_forecast(modelled, spec)
    if modelled is not df and not backtest.empty:
        backtest = _with_actuals(unpool(backtest, shares, ["mean", *BOUNDS]), df)
    if modelled is not df:
        candidates = unpool(candidates, shares, ["mean", *BOUNDS])
        fitted_all = _with_actuals(unpool(fitted_all, shares, ["mean", *BOUNDS]), df)
    if spec.calibrate and not backtest.empty:
        factors = fit_factors(backtest)
        backtest = cross_fitted(backtest)
        candidates = apply_factors(candidates, factors)
    errors = backtest_errors(backtest, df, spec)
    chosen = select_models(errors, sorted(df["unique_id"].unique()), spec)
    fitted = _pick(fitted_all, chosen).rename(columns={"mean": "fitted"})
    return PanelForecast(
        forecasts=_pick(candidates, chosen),
        candidates=candidates,
        fitted=fitted[["unique_id", "ds", "y", "fitted"]],
        backtest=backtest,
        errors=errors,
        chosen=chosen,
    )
