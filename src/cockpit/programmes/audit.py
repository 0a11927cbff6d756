"""What the ledger proves: its chains, the records beside it, and outside checkpoints.

``ledger.verify`` recomputes every keyed hash, sequence and balance. ``verify`` here adds the
two checks that make an edit *beside* the chain visible too:

* **records against entries** — every programme, claim, voucher, redemption, application,
  four-eyes proposal and appeal is matched with the ledger entries it produced (and every
  such entry with its record): same amount, same accounts, same programme, and, where the
  entry carries one, the same record digest (``doc``: a redemption's bill, an application's
  facts, decision and reviewer, a programme's rules). An application must have its
  ``submit`` step and be what its last step (``steps``) left — status and content — so a
  refusal's reason rewritten or a rejection quietly undone is named. A record deleted,
  inserted or edited is named;
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
from cockpit.programmes.steps import (
    PROPOSED_ACTIONS,
    STATUS_AFTER,
    appeal_decided_doc,
    appeal_lodged_doc,
    application_state,
    proposal_doc,
)
from cockpit.programmes.tx import request_hash

MONEY_STEPS = ("approve", "disburse")
OUTCOMES = ("upheld", "dismissed")


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
    _proposals(conn, booked, report)
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
    """Each application against the steps it produced: one ``submit``, its status the one
    its last step left, its content the one that step's digest vouches for, and the money
    entries (approve, disburse) matching its amount and applicant."""
    from cockpit.programmes.subsidies import application_doc

    seen: dict[str, str] = {}
    for a in conn.execute(select(ApplicationRow)):
        seen[a.id] = a.status
        what = f"application {a.id}"
        _one(booked, "submit", a.id, what, report)
        trail = sorted(
            (e for op in STATUS_AFTER for e in booked.get((op, a.id), [])),
            key=lambda e: (e.chain_id, e.seq),
        )
        # A ``submit`` booked after later steps is one booked for an application that
        # predates step entries (migration prog_0008): the later steps still decide.
        decisive = [e for e in trail if e.op != "submit"] or trail
        last = decisive[-1] if decisive else None
        if last is not None and STATUS_AFTER[last.op] != a.status:
            _record(
                report,
                f"{what} is {a.status} but its last step on the ledger, entry {last.id} "
                f"({last.op}), leaves it {STATUS_AFTER[last.op]}",
                last,
            )
        elif last is not None and last.op not in MONEY_STEPS and last.doc != application_state(a):
            _record(
                report,
                f"{what} was edited: it no longer matches entry {last.id} ({last.op})",
                last,
            )
        money = {"approved": ("approve",), "disbursed": ("approve", "disburse")}
        ops = money.get(a.status, ())
        for op in MONEY_STEPS:
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
        if op in STATUS_AFTER and ref not in seen:
            _record(
                report,
                f"entry {entries[0].id} books application {ref}, which is not on record",
                entries[0],
            )


def _proposals(conn: Connection, booked: dict[tuple[str, str], list[Any]], report: Report) -> None:
    """Each proposal of an approval, a payout or an appeal's decision against its
    ``propose`` entry (what was proposed, how much, by whom), and each such entry against a
    proposal on record."""
    made: dict[str, list[Any]] = defaultdict(list)
    for p in conn.execute(select(ProposalRow).where(ProposalRow.action.in_(PROPOSED_ACTIONS))):
        made[p.subject].append(p)
    for subject, proposals in made.items():
        docs = [e.doc for e in booked.get(("propose", subject), [])]
        for p in proposals:
            if docs.count(proposal_doc(p)) != 1:
                _record(
                    report,
                    f"proposal to {p.action} {subject} (by {p.maker}) was edited or has no "
                    "single propose entry in the ledger",
                )
    for (op, ref), entries in booked.items():
        if op != "propose":
            continue
        proposed = {proposal_doc(p) for p in made.get(ref, [])}
        for e in entries:
            if e.doc not in proposed:
                _record(
                    report,
                    f"entry {e.id} books a proposal for {ref} that is not on record as such",
                    e,
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
    """Each appeal against its ``lodge`` and (once decided) ``decide`` entries, and
    claw-backs returned on appeal against the appeals that decided them."""
    known = {}
    for a in conn.execute(select(AppealRow)):
        known[a.id] = a
        what = f"appeal {a.id}"
        lodged = _one(booked, "lodge", a.id, what, report)
        if lodged is not None and lodged.doc != appeal_lodged_doc(a):
            _record(report, f"{what} was edited: it no longer matches entry {lodged.id}", lodged)
        if a.stage in OUTCOMES:
            decided = _one(booked, "decide", a.id, f"{what} ({a.stage})", report)
            if decided is not None and decided.doc != appeal_decided_doc(a):
                _record(
                    report, f"{what} was edited: it no longer matches entry {decided.id}", decided
                )
        elif booked.get(("decide", a.id)):
            _record(
                report,
                f"{what} is {a.stage} but the ledger has its decide entry",
                booked[("decide", a.id)][0],
            )
    for (op, ref), entries in booked.items():
        if op in ("lodge", "decide") and ref not in known:
            _record(
                report,
                f"entry {entries[0].id} books appeal {ref}, which is not on record",
                entries[0],
            )
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
