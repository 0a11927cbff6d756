"""Tables as files people open: CSV (UTF-8 with BOM, so Excel reads Chinese) and Excel.

Cells come from the caller (a chart's data, a page's table), so they are treated as hostile:
text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) is
written so it stays text — a leading apostrophe in CSV, a string cell in Excel.

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
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
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
    ws.append([_printable(str(guard(c))) for c in sheet.columns])
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in sheet.rows:
        ws.append([None] * len(row))
        for col, value in enumerate(row, start=1):
            _put(ws.cell(row=ws.max_row, column=col), value)
    ws.append([])
    ws.append([_printable(sheet.footer())])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _put(cell: Any, value: Cell) -> None:
    # A string cell is never a formula, whatever it starts with; openpyxl would otherwise
    # store '=...' as one.
    cell.value = _printable(value) if isinstance(value, str) else value
    if isinstance(value, str):
        cell.data_type = "s"


def _printable(text: str) -> str:
    """``text`` without the control characters a workbook cannot hold (Excel refuses them)."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", text))


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in title).strip()
    return (cleaned or "Sheet")[:MAX_SHEET_TITLE]
