"""Decide which alerts still need telling, send them, and record every delivery.

An alert is pending while it is not resolved and its severity is above the severity last
notified (new alerts, and alerts that got worse). It stops being pending once every
channel that should carry it took the message; a failed channel leaves it pending, so the
next scheduled run tries again.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from cockpit.alerts.channels import ChannelSet
from cockpit.alerts.lifecycle import AlertPublic, now_shanghai
from cockpit.alerts.models import Alert, AlertEvent, Delivery
from cockpit.alerts.notify import Outcome, for_channel, send_with_retries
from cockpit.alerts.rules import SEVERITY_RANK
from cockpit.db import session_scope


def pending_alerts(*, engine: Engine | None = None) -> list[AlertPublic]:
    """Alerts not yet notified at their current severity."""
    with session_scope(engine) as session:
        alerts = session.scalars(select(Alert).where(Alert.status != "resolved").order_by(Alert.id))
        return [
            AlertPublic.model_validate(a)
            for a in alerts
            if a.notified_severity is None
            or SEVERITY_RANK[a.notified_severity] < SEVERITY_RANK[a.severity]
        ]


def deliver_pending(
    *, channels: ChannelSet, signing_secret: str, engine: Engine | None = None
) -> list[Outcome]:
    """Send every pending alert to the channels that take it; record what happened."""
    pending = pending_alerts(engine=engine)
    outcomes = []
    for channel in channels.channels:
        chosen = for_channel(channel, pending)
        if chosen:
            outcomes.append(send_with_retries(channel, chosen, signing_secret=signing_secret))
    _record(pending, outcomes, channels, engine)
    return outcomes


def _record(
    pending: list[AlertPublic],
    outcomes: list[Outcome],
    channels: ChannelSet,
    engine: Engine | None,
) -> None:
    at = now_shanghai()
    failed = {i for o in outcomes if not o.ok for i in o.alert_ids}
    with session_scope(engine) as session:
        for outcome in outcomes:
            for alert_id in outcome.alert_ids:
                session.add(
                    Delivery(
                        alert_id=alert_id,
                        channel=outcome.channel,
                        at=at,
                        ok=outcome.ok,
                        attempts=outcome.attempts,
                        error=outcome.error,
                    )
                )
                action = "notified" if outcome.ok else "notify_failed"
                session.add(
                    AlertEvent(alert_id=alert_id, at=at, action=action, actor=outcome.channel)
                )
        if not channels.channels:
            return  # nowhere to send: keep alerts pending until a channel is configured
        for view in pending:
            alert = session.get(Alert, view.id)
            if alert is not None and view.id not in failed:
                alert.notified_severity = view.severity


def deliveries(*, alert_id: int, engine: Engine | None = None) -> list[dict[str, object]]:
    """The delivery attempts of one alert."""
    with session_scope(engine) as session:
        stmt = select(Delivery).where(Delivery.alert_id == alert_id).order_by(Delivery.id)
        return [
            {"channel": d.channel, "at": d.at, "ok": d.ok, "attempts": d.attempts, "error": d.error}
            for d in session.scalars(stmt)
        ]
