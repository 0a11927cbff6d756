"""Appeals: a claimant or merchant contests a refused claim, a claw-back or a refused
application.

Each appeal is linked to what it contests — the refusal record, the claw-back's **ledger
entry**, the application — and goes through stages: ``lodged`` (by the party affected, within
the programme's ``appeal_lodge_days`` of the decision), ``under_review`` (an officer takes it
up), then ``upheld`` or ``dismissed`` with a reason, by the programme's
``appeal_decide_days`` (``overdue`` lists those past their deadline). A decision is made with
four eyes (``foureyes``: one officer proposes it, another confirms) and its effect is booked:

* a claw-back upheld gives the merchant the money back — a ledger entry (``appeal``: budget
  → merchant) that names the appeal;
* a refused application upheld goes back to ``submitted`` for a new review (where approval
  commits the money, with four eyes again);
* a refused claim upheld is recorded for the officer to act on (the refusal stands in the
  limits' records: a pack is granted through a new round or claim, not by the appeal).
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from cockpit.programmes import foureyes, ledger, steps
from cockpit.programmes.ledger import Move, iso
from cockpit.programmes.models import (
    AppealRow,
    ApplicationRow,
    LedgerRow,
    RefundRow,
    RefusalRow,
)
from cockpit.programmes.tx import (
    Conflict,
    NotAllowed,
    NotFound,
    ProgrammeError,
    engine_or_default,
    write_tx,
)
from cockpit.programmes.vouchers import load_rules, programme_chain

SUBJECTS = ("refused_claim", "clawback", "refused_application")
OUTCOMES = ("upheld", "dismissed")


class NotYourAppeal(ProgrammeError):
    """An appeal lodged by someone the decision did not affect."""

    status, code = 403, "not_yours"


def _is_row_id(text: str) -> bool:
    """A row id a database can hold: ASCII digits (str.isdigit() also takes '²', which int()
    refuses) and under 2**63."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def _subject(conn: Connection, kind: str, subject_id: str) -> tuple[int, str, str, int | None]:
    """(programme, affected party, decided at, ledger entry) of what is appealed."""
    if kind == "refused_claim":
        refusal = (
            conn.execute(select(RefusalRow).where(RefusalRow.id == int(subject_id))).first()
            if _is_row_id(subject_id)
            else None
        )
        if refusal is None:
            raise NotFound(f"no refused claim {subject_id}")
        return refusal.programme_id, refusal.person, refusal.at, None
    if kind == "clawback":
        entry = (
            conn.execute(
                select(LedgerRow).where(
                    LedgerRow.id == int(subject_id), LedgerRow.op.in_(("clawback", "recover"))
                )
            ).first()
            if _is_row_id(subject_id)
            else None
        )
        if entry is None:
            raise NotFound(f"no claw-back entry {subject_id}")
        # A voucher claw-back is the merchant's; a subsidy recovered is the applicant's.
        return entry.programme_id, entry.debit.partition(":")[2], entry.at, entry.id
    if kind == "refused_application":
        app = conn.execute(select(ApplicationRow).where(ApplicationRow.id == subject_id)).first()
        if app is None or app.status != "rejected":
            raise NotFound(f"no refused application {subject_id}")
        return app.programme_id, app.applicant, app.reviewed_at or app.submitted_at, None
    raise NotAllowed(f"an appeal contests one of {', '.join(SUBJECTS)}")


def lodge(
    *,
    subject_kind: str,
    subject_id: str,
    appellant: str,
    grounds: str,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Lodge an appeal as ``appellant`` (the holder's pseudonym, the merchant id, the firm)."""
    if not grounds.strip():
        raise NotAllowed("an appeal states its grounds")
    moment = now or datetime.now().astimezone()
    with write_tx(engine_or_default(engine)) as conn:
        pid, party, decided, entry = _subject(conn, subject_kind, subject_id)
        if party != appellant:
            raise NotYourAppeal("only the party the decision affected may appeal it")
        rules = load_rules(conn, pid)
        closes = datetime.fromisoformat(decided) + timedelta(days=rules.appeal_lodge_days)
        if moment > closes:
            raise NotAllowed(f"appeals against this decision closed at {iso(closes)}")
        if conn.execute(
            select(AppealRow.id).where(
                AppealRow.subject_kind == subject_kind, AppealRow.subject_id == subject_id
            )
        ).first():
            raise Conflict("this decision is already under appeal")
        aid = f"p{secrets.token_hex(8)}"
        conn.execute(
            insert(AppealRow),
            {
                "id": aid,
                "programme_id": pid,
                "subject_kind": subject_kind,
                "subject_id": subject_id,
                "entry_id": entry,
                "appellant": appellant,
                "grounds": grounds.strip()[:4000],
                "stage": "lodged",
                "lodged_at": iso(moment),
                "due_at": iso(moment + timedelta(days=rules.appeal_decide_days)),
            },
        )
        booked = steps.appeal_step(conn, aid, "lodge", now=moment)
        return {**_get(conn, aid), "entry_ids": [booked]}


def refusal_of(round_id: int, person: str, *, engine: Engine | None = None) -> str:
    """The id of the person's latest refused claim in a round (what their appeal contests)."""
    with engine_or_default(engine).connect() as conn:
        found = conn.execute(
            select(RefusalRow.id)
            .where(RefusalRow.round_id == round_id, RefusalRow.person == person)
            .order_by(RefusalRow.id.desc())
            .limit(1)
        ).scalar()
    if found is None:
        raise NotFound("no refused claim of this person in this round")
    return str(found)


def clawback_of(refund_id: str, *, engine: Engine | None = None) -> str:
    """The ledger entry of the claw-back a refund caused (what a merchant's appeal contests)."""
    with engine_or_default(engine).connect() as conn:
        refund = conn.execute(select(RefundRow).where(RefundRow.id == refund_id)).first()
        if refund is None or refund.outcome != "clawed_back":
            raise NotFound(f"refund {refund_id} clawed nothing back")
        found = conn.execute(
            select(LedgerRow.id)
            .where(
                LedgerRow.op == "clawback",
                LedgerRow.ref == refund.redemption_id,
                LedgerRow.amount_fen == refund.voucher_fen,
            )
            .order_by(LedgerRow.id.desc())
            .limit(1)
        ).scalar()
    if found is None:
        raise NotFound(f"the claw-back of refund {refund_id} is not on the ledger")
    return str(found)


def recovery_of(application_id: str, *, engine: Engine | None = None) -> str:
    """The ledger entry of the latest claw-back of a paid subsidy (what its appeal contests)."""
    with engine_or_default(engine).connect() as conn:
        found = conn.execute(
            select(LedgerRow.id)
            .where(LedgerRow.op == "recover", LedgerRow.ref == application_id)
            .order_by(LedgerRow.id.desc())
            .limit(1)
        ).scalar()
    if found is None:
        raise NotFound(f"nothing of application {application_id} was clawed back")
    return str(found)


def _get(conn: Connection, appeal_id: str) -> dict[str, Any]:
    row = conn.execute(select(AppealRow).where(AppealRow.id == appeal_id)).first()
    if row is None:
        raise NotFound(f"no appeal {appeal_id}")
    return dict(row._asdict())


def take_up(*, appeal_id: str, officer: str, engine: Engine | None = None) -> dict[str, Any]:
    """An officer takes a lodged appeal up: it is under review."""
    with write_tx(engine_or_default(engine)) as conn:
        hit = conn.execute(
            update(AppealRow)
            .where(AppealRow.id == appeal_id, AppealRow.stage == "lodged")
            .values(stage="under_review", reviewer=officer)
        )
        if hit.rowcount != 1:
            raise Conflict(f"appeal {appeal_id} is {_get(conn, appeal_id)['stage']}, not lodged")
        return _get(conn, appeal_id)


def decide(
    *,
    appeal_id: str,
    outcome: str,
    reason: str,
    officer: str,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Propose, or (a second officer) confirm, the decision on an appeal under review."""
    if outcome not in OUTCOMES:
        raise NotAllowed(f"an appeal is {' or '.join(OUTCOMES)}")
    if not reason.strip():
        raise NotAllowed("a decision on an appeal gives its reason")
    moment = now or datetime.now().astimezone()
    with write_tx(engine_or_default(engine)) as conn:
        appeal = _get(conn, appeal_id)
        if appeal["stage"] != "under_review":
            raise Conflict(f"appeal {appeal_id} is {appeal['stage']}, not under review")
        amount = _clawed(conn, appeal) if outcome == "upheld" else 0
        maker = foureyes.second_pair(
            conn,
            action="appeal",
            subject=appeal_id,
            programme_id=appeal["programme_id"],
            amount_fen=amount,
            threshold_fen=-1,  # every decision on an appeal has two officers
            officer=officer,
            payload={"outcome": outcome, "reason": reason},
        )
        if maker is None:
            booked = steps.proposal_step(conn, action="appeal", subject=appeal_id, now=moment)
            return {
                **appeal,
                "awaiting_check": f"{outcome} proposed by {officer}",
                "entry_ids": [booked],
            }
        effect, entry_ids = "none", list[int]()
        if outcome == "upheld":
            effect, entry_ids = _effect(conn, appeal, amount, moment)
        conn.execute(
            update(AppealRow)
            .where(AppealRow.id == appeal_id)
            .values(
                stage=outcome,
                decided_at=iso(moment),
                decision=f"{reason} (proposed by {maker}, confirmed by {officer})",
                effect=effect,
            )
        )
        entry_ids.append(steps.appeal_step(conn, appeal_id, "decide", now=moment))
        return {**_get(conn, appeal_id), "awaiting_check": None, "entry_ids": entry_ids}


def _clawed(conn: Connection, appeal: dict[str, Any]) -> int:
    if appeal["subject_kind"] != "clawback":
        return 0
    return int(
        conn.execute(
            select(LedgerRow.amount_fen).where(LedgerRow.id == appeal["entry_id"])
        ).scalar_one()
    )


def _effect(
    conn: Connection, appeal: dict[str, Any], amount: int, moment: datetime
) -> tuple[str, list[int]]:
    """What an upheld appeal does, and the ledger entries that booked it."""
    kind, pid = appeal["subject_kind"], int(appeal["programme_id"])
    if kind == "clawback":
        debited = str(
            conn.execute(
                select(LedgerRow.debit).where(LedgerRow.id == appeal["entry_id"])
            ).scalar_one()
        )
        try:
            rows = ledger.append(
                conn,
                chain_id=programme_chain(pid),
                programme_id=pid,
                balance_delta=-amount,
                value_at=moment,
                moves=[Move("appeal", f"budget:{pid}", debited, amount, ref=appeal["id"])],
            )
        except ledger.ChainBusyError:
            raise Conflict("the programme's budget cannot return this claw-back") from None
        return (
            f"{amount} fen returned to {debited} (ledger entry 'appeal')",
            [steps.entry_id(conn, rows)],
        )
    if kind == "refused_application":
        return _reopen(conn, appeal, moment)
    return "refusal found wrong: the person may be granted a pack by an officer", []


def _reopen(conn: Connection, appeal: dict[str, Any], moment: datetime) -> tuple[str, list[int]]:
    """Back to submitted for a new review; one the eligibility rules refused gets the amount
    its declared rule computed (``if_upheld``), the refusal having been found wrong."""
    app = conn.execute(
        select(ApplicationRow).where(ApplicationRow.id == appeal["subject_id"])
    ).first()
    values: dict[str, Any] = {"status": "submitted", "reviewer": None, "reason": None}
    recorded = json.loads(app.decision_json) if app is not None else {}
    if recorded.get("if_upheld"):
        values["amount_fen"] = int(recorded["if_upheld"]["amount_fen"])
        values["decision_json"] = json.dumps(
            {**recorded["if_upheld"], "appeal": appeal["id"]}, ensure_ascii=False
        )
    conn.execute(
        update(ApplicationRow)
        .where(ApplicationRow.id == appeal["subject_id"], ApplicationRow.status == "rejected")
        .values(reviewed_at=None, **values)
    )
    booked = steps.application_step(
        conn, appeal["subject_id"], "reopen", now=moment, appeal_id=appeal["id"]
    )
    return "application back to submitted, for a new review", [booked]


def overdue(*, engine: Engine | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
    """Appeals not decided by their deadline."""
    stamp = iso(now or datetime.now().astimezone())
    with engine_or_default(engine).connect() as conn:
        rows = conn.execute(
            select(AppealRow)
            .where(AppealRow.stage.in_(("lodged", "under_review")), AppealRow.due_at < stamp)
            .order_by(AppealRow.due_at)
        )
        return [dict(r._asdict()) for r in rows]


def appeals(*, engine: Engine | None = None) -> list[dict[str, Any]]:
    """Every appeal, newest first."""
    with engine_or_default(engine).connect() as conn:
        rows = conn.execute(select(AppealRow).order_by(AppealRow.lodged_at.desc()))
        return [dict(r._asdict()) for r in rows]
