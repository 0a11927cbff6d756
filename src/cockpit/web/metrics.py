"""The built indicator and forecast tables the cockpit reads, behind one small interface.

Everything the pages show about consumption comes through ``Metrics``:
``indicator_values`` (docs/indicators.md: one row per indicator, period and cut: the whole
city, one dimension, district × category or business district × category) and
``forecasts`` (the forecast room's runs, docs/forecasting.md). Never raw transactions.
Growth shown is the same-store rate where the indicators give one (NBS's comparable scope),
else the all-merchant rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cockpit.web.tablecache import Lake

INDICATORS_TABLE = "indicator_values"
FORECASTS_TABLE = "forecasts"
OFFICIAL_TABLE = "indicator_official"
#: The forecast room's one estimator of the published series (docs/forecasting.md).
ESTIMATES_TABLE = "official_estimates"
OFFICIAL_HINT = "cockpit forecast official"
CITY_REGION = "500000"  # region_code of the whole city in the forecasts

RETAIL = "retail_sales"
DIGITAL = "digital_consumption"
DIGITAL_SHARE = "digital_share"
ONLINE_SHARE = "online_share"

# What the KPI tiles and trends show: read together for a cut, and remembered.
TILE_INDICATORS = (RETAIL, DIGITAL_SHARE, ONLINE_SHARE)

BUILD_HINT = "cockpit build"
FORECAST_HINT = "cockpit forecast"
# A row is a plain month (not the combined 1–2月 row, not a day).
MONTH_ROW = "period_type = 'month' AND length(period) = 7"
# None where the small-cell rules withheld the cell's year-on-year rate (indicators'
# disclosure.yaml): never the all-merchant rate in place of a withheld same-store one.
GROWTH = "CASE WHEN coalesce(growth_withheld, '') NOT LIKE '%yoy:%' THEN coalesce(ss_yoy, yoy) END"
GROWTH_SE = "CASE WHEN ss_yoy IS NOT NULL THEN ss_yoy_se ELSE yoy_se END"
# What the reader is told of a figure's reliability: its standard errors and status.
ERRORS = f"value_se, value_cv, {GROWTH_SE} AS yoy_se, status"


# The two-dimension cuts the indicators build.
DISTRICT_CATEGORY = "district,category"
AREA_CATEGORY = "business_district,category"


class CutNotBuilt(LookupError):
    """The indicators were not built for this cut (district × category before it was built)."""


@dataclass(frozen=True)
class Point:
    period: str
    value: float | None
    yoy_pct: float | None
    value_se: float | None = None
    yoy_se: float | None = None
    status: str = "ok"  # ok, unreliable, suppressed, complementary (docs/indicators.md)


@dataclass(frozen=True)
class Cut:
    """Which slice of the indicators a view shows ('' = not cut by that dimension). A
    business district (商圈) is a slice of its own, not of its district: the indicators cut
    by business district alone or with a category, never with the district."""

    district: str = ""
    category: str = ""
    business_district: str = ""

    def __post_init__(self) -> None:
        if self.business_district and self.district:
            raise ValueError("a business district is cut without its district")

    @property
    def name(self) -> str:
        """The ``cut`` column's value for this slice."""
        if self.business_district:
            return AREA_CATEGORY if self.category else "business_district"
        if self.district and self.category:
            return DISTRICT_CATEGORY
        return "district" if self.district else "category" if self.category else ""

    def where(self) -> tuple[str, list[str]]:
        """SQL condition and parameters selecting this cut's rows."""
        if self.business_district and self.category:
            return (
                f"cut = '{AREA_CATEGORY}' AND business_district = ? AND category = ?",
                [self.business_district, self.category],
            )
        if self.business_district:
            return "cut = 'business_district' AND business_district = ?", [self.business_district]
        if self.district and self.category:
            return (
                f"cut = '{DISTRICT_CATEGORY}' AND district = ? AND category = ?",
                [self.district, self.category],
            )
        if self.district:
            return "cut = 'district' AND district = ?", [self.district]
        if self.category:
            return "cut = 'category' AND category = ?", [self.category]
        return "cut = ''", []


class Metrics:
    """Monthly indicator series and forecasts read from the lake."""

    def __init__(self, lake: Lake) -> None:
        self.lake = lake

    @property
    def built(self) -> bool:
        return self.lake.has(INDICATORS_TABLE)

    def periods(self) -> list[str]:
        """Months with retail sales built, oldest first."""
        if not self.built:
            return []

        def compute() -> list[str]:
            sql = self.lake.sql(
                f"SELECT DISTINCT period FROM {{t}} WHERE indicator_id = ? AND cut = '' "
                f"AND {MONTH_ROW} ORDER BY period",
                t=INDICATORS_TABLE,
            )
            return [r["period"] for r in self.lake.rows(sql, [RETAIL])]

        return list(self.lake.memo(INDICATORS_TABLE, "periods", compute))

    def has_cut(self, cut: str) -> bool:
        """Whether the build materialised ``cut`` (``district,category`` came later)."""
        if not self.built:
            return False

        def compute() -> bool:
            sql = self.lake.sql("SELECT 1 FROM {t} WHERE cut = ? LIMIT 1", t=INDICATORS_TABLE)
            return bool(self.lake.rows(sql, [cut]))

        return bool(self.lake.memo(INDICATORS_TABLE, f"has-cut:{cut}", compute))

    def series(self, indicator: str, cut: Cut, *, ytd: bool = False) -> list[Point]:
        """The monthly (or 1–N月累计) series of ``indicator`` for ``cut``, oldest first.

        Raises ``CutNotBuilt`` for district × category when the build has not made it."""
        if not self.built:
            return []
        if cut.name in (DISTRICT_CATEGORY, AREA_CATEGORY) and not self.has_cut(cut.name):
            raise CutNotBuilt(cut.name)
        kind = "ytd" if ytd else "month"
        if indicator in TILE_INDICATORS:
            return list(self._tile_series(cut).get((indicator, kind), []))
        return self._read_series([indicator], cut).get((indicator, kind), [])

    def _read_series(self, indicators: list[str], cut: Cut) -> dict[tuple[str, str], list[Point]]:
        """The monthly and 1–N月累计 series of ``indicators`` for ``cut``, in one query."""
        where, params = cut.where()
        marks = ", ".join("?" for _ in indicators)
        sql = self.lake.sql(
            f"SELECT indicator_id, period_type, period, value, {GROWTH} AS yoy_pct, {ERRORS} "
            f"FROM {{t}} WHERE indicator_id IN ({marks}) AND (({MONTH_ROW}) "
            f"OR period_type = 'ytd') AND {where} ORDER BY indicator_id, period_type, period",
            t=INDICATORS_TABLE,
        )
        found: dict[tuple[str, str], list[Point]] = {}
        for r in self.lake.rows(sql, [*indicators, *params]):
            key = (r["indicator_id"], r["period_type"])
            point = Point(
                r["period"], r["value"], r["yoy_pct"], r["value_se"], r["yoy_se"], r["status"]
            )
            found.setdefault(key, []).append(point)
        return found

    def _tile_series(self, cut: Cut) -> dict[tuple[str, str], list[Point]]:
        """The tiles' series for ``cut`` (one query for all), remembered until the
        indicators are rebuilt."""

        def compute() -> dict[tuple[str, str], list[Point]]:
            return self._read_series(list(TILE_INDICATORS), cut)

        key = f"series:{cut.district}:{cut.category}:{cut.business_district}"
        return self.lake.memo(INDICATORS_TABLE, key, compute)

    def ytd_series(self, indicator: str, cut: Cut) -> list[Point]:
        """1–N月累计 by month; January's is January itself (NBS starts the rows at February)."""
        ytd = {p.period: p for p in self.series(indicator, cut, ytd=True)}
        for p in self.series(indicator, cut):
            if p.period.endswith("-01") and p.period not in ytd:
                ytd[p.period] = Point(p.period, p.value, None)
        return [ytd[k] for k in sorted(ytd)]

    def across(
        self, indicator: str, period: str, *, by: str, within: Cut | None = None
    ) -> list[dict[str, Any]]:
        """``indicator`` in ``period`` for every value of dimension ``by`` (e.g. district),
        optionally within one district, business district or category (the district ×
        category or business district × category cut).

        Every month's are read at once and remembered until the indicators are rebuilt.
        Raises ``CutNotBuilt`` when ``within`` asks for a cut the build has not made."""
        if not self.built:
            return []
        cut, fixed, params = by, "", [indicator]
        fixed_by = {
            d: v
            for d, v in (
                ("district", within.district if within else ""),
                ("business_district", within.business_district if within else ""),
                ("category", within.category if within else ""),
            )
            if v
        }
        if fixed_by:
            pairs = {frozenset(c.split(",")): c for c in (DISTRICT_CATEGORY, AREA_CATEGORY)}
            found = pairs.get(frozenset([by, *fixed_by])) if len(fixed_by) == 1 else None
            if found is None:
                raise CutNotBuilt(f"{by} within {within}")
            cut = found
            if not self.has_cut(cut):
                raise CutNotBuilt(cut)
            ((other, value),) = fixed_by.items()
            fixed = f"AND {other} = ? "
            params.append(value)

        def compute() -> dict[str, list[dict[str, Any]]]:
            sql = self.lake.sql(
                f"SELECT period, {by} AS key, value, {GROWTH} AS yoy_pct, {ERRORS} FROM {{t}} "
                f"WHERE indicator_id = ? {fixed}AND {MONTH_ROW} AND cut = ? "
                f"AND {by} IS NOT NULL AND {by} <> '' ORDER BY period, {by}",
                t=INDICATORS_TABLE,
            )
            found: dict[str, list[dict[str, Any]]] = {}
            for r in self.lake.rows(sql, [*params, cut]):
                found.setdefault(r.pop("period"), []).append(r)
            return found

        key = f"across:{indicator}:{by}:{cut}:{':'.join(params[1:])}"
        every = self.lake.memo(INDICATORS_TABLE, key, compute)
        return [dict(r) for r in every.get(period, [])]

    def by_type_over_time(self) -> list[dict[str, Any]]:
        """Digital consumption by type, every month (the city: types are a single cut)."""
        if not self.built:
            return []
        sql = self.lake.sql(
            f"SELECT period, digital_type, value FROM {{t}} WHERE indicator_id = ? "
            f"AND {MONTH_ROW} AND cut = 'digital_type' ORDER BY period, digital_type",
            t=INDICATORS_TABLE,
        )
        return self.lake.rows(sql, [DIGITAL])

    def official(self, measure: str) -> list[Point]:
        """The city's published retail-sales figures (level and growth as published);
        the combined 1–2月 release is shown at February."""
        if not self.lake.has(OFFICIAL_TABLE):
            return []
        sql = self.lake.sql(
            "SELECT CASE WHEN length(period) = 10 THEN left(period, 4) || '-02' ELSE period END "
            "AS period, value_fen AS value, yoy_pct FROM {t} WHERE measure = ? "
            "AND region_code = ? AND coalesce(category_code, '') = '' ORDER BY 1",
            t=OFFICIAL_TABLE,
        )
        rows = self.lake.rows(sql, [measure, CITY_REGION])
        return [Point(r["period"], r["value"], r["yoy_pct"]) for r in rows]

    def official_estimates(self, measure: str, cut: Cut) -> list[dict[str, Any]]:
        """The official series of the cut (the city, a district or a category of the city),
        as the newest ``cockpit forecast official`` run holds it: published periods, then
        the nowcast and forecasts with their 80/95 % bounds; empty where none is published
        (district × category) or no run was made."""
        if not self.lake.has(ESTIMATES_TABLE) or cut.name not in ("", "district", "category"):
            return []
        sql = self.lake.sql(
            "SELECT period, period_label, status, method, value_fen AS value, lo80, hi80, "
            "lo95, hi95, yoy_pct, note FROM {t} WHERE run_id = (SELECT max(run_id) FROM {t}) "
            "AND measure = ? AND region_code = ? AND category_code = ? "
            "ORDER BY left(period, 4), length(period) DESC, period",
            t=ESTIMATES_TABLE,
        )
        return self.lake.rows(sql, [measure, cut.district or CITY_REGION, cut.category])

    def official_across(self, measure: str, period: str) -> list[dict[str, Any]]:
        """Every district's official figure for one release period (published or estimated),
        from the newest ``cockpit forecast official`` run; empty where none is published."""
        if not self.lake.has(ESTIMATES_TABLE):
            return []
        sql = self.lake.sql(
            "SELECT region_code AS key, value_fen AS value, yoy_pct, status FROM {t} "
            "WHERE run_id = (SELECT max(run_id) FROM {t}) AND measure = ? AND period = ? "
            "AND category_code = '' AND region_code <> ? ORDER BY region_code",
            t=ESTIMATES_TABLE,
        )
        return self.lake.rows(sql, [measure, period, CITY_REGION])

    def forecast(self, indicator: str, cut: Cut) -> list[dict[str, Any]]:
        """The latest run's forecast of ``indicator`` for ``cut``: mean and 80/95 % bands."""
        if not self.lake.has(FORECASTS_TABLE) or cut.name not in ("", "district", "category"):
            return []  # forecasts are by district or by category
        region = cut.district or CITY_REGION
        sql = self.lake.sql(
            "SELECT strftime(ds, '%Y-%m') AS period, mean, lo80, hi80, lo95, hi95, model "
            "FROM {t} WHERE run_id = (SELECT max(run_id) FROM {t} WHERE indicator_id = ? "
            "AND region_code = ? AND category_code = ?) AND indicator_id = ? "
            "AND region_code = ? AND category_code = ? ORDER BY ds",
            t=FORECASTS_TABLE,
        )
        keys = [indicator, region, cut.category]
        return self.lake.rows(sql, keys + keys)
