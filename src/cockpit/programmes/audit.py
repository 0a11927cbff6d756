"""What the ledger proves: its chains, the records beside it, and outside checkpoints.

``ledger.verify`` recomputes every keyed hash, sequence and balance. ``verify`` here adds the
two checks that make an edit *beside* the chain visible too:

* **records against entries** — every programme, claim, voucher, redemption and approved or
  paid application is matched with the ledger entries it produced (and every such entry
  with its record): same amount, same accounts, same programme, and, where the entry carries
  one, the same record digest (``doc``: a redemption's bill, an application's facts,
  decision and reviewer, a programme's rules). A record deleted, inserted or edited is named;
* **the checkpoint** — a file written outside the database by ``cockpit ledger checkpoint``
  (``checkpoint``) with each chain's head, count and balance at that time, authenticated
  with the ledger key: the chains must still hold those entries, unchanged, and may only
  have grown. A wiped ledger, a truncated chain (even with its head "fixed") or a database
  restored from an older copy is found this way.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from cockpit.programmes import ledger
from cockpit.programmes.foureyes import maker_of
from cockpit.programmes.ledger import Problem, Report
from cockpit.programmes.models import (
    AppealRow,
    ApplicationRow,
    ChainRow,
    ClaimRow,
    LedgerRow,
    ProgrammeRow,
    ProposalRow,
    ReconItemRow,
    RedemptionRow,
    VoucherRow,
)
from cockpit.programmes.tx import request_hash


def verify(engine: Engine, *, checkpoint: Path | None = None) -> Report:
    """Chains, balances, records against entries, and (given one) a checkpoint file."""
    report = ledger.verify(engine)
    with engine.connect() as conn:
        check_records(conn, report)
        if checkpoint is not None:
            from cockpit.programmes.checkpoint import check

            check(conn, checkpoint, report)
    return report


def _record(report: Report, message: str, entry: Any = None) -> None:
    report.problems.append(
        Problem(
            "record",
            entry.chain_id if entry is not None else "",
            entry.seq if entry is not None else None,
            entry.id if entry is not None else None,
            message,
        )
    )


def check_records(conn: Connection, report: Report) -> None:
    """Match each record with the entries it produced, and each entry with its record."""
    booked: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for e in conn.execute(select(LedgerRow).order_by(LedgerRow.id)):
        booked[(e.op, e.ref)].append(e)
    programmes = {p.id: p for p in conn.execute(select(ProgrammeRow))}
    _programmes(conn, programmes, booked, report)
    _claims(conn, booked, report)
    _redemptions(conn, booked, report)
    _applications(conn, booked, report)
    _resolutions(conn, booked, report)
    _appeals(conn, booked, report)
    _recoveries(conn, booked, report)


def _one(
    booked: dict[tuple[str, str], list[Any]], op: str, ref: str, what: str, report: Report
) -> Any:
    found = booked.get((op, ref), [])
    if not found:
        _record(report, f"{what} has no {op} entry in the ledger")
        return None
    if len(found) > 1:
        _record(report, f"{what} has {len(found)} {op} entries", found[1])
    return found[0]


def _programmes(
    conn: Connection,
    programmes: dict[int, Any],
    booked: dict[tuple[str, str], list[Any]],
    report: Report,
) -> None:
    gone = set()
    for head in conn.execute(select(ChainRow)):
        if head.programme_id not in programmes and head.programme_id not in gone:
            gone.add(head.programme_id)
            _record(
                report,
                f"programme {head.programme_id} was deleted: chain {head.chain_id} "
                "still belongs to it",
            )
    for pid, p in programmes.items():
        what = f"programme {p.code} (id {pid})"
        rules = request_hash(json.loads(p.rules_json))
        if rules != p.rules_sha256:
            _record(report, f"{what}: its rules were edited (their hash changed)")
        fund = _one(booked, "fund", p.code, what, report)
        if fund is None:
            continue
        if fund.programme_id != pid or fund.amount_fen != p.budget_fen:
            _record(report, f"{what}: budget {p.budget_fen} fen but funded {fund.amount_fen}", fund)
        if fund.doc is not None and fund.doc != rules:
            _record(report, f"{what}: its rules are not the rules funded by entry {fund.id}", fund)


def _claims(conn: Connection, booked: dict[tuple[str, str], list[Any]], report: Report) -> None:
    faces: dict[str, int] = defaultdict(int)
    holders: dict[str, set[str]] = defaultdict(set)
    for v in conn.execute(select(VoucherRow.claim_id, VoucherRow.holder, VoucherRow.face_fen)):
        faces[v.claim_id] += v.face_fen
        holders[v.claim_id].add(v.holder)
    claims = {c.id: c for c in conn.execute(select(ClaimRow))}
    for cid, c in claims.items():
        what = f"claim {cid}"
        entry = _one(booked, "claim", cid, what, report)
        if entry is None:
            continue
        if entry.credit != f"holder:{c.person}":
            _record(
                report,
                f"{what}: its claimant is not the holder credited by entry {entry.id}",
                entry,
            )
        if entry.programme_id != c.programme_id or not entry.chain_id.startswith(f"r{c.round_id}."):
            _record(report, f"{what}: its programme or round differs from entry {entry.id}", entry)
        if faces.get(cid, 0) != entry.amount_fen:
            _record(
                report,
                f"{what}: its vouchers are worth {faces.get(cid, 0)} fen, entry "
                f"{entry.id} booked {entry.amount_fen}",
                entry,
            )
        if holders.get(cid, set()) - {c.person}:
            _record(report, f"{what}: some of its vouchers are held by someone else", entry)
    for (op, ref), entries in booked.items():
        if op == "claim" and ref not in claims:
            _record(
                report,
                f"entry {entries[0].id} books claim {ref}, which is not on record",
                entries[0],
            )
    for cid in sorted(set(faces) - set(claims)):
        _record(report, f"vouchers of claim {cid}, which is not on record")


def _redemptions(
    conn: Connection, booked: dict[tuple[str, str], list[Any]], report: Report
) -> None:
    from cockpit.programmes.spending import redemption_doc

    seen = set()
    for r in conn.execute(select(RedemptionRow)):
        seen.add(r.id)
        what = f"redemption {r.id} (payment {r.txn_id} at {r.merchant_id})"
        entry = _one(booked, "redeem", r.id, what, report)
        if entry is None:
            continue
        same = (
            entry.amount_fen == r.voucher_fen
            and entry.debit == f"holder:{r.payer}"
            and entry.credit == f"merchant:{r.merchant_id}"
            and entry.voucher_id == r.voucher_id
            and r.own_fen == r.bill_fen - r.voucher_fen
        )
        if not same or (entry.doc is not None and entry.doc != redemption_doc(r)):
            _record(report, f"{what} was edited: it no longer matches entry {entry.id}", entry)
    for (op, ref), entries in booked.items():
        if op == "redeem" and ref not in seen:
            _record(
                report,
                f"entry {entries[0].id} books redemption {ref}, which is not on record",
                entries[0],
            )


def _applications(
    conn: Connection, booked: dict[tuple[str, str], list[Any]], report: Report
) -> None:
    from cockpit.programmes.subsidies import application_doc

    seen: dict[str, str] = {}
    for a in conn.execute(select(ApplicationRow)):
        seen[a.id] = a.status
        what = f"application {a.id}"
        money = {"approved": ("approve",), "disbursed": ("approve", "disburse")}
        ops = money.get(a.status, ())
        for op in ("approve", "disburse"):
            if op not in ops and booked.get((op, a.id)):
                _record(
                    report,
                    f"{what} is {a.status} but the ledger has its {op} entry",
                    booked[(op, a.id)][0],
                )
        for op in ops:
            entry = _one(booked, op, a.id, f"{what} ({a.status})", report)
            if entry is None:
                continue
            doc = application_doc(
                a, reviewer=a.reviewer, maker=maker_of(conn, action="approve", subject=a.id)
            )
            if (
                entry.amount_fen != a.amount_fen
                or entry.doc not in (None, doc)
                or (entry.credit != f"firm:{a.applicant}" and op == "approve")
            ):
                _record(report, f"{what} was edited: it no longer matches entry {entry.id}", entry)
    for (op, ref), entries in booked.items():
        if op in ("approve", "disburse") and ref not in seen:
            _record(
                report,
                f"entry {entries[0].id} books application {ref}, which is not on record",
                entries[0],
            )


def _resolutions(
    conn: Connection, booked: dict[tuple[str, str], list[Any]], report: Report
) -> None:
    """Corrections and write-offs of reconciliation differences against their entries."""
    items = {i.id: i for i in conn.execute(select(ReconItemRow))}
    wanted = {"corrected": "correct", "written_off": "writeoff"}
    for iid, item in items.items():
        op = wanted.get(item.status)
        diff = abs(int(item.theirs_fen or 0) - int(item.ours_fen or 0))
        if op is None or diff == 0:
            continue
        entry = _one(booked, op, iid, f"reconciliation item {iid} ({item.status})", report)
        if entry is not None and entry.amount_fen != diff:
            _record(
                report,
                f"reconciliation item {iid} was edited: it no longer matches entry {entry.id}",
                entry,
            )
    for (op, ref), entries in booked.items():
        if op in ("correct", "writeoff") and (
            ref not in items or wanted.get(items[ref].status) != op
        ):
            _record(
                report,
                f"entry {entries[0].id} books a {op} of item {ref}, which is not on record as such",
                entries[0],
            )


def _appeals(conn: Connection, booked: dict[tuple[str, str], list[Any]], report: Report) -> None:
    """Claw-backs returned on appeal against the appeals that decided them."""
    upheld = {
        a.id: a
        for a in conn.execute(select(AppealRow).where(AppealRow.subject_kind == "clawback"))
        if a.stage == "upheld"
    }
    for aid, appeal in upheld.items():
        entry = _one(booked, "appeal", aid, f"appeal {aid} (upheld claw-back)", report)
        if entry is not None and entry.credit.partition(":")[2] != appeal.appellant:
            _record(
                report,
                f"appeal {aid} was edited: its merchant is not the one entry {entry.id} paid",
                entry,
            )
    for (op, ref), entries in booked.items():
        if op == "appeal" and ref not in upheld:
            _record(
                report,
                f"entry {entries[0].id} returns a claw-back on appeal {ref}, which "
                "is not on record as upheld",
                entries[0],
            )


def _recoveries(conn: Connection, booked: dict[tuple[str, str], list[Any]], report: Report) -> None:
    """Subsidies recovered against the checked proposals that decided them."""
    decided: dict[str, list[int]] = defaultdict(list)
    for p in conn.execute(
        select(ProposalRow).where(ProposalRow.action == "recover", ProposalRow.status == "done")
    ):
        decided[p.subject.partition("#")[0]].append(int(p.amount_fen))
    for (op, ref), entries in booked.items():
        if op != "recover":
            continue
        if sorted(e.amount_fen for e in entries) != sorted(decided.get(ref, [])):
            _record(
                report,
                f"entry {entries[0].id} recovers a subsidy of application {ref} "
                "that no two officers decided",
                entries[0],
            )
