"""Command-line verbs of the programmes room, ``cockpit ledger verify``, and ``cockpit apikeys``.

``cockpit apikeys`` is defined in ``cockpit.web.auth`` and registered here until the web room
registers it itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from cockpit.format import json_text

programmes_app = typer.Typer(
    help="Voucher and subsidy programmes: install, run rounds, check.", no_args_is_help=True
)
ledger_app = typer.Typer(help="The programmes' tamper-evident ledger.", no_args_is_help=True)

JSON_OPT = typer.Option(False, "--json", help="Print JSON.")


def _echo_json(data: Any) -> None:
    typer.echo(json_text(data))


def _ready() -> None:
    from cockpit.db import upgrade

    upgrade()


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2)


def _shipped_names() -> set[str]:
    from cockpit.programmes.rules import shipped_programmes

    return set(shipped_programmes())


def _load(source: str) -> Any:
    from cockpit.programmes.rules import load_programme, shipped, shipped_programmes

    if source in shipped_programmes():
        return shipped(source)
    return load_programme(Path(source))


@programmes_app.command("list")
def list_cmd(json_out: bool = JSON_OPT) -> None:
    """Shipped example programmes and installed ones."""
    from cockpit.programmes.rules import shipped_programmes
    from cockpit.programmes.status import list_programmes

    _ready()
    names, installed = sorted(shipped_programmes()), list_programmes()
    if json_out:
        _echo_json({"shipped": names, "installed": installed})
        return
    typer.echo("shipped: " + ", ".join(names))
    for p in installed:
        typer.echo(f"  {p['code']:<36} {p['kind']:<20} {p['budget_fen'] / 100:>16,.2f} yuan")


@programmes_app.command("validate")
def validate_cmd(path: Path = typer.Argument(..., help="A programme YAML file.")) -> None:
    """Check a programme file; mistakes are reported with their line."""
    from cockpit.datafiles import DataFileError
    from cockpit.programmes.rules import load_programme

    try:
        p = load_programme(path)
    except DataFileError as exc:
        raise _fail(exc) from None
    typer.echo(f"{path}: {p.kind} {p.code} is valid")


@programmes_app.command("install")
def install_cmd(
    source: str = typer.Argument(..., help="A YAML file or a shipped name."),
    json_out: bool = JSON_OPT,
) -> None:
    """Install a programme and fund its budget (idempotent)."""
    from cockpit.datafiles import DataFileError
    from cockpit.programmes.tx import ProgrammeError
    from cockpit.programmes.vouchers import install_programme

    _ready()
    try:
        p = _load(source)
        pid = install_programme(programme=p)
    except (DataFileError, ProgrammeError) as exc:
        raise _fail(exc) from None
    out = {"programme_id": pid, "code": p.code, "budget_fen": p.budget_fen}
    _echo_json(out) if json_out else typer.echo(f"installed {p.code} (id {pid})")


@programmes_app.command("open-round")
def open_round_cmd(
    code: str,
    no: int,
    parts: int = typer.Option(16, help="Budget rows."),
    officer: str = typer.Option(
        ..., "--as", help="The officer releasing: a first officer proposes, another releases."
    ),
    json_out: bool = JSON_OPT,
) -> None:
    """Propose, or (as a second officer) release, round NO of a voucher programme."""
    from cockpit.programmes.tx import ProgrammeError
    from cockpit.programmes.vouchers import release_round

    _ready()
    try:
        rid = release_round(programme_code=code, no=no, parts=parts, officer=officer)
    except ProgrammeError as exc:
        raise _fail(exc) from None
    if json_out:
        _echo_json({"round_id": rid, "status": "proposed" if rid is None else "open"})
    elif rid is None:
        typer.echo(f"release of round {no} proposed by {officer}: another officer must release it")
    else:
        typer.echo(f"round {no} open (id {rid})")


@programmes_app.command("close-round")
def close_round_cmd(round_id: int, json_out: bool = JSON_OPT) -> None:
    """Close a round: unclaimed value goes back to the budget or the treasury."""
    from cockpit.programmes.vouchers import close_round

    _ready()
    moved = close_round(round_id=round_id)
    _echo_json({"returned_fen": moved}) if json_out else typer.echo(f"{moved / 100:,.2f} yuan back")


@programmes_app.command("status")
def status_cmd(code: str, json_out: bool = JSON_OPT) -> None:
    """Budget left, rounds, vouchers by status, spending and applications."""
    from cockpit.programmes.status import programme_status
    from cockpit.programmes.tx import ProgrammeError

    _ready()
    try:
        s = programme_status(code)
    except ProgrammeError as exc:
        raise _fail(exc) from None
    if json_out:
        _echo_json(s)
        return
    typer.echo(
        f"{s['name_zh']} / {s['name_en']}: budget {s['budget_fen'] / 100:,.2f} yuan, "
        f"left {s['budget_left_fen'] / 100:,.2f}"
    )
    for r in s["rounds"]:
        typer.echo(f"  round {r['no']} ({r['status']}): {r['packs_claimed']}/{r['packs_total']}")


@programmes_app.command("expire")
def expire_cmd(json_out: bool = JSON_OPT) -> None:
    """Expire vouchers past their validity; their value goes back automatically."""
    from cockpit.programmes.spending import expire_due

    _ready()
    n = expire_due()
    _echo_json({"expired": n}) if json_out else typer.echo(f"{n} vouchers expired")


@programmes_app.command("commit-seed")
def commit_seed_cmd(round_id: int, json_out: bool = JSON_OPT) -> None:
    """Make a lottery seed, record its SHA-256 and print both: publish the hash, keep the seed."""
    from cockpit.programmes.lottery import commit_seed, new_seed
    from cockpit.programmes.tx import ProgrammeError

    _ready()
    seed, digest = new_seed()
    try:
        commit_seed(round_id=round_id, seed_sha256=digest)
    except ProgrammeError as exc:
        raise _fail(exc) from None
    out = {"round_id": round_id, "seed_sha256": digest, "seed": seed}
    _echo_json(out) if json_out else typer.echo(
        f"publish now: sha256 = {digest}\nkeep secret until the draw: seed = {seed}"
    )


@programmes_app.command("draw")
def draw_cmd(
    round_id: int,
    seed: str = typer.Option(..., help="The committed seed."),
    json_out: bool = JSON_OPT,
) -> None:
    """Draw a lottery round with the revealed seed; winners get their packs."""
    from cockpit.programmes.lottery import draw
    from cockpit.programmes.tx import ProgrammeError

    _ready()
    try:
        won = draw(round_id=round_id, seed=seed)
    except ProgrammeError as exc:
        raise _fail(exc) from None
    _echo_json({"winners": len(won)}) if json_out else typer.echo(f"{len(won)} winners drawn")


@programmes_app.command("verify-draw")
def verify_draw_cmd(
    round_id: int = typer.Option(None, "--round", help="Recompute a draw in this database."),
    file: Path = typer.Option(None, "--file", help="A published draw record (JSON)."),
    json_out: bool = JSON_OPT,
) -> None:
    """Recompute a lottery's winners from its seed, commitment and registrants."""
    from cockpit.programmes.lottery import draw_record, verify_draw

    if (round_id is None) == (file is None):
        raise typer.BadParameter("give --round or --file")
    if file is not None:
        record = json.loads(file.read_text("utf-8"))
    else:
        _ready()
        record = draw_record(round_id=round_id)
    result = verify_draw(record)
    _echo_json(result) if json_out else typer.echo(
        f"draw {'verified' if result['ok'] else 'NOT verified'}: {result.get('reason') or ''}"
        f" ({result.get('winners', 0)} winners of {result.get('registrants', 0)})"
    )
    if not result["ok"]:
        raise typer.Exit(1)


@programmes_app.command("flags")
def flags_cmd(code: str, json_out: bool = JSON_OPT) -> None:
    """Anti-fraud flags of a programme, with evidence."""
    from cockpit.programmes.fraud import flags

    _ready()
    found = flags(programme_code=code)
    if json_out:
        _echo_json(found)
        return
    for f in found:
        typer.echo(f"{f['kind']:<20} {f['subject']}: {f['message']}")
    typer.echo(f"{len(found)} flag(s)")


@programmes_app.command("effect")
def effect_cmd(
    code: str,
    ground_truth: Path = typer.Option(
        None,
        help="A sample city's ground_truth.json whose voucher campaign is evaluated on the "
        "lake (default: the demo's sample city, when CODE is its campaign's programme).",
    ),
    json_out: bool = JSON_OPT,
) -> None:
    """Gross leverage and the causal multiplier, side by side and labelled.

    For a campaign of a sample city (the demo's: ``yuzhong-campaign-2026``) also the uplift
    on a merchant × month panel with its 95 % interval, and the multiplier's interval."""
    from datetime import date

    from cockpit.config import get_settings
    from cockpit.programmes.effect import (
        campaign_from_ground_truth,
        causal_effect,
        gross_leverage,
        side_by_side,
    )
    from cockpit.programmes.leverage import computed, leverage_label, reported, rounded
    from cockpit.programmes.spending import redemptions_of

    _ready()
    from cockpit.programmes.tx import NotAllowed, NotFound

    try:
        reds = redemptions_of(code)
    except (NotFound, NotAllowed):
        reds = []
    paid = sum(r["voucher_fen"] for r in reds)
    leverage = (
        rounded(gross_leverage(sales_fen=sum(r["bill_fen"] for r in reds), subsidy_fen=paid))
        if paid
        else None
    )
    kind, from_file = "consumption_voucher", None
    try:
        records = computed(code)
        kind, from_file = records["kind"], records["reported"]
        if records["kind"] != "consumption_voucher":
            leverage = records["gross_leverage"]
    except NotFound:
        shipped_file = _load(code) if code in _shipped_names() else None
        from_file = reported(shipped_file) if shipped_file is not None else None
    causal = None
    event = _campaign_of(code, ground_truth)
    if event is not None:
        from cockpit.programmes.campaign import evaluate

        causal = evaluate(get_settings().lake_dir, event)
    elif ground_truth is not None:
        c = campaign_from_ground_truth(ground_truth)
        causal = causal_effect(
            lake=get_settings().lake_dir,
            treated=c["treated_merchants"],
            controls=c["control_merchants"],
            start=date.fromisoformat(c["start"]),
            end=date.fromisoformat(c["end"]),
            programme_code=code,  # the multiplier divides by this programme's own subsidy
        )
        from cockpit.programmes.effect import record_effect

        record_effect(get_settings().lake_dir, code, causal)
    shown = side_by_side(leverage=leverage, causal=causal)
    # Labelled for the programme's kind, computed from its records; the file's figure beside.
    shown[0]["label_en"], shown[0]["label_zh"] = leverage_label(kind)
    shown[0]["what"] = "computed from the programme's records"
    if json_out:
        _echo_json({"side_by_side": shown, "reported": from_file, "causal": causal})
        return
    if from_file:
        typer.echo(f"reported: {from_file['gross_leverage']}× ({from_file['source']})")
    if causal:
        from cockpit.programmes.campaign import effect_lines

        for line in effect_lines(causal):
            typer.echo(line)
    else:
        typer.echo(f"{shown[0]['label_en']} / {shown[0]['label_zh']}: {shown[0]['value']}")


def _campaign_of(code: str, ground_truth: Path | None) -> dict[str, Any] | None:
    """The sample city's campaign event when it is programme ``code`` (the demo's sample
    city unless ``ground_truth`` names another)."""
    from cockpit.config import get_settings
    from cockpit.programmes.campaign import campaign_event

    sample = ground_truth.parent if ground_truth else get_settings().home / "sample-city"
    event = campaign_event(sample)
    return event if event is not None and event["programme_code"] == code else None


@programmes_app.command("export")
def export_cmd(json_out: bool = JSON_OPT) -> None:
    """Write every programme event to the lake (programme_events)."""
    from cockpit.config import get_settings
    from cockpit.lake import lake_of
    from cockpit.programmes.export import export_events

    _ready()
    path = export_events(lake=lake_of(get_settings().ensure_home()))
    _echo_json({"path": str(path)}) if json_out else typer.echo(f"wrote {path}")


@ledger_app.command("verify")
def ledger_verify_cmd(
    checkpoint: Path | None = typer.Option(
        None,
        "--checkpoint",
        help="A checkpoint file (cockpit ledger checkpoint): the database must still hold it.",
    ),
    json_out: bool = JSON_OPT,
) -> None:
    """Recompute every keyed hash, balance and record; exit 1 naming the first problem."""
    from cockpit.db import get_engine
    from cockpit.programmes.audit import verify

    _ready()
    report = verify(get_engine(), checkpoint=checkpoint)
    if json_out:
        _echo_json(report.as_dict())
    elif report.ok:
        typer.echo(f"ledger verified: {report.entries} entries on {report.chains} chains")
    else:
        first = report.problems[0]
        typer.echo(f"LEDGER PROBLEM ({first.kind}): {first.message}")
        typer.echo(f"{len(report.problems)} problem(s) in all")
    if not report.ok:
        raise typer.Exit(1)


@programmes_app.command("reconcile")
def reconcile_cmd(
    statement: Path = typer.Argument(..., help="The channel's daily settlement CSV."),
    channel: str = typer.Option(..., help="Which payment channel sent it."),
    json_out: bool = JSON_OPT,
) -> None:
    """Match a settlement statement with payments and payouts; queue every difference."""
    from cockpit.programmes.settlement import StatementError, reconcile

    _ready()
    try:
        got = reconcile(statement, channel=channel)
    except (StatementError, OSError) as exc:
        raise _fail(exc) from None
    if json_out:
        _echo_json(got)
        return
    found = ", ".join(f"{n} {k}" for k, n in got["differences"].items()) or "none"
    typer.echo(f"statement of {got['settle_date']} ({got['lines']} lines): differences {found}")


@programmes_app.command("queue")
def queue_cmd(
    all_items: bool = typer.Option(False, "--all", help="Resolved items too."),
    json_out: bool = JSON_OPT,
) -> None:
    """The reconciliation error queue (open differences)."""
    from cockpit.programmes.settlement import queue

    _ready()
    items = queue(status=None if all_items else "open")
    if json_out:
        _echo_json(items)
        return
    for i in items:
        typer.echo(f"{i['id']}  {i['kind']:<21} {i['status']:<11} {i['order_id']}: {i['detail']}")
    typer.echo(f"{len(items)} item(s)")


@programmes_app.command("resolve")
def resolve_cmd(
    item: str = typer.Argument(..., help="The queue item's id."),
    action: str = typer.Option(..., help="explain, correct (a ledger entry) or write_off."),
    note: str = typer.Option(..., help="Why."),
    officer: str = typer.Option(..., "--as", help="You: a first officer proposes, another checks."),
    json_out: bool = JSON_OPT,
) -> None:
    """Resolve a difference, four eyes: propose it, or check another officer's proposal."""
    from cockpit.programmes.settlement import resolve
    from cockpit.programmes.tx import ProgrammeError

    _ready()
    try:
        got = resolve(item_id=item, action=action, note=note, officer=officer)
    except ProgrammeError as exc:
        raise _fail(exc) from None
    if json_out:
        _echo_json(got)
    elif got["awaiting_check"]:
        typer.echo(f"{item}: {got['awaiting_check']}; another officer must check it")
    else:
        typer.echo(f"{item}: {got['status']}")


@programmes_app.command("appeals")
def appeals_cmd(
    overdue: bool = typer.Option(False, "--overdue", help="Only those past their deadline."),
    json_out: bool = JSON_OPT,
) -> None:
    """Appeals with their stage, deadline and decision (lodged through the HTTP API)."""
    from cockpit.programmes import appeals

    _ready()
    rows = appeals.overdue() if overdue else appeals.appeals()
    if json_out:
        _echo_json(rows)
        return
    for a in rows:
        typer.echo(
            f"{a['id']}  {a['subject_kind']:<19} {a['stage']:<12} due {a['due_at'][:10]}  "
            f"{a['decision'] or a['grounds']}"
        )
    typer.echo(f"{len(rows)} appeal(s)")


@ledger_app.command("checkpoint")
def ledger_checkpoint_cmd(
    out: Path = typer.Option(
        ...,
        "--out",
        help="File, or folder for a dated file, outside COCKPIT_HOME (another machine's share, "
        "write-once storage).",
    ),
    json_out: bool = JSON_OPT,
) -> None:
    """Write a signed checkpoint: every chain's head, count and balance (run it daily)."""
    from cockpit.db import get_engine
    from cockpit.programmes.checkpoint import CheckpointError, write

    _ready()
    try:
        path, body = write(get_engine(), out)
    except CheckpointError as exc:
        raise typer.BadParameter(str(exc), param_hint="--out") from None
    summary = {"path": str(path), "entries": body["entries"], "chains": len(body["chains"])}
    if json_out:
        _echo_json(summary)
    else:
        typer.echo(
            f"checkpoint of {body['entries']} entries on {len(body['chains'])} chains: {path}"
        )


def register(app: typer.Typer) -> None:
    """Add ``cockpit programmes`` and ``cockpit ledger``."""
    from cockpit.programmes import subsidy_commands  # noqa: F401  (its verbs join programmes)

    app.add_typer(programmes_app, name="programmes")
    app.add_typer(ledger_app, name="ledger")


def demo_step(ctx: Any) -> str:
    """A voucher round of the shipped programme on the demo database, the sample city's
    voucher campaign put on the ledger and evaluated, then one round of the car and the
    trade-in subsidy on the sample city's applications; their summaries."""
    from cockpit.programmes.campaign import run_campaign
    from cockpit.programmes.demo import run_demo_round
    from cockpit.programmes.subsidy_demo import run_subsidy_rounds

    return "\n".join([run_demo_round(ctx), *run_campaign(ctx), run_subsidy_rounds(ctx.sample_dir)])
