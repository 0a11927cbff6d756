"""The city's true trade: yuan per day, district and category, events included.

The feeds are a sample of this; ``expansion`` in the ground truth maps the sample back to it,
and the official statistics publish it (with a little noise).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from cockpit import reference
from cockpit.sample.calendar import Days, days_between, seasonal_weights
from cockpit.sample.params import (
    ANNUAL_TARGET_YUAN,
    CATEGORY_TRAITS,
    DISTRICT_TRAITS,
    PERIOD_START,
    STRUCTURE_SEED,
)

# Trade that is strong (or weak) in the old city centre: Yuzhong has no car showrooms or
# petrol stations to speak of, and many restaurants, jewellers and department stores.
CENTRE_AFFINITY = {"CT01": 1.5, "RS06": 1.8, "RS04": 1.5, "RS05": 1.6, "RS15": 0.3, "RS14": 0.3}
CENTRE = ("500103", "500105")


@dataclass(frozen=True)
class Event:
    """An injected event, as listed in ground_truth.json."""

    kind: str
    place: str
    start: dt.date
    end: dt.date  # inclusive
    size: float
    note: str


DISTRICT_SLUMP = Event(
    "district_slump",
    "500106",
    dt.date(2025, 4, 1),
    dt.date(2025, 6, 30),
    -0.25,
    "Shapingba's trade falls by a quarter for three months (a major mall closed for works).",
)
CATEGORY_SPIKE = Event(
    "category_spike",
    "RS13",
    dt.date(2025, 9, 1),
    dt.date(2025, 10, 31),
    0.60,
    "Telecom equipment sales jump 60 % across the city (new phone launches plus trade-in subsidy).",
)
MODEL_EVENTS = (DISTRICT_SLUMP, CATEGORY_SPIKE)


def category_codes() -> tuple[str, ...]:
    """Category codes in the reference order (RS01…RS18, CT01)."""
    return tuple(c.code for c in sorted(reference.categories(), key=lambda c: c.order))


def district_codes() -> tuple[str, ...]:
    """The 38 district codes in GB/T 2260 order."""
    return tuple(d.code for d in reference.districts())


def years_since_start(ordinal: NDArray[np.int64]) -> NDArray[np.float64]:
    """Fractional years from the start of the data period."""
    start = (PERIOD_START - dt.date(1970, 1, 1)).days
    return (ordinal - start) / 365.25


@dataclass(frozen=True)
class CityModel:
    """True trade in yuan per day × district × category."""

    days: Days
    districts: tuple[str, ...]
    categories: tuple[str, ...]
    yuan: NDArray[np.float64]  # shape (days, districts, categories)

    def day_index(self, day: dt.date) -> int:
        return (day - self.days.dates[0]).days


def _category_yuan(days: Days, cats: tuple[str, ...]) -> NDArray[np.float64]:
    t = years_since_start(days.ordinal)
    base = np.array([CATEGORY_TRAITS[c].value_share for c in cats])
    growth = np.array([CATEGORY_TRAITS[c].growth for c in cats])
    share = base[None, :] * np.exp(growth[None, :] * t[:, None])
    share /= share.sum(axis=1, keepdims=True)
    raw = share * seasonal_weights(days, cats)
    years = np.array([d.year for d in days.dates])
    for year in np.unique(years):
        in_year = years == year
        raw[in_year] *= ANNUAL_TARGET_YUAN[int(year)] / raw[in_year].sum()
    return raw


def _district_shares(
    days: Days, dists: tuple[str, ...], cats: tuple[str, ...]
) -> NDArray[np.float64]:
    rng = np.random.default_rng(STRUCTURE_SEED)
    affinity = rng.lognormal(0.0, 0.35, size=(len(dists), len(cats)))
    for i, code in enumerate(dists):
        if code in CENTRE:
            for j, cat in enumerate(cats):
                affinity[i, j] = CENTRE_AFFINITY.get(cat, 1.0)
    size = np.array([DISTRICT_TRAITS[d][0] for d in dists])
    growth = np.array([DISTRICT_TRAITS[d][1] for d in dists])
    t = years_since_start(days.ordinal)
    weight = (size * np.exp(growth[None, :] * t[:, None]))[:, :, None] * affinity[None, :, :]
    shares: NDArray[np.float64] = weight / weight.sum(axis=1, keepdims=True)
    return shares


def _apply_events(
    model_yuan: NDArray[np.float64], days: Days, dists: tuple[str, ...], cats: tuple[str, ...]
) -> None:
    dates = np.array(days.ordinal)
    epoch = dt.date(1970, 1, 1)
    for event in MODEL_EVENTS:
        inside = (dates >= (event.start - epoch).days) & (dates <= (event.end - epoch).days)
        if event.kind == "district_slump":
            model_yuan[inside, dists.index(event.place), :] *= 1 + event.size
        else:
            model_yuan[inside, :, cats.index(event.place)] *= 1 + event.size


@cache
def city_model(first_year: int, last_year: int, *, with_events: bool = True) -> CityModel:
    """True trade of whole years ``first_year``..``last_year``."""
    days = days_between(dt.date(first_year, 1, 1), dt.date(last_year, 12, 31))
    dists, cats = district_codes(), category_codes()
    yuan = _category_yuan(days, cats)[:, None, :] * _district_shares(days, dists, cats)
    if with_events:
        _apply_events(yuan, days, dists, cats)
    return CityModel(days=days, districts=dists, categories=cats, yuan=yuan)
