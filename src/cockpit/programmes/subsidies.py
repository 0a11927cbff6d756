"""Subsidy applications: apply → review (approve or reject with a reason) → disburse.

The amount is computed at application by the programme's declared rule and kept with its
explanation. Approving and paying out each need four eyes (``foureyes``): the first officer
proposes, a different one checks, and only the check moves money. Approval commits the
money (budget → ``firm:<applicant>``) with a conditional
UPDATE on the programme's budget row, so approvals can never exceed the budget; disbursement
pays it out (``firm:`` → ``paid:``). One applicant is held to the programme's limit through
the same identity slots as voucher claims. Every call takes an idempotency key.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from cockpit.programmes import evidence, foureyes, ledger, steps
from cockpit.programmes.amounts import (
    Decision,
    OutOfBounds,
    PurchaseFacts,
    TradeInFacts,
    decide,
    parse_facts,
)
from cockpit.programmes.eligibility import registry_verdict, with_verdict
from cockpit.programmes.evidence import Both, Refusal
from cockpit.programmes.ledger import Move, iso, now_iso
from cockpit.programmes.models import ApplicationRow, IdentitySlotRow, LedgerRow
from cockpit.programmes.rules import (
    PurchaseSubsidy,
    SubsidyProgramme,
    TradeInSubsidy,
    VoucherProgramme,
)
from cockpit.programmes.tx import (
    Conflict,
    LimitReached,
    NotAllowed,
    NotFound,
    engine_or_default,
    remember,
    replay,
    request_hash,
    write_tx,
)
from cockpit.programmes.vouchers import load_rules, programme_chain, programme_id_of


def _subsidy_rules(conn: Connection, pid: int) -> SubsidyProgramme:
    rules = load_rules(conn, pid)
    if isinstance(rules, VoucherProgramme):
        raise NotAllowed("this is a voucher programme: claim vouchers, do not apply")
    return rules


def _answer(
    conn: Connection, application_id: str, booked: list[int] | None = None
) -> dict[str, Any]:
    """The application as the API shows it, with what awaits a second officer and the ids
    of the ledger entries this step booked (``entry_ids``)."""
    waiting = [
        f"{p['action']} proposed by {p['maker']} at {p['made_at']}: awaiting another officer"
        for p in foureyes.pending(conn)
        if p["subject"] == application_id
    ]
    return {
        **_public(_get(conn, application_id)),
        "awaiting_check": waiting[0] if waiting else None,
        "entry_ids": list(booked or []),
    }


def _public(row: Any) -> dict[str, Any]:
    return {
        "application_id": row.id,
        "applicant": row.applicant,
        "status": row.status,
        "amount_fen": row.amount_fen,
        "decision": json.loads(row.decision_json),
        "facts": json.loads(row.facts_json),
        "reviewer": row.reviewer,
        "reason": row.reason,
        "submitted_at": row.submitted_at,
        "reviewed_at": row.reviewed_at,
        "disbursed_at": row.disbursed_at,
    }


def _keyed(
    engine: Engine, idem_key: str, op: str, payload: dict[str, Any]
) -> tuple[str, dict[str, Any] | None]:
    digest = request_hash(payload)
    with engine.connect() as conn:
        return digest, replay(conn, idem_key=idem_key, op=op, digest=digest)


def apply(
    *,
    programme_code: str,
    idem_key: str,
    applicant: str,
    facts: dict[str, Any],
    engine: Engine | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Submit an application; the amount and its explanation are computed now.

    ``now`` is the submission time (default: now).
    """
    engine = engine_or_default(engine)
    digest, earlier = _keyed(
        engine, idem_key, "apply", {"p": programme_code, "a": applicant, "f": facts}
    )
    if earlier is not None:
        return earlier
    try:
        return _apply(engine, programme_code, idem_key, applicant, facts, digest, now)
    except IntegrityError:
        raise Conflict("an application for this item or certificate ran at once; retry") from None


def _checked(
    rules: SubsidyProgramme, facts: dict[str, Any]
) -> tuple[Decision, Any, Refusal | None]:
    """The amount, the parsed facts and the first eligibility rule they break (or None);
    malformed or missing evidence raises ``NotAllowed`` naming the field."""
    try:
        parsed = parse_facts(rules, facts)
        refusal = None
        rule_set = getattr(rules, "eligibility", None)
        if rule_set is not None and isinstance(parsed, PurchaseFacts):
            evidence.required_evidence(rule_set, parsed)
            refusal = evidence.check(rule_set, parsed)
        decision = decide(rules, facts)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise NotAllowed(f"facts of a {rules.kind} application: {problems}") from None
    except OutOfBounds as exc:
        raise NotAllowed(f"facts of a {rules.kind} application: {exc}") from None
    if (
        refusal is None
        and isinstance(rules, TradeInSubsidy)
        and isinstance(parsed, TradeInFacts)
        and parsed.payout not in rules.payout
    ):
        refusal = Refusal.by(
            "payout",
            "payout",
            offered=Both(" or ".join(rules.payout), "或".join(rules.payout)),
            payout=parsed.payout,
        )
    # A purchase the amount rule finds nothing payable for (no band, no rate) is refused by
    # rule; a firm subsidy found ineligible waits for an officer's reasoned rejection.
    purchase = isinstance(rules, PurchaseSubsidy | TradeInSubsidy)
    if purchase and refusal is None and not decision.eligible and decision.lines:
        refusal = evidence.from_decision(decision.lines[0].en, decision.lines[0].zh)
    return decision, parsed, refusal


def _unique_evidence(parsed: Any, rules: SubsidyProgramme) -> list[tuple[str, str, str]]:
    """(slot kind, value, field) of evidence one subsidy may use only once."""
    rule_set = getattr(rules, "eligibility", None)
    out: list[tuple[str, str, str]] = []
    if rule_set is not None and rule_set.one_per_item and parsed.item_id:
        out.append(("item", parsed.item_id, "item_id"))
    if isinstance(parsed, TradeInFacts):
        out.append(("cert", parsed.old_item_certificate.upper(), "old_item_certificate"))
    return out


def _records_refusal(
    conn: Connection, pid: int, rules: SubsidyProgramme, applicant: str, parsed: Any
) -> Refusal | None:
    """One subsidy per item, per old-item certificate and (as the rules say) per person."""
    for kind, value, field in _unique_evidence(parsed, rules):
        if _slots(conn, pid, kind, value):
            rule = "one_per_item" if kind == "item" else "one_per_certificate"
            return Refusal.by(rule, field, value=value)
    held = len(_slots(conn, pid, "id", applicant))
    if held >= _limit(rules):
        return Refusal.by("one_per_person", "applicant", held=held, limit=_limit(rules))
    return None


def _slots(conn: Connection, pid: int, kind: str, value: str) -> list[int]:
    return list(
        conn.execute(
            select(IdentitySlotRow.slot).where(
                IdentitySlotRow.scope == f"s{pid}",
                IdentitySlotRow.kind == kind,
                IdentitySlotRow.value == value,
            )
        ).scalars()
    )


def _apply(
    engine: Engine,
    programme_code: str,
    idem_key: str,
    applicant: str,
    facts: dict[str, Any],
    digest: str,
    now: datetime | None,
) -> dict[str, Any]:
    with write_tx(engine) as conn:
        pid = programme_id_of(conn, programme_code)
        rules = _subsidy_rules(conn, pid)
        # Rent and carrier subsidies: the firm registry decides who qualifies, and on what.
        verdict = registry_verdict(rules.kind, applicant, facts, now, engine)
        decision, parsed, refusal = _checked(rules, verdict.facts if verdict else facts)
        decision = with_verdict(decision, verdict)
        if refusal is None:
            refusal = _records_refusal(conn, pid, rules, applicant, parsed)
        recorded = decision.as_dict()
        if refusal is not None:
            recorded = {
                "amount_fen": 0,
                "eligible": False,
                "lines": [{"en": refusal.en, "zh": refusal.zh}],
                "refusal": refusal.as_dict(),
                # What the declared rule pays should an appeal find the refusal wrong.
                "if_upheld": decision.as_dict() if decision.eligible else None,
            }
        row = {
            "id": f"a{secrets.token_hex(8)}",
            "programme_id": pid,
            "applicant": applicant,
            "facts_json": json.dumps(facts, sort_keys=True, default=str),
            "decision_json": json.dumps(recorded, ensure_ascii=False),
            "amount_fen": recorded["amount_fen"],
            "status": "submitted",
            "reviewer": None,
            "reason": None,
            "submitted_at": _stamp(now),
            "reviewed_at": None,
            "disbursed_at": None,
        }
        conn.execute(insert(ApplicationRow), row)
        aid = str(row["id"])
        if refusal is None:
            # The item and certificate are taken while the application stands: a concurrent
            # second application for them hits the key; a rejection frees them.
            for kind, value, _field in _unique_evidence(parsed, rules):
                conn.execute(
                    insert(IdentitySlotRow),
                    {"scope": f"s{pid}", "kind": kind, "value": value, "slot": 1, "ref": aid},
                )
        booked = [steps.application_step(conn, aid, "submit", now=now)]
        if refusal is not None:
            # Refused by the rules at once, kept with the rule and reason (and appealable).
            conn.execute(
                update(ApplicationRow)
                .where(ApplicationRow.id == aid)
                .values(
                    status="rejected",
                    reviewer="rules",
                    reason=refusal.reason(),
                    reviewed_at=row["submitted_at"],
                )
            )
            booked.append(steps.application_step(conn, aid, "refuse", now=now, rule=refusal.rule))
        answer = _answer(conn, aid, booked)
        remember(conn, idem_key=idem_key, op="apply", digest=digest, answer=answer)
    return answer


def _get(conn: Connection, application_id: str) -> Any:
    row = conn.execute(select(ApplicationRow).where(ApplicationRow.id == application_id)).first()
    if row is None:
        raise NotFound(f"no application {application_id}")
    return row


def _limit(rules: SubsidyProgramme) -> int:
    if isinstance(rules, PurchaseSubsidy | TradeInSubsidy):
        return rules.limits.per_person_total
    return 1_000_000


def _stamp(now: datetime | None) -> str:
    """``now`` (the operation's time, when simulated or back-dated) or the wall clock, stored."""
    return iso(now) if now is not None else now_iso()


APPLICATION_FIELDS = (
    "id",
    "programme_id",
    "applicant",
    "facts_json",
    "decision_json",
    "amount_fen",
    "submitted_at",
)


def application_doc(app: Any, **more: Any) -> str:
    """The digest of an application its ledger entries carry (facts, decision, amount, and
    ``more``: who decided and when), so an edit to the record beside the chain is found."""
    return ledger.record_doc({**{k: getattr(app, k) for k in APPLICATION_FIELDS}, **more})


def _approve(
    conn: Connection, app: Any, rules: SubsidyProgramme, now: datetime | None, reviewer: str
) -> int:
    """Commit the money (the ``approve`` entry, whose id is returned)."""
    taken = (
        conn.execute(
            select(IdentitySlotRow.slot).where(
                IdentitySlotRow.scope == f"s{app.programme_id}",
                IdentitySlotRow.kind == "id",
                IdentitySlotRow.value == app.applicant,
            )
        )
        .scalars()
        .all()
    )
    if len(taken) >= _limit(rules):
        raise LimitReached(f"applicant already has {len(taken)} approved application(s)")
    # A concurrent approval for the same applicant takes the same slot: the key refuses it.
    conn.execute(
        insert(IdentitySlotRow),
        {
            "scope": f"s{app.programme_id}",
            "kind": "id",
            "value": app.applicant,
            "slot": len(taken) + 1,
            "ref": app.id,
        },
    )
    _hold_evidence(conn, app, rules)
    pid = app.programme_id
    try:
        rows = ledger.append(
            conn,
            chain_id=programme_chain(pid),
            programme_id=pid,
            balance_delta=-app.amount_fen,
            value_at=now,
            moves=[
                Move(
                    "approve",
                    f"budget:{pid}",
                    f"firm:{app.applicant}",
                    app.amount_fen,
                    ref=app.id,
                    doc=application_doc(
                        app,
                        reviewer=reviewer,
                        maker=foureyes.maker_of(conn, action="approve", subject=app.id),
                    ),
                )
            ],
        )
    except ledger.ChainBusyError:
        raise Conflict("the programme's budget cannot cover this amount") from None
    return steps.entry_id(conn, rows)


def _hold_evidence(conn: Connection, app: Any, rules: SubsidyProgramme) -> None:
    """Take the item and certificate at approval if the application does not hold them yet
    (one reopened by an appeal), so one car is never approved twice."""
    try:
        parsed = parse_facts(rules, json.loads(app.facts_json))
    except ValidationError:
        return
    for kind, value, field in _unique_evidence(parsed, rules):
        holder = conn.execute(
            select(IdentitySlotRow.ref).where(
                IdentitySlotRow.scope == f"s{app.programme_id}",
                IdentitySlotRow.kind == kind,
                IdentitySlotRow.value == value,
            )
        ).scalar()
        if holder is None:
            conn.execute(
                insert(IdentitySlotRow),
                {
                    "scope": f"s{app.programme_id}",
                    "kind": kind,
                    "value": value,
                    "slot": 1,
                    "ref": app.id,
                },
            )
        elif holder != app.id:
            raise Conflict(f"{field} {value} is held by application {holder}")


def _free_evidence(conn: Connection, app: Any) -> None:
    """A rejected application no longer holds its item or certificate."""
    conn.execute(
        delete(IdentitySlotRow).where(
            IdentitySlotRow.scope == f"s{app.programme_id}",
            IdentitySlotRow.kind.in_(("item", "cert")),
            IdentitySlotRow.ref == app.id,
        )
    )


def review(
    *,
    application_id: str,
    idem_key: str,
    decision: Literal["approve", "reject"],
    reviewer: str,
    reason: str = "",
    engine: Engine | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Approve (commits the money) or reject (a reason is required) a submitted application.

    ``now`` is the review's time, the approval's value time (default: now).
    """
    engine = engine_or_default(engine)
    if decision == "reject" and not reason.strip():
        raise NotAllowed("a rejection needs a reason")
    digest, earlier = _keyed(
        engine,
        idem_key,
        "review",
        {"a": application_id, "d": decision, "r": reviewer, "why": reason},
    )
    if earlier is not None:
        return earlier
    try:
        return _review(engine, application_id, idem_key, decision, reviewer, reason, digest, now)
    except IntegrityError:
        raise Conflict("another approval for this applicant ran at once; retry") from None


def _review(
    engine: Engine,
    application_id: str,
    idem_key: str,
    decision: str,
    reviewer: str,
    reason: str,
    digest: str,
    now: datetime | None,
) -> dict[str, Any]:
    with write_tx(engine) as conn:
        app = _get(conn, application_id)
        if app.status != "submitted":
            raise Conflict(f"application {application_id} is already {app.status}")
        if decision == "approve":
            if not json.loads(app.decision_json)["eligible"]:
                raise NotAllowed("the declared rule finds nothing payable; reject it with a reason")
            rules = _subsidy_rules(conn, app.programme_id)
            maker = foureyes.second_pair(
                conn,
                action="approve",
                subject=app.id,
                programme_id=app.programme_id,
                amount_fen=app.amount_fen,
                threshold_fen=rules.four_eyes_above_fen,
                officer=reviewer,
            )
            if maker is None:  # proposed: a second officer's approval moves the money
                booked = [steps.proposal_step(conn, action="approve", subject=app.id, now=now)]
                answer = _answer(conn, application_id, booked)
                remember(conn, idem_key=idem_key, op="review", digest=digest, answer=answer)
                return answer
            booked = [_approve(conn, app, rules, now, reviewer)]
        else:
            _free_evidence(conn, app)
            booked = []
        status = "approved" if decision == "approve" else "rejected"
        hit = conn.execute(
            update(ApplicationRow)
            .where(ApplicationRow.id == application_id, ApplicationRow.status == "submitted")
            .values(
                status=status, reviewer=reviewer, reason=reason or None, reviewed_at=_stamp(now)
            )
        )
        if hit.rowcount != 1:
            raise Conflict(f"application {application_id} was reviewed at the same time")
        if decision != "approve":
            booked = [steps.application_step(conn, application_id, "reject", now=now)]
        answer = _answer(conn, application_id, booked)
        remember(conn, idem_key=idem_key, op="review", digest=digest, answer=answer)
    return answer


def payee_of(app: Any) -> str:
    """Who the money goes to: the applicant, or the seller who deducted it at the till."""
    facts = json.loads(app.facts_json)
    if facts.get("payout") == "till" and facts.get("seller"):
        return str(facts["seller"]).upper()
    return str(app.applicant)


def disburse(
    *,
    application_id: str,
    idem_key: str,
    officer: str,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Pay an approved application out, once, when a second officer confirms ``officer``'s
    request (four eyes); ``now`` is the payment's time (default: now)."""
    engine = engine_or_default(engine)
    digest, earlier = _keyed(engine, idem_key, "disburse", {"a": application_id, "o": officer})
    if earlier is not None:
        return earlier
    with write_tx(engine) as conn:
        app = _get(conn, application_id)
        if app.status != "approved":
            raise Conflict(f"application {application_id} is {app.status}, not approved")
        maker = foureyes.second_pair(
            conn,
            action="disburse",
            subject=app.id,
            programme_id=app.programme_id,
            amount_fen=app.amount_fen,
            threshold_fen=_subsidy_rules(conn, app.programme_id).four_eyes_above_fen,
            officer=officer,
        )
        if maker is None:
            booked = [steps.proposal_step(conn, action="disburse", subject=app.id, now=now)]
            answer = _answer(conn, application_id, booked)
            remember(conn, idem_key=idem_key, op="disburse", digest=digest, answer=answer)
            return answer
        hit = conn.execute(
            update(ApplicationRow)
            .where(ApplicationRow.id == application_id, ApplicationRow.status == "approved")
            .values(status="disbursed", disbursed_at=_stamp(now))
        )
        if hit.rowcount != 1:
            raise Conflict(f"application {application_id} is {app.status}, not approved")
        rows = ledger.append(
            conn,
            chain_id=programme_chain(app.programme_id),
            programme_id=app.programme_id,
            value_at=now,
            moves=[
                Move(
                    "disburse",
                    f"firm:{app.applicant}",
                    f"paid:{payee_of(app)}",
                    app.amount_fen,
                    ref=app.id,
                    doc=application_doc(
                        app,
                        reviewer=app.reviewer,
                        maker=foureyes.maker_of(conn, action="approve", subject=app.id),
                    ),
                )
            ],
        )
        answer = _answer(conn, application_id, [steps.entry_id(conn, rows)])
        remember(conn, idem_key=idem_key, op="disburse", digest=digest, answer=answer)
    return answer


def claw_back(
    *,
    application_id: str,
    amount_fen: int,
    reason: str,
    officer: str,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Recover (part of) a paid subsidy, four eyes: ``officer`` proposes, another confirms.

    The money comes back to the programme's budget (``recover``: ``paid:<applicant>`` →
    ``budget:<programme>``); the applicant may appeal it (``appeals``).
    """
    if not reason.strip():
        raise NotAllowed("a claw-back needs a reason")
    engine = engine_or_default(engine)
    with write_tx(engine) as conn:
        app = _get(conn, application_id)
        if app.status != "disbursed":
            raise Conflict(f"application {application_id} is {app.status}: nothing was paid")
        recovered = sum(
            int(a)
            for a in conn.execute(
                select(LedgerRow.amount_fen).where(
                    LedgerRow.op == "recover", LedgerRow.ref == app.id
                )
            ).scalars()
        )
        if not 0 < amount_fen <= app.amount_fen - recovered:
            raise NotAllowed(
                f"a claw-back is between 1 and {app.amount_fen - recovered} fen (paid, less "
                "what was already recovered)"
            )
        maker = foureyes.second_pair(
            conn,
            action="recover",
            subject=f"{app.id}#{recovered}",
            programme_id=app.programme_id,
            amount_fen=amount_fen,
            threshold_fen=_subsidy_rules(conn, app.programme_id).four_eyes_above_fen,
            officer=officer,
            payload={"reason": reason},
        )
        if maker is None:
            return {
                **_answer(conn, application_id),
                "awaiting_check": f"claw-back of {amount_fen} fen proposed by {officer}",
            }
        rows = ledger.append(
            conn,
            chain_id=programme_chain(app.programme_id),
            programme_id=app.programme_id,
            balance_delta=amount_fen,
            value_at=now,
            moves=[
                Move(
                    "recover",
                    f"paid:{payee_of(app)}",
                    f"budget:{app.programme_id}",
                    amount_fen,
                    ref=app.id,
                )
            ],
        )
        return _answer(conn, application_id, [steps.entry_id(conn, rows)])


def application(application_id: str, *, engine: Engine | None = None) -> dict[str, Any]:
    """One application with its decision lines and every ledger entry booked for it."""
    with engine_or_default(engine).connect() as conn:
        answer = _answer(conn, application_id)
        entries = steps.entries_of(conn, _get(conn, application_id).programme_id, application_id)
        return {**answer, "ledger": entries}


def applications_of(
    programme_code: str, *, status: str | None = None, engine: Engine | None = None
) -> list[dict[str, Any]]:
    """A programme's applications, oldest first (``status`` filters)."""
    with engine_or_default(engine).connect() as conn:
        pid = programme_id_of(conn, programme_code)
        query = select(ApplicationRow).where(ApplicationRow.programme_id == pid)
        if status is not None:
            query = query.where(ApplicationRow.status == status)
        rows = conn.execute(query.order_by(ApplicationRow.submitted_at, ApplicationRow.id))
        return [_public(r) for r in rows]
