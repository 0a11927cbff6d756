"""Read feed files in batches: CSV (UTF-8 with or without BOM, GB18030/GBK), Excel, Parquet.

Every batch is a Polars frame of the file's own columns plus ``_line``, the 1-based line of
the row in the file (header = line 1). Blank lines are not rows. CSV rows whose number of
fields is wrong are collected in ``malformed`` with their line and text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import polars as pl

LINE = "_line"
CSV_BLOCK_BYTES = 8 << 20  # Arrow reads a few dozen blocks ahead: memory follows this
EXCEL_BATCH_ROWS = 50_000
PARQUET_BATCH_ROWS = 200_000
SNIFF_BYTES = 1 << 20


class FileError(ValueError):
    """A file that cannot be read at all, naming the file and what is wrong."""


@dataclass
class Malformed:
    """A CSV line whose number of fields differs from the header's."""

    line: int
    text: str
    message: str


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8 or gb18030 (which also reads GBK), from the bytes themselves."""
    with path.open("rb") as handle:
        head = handle.read(3)
        if head == b"\xef\xbb\xbf":
            return "utf-8-sig"
        handle.seek(0)
        while chunk := handle.read(SNIFF_BYTES):
            if chunk.isascii():
                continue
            # The chunk may end inside a multi-byte character: read a few bytes more.
            chunk += handle.read(4)
            try:
                chunk.decode("utf-8")
                return "utf-8"
            except UnicodeDecodeError as error:
                if error.start >= len(chunk) - 4:
                    return "utf-8"
            try:
                chunk.decode("gb18030")
            except UnicodeDecodeError:
                raise FileError(f"{path}: neither UTF-8 nor GB18030 text") from None
            return "gb18030"
    return "utf-8"


def _csv_header(path: Path, encoding: str) -> list[str]:
    with path.open("r", encoding=encoding, newline="") as handle:
        header = next(csv.reader(handle), None)
    if not header or not any(h.strip() for h in header):
        raise FileError(f"{path}, line 1: no header row")
    names = [h.strip() for h in header]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise FileError(f"{path}, line 1: duplicate columns {duplicates}")
    return names


@dataclass
class Block:
    """A batch of rows, and the columns known to need no cleaning (ASCII, nothing to trim)."""

    frame: pl.DataFrame
    plain: frozenset[str] = frozenset()


@dataclass
class CsvFile:
    """A CSV file read in streamed blocks as text columns."""

    path: Path
    encoding: str = ""
    headers: list[str] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    line_map: Any = None  # numpy array: the line of each parsed row, once malformed rows are known

    def __post_init__(self) -> None:
        self.encoding = self.encoding or detect_encoding(self.path)
        self.headers = _csv_header(self.path, self.encoding)

    def batches(self) -> Iterator[pl.DataFrame]:
        """The rows, in blocks, with their line numbers; blank lines dropped."""
        return (block.frame for block in self.blocks())

    def blocks(self) -> Iterator[Block]:
        """The rows in blocks, each with the columns whose text is already clean."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        if self.line_map is None:
            self.malformed = []
        texts: list[str] = []

        def keep_malformed(row: Any) -> str:
            texts.append(row.text)
            return "skip"

        reader = pacsv.open_csv(
            str(self.path),
            read_options=pacsv.ReadOptions(
                column_names=self.headers,
                skip_rows=1,
                encoding=self._arrow_encoding(),
                block_size=CSV_BLOCK_BYTES,
                # One parsing thread: the ingest runs reading, checking and writing side by
                # side (stage.py), and Arrow's own threads would only spin against them.
                use_threads=False,
            ),
            parse_options=pacsv.ParseOptions(
                ignore_empty_lines=False, invalid_row_handler=keep_malformed
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in self.headers},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        offset = 0
        try:
            for batch in reader:
                plain = frozenset(
                    name
                    for name, column in zip(self.headers, batch.columns, strict=True)
                    if _plain_text(column)
                )
                frame = pl.from_arrow(batch)
                assert isinstance(frame, pl.DataFrame)
                lines = self._lines(offset, frame.height)
                offset += frame.height
                frame = frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64))
                yield Block(_drop_blank(frame, self.headers), plain)
        except pa.ArrowInvalid as error:
            raise FileError(f"{self.path}: {error} (encoding read as {self.encoding})") from None
        if texts and self.line_map is None:
            self.malformed = [Malformed(0, t, "wrong number of fields") for t in texts]

    def _arrow_encoding(self) -> str:
        return "utf8" if self.encoding in ("utf-8", "utf-8-sig") else self.encoding

    def _lines(self, offset: int, count: int) -> Any:
        import numpy as np

        if self.line_map is not None:
            return self.line_map[offset : offset + count]
        return np.arange(offset + 2, offset + 2 + count, dtype=np.int64)

    def locate_malformed(self) -> None:
        """Find the line of each malformed row, and the line of every parsed row after it."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.csv as pacsv

        lines = pacsv.read_csv(
            str(self.path),
            read_options=pacsv.ReadOptions(
                column_names=["text"], encoding=self._arrow_encoding(), block_size=CSV_BLOCK_BYTES
            ),
            parse_options=pacsv.ParseOptions(
                delimiter="\x1f", quote_char=False, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={"text": pa.string()}, strings_can_be_null=False
            ),
        ).column("text")
        text = pl.Series("text", lines).str.strip_suffix("\r")
        bad_texts = {m.text for m in self.malformed}
        numbers = np.arange(1, len(text) + 1, dtype=np.int64)
        is_bad = text.is_in(list(bad_texts)).to_numpy()
        is_bad[0] = False
        bad_lines = numbers[is_bad]
        self.line_map = numbers[1:][~is_bad[1:]]
        self.malformed = [
            Malformed(int(n), str(text[int(n) - 1]), "wrong number of fields") for n in bad_lines
        ]


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


@dataclass
class ExcelFile:
    """The first sheet (or a named one) of an .xlsx workbook, as text columns."""

    path: Path
    sheet: str | None = None
    headers: list[str] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    line_map: Any = None

    def __post_init__(self) -> None:
        rows = self._rows()
        first = next(rows, None)
        if first is None or not any(v is not None for v in first):
            raise FileError(f"{self.path}, line 1: no header row")
        self.headers = [_cell_text(v).strip() for v in first]
        while self.headers and not self.headers[-1]:
            self.headers.pop()

    def _rows(self) -> Iterator[tuple[Any, ...]]:
        from openpyxl import load_workbook

        workbook = load_workbook(self.path, read_only=True, data_only=True)
        try:
            if self.sheet is None:
                sheet = workbook.worksheets[0]
            elif self.sheet in workbook.sheetnames:
                sheet = workbook[self.sheet]
            else:
                raise FileError(f"{self.path}: no sheet {self.sheet!r} ({workbook.sheetnames})")
            yield from sheet.iter_rows(values_only=True)
        finally:
            workbook.close()

    def batches(self) -> Iterator[pl.DataFrame]:
        """The rows after the header, in batches, with their spreadsheet row numbers."""
        width = len(self.headers)
        columns: list[list[str]] = [[] for _ in range(width)]
        lines: list[int] = []
        for number, row in enumerate(self._rows(), start=1):
            if number == 1:
                continue
            cells = [_cell_text(v) for v in row[:width]] + [""] * max(0, width - len(row))
            extra = [v for v in row[width:] if v is not None]
            if extra:
                self.malformed.append(
                    Malformed(number, ",".join(map(_cell_text, row)), "cells beyond the header")
                )
                continue
            for column, cell in zip(columns, cells, strict=True):
                column.append(cell)
            lines.append(number)
            if len(lines) >= EXCEL_BATCH_ROWS:
                yield self._frame(columns, lines)
                columns, lines = [[] for _ in range(width)], []
        if lines:
            yield self._frame(columns, lines)

    def _frame(self, columns: list[list[str]], lines: list[int]) -> pl.DataFrame:
        data: dict[str, Any] = {
            h: pl.Series(h, c, dtype=pl.String) for h, c in zip(self.headers, columns, strict=True)
        }
        data[LINE] = pl.Series(LINE, lines, dtype=pl.Int64)
        return _drop_blank(pl.DataFrame(data), self.headers)

    def locate_malformed(self) -> None:
        """Excel rows carry their own numbers: nothing to locate."""


@dataclass
class ParquetFile:
    """A Parquet file in row batches, its columns keeping their types."""

    path: Path
    headers: list[str] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    line_map: Any = None

    def __post_init__(self) -> None:
        import pyarrow.parquet as pq

        self.headers = list(pq.ParquetFile(self.path).schema_arrow.names)

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

    def locate_malformed(self) -> None:
        """Parquet has no malformed rows."""


FeedFile = CsvFile | ExcelFile | ParquetFile


def blocks(feed: FeedFile) -> Iterator[Block]:
    """The feed's batches, with what is known of their text (CSV only)."""
    if isinstance(feed, CsvFile):
        yield from feed.blocks()
    else:
        for frame in feed.batches():
            yield Block(frame)


def open_feed(path: Path, *, sheet: str | None = None) -> FeedFile:
    """The reader for ``path``, chosen by its extension."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return CsvFile(path)
    if suffix in (".xlsx", ".xlsm"):
        return ExcelFile(path, sheet=sheet)
    if suffix == ".parquet":
        return ParquetFile(path)
    raise FileError(
        f"{path}: unsupported file type {suffix or '(none)'}; use CSV, .xlsx or Parquet"
    )
