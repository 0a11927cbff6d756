"""The import rules that import-linter cannot state (the rest are contracts in pyproject.toml).

``lint-imports`` (run by scripts/test.sh) checks the layers, that rooms never import the
web, and that outside a room only its package is imported. Two things it cannot see: names
that start with ``_`` (it checks modules, not names), and whether each name a room's
``__init__`` promises (``__all__``) is really there, since several rooms load theirs on first
use. docs/architecture.md, "Import contracts", explains the rules.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from cockpit import rooms

SRC = Path(rooms.__file__).parent
ROOM_NAMES = [r.name for r in rooms.ROOMS]


def _room_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "cockpit" and parts[1] in ROOM_NAMES else None


def _private_imports(source: str, module: str) -> list[str]:
    """``line module.name`` for each private name ``module``'s source imports from another room."""
    mine = _room_of(module)
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module + "." + a.name for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            room = _room_of(name)
            private = any(p.startswith("_") and not p.startswith("__") for p in name.split("."))
            if room is not None and room != mine and private:
                found.append(f"{node.lineno} {name}")
    return found


def test_nobody_imports_another_rooms_private_names() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        module = "cockpit." + path.relative_to(SRC).with_suffix("").as_posix().replace("/", ".")
        found += [f"{path}:{hit}" for hit in _private_imports(path.read_text("utf-8"), module)]
    assert found == []


def test_the_check_sees_a_private_name_but_not_a_rooms_own() -> None:
    source = "from cockpit.forecast.store import _read\nfrom cockpit.plans.model import _x\n"
    assert _private_imports(source, "cockpit.plans.probe") == ["1 cockpit.forecast.store._read"]


@pytest.mark.parametrize("name", [r for r in ROOM_NAMES if r != "web"])
def test_every_name_a_room_exports_is_there(name: str) -> None:
    face = importlib.import_module(f"cockpit.{name}")
    assert face.__all__ == sorted(set(face.__all__), key=face.__all__.index)  # no repeats
    assert [n for n in face.__all__ if not hasattr(face, n)] == []
