"""Every change as an append-only event, each chained to the one before it by hash.

The database refuses UPDATE and DELETE on ``scn_events`` (triggers in the migration);
the hash chain per subject shows any edit made around that, e.g. in a restored backup.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cockpit.format import SHANGHAI
from cockpit.scenarios.models import Event
from cockpit.scenarios.vocab import Actor

GENESIS = "0" * 64


def shanghai_now() -> datetime:
    """Now, as naive Asia/Shanghai wall-clock time (how the room stores times)."""
    return datetime.now(SHANGHAI).replace(tzinfo=None, microsecond=0)


def as_shanghai(at: datetime | None) -> datetime:
    """``at`` as naive Shanghai time; aware times are converted, None means now."""
    if at is None:
        return shanghai_now()
    if at.tzinfo is not None:
        return at.astimezone(SHANGHAI).replace(tzinfo=None)
    return at


def _digest(fields: dict[str, Any]) -> str:
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fields(event: Event) -> dict[str, Any]:
    return {
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "at": event.at.isoformat(),
        "role": event.role,
        "actor": event.actor,
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }


def _last_hash(session: Session, subject_id: str) -> str:
    stmt = (
        select(Event.hash).where(Event.subject_id == subject_id).order_by(Event.id.desc()).limit(1)
    )
    return session.scalar(stmt) or GENESIS


def record(
    session: Session,
    *,
    subject_type: str,
    subject_id: str,
    actor: Actor,
    action: str,
    at: datetime,
    detail: dict[str, Any] | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
) -> Event:
    """Append one event to ``subject_id``'s history, signed by ``actor``."""
    session.flush()
    event = Event(
        subject_type=subject_type,
        subject_id=subject_id,
        at=at,
        role=actor.role.value,
        actor=actor.name,
        action=action,
        from_state=from_state,
        to_state=to_state,
        detail=detail or {},
        prev_hash=_last_hash(session, subject_id),
    )
    event.hash = _digest(_fields(event))
    session.add(event)
    session.flush()
    return event


def events_of(session: Session, subject_id: str) -> list[Event]:
    """The history of ``subject_id``, oldest first."""
    stmt = select(Event).where(Event.subject_id == subject_id).order_by(Event.id)
    return list(session.scalars(stmt))


def chain_breaks(events: list[Event]) -> list[int]:
    """Ids of events whose hash or link to the previous event does not hold."""
    broken = []
    prev = GENESIS
    for event in events:
        if event.prev_hash != prev or _digest(_fields(event)) != event.hash:
            broken.append(event.id)
        prev = event.hash
    return broken
