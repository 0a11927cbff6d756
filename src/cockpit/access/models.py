"""Tables of the access room: accounts and sign-in sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cockpit.db import Base


class UserRow(Base):
    """A person who signs in: an argon2id hash, never the password; lockout counters."""

    __tablename__ = "access_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    # Comma-separated GB/T 2260 codes: the districts a district official reads rows of.
    districts: Mapped[str] = mapped_column(String(400), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_signins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The subject (``sub``) of the city's identity provider this account signs in as (OIDC).
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)


class SessionRow(Base):
    """A browser session: the SHA-256 of its cookie, its CSRF token, when it ends."""

    __tablename__ = "access_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("access_users.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
