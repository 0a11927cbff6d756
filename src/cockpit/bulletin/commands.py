"""Command-line verbs of the bulletin room: ``cockpit bulletin [--month …]``, ``schedule``,
``list`` and ``verify``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cockpit.format import json_text
from cockpit.lake import lake_of

if TYPE_CHECKING:
    from cockpit.bulletin.issue import IssueResult
    from cockpit.demo import DemoContext

bulletin_app = typer.Typer(
    help="The monthly bulletin in the statistics bureau's form: PDF, Excel, HTML; schedules.",
)
LANGS = ("zh-CN", "en")


def _dump(data: Any) -> None:
    typer.echo(json_text(data))


def _fail(message: str) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(2)


def _summary(result: IssueResult) -> dict[str, Any]:
    issued = result.issued
    return {
        "region": issued.manifest["region"],
        "period": issued.manifest["period"],
        "lang": issued.manifest["lang"],
        "version": issued.version,
        "new": result.new,
        "data_version": issued.manifest["data_version"],
        "files": {k: str(issued.file(k)) for k in issued.manifest["names"]},
        "sha256": issued.manifest["sha256"],
        "changes": issued.changes,
        "seconds": round(result.seconds, 2),
    }


def _regions(district: str | None, all_districts: bool) -> list[str]:
    from cockpit import reference

    if all_districts:
        return [reference.CITY_CODE, *(d.code for d in reference.districts())]
    if district is None or district == reference.CITY_CODE:
        return [reference.CITY_CODE]
    return [reference.current_district_code(district)]


def issue_many(
    *, month: str | None, regions: list[str], lang: str, home: Path, progress: bool
) -> list[IssueResult]:
    """Issue the bulletins of ``regions`` (one read of the lake), with a progress bar."""
    from rich.progress import track

    from cockpit.bulletin.figures import Inputs
    from cockpit.bulletin.issue import issue_bulletin

    inputs = Inputs(lake_of(home))
    month = month or inputs.latest_month
    if month is None:
        raise LookupError("the lake has no built indicator values: run `cockpit build`")
    steps = track(regions, description="bulletins", disable=not progress, transient=True)
    return [
        issue_bulletin(month=month, region=r, lang=lang, home=home, inputs=inputs)  # type: ignore[arg-type]
        for r in steps
    ]


@bulletin_app.callback(invoke_without_command=True)
def bulletin_cmd(
    ctx: typer.Context,
    month: str = typer.Option(
        None,
        help="Month YYYY-MM (2026-10); January or February gives the 1–2月 release. "
        "Default: the latest month with data.",
    ),
    district: str = typer.Option(None, help="GB/T 2260 code of one district (default: the city)."),
    all_districts: bool = typer.Option(
        False, "--all-districts", help="The city and every district."
    ),
    lang: str = typer.Option("zh-CN", help="zh-CN or en."),
    out: Path = typer.Option(None, help="Also copy the PDF, workbook and HTML into this folder."),
    png_preview: bool = typer.Option(
        False, "--png-preview", help="Also write page 1 of the PDF as a PNG into --out."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print what was issued as JSON."),
) -> None:
    """Issue the bulletin of a month: compute, render PDF/Excel/HTML, archive a version."""
    if ctx.invoked_subcommand is not None:
        return
    from cockpit.bulletin.compute import NoData
    from cockpit.bulletin.periods import BadMonth
    from cockpit.config import get_settings
    from cockpit.reference import ReferenceError

    if lang not in LANGS:
        _fail(f"--lang {lang!r}: use zh-CN or en")
    if png_preview and out is None:
        _fail("--png-preview writes into --out: give --out DIR")
    try:
        regions = _regions(district, all_districts)
        results = issue_many(
            month=month,
            regions=regions,
            lang=lang,
            home=get_settings().ensure_home(),
            progress=not json_out and len(regions) > 1,
        )
    except (BadMonth, NoData, ReferenceError, LookupError) as exc:
        _fail(str(exc))
        return
    if out is not None:
        _copy_out(results, out, png_preview)
    summaries = [_summary(r) for r in results]
    if json_out:
        _dump(summaries if len(summaries) > 1 else summaries[0])
        return
    for s in summaries:
        state = "new version" if s["new"] else "unchanged, kept"
        typer.echo(
            f"{s['region']} {s['period']} {s['lang']} v{s['version']} ({state}): "
            f"{s['files']['pdf']}"
        )
        for c in s["changes"]:
            typer.echo(f"  changed {c['label']}: {c['before']} → {c['after']}")


def _copy_out(results: list[IssueResult], out: Path, png: bool) -> None:
    from cockpit.bulletin.pdf import png_preview

    out.mkdir(parents=True, exist_ok=True)
    for r in results:
        for kind in ("pdf", "xlsx", "html"):
            src = r.issued.file(kind)
            shutil.copyfile(src, out / src.name)
        if png:
            pdf = r.issued.file("pdf")
            png_preview(pdf, out / (pdf.stem + "-p1.png"))


@bulletin_app.command("schedule")
def schedule_cmd(
    file: Path = typer.Option(
        None,
        help="Schedule file (default: COCKPIT_HOME/bulletin/schedule.yaml or the shipped one).",
    ),
    channels: Path = typer.Option(
        None, help="Channels file (default: COCKPIT_HOME/alerts/channels.yaml)."
    ),
    check: bool = typer.Option(
        False, "--check", help="Validate the schedule and show the next runs."
    ),
    run_now: str = typer.Option(
        None, "--run-now", help="Run this schedule id once now, then exit."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Run the bulletin schedules (the scheduler process), check them, or run one now."""
    import datetime as dt
    from dataclasses import asdict

    from cockpit.bulletin.schedule import load_schedules, run_once, serve_schedules
    from cockpit.config import get_settings
    from cockpit.datafiles import DataFileError

    try:
        schedules = load_schedules(file)
    except DataFileError as exc:
        _fail(str(exc))
        return
    home = get_settings().ensure_home()
    if check:
        now = dt.datetime.now(dt.UTC)
        nexts = [
            {"id": s.id, "next_run": str(s.trigger().get_next_fire_time(None, now))}  # type: ignore[attr-defined]
            for s in schedules.schedules
        ]
        if json_out:
            _dump(nexts)
        else:
            for n in nexts:
                typer.echo(f"{n['id']}: next run {n['next_run']}")
        return
    if run_now is not None:
        found = [s for s in schedules.schedules if s.id == run_now]
        if not found:
            _fail(f"no schedule {run_now!r}; have {[s.id for s in schedules.schedules]}")
        try:
            report = run_once(found[0], home=home, channels_path=channels)
        except LookupError as exc:
            _fail(str(exc))
            return
        if json_out:
            _dump(asdict(report))
        else:
            typer.echo(
                f"{report.schedule}: {len(report.issued)} bulletin(s) for {report.month}, "
                f"{sum(1 for d in report.deliveries if d['ok'])}/{len(report.deliveries)} delivered"
            )
        return
    typer.echo(f"scheduler: {len(schedules.schedules)} schedule(s); Ctrl-C to stop", err=True)
    serve_schedules(schedules, home=home, channels_path=channels)


@bulletin_app.command("list")
def list_cmd(
    json_out: bool = typer.Option(False, "--json", help="Print the archive as JSON."),
) -> None:
    """The archive: every issued version, newest first."""
    from cockpit.bulletin.archive import all_issued
    from cockpit.config import get_settings

    rows = [
        {
            k: i.manifest[k]
            for k in ("region", "period", "lang", "version", "issued_at", "data_version")
        }
        | {"folder": str(i.folder), "changes": len(i.changes)}
        for i in all_issued(get_settings().home)
    ]
    if json_out:
        _dump({"data": rows, "count": len(rows)})
        return
    for r in rows:
        typer.echo(
            f"{r['issued_at']}  {r['region']} {r['period']} {r['lang']} v{r['version']}  "
            f"{r['folder']}"
        )


@bulletin_app.command("verify")
def verify_cmd(
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Recompute every archived file's SHA-256; exit 1 if any was changed after issue."""
    from cockpit.bulletin.archive import all_issued, verify
    from cockpit.config import get_settings

    bad = {str(i.folder): verify(i) for i in all_issued(get_settings().home)}
    bad = {k: v for k, v in bad.items() if v}
    if json_out:
        _dump({"ok": not bad, "altered": bad})
    else:
        typer.echo("archive intact" if not bad else f"altered after issue: {bad}")
    if bad:
        raise typer.Exit(1)


def demo_step(ctx: DemoContext) -> str:
    """Issue the latest month's bulletin of the city and say where it is."""
    results = issue_many(
        month=None, regions=["500000"], lang="zh-CN", home=ctx.home, progress=False
    )
    r = results[0]
    return (
        f"bulletin {r.issued.manifest['period']} v{r.issued.version}: {r.issued.file('pdf')} "
        f"(Excel {r.issued.file('xlsx').name}); in the cockpit at /bulletins"
    )


def register(app: typer.Typer) -> None:
    """Add ``cockpit bulletin`` to the app."""
    app.add_typer(bulletin_app, name="bulletin")
