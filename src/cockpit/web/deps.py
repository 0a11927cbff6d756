"""Request dependencies shared by the cockpit's pages and chart API: language and filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from cockpit import reference
from cockpit.access import NOTHING, Invalid, Scope, scope_of
from cockpit.config import get_settings
from cockpit.web import i18n
from cockpit.web.metrics import Metrics
from cockpit.web.tablecache import current_lake
from cockpit.web.views import Query as ViewQuery
from cockpit.web.views import resolve_period

MONTH = r"^$|^\d{4}-(0[1-9]|1[0-2])$"


def request_lang(request: Request, lang: str | None = None) -> i18n.Lang:
    """?lang= first, then the language cookie, then COCKPIT_LANG."""
    return i18n.pick_lang(lang, request.cookies.get(i18n.LANG_COOKIE), default=get_settings().lang)


def get_metrics() -> Metrics:
    return Metrics(current_lake())


def _district(code: str) -> str:
    if not code:
        return ""
    try:
        return reference.current_district_code(code)
    except reference.ReferenceError as exc:
        raise Invalid(str(exc), field="query.district") from exc


def _category(code: str) -> str:
    if not code:
        return ""
    try:
        return reference.category(code).code
    except reference.ReferenceError as exc:
        raise Invalid(str(exc), field="query.category") from exc


def caller_scope(request: Request) -> Scope:
    """The districts whose rows the caller reads (``Permit`` ran first; none: no rows)."""
    who = getattr(request.state, "principal", None)
    return scope_of(who) if who is not None else NOTHING


def _opening_district(request: Request, district: str) -> str:
    # A district official's pages open at their own district; an explicit ?district= wins.
    if "district" in request.query_params:
        return district
    return caller_scope(request).home_district()


def view_query(
    request: Request,
    metrics: Annotated[Metrics, Depends(get_metrics)],
    lang: Annotated[str | None, Query(description="zh-CN or en")] = None,
    period: Annotated[str, Query(description="Month YYYY-MM; default the latest built")] = "",
    district: Annotated[str, Query(description="GB/T 2260 district code; '' = city")] = "",
    category: Annotated[str, Query(description="Retail category code; '' = all")] = "",
    start: Annotated[
        str, Query(alias="from", pattern=MONTH, description="Trend from month YYYY-MM")
    ] = "",
    end: Annotated[
        str, Query(alias="to", pattern=MONTH, description="Trend to month YYYY-MM")
    ] = "",
    compare: Annotated[
        bool, Query(description="Trends: add the same months of the year before")
    ] = False,
) -> ViewQuery:
    """The filters of a page or chart, with the period resolved to a built month."""
    if start and end and start > end:
        raise Invalid(f"from {start} is after to {end}", field="query.from")
    return ViewQuery(
        lang=request_lang(request, lang),
        period=resolve_period(metrics, period),
        district=_district(_opening_district(request, district)),
        category=_category(category),
        start=start,
        end=end,
        compare=compare,
    )


LangDep = Annotated[i18n.Lang, Depends(request_lang)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
QueryDep = Annotated[ViewQuery, Depends(view_query)]
ScopeDep = Annotated[Scope, Depends(caller_scope)]
