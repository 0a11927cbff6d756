"""The programmes' part of ``cockpit demo``: a simulated voucher round on the demo database.

Loads the shipped voucher programme, enrols merchants of the sample city (from the lake when
it is there), lets a few hundred simulated residents claim at the round's published time —
some trying twice from a second account — spends some vouchers, expires the rest after their
validity, exports the events to the lake and verifies the ledger. Re-running is harmless:
every call carries the same idempotency key as before.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from cockpit.lake import has, scan
from cockpit.programmes import audit, spending, vouchers
from cockpit.programmes.effect import gross_leverage
from cockpit.programmes.export import export_events
from cockpit.programmes.rules import VoucherProgramme, shipped
from cockpit.programmes.tx import LimitReached, ProgrammeError, SoldOut, pseudonymise

PROGRAMME = "yuzhong-vouchers-2025"
PEOPLE = 400


def _merchants(lake: Path, categories: list[str], rng: random.Random) -> list[dict[str, str]]:
    """Eligible merchants of the sample city's lake, or a small made-up list without one."""
    found: list[dict[str, str]] = []
    if has(lake, "merchants"):
        import duckdb

        con = duckdb.connect()
        try:
            rows = con.execute(
                "SELECT DISTINCT merchant_id, category_code, district_code "
                f"FROM {scan(lake, 'merchants', union_by_name=False)} "
                "WHERE valid_to IS NULL ORDER BY merchant_id"
            ).fetchall()
        finally:
            con.close()
        found = [
            {"merchant_id": m, "category_code": c, "district_code": d}
            for m, c, d in rows
            if c in categories
        ]
    if not found:
        found = [
            {
                "merchant_id": f"demo-m{i:03d}",
                "category_code": categories[i % len(categories)],
                "district_code": "500103",
            }
            for i in range(40)
        ]
    rng.shuffle(found)
    return found[:200]


def _claims(rid: int, opens: Any, rng: random.Random) -> tuple[list[tuple[str, Any]], int]:
    granted: list[tuple[str, Any]] = []
    refused = 0
    for n in range(PEOPLE):
        second_try = n % 25 == 24  # someone who already claimed tries from another account
        base = n - 1 if second_try else n
        who = vouchers.Identity(
            person=pseudonymise(f"demo-id-{n}") or "",
            account=pseudonymise(f"demo-acct-{n}"),
            phone=pseudonymise(f"demo-phone-{base}"),
            device=pseudonymise(f"demo-dev-{n}"),
        )
        at = opens + timedelta(seconds=rng.uniform(0, 600))
        try:
            granted.append(
                (
                    who.person,
                    vouchers.claim(round_id=rid, idem_key=f"demo-claim-{n}", who=who, now=at),
                )
            )
        except (LimitReached, SoldOut):
            refused += 1
    return granted, refused


def _spend(
    packs: list[tuple[str, Any]], merchants: list[dict[str, str]], opens: Any, rng: random.Random
) -> int:
    done = 0
    for k, (holder, pack) in enumerate(packs):
        if rng.random() > 0.5:
            continue
        voucher = rng.choice(pack.vouchers)
        bill = voucher["threshold_fen"] + rng.randint(0, 3) * voucher["threshold_fen"] // 2
        merchant = rng.choice(merchants)["merchant_id"]
        try:
            spending.redeem(
                idem_key=f"demo-pay-{k}",
                voucher_id=voucher["voucher_id"],
                merchant_id=merchant,
                txn_id=f"demo-txn-{k}",
                bill_fen=bill,
                payer=holder,
                now=opens + timedelta(days=1),
            )
            done += 1
        except ProgrammeError:
            continue
    return done


def run_demo_round(ctx: Any) -> str:
    """Run the simulated round; return the summary line."""
    from cockpit.config import get_settings
    from cockpit.db import get_engine, upgrade

    upgrade()
    rng = random.Random(getattr(ctx, "seed", 2025))
    programme = shipped(PROGRAMME)
    assert isinstance(programme, VoucherProgramme)
    opens = programme.rounds[0].opens_at
    # Funded and released when the round opens: the ledger's value times follow the
    # simulated round, whenever the demo runs.
    vouchers.install_programme(programme=programme, now=opens)
    rid = vouchers.open_round(programme_code=PROGRAMME, no=1, now=opens)
    merchants = _merchants(get_settings().lake_dir, programme.eligibility.categories, rng)
    spending.enrol_merchants(programme_code=PROGRAMME, merchants=merchants)
    packs, refused = _claims(rid, opens, rng)
    spent = _spend(packs, merchants, opens, rng)
    expired = spending.expire_due(now=opens + timedelta(days=programme.validity_days, hours=1))
    recon = _settle(get_settings().home, opens, rng)
    export_events(lake=get_settings().lake_dir)
    report = audit.verify(get_engine())
    sales = sum(r["bill_fen"] for r in spending.redemptions_of(PROGRAMME))
    paid = sum(r["voucher_fen"] for r in spending.redemptions_of(PROGRAMME))
    lev = gross_leverage(sales_fen=sales, subsidy_fen=paid) if paid else 0.0
    return (
        f"programmes: {programme.name_en}, round 1 — {len(packs)} packs claimed, "
        f"{refused} refused (same person again), {spent} vouchers spent at "
        f"{len(merchants)} merchants (gross leverage {lev:.1f}×), {expired} expired back "
        f"to the budget; settlement statement of {recon['settle_date']}: "
        f"{sum(recon['differences'].values())} differences in the error queue "
        f"({', '.join(f'{n} {k}' for k, n in recon['differences'].items())}); "
        f"ledger {'verified' if report.ok else 'BROKEN'} ({report.entries} entries)"
    )


def _settle(home: Path, opens: Any, rng: random.Random) -> dict[str, Any]:
    """The channel's statement of the day the vouchers were spent, with injected
    differences (the sample city's), reconciled into the error queue."""
    from cockpit.format import SHANGHAI
    from cockpit.programmes.settlement import reconcile
    from cockpit.sample import write_statement

    day = (opens + timedelta(days=1)).astimezone(SHANGHAI).date().isoformat()
    path = home / "statements" / f"demo-channel-{day}.csv"
    if not path.exists():
        write_statement(
            path, spending.redemptions_of(PROGRAMME), day=day, seed=rng.randrange(1 << 30)
        )
    return reconcile(path, channel="demo-channel")
