"""Identifier-like tokens in free text: found wherever they sit, pseudonyms left alone."""

from __future__ import annotations

import pytest

from cockpit.ingest.scrub import identifier_tokens, scrub


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("510104198103031234", ["510104198103031234"]),
        ("备注51010419810303123X号", ["51010419810303123X"]),
        ("510104810303123", ["510104810303123"]),  # an old 15-digit ID number
        ("tel 13912345678;", ["13912345678"]),
        ("+86 139-1234-5678", ["+86 139-1234-5678"]),
        ("卡号6222021234567890123", ["6222021234567890123"]),
        ("dev=a1b2c3d4e5f60718", ["a1b2c3d4e5f60718"]),
        ("123e4567-e89b-12d3-a456-426614174000", ["123e4567-e89b-12d3-a456-426614174000"]),
        ("aa:bb:cc:dd:ee:0f", ["aa:bb:cc:dd:ee:0f"]),
    ],
)
def test_identifiers_are_found_wherever_they_sit(text: str, tokens: list[str]) -> None:
    assert identifier_tokens(text) == tokens


@pytest.mark.parametrize(
    "text",
    [
        "ps:0123456789abcdef0123456789abcdef",  # a pseudonym already
        "20250301080000",  # a compact time, not a person
        "2025-03-01 08:00:00",
        "M000001",
        "12.50",
        "facadefacadebeef",  # hex letters alone: a word, not a device
        "5101041981…",  # ten digits: not a whole identifier
    ],
)
def test_what_is_not_an_identifier_is_left_alone(text: str) -> None:
    assert identifier_tokens(text) == []
    assert scrub([text], lambda found: ["ps:x"] * len(found)) == [text]


def test_each_distinct_token_is_pseudonymised_once_in_one_call() -> None:
    calls: list[list[str]] = []

    def pseudonymise(found: list[str]) -> list[str]:
        calls.append(found)
        return [f"ps:{len(t)}" for t in found]

    out = scrub(["a 13912345678 b 13912345678", None, "", "c"], pseudonymise)
    assert out == ["a ps:11 b ps:11", None, "", "c"]
    assert calls == [["13912345678"]]
