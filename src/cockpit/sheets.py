"""Tables as files people open: CSV (UTF-8 with BOM, so Excel reads Chinese) and Excel.

Cells come from the caller (a chart's data, a page's table), so they are treated as hostile:
text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR, LF) is
written so it stays text — a leading apostrophe in CSV; in Excel a string cell with the
quote prefix (``put_text``), which keeps the text as written and stays text when a user
edits the cell.

    >>> guard("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> guard("-3.2%")
    "'-3.2%"
    >>> guard(-3.2)
    -3.2
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from cockpit.format import SHANGHAI

Cell = str | int | float | None
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
MAX_SHEET_TITLE = 31  # Excel's limit on a sheet name


def guard(value: Cell) -> Cell:
    """``value`` as a cell no spreadsheet will evaluate (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class Sheet:
    """A titled table: what it shows (title, the filters as subtitle), columns, rows, source."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    subtitle: str = ""
    source: str = ""
    made_at: datetime = field(default_factory=lambda: datetime.now(SHANGHAI))

    def footer(self) -> str:
        stamp = self.made_at.strftime("%Y-%m-%d %H:%M")
        return f"{self.source} · {stamp}" if self.source else stamp


def to_csv(sheet: Sheet) -> bytes:
    """The rows under one header line; title and source go in the file name and Excel."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([guard(c) for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow([guard(c) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(sheet: Sheet) -> bytes:
    """A workbook: title, subtitle (filters), header, rows, then source and date."""
    book = Workbook()
    ws = book.active
    assert ws is not None  # a new workbook always has its first sheet
    ws.title = _sheet_title(_printable(sheet.title))
    ws.append([_printable(sheet.title)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([_printable(sheet.subtitle)])
    ws.append([None] * len(sheet.columns))
    for col, name in enumerate(sheet.columns, start=1):
        put_text(ws.cell(row=3, column=col), str(name)).font = Font(bold=True)
    for row in sheet.rows:
        ws.append([None] * len(row))
        for col, value in enumerate(row, start=1):
            _put(ws.cell(row=ws.max_row, column=col), value)
    ws.append([])
    ws.append([_printable(sheet.footer())])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def put_text(cell: Any, text: str) -> Any:
    """Write ``text`` into an openpyxl ``cell`` as text no spreadsheet evaluates: a string
    cell (openpyxl would otherwise store '=...' as a formula), with Excel's quote prefix
    where it begins like a formula, so it stays text when a user edits it."""
    cell.value = _printable(text)
    cell.data_type = "s"
    cell.quotePrefix = text.startswith(FORMULA_START)
    return cell


def _put(cell: Any, value: Cell) -> None:
    if isinstance(value, str):
        put_text(cell, value)
    else:
        cell.value = value


def _printable(text: str) -> str:
    """``text`` without the control characters a workbook cannot hold (Excel refuses them)."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", text))


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in title).strip()
    return (cleaned or "Sheet")[:MAX_SHEET_TITLE]
