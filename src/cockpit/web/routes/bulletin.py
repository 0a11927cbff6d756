"""The Bulletins page (the archive) and the archived files themselves."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel

from cockpit.bulletin import Issued, all_issued, find_issued
from cockpit.config import get_settings
from cockpit.web.auth import allow
from cockpit.web.deps import QueryDep
from cockpit.web.routes.pages import render

router = APIRouter()
Region = Annotated[str, Path(pattern=r"^\d{6}$")]
Period = Annotated[str, Path(pattern=r"^\d{4}-\d{2}(-02)?$")]
LangPath = Annotated[Literal["zh-CN", "en"], Path()]
MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _row(i: Issued) -> dict[str, object]:
    m = i.manifest
    base = f"/bulletins/{m['region']}/{m['period']}/{m['lang']}/v{m['version']}"
    return {
        "region_zh": m["region_zh"],
        "region_en": m["region_en"],
        "period": m["period"],
        "lang": m["lang"],
        "version": m["version"],
        "issued_at": str(m["issued_at"]).replace("T", " ")[:16],
        "data_version": m["data_version"],
        "changes": len(i.changes),
        "title": m["title"],
        "html": base,
        "pdf": f"{base}/pdf",
        "xlsx": f"{base}/xlsx",
    }


class BulletinOut(BaseModel):
    """One archived version, as the API lists it."""

    region_zh: str
    region_en: str
    period: str
    lang: str
    version: int
    issued_at: str
    data_version: str
    changes: int
    title: str
    html: str
    pdf: str
    xlsx: str


class BulletinList(BaseModel):
    data: list[BulletinOut]
    count: int


@router.get(
    "/api/bulletins",
    dependencies=[allow("cockpit.read")],
    response_model=BulletinList,
    summary="The bulletin archive",
)
def bulletin_list() -> BulletinList:
    rows = [BulletinOut.model_validate(_row(i)) for i in all_issued(get_settings().home)]
    return BulletinList(data=rows, count=len(rows))


@router.get(
    "/bulletins",
    dependencies=[allow("cockpit.read")],
    response_class=HTMLResponse,
    include_in_schema=False,
)
def bulletins(request: Request, q: QueryDep) -> Response:
    rows = [_row(i) for i in all_issued(get_settings().home)]
    return render(request, "bulletins.html", q, "bulletins", bulletins=rows)


def _issued(region: str, period: str, lang: Literal["zh-CN", "en"], version: int) -> Issued:
    found = find_issued(get_settings().home, region, period, lang, version)
    if found is None:
        raise HTTPException(404, f"no bulletin {region} {period} {lang} v{version}")
    return found


@router.get(
    "/bulletins/{region}/{period}/{lang}/v{version}",
    dependencies=[allow("cockpit.read")],
    response_class=HTMLResponse,
    include_in_schema=False,
)
def bulletin_html(region: Region, period: Period, lang: LangPath, version: int) -> Response:
    return FileResponse(_issued(region, period, lang, version).file("html"), media_type="text/html")


@router.get(
    "/bulletins/{region}/{period}/{lang}/v{version}/{kind}",
    dependencies=[allow("cockpit.read")],
    include_in_schema=False,
)
def bulletin_file(
    region: Region, period: Period, lang: LangPath, version: int, kind: Literal["pdf", "xlsx"]
) -> Response:
    path = _issued(region, period, lang, version).file(kind)
    return FileResponse(path, media_type=MEDIA[kind], filename=path.name)
