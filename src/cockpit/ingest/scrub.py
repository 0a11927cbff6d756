"""Find identifier-like tokens in free text and replace each by its keyed pseudonym.

Whatever shape a rejected row has (shifted columns, a quote never closed, an id typed into
the wrong column), the texts kept beside the accepted columns — raw rows, messages, notes —
pass through ``scrub`` before they are written: ID-card numbers (with or without the check
letter), phone numbers, card numbers and other long digit runs, device ids. Pseudonyms
(``ps:`` + 32 hex digits) are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

# Each alternative is a whole token: digits not glued to more digits, hex not glued to more
# hex, and never the hex of a pseudonym (after "ps:").
IDENTIFIER = re.compile(
    r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d[- ]\d{4}[- ]\d{4}(?!\d)"  # 139-1234-5678
    r"|(?<!\d)\d{11,}[Xx]?(?![0-9A-Za-z])"  # ID numbers, phones, cards, IMEIs
    r"|(?<!\d)\d{11,}(?!\d)"  # the same, followed by letters
    r"|(?<![0-9A-Fa-f])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
    r"(?![0-9A-Fa-f])"  # UUIDs
    r"|(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:])"  # MACs
    r"|(?<!ps:)(?<![0-9A-Fa-f])[0-9A-Fa-f]{12,}(?![0-9A-Fa-f])"  # hex device ids
)
# A 14-digit YYYYMMDDhhmmss is a time, not a person.
_COMPACT_TIME = re.compile(
    r"^(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:[01]\d|2[0-3])[0-5]\d[0-5]\d$"
)
_HAS_DIGIT = re.compile(r"\d")
_HAS_LETTER = re.compile(r"[A-Fa-f]")

Pseudonymise = Callable[[list[str]], list[str]]


def identifier_tokens(text: str) -> list[str]:
    """The identifier-like tokens of ``text``, in order."""
    return [m.group(0) for m in IDENTIFIER.finditer(text) if _is_identifier(m.group(0))]


def _is_identifier(token: str) -> bool:
    if token.isdigit():
        return not _COMPACT_TIME.match(token)
    if len(token) >= 12 and re.fullmatch(r"[0-9A-Fa-f]+", token):
        # A hex run is a device id when it mixes digits and letters (not a word like "facade").
        return bool(_HAS_DIGIT.search(token) and _HAS_LETTER.search(token))
    return True


def scrub(texts: Sequence[str | None], pseudonymise: Pseudonymise) -> list[str | None]:
    """``texts`` with every identifier-like token replaced by its pseudonym (each distinct
    token pseudonymised once, in one call)."""
    found: dict[str, str] = {}
    for text in texts:
        if text:
            for token in identifier_tokens(text):
                found.setdefault(token, "")
    if not found:
        return list(texts)
    tokens = list(found)
    found = dict(zip(tokens, pseudonymise(tokens), strict=True))

    def replace(match: re.Match[str]) -> str:
        return found.get(match.group(0), match.group(0))

    return [IDENTIFIER.sub(replace, text) if text else text for text in texts]
