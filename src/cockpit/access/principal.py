"""Who is calling, and how far they see: the ``Principal`` every serving room is given."""

from __future__ import annotations

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
        """True when the policy gives this principal's role ``permission``."""
        return policy().allows(self.role, permission)
