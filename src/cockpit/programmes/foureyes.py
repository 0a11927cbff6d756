"""Four eyes: a disbursement needs a maker and a different checker.

Approving a subsidy, paying it out, releasing a round's budget and writing off or correcting a
reconciliation difference each move public money. The first officer to ask for one
**proposes** it (the maker: nothing moves yet); a different officer asking for the same thing
**checks** it, and only then does the money move — in the same transaction that records the
check. The maker asking twice is refused (``SameOfficer``, 403). A programme's rules say above
which amount this applies (``four_eyes_above_yuan``, default 0: always).

``second_pair`` is called inside the operation's transaction; the proposal's primary key
(action, subject) keeps two makers from proposing the same thing at once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from cockpit.programmes.ledger import now_iso
from cockpit.programmes.models import ProposalRow
from cockpit.programmes.tx import Conflict, ProgrammeError, request_hash


class SameOfficer(ProgrammeError):
    """The checker of a disbursement must be another officer than its maker."""

    status, code = 403, "four_eyes"


def second_pair(
    conn: Connection,
    *,
    action: str,
    subject: str,
    programme_id: int,
    amount_fen: int,
    threshold_fen: int,
    officer: str,
    payload: dict[str, Any] | None = None,
) -> str | None:
    """The maker, when ``officer`` completes the action now; None when this only proposed it.

    At or below ``threshold_fen`` one officer suffices (they are maker and checker). Raises
    ``SameOfficer`` when the maker asks again, ``Conflict`` when the action was done already
    or is asked for with other details than proposed.
    """
    if amount_fen <= threshold_fen:
        return officer
    digest = request_hash({"amount": amount_fen, **(payload or {})})
    found = conn.execute(
        select(ProposalRow).where(ProposalRow.action == action, ProposalRow.subject == subject)
    ).first()
    if found is None:
        conn.execute(
            insert(ProposalRow),
            {
                "action": action,
                "subject": subject,
                "programme_id": programme_id,
                "amount_fen": amount_fen,
                "payload_sha256": digest,
                "maker": officer,
                "made_at": now_iso(),
                "status": "proposed",
            },
        )
        return None
    if found.status != "proposed":
        raise Conflict(f"{action} of {subject} was already checked by {found.checker}")
    if found.maker == officer:
        raise SameOfficer(f"you proposed this {action}: another officer must check it (four eyes)")
    if found.payload_sha256 != digest:
        raise Conflict(f"{action} of {subject} was proposed with other details; check those")
    done = conn.execute(
        update(ProposalRow)
        .where(
            ProposalRow.action == action,
            ProposalRow.subject == subject,
            ProposalRow.status == "proposed",
        )
        .values(status="done", checker=officer, checked_at=now_iso())
    )
    if done.rowcount != 1:
        raise Conflict(f"{action} of {subject} was checked by someone else at the same time")
    return str(found.maker)


def maker_of(conn: Connection, *, action: str, subject: str) -> str | None:
    """Who proposed a checked action (None: it needed only one officer)."""
    found = conn.execute(
        select(ProposalRow.maker).where(
            ProposalRow.action == action,
            ProposalRow.subject == subject,
            ProposalRow.status == "done",
        )
    ).scalar()
    return None if found is None else str(found)


def pending(conn: Connection, programme_id: int | None = None) -> list[dict[str, Any]]:
    """Proposals waiting for their checker."""
    query = select(ProposalRow).where(ProposalRow.status == "proposed")
    if programme_id is not None:
        query = query.where(ProposalRow.programme_id == programme_id)
    return [r._asdict() for r in conn.execute(query.order_by(ProposalRow.made_at))]
