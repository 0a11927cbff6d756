"""Command-line verbs of the industry room: ``cockpit industry ...``.

Load the office lists into the firm registry, look at firms, chains and the gap list,
export the 招商 target list, recount the plans' measures, and ask who qualifies for the
rent and carrier subsidies.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cockpit.format import json_text

if TYPE_CHECKING:
    from cockpit.demo import DemoContext

app = typer.Typer(
    help="Firm registry (统一社会信用代码), industry chains, the 招商 map and gap list.",
    no_args_is_help=True,
)
JSON_OPT = typer.Option(False, "--json", help="Print JSON.")
KINDS = "firms, designations, carriers, links, candidates or refs"


def _ready() -> None:
    from cockpit.db import upgrade

    upgrade()


def _emit(data: Any, as_json: bool, lines: list[str]) -> None:
    if as_json:
        # A listing already built as {data, count} keeps its shape; anything else is wrapped.
        if isinstance(data, dict) and "data" in data:
            also = {k: v for k, v in data.items() if k not in ("data", "count")}
            typer.echo(json_text(data["data"], **also))
        else:
            typer.echo(json_text(data))
    else:
        typer.echo("\n".join(lines))


def _guard(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a service call; a refusal becomes a one-line error and exit code 1."""
    from cockpit.datafiles import DataFileError
    from cockpit.industry.lists import ListFileError
    from cockpit.industry.vocab import IndustryError

    try:
        return fn(*args, **kwargs)
    except (IndustryError, ListFileError, DataFileError) as exc:
        typer.secho(f"refused: {exc}", err=True, fg="red")
        raise typer.Exit(1) from exc


def _yi(fen: int | None) -> str:
    from cockpit.format import money

    return money(fen, "zh-CN", digits=2, unit="亿元")


@app.command("load")
def load(
    kind: str = typer.Argument(..., help=f"Which list: {KINDS}."),
    paths: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="Excel/CSV files."),
    sheet: str = typer.Option(None, help="Sheet of an Excel workbook (default: the first)."),
    json_out: bool = JSON_OPT,
) -> None:
    """Load office lists (Chinese headers accepted); refused rows are kept with their reason."""
    from cockpit.industry.registry import load_list

    _ready()
    reports = [_guard(load_list, kind, p, sheet=sheet).to_dict() for p in paths]
    lines = [
        f"{r['file']}: {r['rows_read']} rows, {r['added']} added, {r['changed']} changed, "
        f"{r['unchanged']} unchanged, {r['rejected']} refused {r['reasons'] or ''}"
        for r in reports
    ]
    _emit({"data": reports, "count": len(reports)}, json_out, lines)


@app.command("rejects")
def rejects(json_out: bool = JSON_OPT) -> None:
    """Rows the loads refused: file, line, field, reason."""
    from cockpit.industry.registry import refused_rows

    _ready()
    rows = refused_rows()
    lines = [f"{r['file']}:{r['line']} {r['field']} {r['reason']}: {r['message']}" for r in rows]
    _emit({"data": rows, "count": len(rows)}, json_out, lines or ["no refused rows"])


@app.command("check-code")
def check_code(
    codes: list[str] = typer.Argument(..., help="Unified social credit codes."),
    json_out: bool = JSON_OPT,
) -> None:
    """Check credit codes against GB 32100-2015 (exit code 1 if any is invalid)."""
    from cockpit.industry.creditcode import normalise, problem

    rows = [
        {"code": c, "valid": problem(normalise(c)) is None, "problem": problem(normalise(c))}
        for c in codes
    ]
    lines = [f"{r['code']}: {'valid' if r['valid'] else r['problem']}" for r in rows]
    _emit({"data": rows, "count": len(rows)}, json_out, lines)
    if not all(r["valid"] for r in rows):
        raise typer.Exit(1)


@app.command("firms")
def firms(
    district: str = typer.Option(None, help="GB/T 2260 district code."),
    chain: str = typer.Option(None, help="Chain id (metaverse, ai)."),
    node: str = typer.Option(None, help="Node id of a chain."),
    designation: str = typer.Option(None, help="Designation code in force (e.g. little_giant)."),
    size: str = typer.Option(None, help="large, medium, small or micro."),
    text: str = typer.Option(None, "--q", help="Part of the name, or a credit code."),
    out: Path = typer.Option(None, help="Also write the list to this .xlsx file."),
    json_out: bool = JSON_OPT,
) -> None:
    """The registry's firms, filtered; with --out, an Excel download."""
    from cockpit.industry.atlas import FirmFilter, list_firms
    from cockpit.industry.exports import FIRM_HEADER, firm_rows, workbook_bytes

    _ready()
    flt = FirmFilter(district, chain, node, designation, size, text)
    rows = _guard(list_firms, flt)
    if out is not None:
        out.write_bytes(workbook_bytes("企业库", FIRM_HEADER, firm_rows(rows)))
    lines = [
        f"{r['credit_code']} {r['name_zh']} {r['district_code']} {r['size'] or '—'} "
        f"{_yi(r['revenue_fen'])} {','.join(r['designations'])}"
        for r in rows
    ]
    _emit({"data": rows, "count": len(rows)}, json_out, [*lines, f"{len(rows)} firms"])


@app.command("firm")
def firm(
    credit_code: str = typer.Argument(..., help="The firm's unified social credit code."),
    json_out: bool = JSON_OPT,
) -> None:
    """One firm: every version of its row (file and line), designations, other rooms' ids."""
    from cockpit.industry.registry import firm_history

    _ready()
    data = _guard(firm_history, credit_code)
    lines = [f"{data['credit_code']} {data['name_zh']} (version {data['version']})"]
    lines += [
        f"  v{v['version']} {v['source_file']}:{v['line']} {v['data']}" for v in data["versions"]
    ]
    lines += [
        f"  {d['kind']} {d['level']} {d['granted_on']}–{d['expires_on'] or ''}"
        for d in data["designations"]
    ]
    lines += [f"  {r['room']}: {r['ref_id']}" for r in data["references"]]
    _emit(data, json_out, lines)


@app.command("map")
def chain_map_cmd(
    chain: str = typer.Argument(..., help="Chain id (metaverse, ai)."),
    json_out: bool = JSON_OPT,
) -> None:
    """Every node of a chain: confirmed and uncertain local firms, revenue, coverage."""
    from cockpit.industry.atlas import chain_map

    _ready()
    views = _guard(chain_map, chain)
    data = [v.to_dict() for v in views]
    lines = [
        f"{v.segment_zh} / {v.node_zh}: {v.coverage} — {len(v.confirmed)} confirmed, "
        f"{len(v.uncertain)} uncertain, {_yi(v.revenue_fen)}, {len(v.candidates)} candidates"
        for v in views
    ]
    _emit({"data": data, "count": len(data)}, json_out, lines)


@app.command("gaps")
def gaps(
    chain: str = typer.Option(None, help="Only this chain."),
    out: Path = typer.Option(None, help="Write the 招商 target list to this .xlsx file."),
    json_out: bool = JSON_OPT,
) -> None:
    """The gap list: nodes without a confirmed sizeable local firm, with outside candidates."""
    from cockpit.industry.atlas import gap_list
    from cockpit.industry.exports import TARGET_HEADER, target_list_rows, workbook_bytes

    _ready()
    views = _guard(gap_list, chain_id=chain)
    if out is not None:
        out.write_bytes(workbook_bytes("招商目标", TARGET_HEADER, target_list_rows(views)))
    data = [v.to_dict() for v in views]
    lines = [
        f"{v.chain_id}/{v.node_id} {v.node_zh}: {len(v.confirmed)} small local firm(s); "
        f"candidates: {', '.join(c.name_zh for c in v.candidates) or 'none'}"
        for v in views
    ]
    _emit({"data": data, "count": len(data)}, json_out, [*lines, f"{len(views)} gap nodes"])


@app.command("measures")
def measures(
    on: str = typer.Option(None, help="Count designations in force on this day (YYYY-MM-DD)."),
    json_out: bool = JSON_OPT,
) -> None:
    """The figures the plans read, each with its definition."""
    from cockpit.industry.measures import MEASURES, measure

    _ready()
    day = date.fromisoformat(on) if on else None
    rows: list[dict[str, Any]] = []
    for name, m in MEASURES.items():
        for chain in m.chains:
            figure = measure(name, chain=chain, on=day)
            rows.append(
                {
                    "measure": name,
                    "chain": chain,
                    "value": figure.value,
                    "unit": m.unit,
                    "year": figure.year,
                    "definition_en": m.help_en,
                    "definition_zh": m.help_zh,
                }
            )
    lines = [
        f"{r['measure']}{'/' + str(r['chain']) if r['chain'] else ''}: "
        f"{_yi(int(r['value'])) if r['unit'] == 'fen' else r['value']} ({r['year']})"
        for r in rows
    ]
    _emit({"data": rows, "count": len(rows)}, json_out, lines)


@app.command("eligible")
def eligible(
    kind: str = typer.Argument(..., help="rent_subsidy or carrier_subsidy."),
    applicant: str = typer.Argument(..., help="Credit code, or a programmes id linked to one."),
    facts: str = typer.Option(
        "{}", help='The application\'s facts as JSON, e.g. {"area_m2": 500}.'
    ),
    on: str = typer.Option(None, help="The application day (YYYY-MM-DD; default today)."),
    json_out: bool = JSON_OPT,
) -> None:
    """Would the registry let this firm receive the subsidy, and why."""
    from cockpit.industry.eligibility import subsidy_eligibility
    from cockpit.industry.registry import now_shanghai

    _ready()
    try:
        given = json.loads(facts)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"not JSON: {exc}", param_hint="--facts") from exc
    day = date.fromisoformat(on) if on else now_shanghai().date()
    verdict = subsidy_eligibility(kind=kind, applicant=applicant, facts=given, on=day)
    if verdict is None:
        raise typer.BadParameter("the registry decides rent_subsidy and carrier_subsidy only")
    data = {
        "eligible": verdict.eligible,
        "credit_code": verdict.credit_code,
        "facts": verdict.facts,
        "reasons": [{"en": en, "zh": zh} for en, zh in verdict.lines],
    }
    lines = ["eligible" if verdict.eligible else "not eligible"]
    lines += [f"  {zh} / {en}" for en, zh in verdict.lines]
    _emit(data, json_out, lines)


@app.command("check-chain")
def check_chain(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="A chain YAML file."),
) -> None:
    """Validate a chain definition; errors name the line and field."""
    from cockpit.industry.chains import load_chain

    chain = _guard(load_chain, path)
    typer.echo(f"{chain.id}: {len(chain.segments)} segments, {len(chain.nodes())} nodes")


def demo_step(ctx: DemoContext) -> str:
    """Load the sample city's industry lists, in the order its ground truth gives."""
    from cockpit.industry.atlas import gap_list
    from cockpit.industry.measures import measure
    from cockpit.industry.registry import load_list

    _ready()
    truth = json.loads((ctx.sample_dir / "ground_truth.json").read_text("utf-8"))["industry"]
    reports = [load_list(kind, ctx.sample_dir / rel) for kind, rel in truth["load_order"]]
    firms = sum(r.added for r in reports if r.kind == "firms")
    refused = sum(r.rejected for r in reports)
    gaps = gap_list()
    scale = measure("industry_scale", chain="metaverse")
    return (
        f"industry registry: {firms} firms, {refused} rows refused; "
        f"{len(gaps)} gap nodes; metaverse chain revenue {_yi(scale.value)} ({scale.year})"
    )


def register(root: typer.Typer) -> None:
    """Add ``cockpit industry ...`` to the ``cockpit`` app."""
    root.add_typer(app, name="industry")
