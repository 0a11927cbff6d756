"""Every room of Commerce Cockpit, declared once: its verbs, tables, routes and demo step.

``ROOMS`` is read by the CLI (each room's ``commands.register``), the operational database
(each room's Alembic branch), the web app (each room's router) and ``cockpit demo`` (each
room's ``demo_step``, in this order: the controls run before the plans that count them).
Nothing is found by looking: a room's module that fails to import raises at once, naming
the room, rather than hiding the room. ``tests/test_rooms.py`` checks that every package
under ``cockpit/`` is declared here and that each declared part exists.

To add a room: write ``cockpit/<name>/`` (``commands.py`` with ``register(app)``; optional
``migrations/``, ``web/routes/<name>.py`` and ``demo_step``) and add one ``Room`` line below.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent


class RoomImportError(ImportError):
    """A declared part of a room could not be imported (the cause is chained)."""


@dataclass(frozen=True)
class Room:
    """One room: a package ``cockpit.<name>`` and what it adds to the product."""

    name: str
    summary: str
    migrations: bool = False  # owns an Alembic branch in cockpit/<name>/migrations
    routes: bool = False  # has a router in cockpit/web/routes/<name>.py
    demo: bool = False  # its commands module has demo_step(ctx), run by `cockpit demo`

    @property
    def migrations_dir(self) -> Path:
        return PACKAGE_DIR / self.name / "migrations"

    def commands(self) -> ModuleType:
        """``cockpit.<name>.commands`` (its ``register(app)`` adds the room's verbs)."""
        return _load(self.name, f"cockpit.{self.name}.commands")

    def router_module(self) -> ModuleType:
        """``cockpit.web.routes.<name>`` (its ``router`` serves the room)."""
        return _load(self.name, f"cockpit.web.routes.{self.name}")

    def demo_step(self) -> Callable[[Any], str]:
        """The room's step of ``cockpit demo``."""
        step: Callable[[Any], str] = self.commands().demo_step
        return step


def _load(room: str, module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise RoomImportError(f"room {room!r}: {module} does not import: {exc}") from exc


ROOMS: tuple[Room, ...] = (
    Room("reference", "districts, business districts, categories, the digital taxonomy"),
    Room("sample", "the sample-city generator and its ground truth", demo=True),
    Room("ingest", "contracts, readers, quarantine, pseudonyms; writes the lake", demo=True),
    Room("indicators", "the indicator catalogue on DuckDB or Spark", demo=True),
    Room("forecast", "nowcasts, forecasts, backtests, reconciliation", demo=True),
    Room(
        "programmes",
        "vouchers and subsidies on a keyed ledger",
        migrations=True,
        routes=True,
        demo=True,
    ),
    Room(
        "scenarios",
        "scenario lists, open calls, matching, case library",
        migrations=True,
        routes=True,
        demo=True,
    ),
    Room(
        "industry",
        "firm registry (统一社会信用代码), industry chains, the 招商 map and gap list",
        migrations=True,
        routes=True,
        demo=True,
    ),
    Room("plans", "action plans as data, progress and projections", True, True, True),
    Room("alerts", "rules, detectors, lifecycle, notifications", True, True, True),
    Room("bulletin", "the monthly bulletin: PDF, Excel, HTML; schedules", routes=True, demo=True),
    Room(
        "access",
        "accounts, roles, district scope, API keys, the audit trail",
        migrations=True,
        routes=True,
        demo=True,
    ),
    Room("web", "the cockpit's pages and JSON API", migrations=True, demo=True),
)
#: Web routers that belong to no room: the cockpit's own pages and charts, and the auditor's
#: page over the access room's trail.
WEB_ROUTES = ("audit", "cockpit", "pages", "workspace")
#: Packages under cockpit/ that are not rooms.
NOT_ROOMS = ("migrations",)


def room(name: str) -> Room:
    """The declared room ``name``."""
    for r in ROOMS:
        if r.name == name:
            return r
    raise KeyError(f"no room {name!r}; declared: {', '.join(r.name for r in ROOMS)}")


def migration_dirs() -> list[Path]:
    """The Alembic version folders of every room that owns tables."""
    return [r.migrations_dir for r in ROOMS if r.migrations]


def router_modules() -> list[str]:
    """The modules of ``cockpit.web.routes`` to include, in order."""
    return sorted([*WEB_ROUTES, *(r.name for r in ROOMS if r.routes)])
