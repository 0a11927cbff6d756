"""Roles and permissions as data: ``policy.yaml``, validated with errors that name the line.

A role holds permissions; a route declares the one permission it needs. ``allows(role, perm)``
is the only question the web layer asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

POLICY_PATH = Path(__file__).with_name("policy.yaml")
Scope = Literal["city", "districts", "registry"]
Kind = Literal["user", "key"]
SCOPES: tuple[str, ...] = ("city", "districts", "registry")
KINDS: tuple[str, ...] = ("user", "key")
PUBLIC = "public"


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Role:
    """One role: who holds it (people, keys), how far it sees, what it may do."""

    name: str
    label_en: str
    label_zh: str
    kinds: frozenset[str]
    scope: Scope
    acts_as: str
    permissions: frozenset[str]
    # Requests a minute one principal of the role may make (None: COCKPIT_RATE_LIMIT). A
    # claimant app or a merchant's till is a system speaking for many people at once.
    rate_per_minute: int | None = None


@dataclass(frozen=True)
class Policy:
    """Every permission (with its help) and every role."""

    permissions: dict[str, str]
    roles: dict[str, Role]

    def allows(self, role: str, permission: str) -> bool:
        """True when ``role`` holds ``permission`` (everyone holds ``public``)."""
        if permission == PUBLIC:
            return True
        found = self.roles.get(role)
        return found is not None and permission in found.permissions

    def role(self, name: str) -> Role:
        """The role called ``name``; ``PolicyError`` listing the roles when there is none."""
        try:
            return self.roles[name]
        except KeyError:
            raise PolicyError(f"unknown role {name!r}; roles: {', '.join(self.roles)}") from None

    def roles_of_kind(self, kind: Kind) -> list[str]:
        """Roles a person (``user``) or an API key (``key``) may hold."""
        return [r.name for r in self.roles.values() if kind in r.kinds]


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping (``__line__``)."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = dict(loader.construct_mapping(node, deep=True))
    mapping["__line__"] = node.start_mark.line + 1
    mapping["__lines__"] = {k.value: k.start_mark.line + 1 for k, _ in node.value}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _fail(path: Path, line: object, message: str) -> PolicyError:
    return PolicyError(f"{path}:{line}: {message}")


def _as_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _role(path: Path, name: str, raw: object, permissions: dict[str, str]) -> Role:
    if not isinstance(raw, dict):
        raise _fail(path, "?", f"role {name!r} must be a mapping")
    lines = raw.get("__lines__", {})

    def line(key: str) -> object:
        return lines.get(key, raw.get("__line__", "?"))

    label = raw.get("label") or {}
    if not isinstance(label, dict) or not label.get("en") or not label.get("zh"):
        raise _fail(path, line("label"), f"role {name!r}: label needs en and zh")
    kinds = _as_list(raw.get("kind", "user"))
    if bad := [k for k in kinds if k not in KINDS]:
        raise _fail(path, line("kind"), f"role {name!r}: kind {bad[0]!r} is not one of {KINDS}")
    scope = raw.get("scope")
    if scope not in SCOPES:
        raise _fail(path, line("scope"), f"role {name!r}: scope {scope!r} is not one of {SCOPES}")
    perms = _as_list(raw.get("permissions") or [])
    if unknown := [p for p in perms if p not in permissions]:
        message = f"role {name!r}: unknown permission {unknown[0]!r}"
        raise _fail(path, line("permissions"), message)
    rate = raw.get("rate_per_minute")
    if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int) or rate < 1):
        raise _fail(path, line("rate_per_minute"), f"role {name!r}: rate_per_minute must be ≥ 1")
    return Role(
        name=name,
        label_en=str(label["en"]),
        label_zh=str(label["zh"]),
        kinds=frozenset(kinds),
        scope=scope,
        acts_as=str(raw.get("acts_as") or name),
        permissions=frozenset(perms),
        rate_per_minute=rate,
    )


def load_policy(path: Path = POLICY_PATH) -> Policy:
    """Read and validate a policy file."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or "permissions" not in raw or "roles" not in raw:
        raise PolicyError(f"{path}: needs 'permissions' and 'roles' mappings")
    permissions = {k: str(v) for k, v in raw["permissions"].items() if not k.startswith("__")}
    if PUBLIC not in permissions:
        raise _fail(path, raw["permissions"].get("__line__"), f"permission {PUBLIC!r} is missing")
    roles = {
        name: _role(path, name, spec, permissions)
        for name, spec in raw["roles"].items()
        if not name.startswith("__")
    }
    return Policy(permissions=permissions, roles=roles)


@lru_cache(maxsize=1)
def policy() -> Policy:
    """The installed policy, read once per process."""
    return load_policy()
