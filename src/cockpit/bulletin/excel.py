"""The bulletin as an Excel workbook: one sheet per table, numbers as numbers.

Numbers are written rounded as printed (亿元 and % to one decimal) with a ``0.0`` format, so
a cell equals the PDF's figure; suppressed cells hold "…". Every text cell goes through
``cockpit.sheets.put_text`` (a string cell, with Excel's quote prefix where it begins like a
formula), so a label that begins with = + - @ is never a formula.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from cockpit.bulletin import charts
from cockpit.bulletin.model import BASIS_MARK, Bulletin, Cell, Lang, Table
from cockpit.bulletin.text import headline_text
from cockpit.sheets import put_text

LABEL_WIDTH = 34  # characters: a Chinese label is about two Latin characters wide each
NUMBER_WIDTH = 16
BASIS_NOTE = {
    "estimated": "E 估算 estimated",
    "sample": "S 样本 sample",
    "derived": "D 推算 derived",
    "programme": "P 项目台账 programme ledger",
}


def safe_text(ws: Any, row: int, col: int, text: str) -> Any:
    """Write ``text`` as a string cell that Excel never evaluates (``sheets.put_text``)."""
    return put_text(ws.cell(row=row, column=col), text)


def _write_cell(ws: Any, row: int, col: int, c: Cell, lang: Lang) -> None:
    from openpyxl.comments import Comment

    value = c.rounded
    if value is None:
        target = safe_text(ws, row, col, c.display(lang))
    else:
        target = ws.cell(row=row, column=col, value=value)
        target.number_format = "0" if c.unit in ("rank", "count") else "0.0"
    if c.basis in BASIS_NOTE and value is not None:
        target.comment = Comment(BASIS_NOTE[c.basis], "cockpit")
    target.alignment = _right()


def _right() -> Any:
    from openpyxl.styles import Alignment

    return Alignment(horizontal="right")


def _sheet_name(title: str, used: set[str]) -> str:
    name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28]
    while name in used:
        name = name[:26] + f"{len(used)}"
    used.add(name)
    return name


def _table_sheet(wb: Any, table: Table, lang: Lang, used: set[str]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(_sheet_name(table.title(lang), used))
    safe_text(ws, 1, 1, table.title(lang)).font = Font(bold=True, size=12)
    safe_text(ws, 2, 1, "指标" if lang == "zh-CN" else "Item").font = Font(bold=True)
    for j, col in enumerate(table.columns, start=2):
        safe_text(ws, 2, j, col.label(lang)).font = Font(bold=True)
    for i, row in enumerate(table.rows, start=3):
        safe_text(ws, i, 1, ("  " * row.indent) + row.label(lang))
        for j, c in enumerate(row.cells, start=2):
            _write_cell(ws, i, j, c, lang)
    if table.note(lang):
        safe_text(ws, len(table.rows) + 4, 1, table.note(lang))
    ws.column_dimensions["A"].width = LABEL_WIDTH
    for j in range(2, len(table.columns) + 2):
        ws.column_dimensions[get_column_letter(j)].width = NUMBER_WIDTH
    ws.freeze_panes = "B3"


def _cover_sheet(wb: Any, b: Bulletin, lang: Lang, version: int | None) -> None:
    from openpyxl.styles import Alignment, Font

    ws = wb.active
    ws.title = "说明" if lang == "zh-CN" else "About"
    safe_text(ws, 1, 1, b.title(lang)).font = Font(bold=True, size=13)
    safe_text(ws, 2, 1, headline_text(b, lang)).alignment = Alignment(wrap_text=True)
    ws.row_dimensions[2].height = 110
    meta = [
        ("数据版本" if lang == "zh-CN" else "Data version", b.data_version),
        ("编制时间" if lang == "zh-CN" else "Computed at", b.computed_at),
        ("版次" if lang == "zh-CN" else "Issue", str(version or "")),
    ]
    for i, (k, v) in enumerate(meta, start=4):
        safe_text(ws, i, 1, k)
        safe_text(ws, i, 2, v)
    first = 4 + len(meta) + 1
    for i, (mark, note) in enumerate(BASIS_NOTE.items(), start=first):
        safe_text(ws, i, 1, BASIS_MARK[mark])
        safe_text(ws, i, 2, note)
    start = first + len(BASIS_NOTE) + 1
    for i, n in enumerate(b.notes, start=start):
        cell = safe_text(ws, i, 1, n.zh if lang == "zh-CN" else n.en)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=2)
        ws.row_dimensions[i].height = 60
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 60
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=2)


def _warnings_sheet(wb: Any, b: Bulletin, lang: Lang, used: set[str]) -> None:
    ws = wb.create_sheet(_sheet_name("预警提示" if lang == "zh-CN" else "Open warnings", used))
    for i, w in enumerate(b.warnings, start=1):
        safe_text(ws, i, 1, w.severity)
        safe_text(ws, i, 2, w.title_zh if lang == "zh-CN" else w.title_en)
        safe_text(ws, i, 3, w.summary_zh if lang == "zh-CN" else w.summary_en)
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["C"].width = 80


def _charts_sheet(wb: Any, b: Bulletin, lang: Lang, used: set[str]) -> None:
    from openpyxl.drawing.image import Image

    ws = wb.create_sheet(_sheet_name("图示" if lang == "zh-CN" else "Charts", used))
    row = 1
    for chart in b.charts:
        png = io.BytesIO(charts.render(chart, lang, "png"))
        image = Image(png)
        ws.add_image(image, f"A{row}")
        row += int(image.height / 20) + 2


def write_excel(b: Bulletin, lang: Lang, path: Path, *, version: int | None = None) -> Path:
    """Write the workbook: about, one sheet per table, warnings, charts."""
    from openpyxl import Workbook

    wb = Workbook()
    used: set[str] = set()
    _cover_sheet(wb, b, lang, version)
    used.add(wb.active.title)
    for table in b.tables:
        _table_sheet(wb, table, lang, used)
    _warnings_sheet(wb, b, lang, used)
    _charts_sheet(wb, b, lang, used)
    wb.save(path)
    return path
