"""The candidate models, by name, and the combinations built from them.

Every candidate is a statsforecast model with an ``alias``; a combination is the mean of
some candidates' forecasts and of their interval bounds. The default monthly set and its
combination were chosen by evidence (see docs/forecasting.md): AutoARIMA is available but
left out of the default, because it costs more than all the others together and did not
improve the combination.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Candidate models for monthly (or any seasonal, regular) series, in the default order.
MONTHLY_MODELS: tuple[str, ...] = (
    "AutoETS",
    "AutoCES",
    "DynamicOptimizedTheta",
    "AutoTheta",
    "SeasonalNaive",
)
#: Combinations: name → members. The default combination averages three model families.
COMBINATIONS: dict[str, tuple[str, ...]] = {
    "Combo": ("AutoETS", "AutoCES", "DynamicOptimizedTheta"),
}
#: Candidates for the bottom of a grouped hierarchy (district × category): the default set
#: without AutoCES, which costs about 70 % of the fitting time and which the bottom series'
#: backtests almost never pick (docs/forecasting.md); without it Combo is not formed there.
BOTTOM_MODELS: tuple[str, ...] = (
    "DynamicOptimizedTheta",
    "AutoETS",
    "AutoTheta",
    "SeasonalNaive",
)
KNOWN_MODELS = (*MONTHLY_MODELS, "AutoARIMA", "Naive")


def build_models(names: Sequence[str], season_length: int) -> list[Any]:
    """statsforecast model objects for ``names``, each aliased by its name."""
    from statsforecast import models as sf

    factories: dict[str, Any] = {
        "AutoETS": lambda: sf.AutoETS(season_length=season_length, alias="AutoETS"),
        "AutoCES": lambda: sf.AutoCES(season_length=season_length, alias="AutoCES"),
        "DynamicOptimizedTheta": lambda: sf.DynamicOptimizedTheta(
            season_length=season_length, alias="DynamicOptimizedTheta"
        ),
        "AutoTheta": lambda: sf.AutoTheta(season_length=season_length, alias="AutoTheta"),
        "AutoARIMA": lambda: sf.AutoARIMA(season_length=season_length, alias="AutoARIMA"),
        "SeasonalNaive": lambda: sf.SeasonalNaive(
            season_length=season_length, alias="SeasonalNaive"
        ),
        "Naive": lambda: sf.Naive(alias="Naive"),
    }
    unknown = [name for name in names if name not in factories]
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; known: {sorted(factories)}")
    return [factories[name]() for name in names]


def usable_combinations(
    models: Sequence[str], combinations: dict[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    """The combinations whose members are all among ``models``."""
    return {name: members for name, members in combinations.items() if set(members) <= set(models)}
