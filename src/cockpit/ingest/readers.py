"""Read feed files in batches: CSV and text exports (UTF-8 with or without BOM, GB18030/GBK,
UTF-16; comma- or tab-separated), Excel, Parquet.

Every batch is a Polars frame of the file's named columns plus ``_line``, the 1-based line
of the row in the file (the file's own numbering: title lines above the header count, and
a row whose quoted fields hold line breaks keeps the line it starts on). Blank lines are not
rows. Rows whose number of fields is wrong are collected in ``malformed`` with their line.

CSV is read by Arrow, fast, as long as every record is one line; a file where a record is
not (a line break inside quotes, a malformed or unterminated row) is read again by
``exact_rows``, which follows every record's lines.
"""

from __future__ import annotations

import csv
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import polars as pl

from cockpit.ingest.sniff import (
    HEADER_SEARCH_LINES,
    FileError,
    Header,
    delimiter_of,
    detect_encoding,
    find_header,
    first_undecodable_line,
    name_columns,
    refuse_binary,
)

__all__ = ["FileError", "detect_encoding"]

LINE = "_line"
CSV_BLOCK_BYTES = 8 << 20  # Arrow reads a few dozen blocks ahead: memory follows this
EXACT_BATCH_ROWS = 65_536
EXCEL_BATCH_ROWS = 50_000
PARQUET_BATCH_ROWS = 200_000
FIELD_LIMIT = 1 << 24  # a field this long is a quote never closed, not a value
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
OLD_WORKBOOK_SUFFIXES = (".xls", ".et")  # what offices still send; named, never skipped


@dataclass
class Malformed:
    """A CSV line whose number of fields differs from the header's, or a quote never closed."""

    line: int
    text: str
    message: str


@dataclass
class Block:
    """A batch of rows, and the columns known to need no cleaning (ASCII, nothing to trim)."""

    frame: pl.DataFrame
    plain: frozenset[str] = frozenset()


class _NeedsExact(Exception):
    """Arrow's records are not the file's lines: read the file again, record by record."""


@dataclass
class CsvFile:
    """A CSV or text export read in streamed blocks as text columns."""

    path: Path
    source: str | None = None
    encoding: str = ""
    delimiter: str = ","
    header_line: int = 1
    names: list[str] = field(default_factory=list)  # every column, blank ones as _blank_<n>
    headers: list[str] = field(default_factory=list)  # the named columns
    notes: list[str] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    exact: bool = False  # read by exact_rows (set when Arrow's records are not lines)
    needs_exact: bool = False

    def __post_init__(self) -> None:
        refuse_binary(self.path)
        self.encoding = self.encoding or detect_encoding(self.path)
        first = self._first_records()
        self.delimiter = delimiter_of([line for _, line in first])
        rows = [(n, next(csv.reader([text], delimiter=self.delimiter), [])) for n, text in first]
        header = find_header(self.path, rows, self.source)
        self._take(header)

    def _take(self, header: Header) -> None:
        self.header_line, self.names, self.headers = header.line, header.names, header.kept
        self.notes = list(header.notes)

    def _first_records(self) -> list[tuple[int, str]]:
        """The first lines of the file (line number, text), for the header search."""
        out: list[tuple[int, str]] = []
        try:
            with self.path.open("r", encoding=self.encoding, newline="") as handle:
                for number, text in enumerate(handle, start=1):
                    out.append((number, text))
                    if number >= HEADER_SEARCH_LINES:
                        break
        except UnicodeDecodeError:
            self._undecodable()
        return out

    def _undecodable(self) -> None:
        line = first_undecodable_line(self.path, self.encoding)
        where = f", line {line}" if line else ""
        raise FileError(
            f"{self.path}{where}: not {self.encoding} text like the lines before it "
            "(a file in two encodings? save it again in one)"
        )

    def batches(self) -> Iterator[pl.DataFrame]:
        """The rows, in blocks, with their line numbers; blank lines dropped."""
        return (block.frame for block in self.blocks())

    def blocks(self) -> Iterator[Block]:
        """The rows in blocks, each with the columns whose text is already clean."""
        self.malformed = []
        if self.exact:
            yield from self._exact_blocks()
            return
        try:
            yield from self._arrow_blocks()
        except _NeedsExact:
            self.needs_exact = True

    def _arrow_blocks(self) -> Iterator[Block]:
        import numpy as np
        import pyarrow as pa
        import pyarrow.csv as pacsv

        wrong: list[Malformed] = []
        folded: list[int] = []

        def wrong_width(row: Any) -> str:
            # Arrow numbers the line of a record; one that spans lines (a quote left
            # open) needs the exact reader. (Raising here would stop Arrow with its own error.)
            if row.number is None or "\n" in row.text or "\r" in row.text:
                folded.append(1)
            else:
                wrong.append(Malformed(row.number, row.text, "wrong number of fields"))
            return "skip"

        offset = self.header_line + 1
        try:
            reader = pacsv.open_csv(
                str(self.path),
                read_options=pacsv.ReadOptions(
                    column_names=self.names,
                    skip_rows=self.header_line,
                    encoding=self._arrow_encoding(),
                    block_size=CSV_BLOCK_BYTES,
                    # One parsing thread: the ingest runs reading, checking and writing side by
                    # side (stage.py), and Arrow's own threads would only spin against them.
                    use_threads=False,
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=self.delimiter,
                    ignore_empty_lines=False,
                    invalid_row_handler=wrong_width,
                ),
                convert_options=pacsv.ConvertOptions(
                    include_columns=self.headers,
                    column_types={h: pa.string() for h in self.headers},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            parsed = 0
            for batch in reader:
                if folded or _has_line_break(batch.columns):
                    raise _NeedsExact
                plain = frozenset(
                    name
                    for name, column in zip(self.headers, batch.columns, strict=True)
                    if _plain_text(column)
                )
                frame = pl.from_arrow(batch)
                assert isinstance(frame, pl.DataFrame)
                # The i-th parsed row's line: the i-th line after the header that is not a
                # malformed one (every malformed line up to here is known: Arrow reports a
                # block's bad rows while parsing it, before handing the block over).
                lines = np.arange(offset + parsed, offset + parsed + frame.height, dtype=np.int64)
                parsed += frame.height
                if wrong:
                    bad = np.array([m.line for m in wrong], dtype=np.int64)
                    gaps = np.sort(bad) - np.arange(len(bad), dtype=np.int64)
                    lines = lines + np.searchsorted(gaps, lines, side="right")
                frame = frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64))
                yield Block(_drop_blank(frame, self.headers), plain)
            if folded:
                raise _NeedsExact
            self.malformed = wrong
        except (pa.ArrowInvalid, UnicodeDecodeError):
            if first_undecodable_line(self.path, self.encoding) is not None:
                self._undecodable()
            # Anything else Arrow cannot parse (a quote left open, a field longer than its
            # block): the exact reader goes record by record and says which line.
            raise _NeedsExact from None

    def _arrow_encoding(self) -> str:
        return "utf8" if self.encoding in ("utf-8", "utf-8-sig") else self.encoding

    def _exact_blocks(self) -> Iterator[Block]:
        keep = [i for i, n in enumerate(self.names) if not n.startswith("_blank_")]
        columns: list[list[str]] = [[] for _ in keep]
        lines: list[int] = []
        for number, cells in self.exact_rows():
            for column, i in zip(columns, keep, strict=True):
                column.append(cells[i])
            lines.append(number)
            if len(lines) >= EXACT_BATCH_ROWS:
                yield Block(self._frame(columns, lines))
                columns, lines = [[] for _ in keep], []
        if lines:
            yield Block(self._frame(columns, lines))

    def _frame(self, columns: list[list[str]], lines: list[int]) -> pl.DataFrame:
        data: dict[str, Any] = {
            h: pl.Series(h, c, dtype=pl.String) for h, c in zip(self.headers, columns, strict=True)
        }
        data[LINE] = pl.Series(LINE, lines, dtype=pl.Int64)
        return _drop_blank(pl.DataFrame(data), self.headers)

    def exact_rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line, cells) of every record after the header, following quoted line breaks.

        A record of the wrong width goes to ``malformed``; when it spans several lines, its
        first line opened a quote it never closed: that line alone is malformed, and the
        lines after it are read again as records.
        """
        csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
        width = len(self.names)
        try:
            with self.path.open("r", encoding=self.encoding, newline="") as handle:
                lines = _Lines(handle, skip=self.header_line)
                reader = csv.reader(lines, delimiter=self.delimiter, strict=False)
                while True:
                    lines.taken = []
                    try:
                        cells = next(reader)
                    except StopIteration:
                        return
                    except csv.Error:
                        cells = None
                    taken = lines.taken
                    if not taken:
                        return
                    if cells is not None and len(cells) == width:
                        yield taken[0][0], cells
                        continue
                    if cells is not None and not any(c.strip() for c in cells):
                        continue  # a blank line, however many separators it holds
                    first_line, first_text = taken[0]
                    if len(taken) > 1 or cells is None:
                        why = "unterminated quote" if '"' in first_text else "unreadable line"
                        self.malformed.append(Malformed(first_line, first_text.rstrip("\r\n"), why))
                        lines.push_back(taken[1:])
                        continue
                    self.malformed.append(
                        Malformed(first_line, first_text.rstrip("\r\n"), "wrong number of fields")
                    )
        except UnicodeDecodeError:
            self._undecodable()


class _Lines:
    """The lines of a file after its header, numbered, for ``csv.reader``; lines read once
    can be given back (after an unterminated quote, they are read again)."""

    def __init__(self, handle: Any, skip: int) -> None:
        self.handle = handle
        self.number = 0
        self.back: deque[tuple[int, str]] = deque()
        self.taken: list[tuple[int, str]] = []
        for _ in range(skip):
            if handle.readline():
                self.number += 1

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.back:
            number, text = self.back.popleft()
        else:
            text = self.handle.readline()
            if not text:
                raise StopIteration
            self.number += 1
            number = self.number
        self.taken.append((number, text))
        return text

    def push_back(self, lines: list[tuple[int, str]]) -> None:
        self.back.extendleft(reversed(lines))


def _has_line_break(columns: list[Any]) -> bool:
    """Whether any value of an Arrow batch holds a line break (then records are not lines).

    One reduction per column finds the rare columns with a control byte at all.
    """
    import numpy as np
    import pyarrow as pa

    for column in columns:
        if column.type != pa.string() or len(column) == 0:
            continue
        _, offset_buffer, data_buffer = column.buffers()
        if data_buffer is None:
            continue
        offsets = np.frombuffer(offset_buffer, dtype=np.int32)
        data = np.frombuffer(data_buffer, dtype=np.uint8)[
            offsets[column.offset] : offsets[column.offset + len(column)]
        ]
        if len(data) and data.min() < 14 and ((data == 10) | (data == 13)).any():
            return True
    return False


ASCII_SPACE = b" \t\n\x0b\x0c\r"  # the ASCII characters of Unicode White_Space (regex \s)


def _plain_text(column: Any) -> bool:
    """Whether an Arrow text column is ASCII with no value starting or ending in a space
    (so it has no full-width character and nothing to trim): checked on its bytes at once.
    """
    import numpy as np
    import pyarrow as pa

    if column.null_count or column.type != pa.string():
        return False
    _, offset_buffer, data_buffer = column.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int32)
    offsets = offsets[column.offset : column.offset + len(column) + 1]
    if len(offsets) < 2 or data_buffer is None or offsets[-1] == offsets[0]:
        return True
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    if data[offsets[0] : offsets[-1]].max() >= 0x80:
        return False
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    if not filled.all():
        starts, ends = starts[filled], ends[filled]
    space = np.zeros(256, dtype=bool)
    space[list(ASCII_SPACE)] = True
    return not (space[data[starts]].any() or space[data[ends - 1]].any())


def _drop_blank(frame: pl.DataFrame, headers: list[str]) -> pl.DataFrame:
    """Rows whose every field is empty are blank lines, not rows.

    Only rows whose first field is empty can be blank: the other fields are checked for
    those alone (usually none), so a clean block costs one look at one column.
    """
    if not headers or frame.height == 0:
        return frame
    first = frame[headers[0]]
    maybe = (first.str.len_bytes() == 0) | first.str.contains(r"^\s+$")
    if not maybe.any():
        return frame
    candidates = frame.filter(maybe)
    blank_lines = candidates.filter(
        pl.all_horizontal(pl.col(h).str.strip_chars() == "" for h in headers)
    )[LINE]
    if blank_lines.len() == 0:
        return frame
    return frame.filter(~pl.col(LINE).is_in(blank_lines.implode()))


def _cell_text(value: Any) -> str:
    """An Excel cell as the text a CSV would have carried."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


_MERGE_REF = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + char - 64
    return number


@dataclass
class ExcelFile:
    """The first sheet (or a named one) of an .xlsx workbook, as text columns."""

    path: Path
    sheet: str | None = None
    source: str | None = None
    header_line: int = 1
    names: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    needs_exact: bool = False

    def __post_init__(self) -> None:
        first = []
        for number, row in self._rows():
            first.append((number, [_cell_text(v) for v in row]))
            if number >= HEADER_SEARCH_LINES:
                break
        header = find_header(self.path, first, self.source)
        cells = dict(first)[header.line]
        while cells and not cells[-1].strip():
            cells.pop()  # empty cells right of the header are no columns
        notes = [n for n in header.notes if "has no header" not in n]
        self.header_line = header.line
        self.names = name_columns(self.path, header.line, cells, notes)
        self.headers = [n for n in self.names if not n.startswith("_blank_")]
        self.notes = notes

    def _open(self) -> Any:
        from zipfile import BadZipFile

        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            return load_workbook(self.path, read_only=True, data_only=True)
        except (BadZipFile, InvalidFileException, KeyError, OSError) as error:
            raise FileError(f"{self.path}: not an Excel workbook (.xlsx): {error}") from None

    def _rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number, values) of the sheet, merged ranges filled from their top-left cell."""
        workbook = self._open()
        try:
            if self.sheet is None:
                sheet = workbook.worksheets[0]
            elif self.sheet in workbook.sheetnames:
                sheet = workbook[self.sheet]
            else:
                raise FileError(f"{self.path}: no sheet {self.sheet!r} ({workbook.sheetnames})")
            merged = self._merged_ranges(workbook, sheet)
            anchors: dict[tuple[int, int], Any] = {}
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                values = list(row)
                for top, left, bottom, right in merged.get(number, ()):
                    if number == top:
                        anchors[(top, left)] = values[left - 1] if left <= len(values) else None
                    value = anchors.get((top, left))
                    if len(values) < right:
                        values.extend([None] * (right - len(values)))
                    for column in range(left, right + 1):
                        values[column - 1] = value
                    if number == bottom:
                        anchors.pop((top, left), None)
                yield number, values
        finally:
            workbook.close()

    @staticmethod
    def _merged_ranges(workbook: Any, sheet: Any) -> dict[int, list[tuple[int, int, int, int]]]:
        """Merged ranges of the sheet, by each row they cover (read from the sheet's XML:
        a read-only workbook does not list them)."""
        path = getattr(sheet, "_worksheet_path", None)
        archive = getattr(workbook, "_archive", None)
        if path is None or archive is None:
            return {}
        by_row: dict[int, list[tuple[int, int, int, int]]] = {}
        tail = b""
        with archive.open(path) as xml:
            while chunk := xml.read(1 << 20):
                text = tail + chunk
                for match in _MERGE_REF.finditer(text):
                    left, top = _column_number(match.group(1)), int(match.group(2))
                    right, bottom = _column_number(match.group(3)), int(match.group(4))
                    for number in range(top, bottom + 1):
                        by_row.setdefault(number, []).append((top, left, bottom, right))
                tail = text[-64:]
        for ranges in by_row.values():
            ranges[:] = sorted(set(ranges))
        return by_row

    def batches(self) -> Iterator[pl.DataFrame]:
        """The rows after the header, in batches, with their spreadsheet row numbers."""
        width = len(self.names)
        keep = [i for i, n in enumerate(self.names) if not n.startswith("_blank_")]
        columns: list[list[str]] = [[] for _ in keep]
        lines: list[int] = []
        self.malformed = []
        for number, row in self._rows():
            if number <= self.header_line:
                continue
            cells = [_cell_text(v) for v in row[:width]] + [""] * max(0, width - len(row))
            extra = [v for v in row[width:] if v is not None]
            if extra:
                self.malformed.append(
                    Malformed(number, ",".join(map(_cell_text, row)), "cells beyond the header")
                )
                continue
            for column, i in zip(columns, keep, strict=True):
                column.append(cells[i])
            lines.append(number)
            if len(lines) >= EXCEL_BATCH_ROWS:
                yield self._frame(columns, lines)
                columns, lines = [[] for _ in keep], []
        if lines:
            yield self._frame(columns, lines)

    def _frame(self, columns: list[list[str]], lines: list[int]) -> pl.DataFrame:
        data: dict[str, Any] = {
            h: pl.Series(h, c, dtype=pl.String) for h, c in zip(self.headers, columns, strict=True)
        }
        data[LINE] = pl.Series(LINE, lines, dtype=pl.Int64)
        return _drop_blank(pl.DataFrame(data), self.headers)


@dataclass
class ParquetFile:
    """A Parquet file in row batches, its columns keeping their types."""

    path: Path
    header_line: int = 1
    headers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    needs_exact: bool = False

    def __post_init__(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            self.headers = list(pq.ParquetFile(self.path).schema_arrow.names)
        except (pa.ArrowInvalid, OSError) as error:
            raise FileError(f"{self.path}: not a Parquet file: {error}") from None

    def batches(self) -> Iterator[pl.DataFrame]:
        """Row batches; a row's line is its 1-based position plus one, as if under a header."""
        import pyarrow.parquet as pq

        offset = 0
        for batch in pq.ParquetFile(self.path).iter_batches(batch_size=PARQUET_BATCH_ROWS):
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            frame = frame.with_columns(
                pl.int_range(offset + 2, offset + 2 + frame.height, dtype=pl.Int64).alias(LINE)
            )
            offset += frame.height
            yield frame


FeedFile = CsvFile | ExcelFile | ParquetFile


def blocks(feed: FeedFile) -> Iterator[Block]:
    """The feed's batches, with what is known of their text (CSV only)."""
    if isinstance(feed, CsvFile):
        yield from feed.blocks()
    else:
        for frame in feed.batches():
            yield Block(frame)


def open_feed(path: Path, *, sheet: str | None = None, source: str | None = None) -> FeedFile:
    """The reader for ``path``, chosen by its extension; options that do not apply to it
    are refused (``sheet`` is for workbooks only)."""
    suffix = path.suffix.lower()
    if sheet is not None and suffix not in EXCEL_SUFFIXES:
        raise FileError(f"{path}: --sheet applies to Excel workbooks only, not {suffix} files")
    if suffix in TEXT_SUFFIXES:
        return CsvFile(path, source=source)
    if suffix in EXCEL_SUFFIXES:
        return ExcelFile(path, sheet=sheet, source=source)
    if suffix == ".parquet":
        return ParquetFile(path)
    if suffix in OLD_WORKBOOK_SUFFIXES:
        raise FileError(
            f"{path}: an Excel 97-2003 or WPS workbook ({suffix}) cannot be read: open it in "
            "Excel or WPS and save it as .xlsx (or CSV)"
        )
    raise FileError(
        f"{path}: unsupported file type {suffix or '(none)'}; use CSV, .xlsx or Parquet"
    )
