"""Rooms are declared once (cockpit.rooms) and every declared part exists and imports."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from cockpit import rooms

SRC = Path(rooms.__file__).parent


def test_every_package_under_cockpit_is_a_declared_room() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and not p.name.startswith("_")}
    declared = {r.name for r in rooms.ROOMS} | set(rooms.NOT_ROOMS)
    assert packages - {"__pycache__"} == declared


@pytest.mark.parametrize("room", rooms.ROOMS, ids=lambda r: r.name)
def test_each_declared_part_of_a_room_exists(room: rooms.Room) -> None:
    assert callable(room.commands().register)
    assert room.migrations == room.migrations_dir.is_dir()
    assert room.routes == (SRC / "web" / "routes" / f"{room.name}.py").is_file()
    assert room.demo == hasattr(room.commands(), "demo_step")
    if room.routes:
        assert room.router_module().router.routes


def test_every_router_module_is_declared() -> None:
    found = {p.stem for p in (SRC / "web" / "routes").glob("*.py") if p.stem != "__init__"}
    assert set(rooms.router_modules()) == found


def test_a_room_that_fails_to_import_fails_loudly_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # None in sys.modules makes the next import of that module raise ImportError.
    monkeypatch.setitem(sys.modules, "cockpit.plans.commands", None)
    with pytest.raises(rooms.RoomImportError, match="room 'plans'"):
        rooms.room("plans").commands()


def test_the_web_asks_a_broken_room_and_fails_instead_of_hinting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cockpit.web import rooms as web_rooms

    monkeypatch.setitem(sys.modules, "cockpit.alerts", None)
    with pytest.raises(ImportError):
        web_rooms.open_alerts(lang="zh-CN", limit=5)


def test_an_unknown_room_names_the_declared_ones() -> None:
    with pytest.raises(KeyError, match="declared: reference"):
        rooms.room("bulletins")


def test_the_cli_has_every_room_s_verbs_and_the_app_every_room_s_routes() -> None:
    cli = importlib.import_module("cockpit.cli")
    from cockpit.web.app import create_app

    groups = {g.name for g in cli.app.registered_groups}
    assert {"plans", "alerts", "programmes", "scenarios", "forecast"} <= groups
    app_paths = set(create_app().openapi()["paths"])
    for room in rooms.ROOMS:
        if room.routes:
            routes = room.router_module().router.routes
            own = {getattr(r, "path", "") for r in routes if getattr(r, "include_in_schema", 0)}
            assert own and own <= app_paths, room.name
