"""Ingest files into the lake: stage, deduplicate, publish atomically, record.

``ingest_paths`` takes files and folders; each file becomes one ingest, committed by its
row in ``ingests`` (written last). A process killed at any point leaves the lake as before:
the staging folder and any part file without a committed record are removed on next start.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import signal
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from cockpit import lake
from cockpit.config import get_settings
from cockpit.format import SHANGHAI
from cockpit.ingest.catalog import refresh_catalog
from cockpit.ingest.contracts import (
    SOURCES,
    Contract,
    HeaderMap,
    contract,
    map_headers,
    source_from_headers,
    source_from_name,
)
from cockpit.ingest.finalise import Outcome, finalise, finalise_partitioned
from cockpit.ingest.pseudonym import Pseudonymiser, pseudonym
from cockpit.ingest.readers import LINE, OLD_WORKBOOK_SUFFIXES, FeedFile, FileError, open_feed
from cockpit.ingest.report import FileOutcome, IngestReport
from cockpit.ingest.scrub import scrub
from cockpit.ingest.stage import Staged, stage_file
from cockpit.ingest.validate import FIELD, MESSAGE, RAW, REASON, raw_rows, scrub_series

FEED_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet")
TEMPORARY_SUFFIXES = (".tmp", ".bak", ".swp", ".part", ".crdownload", ".partial")
Progress = Callable[[str, int, int | None], None]  # (file, rows done, rows expected)


def now() -> datetime:
    """Wall-clock time in Asia/Shanghai, naive (as the lake stores it)."""
    return datetime.now(SHANGHAI).replace(tzinfo=None, microsecond=0)


def new_ingest_id() -> str:
    """Sortable by time (to the microsecond), unique: 20261123T194501123456-3f9a1c."""
    return f"{datetime.now(SHANGHAI):%Y%m%dT%H%M%S%f}-{secrets.token_hex(3)}"


def skip_reason(path: Path, *, in_folder: bool) -> str | None:
    """Why ``path`` is not a feed to ingest (a lock, hidden or temporary file; in a folder,
    a file of another type), or None."""
    name = path.name
    if name.startswith(("~$", ".~lock.")):
        return "lock file (Excel, WPS or LibreOffice keeps it beside an open file)"
    if name.startswith("."):
        return "hidden file"
    if path.suffix.lower() in TEMPORARY_SUFFIXES or name.startswith("~"):
        return "temporary file"
    if in_folder and path.suffix.lower() not in (*FEED_SUFFIXES, *OLD_WORKBOOK_SUFFIXES):
        return f"not a feed file ({path.suffix or 'no extension'})"
    return None


def planned_files(paths: Iterable[str | Path]) -> list[tuple[Path, str | None]]:
    """Each file given and each file of each folder given, with why it is skipped (or None);
    a path that does not exist is refused before anything is ingested."""
    out: list[tuple[Path, str | None]] = []
    for item in map(Path, paths):
        if item.is_dir():
            out.extend(
                (p, skip_reason(p, in_folder=True)) for p in sorted(item.iterdir()) if p.is_file()
            )
        elif item.exists():
            out.append((item, skip_reason(item, in_folder=False)))
        else:
            raise FileError(f"{item}: no such file or folder")
    return out


def feed_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files to ingest: each file given, and every feed file in each folder given."""
    return [path for path, skip in planned_files(paths) if skip is None]


def ingest_files(
    paths: Iterable[str | Path],
    *,
    source: str | None = None,
    sheet: str | None = None,
    home: Path | None = None,
    progress: Progress | None = None,
    on_outcome: Callable[[FileOutcome], None] | None = None,
) -> list[FileOutcome]:
    """Ingest every file of ``paths`` (folders: every file in them), each on its own: a file
    that fails does not stop the others. One outcome per file, in order."""
    if source is not None and source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    outcomes = []
    for path, skip in planned_files(paths):
        if skip is not None:
            outcome = FileOutcome(str(path), "skipped", reason=skip)
        else:
            try:
                report = ingest_file(path, source=source, sheet=sheet, home=home, progress=progress)
                outcome = FileOutcome(str(path), "ingested", report=report)
            except (FileError, ValueError) as error:
                outcome = FileOutcome(str(path), "failed", reason=_scrubbed(str(error)))
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return outcomes


def _scrubbed(message: str) -> str:
    """An error message with any identifier it quotes (a row's text) pseudonymised."""
    key = get_settings().pseudonym_key.get_secret_value().encode("utf-8")
    (clean,) = scrub([message], lambda found: [pseudonym(key, t) for t in found])
    return clean or ""


def ingest_paths(
    paths: Iterable[str | Path],
    *,
    source: str | None = None,
    sheet: str | None = None,
    home: Path | None = None,
    progress: Progress | None = None,
) -> list[IngestReport]:
    """Ingest every file of ``paths`` (folders: every feed file in them); one report each.

    Every file is tried; when any failed, ``FileError`` names each (the others are in).
    """
    outcomes = ingest_files(paths, source=source, sheet=sheet, home=home, progress=progress)
    failed = [o.reason for o in outcomes if o.outcome == "failed"]
    if failed:
        raise FileError("\n".join(failed))
    return [o.report for o in outcomes if o.report is not None]


def recognise(path: Path, feed: FeedFile, source: str | None) -> str:
    """The file's source: as forced, else from its name, else from its header row."""
    found = source or source_from_name(path.name) or source_from_headers(feed.headers)
    if found is None:
        raise FileError(
            f"{path}, line 1: cannot tell which source this file is from its name or its "
            f"headers {feed.headers}; name it with --source ({', '.join(SOURCES)})"
        )
    return found


def file_sha256(path: Path) -> str:
    """The file's SHA-256 (hashlib releases the GIL: this runs beside the staging)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class _Run:
    path: Path
    source: str
    ingest_id: str
    started_at: datetime
    folder: Path


def ingest_file(
    path: Path,
    *,
    source: str | None = None,
    sheet: str | None = None,
    home: Path | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest one file; return its report. Raises ``FileError`` when it cannot be read."""
    settings = get_settings()
    home = Path(home or settings.home)
    lake.lake_of(home).mkdir(parents=True, exist_ok=True)
    feed = open_feed(path, sheet=sheet, source=source or source_from_name(path.name))
    found = recognise(path, feed, source)
    source_contract = contract(found)
    headers = map_headers(source_contract, feed.headers)
    if headers.missing_required:
        raise FileError(
            f"{path}, line {feed.header_line}: missing required column(s) "
            f"{headers.missing_required} "
            f"for source {found} (headers found: {feed.headers})"
        )
    with lake.ingest_lock(home):
        lake.recover(home)
        ingest_id = new_ingest_id()
        run = _Run(path, found, ingest_id, now(), home / "staging" / ingest_id)
        key = settings.pseudonym_key.get_secret_value().encode("utf-8")
        pseudonymiser = Pseudonymiser(key)
        done = 0

        def on_batch(rows: int) -> None:
            nonlocal done
            done += rows
            if progress:
                progress(str(path), done, None)

        with ThreadPoolExecutor(max_workers=1) as pool:
            sha = pool.submit(file_sha256, path)
            try:
                staged = stage_file(
                    feed,
                    source=found,
                    source_contract=source_contract,
                    headers=headers,
                    folder=run.folder,
                    pseudonymiser=pseudonymiser,
                    ingest_id=run.ingest_id,
                    on_batch=on_batch,
                )
            finally:
                pseudonymiser.close()
            key_header = headers.columns.get(source_contract.key[-1])
            if source_contract.kind == "partitioned":
                outcome = finalise_partitioned(
                    source_contract=source_contract,
                    key_files=staged.accepted_files,
                    month_files=staged.month_files,
                    folder=run.folder,
                    home=home,
                    ingest_id=run.ingest_id,
                    key_header=key_header,
                )
            else:
                outcome = finalise(
                    source_contract=source_contract,
                    accepted_files=staged.accepted_files,
                    folder=run.folder,
                    home=home,
                    ingest_id=run.ingest_id,
                    key_header=key_header,
                )
            if outcome.conflicts is not None:
                outcome.conflicts = _with_raw_rows(
                    outcome.conflicts, feed, headers, source_contract, key
                )
            report = _commit(run, staged, outcome, sha.result(), home)
        shutil.rmtree(run.folder, ignore_errors=True)
        lake.recover(home)
    refresh_catalog(home)
    return report


def _with_raw_rows(
    verdicts: Path, feed: FeedFile, headers: HeaderMap, source_contract: Contract, key: bytes
) -> Path:
    """Add the rows as read to conflict verdicts, reading the file again for those lines."""
    found = pl.read_parquet(verdicts)
    lines = found[LINE].implode()
    pseudonymiser = Pseudonymiser(key)
    raws = []
    try:
        for batch in feed.batches():
            hit = batch.filter(pl.col(LINE).is_in(lines))
            if hit.height:
                raw = raw_rows(hit, headers, source_contract, pseudonymiser)
                raws.append(hit.select(LINE).with_columns(raw))
        raw_frame = (
            pl.concat(raws) if raws else pl.DataFrame(schema={LINE: pl.Int64, RAW: pl.String})
        )
        # The message names the key, which could be anything a file put there.
        messages = scrub_series(found[MESSAGE], pseudonymiser)
    finally:
        pseudonymiser.close()
    path = verdicts.with_name("rejected-conflicts.parquet")
    found = found.with_columns(pl.Series(MESSAGE, messages, dtype=pl.String))
    found.join(raw_frame, on=LINE, how="left").write_parquet(path)
    return path


def _quarantine_rows(run: _Run, staged: Staged, outcome: Outcome) -> pl.DataFrame:
    files = list(staged.rejected_files) + ([outcome.conflicts] if outcome.conflicts else [])
    frames = [pl.read_parquet(p) for p in files]
    schema = pl.Schema(
        {
            LINE: pl.Int64(),
            FIELD: pl.String(),
            REASON: pl.String(),
            MESSAGE: pl.String(),
            RAW: pl.String(),
        }
    )
    rows = (
        pl.concat([f.select(list(schema)).cast(schema) for f in frames])
        if frames
        else pl.DataFrame(schema=schema)
    )
    return rows.sort(LINE).select(
        pl.lit(run.ingest_id).alias("ingest_id"),
        pl.lit(run.source).alias("source"),
        pl.lit(str(run.path.resolve())).alias("file"),
        pl.col(LINE).alias("line"),
        pl.col(FIELD).alias("field"),
        pl.col(REASON).alias("reason"),
        pl.col(MESSAGE).alias("message"),
        pl.col(RAW).alias("raw"),
    )


def _commit(run: _Run, staged: Staged, outcome: Outcome, sha: str, home: Path) -> IngestReport:
    """Publish the part files, then the ingest record that makes them count."""
    lake_dir = lake.lake_of(home)
    quarantine = _with_row_keys(_quarantine_rows(run, staged, outcome))
    if quarantine.height:
        # Rows quarantined before (the same file again) are not added twice: this ingest
        # records that it saw them.
        known = _known_row_keys(lake_dir, run.source)
        new = quarantine.filter(~pl.col("row_key").is_in(list(known)))
        if new.height:
            path = run.folder / "out" / "quarantine.parquet"
            lake.write_table("quarantine", new.to_arrow().to_pydict(), path)
            outcome.files[path] = lake.part_path(lake_dir, "quarantine", run.ingest_id)
        seen = run.folder / "out" / "quarantine_seen.parquet"
        sightings = quarantine.select("ingest_id", "row_key", "file", "line")
        lake.write_table("quarantine_seen", sightings.to_arrow().to_pydict(), seen)
        outcome.files[seen] = lake.part_path(lake_dir, "quarantine_seen", run.ingest_id)
    report = IngestReport(
        ingest_id=run.ingest_id,
        source=run.source,
        file=str(run.path.resolve()),
        file_sha256=sha,
        started_at=run.started_at,
        finished_at=now(),
        rows_read=staged.rows_read,
        accepted=outcome.accepted,
        quarantined=quarantine.height,
        duplicates=outcome.duplicates,
        quarantined_by_reason=dict(Counter(quarantine["reason"].to_list())),
        months=outcome.months,
        table=contract(run.source).table,
        notes=staged.notes,
    )
    record = run.folder / "out" / "ingest.parquet"
    lake.write_table("ingests", _record(report), record)
    for staged_file, destination in outcome.files.items():
        lake.publish(staged_file, destination)
        _crash_if_asked("publish")
    lake.publish(record, lake.part_path(lake_dir, "ingests", run.ingest_id))
    return report


def _with_row_keys(rows: pl.DataFrame) -> pl.DataFrame:
    """Each quarantined row's identity: its source, field, reason, raw row, and which repeat
    of that row it is in the file (the same bad row twice is two rows)."""
    repeat = pl.int_range(pl.len()).over("source", "field", "reason", "raw")
    keyed = rows.with_columns(repeat.alias("_repeat"))
    keys = [
        hashlib.sha256("\x1f".join(map(str, row)).encode("utf-8")).hexdigest()[:32]
        for row in keyed.select("source", "field", "reason", "raw", "_repeat").iter_rows()
    ]
    return keyed.drop("_repeat").with_columns(pl.Series("row_key", keys, dtype=pl.String))


def _known_row_keys(lake_dir: Path, source: str) -> set[str]:
    """Keys of the rows of ``source`` already in the quarantine table."""
    import duckdb

    if not lake.part_files(lake_dir, "quarantine"):
        return set()
    con = duckdb.connect()
    try:
        found = con.execute(
            f"SELECT DISTINCT row_key FROM {lake.scan(lake_dir, 'quarantine')} "
            "WHERE source = ? AND row_key IS NOT NULL",
            [source],
        ).fetchall()
    finally:
        con.close()
    return {row[0] for row in found}


def _crash_if_asked(point: str) -> None:
    """Fault injection for the tests: die here, as a killed process would."""
    if os.environ.get("COCKPIT_INGEST_CRASH_AT") == point:
        os.kill(os.getpid(), signal.SIGKILL)


def _record(report: IngestReport) -> dict[str, list[object]]:
    return {
        "ingest_id": [report.ingest_id],
        "source": [report.source],
        "file": [report.file],
        "file_sha256": [report.file_sha256],
        "started_at": [report.started_at],
        "finished_at": [report.finished_at],
        "rows_read": [report.rows_read],
        "accepted": [report.accepted],
        "quarantined": [report.quarantined],
        "duplicates": [report.duplicates],
        "months": [";".join(report.months)],
    }
