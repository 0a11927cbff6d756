"""Vectorised parsers for values as Chinese offices write them (Polars, no loop over rows).

Each parser takes a Series of text (already stripped, empty as null) and returns a
``Parsed``: the typed values, and for each row that could not be read, a reason code.
The common format goes through a fast path; only the rows it misses take the slow one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl

from cockpit.format import SHANGHAI

FULL_WIDTH = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000", "\uffe5"]
HALF_WIDTH = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" ", "¥"]
_FULL_WIDTH_CLASS = "[\uff01-\uff5e\u3000\uffe5]"

# A year-first date, with optional time: 2025-03-01, 2025/3/1 8:00:00, 2025年3月1日, 2025.03.01
_YMD = (
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d{1,6})?)?$"
)
# A compact date: 20250301 or 20250301080000
_COMPACT = r"^(\d{4})(\d{2})(\d{2})(?:[ T]?(\d{2})(\d{2})(\d{2}))?$"
# Day and month in an order nobody can tell: 03/01/2025, 3-1-25
_AMBIGUOUS_DATE = r"^\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}(?:[ T].*)?$"
_MONTH = r"^(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*月?(?:份)?$"
_COMBINED_JAN_FEB = r"^(\d{4})\s*(?:[-/.]\s*0?1\s*[-/.]\s*0?2|年\s*1\s*[-—~～至]\s*2\s*月)$"
# A range of months from January, as the bureau writes cumulative figures: 2025年1-3月,
# 2025年1月-3月, 2025年1～3月, 2025.1-3 (group 2: the last month)
_FROM_JANUARY = r"^(\d{4})\s*(?:年\s*0?1\s*月?|\.\s*0?1)\s*[-—–~～至到]\s*(\d{1,2})\s*月?$"
# An Excel serial day number (1900 date system), optionally with the time as a fraction
_SERIAL = r"^\d{1,5}(?:\.\d+)?$"
_YEAR = r"^(?:19\d\d|20\d\d|2100)$"
EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 61 onward: the day count from here
EXCEL_FAKE_LEAP_DAY = 60  # Excel's 1900-02-29, a day that never was

UNIT_SCALE = {"fen": 0, "yuan": 2, "wan": 6, "yi": 10}
_UNIT_SUFFIXES = (("亿元", "yi"), ("亿", "yi"), ("万元", "wan"), ("万", "wan"), ("元", "yuan"))
TRUE_WORDS = ("是", "y", "yes", "true", "t", "1", "退款")
FALSE_WORDS = ("否", "n", "no", "false", "f", "0", "正常", "")


@dataclass
class Parsed:
    """Typed values, and a reason code (null when fine) for each row."""

    values: pl.Series
    reasons: pl.Series


def clean_expr(name: str, *, fold_width: bool, strip: bool = True) -> pl.Expr:
    """Text with full-width characters folded (when asked), trimmed, empty as null."""
    text = pl.col(name)
    if fold_width:
        text = text.str.replace_many(FULL_WIDTH, HALF_WIDTH)
    if strip:
        text = text.str.strip_chars()
    return pl.when(text.str.len_bytes() == 0).then(None).otherwise(text).alias(name)


def needs_cleaning(name: str) -> pl.Expr:
    """Whether any value of column ``name`` has a full-width character or outer spaces."""
    pattern = _FULL_WIDTH_CLASS + r"|^\s|\s$"
    return pl.col(name).str.contains(pattern).any().alias(name)


def clean_text(series: pl.Series, *, fold_width: bool = True) -> pl.Series:
    """Text with full-width characters folded to ASCII, spaces trimmed, empty as null."""
    text = series if series.dtype == pl.String else series.cast(pl.String)
    if fold_width and text.str.contains(_FULL_WIDTH_CLASS).any():
        text = text.str.replace_many(FULL_WIDTH, HALF_WIDTH)
    text = text.str.strip_chars()
    return pl.select(pl.when(text == "").then(None).otherwise(text).alias(series.name)).to_series()


def _reasons(text: pl.Series, values: pl.Series, reason: str) -> pl.Series:
    """``reason`` where there was text but no value came out of it."""
    failed = text.is_not_null() & values.is_null()
    return pl.select(pl.when(failed).then(pl.lit(reason)).otherwise(None)).to_series()


def _fill_misses(text: pl.Series, fast: pl.Series, slow: Any) -> pl.Series:
    """Run the slow parser only on the rows with text that the fast one could not read."""
    missed = (text.is_not_null() & fast.is_null()).arg_true()
    if missed.len() == 0:
        return fast
    return fast.scatter(missed, slow(text.gather(missed)))


def _slow_timestamps(text: pl.Series) -> pl.Series:
    ymd = text.str.extract_groups(_YMD).struct.unnest()
    compact = text.str.extract_groups(_COMPACT).struct.unnest()
    stamps = pl.select(
        pl.coalesce(
            ymd.select(_stamp_expr()).to_series(),
            compact.select(_stamp_expr()).to_series(),
        )
    ).to_series()
    parsed = stamps.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False)
    return pl.select(pl.coalesce(parsed, excel_serials(text))).to_series()


def excel_serials(text: pl.Series) -> pl.Series:
    """Excel serial day numbers (``45717``, ``45717.5``) as timestamps, in Excel's 1900 date
    system: serials 1–59 are 1900-01-01…02-28, 60 is Excel's 1900-02-29 that never was (no
    value), and from 61 on each counts from 1899-12-30. Years (1900–2100) are not serials.
    """
    is_serial = text.str.contains(_SERIAL).fill_null(False) & ~text.str.contains(_YEAR).fill_null(
        False
    )
    days = pl.select(pl.when(is_serial).then(text.cast(pl.Float64, strict=False))).to_series()
    seconds = (days * 86_400).round(0).cast(pl.Int64)
    shifted = pl.select(
        pl.when(days < EXCEL_FAKE_LEAP_DAY).then(seconds + 86_400).otherwise(seconds)
    ).to_series()
    valid = (days >= 1) & (days.floor() != EXCEL_FAKE_LEAP_DAY)
    return (
        pl.select(
            pl.when(valid)
            .then(pl.lit(EXCEL_EPOCH) + pl.duration(seconds=pl.lit(shifted)))
            .otherwise(None)
        )
        .to_series()
        .cast(pl.Datetime("us"))
    )


def _stamp_expr() -> pl.Expr:
    cols = [pl.col(str(i)).fill_null("0").str.zfill(2) for i in range(1, 7)]
    stamp = pl.format("{}-{}-{} {}:{}:{}", *cols)
    return pl.when(pl.col("1").is_not_null()).then(stamp).otherwise(None)


def _date_reasons(text: pl.Series, values: pl.Series) -> pl.Series:
    ambiguous = text.str.contains(_AMBIGUOUS_DATE).fill_null(False)
    failed = text.is_not_null() & values.is_null()
    return pl.select(
        pl.when(failed & ambiguous)
        .then(pl.lit("ambiguous_value"))
        .when(failed)
        .then(pl.lit("unparseable_date"))
        .otherwise(None)
    ).to_series()


def parse_timestamp(text: pl.Series) -> Parsed:
    """Timestamps in any year-first form; day/month-first forms are ambiguous, not guessed."""
    if isinstance(text.dtype, pl.Datetime):
        # Zoned instants become Shanghai wall-clock time; naive ones already are.
        if text.dtype.time_zone is not None:
            text = text.dt.convert_time_zone(SHANGHAI.key).dt.replace_time_zone(None)
        values = text.cast(pl.Datetime("us"))
        return Parsed(values, pl.Series([None] * len(text), dtype=pl.String))
    if text.dtype == pl.Date:
        values = text.cast(pl.Datetime("us"))
        return Parsed(values, pl.Series([None] * len(text), dtype=pl.String))
    fast = text.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False)
    values = _fill_misses(text, fast, _slow_timestamps)
    return Parsed(values, _date_reasons(text, values))


def parse_date(text: pl.Series) -> Parsed:
    """Dates such as 2025-03-01, 2025/3/1, 2025年3月1日 or 20250301 (a time part is dropped)."""
    if text.dtype == pl.Date:
        return Parsed(text, pl.Series([None] * len(text), dtype=pl.String))
    parsed = parse_timestamp(text)
    return Parsed(parsed.values.dt.date(), parsed.reasons)


def _year_month(year: pl.Series, month_text: pl.Series) -> pl.Series:
    month = month_text.cast(pl.Int32, strict=False)
    ok = month.is_between(1, 12) & year.is_not_null()
    return pl.select(
        pl.when(ok).then(pl.format("{}-{}", year, month_text.str.zfill(2))).otherwise(None)
    ).to_series()


def parse_month(text: pl.Series) -> Parsed:
    """Months such as 2025-03, 2025/3, 2025年3月 or 202503, as ``YYYY-MM``; a date (an Excel
    date cell, 2025-03-01) gives its month."""
    parts = text.str.extract_groups(_MONTH).struct.unnest()
    values = _year_month(parts["1"], parts["2"])
    if values.null_count() > text.null_count():
        dated = parse_date(text).values
        values = pl.select(pl.coalesce(values, dated.dt.strftime("%Y-%m"))).to_series()
    return Parsed(values, _date_reasons(text, values))


def is_cumulative_period(text: pl.Series) -> pl.Series:
    """Whether each period is a range from January to a month after February (2025年1-3月)."""
    last = text.str.extract(_FROM_JANUARY, 2).cast(pl.Int32, strict=False)
    return last.is_between(3, 12).fill_null(False)


def parse_period(text: pl.Series) -> Parsed:
    """Months; NBS's combined January–February release as ``YYYY-01-02``; a cumulative range
    from January (2025年1-3月) as its last month (the measure says it is cumulative)."""
    month = parse_month(text)
    combined = text.str.extract(_COMBINED_JAN_FEB, 1)
    ranged = text.str.extract_groups(_FROM_JANUARY).struct.unnest()
    last = ranged["2"].cast(pl.Int32, strict=False)
    january_february = pl.select(
        pl.when(last == 2).then(pl.format("{}-01-02", ranged["1"]))
    ).to_series()
    cumulative = pl.select(
        pl.when(last.is_between(3, 12)).then(_year_month(ranged["1"], ranged["2"]))
    ).to_series()
    values = pl.select(
        pl.coalesce(pl.format("{}-01-02", combined), january_february, cumulative, month.values)
    ).to_series()
    return Parsed(values, _date_reasons(text, values))


def _money_unit(text: pl.Series, default_unit: str) -> tuple[pl.Series, pl.Series]:
    """Text without currency marks, and the unit each value is written in."""
    stripped = text.str.replace_all(r"[¥￥\s]", "").str.replace(r"^RMB|^CNY", "")
    unit = pl.Series([default_unit] * len(text), dtype=pl.String)
    for suffix, name in _UNIT_SUFFIXES:
        has = stripped.str.ends_with(suffix).fill_null(False)
        unit = pl.select(pl.when(has).then(pl.lit(name)).otherwise(unit)).to_series()
        stripped = pl.select(
            pl.when(has).then(stripped.str.strip_suffix(suffix)).otherwise(stripped)
        ).to_series()
    return stripped, unit


def _slow_money(text: pl.Series, default_unit: str) -> tuple[pl.Series, pl.Series]:
    number, unit = _money_unit(text, default_unit)
    grouped_ok = number.str.contains(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$").fill_null(False)
    has_comma = number.str.contains(",", literal=True).fill_null(False)
    plain = number.str.replace_all(",", "", literal=True)
    parts = plain.str.extract_groups(r"^(-?)(\d+)(?:\.(\d+))?$").struct.unnest()
    scale = unit.replace_strict(UNIT_SCALE, return_dtype=pl.Int64)
    frac = parts["3"].fill_null("")
    frame = pl.DataFrame({"sign": parts["1"], "int": parts["2"], "frac": frac, "scale": scale})
    fen = frame.select(
        (
            pl.col("int").cast(pl.Int64, strict=False)
            * pl.lit(10, dtype=pl.Int64).pow(pl.col("scale"))
            + pl.col("frac")
            .str.pad_end(18, "0")
            .str.slice(0, pl.col("scale"))
            .replace("", "0")
            .cast(pl.Int64, strict=False)
        )
        * pl.when(pl.col("sign") == "-").then(-1).otherwise(1)
    ).to_series()
    too_precise = frac.str.len_chars() > scale
    too_long = parts["2"].str.len_chars() + scale > 18
    reason = pl.select(
        pl.when(has_comma & ~grouped_ok)
        .then(pl.lit("ambiguous_value"))
        .when(too_long.fill_null(False))
        .then(pl.lit("out_of_range"))
        .when(parts["2"].is_null() | too_precise.fill_null(False))
        .then(pl.lit("bad_amount"))
        .otherwise(None)
    ).to_series()
    fen = pl.select(pl.when(reason.is_null()).then(fen).otherwise(None)).to_series()
    return fen, reason


def parse_money(text: pl.Series, unit: str | None) -> Parsed:
    """Money as int64 fen from 1234.50, ¥1,234.50, 12.5万元 or -3.2 in the column's unit."""
    default_unit = unit or "yuan"
    if text.dtype.is_integer() and default_unit == "fen":
        values = text.cast(pl.Int64)
        return Parsed(values, pl.Series([None] * len(text), dtype=pl.String))
    if text.dtype.is_numeric():
        text = text.cast(pl.String)
    if default_unit == "yuan":
        fast = pl.select(
            pl.when(text.str.contains(r"^-?\d+\.\d\d$"))
            .then(text.str.replace(".", "", literal=True).cast(pl.Int64, strict=False))
            .otherwise(None)
        ).to_series()
    else:
        fast = pl.Series([None] * len(text), dtype=pl.Int64)
    missed = (text.is_not_null() & fast.is_null()).arg_true()
    reasons = pl.Series([None] * len(text), dtype=pl.String)
    if missed.len() > 0:
        slow_values, slow_reasons = _slow_money(text.gather(missed), default_unit)
        fast = fast.scatter(missed, slow_values)
        reasons = reasons.scatter(missed, slow_reasons)
    return Parsed(fast, reasons)


def parse_bool(text: pl.Series) -> Parsed:
    """是/否, Y/N, true/false, 1/0."""
    if text.dtype == pl.Boolean:
        return Parsed(text, pl.Series([None] * len(text), dtype=pl.String))
    lower = text.cast(pl.String).str.to_lowercase()
    mapping = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
    values = lower.replace_strict(mapping, default=None, return_dtype=pl.Boolean)
    return Parsed(values, _reasons(text, values, "bad_value"))


def parse_float(text: pl.Series) -> Parsed:
    """Numbers such as 5.2, -1.3 or 5.2%."""
    if text.dtype.is_numeric():
        values = text.cast(pl.Float64)
        return Parsed(values, pl.Series([None] * len(text), dtype=pl.String))
    values = text.str.strip_suffix("%").str.replace_all(",", "").cast(pl.Float64, strict=False)
    return Parsed(values, _reasons(text, values, "bad_value"))


def parse_code(text: pl.Series, mapping: dict[str, str], reason: str) -> Parsed:
    """A code from its code, Chinese or English name (case-insensitive)."""
    values = (
        text.cast(pl.String)
        .str.to_lowercase()
        .replace_strict(mapping, default=None, return_dtype=pl.String)
    )
    return Parsed(values, _reasons(text, values, reason))


def parse_list(text: pl.Series) -> Parsed:
    """Lists separated by ; ；, ， 、 or |, written back ``;``-separated."""
    values = text.cast(pl.String).str.replace_all(r"\s*[;；,，、|]\s*", ";").str.strip_chars(";")
    return Parsed(values, pl.Series([None] * len(text), dtype=pl.String))


def range_bound(values: pl.Series, bound: Any) -> Any:
    """A contract's range bound as a value comparable with ``values`` (dates for dates)."""
    if bound is None:
        return None
    if values.dtype == pl.Date:
        return date.fromisoformat(str(bound))
    if isinstance(values.dtype, pl.Datetime):
        return datetime.fromisoformat(str(bound))
    return bound


YUAN_FAST = r"^-?\d+\.\d\d$"


def fast_expr(
    name: str, kind: str, unit: str | None, mapping: dict[str, str] | None
) -> tuple[pl.Expr | None, bool]:
    """An expression reading the common spelling of column ``name`` (cleaned text), and
    whether it reads every valid spelling (so what it misses is wrong, with no second look).
    """
    col = pl.col(name)
    if kind == "timestamp":
        stamp = pl.Datetime("us")
        # No cache: timestamps are mostly distinct, a cache of them would only cost.
        return col.str.strptime(stamp, "%Y-%m-%d %H:%M:%S", strict=False, cache=False), False
    if kind == "date":
        return col.str.strptime(pl.Date, "%Y-%m-%d", strict=False, cache=False), False
    if kind == "money" and (unit or "yuan") == "yuan":
        fen = col.str.replace(".", "", literal=True).cast(pl.Int64, strict=False)
        return pl.when(col.str.contains(YUAN_FAST)).then(fen).otherwise(None), False
    # Codes and flags: the spellings as written (lower, upper, title case) map directly;
    # anything else (mixed case) takes the slow path, which lowers the text first.
    if kind == "bool":
        table = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
        return col.replace_strict(
            _case_variants(table), default=None, return_dtype=pl.Boolean
        ), False
    if mapping is not None:
        return col.replace_strict(
            _case_variants(mapping), default=None, return_dtype=pl.String
        ), False
    if kind == "float":
        return col.str.strip_suffix("%").str.replace_all(",", "").cast(
            pl.Float64, strict=False
        ), True
    if kind in ("string", "personal"):
        return col, True
    return None, False


def _case_variants(table: dict[str, Any]) -> dict[str, Any]:
    """``table`` (keyed in lower case) with each key also in upper and title case, where
    lowering that spelling gives the key back (so the meaning is the same as lowering).
    """
    out = dict(table)
    for key, value in table.items():
        for variant in (key.upper(), key.title()):
            if variant.lower() == key and variant not in out:
                out[variant] = value
    return out
