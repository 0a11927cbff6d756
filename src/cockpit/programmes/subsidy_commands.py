"""``cockpit programmes apply | applications | review | approve | reject | disburse | appeal |
decide-appeal | leverage``:
a purchase or trade-in subsidy run from the command line, through the same services (and
the same ledger, four eyes and refusals) as the HTTP API.

Each call carries an idempotency key derived from its arguments, so re-running a command
(after a crash or a timeout) does the step once; ``--key`` gives one explicitly.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import typer

from cockpit.programmes.commands import JSON_OPT, _echo_json, _fail, _ready, programmes_app

OFFICER = typer.Option(
    ..., "--as", help="You, the officer: a first officer proposes, a different one checks."
)
KEY = typer.Option(None, "--key", help="Idempotency key (default: derived from the arguments).")


def _key(op: str, *parts: str) -> str:
    return f"cli-{op}-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _facts(source: str) -> dict[str, Any]:
    """Facts from a JSON file, or inline JSON."""
    text = source
    if not source.lstrip().startswith("{"):
        try:
            text = Path(source).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise typer.BadParameter(f"cannot read {source}: {exc}", param_hint="--facts") from None
    try:
        facts = json.loads(text, parse_constant=_no_constant)
    except ValueError as exc:
        raise typer.BadParameter(f"not JSON: {exc}", param_hint="--facts") from None
    if not isinstance(facts, dict):
        raise typer.BadParameter("the facts are a JSON object", param_hint="--facts")
    return facts


def _person(applicant: str, kind: str) -> str:
    from cockpit import identity
    from cockpit.programmes.tx import pseudonymise

    if kind == "credit_code":
        try:
            return identity.canonical(applicant, "credit_code", field="--applicant")
        except identity.Refused as exc:
            raise typer.BadParameter(exc.message, param_hint="--applicant") from None
    try:
        return pseudonymise(applicant, kind, field="--applicant") or ""
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--applicant") from None


def _show(answer: dict[str, Any], json_out: bool) -> None:
    if json_out:
        _echo_json(answer)
        return
    d = answer["decision"]
    amount = answer["amount_fen"] / 100
    typer.echo(f"{answer['application_id']}  {answer['status']:<10} {amount:>12,.2f} yuan")
    refusal = d.get("refusal")
    if refusal:
        typer.echo(f"  REFUSED by rule {refusal['rule']} ({refusal['field']})")
    for line in d["lines"]:
        typer.echo(f"  {line['en']}\n  {line['zh']}")
    if answer.get("awaiting_check"):
        typer.echo(f"  {answer['awaiting_check']}")
    if answer.get("entry_ids"):
        typer.echo(f"  ledger entries booked: {', '.join(map(str, answer['entry_ids']))}")
    for e in answer.get("ledger", []):
        typer.echo(
            f"  ledger entry {e['entry_id']:>6}  {e['op']:<8} {e['amount_fen'] / 100:>12,.2f}  "
            f"{e['debit']} → {e['credit']}  {e['value_at'][:19]}"
        )


def _run(call: Any, json_out: bool) -> None:
    from cockpit.programmes.tx import ProgrammeError

    _ready()
    try:
        answer = call()
    except ProgrammeError as exc:
        raise _fail(exc) from None
    _show(answer, json_out)


@programmes_app.command("apply")
def apply_cmd(
    code: str = typer.Argument(..., help="The programme, e.g. chongqing-car-2023."),
    applicant: str = typer.Option(..., help="The buyer's document number (pseudonymised)."),
    applicant_kind: str = typer.Option(
        "resident_id", help="resident_id, passport, ..., or credit_code for a firm."
    ),
    facts: str = typer.Option(..., help="The purchase's facts: a JSON file or inline JSON."),
    key: str | None = KEY,
    json_out: bool = JSON_OPT,
) -> None:
    """Apply for a subsidy: checked against the rules at once; a refusal names its rule."""
    from cockpit.programmes import subsidies

    body = _facts(facts)
    who = _person(applicant, applicant_kind)
    idem = key or _key("apply", code, who, json.dumps(body, sort_keys=True))
    _run(
        lambda: subsidies.apply(programme_code=code, idem_key=idem, applicant=who, facts=body),
        json_out,
    )


@programmes_app.command("applications")
def applications_cmd(
    code: str,
    status: str | None = typer.Option(None, help="submitted, approved, rejected, disbursed."),
    json_out: bool = JSON_OPT,
) -> None:
    """A programme's applications with their status, amount and reason (the review list)."""
    from cockpit.programmes import subsidies
    from cockpit.programmes.tx import ProgrammeError

    _ready()
    try:
        rows = subsidies.applications_of(code, status=status)
    except ProgrammeError as exc:
        raise _fail(exc) from None
    if json_out:
        _echo_json(rows)
        return
    for a in rows:
        typer.echo(
            f"{a['application_id']}  {a['status']:<10} {a['amount_fen'] / 100:>12,.2f}  "
            f"{a['reason'] or ''}"
        )
    typer.echo(f"{len(rows)} application(s)")


@programmes_app.command("approve")
def approve_cmd(
    application: str, officer: str = OFFICER, key: str | None = KEY, json_out: bool = JSON_OPT
) -> None:
    """Propose an approval, or check another officer's (the check commits the budget)."""
    from cockpit.programmes import subsidies

    idem = key or _key("approve", application, officer)
    _run(
        lambda: subsidies.review(
            application_id=application, idem_key=idem, decision="approve", reviewer=officer
        ),
        json_out,
    )


@programmes_app.command("reject")
def reject_cmd(
    application: str,
    reason: str = typer.Option(..., help="Why (the applicant may appeal it)."),
    officer: str = OFFICER,
    key: str | None = KEY,
    json_out: bool = JSON_OPT,
) -> None:
    """Reject a submitted application with a reason."""
    from cockpit.programmes import subsidies

    idem = key or _key("reject", application, officer, reason)
    _run(
        lambda: subsidies.review(
            application_id=application,
            idem_key=idem,
            decision="reject",
            reviewer=officer,
            reason=reason,
        ),
        json_out,
    )


@programmes_app.command("disburse")
def disburse_cmd(
    application: str, officer: str = OFFICER, key: str | None = KEY, json_out: bool = JSON_OPT
) -> None:
    """Propose the payout of an approved application, or check another officer's (pays it):
    to the buyer, or to the seller who deducted it at the till."""
    from cockpit.programmes import subsidies

    idem = key or _key("disburse", application, officer)
    _run(
        lambda: subsidies.disburse(application_id=application, idem_key=idem, officer=officer),
        json_out,
    )


@programmes_app.command("appeal")
def appeal_cmd(
    application: str,
    applicant: str = typer.Option(..., help="The applicant's document number, as applied."),
    applicant_kind: str = typer.Option("resident_id", help="As applied."),
    grounds: str = typer.Option(..., help="Why the refusal is wrong."),
    json_out: bool = JSON_OPT,
) -> None:
    """Lodge the applicant's appeal against a refused application (decided four eyes)."""
    from cockpit.programmes import appeals
    from cockpit.programmes.tx import ProgrammeError

    _ready()
    who = _person(applicant, applicant_kind)
    try:
        got = appeals.lodge(
            subject_kind="refused_application",
            subject_id=application,
            appellant=who,
            grounds=grounds,
        )
    except ProgrammeError as exc:
        raise _fail(exc) from None
    if json_out:
        _echo_json(got)
    else:
        typer.echo(
            f"appeal {got['id']} lodged (ledger entry {got['entry_ids'][0]}); to be decided "
            f"by {got['due_at'][:10]}"
        )


@programmes_app.command("decide-appeal")
def decide_appeal_cmd(
    appeal: str,
    outcome: str = typer.Option(..., help="upheld or dismissed."),
    reason: str = typer.Option(..., help="Why (kept with the decision)."),
    officer: str = OFFICER,
    json_out: bool = JSON_OPT,
) -> None:
    """Propose the decision on an appeal, or check another officer's (four eyes): an upheld
    refusal goes back to review. A lodged appeal is taken up by the first officer."""
    from cockpit.programmes import appeals
    from cockpit.programmes.tx import ProgrammeError

    _ready()
    try:
        stage = next((a["stage"] for a in appeals.appeals() if a["id"] == appeal), None)
        if stage == "lodged":
            appeals.take_up(appeal_id=appeal, officer=officer)
        got = appeals.decide(appeal_id=appeal, outcome=outcome, reason=reason, officer=officer)
    except ProgrammeError as exc:
        raise _fail(exc) from None
    if json_out:
        _echo_json(got)
        return
    entries = ", ".join(map(str, got["entry_ids"]))
    typer.echo(
        f"appeal {appeal}: {got['awaiting_check'] or got['stage']} (ledger entries {entries})"
    )


@programmes_app.command("leverage")
def leverage_cmd(code: str, json_out: bool = JSON_OPT) -> None:
    """Gross leverage computed from the programme's paid applications, beside the reported
    figure (labelled, with its source)."""
    from cockpit.programmes.leverage import computed
    from cockpit.programmes.tx import ProgrammeError

    _ready()
    try:
        got = computed(code)
    except ProgrammeError as exc:
        raise _fail(exc) from None
    if json_out:
        _echo_json(got)
        return
    value = got["gross_leverage"]
    typer.echo(
        f"{got['label_en']} / {got['label_zh']}: "
        f"{'—' if value is None else f'{value}×'} (computed: {got['purchases']} purchases, "
        f"{got['sales_fen'] / 100:,.2f} yuan of sales, {got['subsidy_paid_fen'] / 100:,.2f} "
        "yuan paid)"
    )
    if got["reported"]:
        r = got["reported"]
        typer.echo(f"reported: {r['gross_leverage']}× ({r['source']})")


@programmes_app.command("review")
def review_cmd(application: str, json_out: bool = JSON_OPT) -> None:
    """One application as a reviewer sees it: facts, amount, decision lines, refusal."""
    from cockpit.programmes import subsidies

    def shown() -> dict[str, Any]:
        answer = subsidies.application(application)
        if not json_out:
            for name, value in sorted(answer["facts"].items()):
                typer.echo(f"  {name}: {value}")
        return answer

    _run(shown, json_out)
