"""One identity per person: every spelling of one identifier folds to one canonical text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.identity import (
    Refused,
    canonical,
    gb11643_check,
    is_pseudonym,
    luhn_ok,
    normalise,
    pseudonym,
    pseudonymise,
)

KEY = b"a-test-key"
# What people put between groups, and what nobody sees.
NOISE = [" ", "-", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u3000", "\u00a0", "\t", "．"]


def resident_ids() -> st.SearchStrategy[str]:
    """Valid resident ID numbers: region, birth date, sequence and their check digit."""
    return st.builds(
        lambda region, born, seq: (
            (region + born.strftime("%Y%m%d") + f"{seq:03d}")
            + gb11643_check(region + born.strftime("%Y%m%d") + f"{seq:03d}")
        ),
        st.sampled_from(["500103", "500112", "110105", "440305", "810000"]),
        st.dates(min_value=__import__("datetime").date(1930, 1, 1)),
        st.integers(0, 999),
    )


Style = tuple[bool, bool, int]  # full-width, lower case, which noise follows (0: none)


def styles(length: int = 18) -> st.SearchStrategy[tuple[int, list[Style]]]:
    """How to spell a text of ``length`` characters (independent of the characters)."""
    one = st.tuples(st.booleans(), st.booleans(), st.integers(0, len(NOISE) * 2))
    return st.tuples(st.integers(0, 2), st.lists(one, min_size=length, max_size=length))


def spell(text: str, style: tuple[int, list[Style]]) -> str:
    """``text`` as a person might type it: full-width, lower case, noise between characters."""
    lead, chars = style
    out = [["", " ", "\u200b"][lead]]
    for c, (wide, lower, noise) in zip(text, chars, strict=True):
        c = c.lower() if lower else c
        out.append(chr(ord(c) + 0xFEE0) if wide else c)
        out.append(NOISE[noise - 1] if 0 < noise <= len(NOISE) else "")
    return "".join(out)


def spellings(text: str) -> st.SearchStrategy[str]:
    return styles(len(text)).map(lambda style: spell(text, style))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_every_spelling_of_a_resident_id_is_one_identity(data: st.DataObject) -> None:
    number = data.draw(resident_ids())
    spelt = data.draw(spellings(number))
    assert canonical(spelt, "resident_id") == number
    assert pseudonymise(spelt, "resident_id", key=KEY) == pseudonym(KEY, number)


@settings(max_examples=200, deadline=None)
@given(resident_ids(), st.integers(1, 10))
def test_a_wrong_check_digit_is_refused(number: str, shift: int) -> None:
    wrong = "0123456789X"[("0123456789X".index(number[17]) + shift) % 11]
    with pytest.raises(Refused, match="check digit") as info:
        canonical(number[:17] + wrong, "resident_id", field="id_number")
    assert info.value.field == "id_number"


@pytest.mark.parametrize(
    ("value", "kind", "why"),
    [
        ("ps:" + "0" * 32, "resident_id", "pseudonyms"),
        ("PS:" + "0" * 32, "opaque", "pseudonyms"),
        ("ｐｓ:" + "0" * 32, "opaque", "pseudonyms"),
        ("50010319901301001X", "resident_id", "birth date"),
        ("5001031990010100", "resident_id", "17 digits"),
        ("12345", "mobile", "phone"),
        ("4111111111111112", "bank_card", "Luhn"),
        ("91350100M000100Y4", "credit_code", "18 characters"),
        ("91350100M000100Y42", "credit_code", "check"),
        ("ABCDEFG", "passport", "passport"),
        ("X12345678", "hk_macao_permit", "H or M"),
        ("\u200b", "opaque", "empty"),
        ("x", "no-such-kind", "unknown"),
    ],
)
def test_invalid_identifiers_are_refused_with_a_reason(value: str, kind: str, why: str) -> None:
    with pytest.raises(Refused, match=why):
        canonical(value, kind, field="f")


@pytest.mark.parametrize(
    ("spelt", "kind", "expected"),
    [
        ("138 0013 8000", "mobile", "+8613800138000"),
        ("+86-138-0013-8000", "mobile", "+8613800138000"),
        ("１３８００１３８０００", "mobile", "+8613800138000"),
        ("0086 13800138000", "mobile", "+8613800138000"),
        ("4111-1111-1111-1111", "bank_card", "4111111111111111"),
        ("e1234567８", "passport", "E12345678"),
        ("h 1234 5678", "hk_macao_permit", "H12345678"),
        ("12345678", "taiwan_permit", "12345678"),
        ("abc123456789012", "permanent_residence", "ABC123456789012"),
        ("91350100m000100y43", "credit_code", "91350100M000100Y43"),
    ],
)
def test_other_kinds_have_one_spelling(spelt: str, kind: str, expected: str) -> None:
    assert canonical(spelt, kind) == expected


@given(st.text(max_size=40), st.sampled_from(["resident_id", "mobile", "bank_card", "opaque"]))
def test_any_text_is_canonical_or_refused_never_an_error(value: str, kind: str) -> None:
    try:
        out = canonical(value, kind)
    except Refused:
        return
    assert out == canonical(out, kind)  # canonical texts are fixed points
    assert not is_pseudonym(out.lower())


@given(st.lists(st.integers(0, 9), min_size=11, max_size=18))
def test_luhn_accepts_exactly_one_check_digit(digits: list[int]) -> None:
    body = "".join(map(str, digits))
    assert sum(luhn_ok(body + str(d)) for d in range(10)) == 1


def test_normalise_removes_zero_width_and_separators() -> None:
    assert normalise("a\u200bb-c d\u3000e\ufeff") == "ABCDE"
