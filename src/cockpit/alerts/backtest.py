"""Replay the rules month by month over a lake and score them against known events.

Used by the sample-city tests and ``benchmarks/alerts.py``: at the end of each month the rules
see only the data up to that month; a condition that fires in consecutive months is one
alert (as the lifecycle would keep it); each alert is matched to the injected events of
ground_truth.json. Recall: every event raised its right alert. Precision: the share of
alerts explained by an event. False alarms are counted per district and year.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cockpit.alerts.evaluate import AlertData, evaluate
from cockpit.alerts.findings import Finding, month_index, month_name
from cockpit.alerts.frames import load_activity, load_trade
from cockpit.alerts.rules import RuleSet
from cockpit.alerts.sources import load_forecasts, load_series, load_targets
from cockpit.lake import lake_of

# Which rule kinds are the *right* alert for each event kind the recall is judged on.
RIGHT_KINDS: dict[str, tuple[str, ...]] = {
    "district_slump": ("shift", "threshold", "runs", "anomaly"),
    "category_spike": ("threshold", "anomaly", "shift"),
    "exporter_collapse": ("orders_drop",),
    "feed_stop": ("freshness",),
}
AFTERMATH_MONTHS = 3  # an event explains alerts up to this long after it ends (windows lag)


@dataclass
class Alert:
    """A condition that fired over consecutive months, as one alert."""

    finding: Finding
    first: str
    last: str
    event: str | None = None


@dataclass
class Score:
    """How the rules did."""

    months: list[str]
    alerts: list[Alert]
    recall: dict[str, bool]
    districts: int
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def false_alarms(self) -> list[Alert]:
        return [a for a in self.alerts if a.event is None]

    @property
    def precision(self) -> float:
        return 1.0 - len(self.false_alarms) / len(self.alerts) if self.alerts else 1.0

    @property
    def years(self) -> float:
        return len(self.months) / 12.0

    @property
    def false_alarms_per_district_year(self) -> float:
        return len(self.false_alarms) / (self.districts * self.years)

    def summary(self) -> dict[str, Any]:
        """The figures as JSON-able data."""
        return {
            "months": f"{self.months[0]}..{self.months[-1]}",
            "alerts": len(self.alerts),
            "explained": len(self.alerts) - len(self.false_alarms),
            "false_alarms": len(self.false_alarms),
            "precision": round(self.precision, 4),
            "false_alarms_per_district_year": round(self.false_alarms_per_district_year, 4),
            "recall": self.recall,
            "skipped_rules": self.skipped,
            "false_alarm_list": [
                {
                    "rule": a.finding.rule_id,
                    "subject": a.finding.subject,
                    "from": a.first,
                    "to": a.last,
                    "summary": a.finding.summary_en,
                }
                for a in self.false_alarms
            ],
        }


def month_end(month: str) -> dt.date:
    """The last day of a ``YYYY-MM`` month."""
    year, mon = int(month[:4]), int(month[5:])
    return dt.date(year, mon, calendar.monthrange(year, mon)[1])


def replay(home: Path, ruleset: RuleSet, months: list[str]) -> tuple[list[Alert], dict[str, str]]:
    """Evaluate the rules at the end of each month; merge consecutive firings into alerts."""
    series = load_series(home)
    forecasts = load_forecasts(home)
    wants_targets = any(r.kind == "target_at_risk" for r in ruleset.enabled())
    targets = load_targets(home) if wants_targets else None
    activity = load_activity(lake_of(home), until=month_end(months[-1]), days=100_000)
    enterprises, orders = load_trade(lake_of(home))
    live: dict[str, Alert] = {}
    done: list[Alert] = []
    skipped: dict[str, str] = {}
    for month in months:
        day = month_end(month)
        data = AlertData(
            series=series,
            forecasts=forecasts,
            targets=targets,
            activity=None if activity is None else activity[activity["date"] <= day],
            enterprises=enterprises,
            orders=None if orders is None else orders[orders["month"] <= month],
        )
        result = evaluate(ruleset, data, as_of=month, today=day)
        skipped.update(result.skipped)
        fired = {f.dedupe_key: f for f in result.findings}
        for key in [k for k in live if k not in fired]:
            done.append(live.pop(key))
        for key, finding in fired.items():
            if key in live:
                live[key].last = month
            else:
                live[key] = Alert(finding=finding, first=month, last=month)
    done.extend(live.values())
    return done, skipped


def _windows(event: dict[str, Any]) -> list[tuple[int, int]]:
    """The months an event explains: while it lasts (and its aftermath), and a year later,
    when it is the base that year-on-year comparisons are made against."""
    start = month_index(str(event["start"])[:7])
    end = month_index(str(event["end"])[:7])
    assert start is not None and end is not None
    return [(start, end + AFTERMATH_MONTHS), (start + 12, end + 12 + AFTERMATH_MONTHS)]


def _places(event: dict[str, Any], enterprise_districts: dict[str, str]) -> set[str]:
    places = {str(event["place"])}
    places.update(event.get("treated_merchants", []))
    if event["kind"] == "exporter_collapse":
        places.add(enterprise_districts.get(str(event["place"]), ""))
        places.add("list")
    return places - {""}


def _subjects(finding: Finding) -> set[str]:
    ev = finding.evidence
    keys = ("district_code", "category_code", "enterprise_id", "merchant_id", "source")
    out = {str(ev[k]) for k in keys if ev.get(k)}
    if finding.subject == "scope=list":
        out.add("list")
    return out


def match(
    alerts: list[Alert], events: list[dict[str, Any]], enterprise_districts: dict[str, str]
) -> dict[str, bool]:
    """Tie each alert to the event that explains it; return recall per required event."""
    recall = {e["kind"]: False for e in events if e["kind"] in RIGHT_KINDS}
    for alert in alerts:
        first, last = month_index(alert.first), month_index(alert.last)
        assert first is not None and last is not None
        for event in events:
            overlaps = any(first <= end and last >= start for start, end in _windows(event))
            if overlaps and _places(event, enterprise_districts) & _subjects(alert.finding):
                alert.event = event["kind"]
                if alert.finding.kind in RIGHT_KINDS.get(event["kind"], ()):
                    recall[event["kind"]] = True
                break
    return recall


def score_lake(
    home: Path,
    ruleset: RuleSet,
    ground_truth: dict[str, Any],
    *,
    first_month: str,
    last_month: str,
    districts: int = 38,
) -> Score:
    """Replay ``ruleset`` over ``first_month..last_month`` and score it against the events."""
    start, end = month_index(first_month), month_index(last_month)
    assert start is not None and end is not None
    months = [month_name(m) for m in range(start, end + 1)]
    alerts, skipped = replay(home, ruleset, months)
    enterprises, _ = load_trade(lake_of(home))
    where = (
        {}
        if enterprises is None
        else dict(
            zip(
                enterprises["enterprise_id"].astype(str),
                enterprises["district_code"].astype(str),
                strict=True,
            )
        )
    )
    recall = match(alerts, list(ground_truth["events"]), where)
    return Score(months=months, alerts=alerts, recall=recall, districts=districts, skipped=skipped)
