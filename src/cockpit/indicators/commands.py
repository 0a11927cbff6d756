"""Command-line verbs of the indicators room: ``cockpit indicators …`` and ``cockpit build``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cockpit.format import json_text

if TYPE_CHECKING:
    import pandas as pd

    from cockpit.demo import DemoContext

indicators_app = typer.Typer(help="The indicator catalogue: list, show, compute, export.")


def _echo_frame(frame: pd.DataFrame, *, as_json: bool, as_csv: bool, title: str) -> None:
    if as_json:
        records = json.loads(frame.to_json(orient="records", force_ascii=False))
        typer.echo(json_text(records))
    elif as_csv:
        typer.echo(frame.to_csv(index=False), nl=False)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for col in frame.columns:
            table.add_column(str(col))
        for row in frame.itertuples(index=False):
            table.add_row(
                *("" if _blank(v) else f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row)
            )
        Console().print(table)


def _blank(v: Any) -> bool:
    try:
        return bool(v != v) or v is None
    except (TypeError, ValueError):
        return False


@indicators_app.command("list")
def list_indicators(json_out: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Print the catalogue: id, names, unit, definition, dimensions."""
    import pandas as pd

    from cockpit.indicators.catalogue import INDICATORS

    rows = [
        {
            "id": i.id,
            "name_zh": i.name_zh,
            "name_en": i.name_en,
            "unit": i.unit,
            "kind": i.kind,
            "definition": i.definition,
            "dimensions": list(i.dimensions),
        }
        for i in INDICATORS
    ]
    if json_out:
        typer.echo(json_text(rows))
        return
    frame = pd.DataFrame(rows)[["id", "name_zh", "name_en", "unit", "kind"]]
    _echo_frame(frame, as_json=False, as_csv=False, title="Indicators")


@indicators_app.command("show")
def show(
    indicator_id: str = typer.Argument(..., help="Indicator id, e.g. retail_sales."),
    by: list[str] = typer.Option(
        [],
        "--by",
        help="A dimension (district, category, …), or a built pair (district,category or "
        "business_district,category).",
    ),
    month: str | None = typer.Option(None, "--month", help="YYYY-MM (or YYYY, or YYYY-01-02)."),
    ytd: bool = typer.Option(False, "--ytd", help="Year-to-date (1–N月累计) rows."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
    csv_out: bool = typer.Option(False, "--csv", help="Print as CSV."),
) -> None:
    """Show built values of an indicator (from the lake, after `cockpit build`)."""
    from cockpit.indicators.query import values

    try:
        frame = values(indicator_id, by=by, period=month, period_type="ytd" if ytd else "month")
    except (KeyError, ValueError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    _echo_frame(frame, as_json=json_out, as_csv=csv_out, title=indicator_id)


@indicators_app.command("compute")
def compute_cmd(
    indicator_id: str = typer.Argument(..., help="Indicator id."),
    by: list[str] = typer.Option([], "--by", help="Dimensions, repeatable (month, day, …)."),
    period: str | None = typer.Option(None, "--period", help="YYYY, YYYY-MM or YYYY-MM-DD."),
    engine: str | None = typer.Option(None, "--engine", help="duckdb or pyspark."),
    json_out: bool = typer.Option(False, "--json", help="Print as JSON."),
    csv_out: bool = typer.Option(False, "--csv", help="Print as CSV."),
) -> None:
    """Compute an indicator live from the lake, for any combination of dimensions."""
    from cockpit.indicators.query import compute

    try:
        frame = compute(indicator_id, by=by, period=period, engine=engine)
    except (KeyError, ValueError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    _echo_frame(frame, as_json=json_out, as_csv=csv_out, title=indicator_id)


@indicators_app.command("export")
def export_cmd(
    out: Path = typer.Argument(..., help="Target file, .parquet or .csv."),
    table: str = typer.Option("indicator_values", help="Built table to export."),
    indicator_id: str | None = typer.Option(None, "--indicator", help="Only this indicator."),
) -> None:
    """Export a built table (or one indicator's rows) to Parquet or CSV."""
    from cockpit.config import get_settings
    from cockpit.indicators.query import export, read_table

    frame = read_table(get_settings().lake_dir, table)
    if indicator_id is not None:
        frame = frame[frame["indicator_id"] == indicator_id]
    typer.echo(str(export(frame, out)))


@indicators_app.command("docs")
def docs_cmd(
    out: Path = typer.Option(Path("docs/indicators.md"), help="Where to write."),
) -> None:
    """Regenerate docs/indicators.md from the catalogue."""
    from cockpit.indicators.docs import write

    typer.echo(str(write(out)))


def build_cmd(
    full: bool = typer.Option(False, "--full", help="Rebuild every month."),
    engine: str | None = typer.Option(None, "--engine", help="duckdb or pyspark."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress output."),
) -> None:
    """Materialise every indicator into the lake, refreshing only what new ingests touched."""
    from rich.console import Console

    from cockpit.indicators.build import build

    console = Console(stderr=True, quiet=quiet or json_out)
    with console.status("building indicators") as status:
        report = build(engine=engine, full=full, progress=lambda m: status.update(m))
    if json_out:
        typer.echo(json_text(report.as_dict()))
    else:
        typer.echo(
            f"built {report.rows} rows on {report.engine} in {report.seconds}s "
            f"({'full' if report.full else 'incremental'}: {len(report.months_refreshed)} "
            f"month(s) refreshed)"
        )


def demo_step(ctx: DemoContext) -> str:
    """Build the indicators over whatever the ingest step put in the lake."""
    from cockpit.indicators.build import build

    report = build(home=ctx.home)
    return (
        f"indicators: {report.rows} values, {len(report.months_refreshed)} month(s), "
        f"{report.seconds}s on {report.engine}"
    )


def register(app: typer.Typer) -> None:
    """Add this room's verbs to the ``cockpit`` app."""
    app.add_typer(indicators_app, name="indicators")
    app.command("build")(build_cmd)
