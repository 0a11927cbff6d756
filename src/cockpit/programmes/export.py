"""Programme events into the lake: ``lake/programme_events/part-programmes.parquet``.

One row per claim, redemption, refund, expiry and subsidy payment, so the indicators see the
programmes (a redemption carries its voucher id, merchant and transaction id, which join to
``transactions.voucher_id``). A snapshot table: each export replaces the file atomically.
Timestamps are naive Asia/Shanghai microseconds and money int64 fen (docs/lake.md).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from cockpit import lake as lake_tables
from cockpit.format import SHANGHAI
from cockpit.programmes.tx import engine_or_default

TABLE = "programme_events"
# The declared columns of lake table programme_events, in order.
COLUMNS = tuple(lake_tables.table(TABLE).column_names)

_QUERIES = {
    "claim": "SELECT c.id AS event_id, c.at, p.code, NULL AS voucher_id, c.id AS claim_id, "
    "NULL AS merchant_id, NULL AS txn_id, c.person, r.pack_value_fen AS amount, "
    "NULL AS bill FROM prog_claims c JOIN prog_rounds r ON r.id = c.round_id "
    "JOIN prog_programmes p ON p.id = c.programme_id",
    "redeem": "SELECT d.id, d.at, p.code, d.voucher_id, v.claim_id, d.merchant_id, d.txn_id, "
    "d.payer, d.voucher_fen, d.bill_fen FROM prog_redemptions d "
    "JOIN prog_vouchers v ON v.id = d.voucher_id "
    "JOIN prog_programmes p ON p.id = d.programme_id",
    "refund": "SELECT f.id, f.at, p.code, d.voucher_id, NULL, d.merchant_id, d.txn_id, d.payer, "
    "f.voucher_fen, -f.amount_fen FROM prog_refunds f "
    "JOIN prog_redemptions d ON d.id = f.redemption_id "
    "JOIN prog_programmes p ON p.id = d.programme_id",
    "expire": "SELECT 'x' || l.id, l.value_at, p.code, l.voucher_id, l.ref, NULL, NULL, "
    "substr(l.debit, 8), l.amount_fen, NULL FROM prog_ledger l "
    "JOIN prog_programmes p ON p.id = l.programme_id WHERE l.op = 'expire'",
    "subsidy": "SELECT a.id, a.disbursed_at, p.code, NULL, NULL, NULL, NULL, a.applicant, "
    "a.amount_fen, NULL FROM prog_applications a "
    "JOIN prog_programmes p ON p.id = a.programme_id WHERE a.status = 'disbursed'",
}


def _local(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.astimezone(SHANGHAI).replace(tzinfo=None)


def events(engine: Engine) -> list[dict[str, Any]]:
    """Every programme event as a lake row."""
    out: list[dict[str, Any]] = []
    with engine.connect() as conn:
        for kind, sql in _QUERIES.items():
            for row in conn.execute(text(sql)):
                ts = _local(row[1])
                out.append(
                    dict(
                        zip(
                            COLUMNS,
                            (
                                row[0],
                                kind,
                                ts,
                                ts.date(),
                                ts.strftime("%Y-%m"),
                                row[2],
                                row[3],
                                row[4],
                                row[5],
                                row[6],
                                row[7],
                                int(row[8]),
                                None if row[9] is None else int(row[9]),
                            ),
                            strict=True,
                        )
                    )
                )
    out.sort(key=lambda r: (r["ts"], r["event_id"]))
    return out


def export_events(*, lake: Path, engine: Engine | None = None) -> Path:
    """Write the snapshot of every programme event; returns the Parquet file."""
    rows = lake_tables.arrow_table(TABLE, events(engine_or_default(engine)))
    return lake_tables.write_snapshot(lake, TABLE, rows, "programmes")
