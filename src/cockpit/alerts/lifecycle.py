"""The life of an alert in the operational database: open → acknowledged → resolved.

Each service function owns its transaction. ``record_findings`` turns a run's findings into
alerts: a condition still open (or acknowledged) is updated in place, one an officer has
resolved stays resolved unless it fires again on newer evidence, which opens a new alert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cockpit.alerts.findings import Finding
from cockpit.alerts.models import Alert, AlertEvent
from cockpit.alerts.rules import SEVERITY_RANK
from cockpit.db import session_scope
from cockpit.format import SHANGHAI


class AlertNotFound(LookupError):
    """No alert has this id."""


class InvalidTransition(ValueError):
    """The alert's status does not allow this step (e.g. acknowledging a resolved alert)."""


class AlertPublic(BaseModel):
    """An alert as the CLI and the HTTP API show it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    rule_id: str
    kind: str
    severity: str
    status: str
    subject: str
    period: str
    title_zh: str
    title_en: str
    summary_zh: str
    summary_en: str
    evidence: dict[str, object]
    first_fired_at: dt.datetime
    last_fired_at: dt.datetime
    fire_count: int
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    acknowledged_comment: str | None
    resolved_by: str | None
    resolved_at: dt.datetime | None
    resolved_comment: str | None


@dataclass
class Recorded:
    """What ``record_findings`` did: ids of new, updated and still-resolved alerts."""

    opened: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    suppressed: list[int] = field(default_factory=list)


def now_shanghai() -> dt.datetime:
    """Wall-clock time in Asia/Shanghai, naive (as the database stores it)."""
    return dt.datetime.now(SHANGHAI).replace(tzinfo=None, microsecond=0)


def _latest(session: Session, key: str) -> Alert | None:
    stmt = select(Alert).where(Alert.dedupe_key == key).order_by(Alert.id.desc()).limit(1)
    return session.scalars(stmt).first()


def _open_alert(session: Session, finding: Finding, at: dt.datetime) -> Alert:
    alert = Alert(
        dedupe_key=finding.dedupe_key,
        rule_id=finding.rule_id,
        kind=finding.kind,
        severity=finding.severity,
        status="open",
        subject=finding.subject[:250],
        period=finding.period,
        title_zh=finding.title_zh,
        title_en=finding.title_en,
        summary_zh=finding.summary_zh,
        summary_en=finding.summary_en,
        evidence=finding.evidence,
        first_fired_at=at,
        last_fired_at=at,
        fire_count=1,
    )
    session.add(alert)
    session.flush()
    session.add(AlertEvent(alert_id=alert.id, at=at, action="fired"))
    return alert


def _refire(session: Session, alert: Alert, finding: Finding, at: dt.datetime) -> None:
    if finding.period != alert.period:
        session.add(
            AlertEvent(
                alert_id=alert.id,
                at=at,
                action="refired",
                comment=f"{alert.period} → {finding.period}",
            )
        )
    if SEVERITY_RANK[finding.severity] > SEVERITY_RANK[alert.severity] and (
        alert.status == "acknowledged"
    ):
        # a worse condition needs a fresh look from whoever acknowledged the milder one
        alert.status = "open"
        session.add(AlertEvent(alert_id=alert.id, at=at, action="escalated"))
    alert.severity = finding.severity
    alert.period = finding.period
    alert.summary_zh = finding.summary_zh
    alert.summary_en = finding.summary_en
    alert.evidence = finding.evidence
    alert.last_fired_at = at
    alert.fire_count += 1


def record_findings(
    *, findings: Iterable[Finding], engine: Engine | None = None, at: dt.datetime | None = None
) -> Recorded:
    """Store a run's findings: update live alerts of the same condition, open new ones."""
    at = at or now_shanghai()
    done = Recorded()
    with session_scope(engine) as session:
        for finding in findings:
            latest = _latest(session, finding.dedupe_key)
            if latest is not None and latest.status != "resolved":
                _refire(session, latest, finding, at)
                done.updated.append(latest.id)
            elif latest is not None and latest.period == finding.period:
                done.suppressed.append(latest.id)
            else:
                done.opened.append(_open_alert(session, finding, at).id)
    return done


def _get(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise AlertNotFound(f"no alert {alert_id}")
    return alert


def acknowledge(
    *, alert_id: int, actor: str, comment: str = "", engine: Engine | None = None
) -> AlertPublic:
    """Mark an open alert as seen by ``actor``."""
    at = now_shanghai()
    with session_scope(engine) as session:
        alert = _get(session, alert_id)
        if alert.status != "open":
            raise InvalidTransition(f"alert {alert_id} is {alert.status}, not open")
        alert.status = "acknowledged"
        alert.acknowledged_by, alert.acknowledged_at = actor, at
        alert.acknowledged_comment = comment or None
        session.add(
            AlertEvent(
                alert_id=alert.id,
                at=at,
                action="acknowledged",
                actor=actor,
                comment=comment or None,
            )
        )
        return AlertPublic.model_validate(alert)


def resolve(
    *, alert_id: int, actor: str, comment: str = "", engine: Engine | None = None
) -> AlertPublic:
    """Close an open or acknowledged alert, saying who and why."""
    at = now_shanghai()
    with session_scope(engine) as session:
        alert = _get(session, alert_id)
        if alert.status == "resolved":
            raise InvalidTransition(f"alert {alert_id} is already resolved")
        alert.status = "resolved"
        alert.resolved_by, alert.resolved_at = actor, at
        alert.resolved_comment = comment or None
        session.add(
            AlertEvent(
                alert_id=alert.id, at=at, action="resolved", actor=actor, comment=comment or None
            )
        )
        return AlertPublic.model_validate(alert)


def list_alerts(
    *,
    status: str | None = None,
    severity: str | None = None,
    rule_id: str | None = None,
    limit: int = 500,
    engine: Engine | None = None,
) -> list[AlertPublic]:
    """Alerts, most severe and newest first, optionally filtered."""
    stmt = select(Alert)
    if status is not None:
        stmt = stmt.where(Alert.status == status)
    if severity is not None:
        stmt = stmt.where(Alert.severity == severity)
    if rule_id is not None:
        stmt = stmt.where(Alert.rule_id == rule_id)
    with session_scope(engine) as session:
        alerts = list(session.scalars(stmt.order_by(Alert.last_fired_at.desc(), Alert.id.desc())))
        alerts.sort(key=lambda a: -SEVERITY_RANK.get(a.severity, 0))
        return [AlertPublic.model_validate(a) for a in alerts[:limit]]


def get_alert(*, alert_id: int, engine: Engine | None = None) -> AlertPublic:
    """One alert."""
    with session_scope(engine) as session:
        return AlertPublic.model_validate(_get(session, alert_id))


def alert_history(*, alert_id: int, engine: Engine | None = None) -> list[dict[str, object]]:
    """The events of one alert, oldest first."""
    with session_scope(engine) as session:
        _get(session, alert_id)
        stmt = select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)
        return [
            {"at": e.at, "action": e.action, "actor": e.actor, "comment": e.comment}
            for e in session.scalars(stmt)
        ]
