"""The cockpit's pages (server-rendered with Jinja2) and its static files, ECharts included.

Every chart on a page fetches one ``/api/...`` endpoint; the pages themselves only lay
out tiles and tables. ``?lang=`` switches language and is remembered in a cookie.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from cockpit import reference
from cockpit.web import assets, dataviews, guard, i18n, rooms, scenarioviews
from cockpit.web.auth import allow
from cockpit.web.deps import MetricsDep, QueryDep, ScopeDep
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
    ("data", "/data", False),
    ("bigscreen", "/bigscreen", True),
)
COOKIE_AGE = 365 * 24 * 3600
CACHE_VENDOR = {"Cache-Control": "max-age=86400"}


def _filters(q: Query) -> dict[str, str]:
    return {"period": q.period, "district": q.district, "category": q.category}


EMPTY_FILTERS = {"period": "", "district": "", "category": ""}


def render_page(
    request: Request, template: str, lang: i18n.Lang, page: str, **extra: Any
) -> Response:
    """A page in ``lang`` with the signed-in principal and the session's CSRF token."""
    who = getattr(request.state, "principal", None)
    context = {
        "lang": lang,
        "t": lambda key: i18n.label(key, lang),
        "labels": i18n.labels(lang),
        "page": page,
        "nav": NAV,
        "q": None,
        "filters": EMPTY_FILTERS,
        "who": who,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "districts": [(d.code, i18n.name_of(d, lang)) for d in reference.districts()],
        "categories": [(c.code, i18n.name_of(c, lang)) for c in reference.categories()],
        "map_credit": assets.MAP_CREDIT,
        "money": lambda fen: i18n.money(fen, lang),
        **extra,
    }
    response = templates.TemplateResponse(request, template, context)
    if "lang" in request.query_params:
        response.set_cookie(i18n.LANG_COOKIE, lang, max_age=COOKIE_AGE, samesite="lax")
    return response


def render(request: Request, template: str, q: Query, page: str, **extra: Any) -> Response:
    """A page of the cockpit in ``q.lang`` with its filters."""
    return render_page(request, template, q.lang, page, q=q, filters=_filters(q), **extra)


@router.get("/", response_class=HTMLResponse, dependencies=[allow("cockpit.read")])
def overview(request: Request, q: QueryDep, metrics: MetricsDep) -> Response:
    return render(request, "overview.html", q, "overview", periods=metrics.periods())


@router.get("/districts", response_class=HTMLResponse, dependencies=[allow("cockpit.read")])
def districts(request: Request, q: QueryDep, metrics: MetricsDep) -> Response:
    district = reference.district(q.district) if q.district else None
    return render(
        request, "districts.html", q, "districts", periods=metrics.periods(), district=district
    )


@router.get("/categories", response_class=HTMLResponse, dependencies=[allow("cockpit.read")])
def categories(request: Request, q: QueryDep, metrics: MetricsDep) -> Response:
    return render(request, "categories.html", q, "categories", periods=metrics.periods())


@router.get("/plans", response_class=HTMLResponse, dependencies=[allow("cockpit.read")])
def plans(request: Request, q: QueryDep, target: str = "") -> Response:
    return render(
        request, "plans.html", q, "plans", gauges=rooms.plan_gauges(lang=q.lang), target=target
    )


@router.get("/alerts", response_class=HTMLResponse, dependencies=[allow("cockpit.read")])
def alerts(request: Request, q: QueryDep) -> Response:
    return render(request, "alerts.html", q, "alerts", alerts=rooms.alerts(lang=q.lang, limit=200))


@router.get("/programmes", response_class=HTMLResponse, dependencies=[allow("programmes.read")])
def programmes(request: Request, q: QueryDep, programme: str = "") -> Response:
    listing = rooms.programmes(lang=q.lang)
    return render(
        request, "programmes.html", q, "programmes", programmes=listing, programme=programme
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
def swagger_ui() -> Response:
    """The OpenAPI explorer, with Swagger UI served by the app (no CDN)."""
    from fastapi.openapi.docs import get_swagger_ui_html

    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Commerce Cockpit API",
        swagger_js_url="/static/vendor/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )
    # Swagger UI starts from one inline script: allowed by its hash, no other inline script.
    page.headers["Content-Security-Policy"] = guard.CSP.replace(
        "script-src 'self'", f"script-src 'self' {inline_script_hashes(bytes(page.body))}"
    )
    return page


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
