"""Data freshness: a source, or a merchant that used to trade daily, that stops reporting.

Input: an ``activity`` frame, one row per (``source``, ``merchant_id``, ``date``) with
sales, optionally ``closed_on`` (a merchant closed on purpose is not a stopped feed).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from cockpit.alerts.findings import Finding, subject_key
from cockpit.alerts.rules import FreshnessRule

if TYPE_CHECKING:
    import pandas as pd


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    import pandas as pd

    return pd.Timestamp(str(value)).date()


def reference_day(activity: pd.DataFrame, today: dt.date | None) -> dt.date | None:
    """The day silences are measured to: ``today``, else the newest day in the data."""
    if today is not None:
        return today
    if activity.empty:
        return None
    return _as_date(activity["date"].max())


def source_last_days(activity: pd.DataFrame) -> dict[str, dt.date]:
    """Each source's newest day with data."""
    last = activity.groupby("source")["date"].max()
    return {str(source): _as_date(day) for source, day in last.items()}


def detect_stale_sources(
    rule: FreshnessRule, activity: pd.DataFrame, *, today: dt.date | None = None
) -> list[Finding]:
    """Sources with no data for more than ``max_silence_days``."""
    as_of = reference_day(activity, today)
    if as_of is None:
        return []
    findings = []
    for source, last in sorted(source_last_days(activity).items()):
        silence = (as_of - last).days
        if silence > rule.max_silence_days:
            findings.append(
                Finding(
                    rule_id=rule.id,
                    kind=rule.kind,
                    severity=rule.severity,
                    subject=subject_key({"source": source}),
                    period=as_of.isoformat(),
                    title_zh=rule.title.zh,
                    title_en=rule.title.en,
                    summary_zh=f"数据源 {source} 自 {last} 起已 {silence} 天无数据",
                    summary_en=f"source {source} has sent no data for {silence} days "
                    f"(last day {last})",
                    evidence={
                        "source": source,
                        "last_date": last.isoformat(),
                        "silence_days": silence,
                        "as_of": as_of.isoformat(),
                    },
                )
            )
    return findings


def detect_silent_merchants(
    rule: FreshnessRule, activity: pd.DataFrame, *, today: dt.date | None = None
) -> list[Finding]:
    """Merchants that traded regularly and then fell silent in every source still reporting.

    A merchant is judged over all the sources that carry it (a shop paid by card and by
    wallet is silent only when both are). A silence fires only when it is improbable at the
    merchant's own rate of trading days, so a shop that sells twice a week is not flagged
    after four quiet days.
    """
    as_of = reference_day(activity, today)
    if as_of is None or activity.empty:
        return []
    live_sources = {
        s
        for s, last in source_last_days(activity).items()
        if (as_of - last).days <= rule.max_silence_days
    }
    live = activity[activity["source"].astype(str).isin(live_sources)]
    findings = []
    for row in _merchant_stats(rule, live, as_of).to_dict("records"):
        finding = _merchant_finding(rule, {str(k): v for k, v in row.items()}, as_of)
        if finding is not None:
            findings.append(finding)
    return findings


def _merchant_stats(rule: FreshnessRule, live: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per merchant still open: its sources, last day, silence and active days before it."""
    import pandas as pd

    days = live[["merchant_id", "source", "date"]].copy()
    days["date"] = pd.to_datetime(days["date"])
    if "closed_on" in live.columns:
        closed = pd.to_datetime(live["closed_on"])
        days = days[~(closed.notna() & (closed <= pd.Timestamp(as_of))).to_numpy()]
    last = days.groupby("merchant_id")["date"].max().rename("last")
    days = days.join(last, on="merchant_id")
    stats = last.to_frame()
    stats["silence"] = (pd.Timestamp(as_of) - stats["last"]).dt.days
    silent = stats[stats["silence"] > rule.max_silence_days]
    recent = days[days["merchant_id"].isin(silent.index)]
    recent = recent[recent["date"] > recent["last"] - pd.Timedelta(days=rule.window_days)]
    grouped = recent.groupby("merchant_id")
    silent = silent.assign(
        active=grouped["date"].nunique(),
        sources=grouped["source"].agg(lambda s: ";".join(sorted({str(x) for x in s}))),
    )
    return silent.reset_index()


def _merchant_finding(rule: FreshnessRule, row: dict[str, Any], as_of: dt.date) -> Finding | None:
    active, silence = int(row["active"]), int(row["silence"])
    last, merchant, source = _as_date(row["last"]), str(row["merchant_id"]), str(row["sources"])
    rate = active / rule.window_days
    chance = (1.0 - rate) ** silence
    if active < rule.min_active_days or chance >= rule.max_chance:
        return None
    return Finding(
        rule_id=rule.id,
        kind=rule.kind,
        severity=rule.severity,
        subject=subject_key({"merchant_id": merchant}),
        period=as_of.isoformat(),
        title_zh=rule.title.zh,
        title_en=rule.title.en,
        summary_zh=f"商户 {merchant}（{source}）此前{rule.window_days}天中{active}天有交易，"
        f"自 {last} 起已 {silence} 天无数据",
        summary_en=f"merchant {merchant} ({source}) traded on {active} of {rule.window_days} "
        f"days, then sent nothing for {silence} days (last day {last})",
        evidence={
            "source": source,
            "merchant_id": merchant,
            "last_date": last.isoformat(),
            "silence_days": silence,
            "active_days": active,
            "chance": round(chance, 6),
            "as_of": as_of.isoformat(),
        },
    )
