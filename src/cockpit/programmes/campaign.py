"""The sample city's voucher campaign on the demo's ledger, and its effect.

The sample city writes its injected campaign as its issuer records it: a programme file and
one row per voucher (``cockpit.sample.campaign``). ``put_on_ledger`` installs that programme,
opens its rounds and, for each voucher, records the holder's claim under the voucher's own id
and its redemption on the payment that carries it — keyed entries of the ledger like any other
claim and payment, each with its idempotency key, so a second run changes nothing.
``evaluate`` then estimates that programme's effect (``effect.causal_effect``): the multiplier
divides by what this programme paid on the vouchers found on transactions.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cockpit.lake import has, scan
from cockpit.programmes import spending, vouchers
from cockpit.programmes.rules import VoucherProgramme, load_programme
from cockpit.programmes.tx import ProgrammeError, pseudonymise


def campaign_event(sample_dir: Path) -> dict[str, Any] | None:
    """The ``voucher_campaign`` event of the sample city's ground truth, if it names a
    programme (older sample cities do not)."""
    path = sample_dir / "ground_truth.json"
    if not path.exists():
        return None
    for event in json.loads(path.read_text("utf-8")).get("events", []):
        if event.get("kind") == "voucher_campaign" and event.get("programme_code"):
            return dict(event)
    return None


def _merchants(lake: Path, ids: set[str]) -> list[dict[str, str]]:
    import duckdb

    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT DISTINCT merchant_id, category_code, district_code "
            f"FROM {scan(lake, 'merchants', union_by_name=False)} WHERE valid_to IS NULL"
        ).fetchall()
    finally:
        con.close()
    return [
        {"merchant_id": m, "category_code": c, "district_code": d} for m, c, d in rows if m in ids
    ]


def _round_of(programme: VoucherProgramme, at: datetime) -> int:
    for no, r in enumerate(programme.rounds, start=1):
        if r.opens_at <= at < r.closes_at:
            return no
    raise ProgrammeError(f"no round of {programme.code} is open at {at.isoformat()}")


def put_on_ledger(sample_dir: Path, lake: Path, event: dict[str, Any]) -> dict[str, int]:
    """Install the campaign's programme and record each of its vouchers' claim and
    redemption; return how many were recorded and refused."""
    programme = load_programme(sample_dir / event["programme_file"])
    if not isinstance(programme, VoucherProgramme):
        raise ProgrammeError(f"{programme.code} is not a voucher programme")
    code = programme.code
    vouchers.install_programme(programme=programme, now=programme.rounds[0].opens_at)
    rounds = {
        no: vouchers.open_round(programme_code=code, no=no, now=r.opens_at)
        for no, r in enumerate(programme.rounds, start=1)
    }
    with (sample_dir / event["vouchers_file"]).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if has(lake, "merchants"):
        spending.enrol_merchants(
            programme_code=code, merchants=_merchants(lake, {r["merchant_id"] for r in rows})
        )
    done = refused = 0
    for row in rows:
        paid_at = datetime.fromisoformat(row["paid_at"])
        holder = pseudonymise(row["holder"], "resident_id", field="holder") or ""
        try:
            vouchers.claim(
                round_id=rounds[_round_of(programme, paid_at)],
                idem_key=f"{code}:claim:{row['voucher_id']}",
                who=vouchers.Identity(person=holder),
                voucher_ids=[row["voucher_id"]],
                now=paid_at,
            )
            spending.redeem(
                idem_key=f"{code}:pay:{row['voucher_id']}",
                voucher_id=row["voucher_id"],
                merchant_id=row["merchant_id"],
                txn_id=row["txn_id"],
                bill_fen=int(row["bill_fen"]),
                payer=holder,
                now=paid_at,
            )
            done += 1
        except ProgrammeError:
            refused += 1
    return {"vouchers": done, "refused": refused}


def evaluate(lake: Path, event: dict[str, Any], *, record: bool = True) -> dict[str, Any]:
    """The campaign programme's effect on its treated merchants against their controls,
    kept in the lake's ``programme_effects`` (``record``) for the bulletin to print."""
    from cockpit.programmes.effect import causal_effect, record_effect

    causal = causal_effect(
        lake=lake,
        treated=event["treated_merchants"],
        controls=event["control_merchants"],
        start=date.fromisoformat(event["start"]),
        end=date.fromisoformat(event["end"]),
        programme_code=event["programme_code"],
    )
    if record:
        record_effect(lake, event["programme_code"], causal)
    return causal


def effect_lines(causal: dict[str, Any]) -> list[str]:
    """The uplift, the causal multiplier and gross leverage, each with what it is."""
    e, g = causal["effect"], causal.get("gross") or {}
    lines = [
        f"uplift {e['uplift']:+.1%} (95% CI {e['uplift_ci'][0]:+.1%} … {e['uplift_ci'][1]:+.1%}; "
        f"merchant × month Poisson panel), pre-trend equivalence (TOST ±"
        f"{causal['pre_trend']['margin']:.0%}) "
        f"{'shown' if causal['pre_trend']['passes'] else 'not shown'}, "
        f"minimum detectable effect {causal['minimum_detectable_effect']:+.1%}",
    ]
    if causal.get("causal_multiplier") is not None:
        lo, hi = causal["causal_multiplier_ci"]
        lines.append(
            f"causal multiplier / 因果乘数 {causal['causal_multiplier']:.2f} "
            f"(95% CI {lo:.2f} … {hi:.2f}): incremental sales "
            f"{causal['incremental_sales_fen'] / 100:,.0f} yuan ÷ this programme's subsidy "
            f"{causal['subsidy_fen'] / 100:,.0f} yuan ({causal['multiplier_note']})"
        )
    else:
        lines.append(f"causal multiplier: none ({causal['multiplier_note']})")
    if g.get("leverage") is not None:
        lines.append(
            f"gross leverage / 拉动比 {g['leverage']:.1f}× (sales in the transactions that "
            "used the vouchers ÷ subsidy; includes spending that would have happened anyway)"
        )
    return lines


def run_campaign(ctx: Any) -> list[str]:
    """The demo's part: the sample city's campaign on the ledger, exported, evaluated."""
    from cockpit.config import get_settings
    from cockpit.db import get_engine
    from cockpit.programmes import audit
    from cockpit.programmes.export import export_events

    event = campaign_event(Path(ctx.sample_dir))
    lake = get_settings().lake_dir
    if event is None or not has(lake, "transactions"):
        return ["programmes: no sample-city campaign to put on the ledger"]
    got = put_on_ledger(Path(ctx.sample_dir), lake, event)
    export_events(lake=lake)
    report = audit.verify(get_engine())
    head = (
        f"programmes: campaign {event['programme_code']} — {got['vouchers']} vouchers claimed "
        f"and spent on the ledger, {got['refused']} refused; ledger "
        f"{'verified' if report.ok else 'BROKEN'} ({report.entries} entries)"
    )
    return [head, *(f"  {line}" for line in effect_lines(evaluate(lake, event)))]
