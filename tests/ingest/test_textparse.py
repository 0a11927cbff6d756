"""Values as offices write them: dates, full-width digits, money in 元 and 万元."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from cockpit.ingest import textparse as tp


def _text(*values: str | None) -> pl.Series:
    return tp.clean_text(pl.Series(values, dtype=pl.String))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-01 08:00:00", datetime(2025, 3, 1, 8)),
        ("2025/3/1 8:00:00", datetime(2025, 3, 1, 8)),
        ("2025年3月1日", datetime(2025, 3, 1)),
        ("20250301", datetime(2025, 3, 1)),
        ("２０２５-０３-０１ ０８:００:００", datetime(2025, 3, 1, 8)),
        ("2025-03-01T08:00:00", datetime(2025, 3, 1, 8)),
    ],
)
def test_timestamps_in_every_year_first_spelling_are_read(text: str, expected: datetime) -> None:
    parsed = tp.parse_timestamp(_text(text))
    assert parsed.values.to_list() == [expected]
    assert parsed.reasons.to_list() == [None]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2025-13-45", "unparseable_date"),
        ("昨天", "unparseable_date"),
        ("2025-02-29", "unparseable_date"),
        ("03/01/2025", "ambiguous_value"),
        ("1/3/25", "ambiguous_value"),
    ],
)
def test_dates_that_cannot_be_read_unambiguously_are_rejected(text: str, reason: str) -> None:
    parsed = tp.parse_timestamp(_text(text))
    assert parsed.values.to_list() == [None]
    assert parsed.reasons.to_list() == [reason]


def test_dates_drop_the_time_part() -> None:
    assert tp.parse_date(_text("2019年3月1日", "20190301")).values.to_list() == [
        date(2019, 3, 1),
        date(2019, 3, 1),
    ]


@pytest.mark.parametrize(
    ("text", "unit", "fen"),
    [
        ("1234.50", "yuan", 123450),
        ("¥1,234.50", "yuan", 123450),
        ("￥１,２３４.５", "yuan", 123450),
        ("-3.2", "yuan", -320),
        ("100", "yuan", 10000),
        ("12.5", "wan", 12_500_000),
        ("12.5万元", "wan", 12_500_000),
        ("12.5万元", "yuan", 12_500_000),
        ("2566.35", "yi", 25_663_500_000_000),
        ("125000元", "wan", 12_500_000),
        ("700", "fen", 700),
    ],
)
def test_money_becomes_integer_fen(text: str, unit: str, fen: int) -> None:
    parsed = tp.parse_money(_text(text), unit)
    assert parsed.values.to_list() == [fen]
    assert parsed.reasons.to_list() == [None]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1,23", "ambiguous_value"),
        ("12.345", "bad_amount"),
        ("abc", "bad_amount"),
        ("1.2.3", "bad_amount"),
    ],
)
def test_money_that_is_not_a_clear_amount_is_rejected(text: str, reason: str) -> None:
    parsed = tp.parse_money(_text(text), "yuan")
    assert parsed.values.to_list() == [None]
    assert parsed.reasons.to_list() == [reason]


def test_months_and_the_combined_january_february_period() -> None:
    parsed = tp.parse_period(
        _text("2025-03", "2025年3月", "202503", "2025-01-02", "2025年1-2月", "2025-13")
    )
    assert parsed.values.to_list() == [
        "2025-03",
        "2025-03",
        "2025-03",
        "2025-01-02",
        "2025-01-02",
        None,
    ]
    assert parsed.reasons.to_list()[-1] == "unparseable_date"


def test_flags_in_chinese_and_english() -> None:
    parsed = tp.parse_bool(_text("是", "否", "Y", "n", "true", "maybe"))
    assert parsed.values.to_list() == [True, False, True, False, True, None]
    assert parsed.reasons.to_list()[-1] == "bad_value"


def test_empty_text_is_null_and_not_an_error() -> None:
    parsed = tp.parse_timestamp(_text("", "  ", None))
    assert parsed.values.to_list() == [None, None, None]
    assert parsed.reasons.to_list() == [None, None, None]


def test_zoned_timestamps_from_parquet_become_shanghai_wall_clock_time() -> None:
    utc = pl.Series([datetime(2025, 3, 1, 0, 30)], dtype=pl.Datetime("ns", "UTC"))
    assert tp.parse_timestamp(utc).values.to_list() == [datetime(2025, 3, 1, 8, 30)]
