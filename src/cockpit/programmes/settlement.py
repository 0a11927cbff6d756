"""Reconciliation with the payment channel's daily settlement statement, and its error queue.

The channel (UnionPay, a bank, a wallet operator) settles each day's voucher money with the
merchants and sends a statement. Its format here (UTF-8 CSV, one header line; documented in
docs/programmes.md, "Settlement statements") carries what bank and UnionPay settlement files
carry:

============== ===============================================================
column         meaning
============== ===============================================================
settle_date    the settlement day, YYYY-MM-DD (Asia/Shanghai)
channel_ref    the channel's own serial number of the line
merchant_id    the merchant (or, for a payout, the payee) paid
order_id       the merchant's payment id (``txn_id``), or the application id
voucher_id     the voucher spent (empty for a payout)
amount_fen     money settled, integer fen (the voucher's part; a payout's amount)
fee_fen        the channel's fee, integer fen (reported, not matched)
status         SUCCESS (settled), REFUND (voucher money taken back), FAILED
============== ===============================================================

``reconcile`` matches every SUCCESS and REFUND line of a day with the redemptions, refunds and
payouts of that day, both ways, and puts every difference in the **error queue**
(``prog_recon_items``): ``missing_in_statement`` (we paid, the channel shows nothing),
``missing_in_ledger`` (the channel paid, we have no such payment), ``amount_differs``,
``duplicate`` (the same line twice) and ``unreadable`` (a line that is not valid, kept with
its line number and field). Importing the same statement again changes nothing.

Each difference is resolved by ``resolve``: **explain** (a note; nothing moves), **correct**
(a ledger entry moving the difference between the programme's budget and the merchant) or
**write off** (the difference booked to ``loss:<programme>``) — each with four eyes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from cockpit.format import SHANGHAI
from cockpit.programmes import foureyes, ledger
from cockpit.programmes.ledger import Move, now_iso
from cockpit.programmes.models import (
    ApplicationRow,
    ReconItemRow,
    RedemptionRow,
    RefundRow,
    StatementRow,
    VoucherRow,
)
from cockpit.programmes.rules import MAX_AMOUNT_FEN
from cockpit.programmes.tx import Conflict, NotAllowed, NotFound, engine_or_default, write_tx
from cockpit.programmes.vouchers import load_rules, programme_chain

COLUMNS = (
    "settle_date",
    "channel_ref",
    "merchant_id",
    "order_id",
    "voucher_id",
    "amount_fen",
    "fee_fen",
    "status",
)
STATUSES = ("SUCCESS", "REFUND", "FAILED")
KINDS = ("missing_in_statement", "missing_in_ledger", "amount_differs", "duplicate", "unreadable")
ACTIONS = ("explain", "correct", "write_off")
# The ledger operation each resolution that moves money books.
BOOKED = {"correct": "correct", "write_off": "writeoff"}


class StatementError(ValueError):
    """A statement that cannot be read at all (not CSV, wrong header): file and line named."""


@dataclass(frozen=True)
class Line:
    """One valid statement line."""

    line: int
    settle_date: str
    channel_ref: str
    merchant_id: str
    order_id: str
    voucher_id: str
    amount_fen: int
    fee_fen: int
    status: str


def _fen(text: str, field: str) -> int:
    if not re.fullmatch(r"-?\d{1,13}", text.strip()):
        raise ValueError(f"{field}: {text!r} is not a whole number of fen")
    value = int(text)
    if abs(value) > MAX_AMOUNT_FEN:
        raise ValueError(f"{field}: {value} is beyond the contract's ceiling")
    return value


def parse(content: bytes, name: str) -> tuple[list[Line], list[tuple[int, str, str]]]:
    """The valid lines of a statement and the others as (line, field, reason)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StatementError(f"{name}: not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise StatementError(f"{name}, line 1: missing columns {', '.join(missing)}")
    at = {c: header.index(c) for c in COLUMNS}
    good: list[Line] = []
    bad: list[tuple[int, str, str]] = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < len(header):
            bad.append((number, "", f"{len(cells)} cells, the header has {len(header)}"))
            continue
        row = {c: cells[at[c]].strip() for c in COLUMNS}
        try:
            date.fromisoformat(row["settle_date"])
            if row["status"].upper() not in STATUSES:
                raise ValueError(f"status: {row['status']!r} is not one of {', '.join(STATUSES)}")
            for field in ("merchant_id", "order_id", "channel_ref"):
                if not row[field] or len(row[field]) > 80:
                    raise ValueError(f"{field}: empty or longer than 80 characters")
            amount = _fen(row["amount_fen"], "amount_fen")
            fee = _fen(row["fee_fen"] or "0", "fee_fen")
        except ValueError as exc:
            field, _, why = str(exc).partition(": ")
            bad.append((number, field if why else "settle_date", why or str(exc)))
            continue
        good.append(
            Line(
                number,
                row["settle_date"],
                row["channel_ref"],
                row["merchant_id"],
                row["order_id"],
                row["voucher_id"][:40],
                amount,
                fee,
                row["status"].upper(),
            )
        )
    return good, bad


def _day(stamp: str) -> str:
    """The Asia/Shanghai day of a stored UTC time."""
    return datetime.fromisoformat(stamp).astimezone(SHANGHAI).date().isoformat()


def _ours(conn: Connection, day: str) -> dict[tuple[str, str, str], tuple[int, int, str]]:
    """Our side of the day: (status, merchant or payee, order) → (fen, programme, voucher)."""
    out: dict[tuple[str, str, str], tuple[int, int, str]] = {}
    for r in conn.execute(select(RedemptionRow)):
        if _day(str(r.at)) == day:
            out[("SUCCESS", r.merchant_id, r.txn_id)] = (
                r.voucher_fen,
                r.programme_id,
                r.voucher_id,
            )
    refunded: dict[tuple[str, str], int] = defaultdict(int)
    refunds = select(
        RefundRow.voucher_fen,
        RefundRow.at,
        RedemptionRow.merchant_id,
        RedemptionRow.txn_id,
        RedemptionRow.programme_id,
        RedemptionRow.voucher_id,
    ).join(RedemptionRow, RedemptionRow.id == RefundRow.redemption_id)
    for fen, at, merchant, txn, pid, voucher in conn.execute(refunds):
        if fen and _day(at) == day:
            refunded[(merchant, txn)] += fen
            out[("REFUND", merchant, txn)] = (refunded[(merchant, txn)], pid, voucher)
    for a in conn.execute(select(ApplicationRow).where(ApplicationRow.status == "disbursed")):
        if a.disbursed_at and _day(a.disbursed_at) == day:
            out[("SUCCESS", a.applicant, a.id)] = (a.amount_fen, a.programme_id, "")
    return out


def _programme_of(conn: Connection, line: Line) -> int | None:
    if line.voucher_id:
        found = conn.execute(
            select(VoucherRow.programme_id).where(VoucherRow.id == line.voucher_id)
        ).scalar()
        if found is not None:
            return int(found)
    return None


def reconcile(path: Path, *, channel: str, engine: Engine | None = None) -> dict[str, Any]:
    """Import a settlement statement and queue every difference; the same file twice is one.

    Returns the statement's id, day, line counts and the differences found by kind.
    """
    engine = engine_or_default(engine)
    content = Path(path).read_bytes()
    statement_id = hashlib.sha256(content).hexdigest()[:32]
    good, bad = parse(content, str(path))
    days = sorted({ln.settle_date for ln in good})
    if len(days) > 1:
        raise StatementError(f"{path}: lines of several days ({', '.join(days)}); one a file")
    with write_tx(engine) as conn:
        earlier = conn.execute(select(StatementRow).where(StatementRow.id == statement_id)).first()
        if earlier is not None:
            return _summary(conn, earlier)
        day = days[0] if days else ""
        items = (
            _differences(conn, day, good, bad)
            if day
            else [
                _item(None, "unreadable", line=n, detail=f"{f}: {why}" if f else why)
                for n, f, why in bad
            ]
        )
        conn.execute(
            insert(StatementRow),
            {
                "id": statement_id,
                "channel": channel,
                "settle_date": day,
                "file_name": Path(path).name,
                "lines": len(good) + len(bad),
                "imported_at": now_iso(),
            },
        )
        if items:
            conn.execute(insert(ReconItemRow), [{**i, "statement_id": statement_id} for i in items])
        row = conn.execute(select(StatementRow).where(StatementRow.id == statement_id)).one()
        return _summary(conn, row)


def _item(programme_id: int | None, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"q{secrets.token_hex(8)}",
        "programme_id": programme_id,
        "kind": kind,
        "merchant_id": fields.get("merchant_id"),
        "order_id": fields.get("order_id"),
        "voucher_id": fields.get("voucher_id") or None,
        "ours_fen": fields.get("ours_fen"),
        "theirs_fen": fields.get("theirs_fen"),
        "line": fields.get("line"),
        "detail": fields["detail"],
        "status": "open",
        "resolution": None,
        "resolved_at": None,
    }


def _differences(
    conn: Connection, day: str, good: list[Line], bad: list[tuple[int, str, str]]
) -> list[dict[str, Any]]:
    ours = _ours(conn, day)
    items = [
        _item(None, "unreadable", line=n, detail=f"{f}: {why}" if f else why) for n, f, why in bad
    ]
    seen: Counter[tuple[str, str, str]] = Counter()
    for ln in good:
        if ln.status == "FAILED":
            continue
        key = (ln.status, ln.merchant_id, ln.order_id)
        seen[key] += 1
        where = {
            "merchant_id": ln.merchant_id,
            "order_id": ln.order_id,
            "line": ln.line,
            "voucher_id": ln.voucher_id,
            "theirs_fen": ln.amount_fen,
        }
        if seen[key] > 1:
            items.append(
                _item(
                    ours.get(key, (0, _programme_of(conn, ln), ""))[1],
                    "duplicate",
                    detail=f"{ln.status} {ln.order_id} appears again",
                    **where,
                )
            )
            continue
        if key not in ours:
            items.append(
                _item(
                    _programme_of(conn, ln),
                    "missing_in_ledger",
                    detail=f"the channel settled {ln.amount_fen} fen we did not pay",
                    **where,
                )
            )
            continue
        fen, pid, _ = ours[key]
        if fen != ln.amount_fen:
            items.append(
                _item(
                    pid,
                    "amount_differs",
                    ours_fen=fen,
                    detail=f"we paid {fen} fen, the channel {ln.amount_fen}",
                    **where,
                )
            )
    for (status, merchant, order), (fen, pid, voucher) in sorted(ours.items()):
        if not seen[(status, merchant, order)]:
            items.append(
                _item(
                    pid,
                    "missing_in_statement",
                    merchant_id=merchant,
                    order_id=order,
                    voucher_id=voucher,
                    ours_fen=fen,
                    detail=f"{status} of {fen} fen on {day} is not in the statement",
                )
            )
    return items


def _summary(conn: Connection, statement: Any) -> dict[str, Any]:
    kinds = Counter(
        conn.execute(
            select(ReconItemRow.kind).where(ReconItemRow.statement_id == statement.id)
        ).scalars()
    )
    return {
        "statement_id": statement.id,
        "channel": statement.channel,
        "settle_date": statement.settle_date,
        "lines": statement.lines,
        "differences": dict(sorted(kinds.items())),
    }


def queue(*, status: str | None = "open", engine: Engine | None = None) -> list[dict[str, Any]]:
    """The error queue (open items by default), oldest first."""
    with engine_or_default(engine).connect() as conn:
        query = select(ReconItemRow).order_by(ReconItemRow.statement_id, ReconItemRow.line)
        if status is not None:
            query = query.where(ReconItemRow.status == status)
        return [r._asdict() for r in conn.execute(query)]


def _difference(item: Any) -> int:
    """What the channel paid beyond what we did (negative: less)."""
    return int(item.theirs_fen or 0) - int(item.ours_fen or 0)


def resolve(
    *,
    item_id: str,
    action: str,
    note: str,
    officer: str,
    engine: Engine | None = None,
) -> dict[str, Any]:
    """Resolve a queued difference, four eyes: the first officer proposes, another confirms.

    ``explain`` records the note; ``correct`` books the difference between the programme's
    budget and the merchant; ``write_off`` books it to ``loss:<programme>``.
    """
    if action not in ACTIONS:
        raise NotAllowed(f"action must be one of {', '.join(ACTIONS)}")
    if not note.strip():
        raise NotAllowed("a resolution needs a note saying why")
    engine = engine_or_default(engine)
    with write_tx(engine) as conn:
        item = conn.execute(select(ReconItemRow).where(ReconItemRow.id == item_id)).first()
        if item is None:
            raise NotFound(f"no reconciliation item {item_id}")
        if item.status != "open":
            raise Conflict(f"item {item_id} is already {item.status}")
        diff = _difference(item)
        moves_money = action != "explain" and diff != 0
        if moves_money and item.programme_id is None:
            raise NotAllowed("this line names no voucher of a programme: explain it")
        threshold = load_rules(conn, item.programme_id).four_eyes_above_fen if moves_money else -1
        maker = foureyes.second_pair(
            conn,
            action="resolve",
            subject=item_id,
            programme_id=item.programme_id or 0,
            amount_fen=abs(diff),
            threshold_fen=threshold,
            officer=officer,
            payload={"action": action, "note": note},
        )
        if maker is None:
            return {**item._asdict(), "awaiting_check": f"{action} proposed by {officer}"}
        if moves_money:
            _book(conn, item, action, diff)
        status = {"explain": "explained", "correct": "corrected", "write_off": "written_off"}
        conn.execute(
            update(ReconItemRow)
            .where(ReconItemRow.id == item_id)
            .values(
                status=status[action],
                resolution=json.dumps(
                    {"action": action, "note": note, "maker": maker, "checker": officer},
                    ensure_ascii=False,
                ),
                resolved_at=now_iso(),
            )
        )
        done = conn.execute(select(ReconItemRow).where(ReconItemRow.id == item_id)).one()
        return {**done._asdict(), "awaiting_check": None}


def _book(conn: Connection, item: Any, action: str, diff: int) -> None:
    pid = int(item.programme_id)
    budget, merchant = f"budget:{pid}", f"merchant:{item.merchant_id}"
    if action == "correct":
        debit, credit = (budget, merchant) if diff > 0 else (merchant, budget)
    else:
        debit, credit = (budget, f"loss:{pid}") if diff > 0 else (f"loss:{pid}", budget)
    try:
        ledger.append(
            conn,
            chain_id=programme_chain(pid),
            programme_id=pid,
            balance_delta=-diff,
            moves=[Move(BOOKED[action], debit, credit, abs(diff), ref=item.id)],
        )
    except ledger.ChainBusyError:
        raise Conflict("the programme's budget cannot cover this correction") from None


def statements(*, engine: Engine | None = None) -> list[dict[str, Any]]:
    """Every statement imported, newest day first, with its differences by kind."""
    with engine_or_default(engine).connect() as conn:
        rows = conn.execute(select(StatementRow).order_by(StatementRow.settle_date.desc())).all()
        return [_summary(conn, r) for r in rows]
