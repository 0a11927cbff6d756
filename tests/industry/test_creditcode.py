"""The unified social credit code (GB 32100-2015): published examples and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.industry.creditcode import (
    ALPHABET,
    InvalidCreditCode,
    check_character,
    is_valid,
    make_code,
    problem,
    validate,
)

# The worked example of the standard (GB 32100-2015, 附录: "91350100M000100Y4?" gives 3), and
# Huawei Technologies Co., Ltd.'s published code.
PUBLISHED = ("91350100M000100Y43", "914403001922038216")


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    assert is_valid(code)
    assert validate(code) == code


def test_the_standards_worked_example_computes_check_value_three() -> None:
    # Σ Ci·Wi = 1640 for the first 17 characters; 1640 mod 31 = 28; 31 − 28 = 3.
    assert check_character("91350100M000100Y4") == "3"


def test_the_standards_counter_example_is_refused_with_its_reason() -> None:
    assert problem("91350100M000100Y4Z") == "characters outside the GB 32100 set: Z"
    assert problem("91350100M000100Y42") == "check character is 2, the standard gives 3"


def test_weights_are_powers_of_three_modulo_31() -> None:
    from cockpit.industry.creditcode import WEIGHTS

    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("91350100M000100Y4", "a credit code has 18 characters, not 17"),
        ("91350100M000100Y433", "a credit code has 18 characters, not 19"),
        ("91350100MOOO100Y43", "characters outside the GB 32100 set: O"),
        ("9135A100M000100Y43", "characters 3–8 (the registering division) must be digits"),
    ],
)
def test_malformed_codes_name_what_is_wrong(text: str, reason: str) -> None:
    assert problem(text) == reason
    with pytest.raises(InvalidCreditCode, match=r"18 characters|outside|digits"):
        validate(text)


def test_typed_codes_are_folded_before_checking() -> None:
    assert validate(" ９１３５０１００m０００１００y４３ ") == "91350100M000100Y43"


body = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


@given(body)
def test_every_made_code_is_valid(first17: str) -> None:
    assert is_valid(make_code(first17[:2] + "500103" + first17[8:]))


@given(body, st.integers(0, 17), st.sampled_from(ALPHABET))
def test_any_single_character_change_is_caught(first17: str, pos: int, ch: str) -> None:
    code = make_code(first17[:2] + "500103" + first17[8:])
    changed = code[:pos] + ch + code[pos + 1 :]
    if changed != code and changed[2:8].isdigit():
        assert not is_valid(changed)
