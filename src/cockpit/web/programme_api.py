"""What the programmes' HTTP routes share: roles, path and body types, the caller binding,
identifier validation, and the route class that refuses non-finite JSON numbers.
"""

# No ``from __future__ import annotations``: FastAPI reads these annotations at run time.

import json
import math
import threading
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import Depends, HTTPException, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import AfterValidator, Field, ValidationInfo
from sqlalchemy import select

from cockpit import identity
from cockpit.db import ensure_schema, get_engine
from cockpit.programmes import (
    MAX_CLIENT_KEY,
    Caller,
    NotFound,
    ProgrammeError,
    ProgrammeRow,
    RoundRow,
)
from cockpit.web.auth import Principal, permit


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is not a finite number")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class FiniteJSONRoute(APIRoute):
    """A route whose JSON body may hold no NaN, Infinity or number too large for a float.

    Python's ``json`` (which FastAPI uses) reads ``NaN`` and ``1e999``; FastAPI's 422 then
    echoes the value, and no JSON can carry it: a 500. Such a body is refused first, with a
    422 naming the body, like any malformed JSON.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            body = await request.body()
            if body:
                try:
                    json.loads(body, parse_float=_finite, parse_constant=_no_constant)
                except ValueError as exc:
                    raise RequestValidationError(
                        [
                            {
                                "type": "json_invalid",
                                "loc": ("body",),
                                "msg": f"JSON with no NaN or Infinity expected: {exc}"[:300],
                                "input": None,
                            }
                        ]
                    ) from None
            return await handler(request)

        return handle


_round_ids: dict[tuple[str, str, int], int] = {}
_lock = threading.RLock()

ClaimantApp = Annotated[Principal, Depends(permit("programmes.claim"))]
Merchant = Annotated[Principal, Depends(permit("programmes.spend"))]
Reviewer = Annotated[Principal, Depends(permit("programmes.review"))]
Operator = Annotated[Principal, Depends(permit("programmes.operate"))]
Applicant = Annotated[Principal, Depends(permit("programmes.apply"))]
Anyone = Annotated[Principal, Depends(permit("programmes.read"))]
Inspector = Annotated[Principal, Depends(permit("programmes.inspect"))]
RoundNo = Annotated[int, Path(ge=1, le=10_000, description="Round number, 1-based")]
Code = Annotated[str, Path(description="Programme code, e.g. yuzhong-vouchers-2025")]
IdemKey = Annotated[
    str,
    Field(
        min_length=8,
        max_length=MAX_CLIENT_KEY,
        description="Unique per operation of this caller; reuse it only to retry",
    ),
]


def caller_of(who: Principal) -> Caller:
    """The party an API key acts for: its name (merchant id, firm credit code, app, officer).

    The one place binding principals to parties: when principals carry an explicit party
    (the access room's accounts), this is what changes.
    """
    return Caller(who.acts_as, who.name)


def _ready() -> None:
    ensure_schema()


def _refuse(exc: ProgrammeError) -> HTTPException:
    return HTTPException(exc.status, {"code": exc.code, "message": exc.message})


def _round_id(code: str, no: int) -> int:
    engine = get_engine()
    key = (str(engine.url), code, no)
    with _lock:
        found = _round_ids.get(key)
    if found is not None:
        return found
    with engine.connect() as conn:
        rid = conn.execute(
            select(RoundRow.id)
            .join(ProgrammeRow, ProgrammeRow.id == RoundRow.programme_id)
            .where(ProgrammeRow.code == code, RoundRow.no == no)
        ).scalar()
    if rid is None:
        raise NotFound(f"programme {code!r} has no open round {no}")
    with _lock:
        _round_ids[key] = int(rid)
    return int(rid)


def _canonical(kind: str) -> AfterValidator:
    """Normalise and validate an optional identifier of ``kind`` (a 422 naming the field)."""

    def check(value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return identity.canonical(value, kind)
        except identity.Refused as exc:
            raise ValueError(exc.message) from None

    return AfterValidator(check)


def _document(kind_field: str) -> Callable[[str | None, ValidationInfo], str | None]:
    """A validator: a document number, canonical for the kind given in ``kind_field``; an
    optional one sent as null stays None (found by the Schemathesis run: it was a 500)."""

    def check(value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        try:
            return identity.canonical(value, info.data.get(kind_field, "resident_id"))
        except identity.Refused as exc:
            raise ValueError(exc.message) from None

    return check


DocumentKind = Literal[
    "resident_id", "passport", "hk_macao_permit", "taiwan_permit", "permanent_residence"
]
Mobile = Annotated[str | None, Field(None, max_length=64), _canonical("mobile")]
BankCard = Annotated[
    str | None, Field(None, max_length=64, description="Bank card number"), _canonical("bank_card")
]
Opaque = Annotated[str | None, Field(None, max_length=128), _canonical("opaque")]
