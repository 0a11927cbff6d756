"""HTTP API of the programmes room: claim, redeem, refund, apply, review, disburse, status.

Every call that changes something takes an ``idempotency_key``: a retry returns the first
answer and never pays twice. Claimant identifiers (ID number, phone, card, device) are
pseudonymised with the ingestion HMAC before anything is stored. Refusals are 4xx with
``{code, message, message_zh, field}`` (cockpit.web.errors) and change nothing.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.

import asyncio
import json
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import (
    BaseModel,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from sqlalchemy import Engine

from cockpit import programmes
from cockpit.access import scope_of
from cockpit.db import get_engine
from cockpit.programmes import MAX_AMOUNT_FEN, ProgrammeError, pseudonym_of
from cockpit.web import errors
from cockpit.web.auth import Principal, permit
from cockpit.web.programme_api import (
    Anyone,
    Applicant,
    BankCard,
    ClaimantApp,
    Code,
    DocumentKind,
    FiniteJSONRoute,
    IdemKey,
    Inspector,
    Merchant,
    Mobile,
    Opaque,
    Operator,
    Reviewer,
    RoundNo,
    _document,
    _ready,
    _refuse,
    _round_id,
    caller_of,
)
from cockpit.web.programme_appeals import router as appeals_router

router = APIRouter(prefix="/api/programmes", tags=["programmes"], route_class=FiniteJSONRoute)


class ClaimIn(BaseModel):
    """A claim made through the claimant app; identifiers are normalised, validated and
    pseudonymised on arrival (pseudonyms are never accepted from a client).
    """

    idempotency_key: IdemKey
    id_kind: DocumentKind = Field("resident_id", description="Kind of the identity document")
    id_number: str = Field(min_length=4, max_length=64, description="Identity document number")
    account: Opaque = Field(None, description="App account id")
    phone: Mobile = None
    card: BankCard = None
    device: Opaque = Field(None, description="Device fingerprint")

    _id_number = field_validator("id_number")(_document("id_kind"))


class VoucherOut(BaseModel):
    voucher_id: str
    face_fen: int
    threshold_fen: int
    valid_until: str


class ClaimOut(BaseModel):
    claim_id: str
    holder: str = Field(description="The claimant's pseudonym (show it when paying)")
    vouchers: list[VoucherOut]
    replayed: bool


def _claim_round(engine: Engine, code: str, no: int) -> tuple[programmes.RoundInfo, str | None]:
    """The round's rules and, on PostgreSQL, the conninfo of the async claim path (read once).

    Keeping the round's info here is safe: a budget row emptied or closed elsewhere is found
    empty by the claim's conditional UPDATE, whatever this process remembers.
    """
    _ready()
    info = programmes.round_info(engine, _round_id(code, no))
    if engine.dialect.name != "postgresql":
        return info, None
    url = engine.url.set(drivername="postgresql")
    return info, url.render_as_string(hide_password=False)


RoundKey = tuple[Engine, str, int]
ClaimRound = tuple[programmes.RoundInfo, str | None]
# Each round's read, kept once it has succeeded (a failed one is dropped, to be tried again).
_claim_rounds: dict[RoundKey, "asyncio.Future[ClaimRound]"] = {}
JSON = "application/json"


async def _round_of(engine: Engine, code: str, no: int) -> ClaimRound:
    """``_claim_round``, read once per process: the claims that arrive together when a round
    opens, before the first read is back, wait for that read instead of each sending its own
    (two hundred reads in worker threads at the burst's first moment, measured)."""
    key = (engine, code, no)
    reading = _claim_rounds.get(key)
    if reading is None:
        reading = asyncio.ensure_future(run_in_threadpool(_claim_round, engine, code, no))
        _claim_rounds[key] = reading

        def forget_failed(done: "asyncio.Future[ClaimRound]") -> None:
            if done.cancelled() or done.exception() is not None:
                _claim_rounds.pop(key, None)

        reading.add_done_callback(forget_failed)
    return await asyncio.shield(reading)  # a caller that gives up leaves the read to others


async def _claim(
    engine: Engine, code: str, no: int, idem_key: str, who: programmes.Identity
) -> programmes.ClaimResult:
    info, conninfo = await _round_of(engine, code, no)
    if conninfo is not None and programmes.serves_batched(info):
        batcher = programmes.batcher_for(conninfo, info)
        return await programmes.claim_batched(batcher, idem_key=idem_key, who=who)
    reference = partial(programmes.claim, round_id=info.round_id, engine=engine)
    return await run_in_threadpool(reference, idem_key=idem_key, who=who)


_claimant_key = permit("programmes.claim")


def _pseudonym(canonical: str | None) -> str | None:
    return None if canonical is None else pseudonym_of(canonical)


async def claim(
    code: Code, no: RoundNo, body: ClaimIn, who: Annotated[Principal, Depends(_claimant_key)]
) -> Response:
    # The burst's hot path: on the event loop, claims grouped into few transactions on
    # PostgreSQL (``aioclaim``); SQLite and larger limits take ``programmes.claim`` in a thread.
    person = pseudonym_of(body.id_number)
    claimant = programmes.Identity(
        person=person,
        account=_pseudonym(body.account),
        phone=_pseudonym(body.phone),
        card=_pseudonym(body.card),
        device=_pseudonym(body.device),
    )
    try:
        idem_key = caller_of(who).scoped(body.idempotency_key)
        got = await _claim(get_engine(), code, no, idem_key, claimant)
    except ProgrammeError as exc:
        # Half of a burst's answers are refusals: answered here, in the shape ``_refuse``
        # gives, without an exception's trip through the middleware.
        refusal = errors.shape({"code": exc.code, "message": exc.message})
        return Response(json.dumps(refusal), status_code=exc.status, media_type=JSON)
    # Serialised by hand (the shape of ClaimOut): validating our own output again would cost
    # as much as the rest of the request.
    out = {
        "claim_id": got.claim_id,
        "holder": person,
        "vouchers": got.vouchers,
        "replayed": got.replayed,
    }
    return Response(json.dumps(out), status_code=201, media_type=JSON)


def _invalid(where: tuple[str, ...], exc: ValidationError) -> RequestValidationError:
    """FastAPI's own 422 for ``exc``, its locations prefixed by ``where`` (("body",), …)."""
    errors = exc.errors(include_url=False)
    return RequestValidationError([{**e, "loc": (*where, *e["loc"])} for e in errors])


_PATH_NO: TypeAdapter[int] = TypeAdapter(RoundNo)


class _ClaimRoute(APIRoute):
    """The claim's route, documented by FastAPI from ``claim``'s signature like any other.

    Its requests skip FastAPI's generic dependency solver, which cost about a fifth of a
    claim's CPU in the burst, for the same three steps written out: the path's round number,
    the API key (the same ``permit`` dependency), the body (``ClaimIn``, validated
    from the raw JSON) — refused with the same 401/403/422 answers — then ``claim`` itself.
    Dependencies declared on the router or the app, and ``dependency_overrides``, are not run
    for this route (there are none today): add them to ``handle`` if that changes.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        async def handle(request: Request) -> Response:
            params = request.path_params
            try:
                no = _PATH_NO.validate_python(params["no"], strict=False)
            except ValidationError as exc:
                raise _invalid(("path", "no"), exc) from None
            who = await _claimant_key(request)
            try:
                body = ClaimIn.model_validate_json(await request.body())
            except ValidationError as exc:
                raise _invalid(("body",), exc) from None
            return await claim(params["code"], no, body, who)

        return handle


router.add_api_route(
    "/{code}/rounds/{no}/claims",
    claim,
    methods=["POST"],
    response_model=ClaimOut,
    status_code=201,
    summary="Claim a pack of vouchers in a first-come round",
    route_class_override=_ClaimRoute,
)


class ConsentIn(BaseModel):
    """The holder, identified by their app, lets one voucher be spent now."""

    id_kind: DocumentKind = Field("resident_id", description="Kind of the holder's document")
    id_number: str = Field(min_length=4, max_length=64, description="The holder's document")
    voucher_id: str = Field(max_length=40)

    _id_number = field_validator("id_number")(_document("id_kind"))


class ConsentOut(BaseModel):
    consent: str = Field(description="Show it to the merchant (a QR code); it is short-lived")
    voucher_id: str
    expires_at: int = Field(description="Unix time after which the token is refused")


@router.post(
    "/consents",
    response_model=ConsentOut,
    status_code=201,
    summary="The holder's consent to spend one voucher (issued to the holder's app)",
)
def give_consent(body: ConsentIn, who: ClaimantApp) -> ConsentOut:
    _ready()
    try:
        return ConsentOut(
            **programmes.issue_consent(
                voucher_id=body.voucher_id, holder=pseudonym_of(body.id_number)
            )
        )
    except ProgrammeError as exc:
        raise _refuse(exc) from None


class RedeemIn(BaseModel):
    """A payment in which the payer spends a voucher."""

    idempotency_key: IdemKey
    voucher_id: str = Field(max_length=40)
    merchant_id: str = Field(max_length=64, description="Must be the merchant the key is for")
    txn_id: str = Field(max_length=80)
    bill_fen: int = Field(
        gt=0, le=MAX_AMOUNT_FEN, description="The whole bill in fen, before the voucher"
    )
    consent: str = Field(
        max_length=1024,
        description="The holder's consent token for this voucher (POST /consents, by their app)",
    )
    card: BankCard = None
    device: Opaque = None


class RedeemOut(BaseModel):
    redemption_id: str
    voucher_id: str
    bill_fen: int
    voucher_fen: int = Field(description="Paid by the voucher (first)")
    own_fen: int = Field(description="Paid by the payer")
    replayed: bool


def _own_merchant(who: Principal, merchant_id: str) -> None:
    party = caller_of(who).party
    if party != merchant_id:
        raise HTTPException(
            403, {"code": "wrong_merchant", "message": f"this key belongs to merchant {party!r}"}
        )


@router.post(
    "/redemptions",
    response_model=RedeemOut,
    status_code=201,
    summary="Spend a voucher on a payment (threshold and scope checked)",
)
def redeem(body: RedeemIn, who: Merchant) -> RedeemOut:
    _ready()
    _own_merchant(who, body.merchant_id)
    try:
        holder = programmes.check_consent(body.consent, voucher_id=body.voucher_id).holder
        done = programmes.redeem(
            idem_key=caller_of(who).scoped(body.idempotency_key),
            voucher_id=body.voucher_id,
            merchant_id=body.merchant_id,
            txn_id=body.txn_id,
            bill_fen=body.bill_fen,
            payer=holder,
            card=_pseudonym(body.card),
            device=_pseudonym(body.device),
        )
    except ProgrammeError as exc:
        raise _refuse(exc) from None
    return RedeemOut(**done.__dict__)


class RefundIn(BaseModel):
    idempotency_key: IdemKey
    merchant_id: str = Field(max_length=64)
    txn_id: str = Field(max_length=80)
    amount_fen: int = Field(gt=0, le=MAX_AMOUNT_FEN)


class RefundOut(BaseModel):
    refund_id: str
    own_fen: int = Field(description="Payer's own money returned (first)")
    voucher_fen: int = Field(description="Voucher part refunded")
    outcome: Literal["own_only", "restored", "clawed_back"]
    replayed: bool


@router.post(
    "/refunds",
    response_model=RefundOut,
    status_code=201,
    summary="Refund a voucher payment: the payer's own money first",
)
def refund(body: RefundIn, who: Merchant) -> RefundOut:
    _ready()
    _own_merchant(who, body.merchant_id)
    try:
        done = programmes.refund(
            idem_key=caller_of(who).scoped(body.idempotency_key),
            merchant_id=body.merchant_id,
            txn_id=body.txn_id,
            amount_fen=body.amount_fen,
        )
    except ProgrammeError as exc:
        raise _refuse(exc) from None
    return RefundOut(**done.__dict__)


class ApplyIn(BaseModel):
    """A subsidy application: the facts the programme's rule needs."""

    idempotency_key: IdemKey
    applicant_kind: DocumentKind | Literal["credit_code"] = Field(
        "resident_id", description="credit_code for a firm, else the person's document kind"
    )
    applicant: str = Field(
        min_length=2,
        max_length=64,
        description="Document number (pseudonymised on arrival) or the firm's credit code",
    )
    facts: dict[str, Any] = Field(
        description="The purchase and its evidence, e.g. for a car {price_yuan, invoice_no, "
        "item_class, item_id (VIN), purchase_date, seller, buyer_district}; a trade-in adds "
        "{category, efficiency_grade, old_item_certificate, payout}"
    )

    _applicant = field_validator("applicant")(_document("applicant_kind"))


class Line(BaseModel):
    en: str
    zh: str


class RefusalOut(BaseModel):
    rule: str = Field(description="The eligibility rule broken, e.g. purchase_window")
    field: str = Field(description="The evidence it looked at")
    en: str
    zh: str


class DecisionOut(BaseModel):
    amount_fen: int
    eligible: bool
    lines: list[Line]
    refusal: RefusalOut | None = Field(None, description="Set when the rules refused it")


class ApplicationOut(BaseModel):
    application_id: str
    applicant: str
    status: str
    amount_fen: int
    decision: DecisionOut
    reviewer: str | None
    reason: str | None
    submitted_at: str
    reviewed_at: str | None
    disbursed_at: str | None
    awaiting_check: str | None = Field(
        None, description="A proposed approval or payout waiting for a second officer"
    )
    entry_ids: list[int] = Field(
        default_factory=list,
        description="The ledger entries this step booked (every step is one: see docs)",
    )


def _app_out(answer: dict[str, Any]) -> ApplicationOut:
    return ApplicationOut(**{k: v for k, v in answer.items() if k != "facts"})


@router.post(
    "/{code}/applications",
    response_model=ApplicationOut,
    status_code=201,
    summary="Apply for a subsidy; the amount is computed and explained",
)
def apply(code: Code, body: ApplyIn, who: Applicant) -> ApplicationOut:
    _ready()
    caller = caller_of(who)
    firm = body.applicant_kind == "credit_code"
    if firm != (who.role == "firm"):
        raise HTTPException(
            403,
            {
                "code": "not_yours",
                "message": "firms apply with a firm key as themselves; people through the app",
            },
        )
    try:
        if firm:
            caller.acting_for(body.applicant)
        applicant = body.applicant if firm else pseudonym_of(body.applicant)
        return _app_out(
            programmes.apply(
                programme_code=code,
                idem_key=caller.scoped(body.idempotency_key),
                applicant=applicant,
                facts=body.facts,
            )
        )
    except ProgrammeError as exc:
        raise _refuse(exc) from None


class ReviewIn(BaseModel):
    idempotency_key: IdemKey
    decision: Literal["approve", "reject"]
    reason: str = Field("", max_length=2000, description="Required to reject")


@router.post(
    "/applications/{application_id}/review",
    response_model=ApplicationOut,
    summary="Reject (with a reason), or propose / check an approval (four eyes: the second "
    "officer's approval commits the budget)",
)
def review(application_id: str, body: ReviewIn, who: Reviewer) -> ApplicationOut:
    _ready()
    try:
        return _app_out(
            programmes.review(
                application_id=application_id,
                idem_key=caller_of(who).scoped(body.idempotency_key),
                decision=body.decision,
                reviewer=caller_of(who).party,
                reason=body.reason,
            )
        )
    except ProgrammeError as exc:
        raise _refuse(exc) from None


class DisburseIn(BaseModel):
    idempotency_key: IdemKey


@router.post(
    "/applications/{application_id}/disburse",
    response_model=ApplicationOut,
    summary="Propose / check the payout of an approved application (four eyes), once",
)
def disburse(application_id: str, body: DisburseIn, who: Operator) -> ApplicationOut:
    _ready()
    try:
        return _app_out(
            programmes.disburse(
                application_id=application_id,
                idem_key=caller_of(who).scoped(body.idempotency_key),
                officer=caller_of(who).party,
            )
        )
    except ProgrammeError as exc:
        raise _refuse(exc) from None


class ClawBackIn(BaseModel):
    amount_fen: int = Field(gt=0, le=MAX_AMOUNT_FEN, description="Fen to recover")
    reason: str = Field(min_length=1, max_length=2000)


@router.post(
    "/applications/{application_id}/claw-back",
    response_model=ApplicationOut,
    summary="Propose / check the claw-back of a paid subsidy (four eyes)",
)
def claw_back(application_id: str, body: ClawBackIn, who: Operator) -> ApplicationOut:
    _ready()
    try:
        return _app_out(
            programmes.claw_back(
                application_id=application_id,
                amount_fen=body.amount_fen,
                reason=body.reason,
                officer=caller_of(who).party,
            )
        )
    except ProgrammeError as exc:
        raise _refuse(exc) from None


@router.get(
    "/applications/{application_id}",
    response_model=ApplicationOut,
    summary="One application with its decision lines",
)
def get_application(application_id: str, who: Inspector) -> ApplicationOut:
    _ready()
    try:
        found = programmes.application(application_id)
    except ProgrammeError as exc:
        raise _refuse(exc) from None
    # Another district's application answers as if there were none (district scope).
    if not scope_of(who).sees_application(found):
        raise HTTPException(
            404, {"code": "not_found", "message": f"no application {application_id}"}
        )
    return _app_out(found)


class ProgrammeList(BaseModel):
    data: list[dict[str, Any]]
    count: int


@router.get("", response_model=ProgrammeList, summary="Installed programmes")
def list_all(who: Anyone) -> ProgrammeList:
    _ready()
    rows = programmes.list_programmes()
    return ProgrammeList(data=rows, count=len(rows))


@router.get("/{code}", summary="Programme status: budget left, rounds, vouchers, spending")
def programme_status(code: Code, who: Anyone) -> dict[str, Any]:
    _ready()
    try:
        return programmes.programme_status(code)
    except ProgrammeError as exc:
        raise _refuse(exc) from None


@router.get("/{code}/flags", summary="Anti-fraud flags with their evidence")
def flags(code: Code, who: Inspector) -> dict[str, Any]:
    _ready()
    try:
        found = programmes.flags(programme_code=code)
    except ProgrammeError as exc:
        raise _refuse(exc) from None
    # A district official reads the flags of their districts' merchants only.
    found = scope_of(who).keep(found, "district_code")
    return {"data": found, "count": len(found)}


@router.get(
    "/ledger/verify",
    summary="Recompute the ledger's keyed hash chains and balances, and match the records",
)
def verify_ledger(who: Operator) -> dict[str, Any]:
    _ready()
    return programmes.verify_ledger(get_engine()).as_dict()


# The appeals' routes, beside this module (which is long enough), under this router's prefix.
router.include_router(appeals_router)


class RoundReleaseOut(BaseModel):
    """Where a round's release stands after this officer's step."""

    programme: str
    no: int
    status: Literal["proposed", "released"]
    round_id: int | None = None


@router.post(
    "/{code}/rounds/{no}/release",
    response_model=RoundReleaseOut,
    summary="Propose / check the release of a voucher round (four eyes)",
)
def release(code: Code, no: RoundNo, who: Operator) -> RoundReleaseOut:
    """The first officer proposes the release (nothing moves); a different officer's call
    releases it. The cockpit's programmes page calls this."""
    _ready()
    try:
        rid = programmes.release_round(programme_code=code, no=no, officer=caller_of(who).party)
    except ProgrammeError as exc:
        raise _refuse(exc) from exc
    state: Literal["proposed", "released"] = "proposed" if rid is None else "released"
    return RoundReleaseOut(programme=code, no=no, status=state, round_id=rid)
