"""Write small lake tables by hand, exactly per docs/lake.md, for hand-made test cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

TXN_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("txn_id", pa.string()),
        ("ts", pa.timestamp("us")),
        ("date", pa.date32()),
        ("month", pa.string()),
        ("amount_fen", pa.int64()),
        ("is_refund", pa.bool_()),
        ("merchant_id", pa.string()),
        ("channel", pa.string()),
        ("payment_method", pa.string()),
        ("payer_id", pa.string()),
        ("card_id", pa.string()),
        ("device_id", pa.string()),
        ("payer_segment", pa.string()),
        ("age_band", pa.string()),
        ("voucher_id", pa.string()),
        ("ingest_id", pa.string()),
    ]
)
MERCHANT_SCHEMA = pa.schema(
    [
        ("merchant_id", pa.string()),
        ("name", pa.string()),
        ("district_code", pa.string()),
        ("business_district", pa.string()),
        ("category_code", pa.string()),
        ("channel", pa.string()),
        ("digital_tags", pa.string()),
        ("opened_on", pa.date32()),
        ("closed_on", pa.date32()),
        ("above_size", pa.bool_()),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
    ]
)
INGEST_SCHEMA = pa.schema(
    [
        ("ingest_id", pa.string()),
        ("source", pa.string()),
        ("file", pa.string()),
        ("file_sha256", pa.string()),
        ("started_at", pa.timestamp("us")),
        ("finished_at", pa.timestamp("us")),
        ("rows_read", pa.int64()),
        ("accepted", pa.int64()),
        ("quarantined", pa.int64()),
        ("duplicates", pa.int64()),
        ("months", pa.string()),
    ]
)


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
