"""Grouped hierarchies: parts that add up to the whole along several dimensions at once.

Districts add up to the city and categories add up to the city: a grouped structure (two
cross-cutting trees sharing the bottom level of district × category), not a single tree.
Series ids are the labels joined by ``/``: ``city``, ``city/500103``, ``city/RS01``,
``city/500103/RS01``; ``tags`` maps each level name to its ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from cockpit.forecast.pipeline import BOUNDS, LEVELS

if TYPE_CHECKING:
    import pandas as pd

TOP = "city"
#: Reconcilers compared in the backtest; BottomUp is always reported as the baseline.
RECONCILERS = ("BottomUp", "MinTrace_ols", "MinTrace_wls_struct", "MinTrace_mint_shrink")


@dataclass
class Hierarchy:
    """All levels' series, the summing matrix and the level tags."""

    series: pd.DataFrame  # unique_id, ds, y for every level
    summing: pd.DataFrame  # S: unique_id + one column per bottom id
    tags: dict[str, np.ndarray]
    dimensions: tuple[str, ...]

    def level_of(self) -> dict[str, str]:
        """unique_id → level name (``city``, ``district``, ``district/category``...)."""
        return {str(uid): level for level, ids in self.tags.items() for uid in ids}


def build_hierarchy(bottom: pd.DataFrame, dimensions: tuple[str, ...]) -> Hierarchy:
    """Aggregate bottom series (ds, y + one column per dimension) to every grouped level."""
    from hierarchicalforecast.utils import aggregate

    frame = bottom[["ds", "y", *dimensions]].copy()
    frame[TOP] = TOP
    for dim in dimensions:
        frame[dim] = frame[dim].astype(str)
    spec = [[TOP]] + [[TOP, dim] for dim in dimensions]
    if len(dimensions) > 1:
        spec.append([TOP, *dimensions])
    series, summing, tags = aggregate(frame, spec)
    series = (
        series.reset_index(drop=True) if "unique_id" in series.columns else series.reset_index()
    )
    # aggregate names levels "city/district"; drop the implicit top for readability.
    named = {_level_name(key): np.asarray(ids) for key, ids in tags.items()}
    return Hierarchy(series=series, summing=summing, tags=named, dimensions=dimensions)


def _level_name(key: str) -> str:
    parts = key.split("/")
    return TOP if parts == [TOP] else "/".join(p for p in parts if p != TOP)


def _reconcilers(names: tuple[str, ...]) -> list[object]:
    from hierarchicalforecast.methods import BottomUp, MinTrace

    made: list[object] = []
    for name in names:
        if name == "BottomUp":
            made.append(BottomUp())
        else:
            made.append(MinTrace(method=name.removeprefix("MinTrace_")))
    return made


def reconcile(
    base: pd.DataFrame,
    fitted: pd.DataFrame,
    hierarchy: Hierarchy,
    methods: tuple[str, ...] = RECONCILERS,
    intervals: Literal["shifted", "normal"] = "shifted",
) -> pd.DataFrame:
    """Reconciled forecasts, long: unique_id, ds, method, mean, lo80, hi80, lo95, hi95.

    ``base`` holds one forecast per series (unique_id, ds, mean, bounds); ``fitted`` the
    in-sample fit (unique_id, ds, y, fitted) that MinTrace's shrunk covariance needs.

    ``intervals="shifted"`` (the default) moves each series' base interval to its
    reconciled mean, keeping its width; the forecast run then calibrates those widths per
    method and level on the reconciled backtest (``run.py``). ``"normal"`` is
    hierarchicalforecast's normal approximation through the reconciler's covariance: it
    costs a dense (series × series) product per horizon and, with MinTrace, under-covered
    at the city level on the sample city (docs/forecasting.md).
    """
    import pandas as pd
    from hierarchicalforecast.core import HierarchicalReconciliation

    y_hat = base[["unique_id", "ds"]].copy()
    y_hat["F"] = base["mean"].to_numpy(dtype=float)
    if intervals == "normal":
        for level in LEVELS:
            y_hat[f"F-lo-{level}"] = base[f"lo{level}"].to_numpy(dtype=float)
            y_hat[f"F-hi-{level}"] = base[f"hi{level}"].to_numpy(dtype=float)
    y_df = fitted.rename(columns={"fitted": "F"})[["unique_id", "ds", "y", "F"]].copy()
    # Series starts differ; MinTrace needs residuals, so unfitted points get the actual.
    y_df["F"] = y_df["F"].fillna(y_df["y"])
    engine = HierarchicalReconciliation(reconcilers=_reconcilers(methods))
    out = engine.reconcile(
        Y_hat_df=y_hat,
        Y_df=y_df,
        S_df=hierarchy.summing,
        tags=_raw_tags(hierarchy),
        level=list(LEVELS) if intervals == "normal" else None,
    )
    if intervals == "shifted":
        keyed = base.set_index(["unique_id", "ds"])
        index = pd.MultiIndex.from_frame(out[["unique_id", "ds"]])
        base_mean = keyed["mean"].reindex(index).to_numpy(dtype=float)
        offsets = {b: keyed[b].reindex(index).to_numpy(dtype=float) - base_mean for b in BOUNDS}
    parts = []
    columns = [c for c in out.columns if c.startswith("F/") and "-lo-" not in c and "-hi-" not in c]
    for col in columns:
        part = out[["unique_id", "ds"]].copy()
        part["method"] = col.removeprefix("F/").replace("_method-", "_")
        part["mean"] = out[col].to_numpy(dtype=float)
        for level in LEVELS:
            for side in ("lo", "hi"):
                bound = f"{side}{level}"
                if intervals == "shifted":
                    part[bound] = part["mean"].to_numpy() + offsets[bound]
                else:
                    part[bound] = out[f"{col}-{side}-{level}"].to_numpy(dtype=float)
        parts.append(part)
    reconciled: pd.DataFrame = pd.concat(parts, ignore_index=True)
    return reconciled


def _raw_tags(hierarchy: Hierarchy) -> dict[str, np.ndarray]:
    return dict(hierarchy.tags)


def incoherence(forecasts: pd.DataFrame, hierarchy: Hierarchy, column: str = "mean") -> float:
    """Largest relative gap between any aggregate and the sum of its bottom series."""
    wide = forecasts.pivot(index="unique_id", columns="ds", values=column)
    s = hierarchy.summing.set_index("unique_id")
    bottom = wide.loc[s.columns]
    implied = s.to_numpy(dtype=float) @ bottom.to_numpy(dtype=float)
    actual = wide.loc[s.index].to_numpy(dtype=float)
    return float(np.max(np.abs(implied - actual) / np.maximum(np.abs(actual), 1.0)))


__all__ = ["BOUNDS", "Hierarchy", "build_hierarchy", "incoherence", "reconcile"]
