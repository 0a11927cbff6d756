"""Figures of one region and release, from the sources, each as a ``Cell`` saying what it is.

Official figures are taken as published, growth included. A release not yet published is
*estimated*: for the city from the official-scale nowcast, for a district from last year's
published figure grown at the sample's rate; levels the bureau does not publish (online
retail, digital consumption, a district's categories) are the sample's share applied to the
official-scale total. Sample growth compares the same months' sample sums a year apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from cockpit.bulletin import sources
from cockpit.bulletin.model import Z95, Cell, none_cell
from cockpit.bulletin.periods import Release
from cockpit.reference import CITY_CODE

SAMPLE_INDICATORS = (
    "retail_sales",
    "catering_sales",
    "goods_sales",
    "online_sales",
    "online_goods_share",
    "digital_consumption",
    "transactions",
)
CATERING = "CT01"
#: Ratio indicators: their published growth is a change in points, not the growth of the
#: numerator the bulletin scales, so that growth is computed from the sums.
RATIOS = ("online_goods_share",)
#: The live cut a district's bulletin needs and the catalogue does not build.
LIVE_BY = ["district", "digital_type"]
#: The catalogue's small-cell statuses under which a cell's figures are not published.
HIDDEN = ("suppressed", "complementary")
KEY_COLUMNS = ("indicator_id", "cut", "district", "category", "digital_type")


@dataclass(frozen=True)
class Published:
    """What the catalogue publishes of one row's reliability."""

    yoy: float | None  # growth y/y in % (None where withheld or no base)
    yoy_se: float | None  # its standard error, percentage points
    cv: float | None  # the value's coefficient of variation (a fraction)
    hidden: bool  # the cell is suppressed by the small-cell rules
    yoy_withheld: bool  # the growth rate is withheld (thin base, too uncertain)


@dataclass(frozen=True)
class Sum:
    """A sample sum over months, with what the catalogue says of its reliability."""

    fen: float
    suppressed: bool
    se: float | None


class Inputs:
    """The sources read once; shared by every bulletin of a batch (city and districts)."""

    def __init__(self, lake: Path) -> None:
        self.lake = lake

    @cached_property
    def official(self) -> dict[tuple[str, str, str, str], tuple[int, float | None]]:
        frame = sources.official_figures(self.lake)
        out: dict[tuple[str, str, str, str], tuple[int, float | None]] = {}
        for period, region, cat, measure, fen, yoy in frame.itertuples(index=False):
            out[(period, region, cat, measure)] = (int(fen), _float(yoy))
        return out

    @cached_property
    def nowcast(self) -> dict[tuple[str, str, str], tuple[float, float | None, float, float]]:
        """(period, region, category) → (estimate, its growth, 95 % low, 95 % high), fen."""
        frame = sources.official_nowcast(self.lake)
        out: dict[tuple[str, str, str], tuple[float, float | None, float, float]] = {}
        for period, region, cat, fen, lo, hi, yoy in frame.itertuples(index=False):
            out[(str(period), str(region), str(cat))] = (float(fen), _float(yoy), lo, hi)
        return out

    @cached_property
    def nowcast_accuracy(self) -> dict[tuple[str, str], tuple[int, float, float | None]]:
        """(region, category) → (backtest periods, MAPE %, coverage of the 95 % band)."""
        frame = sources.nowcast_accuracy(self.lake)
        return {
            (str(r), str(c)): (int(n), float(mape), _float(cov))
            for r, c, _, n, mape, cov in frame.itertuples(index=False)
        }

    @cached_property
    def _catalogue(self) -> pd.DataFrame:
        frame = sources.sample_values(self.lake, SAMPLE_INDICATORS)
        if frame.empty:
            return frame
        for col in ("status", "growth_withheld", "value_cv", "yoy_se"):
            if col not in frame.columns:
                frame[col] = None
        return frame

    @cached_property
    def _months(self) -> pd.DataFrame:
        """The catalogue's month rows (not the combined 1–2月 rows), keyed as ``sample``."""
        frame = self._catalogue
        if frame.empty:
            return frame
        frame = frame[(frame["period_type"] == "month") & (frame["period"].str.len() == 7)]
        return frame.assign(year=frame["period"].str[:4].astype(int))

    @cached_property
    def sample(self) -> dict[tuple[str, ...], dict[str, tuple[float, bool, float | None]]]:
        """(indicator, cut, district, category, digital type) → month → (Σ, suppressed, se),
        filled a year at a time as figures ask for it (``_load_years``)."""
        return {}

    @cached_property
    def _loaded_years(self) -> set[int]:
        return set()

    def _load_years(self, years: set[int]) -> None:
        """Put the catalogue's month rows of ``years`` into ``sample`` (once each): a city of
        many months and cuts has far more rows than one release reads."""
        todo = years - self._loaded_years
        if not todo or self._months.empty:
            return
        self._loaded_years.update(todo)
        frame = self._months[self._months["year"].isin(todo)]
        cols = [frame[c].fillna("").astype(str) for c in KEY_COLUMNS]
        # The catalogue's small-cell rules decide what is hidden; the bulletin adds none of its own.
        suppressed = frame["status"].isin(HIDDEN)
        for *key, period, num, sup in zip(
            *cols, frame["period"], frame["num"], suppressed, strict=True
        ):
            # A hidden cell's figures are emptied by the catalogue: NaN keeps it hidden here.
            total = math.nan if pd.isna(num) else float(num)
            self.sample.setdefault(tuple(key), {})[period] = (total, bool(sup), None)

    @cached_property
    def _published_periods(self) -> dict[tuple[str, str], dict[tuple[str, ...], Published]]:
        return {}

    def published_rows(self, period_type: str, period: str) -> dict[tuple[str, ...], Published]:
        """(indicator, cut, district, category, digital type) → the catalogue's growth, its
        standard error and the value's CV, as published, for one period (built once)."""
        found = self._published_periods.get((period_type, period))
        if found is not None:
            return found
        out: dict[tuple[str, ...], Published] = {}
        self._published_periods[(period_type, period)] = out
        frame = self._catalogue
        if frame.empty:
            return out
        frame = frame[(frame["period_type"] == period_type) & (frame["period"] == period)]
        cols = [frame[c].fillna("").astype(str) for c in KEY_COLUMNS]
        withheld = frame["growth_withheld"].fillna("").astype(str)
        for *key, yoy, se, cv, status, held in zip(
            *cols,
            frame["yoy"],
            frame["yoy_se"],
            frame["value_cv"],
            frame["status"],
            withheld,
            strict=True,
        ):
            out[tuple(key)] = Published(
                _float(yoy),
                _float(se),
                _float(cv),
                str(status) in HIDDEN,
                "yoy:" in held,
            )
        return out

    def catalogue_row(
        self, indicator: str, rel: Release, ytd: bool, region: str, **key: str
    ) -> Published | None:
        """The catalogue's row of ``indicator`` for the release (or its year to date)."""
        if region != CITY_CODE:
            key = {**key, "district": region}
        cut = ",".join(k for k in ("district", "category", "digital_type") if key.get(k))
        period_type, period = ("ytd", rel.month) if ytd else ("month", rel.period)
        return self.published_rows(period_type, period).get(
            (
                indicator,
                cut,
                key.get("district", ""),
                key.get("category", ""),
                key.get("digital_type", ""),
            )
        )

    def add_district_types(self, years: tuple[int, ...]) -> None:
        """Add district × digital type sums (not built by the catalogue) for ``years``,
        computed live once per batch, each hidden when it rests on fewer merchants than the
        catalogue's small-cell policy allows."""
        from cockpit.indicators import load_disclosure_policy as load_policy

        fewest = load_policy(self.lake.parent).suppress.min_merchants
        for year in years:
            if year in self._live_years:
                continue
            self._live_years.add(year)
            try:
                sums = sources.sample_live(self.lake, "digital_consumption", LIVE_BY, year)
                merchants = sources.sample_live(self.lake, "active_merchants", LIVE_BY, year)
            except FileNotFoundError:
                continue  # a lake of built tables only: the cells stay "—"
            counted = {
                (str(m), str(d), str(t)): n for m, d, t, n in merchants.itertuples(index=False)
            }
            for month, district, dtype, num in sums.itertuples(index=False):
                cell = (str(month), str(district), str(dtype))
                thin = counted.get(cell, 0) < fewest
                key = ("digital_consumption", "district,digital_type", cell[1], "", cell[2])
                self.sample.setdefault(key, {})[cell[0]] = (float(num), thin, None)

    @cached_property
    def _live_years(self) -> set[int]:
        return set()

    def read_for(self, rel: Release, *, districts: bool = True) -> None:
        """Read now all the lake gives the release's bulletins (the city's, and with
        ``districts`` every district's): a batch reads it once, and processes forked after
        share it."""
        for table in ("official", "nowcast", "nowcast_accuracy", "data_version"):
            getattr(self, table)
        self.programme_effects  # noqa: B018  (read, cached)
        self._load_years({rel.year - 1, rel.year})
        self.published_rows("month", rel.period)
        self.published_rows("ytd", rel.month)
        if districts:
            self.add_district_types((rel.year - 1, rel.year))

    @cached_property
    def programme_effects(self) -> dict[str, dict[str, Any]]:
        """Each programme's newest evaluation of its effect, by code."""
        return sources.programme_effects(self.lake)

    @cached_property
    def data_version(self) -> str:
        return sources.data_version(self.lake)

    @cached_property
    def latest_month(self) -> str | None:
        months = self._months
        return None if months.empty else str(months["period"].max())

    def published(self, region: str, measure: str, period: str, category: str = "") -> bool:
        return (period, region, category, measure) in self.official

    # -- sample sums ---------------------------------------------------------------------

    def sample_sum(self, indicator: str, months: tuple[str, ...], **key: str) -> Sum | None:
        """Σ num of ``indicator`` over ``months`` in the cut named by ``key``; None if absent."""
        cut = ",".join(k for k in ("district", "category", "digital_type") if key.get(k))
        idx = (
            indicator,
            cut,
            key.get("district", ""),
            key.get("category", ""),
            key.get("digital_type", ""),
        )
        self._load_years({int(m[:4]) for m in months})
        by_month = self.sample.get(idx)
        if by_month is None or any(m not in by_month for m in months):
            return None
        rows = [by_month[m] for m in months]
        errors = [r[2] for r in rows]
        se = None if any(e is None for e in errors) else math.sqrt(sum(e * e for e in errors if e))
        return Sum(sum(r[0] for r in rows), any(r[1] for r in rows), se)

    def sample_share(
        self, indicator: str, months: tuple[str, ...], region: str, **key: str
    ) -> Cell:
        """``indicator``'s Σ over the region's retail sales Σ, in %."""
        where = {} if region == CITY_CODE else {"district": region}
        part = self.sample_sum(indicator, months, **where, **key)
        whole = self.sample_sum("retail_sales", months, **where)
        if part is None or whole is None or whole.fen == 0:
            return none_cell("%", "sample")
        return Cell(100 * part.fen / whole.fen, "%", "sample", part.suppressed)

    def sample_growth(
        self, indicator: str, rel: Release, ytd: bool, region: str, **key: str
    ) -> Cell:
        """Growth of the sample's Σ over the release (or year to date) on a year before: the
        catalogue's published rate with its standard error, "…" where it withholds it (thin
        or too uncertain); computed from the sums only for a cut it does not build."""
        if indicator not in RATIOS:
            row = self.catalogue_row(indicator, rel, ytd, region, **key)
            if row is not None:
                if row.hidden or row.yoy_withheld:
                    return Cell(None, "%", "sample", suppressed=True)
                if row.yoy is None:
                    return none_cell("%", "sample")
                return Cell(row.yoy, "%", "sample", se=row.yoy_se)
        where = {} if region == CITY_CODE else {"district": region}
        months = rel.ytd_months if ytd else rel.months
        before = rel.year_before()
        old_months = before.ytd_months if ytd else before.months
        now = self.sample_sum(indicator, months, **where, **key)
        old = self.sample_sum(indicator, old_months, **where, **key)
        if now is None or old is None or old.fen <= 0:
            return none_cell("%", "sample")
        return Cell(100 * (now.fen / old.fen - 1), "%", "sample", now.suppressed or old.suppressed)

    # -- official-scale levels ----------------------------------------------------------

    def total(self, region: str, rel: Release) -> tuple[Cell, Cell]:
        """The release's retail sales and growth: published, else estimated."""
        return self.level(region, rel, "")

    def total_ytd(self, region: str, rel: Release) -> tuple[Cell, Cell]:
        """The year to date and its growth: published 1–N月累计, else the releases summed."""
        return self.level_ytd(region, rel, "")

    def level(self, region: str, rel: Release, category: str) -> tuple[Cell, Cell]:
        """Retail sales of ``region`` (and ``category``, '' = all) in the release, with growth:
        published; else the official-scale estimate with its own growth; else last year's
        published figure grown at the sample's rate."""
        got = self.official.get((rel.period, region, category, "retail_sales"))
        if got is not None:
            return Cell(got[0], "fen", "official"), Cell(got[1], "%", "official")
        estimate = self.nowcast.get((rel.period, region, category))
        if estimate is not None:
            se = (estimate[3] - estimate[2]) / (2 * Z95)  # from its 95 % band
            return Cell(estimate[0], "fen", "estimated", se=se), Cell(estimate[1], "%", "estimated")
        est = self._estimate(region, rel, category)
        before = self.official.get((rel.year_before().period, region, category, "retail_sales"))
        return est, self._growth(est, before[0] if before else None)

    def level_ytd(self, region: str, rel: Release, category: str) -> tuple[Cell, Cell]:
        """The year to date: published 1–N月累计, else the year's releases summed."""
        got = self.official.get((rel.period, region, category, "retail_sales_ytd"))
        if got is not None:
            return Cell(got[0], "fen", "official"), Cell(got[1], "%", "official")
        parts = [self.level(region, r, category)[0] for r in rel.year_releases]
        if any(p.suppressed for p in parts):
            return Cell(None, "fen", "estimated", True), Cell(None, "%", "estimated", True)
        if any(p.value is None for p in parts):
            return none_cell("fen", "estimated"), none_cell("%", "estimated")
        # The estimated months' errors added (at most the error of their sum), as the
        # catalogue publishes a 1–N月 error; a published month carries none.
        errors = [p.se for p in parts if p.basis != "official"]
        est = Cell(
            sum(p.value or 0.0 for p in parts),
            "fen",
            "estimated",
            any(p.suppressed for p in parts),
            se=None if any(e is None for e in errors) else sum(e or 0.0 for e in errors),
        )
        before = self.official.get((rel.year_before().period, region, category, "retail_sales_ytd"))
        return est, self._growth(est, before[0] if before else None)

    def published_category(self, region: str, rel: Release, category: str) -> bool:
        """Whether the bureau publishes ``category`` for ``region`` (a year ago at least)."""
        return (rel.year_before().period, region, category, "retail_sales") in self.official

    def share_of(self, total: Cell, share: Cell) -> Cell:
        """An official-scale level estimated as the sample's share of ``total``."""
        if total.value is None or share.value is None:
            return none_cell("fen", "estimated")
        hidden = share.suppressed or total.suppressed
        return Cell(total.value * share.value / 100, "fen", "estimated", hidden)

    def _estimate(self, region: str, rel: Release, category: str) -> Cell:
        """No official-scale estimate: a year ago grown at the sample's rate."""
        before = self.official.get((rel.year_before().period, region, category, "retail_sales"))
        key = {"category": category} if category else {}
        growth = self.sample_growth("retail_sales", rel, False, region, **key)
        if before is not None and growth.suppressed:
            return Cell(None, "fen", "estimated", suppressed=True)
        if before is None or growth.value is None:
            return none_cell("fen", "estimated")
        se = None if growth.se is None else before[0] * growth.se / 100
        return Cell(before[0] * (1 + growth.value / 100), "fen", "estimated", growth.suppressed, se)

    @staticmethod
    def _growth(level: Cell, before: float | None) -> Cell:
        if level.value is None or not before:
            return none_cell("%", "estimated")
        return Cell(100 * (level.value / before - 1), "%", "estimated", level.suppressed)


def _float(x: Any) -> float | None:
    if x is None:
        return None
    f = float(x)
    return None if math.isnan(f) else f


def derived_growth(now: Cell, before: Cell) -> Cell:
    """Growth of a level the bureau does not publish, from two levels computed alike."""
    if now.value is None or before.value is None or before.value <= 0:
        return none_cell("%", "derived")
    hidden = now.suppressed or before.suppressed
    return Cell(100 * (now.value / before.value - 1), "%", "derived", hidden)


def difference(total: Cell, part: Cell) -> Cell:
    """``total`` minus ``part`` (goods = total − catering); derived from published figures."""
    if total.value is None or part.value is None:
        return none_cell("fen", "derived")
    hidden = total.suppressed or part.suppressed
    basis = "derived" if total.basis == part.basis == "official" else "estimated"
    return Cell(total.value - part.value, "fen", basis, hidden)  # type: ignore[arg-type]
