"""Command-line verbs of the forecast room: ``cockpit forecast [report|nowcast]``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from cockpit.demo import DemoContext
    from cockpit.forecast.store import StoredRun

forecast_app = typer.Typer(
    help="Forecasts with 80/95 % intervals, reconciled by district and category.",
    invoke_without_command=True,
    no_args_is_help=False,
)


def _home() -> Any:
    from cockpit.config import get_settings

    return get_settings().ensure_home()


def _summary(run: StoredRun) -> dict[str, Any]:
    city = run.forecasts[run.forecasts["level"].isin(["city", "all"])]
    return {
        "run_id": run.run_id,
        "cached": run.cached,
        "indicator_id": run.meta.get("indicator_id"),
        "by": run.meta.get("by"),
        "horizon": int(run.meta.get("horizon", 0)),
        "method": run.meta.get("method"),
        "series": int(run.meta.get("series", 0)),
        "seconds": round(float(run.meta.get("seconds", 0.0)), 1),
        "city": json.loads(
            city.drop(columns=["run_id"]).to_json(orient="records", date_format="iso")
        ),
    }


def _print_run(run: StoredRun) -> None:
    from rich.console import Console
    from rich.table import Table

    summary = _summary(run)
    table = Table(title=f"{summary['indicator_id']} — city forecast ({summary['method']})")
    for col in ("month", "model", "mean", "80 %", "95 %"):
        table.add_column(col, justify="right")
    for row in summary["city"]:
        table.add_row(
            row["ds"][:7],
            row["model"],
            f"{row['mean']:,.0f}",
            f"{row['lo80']:,.0f}–{row['hi80']:,.0f}",
            f"{row['lo95']:,.0f}–{row['hi95']:,.0f}",
        )
    console = Console()
    console.print(table)
    state = "reused (inputs unchanged)" if run.cached else f"fitted in {summary['seconds']} s"
    console.print(f"run {run.run_id}: {summary['series']} series, {state}")


@forecast_app.callback()
def forecast(
    ctx: typer.Context,
    indicator: str = typer.Option("retail_sales", "--indicator", help="Indicator id to forecast."),
    by: str = typer.Option("both", "--by", help="district, category, or both (grouped)."),
    horizon: int = typer.Option(12, "--horizon", min=1, max=36, help="Months ahead."),
    json_out: bool = typer.Option(False, "--json", help="Print the run as JSON."),
) -> None:
    """Forecast an indicator's monthly series, backtested, reconciled and cached."""
    if ctx.invoked_subcommand is not None:
        return
    from cockpit.forecast.service import DIMENSIONS, forecast_indicator

    if by not in DIMENSIONS:
        raise typer.BadParameter(f"--by must be one of {sorted(DIMENSIONS)}")
    run = forecast_indicator(indicator_id=indicator, by=by, horizon=horizon, home=_home())  # type: ignore[arg-type]
    if json_out:
        typer.echo(json.dumps(_summary(run), ensure_ascii=False, indent=2))
    else:
        _print_run(run)


@forecast_app.command("report")
def report(
    indicator: str | None = typer.Option(None, "--indicator", help="Only this indicator's runs."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Backtest accuracy of the latest run: MASE, sMAPE and coverage by level and method."""
    from rich.console import Console
    from rich.table import Table

    from cockpit.forecast.store import latest_run

    run = latest_run(_home(), indicator)
    if run is None:
        typer.echo("no forecast run yet; run `cockpit forecast` first", err=True)
        raise typer.Exit(1)
    rows = json.loads(run.report.drop(columns=["run_id"]).to_json(orient="records"))
    if json_out:
        out = {"run_id": run.run_id, "method": run.meta.get("method"), "data": rows}
        typer.echo(json.dumps(out | {"count": len(rows)}, ensure_ascii=False, indent=2))
        return
    table = Table(
        title=f"Backtest accuracy, run {run.run_id} (published: {run.meta.get('method')})"
    )
    for col in ("level", "method", "series", "MASE", "sMAPE", "cov 80 %", "cov 95 %"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["level"],
            r["method"],
            str(r["series"]),
            f"{r['mase']:.3f}",
            f"{r['smape']:.2f}",
            f"{r['cov80']:.0%}",
            f"{r['cov95']:.0%}",
        )
    Console().print(table)


@forecast_app.command("nowcast")
def nowcast(
    indicator: str = typer.Option("retail_sales", "--indicator", help="Indicator id."),
    json_out: bool = typer.Option(False, "--json", help="Print the nowcast as JSON."),
) -> None:
    """Estimate the month in progress from the feed so far and the latest forecast."""
    from cockpit.forecast.service import nowcast_indicator

    result = nowcast_indicator(indicator_id=indicator, home=_home())
    if json_out:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(
        f"{result.month}: {result.days_elapsed}/{result.days_in_month} days seen, "
        f"estimate {result.estimate:,.0f} (95 %: {result.lo95:,.0f}–{result.hi95:,.0f}; "
        f"feed weight {result.feed_weight:.0%})"
    )


def register(app: typer.Typer) -> None:
    """Add ``cockpit forecast`` (and its ``report`` and ``nowcast`` verbs) to the app."""
    app.add_typer(forecast_app, name="forecast")


# The sample city's feeds end in October 2026; 14 months reach December 2027, the deadline of
# the Yuzhong plan, so the plans can project its retail target from these forecasts.
DEMO_HORIZON = 14


def demo_step(ctx: DemoContext) -> str:
    """Forecast the city's monthly retail sales by district and by category (reconciled).

    The full district × category grouped run (``cockpit forecast --by both``) takes longer
    than a demo step should; these two runs give the same city figure's parts.
    """
    from cockpit.forecast.service import forecast_indicator

    lines = []
    for by in ("district", "category"):
        run = forecast_indicator(
            indicator_id="retail_sales", by=by, horizon=DEMO_HORIZON, home=ctx.home
        )
        city = run.forecasts[run.forecasts["level"] == "city"].iloc[0]
        lines.append(
            f"forecast by {by}: {run.meta['series']} series ({run.meta['method']}); "
            f"city {str(city['ds'])[:7]}: {city['mean'] / 100:,.0f} yuan "
            f"(95 %: {city['lo95'] / 100:,.0f}–{city['hi95'] / 100:,.0f})"
        )
    return "\n".join(lines)
