"""``cockpit plans``: list plans, show progress, add a district's plan, enter figures, export."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cockpit.format import json_text, money

if TYPE_CHECKING:
    from cockpit.demo import DemoContext

plans_app = typer.Typer(
    help="Action plans: targets, progress and projections.", no_args_is_help=True
)

STATUS_STYLE = {
    "on_track": "green",
    "at_risk": "yellow",
    "off_track": "red",
    "achieved": "blue",
    "no_data": "dim",
}


def _echo_json(data: Any) -> None:
    typer.echo(json_text(data))


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "fen":
        return money(value, "zh", unit="亿元")
    return f"{value:,.1f}" + (" %" if unit == "percent" else "")


@plans_app.command("list")
def list_plans(json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the plans: shipped ones and those a district added (broken files named)."""
    from cockpit.plans.library import load_plans

    loaded = load_plans()
    rows: list[dict[str, Any]] = [
        {
            "id": p.id,
            "name_zh": p.name_zh,
            "name_en": p.name_en,
            "region": p.region,
            "years": f"{p.start_year}–{p.end_year}",
            "targets": len(p.targets),
            "tasks": len(p.tasks),
        }
        for p in loaded.plans
    ]
    broken = [str(err) for err in loaded.broken]
    if json_out:
        typer.echo(json_text(rows, broken=broken))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "plan", "years", "targets", "tasks")
    for r in rows:
        table.add_row(
            r["id"],
            f"{r['name_zh']}\n{r['name_en']}",
            r["years"],
            str(r["targets"]),
            str(r["tasks"]),
        )
    console = Console()
    console.print(table)
    for err in broken:
        console.print(f"[red]not loaded:[/] {err}")


@plans_app.command("status")
def status(
    plan: str = typer.Option(None, help="Only this plan id."),
    snapshot: bool = typer.Option(False, help="Also store this progress as a snapshot."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Progress of every target: actual, required, gap, projection, probability, status."""
    from cockpit.db import session_scope, upgrade
    from cockpit.plans.progress import projection_sentence
    from cockpit.plans.service import all_progress, take_snapshot

    upgrade()
    with session_scope() as session:
        progress = take_snapshot(session=session) if snapshot else all_progress(session=session)
    if plan:
        progress = [p for p in progress if p.plan.id == plan]
    if json_out:
        data = [p.to_dict() for p in progress]
        _echo_json(data)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for p in progress:
        table = Table(
            "target",
            "actual",
            "required",
            "target",
            "P(reach)",
            "status",
            title=f"{p.plan.name_zh} · {p.plan.name_en}",
        )
        for t in p.targets:
            prob = f"{t.probability:.0%}" if t.probability is not None else "—"
            style = STATUS_STYLE[t.status]
            table.add_row(
                t.name_zh,
                _fmt(t.actual, t.unit),
                _fmt(t.required_now, t.unit),
                f"{_fmt(t.target_value, t.unit)} ({t.target_year})",
                prob,
                f"[{style}]{t.status}[/]",
            )
        console.print(table)
        for t in p.targets:
            sentence = projection_sentence(t, "zh")
            if sentence:
                console.print(f"  {t.name_zh}: {sentence}")
            if t.no_data_reason:
                console.print(f"[dim]{t.name_zh}: {t.no_data_reason}[/]")


@plans_app.command("add")
def add(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="The plan's YAML file."),
    replace: bool = typer.Option(False, help="Replace an added plan of the same id."),
) -> None:
    """Add a district's own plan file; a broken file is refused with its line and reason."""
    from cockpit.datafiles import DataFileError
    from cockpit.plans.library import add_plan

    try:
        plan = add_plan(path, replace=replace)
    except (DataFileError, ValueError) as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(code=2) from err
    typer.echo(f"added {plan.id}: {plan.name_zh} ({len(plan.targets)} targets)")


@plans_app.command("record")
def record(
    plan: str = typer.Argument(..., help="Plan id."),
    target: str = typer.Argument(..., help="Target id."),
    value: float = typer.Argument(..., help="The figure, in the target's unit (yuan, %, count)."),
    as_of: str = typer.Option(..., help="Date the figure refers to, YYYY-MM-DD."),
    source: str = typer.Option(..., help="Where it comes from (document, office)."),
    by: str = typer.Option(..., help="Who enters it."),
) -> None:
    """Enter a manual figure for a target; earlier figures stay as history."""
    from cockpit.db import upgrade
    from cockpit.plans.service import enter_figure

    upgrade()
    try:
        enter_figure(
            plan_id=plan,
            target_id=target,
            value=value,
            as_of=date.fromisoformat(as_of),
            source=source,
            entered_by=by,
        )
    except (KeyError, ValueError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(code=2) from err
    typer.echo(f"recorded {plan}/{target} = {value} as of {as_of}")


@plans_app.command("history")
def history(
    plan: str = typer.Argument(..., help="Plan id."),
    target: str = typer.Argument(..., help="Target id."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every manual figure entered for a target, newest first."""
    from cockpit.db import session_scope, upgrade
    from cockpit.plans.store import figure_history

    upgrade()
    with session_scope() as session:
        rows = [
            {
                "value": f.value,
                "as_of": f.as_of,
                "source": f.source,
                "entered_by": f.entered_by,
                "entered_at": f.entered_at,
            }
            for f in figure_history(session, plan_id=plan, target_id=target)
        ]
    if json_out:
        _echo_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['as_of']}  {r['value']:>16,.2f}  {r['source']}  ({r['entered_by']})")


@plans_app.command("export")
def export(
    out: Path = typer.Option(Path("plan-status.xlsx"), help="Excel file to write."),
) -> None:
    """Write every target's status to an Excel workbook for reporting upward."""
    from cockpit.db import session_scope, upgrade
    from cockpit.plans.export import write_workbook
    from cockpit.plans.service import all_progress

    upgrade()
    with session_scope() as session:
        progress = all_progress(session=session)
    typer.echo(f"wrote {write_workbook(progress, out)}")


def demo_step(ctx: DemoContext) -> str:
    """Assess every plan on the demo's lake and store a snapshot."""
    from collections import Counter

    from cockpit.db import session_scope, upgrade
    from cockpit.plans.service import take_snapshot

    upgrade()
    with session_scope() as session:
        progress = take_snapshot(session=session)
    counts = Counter(t.status for p in progress for t in p.targets)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    return f"plans: {len(progress)} plans, {sum(counts.values())} targets ({summary})"


def register(app: typer.Typer) -> None:
    """Add ``cockpit plans``."""
    app.add_typer(plans_app, name="plans")
