"""End to end on a small lake: run the default rules, store alerts, the CLI, the scheduler."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cockpit.alerts.lifecycle import list_alerts
from cockpit.alerts.runner import RunReport, run_from_home, schedule
from tests.alerts.conftest import Receiver
from tests.alerts.lakes import write_small_lake


def test_default_rules_on_a_small_lake_raise_the_right_alerts(
    db: Engine, cockpit_home: Path
) -> None:
    write_small_lake(cockpit_home)
    report = run_from_home(home=cockpit_home, notify=False)
    # no forecasts in this lake: the anomaly rule says why it was skipped
    assert report.skipped == {
        "district-sales-anomaly": "no forecast table",
        "category-sales-anomaly": "no forecast table",
    }
    fired = {
        (
            a.rule_id,
            a.evidence.get("enterprise_id")
            or a.evidence.get("source")
            or a.evidence.get("category_code")
            or a.evidence.get("district_code"),
        )
        for a in list_alerts(engine=db)
    }
    assert ("district-slump", "500106") in fired
    assert ("category-spike", "RS13") in fired
    assert ("source-stopped", "platform_a") in fired
    assert ("orderlist-new-orders-drop", "E1") in fired
    assert ("district-slump", "500103") not in fired
    assert ("category-spike", "RS01") not in fired


@pytest.mark.slow
def test_running_twice_updates_instead_of_piling_up(db: Engine, cockpit_home: Path) -> None:
    write_small_lake(cockpit_home)
    first = run_from_home(home=cockpit_home, notify=False)
    second = run_from_home(home=cockpit_home, notify=False)
    assert second.opened == [] and sorted(second.updated) == sorted(first.opened)
    assert len(list_alerts(engine=db)) == len(first.opened)


@pytest.mark.slow
def test_cli_run_list_ack_resolve(cockpit_home: Path, receiver: Receiver) -> None:
    from cockpit.cli import app

    write_small_lake(cockpit_home)
    (cockpit_home / "alerts").mkdir(parents=True, exist_ok=True)
    (cockpit_home / "alerts" / "channels.yaml").write_text(
        f"channels:\n  - {{id: ops, kind: webhook, url: '{receiver.url}/h'}}\n", "utf-8"
    )
    cli = CliRunner()
    run = cli.invoke(app, ["alerts", "run", "--json"])
    assert run.exit_code == 0, run.output
    report = json.loads(run.output)["data"]
    assert report["notifications"][0]["ok"] is True
    assert len(receiver.requests) == 1
    listed = json.loads(cli.invoke(app, ["alerts", "list", "--json"]).output)
    assert listed["count"] == len(report["opened"]) > 0
    alert_id = listed["data"][0]["id"]
    acked = cli.invoke(app, ["alerts", "ack", str(alert_id), "--by", "wang", "--comment", "看"])
    assert acked.exit_code == 0 and "acknowledged" in acked.output
    done = cli.invoke(app, ["alerts", "resolve", str(alert_id), "--by", "li", "--json"])
    assert json.loads(done.output)["data"]["resolved_by"] == "li"
    again = cli.invoke(app, ["alerts", "resolve", str(alert_id)])
    assert again.exit_code == 1 and "already resolved" in again.output
    open_only = json.loads(
        cli.invoke(app, ["alerts", "list", "--status", "resolved", "--json"]).output
    )
    assert [a["id"] for a in open_only["data"]] == [alert_id]


def test_cli_rules_check_names_the_line(tmp_path: Path) -> None:
    from cockpit.cli import app

    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "rules:\n  - id: x\n    kind: runs\n    title: {zh: a, en: b}\n"
        "    indicator: s\n    length: 1\n",
        "utf-8",
    )
    result = CliRunner().invoke(app, ["alerts", "rules", "--check", str(bad)])
    assert result.exit_code == 1
    assert "line 6: rules.0.length" in result.output


def test_the_scheduler_runs_on_and_survives_a_failing_run() -> None:
    calls: list[int] = []
    waits: list[float] = []
    errors: list[Exception] = []

    def run() -> RunReport:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("lake busy")
        return RunReport(
            at="now", evaluated=[], skipped={}, findings=0, opened=[], updated=[], suppressed=[]
        )

    made = schedule(run, every_s=5, max_runs=3, on_error=errors.append, sleep=waits.append)
    assert made == 3 and len(calls) == 3
    assert [str(e) for e in errors] == ["lake busy"]
    assert len(waits) == 2 and all(0 < w <= 5 for w in waits)


def test_the_scheduler_without_an_error_handler_stops_on_failure() -> None:
    def run() -> RunReport:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        schedule(run, every_s=0, max_runs=2)


@pytest.mark.slow
def test_cli_schedule_runs_the_rules_a_given_number_of_times(cockpit_home: Path) -> None:
    from cockpit.cli import app

    write_small_lake(cockpit_home)
    result = CliRunner().invoke(
        app, ["alerts", "schedule", "--every", "0", "--runs", "2", "--no-notify"]
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "finding(s)" in line]
    assert len(lines) == 2
    assert " 0 new" in lines[1]  # the second run only updated what the first opened


def test_a_slump_in_a_cell_of_one_or_two_firms_raises_no_alert(
    db: Engine, cockpit_home: Path
) -> None:
    """Under the default small-cell rules, the tiny city's districts are one or two
    firms' own sales: no alert reports them."""
    write_small_lake(cockpit_home, small_cells=False)
    run_from_home(home=cockpit_home, notify=False)
    fired = {(a.rule_id, a.evidence.get("district_code")) for a in list_alerts(engine=db)}
    assert ("district-slump", "500106") not in fired
