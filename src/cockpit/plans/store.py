"""Plan state in the operational database: manual figures (as history) and progress snapshots."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from cockpit.db import Base
from cockpit.format import SHANGHAI


def now_shanghai() -> datetime:
    return datetime.now(SHANGHAI)


class ManualFigure(Base):
    """A figure an official entered for a target; never updated, a newer row supersedes it."""

    __tablename__ = "plan_manual_figures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(String(100), index=True)
    target_id: Mapped[str] = mapped_column(String(100))
    value: Mapped[float] = mapped_column(Float)
    as_of: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(500))
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_shanghai)


class ProgressSnapshot(Base):
    """The progress of every target as computed at one time (what reports upward cite)."""

    __tablename__ = "plan_progress_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now_shanghai)
    plan_id: Mapped[str] = mapped_column(String(100), index=True)
    target_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


def record_figure(
    session: Session,
    *,
    plan_id: str,
    target_id: str,
    value: float,
    as_of: date,
    source: str,
    entered_by: str,
) -> ManualFigure:
    """Add a manual figure; earlier figures stay as history."""
    if not source.strip() or not entered_by.strip():
        raise ValueError("a manual figure needs its source and who entered it")
    figure = ManualFigure(
        plan_id=plan_id,
        target_id=target_id,
        value=value,
        as_of=as_of,
        source=source,
        entered_by=entered_by,
    )
    session.add(figure)
    session.flush()
    return figure


def figure_history(session: Session, *, plan_id: str, target_id: str) -> list[ManualFigure]:
    """Every figure entered for a target, newest first."""
    query = (
        select(ManualFigure)
        .where(ManualFigure.plan_id == plan_id, ManualFigure.target_id == target_id)
        .order_by(ManualFigure.as_of.desc(), ManualFigure.id.desc())
    )
    return list(session.scalars(query))


def latest_figure(session: Session, *, plan_id: str, target_id: str) -> ManualFigure | None:
    """The figure in force: the latest date, and of that date the latest entry."""
    history = figure_history(session, plan_id=plan_id, target_id=target_id)
    return history[0] if history else None
