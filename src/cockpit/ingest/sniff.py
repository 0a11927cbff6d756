"""What a feed file is before it is read: text or not, its encoding (naming the line where a
second encoding starts), its separator, and where its header is under title and note lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

SNIFF_BYTES = 1 << 20
HEADER_SEARCH_LINES = 20  # title and note lines above the header, at most
MIN_HEADER_FIELDS = 2  # a header names at least this many fields of a contract
# Headers Excel, pandas and WPS give columns that had none.
_UNNAMED = re.compile(r"^(?:unnamed:?\s*\d+|列\s*\d+|column\s*\d+|field\s*\d+|)$", re.IGNORECASE)
_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (an .xlsx or .docx renamed?)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 (.xls) or other OLE file: save it as .xlsx or CSV"),
    (b"PAR1", "a Parquet file: name it .parquet"),
)
_CJK = re.compile(r"[\u4e00-\u9fff]")


class FileError(ValueError):
    """A file that cannot be read at all, naming the file and what is wrong."""


def refuse_binary(path: Path) -> None:
    """Refuse a file that is not text (a binary renamed ``.csv``), saying what it looks like."""
    with path.open("rb") as handle:
        head = handle.read(8192)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise FileError(f"{path}: not a text file: it starts like {what}")
    if b"\x00" in head:
        at = head.index(b"\x00")
        raise FileError(f"{path}: not a text file (binary bytes at byte {at})")


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-16, utf-8 or gb18030 (which also reads GBK), from the bytes themselves.

    The first chunk holding non-ASCII bytes is read line by line: lines in UTF-8 beside lines
    that are not make a file in two encodings, refused with the first line that differs.
    """
    with path.open("rb") as handle:
        head = handle.read(3)
        if head == b"\xef\xbb\xbf":
            return "utf-8-sig"
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return "utf-16"
        handle.seek(0)
        lines_before = 0
        while chunk := handle.read(SNIFF_BYTES):
            if chunk.isascii():
                lines_before += chunk.count(b"\n")
                continue
            chunk += handle.readline()  # whole lines only
            return _encoding_of_lines(path, chunk, lines_before)
    return "utf-8"


def _encoding_of_lines(path: Path, chunk: bytes, lines_before: int) -> str:
    kinds: list[tuple[int, bool]] = []  # (line, is UTF-8) of each non-ASCII line
    for number, line in enumerate(chunk.split(b"\n"), start=lines_before + 1):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            kinds.append((number, False))
            continue
        # A short GBK line can be valid UTF-8 by chance; Chinese text in UTF-8 is not chance.
        kinds.append((number, len(_CJK.findall(text)) >= 2 or not kinds or kinds[0][1]))
    first_utf8 = kinds[0][1]
    for number, utf8 in kinds:
        if utf8 != first_utf8:
            before = "UTF-8" if first_utf8 else "GB18030/GBK"
            raise FileError(
                f"{path}, line {number}: not {before} like the lines before it (line "
                f"{kinds[0][0]} is): the file mixes two encodings; save it again in one"
            )
    if first_utf8:
        return "utf-8"
    for number, line in enumerate(chunk.split(b"\n"), start=lines_before + 1):
        try:
            line.decode("gb18030")
        except UnicodeDecodeError:
            raise FileError(f"{path}, line {number}: neither UTF-8 nor GB18030 text") from None
    return "gb18030"


def first_undecodable_line(path: Path, encoding: str) -> int | None:
    """The first line of ``path`` that ``encoding`` cannot decode (for errors past the sniff)."""
    if encoding == "utf-16":
        return None
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode(codec)
            except UnicodeDecodeError:
                return number
    return None


def delimiter_of(lines: Sequence[str]) -> str:
    """Tab when the first lines hold more tabs than commas (Excel's "Unicode text"), else comma."""
    text = "".join(lines)
    return "\t" if text.count("\t") > text.count(",") else ","


@dataclass
class Header:
    """Where the header is, the columns it names, and what was noted on the way."""

    line: int  # 1-based line of the file (or row of the sheet)
    names: list[str]  # one per column; blank and unnamed columns as ``_blank_<n>``
    notes: list[str] = field(default_factory=list)

    @property
    def kept(self) -> list[str]:
        """The columns that have a name."""
        return [n for n in self.names if not n.startswith("_blank_")]


def _fields_named(cells: Sequence[str], source: str | None) -> int:
    from cockpit.ingest.contracts import contracts, map_headers

    sources = contracts().sources
    chosen = [sources[source]] if source in sources else list(sources.values())
    return max(len(map_headers(c, [x for x in cells if x]).columns) for c in chosen)


def find_header(
    path: Path, rows: Sequence[tuple[int, Sequence[str]]], source: str | None
) -> Header:
    """The header among the first rows ((line, cells) each): the first row naming the most
    fields of a contract (at least two); else the first row that is not blank.
    """
    filled = [(n, [c.strip() for c in cells]) for n, cells in rows if any(c.strip() for c in cells)]
    if not filled:
        raise FileError(f"{path}, line 1: no header row")
    scores = [_fields_named(cells, source) for _, cells in filled]
    best = max(scores)
    at = scores.index(best) if best >= MIN_HEADER_FIELDS else 0
    line, cells = filled[at]
    notes = [f"line {n}: title line skipped: {_shown(c)}" for n, c in filled[:at]]
    if line > 1:
        notes.append(f"header on line {line}")
    return Header(line, name_columns(path, line, cells, notes), notes)


def _shown(cells: Sequence[str]) -> str:
    text = " ".join(dict.fromkeys(c for c in cells if c))
    return repr(text if len(text) <= 60 else text[:57] + "...")


def name_columns(path: Path, line: int, cells: Sequence[str], notes: list[str]) -> list[str]:
    """Column names from header cells: blank and unnamed ones as ``_blank_<n>`` (noted);
    two columns under the same name are refused."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for number, cell in enumerate(cells, start=1):
        name = cell.strip().replace("\ufeff", "")
        if _UNNAMED.match(unicodedata.normalize("NFKC", name)):
            names.append(f"_blank_{number}")
            notes.append(f"column {number} has no header: ignored")
            continue
        if name in seen:
            raise FileError(
                f"{path}, line {line}: columns {seen[name]} and {number} are both headed "
                f"{name!r}; rename one"
            )
        seen[name] = number
        names.append(name)
    return names
