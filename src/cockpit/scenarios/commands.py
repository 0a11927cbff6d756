"""Command-line verbs of the scenarios room: ``cockpit scenarios ...``.

Steps are signed with ``--as ROLE:NAME`` (unit, firm, reviewer, operator); a firm signs
with its firm id, a reviewer with their reviewer id.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cockpit.format import json_text

if TYPE_CHECKING:
    from cockpit.demo import DemoContext
    from cockpit.scenarios.vocab import Actor

app = typer.Typer(help="Scenario lists, open calls (揭榜挂帅), matching, cases, open data.")
JSON_OPT = typer.Option(False, "--json", help="Print JSON.")
AS_OPT = typer.Option(..., "--as", help="Who signs: ROLE:NAME, e.g. unit:渝中区商务委员会.")


def _ready() -> None:
    from cockpit.db import upgrade

    upgrade()


def _actor(spec: str) -> Actor:
    from cockpit.scenarios.vocab import Actor, Role

    role, _, name = spec.partition(":")
    try:
        return Actor(Role(role), name or role)
    except ValueError as exc:
        roles = ", ".join(r.value for r in Role)
        raise typer.BadParameter(f"role must be one of {roles}", param_hint="--as") from exc


def _emit(data: Any, as_json: bool, lines: list[str]) -> None:
    if as_json:
        typer.echo(json_text(data))
    else:
        typer.echo("\n".join(lines))


def _guard(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a service call; a refusal becomes a one-line error and exit code 1."""
    from cockpit.scenarios.vocab import ScenarioError

    try:
        return fn(*args, **kwargs)
    except ScenarioError as exc:
        typer.secho(f"refused: {exc}", err=True, fg="red")
        raise typer.Exit(1) from exc


@app.command("import")
def import_cmd(
    path: Path = typer.Argument(None, help="YAML file like the sample; default: the sample."),
    json_out: bool = JSON_OPT,
) -> None:
    """Load scenario needs, firms and solutions from a YAML file (default: the sample)."""
    from cockpit.scenarios import sample

    _ready()
    counts = _guard(sample.load_sample, data=sample.sample_data(path))
    _emit(counts, json_out, [f"loaded {counts}"])


@app.command("list")
def list_cmd(
    sector: str = typer.Option(None, help="industry, culture_tourism, consumption, ..."),
    district: str = typer.Option(None, help="GB/T 2260 district code, e.g. 500103."),
    open_only: bool = typer.Option(False, "--open", help="Only needs still open today."),
    json_out: bool = JSON_OPT,
) -> None:
    """The scenario list (场景清单)."""
    from cockpit.scenarios import registry
    from cockpit.scenarios.history import shanghai_now

    _ready()
    today = shanghai_now().date() if open_only else None
    rows = registry.list_scenarios(sector=sector, district=district, open_on=today)
    data = [r.model_dump(mode="json") for r in rows]
    lines = [f"{r.id:<6} {r.sector:<16} {r.district_code} {r.deadline} {r.title_zh}" for r in rows]
    _emit(data, json_out, lines or ["(none)"])


@app.command("show")
def show_cmd(
    key: str = typer.Argument(..., help="A scenario or call id."), json_out: bool = JSON_OPT
) -> None:
    """One scenario need, or one call with its timeline."""
    from cockpit.scenarios import calls, registry
    from cockpit.scenarios.vocab import NotFound

    _ready()
    try:
        call = calls.get_call(key)
    except NotFound:
        need = _guard(registry.get_scenario, key)
        _emit(
            need.model_dump(mode="json"),
            json_out,
            [
                f"{need.id} {need.title_zh}",
                need.description_zh,
                f"capabilities: {', '.join(need.capabilities)}",
            ],
        )
        return
    events = calls.timeline(key)
    data = {**call.model_dump(mode="json"), "timeline": [e.model_dump(mode="json") for e in events]}
    lines = [f"{call.id} {call.title_zh} [{call.state}]"]
    lines += [f"  {e.at:%Y-%m-%d %H:%M} {e.action:<16} {e.role}:{e.actor}" for e in events]
    _emit(data, json_out, lines)


@app.command("draft")
def draft_cmd(
    scenario_id: str,
    call_id: str = typer.Option(None, help="Id of the new call."),
    signer: str = AS_OPT,
    json_out: bool = JSON_OPT,
) -> None:
    """Draft a call for a scenario need (default criteria and weights)."""
    from cockpit.scenarios import calls

    _ready()
    call = _guard(calls.create_call, scenario_id=scenario_id, call_id=call_id, actor=_actor(signer))
    _emit(call.model_dump(mode="json"), json_out, [f"{call.id} drafted"])


@app.command("step")
def step_cmd(
    call_id: str,
    step: str = typer.Argument(
        ..., help="publish, open, close, review, award, contract, deliver, accept or withdraw"
    ),
    signer: str = AS_OPT,
    text: str = typer.Option(None, help="Delivery summary, acceptance conclusion or reason."),
    value_fen: int = typer.Option(None, help="Contract value in fen (default: awarded price)."),
    json_out: bool = JSON_OPT,
) -> None:
    """Move a call one step through its lifecycle (publish, award, ... accept)."""
    from cockpit.scenarios import calls

    _ready()
    call = _guard(
        calls.advance,
        call_id=call_id,
        step=step,
        actor=_actor(signer),
        text=text,
        value_fen=value_fen,
    )
    lines = [f"{call.id} is now {call.state}"]
    if step == "award" and call.award_explanation:
        lines.append(
            f"  winner {call.award_application_id}: {call.award_explanation['decided_by']['zh']}"
        )
    _emit(call.model_dump(mode="json"), json_out, lines)


@app.command("apply")
def apply_cmd(
    call_id: str,
    firm_id: str,
    price_fen: int = typer.Option(..., help="Price in fen."),
    proposal: str = typer.Option(..., help="The proposal, in Chinese."),
    solution_id: str = typer.Option(None),
    json_out: bool = JSON_OPT,
) -> None:
    """A firm takes up a call (揭榜); signed by the firm itself."""
    from cockpit.scenarios import panel
    from cockpit.scenarios.vocab import Actor, Role

    _ready()
    app_ = _guard(
        panel.apply,
        call_id=call_id,
        firm_id=firm_id,
        proposal_zh=proposal,
        price_fen=price_fen,
        solution_id=solution_id,
        actor=Actor(Role.FIRM, firm_id),
    )
    _emit(app_.model_dump(mode="json"), json_out, [f"application {app_.id} submitted"])


@app.command("score")
def score_cmd(
    call_id: str,
    application_id: str,
    reviewer_id: str,
    sheet: str = typer.Option(..., help='Scores as JSON, e.g. {"technical": 85, ...}.'),
) -> None:
    """A panel reviewer scores an application on every declared criterion."""
    from cockpit.scenarios import panel
    from cockpit.scenarios.vocab import Actor, Role

    _ready()
    _guard(
        panel.score_application,
        call_id=call_id,
        application_id=application_id,
        reviewer_id=reviewer_id,
        sheet=json.loads(sheet),
        actor=Actor(Role.REVIEWER, reviewer_id),
    )
    typer.echo(f"{reviewer_id} scored {application_id}")


@app.command("seat")
def seat_cmd(
    call_id: str,
    reviewer_id: str,
    name: str = typer.Option(None, help="Adds the reviewer to the pool first."),
    organisation: str = typer.Option("", help="The reviewer's organisation."),
    signer: str = AS_OPT,
) -> None:
    """Seat a reviewer on a call's panel (operator)."""
    from cockpit.scenarios import panel

    _ready()
    actor = _actor(signer)
    if name:
        _guard(
            panel.add_reviewer,
            reviewer_id=reviewer_id,
            name=name,
            organisation=organisation,
            actor=actor,
        )
    _guard(panel.seat_reviewer, call_id=call_id, reviewer_id=reviewer_id, actor=actor)
    typer.echo(f"{reviewer_id} seated on {call_id}")


@app.command("conflict")
def conflict_cmd(
    call_id: str,
    reviewer_id: str,
    reason: str = typer.Option(..., help="Why (kept in the history)."),
    firm: str = typer.Option(None, help="The firm concerned; none: the whole call."),
    signer: str = AS_OPT,
) -> None:
    """Declare a reviewer's conflict of interest; scores it touches are withdrawn."""
    from cockpit.scenarios import panel

    _ready()
    withdrawn = _guard(
        panel.declare_conflict,
        call_id=call_id,
        reviewer_id=reviewer_id,
        firm_id=firm,
        reason=reason,
        actor=_actor(signer),
    )
    typer.echo(f"conflict recorded; {withdrawn} score(s) withdrawn")


@app.command("promote")
def promote_cmd(
    call_id: str,
    results: str = typer.Option(..., help="The results, in Chinese."),
    benchmark: bool = typer.Option(False, help="Also a benchmark scene (标杆场景)."),
    signer: str = AS_OPT,
) -> None:
    """Promote an accepted call to the case library (operator)."""
    from cockpit.scenarios import catalogues

    _ready()
    case = _guard(
        catalogues.promote_case,
        call_id=call_id,
        results_zh=results,
        benchmark=benchmark,
        actor=_actor(signer),
    )
    typer.echo(f"case {case.id} added to the library")


@app.command("match")
def match_cmd(
    scenario_id: str = typer.Argument(None, help="Rank solutions (or --firms) for this need."),
    firm: str = typer.Option(None, help="Rank open needs for this firm instead."),
    firms: bool = typer.Option(False, "--firms", help="Rank firms rather than solutions."),
    limit: int = typer.Option(10),
    json_out: bool = JSON_OPT,
) -> None:
    """Supply–demand matching: candidates for a need, or open needs for a firm."""
    from cockpit.scenarios import matching
    from cockpit.scenarios.history import shanghai_now

    _ready()
    if firm:
        found = _guard(
            matching.match_scenarios, firm_id=firm, open_on=shanghai_now().date(), limit=limit
        )
    elif scenario_id:
        fn = matching.match_firms if firms else matching.match_solutions
        found = _guard(fn, scenario_id=scenario_id, limit=limit)
    else:
        raise typer.BadParameter("give a SCENARIO_ID or --firm")
    data = [vars(m) for m in found]
    lines = [f"{m.score:6.3f} {m.id:<6} {m.title_zh}  {m.parts}" for m in found]
    _emit(data, json_out, lines or ["(none)"])


@app.command("export")
def export_cmd(
    out: Path = typer.Option(..., help="File to write (.json OCDS, .csv or .xlsx)."),
    json_out: bool = JSON_OPT,
) -> None:
    """Export calls and awards: OCDS 1.1 release package (.json), CSV or Excel."""
    from cockpit.scenarios import exports, ocds

    _ready()
    if out.suffix == ".json":
        package = ocds.release_package()
        errors = ocds.validate_package(package)
        if errors:
            typer.secho("\n".join(errors[:20]), err=True, fg="red")
            raise typer.Exit(1)
        out.write_text(json.dumps(package, ensure_ascii=False, indent=2), "utf-8")
        rows = len(package["releases"])
    elif out.suffix == ".csv":
        rows = exports.write_csv(out)
    elif out.suffix == ".xlsx":
        rows = exports.write_excel(out)
    else:
        raise typer.BadParameter("use a .json, .csv or .xlsx file", param_hint="--out")
    _emit({"path": str(out), "rows": rows}, json_out, [f"wrote {rows} call(s) to {out}"])


@app.command("to-lake")
def to_lake_cmd(json_out: bool = JSON_OPT) -> None:
    """Write every scenarios event to the lake (table scenario_events)."""
    from cockpit.config import get_settings
    from cockpit.scenarios import event_export

    _ready()
    path = event_export.export_events(lake=get_settings().lake_dir)
    _emit({"path": str(path)}, json_out, [f"wrote {path}"])


@app.command("counts")
def counts_cmd(json_out: bool = JSON_OPT) -> None:
    """Scenarios and cases by sector and district; products in the catalogue."""
    from cockpit.scenarios import catalogues

    _ready()
    data = {
        "scenarios": catalogues.count_scenarios(),
        "cases": catalogues.count_cases(),
        "products": catalogues.count_products(),
        "scenarios_by_sector": catalogues.counts_by("scenarios", "sector"),
        "cases_by_sector": catalogues.counts_by("cases", "sector"),
        "cases_by_district": catalogues.counts_by("cases", "district_code"),
    }
    _emit(data, json_out, [f"{k}: {v}" for k, v in data.items()])


def demo_step(ctx: DemoContext) -> str:
    """Load the sample registry, run one call through its lifecycle, and summarise."""
    from cockpit.config import get_settings
    from cockpit.db import get_engine, upgrade
    from cockpit.scenarios import calls, catalogues, event_export, matching, sample, walkthrough
    from cockpit.scenarios.vocab import NotFound

    upgrade()
    engine = get_engine()
    try:
        calls.get_call(walkthrough.CALL_ID, engine=engine)
    except NotFound:
        sample.load_sample(engine=engine)
        walkthrough.run_sample_call(engine=engine)
    event_export.export_events(lake=get_settings().lake_dir, engine=engine)
    final = calls.get_call(walkthrough.CALL_ID, engine=engine)
    decided = (final.award_explanation or {}).get("decided_by", {}).get("zh", "")
    best = matching.match_solutions(scenario_id="S11", engine=engine, limit=1)[0]
    return (
        f"{catalogues.count_scenarios(engine=engine)} scenario needs, "
        f"{catalogues.count_cases(engine=engine)} case(s); call {final.id} ({final.title_zh}) "
        f"is {final.state}, {len(calls.timeline(final.id, engine=engine))} events; "
        f"award: {decided}; best match for S11: {best.id} {best.title_zh} ({best.score:.2f})"
    )


def register(root: typer.Typer) -> None:
    """Add ``cockpit scenarios ...`` to the ``cockpit`` app."""
    root.add_typer(app, name="scenarios")
