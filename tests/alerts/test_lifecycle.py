"""Alerts in the operational database: dedupe, open → acknowledged → resolved, severity."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, create_engine

from cockpit.alerts.findings import Finding
from cockpit.alerts.lifecycle import (
    AlertNotFound,
    InvalidTransition,
    acknowledge,
    alert_history,
    list_alerts,
    record_findings,
    resolve,
)


def finding(
    period: str = "2025-04",
    severity: str = "warning",
    subject: str = "d=500106",
    value: float = -12.0,
) -> Finding:
    return Finding(
        rule_id="district-yoy",
        kind="threshold",
        severity=severity,
        subject=subject,
        period=period,
        title_zh="同比下降",
        title_en="Down year on year",
        summary_zh=f"沙坪坝区 {period} 同比 {value}%",
        summary_en=f"Shapingba {period} {value}% year on year",
        evidence={"measured": value},
    )


def test_repeated_firings_update_one_alert(db: Engine) -> None:
    first = record_findings(findings=[finding()], engine=db)
    again = record_findings(findings=[finding("2025-05", value=-20.0)], engine=db)
    assert again.updated == first.opened
    alerts = list_alerts(engine=db)
    assert len(alerts) == 1
    assert alerts[0].fire_count == 2
    assert alerts[0].period == "2025-05"
    assert alerts[0].evidence == {"measured": -20.0}
    actions = [e["action"] for e in alert_history(alert_id=alerts[0].id, engine=db)]
    assert actions == ["fired", "refired"]


def test_different_subjects_are_different_alerts(db: Engine) -> None:
    record_findings(findings=[finding(subject="d=500106"), finding(subject="d=500103")], engine=db)
    assert len(list_alerts(engine=db)) == 2


def test_acknowledge_then_resolve_records_who_when_and_why(db: Engine) -> None:
    (alert_id,) = record_findings(findings=[finding()], engine=db).opened
    acked = acknowledge(alert_id=alert_id, actor="analyst-wang", comment="查看商场施工", engine=db)
    assert acked.status == "acknowledged"
    assert acked.acknowledged_by == "analyst-wang"
    assert acked.acknowledged_at is not None
    done = resolve(alert_id=alert_id, actor="chief-li", comment="商场已复业", engine=db)
    assert (done.status, done.resolved_by, done.resolved_comment) == (
        "resolved",
        "chief-li",
        "商场已复业",
    )
    assert done.acknowledged_comment == "查看商场施工"
    assert [e["actor"] for e in alert_history(alert_id=alert_id, engine=db)] == [
        None,
        "analyst-wang",
        "chief-li",
    ]


def test_steps_out_of_order_are_refused(db: Engine) -> None:
    (alert_id,) = record_findings(findings=[finding()], engine=db).opened
    resolve(alert_id=alert_id, actor="a", engine=db)
    with pytest.raises(InvalidTransition):
        acknowledge(alert_id=alert_id, actor="a", engine=db)
    with pytest.raises(InvalidTransition):
        resolve(alert_id=alert_id, actor="a", engine=db)
    with pytest.raises(AlertNotFound):
        acknowledge(alert_id=9999, actor="a", engine=db)


def test_a_resolved_alert_stays_resolved_on_the_same_evidence_and_reopens_on_new(
    db: Engine,
) -> None:
    (alert_id,) = record_findings(findings=[finding("2025-04")], engine=db).opened
    resolve(alert_id=alert_id, actor="a", engine=db)
    same = record_findings(findings=[finding("2025-04")], engine=db)
    assert same.suppressed == [alert_id] and same.opened == []
    newer = record_findings(findings=[finding("2025-05")], engine=db)
    assert len(newer.opened) == 1 and newer.opened[0] != alert_id
    assert [a.status for a in list_alerts(engine=db)] == ["open", "resolved"]


def test_a_worse_severity_reopens_an_acknowledged_alert(db: Engine) -> None:
    (alert_id,) = record_findings(findings=[finding(severity="warning")], engine=db).opened
    acknowledge(alert_id=alert_id, actor="a", engine=db)
    record_findings(findings=[finding("2025-05", severity="critical")], engine=db)
    (alert,) = list_alerts(engine=db)
    assert (alert.status, alert.severity) == ("open", "critical")


def test_list_filters_and_puts_critical_first(db: Engine) -> None:
    record_findings(
        findings=[
            finding(subject="a", severity="info"),
            finding(subject="b", severity="critical"),
            finding(subject="c", severity="warning"),
        ],
        engine=db,
    )
    assert [a.severity for a in list_alerts(engine=db)] == ["critical", "warning", "info"]
    assert [a.subject for a in list_alerts(severity="info", engine=db)] == ["a"]
    assert list_alerts(status="resolved", engine=db) == []


@pytest.mark.postgres
def test_lifecycle_on_postgresql(postgres_url: str) -> None:
    from cockpit.db import upgrade

    upgrade(postgres_url)
    engine = create_engine(postgres_url)
    try:
        first = record_findings(findings=[finding()], engine=engine)
        record_findings(findings=[finding("2025-05")], engine=engine)
        (alert,) = [a for a in list_alerts(engine=engine) if a.id == first.opened[0]]
        assert alert.fire_count == 2
        assert resolve(alert_id=alert.id, actor="pg", engine=engine).status == "resolved"
    finally:
        engine.dispose()
