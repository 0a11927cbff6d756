"""Write small lake tables by hand, exactly per docs/lake.md, for hand-made test cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from cockpit.ingest.lake import SCHEMAS

# The lake's own declared schemas, so these files are exactly what ingestion writes.
TXN_SCHEMA = SCHEMAS["transactions"]
MERCHANT_SCHEMA = SCHEMAS["merchants"]
INGEST_SCHEMA = SCHEMAS["ingests"]


def txn(ts: str, merchant: str, fen: int, **kw: Any) -> dict[str, Any]:
    """One transaction row with sensible defaults."""
    when = dt.datetime.fromisoformat(ts)
    row = {
        "source": "hand",
        "txn_id": f"{merchant}-{ts}-{fen}",
        "ts": when,
        "date": when.date(),
        "month": when.strftime("%Y-%m"),
        "amount_fen": fen,
        "is_refund": fen < 0,
        "merchant_id": merchant,
        "channel": "offline",
        "payment_method": "bank_card",
        "payer_id": "p1",
        "card_id": None,
        "device_id": None,
        "payer_segment": "resident",
        "age_band": None,
        "voucher_id": None,
    }
    row.update(kw)
    return row


def merchant(mid: str, district: str, category: str, opened: str, **kw: Any) -> dict[str, Any]:
    """One merchant version with sensible defaults."""
    row = {
        "merchant_id": mid,
        "name": mid,
        "district_code": district,
        "business_district": None,
        "category_code": category,
        "channel": "offline",
        "digital_tags": "",
        "opened_on": dt.date.fromisoformat(opened),
        "closed_on": None,
        "above_size": True,
        "valid_from": dt.date(2000, 1, 1),
        "valid_to": None,
    }
    row.update(kw)
    return row


def write(
    lake: Path, ingest_id: str, txns: list[dict[str, Any]], merchants: list[dict[str, Any]]
) -> None:
    """Write one ingest: transactions by month, merchants (if any), and its ingests row."""
    months = sorted({t["month"] for t in txns})
    for m in months:
        folder = lake / "transactions" / f"month={m}"
        folder.mkdir(parents=True, exist_ok=True)
        rows = [{**t, "ingest_id": ingest_id} for t in txns if t["month"] == m]
        pq.write_table(pa.Table.from_pylist(rows, TXN_SCHEMA), folder / f"part-{ingest_id}.parquet")
    if merchants:
        (lake / "merchants").mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(merchants, MERCHANT_SCHEMA)
        pq.write_table(table, lake / "merchants" / f"part-{ingest_id}.parquet")
    (lake / "ingests").mkdir(parents=True, exist_ok=True)
    now = dt.datetime(2026, 1, 1)
    row = {
        "ingest_id": ingest_id,
        "source": "hand",
        "file": "hand",
        "file_sha256": "",
        "started_at": now,
        "finished_at": now,
        "rows_read": len(txns),
        "accepted": len(txns),
        "quarantined": 0,
        "duplicates": 0,
        "months": ";".join(months),
    }
    pq.write_table(
        pa.Table.from_pylist([row], INGEST_SCHEMA), lake / "ingests" / f"part-{ingest_id}.parquet"
    )
