"""Command-line verbs of the alerts room: ``cockpit alerts run|list|ack|resolve|...``."""

from __future__ import annotations

import getpass
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cockpit.format import json_text

if TYPE_CHECKING:
    from cockpit.demo import DemoContext

alerts_app = typer.Typer(
    help="Early warning: rules, alerts and their lifecycle, the Order + List.",
    no_args_is_help=True,
)
SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


def _dump(data: Any) -> None:
    typer.echo(json_text(data))


def _prepare() -> Path:
    from cockpit.config import get_settings
    from cockpit.db import upgrade

    home = get_settings().ensure_home()
    upgrade()
    return home


@alerts_app.command("run")
def run_cmd(
    rules: Path = typer.Option(
        None, help="Rule file (default: COCKPIT_HOME/alerts/rules.yaml or the shipped defaults)."
    ),
    channels: Path = typer.Option(
        None, help="Channels file (default: COCKPIT_HOME/alerts/channels.yaml)."
    ),
    notify: bool = typer.Option(True, "--notify/--no-notify", help="Send notifications."),
    json_out: bool = typer.Option(False, "--json", help="Print the run's report as JSON."),
) -> None:
    """Evaluate every rule now, store the alerts and send what is new."""
    from cockpit.alerts.runner import run_from_home

    report = run_from_home(home=_prepare(), rules_path=rules, channels_path=channels, notify=notify)
    if json_out:
        _dump(asdict(report))
        return
    typer.echo(
        f"{len(report.evaluated)} rule(s) evaluated, {report.findings} finding(s): "
        f"{len(report.opened)} new alert(s), {len(report.updated)} updated"
    )
    for rule_id, reason in report.skipped.items():
        typer.echo(f"  skipped {rule_id}: {reason}")
    for n in report.notifications:
        state = "sent" if n["ok"] else f"FAILED ({n['error']})"
        typer.echo(
            f"  {n['channel']}: {n['alerts']} alert(s) {state} after {n['attempts']} attempt(s)"
        )


@alerts_app.command("list")
def list_cmd(
    status: str = typer.Option(None, help="open, acknowledged or resolved."),
    severity: str = typer.Option(None, help="info, warning or critical."),
    rule: str = typer.Option(None, help="Only this rule's alerts."),
    lang: str = typer.Option("zh", help="zh or en."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON ({data, count})."),
) -> None:
    """List alerts, most severe and newest first."""
    from rich.console import Console
    from rich.table import Table

    from cockpit.alerts.lifecycle import list_alerts

    _prepare()
    alerts = list_alerts(status=status, severity=severity, rule_id=rule)
    if json_out:
        _dump([a.model_dump(mode="json") for a in alerts])
        return
    table = Table("id", "severity", "status", "rule", "period", "summary")
    for a in alerts:
        summary = a.summary_zh if lang == "zh" else a.summary_en
        table.add_row(
            str(a.id),
            f"[{SEVERITY_STYLE.get(a.severity, '')}]{a.severity}",
            a.status,
            a.rule_id,
            a.period,
            summary,
        )
    Console().print(table)


def _step(action: str, alert_id: int, by: str | None, comment: str, json_out: bool) -> None:
    from cockpit.alerts import lifecycle

    _prepare()
    step = lifecycle.acknowledge if action == "ack" else lifecycle.resolve
    try:
        alert = step(alert_id=alert_id, actor=by or getpass.getuser(), comment=comment)
    except (lifecycle.AlertNotFound, lifecycle.InvalidTransition) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    if json_out:
        _dump(alert.model_dump(mode="json"))
    else:
        typer.echo(f"alert {alert.id} is now {alert.status}")


@alerts_app.command("ack")
def ack_cmd(
    alert_id: int = typer.Argument(..., help="The alert's id."),
    by: str = typer.Option(None, help="Who acknowledges (default: the login name)."),
    comment: str = typer.Option("", help="Why, or what is being done."),
    json_out: bool = typer.Option(False, "--json", help="Print the alert as JSON."),
) -> None:
    """Acknowledge an open alert."""
    _step("ack", alert_id, by, comment, json_out)


@alerts_app.command("resolve")
def resolve_cmd(
    alert_id: int = typer.Argument(..., help="The alert's id."),
    by: str = typer.Option(None, help="Who resolves (default: the login name)."),
    comment: str = typer.Option("", help="What was found or done."),
    json_out: bool = typer.Option(False, "--json", help="Print the alert as JSON."),
) -> None:
    """Resolve an open or acknowledged alert."""
    _step("resolve", alert_id, by, comment, json_out)


@alerts_app.command("orderlist")
def orderlist_cmd(
    months: int = typer.Option(12, help="Months of trend to show."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON ({data, count})."),
) -> None:
    """The Order + List: every key exporter, its latest report, trend and warnings."""
    from rich.console import Console
    from rich.table import Table

    from cockpit.alerts.findings import fmt_yuan
    from cockpit.alerts.views import orderlist_rows
    from cockpit.config import get_settings

    rows = orderlist_rows(home=get_settings().ensure_home(), months=months)
    if json_out:
        _dump(rows)
        return
    table = Table(
        "id", "enterprise", "district", "month", "new orders", "YoY", "MoM", "trend", "warnings"
    )
    for r in rows:
        new = fmt_yuan(r["new_orders_fen"]) if r["new_orders_fen"] is not None else "—"
        yoy = f"{r['new_orders_yoy_pct']:+.1f}%" if r["new_orders_yoy_pct"] is not None else "—"
        mom = f"{r['new_orders_mom_pct']:+.1f}%" if r["new_orders_mom_pct"] is not None else "—"
        warn = "; ".join(w["rule_id"] for w in r["warnings"])
        table.add_row(
            r["enterprise_id"],
            r["name"],
            r["district_code"],
            r["last_month"] or "—",
            new,
            yoy,
            mom,
            r["sparkline"],
            f"[red]{warn}" if warn else "",
        )
    Console().print(table)


@alerts_app.command("schedule")
def schedule_cmd(
    every: float = typer.Option(3600.0, help="Seconds between runs."),
    runs: int = typer.Option(None, help="Stop after this many runs (default: run forever)."),
    notify: bool = typer.Option(True, "--notify/--no-notify", help="Send notifications."),
) -> None:
    """Run the rules on a timer, in this process: no worker, broker or browser needed."""
    from cockpit.alerts.runner import RunReport, run_from_home, schedule

    home = _prepare()

    def report(r: RunReport) -> None:
        typer.echo(
            f"{r.at} {r.findings} finding(s), {len(r.opened)} new, "
            f"{sum(1 for n in r.notifications if n['ok'])} notification(s) sent"
        )

    def failed(exc: Exception) -> None:
        typer.echo(f"run failed: {type(exc).__name__}: {exc}", err=True)

    try:
        schedule(
            lambda: run_from_home(home=home, notify=notify),
            every_s=every,
            max_runs=runs,
            on_report=report,
            on_error=failed,
        )
    except KeyboardInterrupt:
        typer.echo("scheduler stopped")


@alerts_app.command("rules")
def rules_cmd(
    check: Path = typer.Option(None, "--check", help="Validate this rule file."),
    json_out: bool = typer.Option(False, "--json", help="Print the rules as JSON."),
) -> None:
    """Show the rules in force, or check a rule file (mistakes are named by line)."""
    from cockpit.alerts.rules import load_rules
    from cockpit.datafiles import DataFileError

    try:
        ruleset = load_rules(check)
    except DataFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    if json_out:
        _dump([r.model_dump() for r in ruleset.rules])
        return
    for r in ruleset.rules:
        mark = "" if r.enabled else " (disabled)"
        typer.echo(f"{r.id:36} {r.kind:20} {r.severity:9} {r.title.zh}{mark}")


@alerts_app.command("checkpoint")
def checkpoint_cmd(
    out: Path = typer.Option(
        ..., "--out", help="File or folder for the checkpoint, outside COCKPIT_HOME."
    ),
    channels: Path = typer.Option(
        None, help="Channels file (default COCKPIT_HOME/alerts/channels.yaml)."
    ),
    every: float = typer.Option(
        None, help="Repeat every this many seconds (86400: daily), in this process."
    ),
    runs: int = typer.Option(None, help="With --every: stop after this many runs."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Write a signed ledger checkpoint and send it through the alert channels (email
    attached, webhook signed, robots a summary), once or every ``--every`` seconds."""
    import time

    from cockpit.alerts.channels import load_channels
    from cockpit.alerts.checkpoints import checkpoint_and_send
    from cockpit.config import get_settings
    from cockpit.datafiles import DataFileError
    from cockpit.db import upgrade
    from cockpit.format import json_text
    from cockpit.programmes import CheckpointError

    upgrade()
    try:
        chosen = load_channels(channels)
    except (DataFileError, OSError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--channels") from None
    secret = get_settings().signing_secret.get_secret_value()
    done = 0
    while True:
        try:
            path, body, outcomes = checkpoint_and_send(out, channels=chosen, signing_secret=secret)
        except CheckpointError as exc:
            raise typer.BadParameter(str(exc), param_hint="--out") from None
        sent = [
            {"channel": o.channel, "ok": o.ok, "attempts": o.attempts, "error": o.error}
            for o in outcomes
        ]
        if json_out:
            typer.echo(json_text({"path": str(path), "entries": body["entries"], "sent": sent}))
        else:
            ok = sum(1 for o in outcomes if o.ok)
            typer.echo(f"checkpoint {path}: sent to {ok} of {len(outcomes)} channel(s)")
            for o in outcomes:
                if not o.ok:
                    typer.echo(f"  {o.channel}: {o.error}", err=True)
        done += 1
        if every is None or (runs is not None and done >= runs):
            break
        time.sleep(every)
    if any(not o.ok for o in outcomes):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``cockpit alerts ...`` to the ``cockpit`` app."""
    app.add_typer(alerts_app, name="alerts")


def demo_step(ctx: DemoContext) -> str:
    """Run the default rules on the demo's lake and say what they found."""
    from cockpit.alerts.lifecycle import list_alerts
    from cockpit.alerts.runner import run_from_home
    from cockpit.db import upgrade

    upgrade()
    report = run_from_home(home=ctx.home, notify=False)
    alerts = list_alerts(status="open")
    by_severity = {
        s: sum(1 for a in alerts if a.severity == s) for s in ("critical", "warning", "info")
    }
    top = "; ".join(a.summary_zh for a in alerts[:3])
    return (
        f"alerts: {len(report.evaluated)} rules evaluated, {len(alerts)} open "
        f"(critical {by_severity['critical']}, warning {by_severity['warning']}, "
        f"info {by_severity['info']}); {top}"
    )
