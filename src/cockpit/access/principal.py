"""Who is calling, and how far they see: the ``Principal`` every serving room is given."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from cockpit.access.policy import policy


@dataclass(frozen=True)
class Principal:
    """A signed-in person (``kind="user"``) or an API key (``kind="key"``).

    ``name`` is the key's name (the registry id it acts for: a merchant id, a credit code, a
    reviewer id) or the person's user name. ``districts`` are the GB/T 2260 codes a district
    official may read rows of; empty for everyone else.
    """

    kind: str
    id: int
    role: str
    name: str
    districts: frozenset[str] = field(default_factory=frozenset)
    # A key's scopes: the permissions it was limited to (None: all of its role's).
    scopes: frozenset[str] | None = None

    @property
    def key_id(self) -> int:
        """The key's id (kept for the API-key callers written before accounts)."""
        return self.id

    @property
    def acts_as(self) -> str:
        """The role the programmes and scenarios rooms know this caller by."""
        return policy().role(self.role).acts_as

    @property
    def scope(self) -> str:
        """``city``, ``districts`` or ``registry`` (from the policy)."""
        return policy().role(self.role).scope

    def can(self, permission: str) -> bool:
        """True when the policy gives this principal's role ``permission`` (and, for a key
        limited to some scopes, when it is one of them)."""
        if self.scopes is not None and permission not in self.scopes and permission != "public":
            return False
        return policy().allows(self.role, permission)


def caller_idempotency_key(principal: Principal, key: str, *, limit: int = 80) -> str:
    """``key`` scoped to the caller, so one caller's key never replays another's answer.

    >>> who = Principal(kind="key", id=7, role="merchant", name="M1")
    >>> caller_idempotency_key(who, "order-1")
    'k7:order-1'
    >>> len(caller_idempotency_key(who, "x" * 80)) <= 80
    True
    """
    prefix = f"{principal.kind[:1]}{principal.id}:"
    if len(prefix) + len(key) <= limit:
        return prefix + key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return prefix + digest[: limit - len(prefix)]
