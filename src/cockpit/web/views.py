"""What each chart and tile of the cockpit shows, as JSON-ready dicts.

Every function returns ``{"available": False, "hint": "<command to run>"}`` when the data
behind it has not been built yet, so pages say so instead of drawing made-up numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cockpit import reference
from cockpit.web import i18n
from cockpit.web.i18n import Lang
from cockpit.web.metrics import (
    BUILD_HINT,
    DIGITAL_SHARE,
    DISTRICT_CATEGORY,
    FORECAST_HINT,
    ONLINE_SHARE,
    RETAIL,
    Cut,
    CutNotBuilt,
    Metrics,
    Point,
)

SPARK_MONTHS = 24


@dataclass(frozen=True)
class Query:
    """The filters of a view, as kept in the URL."""

    lang: Lang
    period: str = ""
    district: str = ""
    category: str = ""

    @property
    def cut(self) -> Cut:
        return Cut(district=self.district, category=self.category)


def missing(hint: str) -> dict[str, Any]:
    return {"available": False, "hint": hint}


def not_built() -> dict[str, Any]:
    """The build has not made this cut (district × category before it was added, or a
    combination the indicators never build, such as digital type by district)."""
    return {"available": False, "reason": "cut_not_built", "hint": BUILD_HINT}


def resolve_period(metrics: Metrics, wanted: str) -> str:
    """``wanted`` if it was built, else the latest built month ('' if none)."""
    periods = metrics.periods()
    if wanted in periods:
        return wanted
    return periods[-1] if periods else ""


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


def _city_totals(metrics: Metrics) -> tuple[list[Point], list[Point], set[str]]:
    """The city's month and year-to-date totals (published, else nowcast), nowcast months.

    Year-on-year growth is the published rate; none is derived from levels (NBS's scope
    differs from a sum of ours), so nowcast months and year-to-date sums carry none.
    """
    rows = metrics.calibrated()
    growth = {p.period: p.yoy_pct for p in metrics.official(RETAIL)}
    months = [Point(r["period"], r["value"], growth.get(r["period"])) for r in rows]
    ytd: list[Point] = []
    running, year = 0.0, ""
    for p in months:
        running = (p.value or 0) + (running if p.period[:4] == year else 0)
        year = p.period[:4]
        ytd.append(Point(p.period, running, None))
    nowcast = {r["period"] for r in rows if r["status"] != "published"}
    return months, ytd, nowcast | {r["period"] + "*" for r in rows if r["jan_feb"]}


def kpis(metrics: Metrics, q: Query) -> dict[str, Any]:
    """The five KPI tiles of the overview, each with its trend.

    For the whole city, retail sales are the city's total (published, or the calibrated
    nowcast); for a district or category, the feeds' sample, which is what is built there.
    """
    if not metrics.built or not q.period:
        return missing(BUILD_HINT)
    cut = q.cut
    try:
        retail = metrics.series(RETAIL, cut)
    except CutNotBuilt:
        return not_built()
    ytd = metrics.ytd_series(RETAIL, cut)
    nowcast: set[str] = set()
    scope = "sample"
    if not q.district and not q.category:
        months, city_ytd, nowcast = _city_totals(metrics)
        if any(p.period == q.period for p in months):
            retail, ytd, scope = months, city_ytd, "city_total"
    yoy = [Point(p.period, p.yoy_pct, None) for p in retail]
    tiles = [
        _tile("kpi_retail_month", retail, q, money=True),
        _tile("kpi_retail_ytd", ytd, q, money=True),
        _tile("kpi_yoy", yoy, q, money=False),
        _tile("kpi_digital_share", metrics.series(DIGITAL_SHARE, cut), q, money=False),
        _tile("kpi_online_share", metrics.series(ONLINE_SHARE, cut), q, money=False),
    ]
    note = i18n.label("kpi_nowcast" if q.period in nowcast else f"kpi_scope_{scope}", q.lang)
    if q.period + "*" in nowcast:
        note += " · " + i18n.label("kpi_jan_feb", q.lang)
    return {"available": True, "period": q.period, "scope": scope, "note": note, "tiles": tiles}


def district_map(metrics: Metrics, q: Query) -> dict[str, Any]:
    """Year-on-year growth of retail sales by district, for the map."""
    if not metrics.built or not q.period:
        return missing(BUILD_HINT)
    try:
        rows = metrics.across(RETAIL, q.period, by="district", within=Cut(category=q.category))
    except CutNotBuilt:
        return not_built()
    items = []
    for row in rows:
        d = reference.district(row["key"])
        items.append(
            {
                "code": d.code,
                "name": d.name_zh,
                "label": i18n.name_of(d, q.lang),
                "value": row["yoy_pct"],
                "level_text": i18n.money(row["value"], q.lang),
            }
        )
    name_map = {d.name_zh: i18n.name_of(d, q.lang) for d in reference.districts()}
    return {
        "available": bool(items),
        "hint": BUILD_HINT,
        "period": q.period,
        "items": items,
        "name_map": name_map,
        "map_url": "/static/vendor/chongqing.geojson",
    }


def trend(metrics: Metrics, q: Query) -> dict[str, Any]:
    """Monthly retail sales of the cut with the forecast fan (80 % and 95 % bands)."""
    try:
        points = metrics.series(RETAIL, q.cut)
    except CutNotBuilt:
        return not_built()
    if not points:
        return missing(BUILD_HINT)
    fc = metrics.forecast(RETAIL, q.cut)
    top = max([p.value or 0 for p in points] + [r["hi95"] or 0 for r in fc])
    divisor, unit = i18n.money_unit(top, q.lang)

    def scaled(v: float | None) -> float | None:
        return None if v is None else round(v / divisor, 3)

    return {
        "available": True,
        "unit": unit,
        "actual": [[p.period, scaled(p.value)] for p in points],
        "forecast": [
            [r["period"], *(scaled(r[k]) for k in ("mean", "lo80", "hi80", "lo95", "hi95"))]
            for r in fc
        ],
        # Forecasts are by district or by category: none is coming for both at once.
        "forecast_hint": None if fc or q.cut.name == DISTRICT_CATEGORY else FORECAST_HINT,
        # Forecasts are of the feeds' sample, so the trend stays on that scale beside them.
        "note": i18n.label("kpi_scope_sample", q.lang),
        "model": fc[0]["model"] if fc else None,
    }


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
    divisor, unit = i18n.money_unit(max(r["value"] or 0 for r in rows), q.lang)
    items = [
        {
            "code": r["key"],
            "label": i18n.name_of(reference.category(r["key"]), q.lang),
            "value": round((r["value"] or 0) / divisor, 3),
            "yoy_pct": r["yoy_pct"],
        }
        for r in rows
    ]
    items.sort(key=lambda item: item["value"], reverse=True)
    return {
        "available": True,
        "unit": unit,
        "period": q.period,
        "district": q.district,
        "items": items,
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
    """Retail sales of the business districts (商圈) of the chosen district in the month."""
    if not metrics.built or not q.period:
        return missing(BUILD_HINT)
    wanted = {b.code: b for b in reference.business_districts() if b.district_code == q.district}
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
            "value": round((r["value"] or 0) / divisor, 3),
            "yoy_pct": r["yoy_pct"],
        }
        for r in rows
    ]
    return {"available": True, "unit": unit, "period": q.period, "items": items}


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
    year_before = f"{int(last[:4]) - 1}{last[4:]}"
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
