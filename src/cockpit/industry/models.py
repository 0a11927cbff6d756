"""Tables of the industry room (prefix ``ind_``); times are naive Asia/Shanghai wall-clock.

A firm is keyed by its unified social credit code. Every change to a firm's row adds a
version, so what the registry said on any day can be read back.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import UniqueConstraint

from cockpit.db import Base


class FirmRow(Base):
    """A firm as the registry holds it now."""

    __tablename__ = "ind_firms"
    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    park: Mapped[str | None] = mapped_column(String(200))
    founded_on: Mapped[date | None] = mapped_column(Date)
    size: Mapped[str | None] = mapped_column(String(10))
    revenue_fen: Mapped[int | None] = mapped_column(BigInteger)
    revenue_year: Mapped[int | None] = mapped_column(Integer)
    market_value_fen: Mapped[int | None] = mapped_column(BigInteger)
    employees: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class FirmVersionRow(Base):
    """One version of a firm's row: what it said, from when, and which file said it."""

    __tablename__ = "ind_firm_versions"
    __table_args__ = (UniqueConstraint("credit_code", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_file: Mapped[str] = mapped_column(String(300))
    line: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class DesignationRow(Base):
    """A designation (认定) of a firm: kind, level and the dates it holds."""

    __tablename__ = "ind_designations"
    __table_args__ = (UniqueConstraint("credit_code", "kind", "level", "granted_on"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    level: Mapped[str] = mapped_column(String(12))
    granted_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(300), default="")


class CarrierRow(Base):
    """A park, innovation platform or industrial cluster (载体), with its operator firm."""

    __tablename__ = "ind_carriers"
    __table_args__ = (UniqueConstraint("kind", "name_zh"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)
    chain_id: Mapped[str] = mapped_column(String(30), index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(12))
    district_code: Mapped[str] = mapped_column(String(6))
    operator_code: Mapped[str | None] = mapped_column(String(18))
    floor_area_m2: Mapped[float | None] = mapped_column(Float)
    designated_on: Mapped[date] = mapped_column(Date)


class LinkRow(Base):
    """A firm attached to a chain node, with its evidence and how sure the link is."""

    __tablename__ = "ind_links"
    __table_args__ = (UniqueConstraint("credit_code", "chain_id", "node_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    chain_id: Mapped[str] = mapped_column(String(30), index=True)
    node_id: Mapped[str] = mapped_column(String(60), index=True)
    status: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(300))
    evidence_on: Mapped[date] = mapped_column(Date)


class CandidateRow(Base):
    """A firm outside the city that could fill a node (招商 candidate)."""

    __tablename__ = "ind_candidates"
    __table_args__ = (UniqueConstraint("credit_code", "chain_id", "node_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    region_zh: Mapped[str] = mapped_column(String(100))
    chain_id: Mapped[str] = mapped_column(String(30))
    node_id: Mapped[str] = mapped_column(String(60), index=True)
    revenue_fen: Mapped[int | None] = mapped_column(BigInteger)
    designations: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(300))


class FirmRefRow(Base):
    """Another room's id for a registry firm (a scenario firm, a subsidy applicant, ...)."""

    __tablename__ = "ind_firm_refs"
    room: Mapped[str] = mapped_column(String(20), primary_key=True)
    ref_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)


class RejectRow(Base):
    """A row a load refused, with the file, line, field and reason."""

    __tablename__ = "ind_rejects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    load_id: Mapped[str] = mapped_column(String(40), index=True)
    list_kind: Mapped[str] = mapped_column(String(20))
    source_file: Mapped[str] = mapped_column(String(300))
    line: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(40), index=True)
    message: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(DateTime)
