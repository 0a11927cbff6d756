"""Stage a file: read it in batches, validate each, write accepted and rejected rows under
``COCKPIT_HOME/staging/<ingest_id>/``. Nothing in the lake changes here.
"""

from __future__ import annotations

import csv
import json
import queue
import shutil
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from cockpit import lake
from cockpit.ingest.contracts import Contract, HeaderMap
from cockpit.ingest.pseudonym import Pseudonymiser
from cockpit.ingest.readers import LINE, Block, CsvFile, FeedFile, blocks
from cockpit.ingest.scrub import scrub
from cockpit.ingest.textparse import UNIT_SCALE
from cockpit.ingest.validate import (
    FIELD,
    MESSAGE,
    RAW,
    REASON,
    Checked,
    clean_batch,
    validate_batch,
)

# A row whose first filled cell says one of these totals the rows above it: not data.
_TOTALS = ("合计", "总计", "合 计", "总 计", "总合计", "Total", "TOTAL", "total", "Grand Total")
TOTAL_WORDS = [f"{word}{end}" for word in _TOTALS for end in ("", ":", "：", " ")]
TOTAL_COLUMNS = 3  # a total's word is in one of the first columns, the ones before it empty
PARQUET_ROW_GROUP = 122_880
PENDING_ROWS = 4 * PARQUET_ROW_GROUP  # rows waiting for their month's row group, at most
WRITE_AHEAD = 2  # checked blocks waiting for the writer thread, at most
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
# Columns readers filter or aggregate on; statistics elsewhere (ids) would only cost time.
STATISTICS_COLUMNS = ["source", "ts", "date", "month", "amount_fen", "is_refund", "ingest_id"]
UNCOMPRESSED = {"payer_id", "card_id", "device_id"}


@dataclass
class Staged:
    """What staging produced."""

    folder: Path
    rows_read: int
    accepted_files: list[Path]
    rejected_files: list[Path]
    month_files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Total:
    """A total row (合计, 总计): checked against the rows above it, not ingested."""

    frame: pl.DataFrame
    word: str


@dataclass
class Running:
    """Sums of each money field over the rows read since the header or the last total."""

    sums: dict[str, tuple[int, int]] = field(default_factory=dict)  # field → (sum, values)
    rows: int = 0

    def add(self, sums: dict[str, tuple[int, int]], rows: int) -> None:
        for name, (total, count) in sums.items():
            old = self.sums.get(name, (0, 0))
            self.sums[name] = (old[0] + total, old[1] + count)
        self.rows += rows


class MonthWriters:
    """Partitioned tables: accepted rows go straight into one lake-format file per month
    (row groups appended as they fill, so memory stays flat); beside them, a small key
    file per batch says which line of the input each row came from.
    """

    def __init__(self, folder: Path, table: str, ingest_id: str) -> None:
        self.folder, self.table, self.ingest_id = folder, table, ingest_id
        self.schema = lake.schema(table)
        self.writers: dict[str, Any] = {}
        self.rows: dict[str, int] = {}
        self.paths: dict[str, Path] = {}
        self.pending: dict[str, list[Any]] = {}  # month → Arrow tables not yet written
        self.pending_rows: dict[str, int] = {}

    def write(self, accepted: pl.DataFrame, number: int) -> Path:
        """Append ``accepted`` to the month files; return the batch's key file."""
        frame = accepted.with_columns(pl.lit(self.ingest_id).alias("ingest_id"))
        # Rows of a month together (in line order within it), then one slice per month:
        # no group-by copying the batch once per month.
        runs = frame.select(pl.col("month").rle()).unnest("month")
        if runs.height > runs["value"].n_unique():
            frame = frame.sort("date", maintain_order=True)  # so months are grouped
            runs = frame.select(pl.col("month").rle()).unnest("month")
        # Polars' own Arrow layout (string views: no copy); the file reads back with the
        # lake's types all the same (written without an Arrow schema, see parquet_options).
        table = frame.select(self.schema.names).to_arrow(compat_level=pl.CompatLevel.newest())
        keys = frame.select(
            "source",
            "txn_id",
            # A 64-bit digest of the key: repeats are found by grouping integers, then
            # checked on the key itself.
            pl.struct("source", "txn_id").hash(seed=KEY_SEED).alias("k"),
            LINE,
            "month",
        )
        positions = []
        offset = 0
        for length, month in runs.iter_rows():
            month = str(month)
            start = self.rows.setdefault(month, 0)
            positions.append(pl.int_range(start, start + length, dtype=pl.Int64, eager=True))
            self.rows[month] += length
            self._add(month, table.slice(offset, length))
            offset += length
        keys = keys.with_columns(pl.concat(positions).alias("pos"))
        path = self.folder / f"keys-{number:06d}.parquet"
        keys.write_parquet(path, compression="uncompressed", statistics=False)
        return path

    def _add(self, month: str, part: Any) -> None:
        """Queue rows for a month; write a row group when it is full (or too much waits)."""
        self.pending.setdefault(month, []).append(part)
        self.pending_rows[month] = self.pending_rows.get(month, 0) + part.num_rows
        if self.pending_rows[month] >= PARQUET_ROW_GROUP:
            self._flush(month)
        if sum(self.pending_rows.values()) > PENDING_ROWS:
            for waiting in list(self.pending):
                self._flush(waiting)

    def _flush(self, month: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        parts = self.pending.pop(month, [])
        self.pending_rows.pop(month, None)
        if not parts:
            return
        if month not in self.writers:
            path = self.folder / "out" / self.table / f"month={month}" / "part.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            self.paths[month] = path
            self.writers[month] = pq.ParquetWriter(
                path, parts[0].schema, **parquet_options(self.schema.names)
            )
        table = pa.concat_tables(parts)
        self.writers[month].write_table(table, row_group_size=max(table.num_rows, 1))

    def close(self) -> dict[str, Path]:
        """Finish every month file; the files by month."""
        for month in list(self.pending):
            self._flush(month)
        for writer in self.writers.values():
            writer.close()
        return self.paths


def parquet_options(names: list[str]) -> dict[str, Any]:
    """How month files of columns ``names`` are written: dictionaries for the few-valued
    columns, statistics where a reader filters, no compression for pseudonyms (random hex,
    which Snappy cannot shrink: it would cost time for nothing), Snappy for the rest.
    """
    return {
        # The Parquet types alone say what the lake's schema says (strings, microsecond
        # timestamps, dates): no Arrow schema beside them, so a file written from string
        # views reads back as plain strings.
        "store_schema": False,
        "compression": {n: "none" if n in UNCOMPRESSED else "snappy" for n in names},
        "use_dictionary": [n for n in DICTIONARY_COLUMNS if n in names],
        "write_statistics": [n for n in STATISTICS_COLUMNS if n in names],
    }


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
    if isinstance(feed, CsvFile) and feed.needs_exact:
        # A record that is not one line (a line break inside quotes, a malformed row):
        # stage again, reading record by record, for the file's true line numbers.
        shutil.rmtree(folder)
        feed.exact, feed.needs_exact = True, False
        staged = _stage_batches(*args, lambda rows: None)
    if feed.malformed:
        path = folder / "rejected-malformed.parquet"
        _malformed_frame(feed, headers, source_contract, pseudonymiser).write_parquet(path)
        staged.rejected_files.append(path)
        staged.rows_read += len(feed.malformed)
    staged.notes = [
        note or ""
        for note in scrub(
            [*feed.notes, *staged.notes], lambda t: pseudonymiser.apply(pl.Series(t)).to_list()
        )
    ]
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
    """Read, check and write side by side: the next block is parsed and the last one
    written (both in threads: Arrow's CSV reader and Parquet writer release the GIL) while
    this one is checked. At most a few blocks are in flight, so memory stays flat.
    """

    def write(checked: Checked, number: int) -> tuple[Path | None, Path | None]:
        accepted = rejected = None
        if checked.accepted.height and months is not None:
            accepted = months.write(checked.accepted, number)
        elif checked.accepted.height:
            accepted = folder / f"accepted-{number:06d}.parquet"
            checked.accepted.write_parquet(accepted, compression="lz4", statistics=False)
        if checked.rejected.height:
            rejected = folder / f"rejected-{number:06d}.parquet"
            checked.rejected.write_parquet(rejected)
        return accepted, rejected

    def collect(done: Future[tuple[Path | None, Path | None]]) -> None:
        accepted, rejected = done.result()
        if accepted is not None:
            staged.accepted_files.append(accepted)
        if rejected is not None:
            staged.rejected_files.append(rejected)

    def cleaned(
        ahead: Iterator[Block | Total],
    ) -> Iterator[tuple[Block | Total, pl.DataFrame | None]]:
        """Each block with its texts cleaned and pseudonymised: a stage of its own, in a
        thread, because pseudonyms are most of a block's checking time.
        """
        for block in ahead:
            texts = None
            if isinstance(block, Total):
                yield block, None
                continue
            if block.frame.height:
                texts = clean_batch(
                    source_contract, headers, block.frame, pseudonymiser, plain=block.plain
                )
            yield block, texts

    running = Running()
    in_flight: deque[Future[tuple[Path | None, Path | None]]] = deque()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stage-write") as writer:
        try:
            ahead = read_ahead(cleaned(read_ahead(_split_totals(blocks(feed), headers))))
            for number, (block, texts) in enumerate(ahead):
                if isinstance(block, Total):
                    args = (source, source_contract, headers, pseudonymiser)
                    staged.notes.append(_check_total(block, running, *args))
                    running = Running()
                    continue
                batch = block.frame
                if batch.height == 0:
                    continue
                checked = validate_batch(
                    source, source_contract, headers, batch, pseudonymiser, texts=texts
                )
                running.add(checked.sums, batch.height)
                staged.rows_read += batch.height
                in_flight.append(writer.submit(write, checked, number))
                while len(in_flight) > WRITE_AHEAD:
                    collect(in_flight.popleft())
                on_batch(batch.height)
            while in_flight:
                collect(in_flight.popleft())
        finally:
            for waiting in in_flight:
                waiting.cancel()


_DONE = object()
T = TypeVar("T")


def read_ahead(batches: Iterator[T], depth: int = 2) -> Iterator[T]:
    """The batches of ``batches``, the next ones read in a thread while this one is used."""
    ahead: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: Any) -> bool:
        """Queue ``item`` unless the consumer has gone (then say so)."""
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not offer(batch):
                    return
            offer(_DONE)
        except BaseException as error:  # handed to the consumer, raised there
            offer(error)

    reader = threading.Thread(target=produce, name="stage-read", daemon=True)
    reader.start()
    try:
        while True:
            item = ahead.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


def _malformed_frame(
    feed: FeedFile, headers: HeaderMap, source_contract: Contract, pseudonymiser: Pseudonymiser
) -> pl.DataFrame:
    """Rows with the wrong number of fields: personal cells pseudonymised (empty ones stay
    empty), then every identifier-like token of the row, wherever it sits, too."""
    personal_headers = {
        headers.columns[f.name]
        for f in source_contract.fields
        if f.type == "personal" and f.name in headers.columns
    }

    def pseudonymise(found: list[str]) -> list[str]:
        return pseudonymiser.apply(pl.Series(found, dtype=pl.String)).to_list()

    names = getattr(feed, "names", feed.headers)
    delimiter = getattr(feed, "delimiter", ",")
    raws = []
    for row in feed.malformed:
        cells = next(csv.reader([row.text], delimiter=delimiter), [])
        # Every cell scrubbed of identifier-like tokens, wherever it sits (the row's shape
        # says nothing of which cell holds what), before the row is encoded.
        cells = [c or "" for c in scrub(cells, pseudonymise)]
        named = {}
        for i, cell in enumerate(cells):
            name = names[i] if i < len(names) else f"_extra_{i + 1}"
            if name in personal_headers and cell.strip():
                cell = pseudonymiser.apply(pl.Series([cell.strip()]))[0]
            named[name] = cell
        raws.append(json.dumps(named, ensure_ascii=False))
    width = len(names)
    return pl.DataFrame(
        {
            LINE: pl.Series([m.line for m in feed.malformed], dtype=pl.Int64),
            FIELD: pl.Series([""] * len(raws), dtype=pl.String),
            REASON: pl.Series(["malformed_row"] * len(raws), dtype=pl.String),
            MESSAGE: pl.Series(
                [f"{m.message}: expected {width} fields" for m in feed.malformed],
                dtype=pl.String,
            ),
            RAW: pl.Series(raws, dtype=pl.String),
        }
    )


def _split_totals(feed_blocks: Iterator[Block], headers: HeaderMap) -> Iterator[Block | Total]:
    """The blocks, with each total row (its first filled cell 合计, 总计, Total...) taken out
    as a ``Total`` where it stands."""
    for block in feed_blocks:
        frame = block.frame
        firsts = [c for c in frame.columns[:TOTAL_COLUMNS] if frame[c].dtype == pl.String]
        if not firsts or frame.height == 0:
            yield block
            continue
        # Hash look-ups and length tests only: this runs on every block.
        is_total = pl.lit(False)
        empty_before = pl.lit(True)
        for column in firsts:
            is_total = is_total | (empty_before & pl.col(column).is_in(TOTAL_WORDS))
            empty_before = empty_before & (pl.col(column).str.len_bytes() == 0)
        at = frame.select(is_total.arg_true()).to_series()
        if at.len() == 0:
            yield block
            continue
        start = 0
        for position in at.to_list():
            if position > start:
                yield Block(frame.slice(start, position - start), block.plain)
            row = frame.slice(position, 1)
            word = next((str(row[c][0]).strip() for c in firsts if str(row[c][0]).strip()), "")
            yield Total(row, word.rstrip(":：").strip())
            start = position + 1
        if start < frame.height:
            yield Block(frame.slice(start), block.plain)


def _check_total(
    total: Total,
    running: Running,
    source: str,
    source_contract: Contract,
    headers: HeaderMap,
    pseudonymiser: Pseudonymiser,
) -> str:
    """A note on a total row: each money value it holds against the sum of the rows above."""
    line = int(total.frame[LINE][0])
    checked = validate_batch(source, source_contract, headers, total.frame, pseudonymiser)
    said = f"line {line}: total row ({total.word}), not data"
    parts = []
    for name, (value, count) in checked.sums.items():
        if count == 0:
            continue
        header = headers.columns.get(name, name)
        scale = UNIT_SCALE[headers.units.get(name) or "yuan"]
        summed = running.sums.get(name, (0, 0))[0]
        if summed == value:
            parts.append(f"{header} {_amount(value, scale)} matches the sum of the rows above")
        else:
            parts.append(
                f"{header} {_amount(value, scale)} differs from the sum of the "
                f"{running.rows} rows above ({_amount(summed, scale)})"
            )
    return f"{said}: {'; '.join(parts)}" if parts else f"{said} (no amount to check)"


def _amount(fen: int, scale: int) -> str:
    """Fen in the column's own unit, as written (2 decimals for yuan)."""
    from decimal import Decimal

    value = Decimal(fen).scaleb(-scale)
    return f"{value:.2f}" if scale == 2 else format(value.normalize(), "f")
