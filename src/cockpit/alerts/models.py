"""Operational tables of the alerts room: alerts, their history, and notification deliveries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cockpit.db import Base

STATUSES = ("open", "acknowledged", "resolved")


class Alert(Base):
    """One alerting condition (rule × subject); repeated firings update it."""

    __tablename__ = "alerts_alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(300), index=True)
    rule_id: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    subject: Mapped[str] = mapped_column(String(250))
    period: Mapped[str] = mapped_column(String(20))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    summary_zh: Mapped[str] = mapped_column(Text)
    summary_en: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, object]] = mapped_column(JSON)
    first_fired_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_fired_at: Mapped[dt.datetime] = mapped_column(DateTime)
    fire_count: Mapped[int] = mapped_column(Integer, default=1)
    notified_severity: Mapped[str | None] = mapped_column(String(20), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    acknowledged_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    resolved_comment: Mapped[str | None] = mapped_column(Text, nullable=True)


class AlertEvent(Base):
    """The history of an alert: fired, fired again, acknowledged, resolved, notified."""

    __tablename__ = "alerts_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts_alert.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    action: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str | None] = mapped_column(String(100), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)


class Delivery(Base):
    """One notification of one alert to one channel, with its attempts."""

    __tablename__ = "alerts_delivery"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts_alert.id"), index=True)
    channel: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    ok: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
