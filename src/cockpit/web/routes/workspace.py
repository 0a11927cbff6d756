"""A programme officer's workspace (``/api/cockpit/programmes/...``): create a programme,
close a round, see what waits for a second officer, and list, filter and download a
programme's claims and redemptions.

Releasing a round stays the programmes room's own route (``POST /api/programmes/{code}/
rounds/{no}/release``, four eyes). The lists are person- and merchant-level rows: they need
``records.read`` and are limited to the caller's districts (``cockpit.access.scope``) before
anything is counted, paged or written to a file.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from cockpit import programmes, reference, sheets
from cockpit.access import Invalid, NotFound, Scope
from cockpit.datafiles import DataFileError
from cockpit.format import SHANGHAI
from cockpit.programmes import ProgrammeError
from cockpit.web import i18n
from cockpit.web.auth import allow
from cockpit.web.deps import LangDep, ScopeDep
from cockpit.web.programme_api import Code, Operator, RoundNo, _ready, _refuse, _round_id
from cockpit.web.routes.cockpit import EXPORT_TYPES, _attachment

router = APIRouter(prefix="/api/cockpit/programmes", tags=["programme workspace"])

PAGE_SIZE = 50
MAX_DOWNLOAD_ROWS = 200_000
Kind = Literal["claims", "redemptions"]
STATUSES: dict[str, tuple[str, ...]] = {
    "claims": programmes.CLAIM_STATUSES,
    "redemptions": programmes.REDEMPTION_STATUSES,
}
STATUS_KIND = {"claims": "claim_status", "redemptions": "redemption_status"}


class Filters(BaseModel):
    """A list's filters as the page and the API take them (all optional)."""

    round: int | None = None
    status: str = ""
    district: str = ""
    since: date | None = None
    until: date | None = None
    offset: int = 0
    limit: int = PAGE_SIZE

    def window(self, scope: Scope, *, every: bool = False) -> programmes.RecordWindow:
        """The room's window: days as Shanghai midnights (``until`` inclusive), the scope's
        districts; ``every`` for a download (all rows from the first)."""

        def midnight(day: date) -> datetime:
            return datetime.combine(day, time(0), tzinfo=SHANGHAI)

        return programmes.RecordWindow(
            round_no=self.round,
            status=self.status or None,
            since=midnight(self.since) if self.since else None,
            until=midnight(self.until + timedelta(days=1)) if self.until else None,
            district=self.district or None,
            districts=scope.districts,
            offset=0 if every else self.offset,
            limit=None if every else self.limit,
        )


def _number(text: str, field: str) -> int | None:
    """A round number from a form ('' = any)."""
    if not text:
        return None
    # isascii: str.isdigit() also accepts digits int() refuses, such as '²'.
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 10_000:
        raise Invalid(f"round must be a number from 1 to 10000, not {text[:20]!r}", field=field)
    return int(text)


def _day(text: str, field: str) -> date | None:
    """A day YYYY-MM-DD from a form ('' = open)."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"a day YYYY-MM-DD expected, not {text[:20]!r}", field=field) from None


RoundText = Annotated[str, Query(max_length=8, description="Round number ('' = any)")]
DayText = Annotated[str, Query(max_length=10, description="Day YYYY-MM-DD, Asia/Shanghai")]


def filters_of(
    kind: Kind,
    round_text: str = "",
    status: str = "",
    district: str = "",
    since_text: str = "",
    until_text: str = "",
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> Filters:
    """Checked filters: a status the list knows, a known district, a window that is one."""
    round = _number(round_text, "query.round")
    since = _day(since_text, "query.since")
    until = _day(until_text, "query.until")
    if status and status not in STATUSES[kind]:
        known = ", ".join(STATUSES[kind])
        raise Invalid(f"unknown status {status!r}; one of {known}", field="query.status")
    if district:
        try:
            district = reference.current_district_code(district)
        except reference.ReferenceError as exc:
            raise Invalid(str(exc), field="query.district") from exc
        if kind == "claims":
            raise Invalid("claims record no district; filter redemptions", field="query.district")
    if since and until and since > until:
        raise Invalid(f"since {since} is after until {until}", field="query.since")
    return Filters(
        round=round,
        status=status,
        district=district,
        since=since,
        until=until,
        offset=offset,
        limit=limit,
    )


def _claim_filters(
    round: RoundText = "",
    status: Annotated[str, Query(max_length=20, description="active, partly_spent, ...")] = "",
    since: DayText = "",
    until: DayText = "",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = PAGE_SIZE,
) -> Filters:
    return filters_of("claims", round, status, "", since, until, offset, limit)


def _redemption_filters(
    round: RoundText = "",
    status: Annotated[str, Query(max_length=20, description="paid, partly_refunded, ...")] = "",
    district: Annotated[str, Query(max_length=12, description="GB/T 2260 district code")] = "",
    since: DayText = "",
    until: DayText = "",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = PAGE_SIZE,
) -> Filters:
    return filters_of("redemptions", round, status, district, since, until, offset, limit)


ClaimFilters = Annotated[Filters, Depends(_claim_filters)]
RedemptionFilters = Annotated[Filters, Depends(_redemption_filters)]


class ClaimItem(BaseModel):
    claim_id: str
    at: str = Field(description="When it was granted (Asia/Shanghai)")
    round: int
    vouchers: int
    face_fen: int
    spent_fen: int
    status: str
    status_label: str
    person: str = Field(description="The claimant's pseudonym")


class RedemptionItem(BaseModel):
    redemption_id: str
    at: str = Field(description="When it was paid (Asia/Shanghai)")
    round: int
    merchant_id: str
    district: str | None
    district_label: str
    category: str | None
    category_label: str
    bill_fen: int
    voucher_fen: int
    own_fen: int
    refunded_fen: int
    status: str
    status_label: str


class ClaimsOut(BaseModel):
    programme: str
    total: int = Field(description="Rows matching the filters (in the caller's districts)")
    offset: int
    limit: int
    note: str = Field("", description="Why a district-limited caller sees no claims")
    rows: list[ClaimItem]


class RedemptionsOut(BaseModel):
    programme: str
    total: int
    offset: int
    limit: int
    note: str = ""
    rows: list[RedemptionItem]


def _local(stamp: str) -> str:
    return (
        datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        .astimezone(SHANGHAI)
        .strftime("%Y-%m-%d %H:%M:%S")
    )


def _place(kind: Literal["district", "category"], code: str | None, lang: i18n.Lang) -> str:
    if not code:
        return "—"
    try:
        item = reference.district(code) if kind == "district" else reference.category(code)
    except reference.ReferenceError:
        return code
    return i18n.name_of(item, lang)


def claim_items(rows: list[dict[str, Any]], lang: i18n.Lang) -> list[ClaimItem]:
    return [
        ClaimItem(
            claim_id=r["claim_id"],
            at=_local(r["at"]),
            round=r["round"],
            vouchers=int(r["vouchers"]),
            face_fen=int(r["face_fen"] or 0),
            spent_fen=int(r["spent_fen"] or 0),
            status=r["status"],
            status_label=i18n.code("claim_status", r["status"], lang),
            person=r["person"],
        )
        for r in rows
    ]


def redemption_items(rows: list[dict[str, Any]], lang: i18n.Lang) -> list[RedemptionItem]:
    return [
        RedemptionItem(
            **{**{k: r[k] for k in programmes.REDEMPTION_COLUMNS}, "at": _local(r["at"])},
            district_label=_place("district", r["district"], lang),
            category_label=_place("category", r["category"], lang),
            status_label=i18n.code("redemption_status", r["status"], lang),
        )
        for r in rows
    ]


def claims_page(code: str, f: Filters, scope: Scope, lang: i18n.Lang) -> ClaimsOut:
    """One page of ``code``'s claims for the caller (the page and the API)."""
    _ready()
    try:
        got = programmes.list_claims(programme_code=code, window=f.window(scope))
    except ProgrammeError as exc:
        raise _refuse(exc) from None
    note = "" if scope.whole_city else i18n.label("ws_claims_no_district", lang)
    return ClaimsOut(
        programme=code,
        total=got.total,
        offset=f.offset,
        limit=f.limit,
        note=note,
        rows=claim_items(got.rows, lang),
    )


def redemptions_page(code: str, f: Filters, scope: Scope, lang: i18n.Lang) -> RedemptionsOut:
    """One page of ``code``'s redemptions for the caller (the page and the API)."""
    _ready()
    try:
        got = programmes.list_redemptions(programme_code=code, window=f.window(scope))
    except ProgrammeError as exc:
        raise _refuse(exc) from None
    return RedemptionsOut(
        programme=code,
        total=got.total,
        offset=f.offset,
        limit=f.limit,
        rows=redemption_items(got.rows, lang),
    )


@router.get(
    "/{code}/claims",
    dependencies=[allow("records.read")],
    response_model=ClaimsOut,
    summary="A programme's claims, filtered and paged (the caller's districts only)",
)
def list_claims(code: Code, f: ClaimFilters, scope: ScopeDep, lang: LangDep) -> ClaimsOut:
    return claims_page(code, f, scope, lang)


@router.get(
    "/{code}/redemptions",
    dependencies=[allow("records.read")],
    response_model=RedemptionsOut,
    summary="A programme's redemptions, filtered and paged (the caller's districts only)",
)
def list_redemptions(
    code: Code, f: RedemptionFilters, scope: ScopeDep, lang: LangDep
) -> RedemptionsOut:
    return redemptions_page(code, f, scope, lang)


FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        }
    }
}


def filter_text(f: Filters, lang: i18n.Lang) -> str:
    """The filters in words, for a file's subtitle and the page."""
    parts = []
    if f.round is not None:
        parts.append(f"{i18n.label('col_round', lang)} {f.round}")
    if f.district:
        parts.append(_place("district", f.district, lang))
    if f.status:
        kind = "claim_status" if f.status in programmes.CLAIM_STATUSES else "redemption_status"
        parts.append(i18n.code(kind, f.status, lang))
    if f.since or f.until:
        parts.append(f"{f.since or '…'} – {f.until or '…'}")
    return " · ".join(parts) or i18n.label("ws_all_rows", lang)


def _file(
    kind: Kind, ext: Literal["csv", "xlsx"], code: str, f: Filters, scope: Scope, lang: i18n.Lang
) -> Response:
    _ready()
    window = f.window(scope, every=True)
    try:
        if kind == "claims":
            got = programmes.list_claims(programme_code=code, window=window)
        else:
            got = programmes.list_redemptions(programme_code=code, window=window)
    except ProgrammeError as exc:
        raise _refuse(exc) from None
    if got.total > MAX_DOWNLOAD_ROWS:
        raise Invalid(
            f"{got.total:,} rows match; narrow the filters to {MAX_DOWNLOAD_ROWS:,} or fewer",
            field="query",
        )
    if kind == "claims":
        heads = ["claim_id", "at", "round", "vouchers", "face_fen", "spent_fen", "status_label"]
        items: list[BaseModel] = list(claim_items(got.rows, lang))
        heads.append("person")
    else:
        heads = [
            "redemption_id",
            "at",
            "round",
            "merchant_id",
            "district_label",
            "category_label",
            "bill_fen",
            "voucher_fen",
            "own_fen",
            "refunded_fen",
            "status_label",
        ]
        items = list(redemption_items(got.rows, lang))
    dumped = [i.model_dump() for i in items]
    title = f"{i18n.label('ws_' + kind, lang)} {code}"
    sheet = sheets.Sheet(
        title=title,
        subtitle=filter_text(f, lang),
        columns=[i18n.label("ws_col_" + h, lang) for h in heads],
        rows=[[d[h] for h in heads] for d in dumped],
        source=i18n.label("ws_source", lang),
    )
    media, write = EXPORT_TYPES[ext]
    return Response(
        write(sheet), media_type=media, headers=_attachment(f"{title} {sheet.subtitle}", ext)
    )


@router.get(
    "/{code}/claims.{ext}",
    dependencies=[allow("records.read")],
    response_class=Response,
    responses=FILE_RESPONSES,
    summary="Every claim matching the filters as CSV or Excel (the caller's districts only)",
)
def download_claims(
    code: Code, ext: Literal["csv", "xlsx"], f: ClaimFilters, scope: ScopeDep, lang: LangDep
) -> Response:
    return _file("claims", ext, code, f, scope, lang)


@router.get(
    "/{code}/redemptions.{ext}",
    dependencies=[allow("records.read")],
    response_class=Response,
    responses=FILE_RESPONSES,
    summary="Every redemption matching the filters as CSV or Excel (the caller's districts)",
)
def download_redemptions(
    code: Code, ext: Literal["csv", "xlsx"], f: RedemptionFilters, scope: ScopeDep, lang: LangDep
) -> Response:
    return _file("redemptions", ext, code, f, scope, lang)


class ProposalItem(BaseModel):
    action: str
    action_label: str
    subject: str
    amount_fen: int
    maker: str
    made_at: str


class ApprovalsOut(BaseModel):
    programme: str
    rows: list[ProposalItem] = Field(description="Proposals waiting for a second officer")


def approvals_of(code: str, lang: i18n.Lang) -> ApprovalsOut:
    _ready()
    try:
        found = programmes.list_proposals(programme_code=code)
    except ProgrammeError as exc:
        raise _refuse(exc) from None
    return ApprovalsOut(
        programme=code,
        rows=[
            ProposalItem(
                **{**p, "made_at": _local(p["made_at"])},
                action_label=i18n.code("proposal_action", p["action"], lang),
            )
            for p in found
        ],
    )


@router.get(
    "/{code}/approvals",
    dependencies=[allow("programmes.operate")],
    response_model=ApprovalsOut,
    summary="What waits for a second officer's check (four eyes) in a programme",
)
def approvals(code: Code, lang: LangDep) -> ApprovalsOut:
    return approvals_of(code, lang)


class CloseOut(BaseModel):
    programme: str
    no: int
    status: Literal["closed"]
    moved_fen: int = Field(description="Unclaimed money moved back (budget or treasury)")


@router.post(
    "/{code}/rounds/{no}/close",
    response_model=CloseOut,
    summary="Close a released round: packs nobody claimed go back, as the rules say",
)
def close_round(code: Code, no: RoundNo, who: Operator) -> CloseOut:
    """Closing pays nobody (the money goes back to the programme's budget or the
    treasury), so one officer suffices, as in the programmes room."""
    from cockpit.programmes import close_round as close

    _ready()
    try:
        moved = close(round_id=_round_id(code, no))
    except ProgrammeError as exc:
        raise _refuse(exc) from None
    return CloseOut(programme=code, no=no, status="closed", moved_fen=moved)


class CreateIn(BaseModel):
    """A programme's rules as YAML (the format of ``cockpit programmes install``)."""

    model_config = ConfigDict(extra="forbid")
    rules_yaml: str = Field(min_length=1, max_length=200_000)


class CreateOut(BaseModel):
    code: str
    name: str
    kind: str
    budget_fen: int
    created: bool = Field(description="False when the same rules were installed already")


@router.post(
    "",
    response_model=CreateOut,
    status_code=201,
    summary="Create (install) a programme from its rules; its budget is funded on the ledger",
)
def create_programme(body: CreateIn, who: Operator, lang: LangDep) -> CreateOut:
    from cockpit.programmes import install_programme, list_programmes, parse_programme

    _ready()
    try:
        programme = parse_programme(body.rules_yaml, "rules_yaml")
    except DataFileError as exc:
        first = exc.problems[0]
        raise Invalid(f"line {first.line}: {first}", field="body.rules_yaml") from None
    before = {p["code"] for p in list_programmes()}
    try:
        install_programme(programme=programme)
    except ProgrammeError as exc:
        raise _refuse(exc) from None
    return CreateOut(
        code=programme.code,
        name=programme.name_en if lang == "en" else programme.name_zh,
        kind=programme.kind,
        budget_fen=programme.budget_fen,
        created=programme.code not in before,
    )


class TemplatesOut(BaseModel):
    names: list[str]


class TemplateOut(BaseModel):
    name: str
    rules_yaml: str


@router.get(
    "/templates",
    response_model=TemplatesOut,
    summary="The shipped example programmes a new one can start from",
)
def templates(who: Operator) -> TemplatesOut:
    from cockpit.programmes import shipped_programmes

    return TemplatesOut(names=sorted(shipped_programmes()))


@router.get(
    "/templates/{name}",
    response_model=TemplateOut,
    summary="One shipped example programme's rules as YAML",
)
def template(name: Annotated[str, Path(max_length=80)], who: Operator) -> TemplateOut:
    from cockpit.programmes import shipped_programmes

    found = shipped_programmes().get(name)
    if found is None:
        raise NotFound(f"no shipped programme {name!r}", field="path.name")
    return TemplateOut(name=name, rules_yaml=found.read_text("utf-8"))


class PageList(BaseModel):
    """Which list the programmes page shows, with its filters (the district is the page's)."""

    kind: Kind
    round: int | None
    status: str
    since: date | None
    until: date | None
    offset: int


def page_list(
    kind: Annotated[Kind, Query(alias="list", description="claims or redemptions")] = (
        "redemptions"
    ),
    round: RoundText = "",
    status: Annotated[str, Query(max_length=20)] = "",
    since: DayText = "",
    until: DayText = "",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> PageList:
    """The programmes page's list parameters (checked like the API's; a form's empty
    fields mean any)."""
    f = filters_of(kind, round, status, "", since, until, offset, PAGE_SIZE)
    return PageList(
        kind=kind, round=f.round, status=status, since=f.since, until=f.until, offset=offset
    )


PageListDep = Annotated[PageList, Depends(page_list)]


def page_records(
    code: str, chosen: PageList, district: str, scope: Scope, lang: i18n.Lang
) -> dict[str, Any]:
    """What the page's list shows: the rows, the pager, the download links and the filters
    in words. Claims ignore the page's district (they record none)."""
    from urllib.parse import urlencode

    district = "" if chosen.kind == "claims" else district
    f = Filters(
        round=chosen.round,
        status=chosen.status,
        district=district,
        since=chosen.since,
        until=chosen.until,
        offset=chosen.offset,
        limit=PAGE_SIZE,
    )
    got: ClaimsOut | RedemptionsOut = (
        claims_page(code, f, scope, lang)
        if chosen.kind == "claims"
        else redemptions_page(code, f, scope, lang)
    )
    params = {
        "round": chosen.round or "",
        "status": chosen.status,
        "district": district,
        "since": chosen.since or "",
        "until": chosen.until or "",
    }
    kept = {k: v for k, v in params.items() if v}
    base = urlencode({"programme": code, "list": chosen.kind, "lang": lang, **kept})
    files = f"/api/cockpit/programmes/{code}/{chosen.kind}"
    query = urlencode({"lang": lang, **kept})
    return {
        "kind": chosen.kind,
        "title": i18n.label(f"ws_{chosen.kind}", lang),
        "statuses": [
            (s, i18n.code(STATUS_KIND[chosen.kind], s, lang)) for s in STATUSES[chosen.kind]
        ],
        "filters": {**params, "offset": chosen.offset},
        "filter_text": filter_text(f, lang),
        "total": got.total,
        "note": got.note,
        "rows": [r.model_dump() for r in got.rows],
        "first": chosen.offset + 1 if got.rows else 0,
        "last": chosen.offset + len(got.rows),
        "prev": f"/programmes?{base}&offset={max(0, chosen.offset - PAGE_SIZE)}"
        if chosen.offset
        else "",
        "next": f"/programmes?{base}&offset={chosen.offset + PAGE_SIZE}"
        if chosen.offset + PAGE_SIZE < got.total
        else "",
        "csv": f"{files}.csv?{query}",
        "xlsx": f"{files}.xlsx?{query}",
        "tabs": {
            k: "/programmes?" + urlencode({"programme": code, "list": k, "lang": lang})
            for k in ("redemptions", "claims")
        },
    }
