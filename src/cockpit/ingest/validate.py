"""Check a batch of rows against its contract, column by column (vectorised, no row loop).

``validate_batch`` returns the accepted rows, typed as the lake wants them, and the
rejected ones with line, field, reason code, message and the raw row, in which personal
identifiers are already pseudonyms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from cockpit.ingest import textparse as tp
from cockpit.ingest.codes import code_map
from cockpit.ingest.contracts import Contract, FieldSpec, HeaderMap
from cockpit.ingest.pseudonym import Pseudonymiser
from cockpit.ingest.readers import LINE
from cockpit.ingest.scrub import scrub

REASON, FIELD, MESSAGE, RAW = "_reason", "_field", "_message", "_raw"
# Identifiers of people, put in one spelling (``cockpit.identity``) before they become
# pseudonyms, so a payer is the same pseudonym as the voucher holder or applicant they are
# in the programmes room however the feed spells the number; resident ID numbers that fail
# their check are refused (``invalid_identifier``). Cards and devices are only pseudonymised.
PEOPLE = ("payer_id",)
INVALID = "_invalid_"  # + field: the private mask of values refused as identifiers
CODE_LISTS = {"district": "districts", "region": "regions", "category": "categories"}
FREE_TEXT = ("name", "products", "markets")
EPOCH = date(1970, 1, 1)
REJECTED_SCHEMA = {
    LINE: pl.Int64,
    FIELD: pl.String,
    REASON: pl.String,
    MESSAGE: pl.String,
    RAW: pl.String,
}


@dataclass
class Checked:
    """One batch after validation."""

    accepted: pl.DataFrame
    rejected: pl.DataFrame  # _line, _field, _reason, _message, _raw
    sums: dict[str, tuple[int, int]] = field(default_factory=dict)  # money: (sum, values)


def _parse(spec: FieldSpec, text: pl.Series, unit: str | None) -> tp.Parsed:
    kind = spec.type
    if kind in ("timestamp", "date", "month", "period"):
        parser = {
            "timestamp": tp.parse_timestamp,
            "date": tp.parse_date,
            "month": tp.parse_month,
            "period": tp.parse_period,
        }[kind]
        return parser(text)
    if kind == "money":
        return tp.parse_money(text, unit)
    if kind == "bool":
        return tp.parse_bool(text)
    if kind == "float":
        return tp.parse_float(text)
    if kind == "list":
        return tp.parse_list(text)
    mapping = _mapping(spec)
    if mapping is not None:
        return tp.parse_code(text, mapping, spec.bad_reason)
    values = text.cast(pl.String)
    return tp.Parsed(values, pl.Series([None] * len(text), dtype=pl.String))


def _mapping(spec: FieldSpec) -> dict[str, str] | None:
    """Spellings of the field's codes; an empty default (say, "" for the total) is a code."""
    if spec.type == "code":
        assert spec.codes is not None
        codes = code_map(spec.codes)
    elif spec.type in CODE_LISTS:
        codes = code_map(CODE_LISTS[spec.type])
    else:
        return None
    return codes | {"": ""} if spec.default == "" else codes


def _clean(
    frame: pl.DataFrame,
    source_contract: Contract,
    headers: HeaderMap,
    plain: frozenset[str] = frozenset(),
) -> pl.DataFrame:
    """Every field as cleaned text (or typed, from Parquet), in one parallel pass.

    Columns in ``plain`` are known to be ASCII with nothing to trim: they skip the check.
    """
    mapped = [
        (spec, headers.columns[spec.name])
        for spec in source_contract.fields
        if spec.name in headers.columns
    ]
    text_cols = [col for _, col in mapped if frame[col].dtype == pl.String]
    unknown = [col for col in text_cols if col not in plain]
    flags = frame.select(tp.needs_cleaning(c) for c in unknown).row(0) if unknown else ()
    dirty = dict.fromkeys(text_cols, False) | dict(zip(unknown, flags, strict=True))
    exprs: list[pl.Expr] = []
    for spec, col in mapped:
        if frame[col].dtype != pl.String:
            typed = pl.col(col)
            if spec.default is not None and frame[col].null_count():
                # A null in a typed column (Parquet) takes the default as text does.
                typed = typed.cast(pl.String).fill_null(pl.lit(spec.default))
            exprs.append(typed.alias(spec.name))
            continue
        cleaned = tp.clean_expr(
            col, fold_width=bool(dirty[col]) and spec.name not in FREE_TEXT, strip=bool(dirty[col])
        )
        if spec.default is not None:
            cleaned = cleaned.fill_null(pl.lit(spec.default))
        exprs.append(cleaned.alias(spec.name))
    for spec in source_contract.fields:
        if spec.name not in headers.columns and spec.default_from is None:
            exprs.append(pl.lit(spec.default, dtype=pl.String).alias(spec.name))
    return frame.select(*exprs, pl.col(LINE))


def _parse_all(
    texts: pl.DataFrame, source_contract: Contract, headers: HeaderMap
) -> tuple[pl.DataFrame, dict[str, pl.Series]]:
    """Typed values of every field (fast paths in one parallel pass) and reasons per field."""
    fast: dict[str, pl.Expr] = {}
    complete: set[str] = set()
    for spec in source_contract.fields:
        if spec.name not in texts.columns or texts[spec.name].dtype != pl.String:
            continue
        expr, whole = tp.fast_expr(
            spec.name, spec.type, headers.units.get(spec.name), _mapping(spec)
        )
        if expr is not None:
            fast[spec.name] = expr.alias(spec.name)
            if whole:
                complete.add(spec.name)
    values = texts.select(*fast.values()) if fast else pl.DataFrame()
    misses = (
        texts.select(
            (pl.col(n).is_not_null() & values[n].is_null()).any().alias(n) for n in fast
        ).row(0, named=True)
        if fast
        else {}
    )
    columns: dict[str, pl.Series] = {}
    reasons: dict[str, pl.Series] = {}
    for spec in source_contract.fields:
        if spec.name not in texts.columns:
            continue
        text = texts[spec.name]
        if spec.name in fast and not misses[spec.name]:
            columns[spec.name] = values[spec.name]
        elif spec.name in complete:
            columns[spec.name] = values[spec.name]
            reasons[spec.name] = tp._reasons(text, values[spec.name], spec.bad_reason)
        else:
            parsed = _parse(spec, text, headers.units.get(spec.name))
            columns[spec.name] = parsed.values.alias(spec.name)
            reasons[spec.name] = parsed.reasons
    return pl.DataFrame(list(columns.values())), reasons


def _checks(
    typed: pl.DataFrame, texts: pl.DataFrame, source_contract: Contract
) -> dict[str, pl.Series]:
    """Required and range checks of every field, as boolean masks (one parallel pass)."""
    exprs: dict[str, tuple[pl.Expr, str]] = {}
    for spec in source_contract.fields:
        if spec.name not in typed.columns:
            continue
        value = pl.col(spec.name)
        if spec.required:
            present = (
                texts[spec.name].is_null()
                if spec.name in texts.columns and texts[spec.name].dtype == pl.String
                else typed[spec.name].is_null()
            )
            exprs[f"{spec.name}\0missing_required"] = (pl.lit(present), "missing_required")
        if spec.min is not None or spec.max is not None:
            low = tp.range_bound(typed[spec.name], spec.min)
            high = tp.range_bound(typed[spec.name], spec.max)
            outside = pl.lit(False)
            if low is not None:
                outside = outside | (value < low).fill_null(False)
            if high is not None:
                outside = outside | (value > high).fill_null(False)
            exprs[f"{spec.name}\0out_of_range"] = (outside, "out_of_range")
    if not exprs:
        return {}
    masks = typed.select(e.alias(k) for k, (e, _) in exprs.items())
    flagged = masks.select(pl.all().any()).row(0, named=True)
    return {k: masks[k] for k, hit in flagged.items() if hit}


def _as_reasons(masks: dict[str, pl.Series]) -> dict[str, pl.Series]:
    out: dict[str, pl.Series] = {}
    for key, mask in masks.items():
        name, reason = key.split("\0")
        series = pl.select(pl.when(mask).then(pl.lit(reason)).otherwise(None)).to_series()
        out[f"{name}\0{reason}"] = series
    return out


def clean_batch(
    source_contract: Contract,
    headers: HeaderMap,
    frame: pl.DataFrame,
    pseudonymiser: Pseudonymiser,
    *,
    plain: frozenset[str] = frozenset(),
) -> pl.DataFrame:
    """The first half of ``validate_batch``: the fields' texts cleaned, and personal ones
    already replaced by their pseudonyms (so no clear identifier goes further).
    """
    texts = _clean(frame, source_contract, headers, plain)
    personal = [
        s.name for s in source_contract.fields if s.type == "personal" and s.name in texts.columns
    ]
    for name in personal:
        if name in PEOPLE and texts[name].dtype == pl.String:
            one, invalid = people(texts[name])
            texts = texts.with_columns(one)
            if invalid.any():
                texts = texts.with_columns(invalid.alias(INVALID + name))
    if personal:
        texts = texts.with_columns(pseudonymiser.apply_many([texts[n] for n in personal]))
    return texts


def people(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """A column of people's identifiers in one spelling (``identity.normalise``), and which
    of them are resident ID numbers that fail their check (``identity``)."""
    from cockpit import identity

    one = identity.normalise_many(values)
    return one, identity.invalid_resident_ids(one)


def validate_batch(
    source: str,
    source_contract: Contract,
    headers: HeaderMap,
    frame: pl.DataFrame,
    pseudonymiser: Pseudonymiser,
    *,
    plain: frozenset[str] = frozenset(),
    texts: pl.DataFrame | None = None,
) -> Checked:
    """Parse and check every field of ``frame``; split it into accepted and rejected rows.

    ``plain``: columns of ``frame`` known to need no cleaning (see ``readers.Block``);
    ``texts``: ``clean_batch`` of ``frame``, when it was already done (in another thread).
    """
    if texts is None:
        texts = clean_batch(source_contract, headers, frame, pseudonymiser, plain=plain)
    typed, reasons = _parse_all(texts, source_contract, headers)
    for spec in source_contract.fields:
        if spec.default_from and spec.name not in typed.columns:
            typed = typed.with_columns(typed[spec.default_from].alias(spec.name))
        elif spec.default_from:
            typed = typed.with_columns(pl.col(spec.name).fill_null(pl.col(spec.default_from)))
    if source == "official-stats" and "period" in texts.columns:
        typed = _cumulative_measures(typed, texts)
    checks = _as_reasons(_checks(typed, texts, source_contract))
    for name in PEOPLE:
        if INVALID + name in texts.columns:
            checks |= _as_reasons({f"{name}\0invalid_identifier": texts[INVALID + name]})
    all_reasons = {f"{n}\0parse": r for n, r in reasons.items() if r.is_not_null().any()}
    ordered = _in_field_order(source_contract, all_reasons | checks)
    row_reasons = _row_rules(source, {c: typed[c] for c in typed.columns})
    typed = typed.with_columns(texts[LINE])
    verdict = _verdict(source_contract, headers, texts, ordered, row_reasons)
    typed = typed.with_columns(verdict)
    accepted = typed.filter(pl.col(REASON).is_null()).drop(REASON, FIELD, MESSAGE)
    rejected = _rejected(frame, typed, headers, source_contract, pseudonymiser)
    money = [f.name for f in source_contract.fields if f.type == "money" and f.name in typed]
    sums = (
        typed.select(
            *(pl.col(n).sum().alias(f"s{i}") for i, n in enumerate(money)),
            *(pl.col(n).count().alias(f"c{i}") for i, n in enumerate(money)),
        ).row(0, named=True)
        if money
        else {}
    )
    return Checked(
        accepted=_derive(source, accepted),
        rejected=rejected,
        sums={n: (int(sums[f"s{i}"] or 0), int(sums[f"c{i}"])) for i, n in enumerate(money)},
    )


def _cumulative_measures(typed: pl.DataFrame, texts: pl.DataFrame) -> pl.DataFrame:
    """Rows whose period is a range from January (2025年1-3月) carry cumulative figures:
    their measure becomes its cumulative counterpart."""
    from cockpit.ingest.codes import cumulative_measures

    if "measure" not in typed.columns or typed["measure"].dtype != pl.String:
        return typed
    cumulative = tp.is_cumulative_period(texts["period"])
    if not cumulative.any():
        return typed
    counterpart = typed["measure"].replace_strict(
        cumulative_measures(), default=None, return_dtype=pl.String
    )
    return typed.with_columns(
        pl.when(pl.lit(cumulative))
        .then(pl.lit(counterpart))
        .otherwise(pl.col("measure"))
        .alias("measure")
    )


def _in_field_order(
    source_contract: Contract, reasons: dict[str, pl.Series]
) -> list[tuple[str, pl.Series]]:
    """(field, reasons) with the contract's field order first, parse before checks."""
    order = {spec.name: i for i, spec in enumerate(source_contract.fields)}
    keys = sorted(reasons, key=lambda k: (order[k.split("\0")[0]], k.split("\0")[1] != "parse"))
    return [(k.split("\0")[0], reasons[k]) for k in keys]


def _row_rules(source: str, values: dict[str, pl.Series]) -> list[tuple[str, pl.Series, str]]:
    """Checks across fields: (field, failing mask, reason)."""
    if source == "transactions":
        amount, refund = values["amount_fen"], values["is_refund"].fill_null(False)
        return [
            ("amount_fen", (amount < 0) & ~refund, "negative_amount_not_refund"),
            ("is_refund", (amount > 0) & refund, "ambiguous_value"),
        ]
    if source == "merchants":
        return [
            ("closed_on", values["closed_on"] < values["opened_on"], "out_of_range"),
            ("valid_from", values["valid_from"].is_null(), "missing_required"),
        ]
    return []


def _verdict(
    source_contract: Contract,
    headers: HeaderMap,
    texts: pl.DataFrame,
    reasons: list[tuple[str, pl.Series]],
    row_reasons: list[tuple[str, pl.Series, str]],
) -> list[pl.Expr]:
    """The first failing check of each row: reason, field (as headed in the file), message."""
    checks = [(name, r.is_not_null(), pl.lit(r)) for name, r in reasons]
    checks += [
        (name, m.fill_null(False), pl.lit(reason))
        for name, m, reason in row_reasons
        if m.fill_null(False).any()
    ]
    reason_expr = pl.lit(None, dtype=pl.String)
    field_expr = pl.lit(None, dtype=pl.String)
    message_expr = pl.lit(None, dtype=pl.String)
    for name, mask, reason in reversed(checks):
        header = headers.columns.get(name, name)
        shown = _shown_value(texts[name] if name in texts.columns else None)
        message = pl.format("{} = {}", pl.lit(header), shown)
        reason_expr = pl.when(pl.lit(mask)).then(reason).otherwise(reason_expr)
        field_expr = pl.when(pl.lit(mask)).then(pl.lit(header)).otherwise(field_expr)
        message_expr = pl.when(pl.lit(mask)).then(message).otherwise(message_expr)
    return [reason_expr.alias(REASON), field_expr.alias(FIELD), message_expr.alias(MESSAGE)]


def _shown_value(text: pl.Series | None) -> pl.Expr:
    if text is None:
        return pl.lit("(derived)")
    shown = text.cast(pl.String).fill_null("(empty)")
    return pl.format("'{}'", pl.lit(shown))


def raw_rows(
    frame: pl.DataFrame, headers: HeaderMap, source_contract: Contract, pseudonymiser: Pseudonymiser
) -> pl.Series:
    """Rows as read, as JSON objects keyed by the file's headers; personal ids pseudonymised."""
    personal = {
        headers.columns[f.name]
        for f in source_contract.fields
        if f.type == "personal" and f.name in headers.columns
    }
    columns = [c for c in frame.columns if c != LINE]
    # Every other cell is scrubbed of identifier-like tokens before the row is encoded (in
    # the JSON text, a token could run into an escape such as \f).
    people_cols = {headers.columns[n] for n in PEOPLE if n in headers.columns}

    def personal_cell(c: str) -> pl.Series:
        cleaned = tp.clean_text(frame[c])
        if c in people_cols and cleaned.dtype == pl.String:
            cleaned = people(cleaned)[0]
        return pseudonymiser.apply(cleaned).alias(c)

    cells = frame.select(
        [
            personal_cell(c)
            if c in personal
            else pl.Series(c, scrub_series(frame[c].cast(pl.String), pseudonymiser), pl.String)
            for c in columns
        ]
    )
    return cells.select(pl.struct(columns).struct.json_encode().alias(RAW)).to_series()


def scrub_series(texts: pl.Series, pseudonymiser: Pseudonymiser) -> list[str | None]:
    """``texts`` with every identifier-like token pseudonymised (see ``scrub``)."""
    return scrub(texts.to_list(), lambda found: pseudonymiser.apply(pl.Series(found)).to_list())


def _rejected(
    frame: pl.DataFrame,
    typed: pl.DataFrame,
    headers: HeaderMap,
    source_contract: Contract,
    pseudonymiser: Pseudonymiser,
) -> pl.DataFrame:
    bad = typed[REASON].is_not_null()
    if not bad.any():
        return pl.DataFrame(schema=REJECTED_SCHEMA)
    raw = raw_rows(frame.filter(bad), headers, source_contract, pseudonymiser)
    rejected = typed.filter(bad).select(LINE, FIELD, REASON, MESSAGE).with_columns(raw)
    messages = scrub_series(rejected[MESSAGE], pseudonymiser)
    return rejected.with_columns(pl.Series(MESSAGE, messages, dtype=pl.String))


def _derive(source: str, accepted: pl.DataFrame) -> pl.DataFrame:
    """Columns the lake keeps beside the fields: a transaction's date and month."""
    if source == "transactions":
        dates = accepted.select(pl.col("ts").dt.date().alias("date"))["date"]
        return accepted.with_columns(dates, _month_names(dates).alias("month"))
    return accepted


def _month_names(dates: pl.Series) -> pl.Series:
    """``YYYY-MM`` of each date, formatted once per month rather than once per row: each
    date's month is found among the batch's month starts by a binary search.
    """
    import numpy as np

    if dates.null_count() or dates.len() == 0:
        key = dates.dt.year() * 100 + dates.dt.month()
        spelled = {k: f"{k // 100:04d}-{k % 100:02d}" for k in key.unique().drop_nulls()}
        return key.replace_strict(spelled, default=None, return_dtype=pl.String)
    days = dates.cast(pl.Int32).to_numpy()
    first, last = dates.min(), dates.max()
    assert isinstance(first, date) and isinstance(last, date)
    starts: list[int] = []
    names: list[str] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        starts.append((date(year, month, 1) - EPOCH).days)
        names.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    at = np.searchsorted(np.array(starts, dtype=np.int32), days, side="right") - 1
    return pl.Series(names, dtype=pl.String).gather(at)
