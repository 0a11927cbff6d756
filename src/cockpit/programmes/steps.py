"""Every step of a subsidy application and of an appeal is an entry on the keyed ledger.

Approving and paying move money (``approve``: budget → ``firm:``; ``disburse``: ``firm:`` →
``paid:``). The other steps move none; they are booked as **zero-amount entries of their own
kinds** (``models.STEP_OPS``) on the programme's chain, keyed and chained like any entry, so a
step cannot be removed, reordered or forged without ``cockpit ledger verify`` finding it:

=========  ===============  =====================  ==============================  ==========
op         ref              debit                  credit                          doc
=========  ===============  =====================  ==============================  ==========
submit     application id   ``firm:<applicant>``   ``application:<id>``            state
refuse     application id   ``firm:<applicant>``   ``rule:<rule id>``              state
reject     application id   ``firm:<applicant>``   ``application:<id>``            state
reopen     application id   ``appeal:<appeal>``    ``application:<id>``            state
propose    application or   ``proposal:<action>``  ``application:<id>`` or         proposal
           appeal id                               ``appeal:<id>``
lodge      appeal id        ``appeal:<id>``        ``<subject kind>:<subject id>``  lodged
decide     appeal id        ``appeal:<id>``        ``outcome:<upheld|dismissed>``  decided
=========  ===============  =====================  ==============================  ==========

``doc`` is the SHA-256 of the record as the step left it (``ledger.record_doc``): for an
application every column (facts, decision with the refusing rule and its reason in both
languages, amount, status, reviewer, reason, times), for a proposal what was proposed and by
whom, for an appeal what was lodged and then what was decided. ``audit.check_records``
requires the record as it stands now to match the last step booked for it, so an edit beside
the chain (a refused application's reason rewritten, a rejection turned into a submission) is
named, and every application to have its ``submit`` entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from cockpit.programmes import ledger
from cockpit.programmes.catalog import programme_chain
from cockpit.programmes.ledger import Move
from cockpit.programmes.models import AppealRow, ApplicationRow, LedgerRow, ProposalRow

# Which status each step leaves an application in (money steps included).
STATUS_AFTER = {
    "submit": "submitted",
    "refuse": "rejected",
    "reject": "rejected",
    "reopen": "submitted",
    "approve": "approved",
    "disburse": "disbursed",
}
# Proposals (four eyes) whose making is a step on the ledger.
PROPOSED_ACTIONS = ("approve", "disburse", "appeal")

_APPEAL_LODGED = (
    "id",
    "programme_id",
    "subject_kind",
    "subject_id",
    "entry_id",
    "appellant",
    "grounds",
    "lodged_at",
    "due_at",
)
_APPEAL_DECIDED = (*_APPEAL_LODGED, "stage", "reviewer", "decided_at", "decision", "effect")
_PROPOSAL = (
    "action",
    "subject",
    "programme_id",
    "amount_fen",
    "payload_sha256",
    "maker",
    "made_at",
)


def _fields(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def application_state(app: Any) -> str:
    """Digest of every column of an application: what a step entry says it left behind."""
    names = tuple(c.name for c in ApplicationRow.__table__.columns)
    return ledger.record_doc(_fields(app, names))


def proposal_doc(proposal: Any) -> str:
    """Digest of a proposal as made (what, of which subject, how much, by whom, when)."""
    return ledger.record_doc(_fields(proposal, _PROPOSAL))


def appeal_lodged_doc(appeal: Any) -> str:
    """Digest of an appeal as lodged."""
    return ledger.record_doc(_fields(appeal, _APPEAL_LODGED))


def appeal_decided_doc(appeal: Any) -> str:
    """Digest of an appeal as decided (stage, reviewer, decision and its effect too)."""
    return ledger.record_doc(_fields(appeal, _APPEAL_DECIDED))


def entry_id(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """The id of the last of the rows ``ledger.append`` just wrote."""
    last = rows[-1]
    return int(
        conn.execute(
            select(LedgerRow.id).where(
                LedgerRow.chain_id == last["chain_id"], LedgerRow.seq == last["seq"]
            )
        ).scalar_one()
    )


def book(
    conn: Connection,
    *,
    programme_id: int,
    op: str,
    debit: str,
    credit: str,
    ref: str,
    doc: str,
    now: datetime | None = None,
) -> int:
    """Book a zero-amount step on the programme's chain; its entry id.

    ``now`` is the step's own time (its value time); default: the booking time.
    """
    rows = ledger.append(
        conn,
        chain_id=programme_chain(programme_id),
        programme_id=programme_id,
        moves=[Move(op, debit, credit, 0, ref=ref, doc=doc)],
        value_at=now,
    )
    return entry_id(conn, rows)


def _application(conn: Connection, application_id: str) -> Any:
    return conn.execute(select(ApplicationRow).where(ApplicationRow.id == application_id)).one()


def application_step(
    conn: Connection,
    application_id: str,
    op: str,
    *,
    now: datetime | None = None,
    rule: str | None = None,
    appeal_id: str | None = None,
) -> int:
    """Book ``op`` (submit, refuse, reject, reopen) for an application as it now stands."""
    app = _application(conn, application_id)
    debit = f"appeal:{appeal_id}" if op == "reopen" else f"firm:{app.applicant}"
    credit = f"rule:{rule}" if op == "refuse" else f"application:{app.id}"
    return book(
        conn,
        programme_id=app.programme_id,
        op=op,
        debit=debit,
        credit=credit,
        ref=app.id,
        doc=application_state(app),
        now=now,
    )


def proposal_step(
    conn: Connection, *, action: str, subject: str, now: datetime | None = None
) -> int:
    """Book the proposal (four eyes' first officer) of ``action`` on ``subject``."""
    found = conn.execute(
        select(ProposalRow).where(ProposalRow.action == action, ProposalRow.subject == subject)
    ).one()
    target = "appeal" if action == "appeal" else "application"
    return book(
        conn,
        programme_id=found.programme_id,
        op="propose",
        debit=f"proposal:{action}",
        credit=f"{target}:{subject}",
        ref=subject,
        doc=proposal_doc(found),
        now=now,
    )


def appeal_step(conn: Connection, appeal_id: str, op: str, *, now: datetime | None = None) -> int:
    """Book an appeal lodged (``lodge``) or decided (``decide``), as it now stands."""
    appeal = conn.execute(select(AppealRow).where(AppealRow.id == appeal_id)).one()
    if op == "lodge":
        credit, doc = f"{appeal.subject_kind}:{appeal.subject_id}", appeal_lodged_doc(appeal)
    else:
        credit, doc = f"outcome:{appeal.stage}", appeal_decided_doc(appeal)
    return book(
        conn,
        programme_id=appeal.programme_id,
        op=op,
        debit=f"appeal:{appeal.id}",
        credit=credit,
        ref=appeal.id,
        doc=doc,
        now=now,
    )


def entries_of(conn: Connection, programme_id: int, ref: str) -> list[dict[str, Any]]:
    """The entries booked on the programme's chain for an application or appeal, in order."""
    rows = conn.execute(
        select(LedgerRow)
        .where(LedgerRow.chain_id == programme_chain(programme_id), LedgerRow.ref == ref)
        .order_by(LedgerRow.seq)
    )
    return [
        {
            "entry_id": r.id,
            "op": r.op,
            "debit": r.debit,
            "credit": r.credit,
            "amount_fen": r.amount_fen,
            "value_at": r.value_at,
            "doc": r.doc,
        }
        for r in rows
    ]
