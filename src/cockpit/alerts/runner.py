"""One run of the alerts (evaluate → record → notify), and the built-in scheduler.

The scheduler is a plain loop in the cockpit's own process: no worker, broker or browser.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from cockpit.alerts.channels import ChannelSet, load_channels
from cockpit.alerts.dispatch import deliver_pending
from cockpit.alerts.evaluate import AlertData, evaluate
from cockpit.alerts.lifecycle import record_findings
from cockpit.alerts.notify import Outcome
from cockpit.alerts.rules import RuleSet, load_rules


@dataclass
class RunReport:
    """What one run did."""

    at: str
    evaluated: list[str]
    skipped: dict[str, str]
    findings: int
    opened: list[int]
    updated: list[int]
    suppressed: list[int]
    notifications: list[dict[str, object]] = field(default_factory=list)


def run_once(
    *,
    data: AlertData,
    ruleset: RuleSet,
    channels: ChannelSet,
    signing_secret: str,
    engine: Engine | None = None,
    as_of: str | None = None,
    today: dt.date | None = None,
    notify: bool = True,
) -> RunReport:
    """Evaluate the rules on ``data``, store the alerts, send what is new or worse."""
    result = evaluate(ruleset, data, as_of=as_of, today=today)
    recorded = record_findings(findings=result.findings, engine=engine)
    outcomes: list[Outcome] = []
    if notify:
        outcomes = deliver_pending(channels=channels, signing_secret=signing_secret, engine=engine)
    return RunReport(
        at=dt.datetime.now().isoformat(timespec="seconds"),
        evaluated=result.evaluated,
        skipped=result.skipped,
        findings=len(result.findings),
        opened=recorded.opened,
        updated=recorded.updated,
        suppressed=recorded.suppressed,
        notifications=[
            {
                "channel": o.channel,
                "ok": o.ok,
                "attempts": o.attempts,
                "error": o.error,
                "alerts": len(o.alert_ids),
            }
            for o in outcomes
        ],
    )


def run_from_home(
    *,
    home: Path,
    rules_path: Path | None = None,
    channels_path: Path | None = None,
    notify: bool = True,
    engine: Engine | None = None,
) -> RunReport:
    """One run on COCKPIT_HOME's lake with the configured rules and channels."""
    from cockpit.alerts.frames import load_alert_data
    from cockpit.config import get_settings

    return run_once(
        data=load_alert_data(home),
        ruleset=load_rules(rules_path),
        channels=load_channels(channels_path),
        signing_secret=get_settings().signing_secret.get_secret_value(),
        engine=engine,
        notify=notify,
    )


def schedule(
    run: Callable[[], RunReport],
    *,
    every_s: float,
    max_runs: int | None = None,
    on_report: Callable[[RunReport], None] | None = None,
    on_error: Callable[[Exception], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Call ``run`` every ``every_s`` seconds (``max_runs`` times, or until interrupted).

    A failing run is reported and the loop goes on: one bad ingest must not silence alerts.
    Returns the number of runs made.
    """
    runs = 0
    while max_runs is None or runs < max_runs:
        started = time.monotonic()
        try:
            report = run()
            if on_report is not None:
                on_report(report)
        except Exception as exc:  # the scheduler outlives any one run's failure
            if on_error is None:
                raise
            on_error(exc)
        runs += 1
        if max_runs is not None and runs >= max_runs:
            break
        sleep(max(0.0, every_s - (time.monotonic() - started)))
    return runs
