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


def _ratio(value: float) -> str:
    """A MASE for a table: three decimals, or whole numbers once it is absurd."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3f}"


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
    from cockpit.forecast.run import COVERAGE_FLOOR, below_floor

    report_frame = run.report.drop(columns=["run_id"])
    if "mase_median" not in report_frame:  # runs stored before the median was reported
        report_frame = report_frame.assign(mase_median=float("nan"))
    report_frame = report_frame.assign(below_nominal=below_floor(report_frame))
    rows = json.loads(report_frame.to_json(orient="records"))
    method = run.meta.get("method")
    if json_out:
        out = {"run_id": run.run_id, "method": method, "coverage_floor": COVERAGE_FLOOR}
        out |= {"data": rows, "count": len(rows)}
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Backtest accuracy, run {run.run_id} (published: {method})")
    columns = ("level", "method", "series", "MASE", "MASE med.", "sMAPE", "cov 80 %", "cov 95 %")
    for col in columns:
        table.add_column(col)
    for r in rows:
        low80, low95 = r["cov80"] < COVERAGE_FLOOR[80], r["cov95"] < COVERAGE_FLOOR[95]
        table.add_row(
            r["level"],
            r["method"] + (" *" if r["method"] == method else ""),
            str(r["series"]),
            _ratio(r["mase"]),
            "–" if r["mase_median"] is None else _ratio(r["mase_median"]),
            f"{r['smape']:.1f}",
            f"{r['cov80']:.0%}" + (" ⚠" if low80 else ""),
            f"{r['cov95']:.0%}" + (" ⚠" if low95 else ""),
        )
    console = Console(width=max(Console().width, 110))
    console.print(table)
    published = [r for r in rows if r["method"] == method]
    console.print(
        "* published. Coverage of the published intervals by level: "
        + ", ".join(f"{r['level']} {r['cov80']:.0%} / {r['cov95']:.0%}" for r in published)
        + f" (nominal 80 % / 95 %; ⚠ below {COVERAGE_FLOOR[80]:.0%} / {COVERAGE_FLOOR[95]:.0%})."
    )


@forecast_app.command("nowcast")
def nowcast(
    indicator: str = typer.Option("retail_sales", "--indicator", help="Indicator id."),
    json_out: bool = typer.Option(False, "--json", help="Print the nowcast as JSON."),
) -> None:
    """The feed's month in progress, on the sample's scale (official figures: `official`)."""
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


@forecast_app.command("official")
def official(
    months: int = typer.Option(24, "--months", min=1, max=36, help="Months ahead to estimate."),
    json_out: bool = typer.Option(False, "--json", help="Print the run and its backtest as JSON."),
) -> None:
    """Nowcast and forecast every published official series, backtested against the rules
    a statistician tries first; store the estimates (official_estimates) and the backtest."""
    from cockpit.forecast.officialrun import run_official

    with _status("backtesting and estimating the official series", quiet=json_out):
        summary = run_official(_home(), months=months)
    if json_out:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    _print_official(summary)


def _status(text: str, *, quiet: bool) -> Any:
    from rich.console import Console

    return Console(stderr=True, quiet=quiet).status(text)


def _print_official(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Official series: rolling backtest (MAPE %, coverage of 80/95 % bands)")
    for col in ("horizon", "model", "rule (b)", "rule (a)", "model cov 80/95", "published"):
        table.add_column(col, justify="right")
    for r in summary["horizons"]:
        table.add_row(
            r["label"],
            _num(r.get("ar")),
            _num(r.get("rule_b")),
            _num(r.get("rule_a")),
            f"{_pct(r.get('cov80'))} / {_pct(r.get('cov95'))}",
            f"model {r['model_series']}, rule (b) {r['rule_series']}",
        )
    Console().print(table)
    typer.echo(
        f"run {summary['run_id']}: {summary['series']} series, "
        f"{summary['backtest_rows']} backtest rows"
    )


def _num(v: Any) -> str:
    return "—" if v is None else f"{v:.2f}"


def _pct(v: Any) -> str:
    return "—" if v is None else f"{v:.0%}"


def register(app: typer.Typer) -> None:
    """Add ``cockpit forecast`` (and its ``report`` and ``nowcast`` verbs) to the app."""
    app.add_typer(forecast_app, name="forecast")


# The sample city's feeds end in October 2026; 14 months reach December 2027, the deadline of
# the Yuzhong plan, so the plans can project its retail target from these forecasts.
DEMO_HORIZON = 14


def demo_step(ctx: DemoContext) -> str:
    """Estimate the official series (the cockpit's official scale), and forecast the feed's
    monthly retail sales by district and by category (the sample views).

    The full district × category grouped run (``cockpit forecast --by both``) takes longer
    than a demo step should; these two runs give the same city figure's parts.
    """
    from cockpit.forecast.officialrun import run_official
    from cockpit.forecast.service import forecast_indicator

    official = run_official(ctx.home)
    lines = [f"official series: {official['series']} estimated (run {official['run_id']})"]
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
