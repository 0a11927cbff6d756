"""Stage a file: read it in batches, validate each, write accepted and rejected rows under
``COCKPIT_HOME/staging/<ingest_id>/``. Nothing in the lake changes here.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cockpit.ingest import lake
from cockpit.ingest.contracts import Contract, HeaderMap
from cockpit.ingest.pseudonym import Pseudonymiser
from cockpit.ingest.readers import LINE, CsvFile, FeedFile
from cockpit.ingest.validate import FIELD, MESSAGE, RAW, REASON, validate_batch

# In a row too broken to split reliably, anything that looks like an id number, phone,
# card or device id is pseudonymised before the row is kept.
_ID_LIKE = re.compile(r"^[0-9A-Fa-fXx*-]{11,}$")
PARQUET_ROW_GROUP = 122_880
KEY_SEED = 20_261_123
# Columns with few distinct values; ids and pseudonyms would only defeat the dictionary.
DICTIONARY_COLUMNS = [
    "source",
    "month",
    "channel",
    "payment_method",
    "payer_segment",
    "age_band",
    "ingest_id",
    "merchant_id",
    "is_refund",
    "date",
]


@dataclass
class Staged:
    """What staging produced."""

    folder: Path
    rows_read: int
    accepted_files: list[Path]
    rejected_files: list[Path]
    month_files: dict[str, Path] = field(default_factory=dict)


class MonthWriters:
    """Partitioned tables: accepted rows go straight into one lake-format file per month
    (row groups appended batch by batch, so memory stays flat); beside them, a small key
    file per batch says which line of the input each row came from.
    """

    def __init__(self, folder: Path, table: str, ingest_id: str) -> None:
        self.folder, self.table, self.ingest_id = folder, table, ingest_id
        self.schema = lake.SCHEMAS[table]
        self.writers: dict[str, Any] = {}
        self.rows: dict[str, int] = {}
        self.paths: dict[str, Path] = {}

    def write(self, accepted: pl.DataFrame, number: int) -> Path:
        """Append ``accepted`` to the month files; return the batch's key file."""
        import pyarrow.parquet as pq

        frame = accepted.with_columns(pl.lit(self.ingest_id).alias("ingest_id"))
        keys = []
        for (month,), part in frame.group_by("month"):
            month = str(month)
            if month not in self.writers:
                path = self.folder / "out" / self.table / f"month={month}" / "part.parquet"
                path.parent.mkdir(parents=True, exist_ok=True)
                self.paths[month] = path
                self.writers[month] = pq.ParquetWriter(
                    path, self.schema, compression="snappy", use_dictionary=DICTIONARY_COLUMNS
                )
                self.rows[month] = 0
            table = part.select(self.schema.names).to_arrow().cast(self.schema)
            self.writers[month].write_table(table, row_group_size=PARQUET_ROW_GROUP)
            start = self.rows[month]
            self.rows[month] += part.height
            keys.append(
                part.select(
                    "source",
                    "txn_id",
                    # A 64-bit digest of the key: repeats are found by grouping integers, then
                    # checked on the key itself.
                    pl.struct("source", "txn_id").hash(seed=KEY_SEED).alias("k"),
                    LINE,
                    pl.lit(month).alias("month"),
                    pl.int_range(start, start + part.height, dtype=pl.Int64).alias("pos"),
                )
            )
        path = self.folder / f"keys-{number:06d}.parquet"
        pl.concat(keys).write_parquet(path, compression="uncompressed", statistics=False)
        return path

    def close(self) -> dict[str, Path]:
        """Finish every month file; the files by month."""
        for writer in self.writers.values():
            writer.close()
        return self.paths


def stage_file(
    feed: FeedFile,
    *,
    source: str,
    source_contract: Contract,
    headers: HeaderMap,
    folder: Path,
    pseudonymiser: Pseudonymiser,
    ingest_id: str,
    on_batch: Callable[[int], None] = lambda rows: None,
) -> Staged:
    """Validate every batch of ``feed`` into Parquet files in ``folder``."""
    args = (feed, source, source_contract, headers, folder, pseudonymiser, ingest_id)
    staged = _stage_batches(*args, on_batch)
    if feed.malformed and isinstance(feed, CsvFile) and feed.line_map is None:
        # Malformed rows shift the line numbers of the rows after them: find where they
        # are, then stage again with exact line numbers.
        shutil.rmtree(folder)
        feed.locate_malformed()
        staged = _stage_batches(*args, lambda rows: None)
    if feed.malformed:
        path = folder / "rejected-malformed.parquet"
        _malformed_frame(feed, headers, source_contract, pseudonymiser).write_parquet(path)
        staged.rejected_files.append(path)
        staged.rows_read += len(feed.malformed)
    return staged


def _stage_batches(
    feed: FeedFile,
    source: str,
    source_contract: Contract,
    headers: HeaderMap,
    folder: Path,
    pseudonymiser: Pseudonymiser,
    ingest_id: str,
    on_batch: Callable[[int], None],
) -> Staged:
    folder.mkdir(parents=True, exist_ok=True)
    staged = Staged(folder=folder, rows_read=0, accepted_files=[], rejected_files=[])
    months = (
        MonthWriters(folder, source_contract.table, ingest_id)
        if source_contract.kind == "partitioned"
        else None
    )
    try:
        _stage_each(
            feed, source, source_contract, headers, folder, pseudonymiser, on_batch, staged, months
        )
    finally:
        if months is not None:
            staged.month_files = months.close()
    return staged


def _stage_each(
    feed: FeedFile,
    source: str,
    source_contract: Contract,
    headers: HeaderMap,
    folder: Path,
    pseudonymiser: Pseudonymiser,
    on_batch: Callable[[int], None],
    staged: Staged,
    months: MonthWriters | None,
) -> None:
    for number, batch in enumerate(feed.batches()):
        if batch.height == 0:
            continue
        checked = validate_batch(source, source_contract, headers, batch, pseudonymiser)
        staged.rows_read += batch.height
        if checked.accepted.height and months is not None:
            staged.accepted_files.append(months.write(checked.accepted, number))
        elif checked.accepted.height:
            path = folder / f"accepted-{number:06d}.parquet"
            checked.accepted.write_parquet(path, compression="lz4", statistics=False)
            staged.accepted_files.append(path)
        if checked.rejected.height:
            path = folder / f"rejected-{number:06d}.parquet"
            checked.rejected.write_parquet(path)
            staged.rejected_files.append(path)
        on_batch(batch.height)


def _malformed_frame(
    feed: FeedFile, headers: HeaderMap, source_contract: Contract, pseudonymiser: Pseudonymiser
) -> pl.DataFrame:
    """Rows with the wrong number of fields, their id-like cells pseudonymised."""
    personal_headers = {
        headers.columns[f.name]
        for f in source_contract.fields
        if f.type == "personal" and f.name in headers.columns
    }
    raws = []
    for row in feed.malformed:
        cells = next(csv.reader([row.text]), [])
        named = {}
        for i, cell in enumerate(cells):
            name = feed.headers[i] if i < len(feed.headers) else f"_extra_{i + 1}"
            if name in personal_headers or _ID_LIKE.match(cell.strip()):
                cell = pseudonymiser.apply(pl.Series([cell.strip()]))[0]
            named[name] = cell
        raws.append(json.dumps(named, ensure_ascii=False))
    return pl.DataFrame(
        {
            LINE: pl.Series([m.line for m in feed.malformed], dtype=pl.Int64),
            FIELD: pl.Series([""] * len(raws), dtype=pl.String),
            REASON: pl.Series(["malformed_row"] * len(raws), dtype=pl.String),
            MESSAGE: pl.Series(
                [f"{m.message}: expected {len(feed.headers)}" for m in feed.malformed],
                dtype=pl.String,
            ),
            RAW: pl.Series(raws, dtype=pl.String),
        }
    )
