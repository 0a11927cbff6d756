"""An Excel workbook of every target's status, for reporting upward."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from cockpit.plans.service import PlanProgress

STATUS_ZH = {
    "on_track": "正常推进",
    "at_risk": "存在风险",
    "off_track": "进度滞后",
    "achieved": "已完成",
    "no_data": "暂无数据",
}
STATUS_FILL = {
    "on_track": "C6EFCE",
    "at_risk": "FFEB9C",
    "off_track": "FFC7CE",
    "achieved": "BDD7EE",
    "no_data": "EDEDED",
}
TARGET_HEADERS = [
    "计划 Plan",
    "指标 Target",
    "Target (en)",
    "单位 Unit",
    "基期 Baseline year",
    "基期值 Baseline",
    "目标年 Target year",
    "目标值 Target",
    "最新年 Actual year",
    "最新值 Actual",
    "应达值 Required",
    "差距 Gap",
    "预计值 Projected",
    "达成概率 Probability",
    "状态 Status",
    "Status (en)",
    "来源 Source",
]
TASK_HEADERS = [
    "计划 Plan",
    "序号 No.",
    "任务",
    "Task",
    "责任单位 Responsible",
    "佐证 Evidence",
    "状态 Status",
]


def _display(value: float | None, unit: str) -> float | None:
    # Money is kept in fen; reports upward read 亿元.
    if value is None:
        return None
    return round(value / 100 / 1e8, 4) if unit == "fen" else round(value, 4)


def write_workbook(progress: list[PlanProgress], path: str | Path) -> Path:
    """Write one sheet of targets and one of tasks; money in 亿元."""
    book = Workbook()
    sheet = book.active
    sheet.title = "目标 Targets"
    sheet.append(TARGET_HEADERS)
    for plan in progress:
        sources = {t.id: t.source.clause for t in plan.plan.targets}
        for t in plan.targets:
            unit = "亿元" if t.unit == "fen" else t.unit
            sheet.append(
                [
                    plan.plan.name_zh,
                    t.name_zh,
                    t.name_en,
                    unit,
                    t.baseline_year,
                    _display(t.baseline_value, t.unit),
                    t.target_year,
                    _display(t.target_value, t.unit),
                    t.actual_year,
                    _display(t.actual, t.unit),
                    _display(t.required_now, t.unit),
                    _display(t.gap, t.unit),
                    _display(t.projected, t.unit),
                    round(t.probability, 3) if t.probability is not None else None,
                    STATUS_ZH[t.status],
                    t.status,
                    sources[t.target_id],
                ]
            )
            fill = PatternFill("solid", fgColor=STATUS_FILL[t.status])
            sheet.cell(row=sheet.max_row, column=15).fill = fill
    tasks = book.create_sheet("任务 Tasks")
    tasks.append(TASK_HEADERS)
    for plan in progress:
        for task in plan.plan.tasks:
            tasks.append(
                [
                    plan.plan.name_zh,
                    task.number,
                    task.name_zh,
                    task.name_en,
                    task.responsible,
                    task.evidence,
                    task.status,
                ]
            )
    for ws in (sheet, tasks):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    out = Path(path)
    book.save(out)
    return out
