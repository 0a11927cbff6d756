"""Excel downloads of the room: the 招商 target list (gap list with candidates) and the
firm list. Text from office lists is untrusted: a cell that a spreadsheet would run as a
formula (``=``, ``+``, ``-``, ``@``, tab, carriage return first) is written as text with a
leading apostrophe, so opening the file runs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO
from typing import Any

from cockpit.industry.atlas import NodeView
from cockpit.sheets import guard

COVERAGE_ZH = {"strong": "强", "weak": "弱", "gap": "缺失"}


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet may hold it without running it (lists joined as one cell)."""
    if isinstance(value, list):
        return guard("；".join(str(v) for v in value))
    return guard(value)


def _yuan_wan(fen: int | None) -> float | None:
    return None if fen is None else round(fen / 100 / 10_000, 2)


def target_list_rows(gaps: Iterable[NodeView]) -> list[list[Any]]:
    """One row per (gap node, candidate); a gap with no candidate still gets a row."""
    rows: list[list[Any]] = []
    for v in gaps:
        head = [v.chain_id, v.segment_zh, v.node_zh, COVERAGE_ZH[v.coverage], len(v.confirmed)]
        if not v.candidates:
            rows.append([*head, "", "", "", None, "", ""])
        for c in v.candidates:
            rows.append(
                [
                    *head,
                    c.name_zh,
                    c.credit_code,
                    c.region_zh,
                    _yuan_wan(c.revenue_fen),
                    c.designations,
                    c.source,
                ]
            )
    return rows


TARGET_HEADER = [
    "产业链",
    "环节",
    "节点",
    "本地覆盖",
    "本地确认企业数",
    "目标企业",
    "统一社会信用代码",
    "所在地区",
    "营业收入(万元)",
    "资质",
    "信息来源",
]
FIRM_HEADER = [
    "统一社会信用代码",
    "企业名称",
    "区县代码",
    "所在园区",
    "企业规模",
    "营业收入(万元)",
    "营收年度",
    "从业人员",
    "有效认定",
    "产业链节点",
]


def firm_rows(firms: Iterable[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            f["credit_code"],
            f["name_zh"],
            f["district_code"],
            f["park"],
            f["size"],
            _yuan_wan(f["revenue_fen"]),
            f["revenue_year"],
            f["employees"],
            f["designations"],
            f["nodes"],
        ]
        for f in firms
    ]


def workbook_bytes(title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    """An .xlsx of one sheet, every cell guarded."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    ws.append(header)
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
