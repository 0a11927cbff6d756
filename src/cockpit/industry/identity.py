"""One firm identity across rooms: other rooms' firm ids mapped to registry credit codes.

The scenarios room's firms, the programmes room's subsidy applicants and the Order + List
enterprises keep their own ids; ``ind_firm_refs`` says which registry firm each one is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from cockpit.db import session_scope
from cockpit.industry.creditcode import validate
from cockpit.industry.models import FirmRefRow, FirmRow
from cockpit.industry.vocab import REF_ROOMS, IndustryError, NotFound


def link_reference(
    *, room: str, ref_id: str, credit_code: str, engine: Engine | None = None
) -> None:
    """Say that ``room``'s firm ``ref_id`` is the registry firm ``credit_code``."""
    if room not in REF_ROOMS:
        raise IndustryError(f"unknown room {room!r}; rooms: {', '.join(REF_ROOMS)}")
    code = validate(credit_code)
    with session_scope(engine) as session:
        if session.get(FirmRow, code) is None:
            raise NotFound(f"no firm {code} in the registry")
        row = session.get(FirmRefRow, (room, ref_id))
        if row is None:
            session.add(FirmRefRow(room=room, ref_id=ref_id, credit_code=code))
        else:
            row.credit_code = code


def credit_code_of(room: str, ref_id: str, *, engine: Engine | None = None) -> str | None:
    """The registry credit code of ``room``'s firm ``ref_id``, if it was linked."""
    with session_scope(engine) as session:
        row = session.get(FirmRefRow, (room, ref_id))
        return None if row is None else row.credit_code


def references_of(credit_code: str, *, engine: Engine | None = None) -> list[dict[str, Any]]:
    """Every other room's id for this registry firm."""
    with session_scope(engine) as session:
        rows = session.scalars(
            select(FirmRefRow)
            .where(FirmRefRow.credit_code == credit_code)
            .order_by(FirmRefRow.room)
        )
        return [{"room": r.room, "ref_id": r.ref_id} for r in rows]


def resolve_firm(applicant: str, *, room: str, engine: Engine | None = None) -> str | None:
    """The credit code an applicant stands for: the applicant's own text when it is a valid
    registered code, else its reference in ``room``; None when neither."""
    from cockpit.industry.creditcode import is_valid, normalise

    if is_valid(applicant):
        code = normalise(applicant)
        with session_scope(engine) as session:
            if session.get(FirmRow, code) is not None:
                return code
    return credit_code_of(room, applicant, engine=engine)
