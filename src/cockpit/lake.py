"""The lake under ``COCKPIT_HOME/lake``: every table's definition, how to read it, how to commit.

Every room that reads or writes the lake goes through this module: ``TABLES`` declares each
table once (columns with their exact Arrow types, partitioning, the room that writes it),
``scan`` gives the DuckDB table expression that reads it (paths quoted), and ``publish``,
``recover`` and the ingest lock are the commit protocol. ``docs/lake.md`` is generated from
this registry (``python -m cockpit.lakedocs``); a test fails when the file drifts.

An ingest is committed when its row in ``ingests`` exists (``lake/ingests/part-<id>.parquet``,
written last, by rename). Part files of an ingest that never committed are debris of a
killed process: ``recover`` deletes them, so the lake reads exactly as before that ingest.
A compaction commits the same way, by its record in ``compactions``, which also names the
files it replaces: ``recover`` deletes those that are left.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

if TYPE_CHECKING:
    import pandas as pd

TIMESTAMP = pa.timestamp("us")

#: How a table's files lie in its folder.
#: ``parts``: ``part-<id>.parquet`` at the top; ``month``: ``month=YYYY-MM/part-<id>.parquet``;
#: ``parts+day``: top-level parts plus day rows in ``day/month=YYYY-MM/part.parquet``.
Partitioning = Literal["parts", "month", "parts+day"]

#: How a table changes: ``append`` (one part per ingest), ``history`` (the newest committed
#: part holds every version), ``replace`` (rewritten whole by each build or export),
#: ``record`` (its parts are commits).
Writes = Literal["append", "history", "replace", "record"]


class LakeTableMissing(FileNotFoundError):
    """The lake has no Parquet file for a table that is needed."""


@dataclass(frozen=True)
class Column:
    """One column of a lake table: its name, Arrow type and meaning."""

    name: str
    type: pa.DataType
    meaning: str = ""
    nullable: bool = True


@dataclass(frozen=True)
class LakeTable:
    """One lake table: what it holds, who writes it, its columns and layout."""

    name: str
    writer: str  # the room that writes it
    description: str
    columns: tuple[Column, ...]
    partitioning: Partitioning = "parts"
    writes: Writes = "append"
    notes: str = ""

    @property
    def schema(self) -> pa.Schema:
        """The Arrow schema every part file of the table has."""
        return pa.schema([pa.field(c.name, c.type, c.nullable) for c in self.columns])

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def committed_pattern(self) -> str:
        """The glob (under the table's folder) of the part files that the commit protocol counts."""
        return "month=*/part-*.parquet" if self.partitioning == "month" else "part-*.parquet"


def _c(name: str, type_: pa.DataType, meaning: str = "") -> Column:
    return Column(name, type_, meaning)


S, I64, F64, D32, BOOL = pa.string(), pa.int64(), pa.float64(), pa.date32(), pa.bool_()
_CUTS = (
    "district",
    "business_district",
    "category",
    "channel",
    "digital_type",
    "payer_segment",
    "payment_method",
)

_TABLES: tuple[LakeTable, ...] = (
    LakeTable(
        "transactions",
        "ingest",
        "One row per payment or refund, from every feed.",
        (
            _c("source", S, "the feed's name (e.g. `unionpay`, `platform_a`)"),
            _c("txn_id", S, "id within the source; (source, txn_id) is unique in the lake"),
            _c("ts", TIMESTAMP, "when it happened, Asia/Shanghai"),
            _c("date", D32, "`ts`'s date"),
            _c("month", S, "`YYYY-MM` (also the partition)"),
            _c("amount_fen", I64, "refunds negative"),
            _c("is_refund", BOOL),
            _c("merchant_id", S),
            _c("channel", S, "`offline`, `online`, `instant_retail`, `livestream` (`codes.yaml`)"),
            _c("payment_method", S, "`bank_card`, `mobile_wallet`, `ecny`, `foreign_card`, `cash`"),
            _c("payer_id", S, "HMAC pseudonym of the payer (never the clear id)"),
            _c("card_id", S, "HMAC pseudonym of the card, nullable"),
            _c("device_id", S, "HMAC pseudonym of the device, nullable"),
            _c("payer_segment", S, "`resident`, `out_of_town`, `foreign_visitor`"),
            _c("age_band", S, "e.g. `60+` where the source has it, nullable"),
            _c("voucher_id", S, "set when a voucher was redeemed in this payment"),
            _c("ingest_id", S, "which ingest wrote the row"),
        ),
        partitioning="month",
        notes=(
            "Each ingest adds one file to each month it touches, its rows in the feed's order. "
            "`cockpit lake compact` rewrites a month's files as one file "
            "`part-<compaction_id>.parquet` ordered by merchant_id, ts, source, txn_id (Parquet "
            "metadata `cockpit.clustered_by`), the rows unchanged (their `ingest_id` too). The "
            "indicators aggregate by merchant and read a clustered month about a third faster "
            "(docs/benchmarks.md). Run it once a month's feeds are in; an ingest afterwards adds "
            "a file again, and compacting again merges it."
        ),
    ),
    LakeTable(
        "merchants",
        "ingest",
        "Merchant history, one row per version.",
        (
            _c("merchant_id", S),
            _c("name", S),
            _c("district_code", S, "current GB/T 2260 code"),
            _c("business_district", S, "code from `business_districts.csv`, nullable"),
            _c("category_code", S, "RS01…RS18 or CT01"),
            _c("channel", S, "main channel"),
            _c("digital_tags", S, "`;`-separated tags of `digital_taxonomy.yaml`"),
            _c("opened_on", D32),
            _c("closed_on", D32, "nullable"),
            _c("above_size", BOOL, "限额以上"),
            _c("valid_from", D32, "this version holds from this day…"),
            _c("valid_to", D32, "…to this day, exclusive (null: current)"),
        ),
        writes="history",
        notes=(
            "A transaction is attributed to the merchant version with "
            "`valid_from <= date < valid_to`. Each ingest rewrites the whole history; only the "
            "newest committed file holds."
        ),
    ),
    LakeTable(
        "official_stats",
        "ingest",
        "Published monthly retail-sales figures, stored as published (growth never re-derived).",
        (
            _c("period", S, "`YYYY-MM`; `YYYY-01-02` for NBS's combined 1–2月 release"),
            _c("region_code", S, "`500000` for the city or a district code"),
            _c("category_code", S, "`` for the total, else a category code"),
            _c("measure", S, "`retail_sales` (the month), `retail_sales_ytd` (1–N月累计)"),
            _c("value_fen", I64, "the level, nullable"),
            _c("yoy_pct", F64, "year-on-year growth as published, in %, nullable"),
            _c("source", S),
        ),
    ),
    LakeTable(
        "trade_enterprises",
        "ingest",
        "The foreign-trade enterprises of the Order + List.",
        (
            _c("enterprise_id", S),
            _c("name", S),
            _c("district_code", S),
            _c("products", S, "`;`-separated list"),
            _c("markets", S, "`;`-separated list"),
        ),
    ),
    LakeTable(
        "trade_orders",
        "ingest",
        "Monthly order reports of the Order + List enterprises.",
        (
            _c("enterprise_id", S),
            _c("month", S, "`YYYY-MM`"),
            _c("orders_in_hand_fen", I64),
            _c("new_orders_fen", I64),
            _c("export_value_fen", I64),
        ),
    ),
    LakeTable(
        "quarantine",
        "ingest",
        "Every rejected row, with why.",
        (
            _c("ingest_id", S),
            _c("source", S),
            _c("file", S),
            _c("line", I64, "1-based line of the file, header = 1"),
            _c("field", S),
            _c("reason", S, "a code"),
            _c("message", S),
            _c(
                "raw",
                S,
                "the row as read; personal identifiers and every identifier-like token "
                "already pseudonymised",
            ),
            _c(
                "row_key",
                S,
                "the row's identity (source, field, reason, raw row, which repeat of it in "
                "its file): a re-ingest finds it and adds nothing",
            ),
        ),
        notes=(
            "Every rejected row, once: `ingest_id` is the ingest that first quarantined it; "
            "`line` is the file's own line (title lines counted; a row keeps the line it "
            "starts on). The catalogue's view adds `last_ingest_id`, from `quarantine_seen`."
        ),
    ),
    LakeTable(
        "quarantine_seen",
        "ingest",
        "Each ingest's sighting of each row it quarantined, new or seen before.",
        (
            _c("ingest_id", S),
            _c("row_key", S, "the quarantined row's `row_key`"),
            _c("file", S),
            _c("line", I64),
        ),
    ),
    LakeTable(
        "ingests",
        "ingest",
        "One row per ingest; its part file is the ingest's commit.",
        (
            _c("ingest_id", S),
            _c("source", S),
            _c("file", S),
            _c("file_sha256", S),
            _c("started_at", TIMESTAMP),
            _c("finished_at", TIMESTAMP),
            _c("rows_read", I64),
            _c("accepted", I64),
            _c("quarantined", I64),
            _c("duplicates", I64),
            _c("months", S, "`;`-separated months touched"),
        ),
        writes="record",
        notes=(
            "A part file counts once its ingest's row is here (written last, by rename); "
            "`recover`, run before every ingest, deletes part files of ingests that never got "
            "that far."
        ),
    ),
    LakeTable(
        "compactions",
        "ingest",
        "One row per file a compaction replaced; its part file is the compaction's commit.",
        (
            _c("compaction_id", S),
            _c("table_name", S),
            _c("month", S),
            _c("replaced", S, "a part file's name, in that month's folder"),
        ),
        writes="record",
        notes=(
            "Written after the new files and before the old ones are deleted: the new files "
            "count once it exists, and `recover` deletes the replaced files left."
        ),
    ),
    LakeTable(
        "indicator_values",
        "indicators",
        "One row per indicator, period and cut (docs/indicators.md).",
        (
            _c("indicator_id", S, "id from the catalogue"),
            _c("period_type", S, "`month`, `ytd` or `day`"),
            _c("period", S, "`YYYY-MM`, `YYYY-01-02` (1–2月) or `YYYY-MM-DD`"),
            _c("period_label", S, "e.g. `2025年6月`"),
            _c("cut", S, "the row's dimension; `` for the total"),
            *(_c(d, S, "the cut's value; null when not cut by it") for d in _CUTS),
            _c("value", F64, "the indicator (fen, count or %, see `unit`)"),
            _c("num", I64, "numerator"),
            _c("den", I64, "denominator (null for levels)"),
            _c("mom", F64, "month-on-month growth"),
            _c("yoy", F64, "year-on-year growth"),
            _c("ss_mom", F64, "month-on-month growth, same stores"),
            _c("ss_yoy", F64, "year-on-year growth, same stores"),
            _c("value_se", F64, "standard error of the value (merchants resampled)"),
            _c("value_cv", F64, "coefficient of variation of the value"),
            _c("mom_se", F64, "standard error of mom"),
            _c("yoy_se", F64, "standard error of yoy"),
            _c("ss_mom_se", F64, "standard error of ss_mom"),
            _c("ss_yoy_se", F64, "standard error of ss_yoy"),
            _c("unit", S, "`fen`, `count` or `%`"),
            _c("growth_unit", S, "`%` for levels, `pp` for shares"),
            _c("merchants", I64, "merchants with a payment in the cell (1–N月: largest month)"),
            _c("status", S, "`ok`, `unreliable`, `suppressed` or `complementary`"),
            _c("growth_withheld", S, "growth rates the small-cell rules withheld, and why"),
        ),
        partitioning="parts+day",
        writes="replace",
        notes="Month and year-to-date rows at the top; day rows in `day/month=YYYY-MM/`.",
    ),
    LakeTable(
        "indicator_official",
        "indicators",
        "official_stats as published, with a period label, for the cockpit.",
        (
            _c("period", S),
            _c("region_code", S),
            _c("category_code", S),
            _c("measure", S),
            _c("value_fen", I64),
            _c("yoy_pct", F64),
            _c("source", S),
            _c("period_label", S),
        ),
        writes="replace",
    ),
    LakeTable(
        "indicator_coverage",
        "indicators",
        "The feed's coverage of the official retail sales, by month and category.",
        (
            _c("period", S),
            _c("category_code", S),
            _c("feed_fen", I64),
            _c("official_fen", I64),
            _c("published_yoy_pct", F64),
            _c("coverage", F64, "feed / official"),
            _c("period_label", S),
        ),
        writes="replace",
    ),
    LakeTable(
        "forecasts",
        "forecast",
        "Forecasts of every series of a run, with 80 % and 95 % intervals.",
        (
            _c("run_id", S),
            _c("indicator_id", S),
            _c("unique_id", S),
            _c("level", S),
            _c("region_code", S),
            _c("category_code", S),
            _c("ds", TIMESTAMP),
            _c("model", S),
            _c("method", S),
            _c("mean", F64),
            _c("lo80", F64),
            _c("hi80", F64),
            _c("lo95", F64),
            _c("hi95", F64),
        ),
    ),
    LakeTable(
        "forecast_accuracy",
        "forecast",
        "Backtest accuracy of a run by level and reconciliation method.",
        (
            _c("run_id", S),
            _c("level", S),
            _c("method", S),
            _c("series", I64),
            _c("mase", F64),
            _c("smape", F64),
            _c("cov80", F64),
            _c("cov95", F64),
            _c("mase_median", F64),
        ),
    ),
    LakeTable(
        "forecast_runs",
        "forecast",
        "One row per forecast run; written last, so a run exists once it is here.",
        (
            _c("run_id", S),
            _c("indicator_id", S),
            _c("by", S),
            _c("horizon", I64),
            _c("input_hash", S),
            _c("created_at", TIMESTAMP),
            _c("seconds", F64),
            _c("method", S),
            _c("series", I64),
            _c("models", S, "JSON: the model chosen per series"),
        ),
        writes="record",
    ),
    LakeTable(
        "official_estimates",
        "forecast",
        "Every official series as published, then one estimate per release period not yet "
        "published and up to 24 months ahead (the one model, or rule (b) where it is better).",
        (
            _c("run_id", S),
            _c("measure", S, "retail_sales or wholesale_sales"),
            _c("region_code", S, "500000 = the city"),
            _c("category_code", S, "'' = all categories"),
            _c("period", S, "release period: YYYY-01-02 (1–2月) or YYYY-MM"),
            _c("period_label", S),
            _c("status", S, "published, nowcast or forecast"),
            _c("step", I64, "release periods after the last published one (0: published)"),
            _c("method", S, "published, ar (the model), rule_b or combo (the two combined)"),
            _c("value_fen", I64, "published value, or the point estimate"),
            _c("lo80", F64),
            _c("hi80", F64),
            _c("lo95", F64),
            _c("hi95", F64),
            _c("yoy_pct", F64, "published growth, or the estimate's growth"),
            _c("note", S, "which method and why"),
        ),
    ),
    LakeTable(
        "official_accuracy",
        "forecast",
        "Rolling backtest of the official-series methods by series, horizon and method.",
        (
            _c("measure", S),
            _c("region_code", S),
            _c("category_code", S),
            _c("label", S, "day7…day31 (nowcast with the feed to that day) or h1…h12"),
            _c("method", S, "ar, rule_b, combo or rule_a"),
            _c("n", F64),
            _c("mape", F64),
            _c("rmse", F64),
            _c("cov80", F64, "cross-fitted coverage of the calibrated 80 % interval"),
            _c("cov95", F64),
            _c("factor80", F64, "split-conformal factor on the paths' sd, 80 % interval"),
            _c("factor95", F64, "the same for the 95 % interval"),
            _c("published", BOOL),
            _c("run_id", S),
            _c("plans", S, "JSON: methods and notes published per series"),
            _c("factors", S, "JSON: the run's conformal factors per method and horizon"),
        ),
    ),
    LakeTable(
        "programme_events",
        "programmes",
        "Redemptions and other money movements of the programmes (docs/programmes.md).",
        (
            _c("event_id", S),
            _c("kind", S),
            _c("ts", TIMESTAMP),
            _c("date", D32),
            _c("month", S),
            _c("programme_code", S),
            _c("voucher_id", S),
            _c("claim_id", S),
            _c("merchant_id", S),
            _c("txn_id", S),
            _c("person_id", S),
            _c("amount_fen", I64),
            _c("bill_fen", I64),
        ),
        writes="replace",
        notes="A snapshot of the ledger's events, rewritten whole (atomically) on each export.",
    ),
    LakeTable(
        "programme_effects",
        "programmes",
        "Each evaluation of a programme's effect (merchant × month Poisson panel), one row per "
        "run: the estimated uplift and causal multiplier with their 95 % intervals.",
        (
            _c("evaluation_id", S),
            _c("programme_code", S),
            _c("evaluated_at", TIMESTAMP, "Asia/Shanghai, naive"),
            _c("window_start", D32, "the programme's first day evaluated"),
            _c("window_end", D32, "its last day evaluated"),
            _c("outcome", S, "payments or sales per merchant and month"),
            _c("method", S),
            _c("n_treated", I64, "treated merchants in the panel"),
            _c("n_control", I64, "control merchants in the panel"),
            _c("uplift", F64, "estimated relative effect (0.12 = +12 %)"),
            _c("uplift_lo95", F64),
            _c("uplift_hi95", F64),
            _c("pre_trend_passes", BOOL, "TOST equivalence of the leads shown"),
            _c("min_detectable", F64, "minimum detectable uplift of the design"),
            _c("incremental_sales_fen", I64),
            _c("subsidy_fen", I64, "what the programme paid on the vouchers found"),
            _c("causal_multiplier", F64, "incremental sales per yuan of subsidy; null if none"),
            _c("multiplier_lo95", F64),
            _c("multiplier_hi95", F64),
            _c("gross_leverage", F64, "voucher transactions' sales per yuan of subsidy"),
            _c("note", S),
        ),
        writes="append",
        notes="Appended by `cockpit programmes effect` and the demo; the newest row of a "
        "programme is its evaluation (the bulletin prints it).",
    ),
    LakeTable(
        "scenario_events",
        "scenarios",
        "Every event of the scenario calls, with its need's sector and district.",
        (
            _c("event_id", I64),
            _c("subject_type", S),
            _c("subject_id", S),
            _c("ts", TIMESTAMP),
            _c("date", D32),
            _c("month", S),
            _c("role", S),
            _c("actor", S),
            _c("action", S),
            _c("from_state", S),
            _c("to_state", S),
            _c("sector", S),
            _c("district_code", S),
            _c("amount_fen", I64),
        ),
        writes="replace",
        notes="A snapshot of `scn_events`, rewritten whole (atomically) on each export.",
    ),
)

TABLES: dict[str, LakeTable] = {t.name: t for t in _TABLES}
PART_NAME = re.compile(r"^part-(?P<ingest_id>[0-9A-Za-z_-]+)\.parquet$")
_DUCK_TYPES = {
    S: "VARCHAR",
    TIMESTAMP: "TIMESTAMP",
    D32: "DATE",
    I64: "BIGINT",
    BOOL: "BOOLEAN",
    F64: "DOUBLE",
}


def table(name: str) -> LakeTable:
    """The declared table ``name`` (KeyError naming the known tables otherwise)."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"no lake table {name!r}; declared: {', '.join(TABLES)}") from None


def schema(name: str) -> pa.Schema:
    """The Arrow schema of lake table ``name``."""
    return table(name).schema


def lake_of(home: Path) -> Path:
    """The lake folder of a ``COCKPIT_HOME``."""
    return home / "lake"


def part_path(lake: Path, name: str, part_id: str, *, month: str | None = None) -> Path:
    """Where part ``part_id`` of table ``name`` goes (in its month's folder when given).

    >>> part_path(Path("/l"), "transactions", "i1", month="2025-01").as_posix()
    '/l/transactions/month=2025-01/part-i1.parquet'
    """
    folder = table_dir(lake, name)
    if month is not None:
        folder = folder / f"month={month}"
    return folder / f"part-{part_id}.parquet"


def table_dir(lake: Path, name: str) -> Path:
    """The folder of table ``name`` in the lake."""
    return lake / table(name).name


def part_files(lake: Path, name: str) -> list[Path]:
    """The part files the commit protocol counts (every month partition for month tables)."""
    return sorted(table_dir(lake, name).glob(table(name).committed_pattern))


def files(
    lake: Path,
    name: str,
    *,
    months: Iterable[str] | None = None,
    top: bool = False,
    day: bool = False,
) -> list[Path]:
    """Every Parquet file of table ``name``.

    ``months``: only those month folders (month tables, and the day rows of indicator_values);
    ``top``: only the top-level parts (indicator_values without its day rows);
    ``day``: only the day rows, every month (indicator_values).
    """
    root = table_dir(lake, name)
    if day:
        return sorted((root / "day").rglob("*.parquet"))
    if months is not None:
        if table(name).partitioning == "parts+day":
            root = root / "day"
        return sorted(f for m in months for f in (root / f"month={m}").glob("*.parquet"))
    if top:
        return sorted(root.glob("*.parquet"))
    return sorted(root.rglob("*.parquet"))


def has(lake: Path, name: str) -> bool:
    """Whether table ``name`` has at least one Parquet file."""
    return bool(files(lake, name))


def quote(text: str | Path) -> str:
    """``text`` as a SQL string literal.

    >>> quote("/srv/o'neil/lake")
    "'/srv/o''neil/lake'"
    """
    return "'" + str(text).replace("'", "''") + "'"


def read_files(
    paths: Sequence[str | Path], *, union_by_name: bool = True, row_numbers: bool = False
) -> str:
    """A DuckDB table expression over some Parquet files (``month`` is a column, not a folder).

    >>> read_files(["/l/a.parquet"])
    "read_parquet(['/l/a.parquet'], hive_partitioning = false, union_by_name = true)"
    """
    listed = "[" + ", ".join(quote(p) for p in paths) + "]"
    union = ", union_by_name = true" if union_by_name else ""
    numbered = ", file_row_number = true" if row_numbers else ""
    return f"read_parquet({listed}, hive_partitioning = false{union}{numbered})"


def empty(name: str) -> str:
    """A DuckDB table expression with no rows and table ``name``'s columns and types."""
    cols = ", ".join(
        f"CAST(NULL AS {_DUCK_TYPES[c.type]}) AS {c.name}" for c in table(name).columns
    )
    return f"(SELECT {cols} WHERE false)"


def scan(
    lake: Path,
    name: str,
    *,
    months: Iterable[str] | None = None,
    top: bool = False,
    day: bool = False,
    glob: bool = False,
    union_by_name: bool = True,
) -> str:
    """A DuckDB table expression reading table ``name``, to put after ``FROM`` in a room's SQL.

    The files there now are listed (a fixed snapshot); with ``glob`` the expression reads
    whatever files match when it is queried (for catalogue views). With no file, an empty
    relation of the table's declared columns. Paths are quoted.
    """
    found = files(lake, name, months=months, top=top, day=day)
    if not found:
        return empty(name)
    if glob:
        pattern = "*.parquet" if top else "day/**/*.parquet" if day else "**/*.parquet"
        return (
            f"read_parquet({quote(table_dir(lake, name) / pattern)}, hive_partitioning = false"
            + (", union_by_name = true)" if union_by_name else ")")
        )
    return read_files(found, union_by_name=union_by_name)


def select(lake: Path, name: str, *, glob: bool = False) -> str:
    """SQL selecting exactly table ``name``'s declared columns from its committed part files."""
    cols = ", ".join(table(name).column_names)
    if not part_files(lake, name):
        return f"SELECT * FROM {empty(name)}"
    if glob:
        source = quote(table_dir(lake, name) / table(name).committed_pattern)
        return f"SELECT {cols} FROM read_parquet({source}, hive_partitioning = false)"
    return f"SELECT {cols} FROM {read_files(part_files(lake, name), union_by_name=False)}"


def read(paths: Sequence[Path], name: str) -> pa.Table:
    """Some part files of table ``name`` as one Arrow table with the declared schema."""
    import pyarrow.parquet as pq

    declared = schema(name)
    parts = [pq.read_table(p).select(declared.names).cast(declared) for p in paths]
    return pa.concat_tables(parts) if parts else declared.empty_table()


def frame(paths: Sequence[Path], *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Some part files as one pandas frame, each as its writer wrote it (no files: empty).

    For rooms that store pandas frames as parts (the forecast runs) and read them back whole.
    """
    import pandas as pd

    cols = list(columns) if columns is not None else None
    parts = [pd.read_parquet(p, columns=cols) for p in paths]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def arrow_table(name: str, rows: dict[str, Any] | list[dict[str, Any]]) -> pa.Table:
    """Rows of table ``name`` (column → values, or row dicts) with its declared schema.

    A declared column left out is null; a column the table does not declare is an error,
    so a writer cannot drift from the registry unnoticed.
    """
    declared = schema(name)
    given = set(rows) if isinstance(rows, dict) else {k for row in rows for k in row}
    extra = sorted(given - set(declared.names))
    if extra:
        raise KeyError(f"lake table {name!r} declares no column {', '.join(extra)}")
    if isinstance(rows, list):
        return pa.Table.from_pylist(rows, schema=declared)
    n = len(next(iter(rows.values()))) if rows else 0
    arrays = [
        pa.array(rows[f.name], f.type) if f.name in rows else pa.nulls(n, f.type) for f in declared
    ]
    return pa.Table.from_arrays(arrays, schema=declared)


def write_table(name: str, rows: dict[str, Any] | list[dict[str, Any]], path: Path) -> None:
    """Write rows of table ``name`` as Parquet with the lake's schema."""
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(arrow_table(name, rows), path)


def write_snapshot(lake: Path, name: str, rows: pa.Table, snapshot: str) -> Path:
    """Replace table ``name`` by ``rows`` as ``part-<snapshot>.parquet``, atomically."""
    import pyarrow.parquet as pq

    folder = table_dir(lake, name)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"part-{snapshot}.parquet"
    tmp = folder / f".part-{snapshot}.parquet.tmp"
    pq.write_table(rows.cast(schema(name)), tmp)
    os.replace(tmp, target)
    return target


# ---- the commit protocol -------------------------------------------------------------------

RECORDS = ("ingests", "compactions")  # tables whose part files are commits
# The tables ingest writes under the commit protocol (and the catalogue shows as views).
INGESTED = tuple(t.name for t in _TABLES if t.writer == "ingest")


def ingest_id_of(path: Path) -> str | None:
    """The ingest that wrote a part file, from its name."""
    match = PART_NAME.match(path.name)
    return match.group("ingest_id") if match else None


def committed_ingests(lake: Path) -> set[str]:
    """Ids of the ingests whose record exists: the committed ones."""
    return {i for p in part_files(lake, "ingests") if (i := ingest_id_of(p))}


def committed(lake: Path) -> set[str]:
    """Ids whose part files count: committed ingests and compactions."""
    return {i for name in RECORDS for p in part_files(lake, name) if (i := ingest_id_of(p))}


def drop_replaced(lake: Path) -> list[Path]:
    """Delete the part files that committed compactions replaced (and any left over)."""
    import pyarrow.parquet as pq

    removed = []
    for record in part_files(lake, "compactions"):
        for row in pq.read_table(record).to_pylist():
            path = table_dir(lake, row["table_name"]) / f"month={row['month']}" / row["replaced"]
            if path.exists():
                path.unlink()
                removed.append(path)
    return removed


def recover(home: Path) -> list[Path]:
    """Delete what killed ingests left behind: uncommitted part files and staging folders."""
    lake = home / "lake"
    counted = committed(lake)
    removed: list[Path] = []
    for name in INGESTED:
        if name in RECORDS:
            continue
        for path in part_files(lake, name):
            if ingest_id_of(path) not in counted:
                path.unlink()
                removed.append(path)
        removed.extend(_drop_superseded_snapshots(lake, name))
    removed.extend(drop_replaced(lake))
    for folder in (home / "lake").glob("*/month=*"):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    staging = home / "staging"
    if staging.exists():
        for folder in staging.iterdir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _drop_superseded_snapshots(lake: Path, name: str) -> list[Path]:
    """History tables are rewritten whole: only the newest committed file holds."""
    if table(name).writes != "history":
        return []
    stale = part_files(lake, name)[:-1]  # ingest ids sort by time
    for path in stale:
        path.unlink()
    return stale


@contextmanager
def ingest_lock(home: Path) -> Iterator[None]:
    """One ingest at a time per COCKPIT_HOME (other processes wait)."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / "ingest.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def try_recover(home: Path) -> None:
    """Recover when no ingest is running (an ingest in flight is left alone)."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / "ingest.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        try:
            recover(home)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(src: Path, dest: Path) -> None:
    """Move a finished file into the lake in one step (same file system: atomic rename)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dest)
    _fsync_dir(dest.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
