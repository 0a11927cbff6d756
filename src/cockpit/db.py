"""The operational database: one SQLAlchemy engine, sessions, and Alembic migrations.

Programmes, alerts, plans and scenarios keep their state here (SQLite by default,
PostgreSQL in production). Each room declared with ``migrations=True`` in ``cockpit.rooms``
owns an Alembic branch labelled with its name, with its revisions in
``cockpit/<room>/migrations/``; ``upgrade()`` applies all heads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from cockpit.config import get_settings
from cockpit.rooms import migration_dirs

PACKAGE_DIR = Path(__file__).resolve().parent

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every operational table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # WAL lets readers work while a writer commits; busy_timeout makes writers queue
    # instead of failing at once under a burst of claims.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=20, max_overflow=40, pool_pre_ping=True)


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """The engine of ``url`` (default: the configured database), made once per URL."""
    settings = get_settings()
    if url is None:
        settings.ensure_home()
    return make_engine(url or settings.database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: commit when the block ends, roll back if it raises."""
    factory = sessionmaker(bind=engine or get_engine(), expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Config:
    """Alembic settings over every room's migration folder."""
    cfg = Config()
    cfg.set_main_option("script_location", str(PACKAGE_DIR / "migrations"))
    locations = [str(folder) for folder in migration_dirs()]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None) -> None:
    """Bring the operational database to the newest revision of every room."""
    target = url or get_settings().database_url
    if url is None:
        get_settings().ensure_home()
    command.upgrade(alembic_config(target), "heads")


_migrated: set[str] = set()
_migrate_lock = threading.Lock()


def ensure_schema(url: str | None = None) -> None:
    """``upgrade()`` once per process and database, however many requests arrive together.

    Alembic is not thread-safe, and a server's first requests come at the same moment.
    """
    target = url or get_settings().database_url
    if target in _migrated:
        return
    with _migrate_lock:
        if target not in _migrated:
            upgrade(url)
            _migrated.add(target)
