"""Applications (揭榜), the review panel, declared conflicts of interest, and scores.

The conflict rule: a reviewer who declared a conflict with a firm cannot score that firm's
application; one who declared a conflict with the whole call cannot score any of it.
Declaring a conflict after scoring withdraws the scores it touches (kept in the history).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from cockpit.db import session_scope
from cockpit.scenarios import history, review
from cockpit.scenarios.models import (
    Application,
    Call,
    Conflict,
    Firm,
    PanelSeat,
    Reviewer,
    ScenarioNeed,
    Score,
    Solution,
)
from cockpit.scenarios.registry import new_id
from cockpit.scenarios.schemas import ApplicationOut, Criterion
from cockpit.scenarios.vocab import (
    Actor,
    CallState,
    ConflictOfInterest,
    IllegalTransition,
    NotAllowed,
    NotFound,
    Role,
    ScenarioError,
)

BEFORE_REVIEW = frozenset(
    {CallState.DRAFT, CallState.PUBLISHED, CallState.APPLICATIONS_OPEN, CallState.CLOSED}
)


def load_call(session: Session, call_id: str, *, lock: bool = False) -> Call:
    """The call ``call_id``, or NotFound; ``lock`` holds its row until the transaction ends,
    so two changes to one call (two steps, a score and a step) run one after the other on
    PostgreSQL, and the call's hash chain never forks."""
    call = session.get(Call, call_id, with_for_update=lock)
    if call is None:
        raise NotFound(f"no call {call_id!r}")
    return call


def call_criteria(call: Call) -> list[Criterion]:
    """The call's declared criteria."""
    return [Criterion.model_validate(c) for c in call.criteria]


def _require(actor: Actor, role: Role, what: str) -> None:
    if actor.role is not role:
        raise NotAllowed(f"{what} is for a {role.value}, not a {actor.role.value}")


def _check_offer(session: Session, call: Call, firm_id: str, solution_id: str | None) -> None:
    if session.get(Firm, firm_id) is None:
        raise NotFound(f"no firm {firm_id!r}")
    if solution_id is not None:
        solution = session.get(Solution, solution_id)
        if solution is None or solution.firm_id != firm_id:
            raise ScenarioError(f"solution {solution_id!r} is not one of {firm_id}'s")
    taken = select(Application.id).where(Application.call_id == call.id)
    if session.scalar(taken.where(Application.firm_id == firm_id)) is not None:
        raise ScenarioError(f"{firm_id} has already applied to {call.id}")


def apply(
    *,
    call_id: str,
    firm_id: str,
    proposal_zh: str,
    price_fen: int,
    actor: Actor,
    solution_id: str | None = None,
    proposal_en: str | None = None,
    engine: Engine | None = None,
    at: datetime | None = None,
) -> ApplicationOut:
    """A firm takes up the call (揭榜) with a proposal and a price within the budget."""
    _require(actor, Role.FIRM, "applying")
    if actor.name != firm_id:
        raise NotAllowed(f"{actor.name} cannot apply on behalf of {firm_id}")
    when = history.as_shanghai(at)
    with session_scope(engine) as session:
        call = load_call(session, call_id, lock=True)
        if call.state != CallState.APPLICATIONS_OPEN:
            raise IllegalTransition(f"call {call_id} is {call.state}: it takes no applications")
        need = session.get(ScenarioNeed, call.scenario_id)
        assert need is not None
        if when.date() > need.deadline:
            raise IllegalTransition(
                f"the deadline of {need.id} was {need.deadline}: applications are closed"
            )
        if not 0 < price_fen <= need.budget_max_fen:
            raise ScenarioError(
                f"price {price_fen} fen is outside the budget (0, {need.budget_max_fen}] fen"
            )
        if len(proposal_zh.strip()) < 10:
            raise ScenarioError("a proposal needs at least 10 characters of Chinese text")
        _check_offer(session, call, firm_id, solution_id)
        row = Application(
            id=new_id("app"),
            call_id=call_id,
            firm_id=firm_id,
            solution_id=solution_id,
            proposal_zh=proposal_zh,
            proposal_en=proposal_en,
            price_fen=price_fen,
            submitted_at=when,
        )
        session.add(row)
        detail = {"application_id": row.id, "firm_id": firm_id, "price_fen": price_fen}
        history.record(
            session,
            subject_type="call",
            subject_id=call_id,
            actor=actor,
            action="apply",
            at=when,
            detail=detail,
        )
        return ApplicationOut.model_validate(row)


def add_reviewer(
    *,
    reviewer_id: str,
    name: str,
    actor: Actor,
    organisation: str = "",
    engine: Engine | None = None,
) -> None:
    """Put an expert in the reviewer pool (operator)."""
    _require(actor, Role.OPERATOR, "managing reviewers")
    with session_scope(engine) as session:
        if session.get(Reviewer, reviewer_id) is not None:
            raise ScenarioError(f"reviewer {reviewer_id!r} already exists")
        session.add(Reviewer(id=reviewer_id, name=name, organisation=organisation))


def seat_reviewer(
    *,
    call_id: str,
    reviewer_id: str,
    actor: Actor,
    engine: Engine | None = None,
    at: datetime | None = None,
) -> None:
    """Seat a reviewer on a call's panel (operator), before the review is complete."""
    _require(actor, Role.OPERATOR, "seating reviewers")
    when = history.as_shanghai(at)
    with session_scope(engine) as session:
        call = load_call(session, call_id, lock=True)
        if CallState(call.state) not in BEFORE_REVIEW:
            raise IllegalTransition(f"call {call_id} is {call.state}: its panel is fixed")
        if session.get(Reviewer, reviewer_id) is None:
            raise NotFound(f"no reviewer {reviewer_id!r}")
        if session.get(PanelSeat, (call_id, reviewer_id)) is None:
            session.add(PanelSeat(call_id=call_id, reviewer_id=reviewer_id))
            history.record(
                session,
                subject_type="call",
                subject_id=call_id,
                actor=actor,
                action="seat_reviewer",
                at=when,
                detail={"reviewer_id": reviewer_id},
            )


def conflict_of(session: Session, call_id: str, reviewer_id: str, firm_id: str) -> Conflict | None:
    """The declared conflict that stops ``reviewer_id`` scoring ``firm_id`` on this call."""
    stmt = select(Conflict).where(Conflict.call_id == call_id, Conflict.reviewer_id == reviewer_id)
    for conflict in session.scalars(stmt):
        if conflict.firm_id in (None, firm_id):
            return conflict
    return None


def _withdraw_scores(session: Session, call_id: str, reviewer_id: str, firm_id: str | None) -> int:
    apps = select(Application.id).where(Application.call_id == call_id)
    if firm_id is not None:
        apps = apps.where(Application.firm_id == firm_id)
    stmt = delete(Score).where(Score.reviewer_id == reviewer_id, Score.application_id.in_(apps))
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def declare_conflict(
    *,
    call_id: str,
    reviewer_id: str,
    reason: str,
    actor: Actor,
    firm_id: str | None = None,
    engine: Engine | None = None,
    at: datetime | None = None,
) -> int:
    """Declare a reviewer's conflict with a firm (or the whole call); returns scores withdrawn."""
    if actor.role is Role.REVIEWER and actor.name != reviewer_id:
        raise NotAllowed("a reviewer declares only their own conflicts")
    if actor.role not in (Role.REVIEWER, Role.OPERATOR):
        raise NotAllowed(f"a {actor.role.value} cannot declare a reviewer's conflict")
    if not reason.strip():
        raise ScenarioError("a conflict of interest needs a stated reason")
    when = history.as_shanghai(at)
    with session_scope(engine) as session:
        load_call(session, call_id, lock=True)
        if firm_id is not None and session.get(Firm, firm_id) is None:
            raise NotFound(f"no firm {firm_id!r}")
        session.add(
            Conflict(
                call_id=call_id,
                reviewer_id=reviewer_id,
                firm_id=firm_id,
                reason=reason,
                declared_at=when,
            )
        )
        withdrawn = _withdraw_scores(session, call_id, reviewer_id, firm_id)
        detail = {
            "reviewer_id": reviewer_id,
            "firm_id": firm_id,
            "reason": reason,
            "scores_withdrawn": withdrawn,
        }
        history.record(
            session,
            subject_type="call",
            subject_id=call_id,
            actor=actor,
            action="declare_conflict",
            at=when,
            detail=detail,
        )
        return withdrawn


def _check_sheet(criteria: list[Criterion], sheet: dict[str, int]) -> None:
    codes = {c.code for c in criteria}
    if set(sheet) != codes:
        raise ScenarioError(f"score every declared criterion, exactly: {sorted(codes)}")
    bad = {k: v for k, v in sheet.items() if not (isinstance(v, int) and 0 <= v <= 100)}
    if bad:
        raise ScenarioError(f"scores are whole numbers from 0 to 100: {bad}")


def score_application(
    *,
    call_id: str,
    application_id: str,
    reviewer_id: str,
    sheet: dict[str, int],
    actor: Actor,
    engine: Engine | None = None,
    at: datetime | None = None,
) -> None:
    """A panel reviewer scores one application on every criterion (replacing earlier scores)."""
    _require(actor, Role.REVIEWER, "scoring")
    if actor.name != reviewer_id:
        raise NotAllowed("a reviewer scores only under their own name")
    when = history.as_shanghai(at)
    with session_scope(engine) as session:
        call = load_call(session, call_id, lock=True)
        if call.state != CallState.CLOSED:
            raise IllegalTransition(f"call {call_id} is {call.state}: scoring happens when closed")
        app = session.get(Application, application_id)
        if app is None or app.call_id != call_id:
            raise NotFound(f"no application {application_id!r} in {call_id}")
        if session.get(PanelSeat, (call_id, reviewer_id)) is None:
            raise NotAllowed(f"{reviewer_id} has no seat on the panel of {call_id}")
        conflict = conflict_of(session, call_id, reviewer_id, app.firm_id)
        if conflict is not None:
            raise ConflictOfInterest(
                f"{reviewer_id} declared a conflict of interest ({conflict.reason}) "
                f"and cannot score {app.firm_id}'s application"
            )
        _check_sheet(call_criteria(call), sheet)
        session.execute(
            delete(Score).where(Score.application_id == app.id, Score.reviewer_id == reviewer_id)
        )
        for code, value in sheet.items():
            session.add(
                Score(
                    application_id=app.id,
                    reviewer_id=reviewer_id,
                    criterion=code,
                    score=value,
                    scored_at=when,
                )
            )
        history.record(
            session,
            subject_type="call",
            subject_id=call_id,
            actor=actor,
            action="score",
            at=when,
            detail={"application_id": app.id, "scores": sheet},
        )


def applications_of(session: Session, call_id: str) -> list[Application]:
    stmt = select(Application).where(Application.call_id == call_id).order_by(Application.id)
    return list(session.scalars(stmt))


def list_applications(call_id: str, *, engine: Engine | None = None) -> list[ApplicationOut]:
    """The applications to a call."""
    with session_scope(engine) as session:
        load_call(session, call_id)
        return [ApplicationOut.model_validate(a) for a in applications_of(session, call_id)]


def _panel(session: Session, call_id: str) -> list[str]:
    stmt = select(PanelSeat.reviewer_id).where(PanelSeat.call_id == call_id)
    return sorted(session.scalars(stmt))


def _sheets(session: Session, call: Call) -> dict[tuple[str, str], dict[str, int]]:
    apps = select(Application.id).where(Application.call_id == call.id)
    sheets: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for s in session.scalars(select(Score).where(Score.application_id.in_(apps))):
        sheets[(s.application_id, s.reviewer_id)][s.criterion] = s.score
    return sheets


def missing_scores(session: Session, call: Call) -> list[str]:
    """What stops the review being complete: no applications, no panel, unscored pairs."""
    apps = applications_of(session, call.id)
    if not apps:
        return ["no applications"]
    reviewers = _panel(session, call.id)
    if not reviewers:
        return ["no reviewer on the panel"]
    sheets = _sheets(session, call)
    missing = []
    for app in apps:
        eligible = [r for r in reviewers if conflict_of(session, call.id, r, app.firm_id) is None]
        if not eligible:
            missing.append(f"{app.id}: every reviewer is conflicted")
        missing += [f"{app.id}: not scored by {r}" for r in eligible if (app.id, r) not in sheets]
    return missing


def scores(session: Session, call: Call) -> review.Scores:
    """Every score sheet of the call (conflicted sheets were withdrawn when declared)."""
    return dict(_sheets(session, call))


def entries(session: Session, call_id: str) -> list[review.Entry]:
    """The call's applications as the ranking sees them."""
    return [
        review.Entry(a.id, a.firm_id, a.price_fen, a.submitted_at)
        for a in applications_of(session, call_id)
    ]
