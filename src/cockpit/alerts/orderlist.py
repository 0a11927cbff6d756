"""Order + List (订单+清单): early warning for the key foreign-trade enterprises.

Inputs are the lake's ``trade_enterprises`` (enterprise_id, name, district_code, products,
markets) and ``trade_orders`` (enterprise_id, month, orders_in_hand_fen, new_orders_fen,
export_value_fen) tables as pandas frames. Each warning names the enterprise (or the
district, or the List) and carries the figures that show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cockpit.alerts.findings import (
    Finding,
    describe,
    fmt_pct,
    fmt_yuan,
    month_index,
    month_name,
    subject_key,
)
from cockpit.alerts.rules import MissedReportRule, OrdersDropRule, OrdersTotalDropRule

if TYPE_CHECKING:
    import pandas as pd

MEASURE_ZH = {
    "new_orders_fen": "新增订单",
    "orders_in_hand_fen": "在手订单",
    "export_value_fen": "出口额",
}
MEASURE_EN = {
    "new_orders_fen": "new orders",
    "orders_in_hand_fen": "orders in hand",
    "export_value_fen": "export value",
}
SPARK = "▁▂▃▄▅▆▇█"


def indexed_orders(orders: pd.DataFrame) -> pd.DataFrame:
    """Orders with a month index, monthly rows only, one row per enterprise and month."""
    frame = orders.assign(month_ix=orders["month"].map(month_index)).dropna(subset=["month_ix"])
    frame = frame.assign(
        month_ix=frame["month_ix"].astype(int), enterprise_id=frame["enterprise_id"].astype(str)
    )
    return frame.drop_duplicates(subset=["enterprise_id", "month_ix"], keep="last")


def latest_report_month(orders: pd.DataFrame, as_of: str | None = None) -> int | None:
    """The month judged: ``as_of``, else the newest month any enterprise reported."""
    if as_of is not None:
        return month_index(as_of)
    frame = indexed_orders(orders)
    return None if frame.empty else int(frame["month_ix"].max())


def _drops(
    rule: OrdersDropRule, now: float, values: dict[int, float], month: int
) -> list[dict[str, Any]]:
    out = []
    for basis, lag, share in (("yoy", 12, rule.yoy_drop), ("mom", 1, rule.mom_drop)):
        base = values.get(month - lag)
        if share is None or base is None or base <= 0 or base < rule.min_base_fen:
            continue
        change = now / base - 1.0
        if change <= -share:
            out.append(
                {
                    "basis": basis,
                    "base_period": month_name(month - lag),
                    "base_fen": int(base),
                    "change_pct": round(change * 100.0, 2),
                    "declared_drop_pct": share * 100.0,
                }
            )
    return out


def _drop_text(rule: OrdersDropRule, drops: list[dict[str, Any]]) -> tuple[str, str]:
    zh = "，".join(
        f"{'同比' if d['basis'] == 'yoy' else '环比'}{fmt_pct(d['change_pct'])}"
        f"（{d['base_period']} {fmt_yuan(d['base_fen'])}）"
        for d in drops
    )
    en = ", ".join(
        f"{fmt_pct(d['change_pct'])} {'year on year' if d['basis'] == 'yoy' else 'month on month'}"
        f" (from {fmt_yuan(d['base_fen'], 'en')} in {d['base_period']})"
        for d in drops
    )
    return zh, en


def detect_enterprise_drops(
    rule: OrdersDropRule,
    enterprises: pd.DataFrame,
    orders: pd.DataFrame,
    *,
    as_of: str | None = None,
) -> list[Finding]:
    """Enterprises whose measure in the judged month fell by the declared share."""
    frame = indexed_orders(orders)
    month = latest_report_month(orders, as_of)
    if month is None:
        return []
    names = _names(enterprises)
    findings = []
    for enterprise, group in frame.groupby("enterprise_id", sort=True):
        values = dict(zip(group["month_ix"], group[rule.measure].astype(float), strict=True))
        if month not in values:
            continue  # a missing report is the missed-report rule's business
        drops = _drops(rule, values[month], values, month)
        if drops:
            info = names.get(str(enterprise), {"name": str(enterprise), "district_code": ""})
            findings.append(
                _enterprise_finding(rule, str(enterprise), info, values[month], month, drops)
            )
    return findings


def _names(enterprises: pd.DataFrame) -> dict[str, dict[str, str]]:
    return {
        str(row["enterprise_id"]): {
            "name": str(row["name"]),
            "district_code": str(row["district_code"] or ""),
        }
        for row in enterprises.to_dict("records")
    }


def _enterprise_finding(
    rule: OrdersDropRule,
    enterprise: str,
    info: dict[str, str],
    now: float,
    month: int,
    drops: list[dict[str, Any]],
) -> Finding:
    zh, en = _drop_text(rule, drops)
    period = month_name(month)
    return Finding(
        rule_id=rule.id,
        kind=rule.kind,
        severity=rule.severity,
        subject=subject_key({"enterprise_id": enterprise}),
        period=period,
        title_zh=rule.title.zh,
        title_en=rule.title.en,
        summary_zh=f"{info['name']}（{enterprise}）{period} {MEASURE_ZH[rule.measure]} "
        f"{fmt_yuan(now)}，{zh}",
        summary_en=f"{info['name']} ({enterprise}) {MEASURE_EN[rule.measure]} in {period}: "
        f"{fmt_yuan(now, 'en')}, {en}",
        evidence={
            "enterprise_id": enterprise,
            "name": info["name"],
            "district_code": info["district_code"],
            "period": period,
            "measure": rule.measure,
            "value_fen": int(now),
            "drops": drops,
        },
    )


def detect_total_drops(
    rule: OrdersTotalDropRule,
    enterprises: pd.DataFrame,
    orders: pd.DataFrame,
    *,
    as_of: str | None = None,
) -> list[Finding]:
    """The List's (or each district's) total fell by the declared share.

    Totals compare like for like: only enterprises that reported in both months count,
    so one missed report does not read as a collapse of the whole List.
    """
    frame = indexed_orders(orders)
    month = latest_report_month(orders, as_of)
    if month is None:
        return []
    districts = {k: v["district_code"] for k, v in _names(enterprises).items()}
    frame = frame.assign(district_code=frame["enterprise_id"].map(districts).fillna(""))
    groups = [("", frame)] if rule.level == "list" else list(frame.groupby("district_code"))
    findings = []
    for district, group in groups:
        finding = _total_finding(rule, str(district), group, month)
        if finding is not None:
            findings.append(finding)
    return findings


def _like_for_like(
    group: pd.DataFrame, measure: str, month: int, lag: int
) -> tuple[float, float, int]:
    now = group[group["month_ix"] == month].set_index("enterprise_id")[measure]
    base = group[group["month_ix"] == month - lag].set_index("enterprise_id")[measure]
    both = now.index.intersection(base.index)
    return float(now[both].sum()), float(base[both].sum()), len(both)


def _total_finding(
    rule: OrdersTotalDropRule, district: str, group: pd.DataFrame, month: int
) -> Finding | None:
    drops: list[dict[str, Any]] = []
    for basis, lag, share in (("yoy", 12, rule.yoy_drop), ("mom", 1, rule.mom_drop)):
        now, base, count = _like_for_like(group, rule.measure, month, lag)
        if share is None or base <= 0 or base < rule.min_base_fen:
            continue
        change = now / base - 1.0
        if change <= -share:
            drops.append(
                {
                    "basis": basis,
                    "base_period": month_name(month - lag),
                    "base_fen": int(base),
                    "value_fen": int(now),
                    "enterprises": count,
                    "change_pct": round(change * 100.0, 2),
                    "declared_drop_pct": share * 100.0,
                }
            )
    if not drops:
        return None
    period = month_name(month)
    zh, en = _drop_text(rule, drops)
    scope_zh = describe({"district_code": district}, "zh") if district else "重点外贸企业清单"
    scope_en = describe({"district_code": district}, "en") if district else "the List"
    return Finding(
        rule_id=rule.id,
        kind=rule.kind,
        severity=rule.severity,
        subject=subject_key({"district_code": district} if district else {"scope": "list"}),
        period=period,
        title_zh=rule.title.zh,
        title_en=rule.title.en,
        summary_zh=f"{scope_zh} {period} {MEASURE_ZH[rule.measure]}合计 "
        f"{fmt_yuan(float(drops[0]['value_fen']))}，{zh}",
        summary_en=f"{scope_en}: total {MEASURE_EN[rule.measure]} in {period} "
        f"{fmt_yuan(float(drops[0]['value_fen']), 'en')}, {en}",
        evidence={
            "district_code": district,
            "period": period,
            "measure": rule.measure,
            "drops": drops,
        },
    )


def detect_missed_reports(
    rule: MissedReportRule,
    enterprises: pd.DataFrame,
    orders: pd.DataFrame,
    *,
    as_of: str | None = None,
) -> list[Finding]:
    """Enterprises on the List with no report for the judged month (after the grace)."""
    frame = indexed_orders(orders)
    month = latest_report_month(orders, as_of)
    if month is None:
        return []
    last = frame[frame["month_ix"] <= month].groupby("enterprise_id")["month_ix"].max()
    findings = []
    for enterprise, info in sorted(_names(enterprises).items()):
        last_ix = last.get(enterprise)
        if last_ix is not None and int(last_ix) >= month - rule.grace_months:
            continue
        findings.append(_missed_finding(rule, enterprise, info, last_ix, month))
    return findings


def _missed_finding(
    rule: MissedReportRule, enterprise: str, info: dict[str, str], last_ix: Any, month: int
) -> Finding:
    period = month_name(month)
    last = month_name(int(last_ix)) if last_ix is not None else None
    missed = month - int(last_ix) if last_ix is not None else None
    since_zh = f"最近一次报送为 {last}，已缺报 {missed} 个月" if last else "从未报送"
    since_en = f"last report {last}, {missed} month(s) missing" if last else "never reported"
    return Finding(
        rule_id=rule.id,
        kind=rule.kind,
        severity=rule.severity,
        subject=subject_key({"enterprise_id": enterprise}),
        period=period,
        title_zh=rule.title.zh,
        title_en=rule.title.en,
        summary_zh=f"{info['name']}（{enterprise}）未报送 {period} 订单数据，{since_zh}",
        summary_en=f"{info['name']} ({enterprise}) sent no order report for {period}; {since_en}",
        evidence={
            "enterprise_id": enterprise,
            "name": info["name"],
            "district_code": info["district_code"],
            "period": period,
            "last_report": last,
            "months_missing": missed,
        },
    )


@dataclass(frozen=True)
class EnterpriseTrend:
    """One line of the Order + List view."""

    enterprise_id: str
    name: str
    district_code: str
    products: str
    markets: str
    last_month: str | None
    new_orders_fen: int | None
    orders_in_hand_fen: int | None
    export_value_fen: int | None
    new_orders_yoy_pct: float | None
    new_orders_mom_pct: float | None
    trend_months: list[str]
    trend_new_orders_fen: list[int | None]
    sparkline: str


def sparkline(values: list[int | None]) -> str:
    """A one-line chart of a series (a space where a month is missing)."""
    present = [v for v in values if v is not None]
    if not present:
        return ""
    lo, hi = min(present), max(present)
    span = (hi - lo) or 1
    return "".join(
        " " if v is None else SPARK[round((v - lo) / span * (len(SPARK) - 1))] for v in values
    )


def orderlist_trends(
    enterprises: pd.DataFrame,
    orders: pd.DataFrame,
    *,
    months: int = 12,
    as_of: str | None = None,
) -> list[EnterpriseTrend]:
    """Every enterprise on the List with its last report and its new orders of recent months."""
    frame = indexed_orders(orders)
    month = latest_report_month(orders, as_of)
    span = list(range(month - months + 1, month + 1)) if month is not None else []
    by_enterprise = {str(k): g.set_index("month_ix") for k, g in frame.groupby("enterprise_id")}
    trends = []
    records = [{str(k): v for k, v in r.items()} for r in enterprises.to_dict("records")]
    for row in sorted(records, key=lambda r: str(r["enterprise_id"])):
        group = by_enterprise.get(str(row["enterprise_id"]))
        trends.append(_trend(row, group, span, month))
    return trends


def _value(group: pd.DataFrame | None, month: int | None, column: str) -> int | None:
    if group is None or month is None or month not in group.index:
        return None
    return int(group[column].loc[month])


def _growth(now: int | None, base: int | None) -> float | None:
    if now is None or base is None or base <= 0:
        return None
    return round((now / base - 1.0) * 100.0, 2)


def _trend(
    row: dict[str, Any], group: pd.DataFrame | None, span: list[int], month: int | None
) -> EnterpriseTrend:
    last = int(group.index.max()) if group is not None and month is not None else None
    if last is not None and month is not None and last > month:
        last = max((m for m in group.index if m <= month), default=None)  # type: ignore[union-attr]
    series = [_value(group, m, "new_orders_fen") for m in span]
    new = _value(group, last, "new_orders_fen")
    return EnterpriseTrend(
        enterprise_id=str(row["enterprise_id"]),
        name=str(row["name"]),
        district_code=str(row["district_code"] or ""),
        products=str(row.get("products") or ""),
        markets=str(row.get("markets") or ""),
        last_month=month_name(last) if last is not None else None,
        new_orders_fen=new,
        orders_in_hand_fen=_value(group, last, "orders_in_hand_fen"),
        export_value_fen=_value(group, last, "export_value_fen"),
        new_orders_yoy_pct=_growth(new, _value(group, last - 12, "new_orders_fen"))
        if last is not None
        else None,
        new_orders_mom_pct=_growth(new, _value(group, last - 1, "new_orders_fen"))
        if last is not None
        else None,
        trend_months=[month_name(m) for m in span],
        trend_new_orders_fen=series,
        sparkline=sparkline(series),
    )
