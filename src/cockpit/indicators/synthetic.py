"""A synthetic lake written exactly per docs/lake.md, for tests and the benchmark.

Rows come from DuckDB's ``hash`` of the row number, so the same arguments always give the
same lake, at any size (a few thousand rows in tests, 100M in the benchmark).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cockpit import reference
from cockpit.lake import quote, read_files, table_dir

CHANNELS = ("offline", "offline", "offline", "online", "instant_retail", "livestream")
PAYMENTS = ("bank_card", "mobile_wallet", "mobile_wallet", "ecny", "foreign_card", "cash")
SEGMENTS = ("resident", "resident", "resident", "out_of_town", "foreign_visitor")
CHUNK_ROWS = 5_000_000
TAGS = ("", "", "", "smart_device", "game;streaming", "instant_delivery", "online_health")


@dataclass(frozen=True)
class LakeSpec:
    """What to generate: rows, merchants, months from ``start`` (YYYY-MM), districts."""

    rows: int = 4000
    merchants: int = 60
    start: str = "2024-01"
    months: int = 26
    districts: int = 6
    seed: int = 7


def _sql_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _pick(values: tuple[str, ...] | list[str], expr: str) -> str:
    """SQL choosing one of ``values`` by a hash expression."""
    return f"{_sql_list(values)}[1 + ({expr}) % {len(values)}]"


def _h(i: str, salt: int, seed: int) -> str:
    return f"(hash({i} * 1000003 + {salt * 7919 + seed}) % 1000000007)::BIGINT"


def write_merchants(con: Any, lake: Path, spec: LakeSpec, ingest_id: str) -> None:
    """Merchants, every seventh with a second version (new district and category)."""
    districts = [d.code for d in reference.districts()][: spec.districts]
    bds = [b.code for b in reference.business_districts()][:4]
    cats = [c.code for c in reference.categories()]
    s = spec.seed
    first = dt.date.fromisoformat(spec.start + "-01")
    base = f"""
        SELECT 'M' || lpad(i::VARCHAR, 6, '0') AS merchant_id,
               'Shop ' || i AS name,
               {_pick(districts, _h("i", 1, s))} AS district_code,
               CASE WHEN {_h("i", 2, s)} % 3 = 0 THEN NULL ELSE {_pick(bds, _h("i", 3, s))} END
                   AS business_district,
               {_pick(cats, _h("i", 4, s))} AS category_code,
               {_pick(CHANNELS, _h("i", 5, s))} AS channel,
               {_pick(TAGS, _h("i", 6, s))} AS digital_tags,
               (DATE '{first}' - INTERVAL 200 DAY
                   + INTERVAL (({_h("i", 7, s)}) % {spec.months * 30 + 200}) DAY)::DATE
                   AS opened_on,
               NULL::DATE AS closed_on,
               {_h("i", 8, s)} % 2 = 0 AS above_size,
               i
        FROM range({spec.merchants}) r(i)"""
    change = f"DATE '{first}' + INTERVAL {spec.months // 2} MONTH + INTERVAL 9 DAY"
    con.sql(f"""
        COPY (
          WITH b AS ({base})
          SELECT * EXCLUDE (i), (DATE '{first}' - INTERVAL 400 DAY)::DATE AS valid_from,
                 CASE WHEN i % 7 = 0 THEN ({change})::DATE END AS valid_to
          FROM b
          UNION ALL
          SELECT merchant_id, name,
                 {_pick(districts, _h("i", 9, s))}, business_district,
                 {_pick(cats, _h("i", 10, s))}, channel, digital_tags, opened_on, closed_on,
                 above_size, ({change})::DATE, NULL::DATE
          FROM b WHERE i % 7 = 0
        ) TO {quote(table_dir(lake, "merchants") / f"part-{ingest_id}.parquet")}
        (FORMAT parquet)""")


def transactions_sql(
    spec: LakeSpec, ingest_id: str, first_row: int, rows: int, day: str = ""
) -> str:
    """SELECT of ``rows`` transactions; all on ``day`` (YYYY-MM-DD) when given."""
    s = spec.seed
    start = dt.date.fromisoformat(spec.start + "-01")
    if day:
        ts = f"TIMESTAMP '{day}' + INTERVAL (({_h('i', 11, s)}) % 86400) SECOND"
    else:
        month = f"({_h('i', 12, s)}) % {spec.months}"
        ts = (
            f"TIMESTAMP '{start}' + INTERVAL ({month}) MONTH"
            f" + INTERVAL (({_h('i', 13, s)}) % 28) DAY"
            f" + INTERVAL (({_h('i', 11, s)}) % 86400) SECOND"
        )
    return f"""
        WITH r AS (SELECT i, {ts} AS ts, {_h("i", 14, s)} % 100 < 3 AS is_refund
                   FROM range({first_row}, {first_row + rows}) t(i))
        SELECT 'synthetic' AS source, 'T' || i AS txn_id, ts, ts::DATE AS date,
               strftime(ts, '%Y-%m') AS month,
               (CASE WHEN is_refund THEN -1 ELSE 1 END
                   * (500 + ({_h("i", 15, s)}) % 30000))::BIGINT AS amount_fen,
               is_refund,
               'M' || lpad((({_h("i", 16, s)}) % {spec.merchants})::VARCHAR, 6, '0')
                   AS merchant_id,
               {_pick(CHANNELS, _h("i", 17, s))} AS channel,
               {_pick(PAYMENTS, _h("i", 18, s))} AS payment_method,
               'p' || (({_h("i", 19, s)}) % 100000) AS payer_id,
               NULL::VARCHAR AS card_id, NULL::VARCHAR AS device_id,
               {_pick(SEGMENTS, _h("i", 20, s))} AS payer_segment,
               NULL::VARCHAR AS age_band,
               CASE WHEN ({_h("i", 21, s)}) % 20 = 0 THEN 'V' || (i % 50) END AS voucher_id,
               '{ingest_id}' AS ingest_id
        FROM r"""


def write_transactions(con: Any, lake: Path, sql: str, ingest_id: str) -> list[str]:
    """Write transactions as ingestion does, one file a month named by ``ingest_id``
    (docs/lake.md); return the months written."""
    out = table_dir(lake, "transactions")
    con.sql(f"""COPY ({sql}) TO {quote(out)} (FORMAT parquet, PARTITION_BY (month),
        WRITE_PARTITION_COLUMNS true, OVERWRITE_OR_IGNORE true,
        FILENAME_PATTERN 'part-{ingest_id}_{{i}}')""")
    months = []
    for folder in sorted(out.glob("month=*")):
        written = sorted(folder.glob(f"part-{ingest_id}_*.parquet"))
        if not written:
            continue
        target = folder / f"part-{ingest_id}.parquet"
        if len(written) == 1:
            written[0].replace(target)
        else:  # the engine split a month: one file, as ingestion leaves it
            parts = read_files(written, union_by_name=False)
            con.sql(f"COPY (SELECT * FROM {parts}) TO {quote(target)} (FORMAT parquet)")
            for p in written:
                p.unlink()
        months.append(folder.name.removeprefix("month="))
    return months


def write_ingest(con: Any, lake: Path, ingest_id: str, source: str, months: list[str]) -> None:
    """One row of the ``ingests`` table."""
    now = dt.datetime(2026, 3, 1, 8, 0)
    con.sql(f"""
        COPY (SELECT '{ingest_id}' AS ingest_id, '{source}' AS source, 'synthetic' AS file,
                     '' AS file_sha256, TIMESTAMP '{now}' AS started_at,
                     TIMESTAMP '{now}' AS finished_at, 0::BIGINT AS rows_read,
                     0::BIGINT AS accepted, 0::BIGINT AS quarantined, 0::BIGINT AS duplicates,
                     '{";".join(months)}' AS months)
        TO {quote(table_dir(lake, "ingests") / f"part-{ingest_id}.parquet")} (FORMAT parquet)""")


def write_lake(lake: Path, spec: LakeSpec = LakeSpec(), *, threads: int = 2) -> list[str]:
    """Write merchants, transactions, ingests and official_stats; return the months."""
    import duckdb

    for table in ("merchants", "transactions", "ingests", "official_stats"):
        table_dir(lake, table).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"threads": threads})
    write_merchants(con, lake, spec, "m0001")
    write_ingest(con, lake, "m0001", "merchants", [])
    # In chunks, an ingest each (t0001, t0001-1, …): DuckDB's partitioned COPY holds row
    # groups of every month until the end, so memory follows the rows of one call (5.5 GB at
    # 20M rows); 5M rows a call keeps it flat.
    found: set[str] = set()
    for chunk, first in enumerate(range(0, spec.rows, CHUNK_ROWS)):
        rows = min(CHUNK_ROWS, spec.rows - first)
        ingest_id = "t0001" if chunk == 0 else f"t0001-{chunk}"
        sql = transactions_sql(spec, ingest_id, first, rows)
        written = write_transactions(con, lake, sql, ingest_id)
        write_ingest(con, lake, ingest_id, "synthetic", written)
        found.update(written)
    months = sorted(found)
    write_official_stats(con, lake, months[:-1])
    write_ingest(con, lake, "o0001", "official", [])
    return months


def append_day(lake: Path, spec: LakeSpec, day: str, rows: int, ingest_id: str) -> list[str]:
    """Ingest one more day of transactions (for incremental-refresh tests and benchmarks)."""
    import duckdb

    con = duckdb.connect(config={"threads": 2})
    sql = transactions_sql(spec, ingest_id, 10**12, rows, day=day)
    months = write_transactions(con, lake, sql, ingest_id)
    write_ingest(con, lake, ingest_id, "synthetic", months)
    return months


def coverage_of(month: str, category: str) -> float:
    """The share of true sales the synthetic feed sees (varies by month and category)."""
    mi = int(month[:4]) * 12 + int(month[5:7]) - 24289  # months since 2024-01
    return 0.2 + 0.002 * mi + 0.004 * (mi % 2) + (0.05 if category == "CT01" else 0.0)


def write_official_stats(con: Any, lake: Path, months: list[str]) -> None:
    """Official monthly retail sales implied by the feed and ``coverage_of``.

    January and February come as NBS publishes them: one combined ``YYYY-01-02`` figure.
    Published growth rates are arbitrary numbers, to check they are shown, not re-derived.
    """
    from cockpit.indicators.sales import monthly_sales

    sales = monthly_sales(lake, cuts=("category",))
    cut = sales[sales["category"] != ""].sort_values(["month", "category"])
    feed = zip(cut["month"], cut["category"], cut["retail_sales"], strict=True)
    totals: dict[tuple[str, str], float] = {}
    for month, cat, fen in feed:
        whole = month[5:7] not in ("01", "02") or {month[:5] + "01", month[:5] + "02"} <= set(
            months
        )
        if month not in months or not whole:
            continue
        period = month[:4] + "-01-02" if month[5:7] in ("01", "02") else month
        for key in ((period, cat), (period, "")):
            share = coverage_of(month, cat if key[1] else "")
            totals[key] = totals.get(key, 0.0) + int(fen) / share
    rows = [
        f"('{p}', '500000', '{c}', 'retail_sales', {round(v)}, {3.5 + len(p) % 3}, 'synthetic')"
        for (p, c), v in sorted(totals.items())
    ]
    con.sql(f"""
        COPY (SELECT period, region_code, category_code, measure, value_fen::BIGINT AS value_fen,
                     yoy_pct::DOUBLE AS yoy_pct, source FROM (VALUES {", ".join(rows)})
              t(period, region_code, category_code, measure, value_fen, yoy_pct, source))
        TO {quote(table_dir(lake, "official_stats") / "part-o0001.parquet")} (FORMAT parquet)""")
