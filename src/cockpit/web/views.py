"""What each chart and tile of the cockpit shows, as JSON-ready dicts.

Every function returns ``{"available": False, "hint": "<command to run>"}`` when the data
behind it has not been built yet, so pages say so instead of drawing made-up numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cockpit import reference
from cockpit.access import Invalid, NotFound
from cockpit.web import i18n
from cockpit.web.i18n import Lang
from cockpit.web.metrics import (
    BUILD_HINT,
    DIGITAL_SHARE,
    DISTRICT_CATEGORY,
    FORECAST_HINT,
    OFFICIAL_HINT,
    ONLINE_SHARE,
    RETAIL,
    Cut,
    CutNotBuilt,
    Metrics,
    Point,
)

SPARK_MONTHS = 24
MAP_CLASSES = 5  # quantile classes of the map's colour scale


def quantile_breaks(values: list[float], classes: int = MAP_CLASSES) -> list[float]:
    """Class limits that put about as many districts in each colour (robust to outliers).

    >>> quantile_breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 281], 5)
    [1.0, 3.0, 5.0, 7.0, 9.0, 281.0]
    """
    ordered = sorted(values)
    if not ordered:
        return []
    n = len(ordered) - 1
    return [float(ordered[round(n * k / classes)]) for k in range(classes + 1)]


@dataclass(frozen=True)
class Query:
    """The filters of a view, as kept in the URL."""

    lang: Lang
    period: str = ""
    district: str = ""
    category: str = ""
    start: str = ""  # trend months from (YYYY-MM, '' = the first)
    end: str = ""  # trend months to (YYYY-MM, '' = the last, forecast included)
    compare: bool = False  # trends: the same months of the year before beside them

    @property
    def cut(self) -> Cut:
        return Cut(district=self.district, category=self.category)


def missing(hint: str) -> dict[str, Any]:
    return {"available": False, "hint": hint}


def not_built() -> dict[str, Any]:
    """The build has not made this cut (district × category before it was added, or a
    combination the indicators never build, such as digital type by district)."""
    return {"available": False, "reason": "cut_not_built", "hint": BUILD_HINT}


MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def resolve_period(metrics: Metrics, wanted: str) -> str:
    """``wanted`` if it was built; '' means the latest built month ('' if none).

    A malformed month (``2025-13``) or one not built is refused, never replaced by another.
    """
    periods = metrics.periods()
    if not wanted:
        return periods[-1] if periods else ""
    if not MONTH.fullmatch(wanted):
        raise Invalid(f"period {wanted!r} is not a month YYYY-MM", field="query.period")
    if wanted not in periods:
        built = f"{periods[0]} to {periods[-1]}" if periods else "none yet (cockpit build)"
        raise NotFound(
            f"no indicators built for {wanted}; built months: {built}",
            field="query.period",
            code="period_not_built",
        )
    return wanted


def _upto(points: list[Point], period: str) -> list[Point]:
    return [p for p in points if p.period <= period]


def _tile(key: str, points: list[Point], q: Query, *, money: bool) -> dict[str, Any]:
    pts = _upto(points, q.period)
    last = pts[-1] if pts and pts[-1].period == q.period else None
    text = "—"
    if last is not None and last.value is not None:
        text = i18n.money(last.value, q.lang) if money else i18n.pct(last.value)
    spark = [[p.period, p.value] for p in pts[-SPARK_MONTHS:]]
    return {
        "key": key,
        "label": i18n.label(key, q.lang),
        "value": last.value if last else None,
        "text": text,
        "yoy_pct": last.yoy_pct if last else None,
        "yoy_text": i18n.pct(last.yoy_pct, signed=True) if last else "—",
        "spark": spark,
    }


def release_period(period: str) -> str:
    """The bureau's release period holding a month: January and February are ``YYYY-01-02``."""
    return f"{period[:4]}-01-02" if period[5:7] in ("01", "02") else period


@dataclass(frozen=True)
class Official:
    """An official series as the tiles read it: month points (release periods), year to date,
    statuses and the published growth rates."""

    months: list[Point]
    ytd: list[Point]
    status: dict[str, str]
    labels: dict[str, str]


def official_series(metrics: Metrics, cut: Cut) -> Official | None:
    """The cut's official retail sales (published, else the one model's estimate)."""
    rows = metrics.official_estimates(RETAIL, cut)
    if not rows:
        return None
    months = [Point(r["period"], r["value"], r["yoy_pct"]) for r in rows]
    ytd: list[Point] = []
    running, year = 0.0, ""
    for p in months:
        running = (p.value or 0) + (running if p.period[:4] == year else 0)
        year = p.period[:4]
        ytd.append(Point(p.period, running, None))
    status = {r["period"]: r["status"] for r in rows}
    labels = {r["period"]: r["period_label"] for r in rows}
    return Official(months, ytd, status, labels)


def _latest_published(official: Official, period: str) -> Point | None:
    published = [
        p
        for p in official.months
        if official.status[p.period] == "published" and _key(p.period) <= _key(period)
    ]
    return published[-1] if published else None


def _key(period: str) -> str:
    return period[:4] + "-02" if period.endswith("-01-02") else period


def kpis(metrics: Metrics, q: Query) -> dict[str, Any]:
    """The five KPI tiles of the overview, each with its trend.

    Where the bureau publishes the cut (the city, a district, a category of the city), the
    money tiles are the official series: published, or the one model's nowcast (said so).
    The growth tile is then the published rate; for a nowcast month, the latest published
    month's rate, named. Elsewhere (district × category) the feeds' sample, labelled so.
    """
    if not metrics.built or not q.period:
        return missing(BUILD_HINT)
    cut = q.cut
    try:
        retail = metrics.series(RETAIL, cut)
    except CutNotBuilt:
        return not_built()
    ytd = metrics.ytd_series(RETAIL, cut)
    official = official_series(metrics, cut)
    shown = Query(q.lang, q.period, q.district, q.category)
    scope, note_key, growth_note = "sample", "kpi_scope_sample", ""
    release = release_period(q.period)
    if official is not None and release in official.status:
        shown = Query(q.lang, release, q.district, q.category)
        retail, ytd, scope = official.months, official.ytd, "official"
        status = official.status[release]
        note_key = "kpi_scope_city_total" if status == "published" else "kpi_nowcast"
        yoy = [Point(p.period, p.yoy_pct, None) for p in retail]
        if status != "published":
            latest = _latest_published(official, release)
            if latest is not None:
                # The growth of a nowcast month is not published: show the latest that is.
                yoy = [*yoy, Point(release, latest.yoy_pct, None)]
                growth_note = i18n.label("kpi_latest_published", q.lang).format(
                    month=official.labels[latest.period]
                )
    else:
        yoy = [Point(p.period, p.yoy_pct, None) for p in retail]
    tiles = [
        _tile("kpi_retail_month", retail, shown, money=True),
        _tile("kpi_retail_ytd", ytd, shown, money=True),
        _tile("kpi_yoy", _dedupe(yoy), shown, money=False),
        _tile("kpi_digital_share", metrics.series(DIGITAL_SHARE, cut), q, money=False),
        _tile("kpi_online_share", metrics.series(ONLINE_SHARE, cut), q, money=False),
    ]
    if growth_note:
        tiles[2]["note"] = growth_note
    note = i18n.label(note_key, q.lang)
    if scope == "official" and release.endswith("-01-02"):
        note += " · " + i18n.label("kpi_jan_feb", q.lang)
    return {
        "available": True,
        "period": q.period,
        "release": release if scope == "official" else q.period,
        "scope": scope,
        "note": note,
        "tiles": tiles,
    }


def _dedupe(points: list[Point]) -> list[Point]:
    """The last point of each period (a nowcast's growth replaced by the latest published)."""
    by_period = {p.period: p for p in points}
    return list(by_period.values())


def district_map(metrics: Metrics, q: Query) -> dict[str, Any]:
    """Year-on-year growth of retail sales by district, for the map: the districts' official
    figures where the bureau publishes them (published growth, or the one model's estimate
    for a month not yet published, said so), else the feeds' sample (said so)."""
    if not metrics.built or not q.period:
        return missing(BUILD_HINT)
    official = [] if q.category else metrics.official_across(RETAIL, release_period(q.period))
    try:
        sample = metrics.across(RETAIL, q.period, by="district", within=Cut(category=q.category))
    except CutNotBuilt:
        if not official:
            return not_built()
        sample = []
    # Each district on the official scale where the bureau publishes it, else its sample.
    rows = {r["key"]: {**r, "scope": "sample"} for r in sample}
    rows |= {r["key"]: {**r, "scope": "official"} for r in official}
    estimated = " · " + i18n.label("kpi_nowcast", q.lang)
    sample_note = " · " + i18n.label("kpi_scope_sample", q.lang)
    items = []
    for row in rows.values():
        d = reference.district(row["key"])
        text = i18n.money(row["value"], q.lang)
        if row["scope"] == "sample":
            text += sample_note
        elif row.get("status") != "published":
            text += estimated
        items.append(
            {
                "code": d.code,
                "name": d.name_zh,
                "label": i18n.name_of(d, q.lang),
                "value": row["yoy_pct"],
                "level": row["value"],
                "level_text": text,
                "scope": row["scope"],
                # the small-cell rules judge the sample; an official figure is the scale
                "yoy_se": row.get("yoy_se") if row["scope"] == "sample" else None,
                "status": row.get("status") if row["scope"] == "sample" else "official",
                "reliable": row["scope"] != "sample" or row.get("status") == "ok",
            }
        )
    scope = "official" if official else "sample"
    name_map = {d.name_zh: i18n.name_of(d, q.lang) for d in reference.districts()}
    scale = [i["value"] for i in items if i["reliable"] and i["value"] is not None]
    return {
        "available": bool(items),
        "hint": BUILD_HINT,
        "scope": scope,
        "note": i18n.label("trend_official" if scope == "official" else "kpi_scope_sample", q.lang),
        "period": q.period,
        "chosen": q.district,
        "breaks": quantile_breaks(scale),
        "items": items,
        "name_map": name_map,
        "map_url": "/static/vendor/chongqing.geojson",
    }


def trend(metrics: Metrics, q: Query) -> dict[str, Any]:
    """The cut's official retail sales: published, the nowcast and the forecast fan (80 % and
    95 %), in 亿元 / billion yuan; the feeds' sample (``sample_trend``) only where the bureau
    publishes nothing for the cut, and then labelled as the sample."""
    official = metrics.official_estimates(RETAIL, q.cut)
    if not official:
        if q.cut.name == "city":
            return missing(OFFICIAL_HINT)
        return sample_trend(metrics, q)
    top = max((r["hi95"] or r["value"] or 0) for r in official)
    divisor, unit = i18n.money_unit(top, q.lang)

    def scaled(v: float | None) -> float | None:
        return None if v is None else round(v / divisor, 3)

    everything = [r for r in official if r["status"] == "published"]
    published = [r for r in everything if _within(r["period"], q)]
    # The forecast follows the last month shown, so only a range that runs to the end has it.
    cut_short = bool(q.end and everything and q.end < everything[-1]["period"])
    ahead = [] if cut_short else [r for r in official if r["status"] != "published"]
    if not published and not ahead:
        return missing(OFFICIAL_HINT)
    nowcast = [r["period"] for r in ahead if r["status"] == "nowcast"]
    methods = sorted({r["method"] for r in ahead})
    values = {r["period"]: r["value"] for r in everything}
    return {
        "available": True,
        "scope": "official",
        "unit": unit,
        **_range_fields([r["period"] for r in published], values, q, scaled),
        "actual": [[r["period"], scaled(r["value"])] for r in published],
        "forecast": [
            [r["period"], *(scaled(r[k]) for k in ("value", "lo80", "hi80", "lo95", "hi95"))]
            for r in ahead
        ],
        "nowcast": nowcast,
        "forecast_hint": None if ahead or cut_short else OFFICIAL_HINT,
        "note": i18n.label("trend_official", q.lang),
        "model": ", ".join(methods) or None,
        "method_note": ahead[0]["note"] if ahead else None,
    }


def sample_trend(metrics: Metrics, q: Query) -> dict[str, Any]:
    """Monthly retail sales of the cut in the feeds' sample, with the feed's own forecast fan:
    the sample's scale, labelled as such (never under an official label)."""
    try:
        points = metrics.series(RETAIL, q.cut)
    except CutNotBuilt:
        return not_built()
    if not points:
        return missing(BUILD_HINT)
    everything = {p.period: p.value for p in points}
    points = [p for p in points if _within(p.period, q)]
    if not points:
        return missing(BUILD_HINT)
    # The forecast follows the last month shown, so only a range that runs to the end has it.
    fc = metrics.forecast(RETAIL, q.cut) if not q.end or q.end >= max(everything) else []
    top = max([p.value or 0 for p in points] + [r["hi95"] or 0 for r in fc])
    divisor, unit = i18n.money_unit(top, q.lang)

    def scaled(v: float | None) -> float | None:
        return None if v is None else round(v / divisor, 3)

    return {
        "available": True,
        "scope": "sample",
        "unit": unit,
        "actual": [[p.period, scaled(p.value)] for p in points],
        "forecast": [
            [r["period"], *(scaled(r[k]) for k in ("mean", "lo80", "hi80", "lo95", "hi95"))]
            for r in fc
        ],
        # Forecasts are by district or by category: none is coming for both at once.
        "forecast_hint": None if fc or q.cut.name == DISTRICT_CATEGORY else FORECAST_HINT,
        "note": i18n.label("kpi_scope_sample", q.lang),
        "model": fc[0]["model"] if fc else None,
        **_range_fields([p.period for p in points], everything, q, scaled),
    }


def _within(period: str, q: Query) -> bool:
    """Whether a month lies in the trend's chosen range (either end may be open)."""
    return (not q.start or period >= q.start) and period <= (q.end or "~")


def _range_fields(
    periods: list[str],
    values: dict[str, float | None],
    q: Query,
    scaled: Callable[[float | None], float | None],
) -> dict[str, Any]:
    """The months shown, and (asked with compare) the same months a year before."""
    return {
        "range": [periods[0], periods[-1]] if periods else None,
        "last_year": [[p, scaled(values.get(_year_before(p)))] for p in periods]
        if q.compare
        else None,
    }


def _year_before(period: str) -> str:
    """'2025-03' → '2024-03'."""
    return f"{int(period[:4]) - 1}{period[4:]}"


def by_category(metrics: Metrics, q: Query) -> dict[str, Any]:
    """Retail sales of every category in the month (of the chosen district, from the
    district × category cut), with year-on-year growth."""
    if not metrics.built or not q.period:
        return missing(BUILD_HINT)
    try:
        rows = metrics.across(RETAIL, q.period, by="category", within=Cut(district=q.district))
    except CutNotBuilt:
        return not_built()
    if not rows:
        return missing(BUILD_HINT)
    return {**_category_bars(rows, q), "district": q.district}


def _category_bars(rows: list[dict[str, Any]], q: Query) -> dict[str, Any]:
    """Category bars (largest first) from ``Metrics.across(..., by="category")`` rows, with
    each figure's growth, standard error and disclosure status."""
    divisor, unit = i18n.money_unit(max(r["value"] or 0 for r in rows), q.lang)
    items = [
        {
            "code": r["key"],
            "label": i18n.name_of(reference.category(r["key"]), q.lang),
            "value": None if r["value"] is None else round(r["value"] / divisor, 3),
            "value_se": None if r["value_se"] is None else round(r["value_se"] / divisor, 3),
            "yoy_pct": r["yoy_pct"],
            "yoy_se": r["yoy_se"],
            "status": r["status"],
        }
        for r in rows
    ]
    items.sort(key=lambda item: item["value"] or 0, reverse=True)
    return {"available": True, "unit": unit, "period": q.period, "items": items}


def area_of(district: str, area: str) -> reference.BusinessDistrict:
    """The business district ``area`` (its code in business_districts.csv) of ``district``;
    ``NotFound`` for an unknown district or area, or an area of another district."""
    try:
        code = reference.current_district_code(district)
    except reference.ReferenceError:
        raise NotFound(f"no district {district!r}", field="path.code") from None
    for b in reference.business_districts():
        if b.code == area and b.district_code == code:
            return b
    raise NotFound(f"no business district {area!r} in district {code}", field="path.area")


def area_categories(metrics: Metrics, q: Query, area: reference.BusinessDistrict) -> dict[str, Any]:
    """Retail sales of every category of one business district (商圈) in the month, from the
    business district × category cut, with growth, standard errors and status."""
    if not metrics.built or not q.period:
        return missing(BUILD_HINT)
    within = Cut(business_district=area.code)
    try:
        rows = metrics.across(RETAIL, q.period, by="category", within=within)
    except CutNotBuilt:
        return not_built()
    if not rows:
        return missing(BUILD_HINT)
    return {
        **_category_bars(rows, q),
        "district": area.district_code,
        "business_district": area.code,
    }


def digital_structure(metrics: Metrics, q: Query) -> dict[str, Any]:
    """Digital consumption by the four types of the Guiding Opinions, every month."""
    if q.district or q.category:
        return not_built()
    rows = metrics.by_type_over_time()
    if not rows:
        return missing(BUILD_HINT)
    divisor, unit = i18n.money_unit(max(r["value"] or 0 for r in rows), q.lang)
    periods = sorted({r["period"] for r in rows})
    series = []
    for code in reference.DIGITAL_TYPES:
        values = {r["period"]: r["value"] for r in rows if r["digital_type"] == code}
        series.append(
            {
                "code": code,
                "label": i18n.label(code, q.lang),
                "values": [
                    None if values.get(p) is None else round(values[p] / divisor, 3)
                    for p in periods
                ],
            }
        )
    return {"available": True, "unit": unit, "periods": periods, "series": series}


def business_districts(metrics: Metrics, q: Query) -> dict[str, Any]:
    """Retail sales of the business districts (商圈) of the chosen district in the month
    (of the whole city when no district is chosen, as the big screen's ranking board)."""
    if not metrics.built or not q.period:
        return missing(BUILD_HINT)
    wanted = {
        b.code: b
        for b in reference.business_districts()
        if not q.district or b.district_code == q.district
    }
    rows = [
        r for r in metrics.across(RETAIL, q.period, by="business_district") if r["key"] in wanted
    ]
    if not rows:
        return missing(BUILD_HINT)
    divisor, unit = i18n.money_unit(max(r["value"] or 0 for r in rows), q.lang)
    items = [
        {
            "code": r["key"],
            "label": i18n.name_of(wanted[r["key"]], q.lang),
            "value": None if r["value"] is None else round(r["value"] / divisor, 3),
            "yoy_pct": r["yoy_pct"],
            "yoy_se": r["yoy_se"],
            "status": r["status"],
        }
        for r in rows
    ]
    items.sort(key=lambda item: item["value"] or 0, reverse=True)
    return {
        "available": True,
        "unit": unit,
        "period": q.period,
        "district": q.district,
        "items": items,
    }


def order_list(
    raw: dict[str, Any], lang: Lang, warnings: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """Order + List for the chart (List totals by month) and the table (each enterprise)."""
    if not raw["available"]:
        return raw
    totals = raw["totals"]
    divisor, unit = i18n.money_unit(max(max(v) for v in totals.values()), lang)
    names = {
        "orders_in_hand_fen": ("在手订单", "Orders in hand"),
        "new_orders_fen": ("新增订单", "New orders"),
        "export_value_fen": ("出口额", "Exports"),
    }
    series = [
        {"label": names[key][lang == "en"], "values": [round(v / divisor, 3) for v in values]}
        for key, values in totals.items()
    ]
    last = raw["periods"][-1]
    year_before = _year_before(last)
    rows = []
    for e in raw["enterprises"]:
        orders = e["new_orders"]
        now, before = orders.get(last), orders.get(year_before)
        change = None if not now or not before else round((now / before - 1) * 100, 1)
        rows.append(
            {
                "id": e["id"],
                "name": e["name"],
                "district": i18n.name_of(reference.district(e["district_code"]), lang),
                "latest_text": i18n.money(now, lang),
                "yoy_pct": change,
                "trend": [orders.get(p) for p in raw["periods"]],
                "warnings": (warnings or {}).get(e["id"], []),
            }
        )
    rows.sort(key=lambda r: (r["yoy_pct"] is None, r["yoy_pct"] or 0))
    return {
        "available": True,
        "x": raw["periods"],
        "unit": unit,
        "series": series,
        "period": last,
        "enterprises": rows,
    }
