"""The JSON behind every chart of the cockpit's pages (``/api/cockpit/...``).

Each answer is ``{"available": true, ...}`` or ``{"available": false, "hint": "<command>"}``
when the data it needs has not been built yet. Money is scaled to the unit named in
``unit`` (亿元 / billion yuan ...), chosen for the language asked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from cockpit import sheets
from cockpit.access import Invalid
from cockpit.web import dataviews, i18n, rooms, scenarioviews, views
from cockpit.web.auth import allow
from cockpit.web.deps import LangDep, MetricsDep, QueryDep, ScopeDep
from cockpit.web.metrics import Metrics
from cockpit.web.schemas import Chart, Periods
from cockpit.web.tablecache import current_lake

router = APIRouter(prefix="/api/cockpit", tags=["cockpit"])

Json = dict[str, Any]
# What the indicator charts read: their answers are kept until one of these is rewritten.
BUILT = ("indicator_values", "indicator_official", "official_estimates", "forecasts")
TRADE = ("trade_enterprises", "trade_orders")


def cached(
    metrics: Metrics, name: str, q: views.Query, view: Callable[[Metrics, views.Query], Json]
) -> Json:
    """``view(metrics, q)``, remembered until a built table changes (``cockpit build``)."""
    return metrics.lake.memo(BUILT, f"{name}:{q}", lambda: view(metrics, q))


@router.get("/periods", dependencies=[allow("cockpit.read")], response_model=Periods)
def periods(metrics: MetricsDep) -> Json:
    """Months with built indicators, oldest first."""
    found = metrics.periods()
    return {"available": bool(found), "hint": "cockpit build", "data": found, "count": len(found)}


@router.get("/kpis", dependencies=[allow("cockpit.read")], response_model=Chart)
def kpis(q: QueryDep, metrics: MetricsDep) -> Json:
    """KPI tiles: retail sales month and YTD, YoY, digital and online shares, with trends."""
    return cached(metrics, "kpis", q, views.kpis)


@router.get("/district-growth", dependencies=[allow("cockpit.read")], response_model=Chart)
def district_growth(q: QueryDep, metrics: MetricsDep) -> Json:
    """Year-on-year growth of retail sales by district in the month (the map)."""
    return cached(metrics, "district_growth", q, views.district_map)


@router.get("/trend", dependencies=[allow("cockpit.read")], response_model=Chart)
def trend(q: QueryDep, metrics: MetricsDep) -> Json:
    """Monthly retail sales of the cut with the forecast and its 80/95 % bands."""
    return cached(metrics, "trend", q, views.trend)


@router.get("/sample-trend", dependencies=[allow("cockpit.read")], response_model=Chart)
def sample_trend(q: QueryDep, metrics: MetricsDep) -> Json:
    """The feeds' sample of the cut, monthly, with its own forecast (labelled as the sample)."""
    return cached(metrics, "sample_trend", q, views.sample_trend)


@router.get("/categories", dependencies=[allow("cockpit.read")], response_model=Chart)
def categories(q: QueryDep, metrics: MetricsDep) -> Json:
    """Retail sales by category in the month."""
    return cached(metrics, "categories", q, views.by_category)


@router.get("/business-districts", dependencies=[allow("cockpit.read")], response_model=Chart)
def business_districts(q: QueryDep, metrics: MetricsDep) -> Json:
    """Retail sales of the chosen district's business districts (商圈) in the month."""
    return cached(metrics, "business_districts", q, views.business_districts)


@router.get(
    "/districts/{code}/areas/{area}/categories",
    dependencies=[allow("cockpit.read")],
    response_model=Chart,
)
def area_categories(code: str, area: str, q: QueryDep, metrics: MetricsDep) -> Json:
    """Retail sales by category of one business district (商圈, its code in
    business_districts.csv) of the district in the month; 404 for an unknown area or one
    of another district."""
    found = views.area_of(code, area)
    return cached(
        metrics,
        f"area_categories:{found.code}",
        q,
        lambda m, query: views.area_categories(m, query, found),
    )


@router.get("/digital-structure", dependencies=[allow("cockpit.read")], response_model=Chart)
def digital_structure(q: QueryDep, metrics: MetricsDep) -> Json:
    """Digital consumption by the four types, every month."""
    return cached(metrics, "digital_structure", q, views.digital_structure)


@router.get("/data/ingests", dependencies=[allow("data.read")], response_model=Chart)
def ingests(limit: Annotated[int, Query(ge=1, le=500)] = 20) -> Json:
    """The latest ingests, newest first."""
    lake = current_lake()
    return lake.memo("ingests", f"last-{limit}", lambda: dataviews.last_ingests(lake, limit=limit))


@router.get("/data/freshness", dependencies=[allow("data.read")], response_model=Chart)
def freshness() -> Json:
    """Per source: last ingest, latest month, days since."""
    lake = current_lake()
    today = date.today()
    return lake.memo("ingests", f"fresh-{today}", lambda: dataviews.freshness(lake, today=today))


@router.get("/data/quarantine", dependencies=[allow("data.read")], response_model=Chart)
def quarantine(scope: ScopeDep) -> Json:
    """Quarantined rows counted by source and reason (of the caller's districts)."""
    lake = current_lake()
    counts = lambda: dataviews.quarantine_counts(lake, scope=scope)  # noqa: E731
    return lake.memo(("quarantine", "merchants"), f"counts:{scope.key}", counts)


@router.get("/data/quarantine/rows", dependencies=[allow("records.read")], response_model=Chart)
def quarantine_rows(
    scope: ScopeDep, source: str = "", reason: str = "", offset: Annotated[int, Query(ge=0)] = 0
) -> Json:
    """The quarantined rows themselves (a page of them, of the caller's districts)."""
    return dataviews.quarantine_rows(
        current_lake(), source=source, reason=reason, offset=offset, scope=scope
    )


@router.get("/alerts/open", dependencies=[allow("cockpit.read")], response_model=Chart)
def open_alerts(
    lang: LangDep,
    scope: ScopeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 10,
    district: str = "",
) -> Json:
    """The latest open alerts (of one district: its code in the alert's subject); alerts about
    a firm only of the caller's districts."""
    return rooms.open_alerts(lang=lang, limit=limit, district=district, scope=scope)


@router.get("/plans/gauges", dependencies=[allow("cockpit.read")], response_model=Chart)
def plan_gauges(lang: LangDep, plan: str = "") -> Json:
    """Progress of the headline targets of the plans still running (or of ``plan``, its id,
    ended or not), for the gauges; every target in ``all``."""
    return rooms.plan_gauges(lang=lang, plan=plan)


@router.get("/plans/trajectory", dependencies=[allow("cockpit.read")], response_model=Chart)
def plan_trajectory(lang: LangDep, target: str = "") -> Json:
    """One target (``plan_id/target_id``): required trajectory, actual, projection."""
    return rooms.plan_trajectory(lang=lang, key=target)


@router.get("/alerts/order-list", dependencies=[allow("records.read")], response_model=Chart)
def order_list(lang: LangDep, scope: ScopeDep) -> Json:
    """Order + List: the key trade enterprises' orders in hand and new orders, by month
    (named enterprises of the caller's districts)."""
    lake = current_lake()
    raw = lake.memo(
        TRADE, f"order-list:{scope.key}", lambda: dataviews.order_list(lake, scope=scope)
    )
    if not raw["available"]:
        return raw
    warnings = lake.memo(
        "trade_orders", f"warnings-{lang}", lambda: rooms.orderlist_warnings(lang=lang)
    )
    return views.order_list(raw, lang, warnings)


@router.get("/programmes/budgets", dependencies=[allow("programmes.read")], response_model=Chart)
def programme_budgets(lang: LangDep) -> Json:
    """Budget, vouchers issued, voucher value redeemed and budget left of every programme."""
    return rooms.programme_chart(lang=lang)


@router.get("/programmes/burndown", dependencies=[allow("programmes.read")], response_model=Chart)
def programme_burndown(lang: LangDep, programme: str = "") -> Json:
    """Budget burn-down of one programme (its code; default the first): budget left,
    committed and spent over time, from the programmes ledger."""
    return rooms.programme_burndown(lang=lang, programme=programme)


@router.get("/scenarios/sectors", dependencies=[allow("cockpit.read")], response_model=Chart)
def scenario_sectors(lang: LangDep) -> Json:
    """Scenario needs counted by sector."""
    return scenarioviews.sector_counts(lang=lang)


@router.get("/scenarios/list", dependencies=[allow("cockpit.read")], response_model=Chart)
def scenario_list(lang: LangDep, sector: str = "", district: str = "") -> Json:
    """The scenario list, filtered by sector and district."""
    return scenarioviews.scenario_list(lang=lang, sector=sector, district=district)


@router.get("/scenarios/{scenario_id}", dependencies=[allow("cockpit.read")], response_model=Chart)
def scenario_detail(lang: LangDep, scenario_id: str) -> Json:
    """One scenario's calls with their timelines, and its best-matching solutions."""
    return scenarioviews.scenario_detail(lang=lang, scenario_id=scenario_id)


EXPORT_TYPES = {
    "csv": ("text/csv; charset=utf-8", sheets.to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", sheets.to_xlsx),
}
MAX_EXPORT_ROWS = 100_000
MAX_EXPORT_COLUMNS = 200


class ExportTable(BaseModel):
    """A chart's data or a page's table, as the page holds it, to be saved as a file."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    subtitle: str = Field(default="", max_length=500)
    columns: list[Annotated[str, Field(max_length=200)]] = Field(
        min_length=1, max_length=MAX_EXPORT_COLUMNS
    )
    rows: list[list[str | int | float | None]] = Field(max_length=MAX_EXPORT_ROWS)


@router.post(
    "/export.{kind}",
    dependencies=[allow("cockpit.read")],
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            }
        }
    },
)
def export_table(kind: Literal["csv", "xlsx"], table: ExportTable, lang: LangDep) -> Response:
    """Any table or chart data of the pages as CSV or Excel (formula-safe cells, the title,
    filters, source and date in the workbook). One endpoint for every download button."""
    if any(len(row) > len(table.columns) for row in table.rows):
        raise Invalid("a row has more cells than there are columns", field="body.rows")
    media, write = EXPORT_TYPES[kind]
    sheet = sheets.Sheet(
        title=table.title,
        subtitle=table.subtitle,
        columns=table.columns,
        rows=table.rows,
        source=i18n.label("source_data", lang),
    )
    name = f"{table.title} {table.subtitle}".strip()
    return Response(write(sheet), media_type=media, headers=_attachment(name, kind))


def _attachment(name: str, ext: str) -> dict[str, str]:
    """A download's file name: ASCII fallback plus the real (Chinese) name, RFC 6266."""
    ascii_name = "".join(c if c.isascii() and c.isalnum() else "-" for c in name).strip("-")
    fallback = (ascii_name or "cockpit")[:80] + "." + ext
    real = quote(f"{name[:120]}.{ext}")
    return {"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{real}"}
