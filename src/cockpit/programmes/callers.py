"""Who acts, and for whom: a caller may act only for itself.

Every operation of the HTTP API is made by a ``Caller``: a role and the **party** it acts for
— the merchant id of a merchant's till, the unified social credit code of a firm, the name of
a claimant app or of an officer. Three rules follow from it:

* **Idempotency keys are the caller's own.** ``Caller.scoped(key)`` prefixes the client's key
  with a digest of (role, party), so two merchants using the same key never meet: each gets
  its own first answer, and nobody learns of another's payment through a 409.
* **A firm applies only as itself.** ``Caller.firm()`` is its canonical credit code, and an
  application names that applicant or is refused (``acting_for``).
* **A merchant redeems only with the holder's consent** (``cockpit.programmes.consent``).

The web layer makes a ``Caller`` from the API key's principal in one function
(``cockpit.web.routes.programmes.caller_of``): when principals gain an explicit party (the
``access`` room's accounts), only that function changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cockpit import identity
from cockpit.programmes.tx import ProgrammeError

# The client's key may be this long; with the caller's tag (13 characters) it fits the
# 80-character key columns.
MAX_CLIENT_KEY = 64


@lru_cache(maxsize=4096)
def _tag(role: str, party: str) -> str:
    return hashlib.sha256(f"{role}\x1f{party}".encode()).hexdigest()[:12]


class NotYours(ProgrammeError):
    """A caller acting for another party."""

    status, code = 403, "not_yours"


@dataclass(frozen=True)
class Caller:
    """A role and the party it acts for."""

    role: str
    party: str

    def tag(self) -> str:
        """12 hex digits naming the caller in stored idempotency keys (not the party itself)."""
        return _tag(self.role, self.party)

    def scoped(self, idem_key: str) -> str:
        """The stored form of the caller's idempotency key: its own, never another's."""
        if len(idem_key) > MAX_CLIENT_KEY:
            raise ProgrammeError(f"an idempotency key has at most {MAX_CLIENT_KEY} characters")
        return f"{self.tag()}/{idem_key}"

    def firm(self) -> str:
        """The credit code this firm caller acts for; ``NotYours`` if it is not a firm."""
        if self.role != "firm":
            raise NotYours(f"a {self.role} acts for no firm")
        try:
            return identity.canonical(self.party, "credit_code", field="api key")
        except identity.Refused as exc:
            raise NotYours(
                f"this firm key is not bound to a valid credit code ({exc.message})"
            ) from None

    def acting_for(self, applicant: str) -> None:
        """Refuse (``NotYours``) a firm caller naming another firm as the applicant."""
        if self.firm() != applicant:
            raise NotYours("a firm may apply only as itself: the applicant is not this key's firm")
