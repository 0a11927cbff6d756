"""Calls keep their secrets: bids and score sheets are for the call's owner unit and its
seated reviewers until the award; after it they are published with the award.

A call belongs to whoever drafted it (the ``draft`` event's actor): the unit, or the operator
acting for one. Before the award, everyone else reads a call's timeline with the details of
applications, scores, conflicts and the review withheld, and cannot list the proposals.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from cockpit.db import session_scope
from cockpit.scenarios import history
from cockpit.scenarios.models import PanelSeat
from cockpit.scenarios.panel import load_call
from cockpit.scenarios.schemas import EventOut
from cockpit.scenarios.vocab import Actor, CallState, Role

# Events whose details hold bids, score sheets or who conflicts with whom.
SECRET_ACTIONS = frozenset({"apply", "score", "declare_conflict", "review"})
PUBLISHED_STATES = frozenset(
    s.value for s in (CallState.AWARDED, CallState.CONTRACTED, CallState.DELIVERED,
                      CallState.ACCEPTED)
)  # fmt: skip


@dataclass(frozen=True)
class Insiders:
    """Who may read a call's secrets, and whether the award has published them."""

    owner: Actor | None
    reviewers: frozenset[str]
    published: bool

    def admit(self, actor: Actor) -> bool:
        """True when ``actor`` may read the bids and score sheets now."""
        if self.published:
            return True
        if actor.role == Role.REVIEWER:
            return actor.name in self.reviewers
        return self.owner is not None and actor == self.owner


def insiders(call_id: str, *, engine: Engine | None = None) -> Insiders:
    """The owner unit, the seated reviewers and the state of call ``call_id`` (NotFound)."""
    with session_scope(engine) as session:
        call = load_call(session, call_id)
        draft = next((e for e in history.events_of(session, call_id) if e.action == "draft"), None)
        owner = Actor(Role(draft.role), draft.actor) if draft is not None else None
        seats = session.scalars(select(PanelSeat.reviewer_id).where(PanelSeat.call_id == call_id))
        return Insiders(
            owner=owner, reviewers=frozenset(seats), published=call.state in PUBLISHED_STATES
        )


def withhold(events: list[EventOut]) -> list[EventOut]:
    """The timeline with the details of secret events withheld (their fact and date kept)."""
    return [
        e.model_copy(update={"detail": {"withheld": "until the award"}})
        if e.action in SECRET_ACTIONS
        else e
        for e in events
    ]
