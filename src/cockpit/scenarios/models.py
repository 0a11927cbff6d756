"""Tables of the scenarios room (prefix ``scn_``); times are naive Asia/Shanghai wall-clock."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import UniqueConstraint

from cockpit.db import Base


class ScenarioNeed(Base):
    """A published application scenario (场景需求) of a government unit or state-owned firm."""

    __tablename__ = "scn_scenarios"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(300))
    description_zh: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    sector: Mapped[str] = mapped_column(String(30), index=True)
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    budget_min_fen: Mapped[int] = mapped_column(BigInteger)
    budget_max_fen: Mapped[int] = mapped_column(BigInteger)
    deadline: Mapped[date] = mapped_column(Date)
    contact_unit_zh: Mapped[str] = mapped_column(String(200))
    contact_unit_en: Mapped[str | None] = mapped_column(String(300))
    capabilities: Mapped[list[str]] = mapped_column(JSON)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="published")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Firm(Base):
    """A firm that offers solutions and answers calls."""

    __tablename__ = "scn_firms"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    profile_zh: Mapped[str] = mapped_column(Text, default="")
    profile_en: Mapped[str | None] = mapped_column(Text)
    capabilities: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Solution(Base):
    """A firm's solution or product (解决方案 / 产品), with references."""

    __tablename__ = "scn_solutions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    firm_id: Mapped[str] = mapped_column(ForeignKey("scn_firms.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="solution")
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(300))
    description_zh: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    sector: Mapped[str] = mapped_column(String(30), index=True)
    capabilities: Mapped[list[str]] = mapped_column(JSON)
    references: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Call(Base):
    """An open call (榜单) for one scenario need, and where it stands in its lifecycle."""

    __tablename__ = "scn_calls"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    scenario_id: Mapped[str] = mapped_column(ForeignKey("scn_scenarios.id"), index=True)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(30), index=True)
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    award_application_id: Mapped[str | None] = mapped_column(String(40))
    award_value_fen: Mapped[int | None] = mapped_column(BigInteger)
    award_explanation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    contract_value_fen: Mapped[int | None] = mapped_column(BigInteger)
    contract_signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    delivery_summary: Mapped[str | None] = mapped_column(Text)
    acceptance_result: Mapped[str | None] = mapped_column(Text)


class Application(Base):
    """A firm's proposal (揭榜方案) to a call."""

    __tablename__ = "scn_applications"
    __table_args__ = (UniqueConstraint("call_id", "firm_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("scn_calls.id"), index=True)
    firm_id: Mapped[str] = mapped_column(ForeignKey("scn_firms.id"))
    solution_id: Mapped[str | None] = mapped_column(ForeignKey("scn_solutions.id"))
    proposal_zh: Mapped[str] = mapped_column(Text)
    proposal_en: Mapped[str | None] = mapped_column(Text)
    price_fen: Mapped[int] = mapped_column(BigInteger)
    submitted_at: Mapped[datetime] = mapped_column(DateTime)


class Reviewer(Base):
    """An expert on a call's review panel (评审专家)."""

    __tablename__ = "scn_reviewers"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    organisation: Mapped[str] = mapped_column(String(200), default="")


class PanelSeat(Base):
    """A reviewer's seat on one call's panel."""

    __tablename__ = "scn_panel"
    call_id: Mapped[str] = mapped_column(ForeignKey("scn_calls.id"), primary_key=True)
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("scn_reviewers.id"), primary_key=True)


class Conflict(Base):
    """A declared conflict of interest: with one firm, or (firm_id null) with the whole call."""

    __tablename__ = "scn_conflicts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("scn_calls.id"), index=True)
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("scn_reviewers.id"))
    firm_id: Mapped[str | None] = mapped_column(ForeignKey("scn_firms.id"))
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(DateTime)


class Score(Base):
    """One reviewer's score (0–100) of one application on one criterion."""

    __tablename__ = "scn_scores"
    __table_args__ = (UniqueConstraint("application_id", "reviewer_id", "criterion"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("scn_applications.id"), index=True)
    reviewer_id: Mapped[str] = mapped_column(ForeignKey("scn_reviewers.id"))
    criterion: Mapped[str] = mapped_column(String(40))
    score: Mapped[int]
    scored_at: Mapped[datetime] = mapped_column(DateTime)


class Event(Base):
    """Append-only history of every change (database triggers refuse UPDATE and DELETE).

    Each event carries the hash of the one before it, so an edited history shows.
    """

    __tablename__ = "scn_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    role: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Case(Base):
    """A typical case (典型案例): an accepted delivery promoted with its results."""

    __tablename__ = "scn_cases"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("scn_calls.id"), unique=True)
    scenario_id: Mapped[str] = mapped_column(ForeignKey("scn_scenarios.id"))
    firm_id: Mapped[str] = mapped_column(ForeignKey("scn_firms.id"))
    solution_id: Mapped[str | None] = mapped_column(ForeignKey("scn_solutions.id"))
    sector: Mapped[str] = mapped_column(String(30), index=True)
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(300))
    results_zh: Mapped[str] = mapped_column(Text)
    results_en: Mapped[str | None] = mapped_column(Text)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    benchmark: Mapped[bool] = mapped_column(Boolean, default=False)
    promoted_at: Mapped[datetime] = mapped_column(DateTime)


class CatalogueEntry(Base):
    """A solution listed in the excellent-product catalogue (优秀产品目录) of one year."""

    __tablename__ = "scn_catalogue"
    __table_args__ = (UniqueConstraint("solution_id", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    solution_id: Mapped[str] = mapped_column(ForeignKey("scn_solutions.id"))
    year: Mapped[int]
    reason_zh: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str | None] = mapped_column(Text)
    listed_at: Mapped[datetime] = mapped_column(DateTime)
