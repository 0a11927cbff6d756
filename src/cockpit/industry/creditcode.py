"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

Eighteen characters from a 31-character set (digits and capitals without I, O, S, V, Z):
registration authority, entity type, the registering authority's GB/T 2260 division (six
digits), the entity's nine-character organisation code, and a check character. The check
character makes the weighted sum (weights 3^(i-1) mod 31) of all eighteen values a
multiple of 31.
"""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


class InvalidCreditCode(ValueError):
    """A credit code that is not one, with the reason in words."""


def check_character(first17: str) -> str:
    """The check character the standard gives the first seventeen characters."""
    total = sum(VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(text: str) -> str:
    """A code as typed, in the form it is stored: full-width folded, no spaces, upper case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def problem(code: str) -> str | None:
    """Why ``code`` (normalised) is not a valid credit code, or None when it is."""
    if len(code) != 18:
        return f"a credit code has 18 characters, not {len(code)}"
    bad = sorted({ch for ch in code if ch not in VALUE})
    if bad:
        return f"characters outside the GB 32100 set: {''.join(bad)}"
    if not code[2:8].isdigit():
        return "characters 3–8 (the registering division) must be digits"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]}, the standard gives {expected}"
    return None


def is_valid(code: str) -> bool:
    """Whether ``code`` (as typed) is a valid credit code."""
    return problem(normalise(code)) is None


def validate(code: str) -> str:
    """The normalised code, or ``InvalidCreditCode`` saying what is wrong."""
    clean = normalise(code)
    reason = problem(clean)
    if reason is not None:
        raise InvalidCreditCode(f"{code!r}: {reason}")
    return clean


def make_code(first17: str) -> str:
    """A valid code from its first seventeen characters (the sample city uses this)."""
    return first17 + check_character(first17)
