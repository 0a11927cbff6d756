"""Command-line verbs of the ingest room: ``cockpit ingest``, ``cockpit quarantine`` and
``cockpit lake``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from cockpit.format import json_text

if TYPE_CHECKING:
    from cockpit.demo import DemoContext

quarantine_app = typer.Typer(
    help="See, show and export rows that ingestion rejected.", no_args_is_help=True
)

lake_app = typer.Typer(help="Look after the lake's files.", no_args_is_help=True)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or folders (every feed file in them)."),
    source: str | None = typer.Option(
        None,
        "--source",
        help="Force the source: transactions, merchants, official-stats, trade-enterprises, "
        "trade-orders. Default: recognised from each file's name or header row.",
    ),
    sheet: str | None = typer.Option(
        None, "--sheet", help="Excel sheet (default: the first); refused for other files."
    ),
    json_out: bool = typer.Option(
        False, "--json", help="Print every file's outcome (and report) as JSON."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Load feed files into the lake: validated, deduplicated, personal ids pseudonymised.

    Every file is tried on its own: lock, hidden and temporary files are skipped.

    A file that cannot be read fails without stopping the others; the exit code is 1.
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from cockpit.ingest.pipeline import ingest_files, planned_files
    from cockpit.ingest.readers import FileError
    from cockpit.ingest.report import FileOutcome

    console = Console(stderr=True)
    try:
        planned_files(paths)
    except FileError as error:
        _fail(str(error))
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet or json_out,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def advance(file: str, done: int, _total: int | None) -> None:
            if file not in tasks:
                tasks[file] = bar.add_task(Path(file).name, total=None)
            bar.update(tasks[file], completed=done)

        def show(outcome: FileOutcome) -> None:
            if not (quiet or json_out):
                bar.console.print(outcome.summary(), markup=False, highlight=False, soft_wrap=True)

        try:
            outcomes = ingest_files(
                paths, source=source, sheet=sheet, progress=advance, on_outcome=show
            )
        except (FileError, ValueError) as error:
            _fail(str(error))
    if json_out:
        typer.echo(json_text([o.to_dict() for o in outcomes]))
    elif quiet:
        for outcome in outcomes:
            typer.echo(outcome.summary())
    failed = [o for o in outcomes if o.outcome == "failed"]
    if failed:
        if not json_out:
            typer.echo(f"error: {len(failed)} of {len(outcomes)} file(s) failed", err=True)
        raise typer.Exit(code=1)


@quarantine_app.command("list")
def quarantine_list(
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Quarantined rows counted by ingest, file and reason."""
    from cockpit.ingest.quarantine import quarantine_summary

    summary = quarantine_summary()
    if json_out:
        typer.echo(json_text(summary.to_dicts()))
        return
    if summary.height == 0:
        typer.echo("No quarantined rows.")
    for row in summary.iter_rows(named=True):
        typer.echo(f"{row['ingest_id']}  {row['reason']:<28} {row['rows']:>6}  {row['file']}")


@quarantine_app.command("show")
def quarantine_show(
    ingest_id: str = typer.Argument(..., help="The ingest (see `cockpit quarantine list`)."),
    reason: str | None = typer.Option(None, help="Only rows with this reason code."),
    limit: int = typer.Option(50, help="At most this many rows."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """The quarantined rows of one ingest: line, field, reason, message and the raw row."""
    from cockpit.ingest.quarantine import quarantine_rows

    rows = quarantine_rows(ingest_id=ingest_id, reason=reason).head(limit)
    if json_out:
        typer.echo(json_text(rows.to_dicts()))
        return
    if rows.height == 0:
        _fail(f"no quarantined rows for ingest {ingest_id!r}")
    for row in rows.iter_rows(named=True):
        typer.echo(
            f"{row['file']}, line {row['line']}, {row['field']}: {row['reason']} — {row['message']}"
        )
        typer.echo(f"    {row['raw']}")


@quarantine_app.command("export")
def quarantine_export(
    ingest_id: str = typer.Argument(..., help="The ingest (see `cockpit quarantine list`)."),
    out: Path = typer.Option(..., "--out", "-o", help="CSV file to write."),
    reason: str | None = typer.Option(None, help="Only rows with this reason code."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Write an ingest's quarantined rows as a CSV with the file's headers: fix, re-ingest."""
    from cockpit.ingest.quarantine import export_quarantine

    try:
        count = export_quarantine(ingest_id=ingest_id, out=out, reason=reason)
    except ValueError as error:
        _fail(str(error))
    if json_out:
        typer.echo(json_text({"ingest_id": ingest_id, "rows": count, "file": str(out)}))
    else:
        typer.echo(f"{count} row(s) written to {out}; correct them and run `cockpit ingest {out}`.")


@lake_app.command("compact")
def lake_compact(
    months: list[str] = typer.Option(
        None, "--month", help="Only this month (YYYY-MM); repeat for more. Default: every month."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Rewrite each month's transaction files as one, clustered by merchant.

    The rows stay the same; the indicators' build reads a compacted month faster.
    Run it once a month's feeds are in: a later ingest adds a file, compacting again merges it.
    Safe to interrupt, like an ingest.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from cockpit.ingest.compact import compact

    console = Console(stderr=True)
    with Progress(
        TextColumn("compacting {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        disable=quiet or json_out,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def advance(month: str, done: int, total: int) -> None:
            bar.update(task, description=month, completed=done, total=total)

        try:
            report = compact(months=months or None, progress=advance)
        except ValueError as error:
            _fail(str(error))
    typer.echo(json_text(report.to_dict()) if json_out else report.summary())


def register(app: typer.Typer) -> None:
    """Add this room's verbs to the ``cockpit`` app."""
    app.command("ingest")(ingest)
    app.add_typer(quarantine_app, name="quarantine")
    app.add_typer(lake_app, name="lake")


def demo_step(ctx: DemoContext) -> str:
    """Ingest the sample city's feeds and compact its months; one line of what came in,
    what was quarantined and what was compacted."""
    from cockpit.ingest.compact import compact
    from cockpit.ingest.pipeline import ingest_paths

    reports = ingest_paths([ctx.sample_dir], home=ctx.home)
    compacted = compact(ctx.home)
    rows = sum(r.rows_read for r in reports)
    accepted = sum(r.accepted for r in reports)
    quarantined = sum(r.quarantined for r in reports)
    duplicates = sum(r.duplicates for r in reports)
    return (
        f"ingested {len(reports)} files: {rows:,} rows read, {accepted:,} accepted, "
        f"{quarantined:,} quarantined, {duplicates:,} duplicates; "
        f"{len(compacted.months)} months compacted"
    )
