"""HTTP API of the industry room: the firm registry, chains and the 招商 map, the gap list,
the measures the plans read, and Excel downloads of the firm list and the target list.

Refusals are 4xx with ``{"detail": {"code": ..., "message": ...}}``.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from cockpit import access, industry
from cockpit.db import ensure_schema
from cockpit.industry import (
    ChainOut,
    ChainPage,
    FirmHistoryOut,
    FirmPage,
    IndustryError,
    MeasureOut,
    MeasurePage,
    NodeOut,
    NodePage,
    NotFound,
    RejectPage,
    all_chains,
)
from cockpit.web import industryviews
from cockpit.web.auth import allow
from cockpit.web.deps import ScopeDep
from cockpit.web.i18n import Lang

router = APIRouter(prefix="/api/industry", tags=["industry"])
T = TypeVar("T")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Size = Literal["large", "medium", "small", "micro"]


def _do(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a room call; its refusal becomes a 4xx naming the reason."""
    ensure_schema()
    try:
        return fn(*args, **kwargs)
    except NotFound as exc:
        raise access.NotFound(str(exc)) from exc
    except IndustryError as exc:
        raise access.Invalid(str(exc)) from exc


def _filter(
    district: str | None,
    chain: str | None,
    node: str | None,
    designation: str | None,
    size: Size | None,
    q: str | None,
) -> industry.FirmFilter:
    return industry.FirmFilter(district, chain, node, designation, size, q)


def _download(body: bytes, name: str) -> Response:
    return Response(
        body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/chains", dependencies=[allow("cockpit.read")], response_model=ChainPage)
def list_chains() -> dict[str, Any]:
    """The chains defined as data (chain → segment → node)."""
    data = [
        ChainOut(
            id=c.id,
            name_zh=c.name_zh,
            name_en=c.name_en,
            segments=len(c.segments),
            nodes=len(c.nodes()),
        )
        for c in all_chains().values()
    ]
    return {"data": data, "count": len(data)}


@router.get(
    "/chains/{chain_id}/nodes", dependencies=[allow("industry.read")], response_model=NodePage
)
def chain_nodes(chain_id: str) -> dict[str, Any]:
    """Every node of a chain with its local firms, coverage and outside candidates."""
    views = _do(industry.chain_map, chain_id)
    return {"data": [v.to_dict() for v in views], "count": len(views)}


@router.get(
    "/chains/{chain_id}/nodes/{node_id}",
    dependencies=[allow("industry.read")],
    response_model=NodeOut,
)
def chain_node(chain_id: str, node_id: str) -> dict[str, Any]:
    """One node: what the chain page opens when a node is clicked."""
    return _do(industry.node_firms, chain_id, node_id).to_dict()


@router.get("/chains/{chain_id}/tree", dependencies=[allow("cockpit.read")])
def chain_tree(chain_id: str, lang: Lang = "zh-CN") -> dict[str, Any]:
    """The chain as an ECharts tree, nodes coloured by coverage (strong, weak, gap)."""
    return _do(industryviews.chain_tree, chain_id, lang)


@router.get("/firms", dependencies=[allow("records.read")], response_model=FirmPage)
def firms(
    district: str | None = None,
    chain: str | None = None,
    node: str | None = None,
    designation: str | None = None,
    size: Size | None = None,
    q: str | None = Query(None, max_length=100),
    *,
    scope: ScopeDep,
) -> dict[str, Any]:
    """Registry firms matching every filter given (a district official: their districts')."""
    rows = _do(industry.list_firms, _filter(district, chain, node, designation, size, q))
    rows = scope.keep(rows, "district_code")
    return {"data": rows, "count": len(rows)}


@router.get("/firms.xlsx", dependencies=[allow("records.read")], response_class=Response)
def firms_xlsx(
    district: str | None = None,
    chain: str | None = None,
    node: str | None = None,
    designation: str | None = None,
    size: Size | None = None,
    q: str | None = Query(None, max_length=100),
    *,
    scope: ScopeDep,
) -> Response:
    """The filtered firm list as an Excel download (a district official: their districts')."""
    rows = _do(industry.list_firms, _filter(district, chain, node, designation, size, q))
    rows = scope.keep(rows, "district_code")
    body = industry.workbook_bytes("企业库", industry.FIRM_HEADER, industry.firm_rows(rows))
    return _download(body, "firms.xlsx")


@router.get(
    "/firms/{credit_code}", dependencies=[allow("records.read")], response_model=FirmHistoryOut
)
def firm(scope: ScopeDep, credit_code: str = Path(..., max_length=40)) -> dict[str, Any]:
    """One firm with every version of its row, its designations and other rooms' ids (a
    district official: a firm of their districts only; another's is not found)."""
    found: dict[str, Any] = _do(industry.firm_history, credit_code)
    if not scope.sees(found.get("district_code")):
        raise access.NotFound(f"no firm {credit_code}", field="path.credit_code")
    return found


@router.get("/districts", dependencies=[allow("cockpit.read")])
def firms_by_district(lang: Lang = "zh-CN") -> dict[str, Any]:
    """Registry firms by district, for the map."""
    return _do(industryviews.firms_map, lang)


@router.get("/gaps", dependencies=[allow("industry.read")], response_model=NodePage)
def gaps(chain: str | None = None) -> dict[str, Any]:
    """The gap list: nodes with no confirmed sizeable local firm, with outside candidates."""
    views = _do(industry.gap_list, chain_id=chain)
    return {"data": [v.to_dict() for v in views], "count": len(views)}


@router.get("/gaps.xlsx", dependencies=[allow("industry.read")], response_class=Response)
def gaps_xlsx(chain: str | None = None) -> Response:
    """The 招商 target list (gap nodes and their candidates) as an Excel download."""
    views = _do(industry.gap_list, chain_id=chain)
    rows = industry.target_list_rows(views)
    return _download(
        industry.workbook_bytes("招商目标", industry.TARGET_HEADER, rows), "targets.xlsx"
    )


@router.get("/rejects", dependencies=[allow("industry.read")], response_model=RejectPage)
def rejects(limit: int = Query(1000, ge=1, le=10_000)) -> dict[str, Any]:
    """Rows the list loads refused, newest first: file, line, field (the file's header), reason."""
    rows = _do(industry.refused_rows, limit=limit)
    return {"data": rows, "count": len(rows)}


@router.get("/measures", dependencies=[allow("cockpit.read")], response_model=MeasurePage)
def measure_list() -> dict[str, Any]:
    """The figures the plans read, each with its definition."""
    rows = []
    for name, m in industry.MEASURES.items():
        for chain in m.chains:
            figure = _do(industry.measure, name, chain=chain)
            rows.append(
                MeasureOut(
                    measure=name,
                    chain=chain,
                    value=figure.value,
                    unit=m.unit,
                    year=figure.year,
                    definition_en=m.help_en,
                    definition_zh=m.help_zh,
                )
            )
    return {"data": rows, "count": len(rows)}
