"""The cockpit's pages (server-rendered with Jinja2) and its static files, ECharts included.

Every chart on a page fetches one ``/api/...`` endpoint; the pages themselves only lay
out tiles and tables. ``?lang=`` switches language and is remembered in a cookie.
"""

from __future__ import annotations

import mimetypes
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from cockpit import reference
from cockpit.format import SHANGHAI
from cockpit.web import assets, dataviews, guard, i18n, rooms, scenarioviews, views
from cockpit.web.auth import allow
from cockpit.web.deps import LangDep, MetricsDep, QueryDep, ScopeDep
from cockpit.web.routes import workspace as workspace_api
from cockpit.web.routes.workspace import PageListDep
from cockpit.web.tablecache import current_lake
from cockpit.web.views import Query

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))

NAV = (
    # (page, path, whether the link keeps the period/district/category filters)
    ("overview", "/", True),
    ("districts", "/districts", True),
    ("categories", "/categories", True),
    ("plans", "/plans", False),
    ("alerts", "/alerts", False),
    ("programmes", "/programmes", False),
    ("scenarios", "/scenarios", False),
    ("industry", "/industry", False),
    ("data", "/data", False),
    ("bulletins", "/bulletins", False),
    ("bigscreen", "/bigscreen", True),
)
COOKIE_AGE = 365 * 24 * 3600
CACHE_VENDOR = {"Cache-Control": "max-age=86400"}


def _filters(q: Query) -> dict[str, str]:
    return {
        "period": q.period,
        "district": q.district,
        "category": q.category,
        "from": q.start,
        "to": q.end,
        "compare": "1" if q.compare else "",
    }


def chart_query(q: Query) -> str:
    """The query string every chart of a page fetches with: the page's filters and language."""
    return urlencode({k: v for k, v in {**_filters(q), "lang": q.lang}.items() if v})


FILTERED_PAGES = frozenset({"overview", "districts", "categories", "bigscreen"})


def scope_text(q: Query, page: str, *, city: bool = False, months: str = "") -> str:
    """What a chart shows, in words: the place (the city for a map of every district), the
    category, and the month (or ``months`` for a trend)."""
    if page not in FILTERED_PAGES:
        return ""
    lang = q.lang
    place = (
        i18n.name_of(reference.district(q.district), lang)
        if q.district and not city
        else i18n.label("filter_all_districts", lang)
    )
    parts = [place]
    if q.category:
        parts.append(i18n.name_of(reference.category(q.category), lang))
    parts.append(months or q.period)
    return " · ".join(p for p in parts if p)


def scopes(q: Query, page: str) -> dict[str, str]:
    """The subtitle of each kind of chart: a month's picture, a map, a trend."""
    return {
        "month": scope_text(q, page),
        "map": scope_text(q, page, city=True),
        "trend": scope_text(q, page, months=range_text(q) or i18n.label("all_months", q.lang)),
    }


def range_text(q: Query) -> str:
    """The months a trend shows when a range is chosen, and whether last year is beside it."""
    if not (q.start or q.end or q.compare):
        return ""
    text = f"{q.start or '…'} – {q.end or '…'}" if q.start or q.end else ""
    if q.compare:
        text = " · ".join(filter(None, [text, i18n.label("series_last_year", q.lang)]))
    return text


EMPTY_FILTERS = {
    "period": "",
    "district": "",
    "category": "",
    "from": "",
    "to": "",
    "compare": "",
}


def render_page(
    request: Request, template: str, lang: i18n.Lang, page: str, **extra: Any
) -> Response:
    """A page in ``lang`` with the signed-in principal and the session's CSRF token."""
    who = getattr(request.state, "principal", None)
    context = {
        "lang": lang,
        "t": lambda key: i18n.label(key, lang),
        "labels": i18n.labels(lang),
        "codes": i18n.code_texts(lang),
        "page": page,
        "nav": NAV,
        "q": None,
        "filters": EMPTY_FILTERS,
        "scope": "",
        "scopes": {},
        "qs": "",
        "range_text": "",
        "made_at": datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        "who": who,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "districts": [(d.code, i18n.name_of(d, lang)) for d in reference.districts()],
        "categories": [(c.code, i18n.name_of(c, lang)) for c in reference.categories()],
        "map_credit": assets.MAP_CREDIT,
        "money": lambda fen: i18n.money(fen, lang),
        "code": lambda kind, value: i18n.code(kind, value, lang),
        **extra,
    }
    response = templates.TemplateResponse(request, template, context)
    if "lang" in request.query_params:
        response.set_cookie(i18n.LANG_COOKIE, lang, max_age=COOKIE_AGE, samesite="lax")
    return response


def render(request: Request, template: str, q: Query, page: str, **extra: Any) -> Response:
    """A page of the cockpit in ``q.lang`` with its filters, and what each chart shows."""
    return render_page(
        request,
        template,
        q.lang,
        page,
        q=q,
        filters=_filters(q),
        scope=scope_text(q, page),
        scopes=scopes(q, page),
        qs=chart_query(q),
        range_text=range_text(q),
        **extra,
    )


@router.get("/", response_class=HTMLResponse, dependencies=[allow("cockpit.read")])
def overview(request: Request, q: QueryDep, metrics: MetricsDep) -> Response:
    return render(request, "overview.html", q, "overview", periods=metrics.periods())


@router.get("/districts", response_class=HTMLResponse, dependencies=[allow("cockpit.read")])
def districts(request: Request, q: QueryDep, metrics: MetricsDep) -> Response:
    district = reference.district(q.district) if q.district else None
    return render(
        request, "districts.html", q, "districts", periods=metrics.periods(), district=district
    )


@router.get(
    "/districts/{code}/areas/{area}",
    response_class=HTMLResponse,
    dependencies=[allow("cockpit.read")],
)
def area(request: Request, code: str, area: str, q: QueryDep, metrics: MetricsDep) -> Response:
    """One business district (商圈) of a district: its categories in the month, under the
    breadcrumbs city → district → business district."""
    found = views.area_of(code, area)
    q = replace(q, district=found.district_code, category="", start="", end="", compare=False)
    place = reference.district(found.district_code)
    scope = " · ".join([i18n.name_of(place, q.lang), i18n.name_of(found, q.lang), q.period])
    return render(
        request,
        "area.html",
        q,
        "districts",
        periods=metrics.periods(),
        district=place,
        area=found,
        area_scope=scope,
        api=f"/api/cockpit/districts/{found.district_code}/areas/{found.code}/categories",
    )


@router.get("/categories", response_class=HTMLResponse, dependencies=[allow("cockpit.read")])
def categories(request: Request, q: QueryDep, metrics: MetricsDep) -> Response:
    return render(request, "categories.html", q, "categories", periods=metrics.periods())


@router.get("/plans", response_class=HTMLResponse, dependencies=[allow("cockpit.read")])
def plans(request: Request, q: QueryDep, target: str = "", plan: str = "") -> Response:
    gauges = rooms.plan_gauges(lang=q.lang, plan=plan)
    return render(request, "plans.html", q, "plans", gauges=gauges, target=target, plan=plan)


@router.get("/alerts", response_class=HTMLResponse, dependencies=[allow("cockpit.read")])
def alerts(request: Request, q: QueryDep, scope: ScopeDep) -> Response:
    found = rooms.alerts(lang=q.lang, limit=200, scope=scope)
    return render(request, "alerts.html", q, "alerts", alerts=found)


@router.get("/programmes", response_class=HTMLResponse, dependencies=[allow("programmes.read")])
def programmes(
    request: Request, q: QueryDep, scope: ScopeDep, chosen: PageListDep, programme: str = ""
) -> Response:
    """Budgets and burn-down; for the officer, the workspace: create a programme, release
    (four eyes) and close rounds, what waits for a check, flags, and the claims and
    redemptions lists (of the caller's districts) with filters and downloads."""
    who = request.state.principal
    listing = rooms.programmes(lang=q.lang)
    # Anti-fraud flags are person- and merchant-level: for readers of flags, in their scope.
    workspace = rooms.programme_workspace(
        lang=q.lang,
        programme=programme,
        flag_scope=scope if who.can("programmes.inspect") else None,
    )
    lists = approvals = None
    if workspace.get("available"):
        code = workspace["programme"]
        if who.can("records.read"):
            lists = workspace_api.page_records(code, chosen, q.district, scope, q.lang)
        if who.can("programmes.operate"):
            approvals = workspace_api.approvals_of(code, q.lang).rows
    return render(
        request,
        "programmes.html",
        q,
        "programmes",
        programmes=listing,
        programme=programme,
        workspace=workspace,
        lists=lists,
        approvals=approvals,
    )


@router.get("/scenarios", response_class=HTMLResponse, dependencies=[allow("cockpit.read")])
def scenarios(request: Request, q: QueryDep, sector: str = "", scenario: str = "") -> Response:
    listing = scenarioviews.scenario_list(lang=q.lang, sector=sector, district=q.district)
    detail = scenarioviews.scenario_detail(lang=q.lang, scenario_id=scenario)
    return render(
        request,
        "scenarios.html",
        q,
        "scenarios",
        listing=listing,
        detail=detail,
        sector=sector,
        scenario=scenario,
    )


@router.get("/industry", response_class=HTMLResponse, dependencies=[allow("cockpit.read")])
def industry(
    request: Request, q: QueryDep, chain: str = "metaverse", designation: str = ""
) -> Response:
    from cockpit.web import industryviews

    page = industryviews.industry_page(
        chain=chain, district=q.district, designation=designation, lang=q.lang
    )
    return render(request, "industry.html", q, "industry", **page)


@router.get("/data", response_class=HTMLResponse, dependencies=[allow("data.read")])
def data(request: Request, q: QueryDep, scope: ScopeDep) -> Response:
    lake = current_lake()
    return render(
        request,
        "data.html",
        q,
        "data",
        ingests=dataviews.last_ingests(lake),
        freshness=dataviews.freshness(lake),
        quarantine=dataviews.quarantine_counts(lake, scope=scope),
    )


@router.get("/data/quarantine", response_class=HTMLResponse, dependencies=[allow("records.read")])
def quarantine(
    request: Request,
    q: QueryDep,
    scope: ScopeDep,
    source: str = "",
    reason: str = "",
    offset: int = 0,
) -> Response:
    rows = dataviews.quarantine_rows(
        current_lake(), source=source, reason=reason, offset=max(offset, 0), scope=scope
    )
    return render(request, "quarantine.html", q, "data", rows=rows, source=source, reason=reason)


@router.get("/bigscreen", response_class=HTMLResponse, dependencies=[allow("cockpit.read")])
def bigscreen(request: Request, q: QueryDep) -> Response:
    return render(request, "bigscreen.html", q, "bigscreen")


@router.get("/static/vendor/chongqing.geojson", dependencies=[allow("public")])
def chongqing_map() -> Response:
    try:
        return Response(assets.map_bytes(), media_type="application/geo+json", headers=CACHE_VENDOR)
    except assets.AssetsMissing as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc


@router.get("/static/vendor/{name}", dependencies=[allow("public")])
def vendor_file(name: str) -> Response:
    """ECharts and Swagger UI, from static/vendor or node_modules."""
    try:
        path = assets.vendor_path(name)
    except assets.AssetsMissing as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media, headers=CACHE_VENDOR)


@router.get("/docs", dependencies=[allow("public")])
def swagger_ui(lang: LangDep) -> Response:
    """The OpenAPI explorer, with Swagger UI served by the app (no CDN), under the
    cockpit's own bar: the way back to the pages and the language switch."""
    from fastapi.openapi.docs import get_swagger_ui_html

    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=f"{i18n.label('nav_api', lang)} · {i18n.label('app_name', lang)}",
        swagger_js_url="/static/vendor/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )
    bar = templates.get_template("_docsbar.html").render(
        t=lambda key: i18n.label(key, lang), lang=lang
    )
    html = bytes(page.body).decode("utf-8")
    html = html.replace("<html>", f'<html lang="{lang}">', 1).replace("<body>", "<body>" + bar, 1)
    response = HTMLResponse(html)
    response.set_cookie(i18n.LANG_COOKIE, lang, max_age=COOKIE_AGE, samesite="lax")
    # Swagger UI starts from one inline script: allowed by its hash, no other inline script.
    response.headers["Content-Security-Policy"] = guard.CSP.replace(
        "script-src 'self'", f"script-src 'self' {inline_script_hashes(html.encode())}"
    )
    return response


def inline_script_hashes(html: bytes) -> str:
    """CSP sources ('sha256-...') of the inline scripts of ``html``."""
    import base64
    import hashlib
    import re

    scripts = re.findall(rb"<script>(.*?)</script>", html, flags=re.S)
    digests = (base64.b64encode(hashlib.sha256(s).digest()).decode() for s in scripts)
    return " ".join(f"'sha256-{d}'" for d in digests)


@router.get("/openapi.json", dependencies=[allow("public")])
def openapi_document(request: Request) -> Response:
    """The OpenAPI description of the JSON API (what /docs shows)."""
    from fastapi.responses import JSONResponse

    return JSONResponse(request.app.openapi())


@router.get("/static/{name}", dependencies=[allow("public")])
def static_file(name: str) -> Response:
    """The cockpit's own CSS and scripts (flat folder: no path traversal possible)."""
    path = assets.STATIC_DIR / name
    if "/" in name or name.startswith(".") or not path.is_file():
        raise HTTPException(status_code=404)
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media, headers={"Cache-Control": "max-age=300"})
