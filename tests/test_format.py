"""Money, percentages and time read one way per locale, in every room."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit import format as fmt


def test_the_format_examples_hold() -> None:
    assert doctest.testmod(fmt).failed == 0


@pytest.mark.parametrize(
    ("fen", "lang", "text"),
    [
        (151_300_000_000_000, "zh-CN", "15,130.0亿元"),
        (151_300_000_000_000, "en", "1,513.0 billion yuan"),
        (250_000_000_00, "en", "250.0 million yuan"),
        (52_000_000, "zh", "52.0万元"),
        (52_000_000, "en", "520.0 thousand yuan"),
        (99_999, "zh", "999.99元"),
        (-52_000_000, "zh", "-52.0万元"),
        (None, "en", "—"),
    ],
)
def test_money_reads_in_the_units_of_each_locale(fen: int | None, lang: str, text: str) -> None:
    assert fmt.money(fen, lang) == text


def test_a_forced_unit_must_be_one_of_the_locale() -> None:
    assert fmt.money(200e9 * 100, "en", unit="billion yuan") == "200.0 billion yuan"
    with pytest.raises(ValueError, match="亿元"):
        fmt.money(1, "en", unit="亿元")


@given(st.integers(min_value=-(10**17), max_value=10**17), st.sampled_from(["zh-CN", "en"]))
def test_the_unit_chosen_shows_the_amount_at_least_one_unit_wide(fen: int, lang: str) -> None:
    divisor, unit = fmt.money_unit(fen, lang)
    assert abs(fen) < 100 * 1000 or abs(fen) / divisor >= 1
    assert unit in {name for _, name in fmt.UNITS[fmt.locale(lang)]}


def test_shanghai_is_eight_hours_ahead_of_utc() -> None:
    import datetime as dt

    assert dt.datetime(2025, 1, 1, tzinfo=fmt.SHANGHAI).utcoffset() == dt.timedelta(hours=8)


def test_cli_verbs_print_json_only_through_the_envelope() -> None:
    from pathlib import Path

    src = Path(fmt.__file__).parent
    # Issue 22 rewrites forecast's verbs and issue 25 the API keys' verbs; both adopt it there.
    pending = {"forecast/commands.py", "web/auth.py"}
    printing = {
        p.relative_to(src).as_posix()
        for p in src.rglob("*.py")
        if "echo(json.dumps(" in p.read_text("utf-8")
    }
    assert printing <= pending


def test_a_workbook_drops_control_characters_excel_cannot_hold() -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    from cockpit.sheets import Sheet, to_xlsx

    sheet = Sheet(title="t\x07", subtitle="", columns=["a\x04"], rows=[["x\x01y", 1]], source="s")
    ws = load_workbook(BytesIO(to_xlsx(sheet))).active
    assert ws is not None
    assert ws["A3"].value == "a" and ws["A4"].value == "xy" and ws["B4"].value == 1
