"""One identity per person: identifiers normalised, validated by kind, then pseudonymised.

A person can spell one ID card number many ways — lower-case ``x``, full-width digits, a
zero-width space, dashes or spaces between groups. ``normalise`` folds every such spelling to
one canonical text (Unicode NFKC, separators and invisible characters removed, letters
upper-cased); ``canonical`` then checks it by its kind and refuses what cannot be one:

============================ ==========================================================
kind                         checked by
============================ ==========================================================
``resident_id``              GB 11643-1999: 17 digits, a valid birth date and the ISO
                             7064 MOD 11-2 check character (also the residence permits of
                             Hong Kong, Macao and Taiwan residents, 81/82/83…)
``passport``                 6 to 9 letters and digits, at least one digit
``hk_macao_permit``          H or M, then 8 or 10 digits (港澳居民来往内地通行证)
``taiwan_permit``            8 or 10 digits (台湾居民来往大陆通行证)
``permanent_residence``      foreigners' permanent residence card: the 2023 18-character
                             form (9…, GB 11643 check character) or the older 3 letters
                             and 12 digits
``mobile``                   a valid number to E.164 (``phonenumbers``; region CN)
``bank_card``                12 to 19 digits passing the Luhn check
``credit_code``              a firm's unified social credit code, GB 32100-2015 check
``opaque``                   app accounts, device fingerprints: normalised only
============================ ==========================================================

``pseudonym(key, value)`` is the one keyed pseudonym of the product (``ps:`` and the first 32
hex digits of HMAC-SHA256): ingestion and programmes both call it, so a voucher holder and a
payer in the lake are the same pseudonym. A value that already looks like a pseudonym is
never accepted from a client (``Refused``): only this module makes them.
"""

from __future__ import annotations

import hashlib
import hmac
import operator
import re
import unicodedata
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, get_args

import phonenumbers

if TYPE_CHECKING:
    import polars as pl

PREFIX = "ps:"
PSEUDONYM_PATTERN = r"^ps:[0-9a-f]{32}$"

Kind = Literal[
    "resident_id",
    "passport",
    "hk_macao_permit",
    "taiwan_permit",
    "permanent_residence",
    "mobile",
    "bank_card",
    "credit_code",
    "opaque",
]
KINDS: tuple[str, ...] = get_args(Kind)
# The kinds a person may identify themselves by when claiming or applying.
PERSON_DOCUMENTS: tuple[str, ...] = (
    "resident_id",
    "passport",
    "hk_macao_permit",
    "taiwan_permit",
    "permanent_residence",
)

# Separators people type between groups, and characters nobody sees (zero-width space,
# joiners, BOM, soft hyphen, …: Unicode category Cf). NFKC already maps full-width forms.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212._/·・,，]+")
_GB11643_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_GB11643_CHECK = "10X98765432"
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class Refused(ValueError):
    """An identifier that is not a valid one of its kind; ``field`` names where it came from."""

    def __init__(self, field: str, kind: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.kind = kind
        self.message = message


def normalise(value: str) -> str:
    """One spelling of an identifier: NFKC, no separators or invisible characters, upper case."""
    if value.isascii():
        # The common case: ASCII has nothing for NFKC to fold and nothing invisible but
        # control characters, which leave the text not alphanumeric.
        plain = _SEPARATORS.sub("", value)
        if plain.isalnum():
            return plain.upper()
    text = unicodedata.normalize("NFKC", value)
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Cc"))
    # Upper-casing can leave a text that NFKC would compose differently: fold once more.
    return unicodedata.normalize("NFKC", _SEPARATORS.sub("", text).upper())


def normalise_many(values: pl.Series) -> pl.Series:
    """``normalise`` over a column (nulls and pseudonyms left as they are).

    Values already in one spelling (ASCII capitals and digits) are kept without a Python
    call; each distinct other one goes through ``normalise`` once.
    """
    import polars as pl

    text = values.cast(pl.String)
    odd = ~text.str.contains(r"^(?:[0-9A-Z]+|ps:[0-9a-f]{32})$").fill_null(True)
    if not odd.any():
        return text
    spellings = text.filter(odd).unique().to_list()
    folded = {v: normalise(v) for v in spellings}
    return (
        pl.select(
            pl.when(pl.lit(odd))
            .then(pl.lit(text).replace_strict(folded, default=None, return_dtype=pl.String))
            .otherwise(pl.lit(text))
        )
        .to_series()
        .alias(values.name)
    )


def invalid_resident_ids(values: pl.Series) -> pl.Series:
    """Per value of a normalised column: whether it has the shape of a resident ID number (17
    digits and a check character) but is not one — no birth date, or a check character that
    does not match (GB 11643). Vectorised (NumPy over the digits); the same verdict as
    ``canonical(v, "resident_id")``, which the tests hold it to."""
    import numpy as np
    import polars as pl

    text = values.cast(pl.String)
    out = np.zeros(len(text), dtype=bool)
    maybe = (text.str.len_bytes() == 18).fill_null(False)
    if not maybe.any():
        return pl.Series("invalid", out, dtype=pl.Boolean)
    joined = str(text.filter(maybe).str.join("").item()).encode("utf-8")
    raw = np.frombuffer(joined, dtype=np.uint8).reshape(-1, 18)
    body = raw[:, :17]
    last_char = raw[:, 17]
    shaped = ((body - np.uint8(48)) <= 9).all(axis=1) & (
        ((last_char - np.uint8(48)) <= 9) | (last_char == ord("X"))
    )
    # A float32 matrix product is exact here (sums below 2**24) and fast; the digits' "0"
    # (48) is taken off the total rather than off every digit.
    weights = np.array(_GB11643_WEIGHTS, dtype=np.float32)
    total = (body @ weights).astype(np.int64) - 48 * int(sum(_GB11643_WEIGHTS))
    checks = np.frombuffer(_GB11643_CHECK.encode("ascii"), dtype=np.uint8)
    check_ok = checks[total % 11] == last_char

    def number(first: int, width: int) -> Any:
        value = np.zeros(len(raw), dtype=np.int64)
        for column in range(first, first + width):
            value = value * 10 + raw[:, column].astype(np.int64) - 48
        return value

    year, month, day = number(6, 4), number(10, 2), number(12, 2)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    last = month_days[np.clip(month, 0, 12)] + ((month == 2) & leap)
    born = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= last)
    out[maybe.arg_true().to_numpy()] = shaped & ~(check_ok & born)
    return pl.Series("invalid", out, dtype=pl.Boolean)


def gb11643_check(first17: str) -> str:
    """The check character of a resident ID number's first 17 digits (ISO 7064 MOD 11-2)."""
    total = sum(map(operator.mul, map(int, first17), _GB11643_WEIGHTS))
    return _GB11643_CHECK[total % 11]


def _resident_id(text: str) -> str | None:
    if not re.fullmatch(r"\d{17}[\dX]", text):
        return "a resident ID number has 17 digits and a check digit (0-9 or X)"
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return f"{text[6:14]} is not a birth date"
    if gb11643_check(text[:17]) != text[17]:
        return "the check digit does not match (GB 11643)"
    return None


def _permanent_residence(text: str) -> str | None:
    if re.fullmatch(r"[A-Z]{3}\d{12}", text):
        return None
    if re.fullmatch(r"9\d{16}[\dX]", text):
        if gb11643_check(text[:17]) != text[17]:
            return "the check digit does not match (GB 11643)"
        return None
    return "a permanent residence card is 9 and 17 characters, or 3 letters and 12 digits"


_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")  # 2d, less 9 when above 9


def luhn_ok(digits: str) -> bool:
    """Whether a card number passes the Luhn check."""
    kept = sum(map(int, digits[-1::-2]))
    doubled = sum(map(int, digits[-2::-2].translate(_LUHN_DOUBLED)))
    return (kept + doubled) % 10 == 0


def _bank_card(text: str) -> str | None:
    if not re.fullmatch(r"\d{12,19}", text):
        return "a bank card number has 12 to 19 digits"
    if not luhn_ok(text):
        return "the card number fails the Luhn check"
    return None


def _credit_code(text: str) -> str | None:
    if not re.fullmatch(rf"[{_CREDIT_CHARS}]{{18}}", text):
        return "a unified social credit code has 18 characters (digits and letters but I O S V Z)"
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(text[:17], _CREDIT_WEIGHTS, strict=True))
    if _CREDIT_CHARS[(31 - total % 31) % 31] != text[17]:
        return "the check character does not match (GB 32100)"
    return None


_PATTERNS: dict[str, tuple[str, str]] = {
    "passport": (
        r"(?=[A-Z0-9]*\d)[A-Z0-9]{6,9}",
        "a passport number has 6 to 9 letters and digits",
    ),
    "hk_macao_permit": (r"[HM]\d{8}(\d{2})?", "a permit number is H or M and 8 or 10 digits"),
    "taiwan_permit": (r"\d{8}(\d{2})?", "a Taiwan residents' permit number has 8 or 10 digits"),
}


@lru_cache(maxsize=1)
def _cn_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The national number patterns, general and mobile, of phonenumbers' CN metadata."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    assert metadata is not None and metadata.general_desc and metadata.mobile
    general = metadata.general_desc.national_number_pattern
    mobile = metadata.mobile.national_number_pattern
    assert general is not None and mobile is not None
    return re.compile(general), re.compile(mobile)


def _mobile(value: str) -> str:
    """E.164 of a phone number (region CN when no +country), or raise ValueError."""
    plain = normalise(value)
    if len(plain) == 11 and plain[0] == "1" and plain.isdigit():
        # A mainland mobile as people write it: what parse(…, "CN") makes of it, without
        # parsing (the claim burst's path). Matching the region's own general and mobile
        # patterns is enough to call it valid; anything else asks is_valid_number.
        general, mobile = _cn_patterns()
        if general.fullmatch(plain) and mobile.fullmatch(plain):
            return "+86" + plain
        number = phonenumbers.PhoneNumber(country_code=86, national_number=int(plain))
        if not phonenumbers.is_valid_number(number):
            raise ValueError("not a valid phone number")
        return "+86" + plain
    text = unicodedata.normalize("NFKC", value)
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Cc"))
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number ({exc})") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def canonical(value: str, kind: str, *, field: str = "identifier") -> str:
    """The one spelling of ``value`` as an identifier of ``kind``; ``Refused`` if invalid."""
    if kind not in KINDS:
        raise Refused(field, kind, f"unknown identifier kind {kind!r}; kinds: {', '.join(KINDS)}")
    text = normalise(value)
    if text.startswith(PREFIX.upper()):
        raise Refused(field, kind, "pseudonyms are made here, never accepted from a client")
    if not text:
        raise Refused(field, kind, "empty")
    if kind == "mobile":
        try:
            return _mobile(value)
        except ValueError as exc:
            raise Refused(field, kind, str(exc)) from None
    problem: str | None
    if kind == "resident_id":
        problem = _resident_id(text)
    elif kind == "permanent_residence":
        problem = _permanent_residence(text)
    elif kind == "bank_card":
        problem = _bank_card(text)
    elif kind == "credit_code":
        problem = _credit_code(text)
    elif kind in _PATTERNS:
        pattern, message = _PATTERNS[kind]
        problem = None if re.fullmatch(pattern, text) else message
    else:
        problem = None if len(text) <= 128 else "longer than 128 characters"
    if problem:
        raise Refused(field, kind, problem)
    return text


@lru_cache(maxsize=4)
def _keyed(key: bytes) -> hmac.HMAC:
    """An HMAC-SHA256 already keyed: each pseudonym copies it instead of keying again."""
    return hmac.new(key, digestmod=hashlib.sha256)


def pseudonym(key: bytes, value: str) -> str:
    """The keyed pseudonym of one identifier: ``ps:`` and the HMAC-SHA256's first 32 hex."""
    mac = _keyed(key).copy()
    mac.update(value.encode("utf-8"))
    return PREFIX + mac.hexdigest()[:32]


@lru_cache(maxsize=200_000)
def cached_pseudonym(key: bytes, value: str) -> str:
    """``pseudonym``, remembered for the last 200,000 identifiers (bursts repeat people)."""
    return pseudonym(key, value)


def pseudonymise(value: str, kind: str, *, key: bytes, field: str = "identifier") -> str:
    """Normalise, validate and pseudonymise one identifier; ``Refused`` if it is invalid.

    People are pseudonymised by their canonical number alone (not its kind), so the same
    number met in a payment feed gets the same pseudonym.
    """
    return cached_pseudonym(key, canonical(value, kind, field=field))


def is_pseudonym(value: str) -> bool:
    """Whether ``value`` has the form of a pseudonym this module makes."""
    return re.fullmatch(PSEUDONYM_PATTERN, value) is not None
