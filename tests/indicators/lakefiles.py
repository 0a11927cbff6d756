"""Write small lake tables by hand, exactly per docs/lake.md, for hand-made test cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cockpit import lake as lake_tables

# Written through the lake's registry, so these files have exactly the types ingestion writes.
TXN_SCHEMA = lake_tables.schema("transactions")
MERCHANT_SCHEMA = lake_tables.schema("merchants")
INGEST_SCHEMA = lake_tables.schema("ingests")


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
    part = f"part-{ingest_id}.parquet"
    for m in months:
        folder = lake_tables.table_dir(lake, "transactions") / f"month={m}"
        rows = [{**t, "ingest_id": ingest_id} for t in txns if t["month"] == m]
        lake_tables.write_table("transactions", rows, folder / part)
    if merchants:
        lake_tables.write_table(
            "merchants", merchants, lake_tables.table_dir(lake, "merchants") / part
        )
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
    lake_tables.write_table("ingests", [row], lake_tables.table_dir(lake, "ingests") / part)


def publish_every_cell(home: Path) -> None:
    """A disclosure policy that suppresses and withholds nothing, for the tests of the
    arithmetic on a handful of merchants (tests/indicators/test_disclosure.py tests the
    rules themselves)."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "disclosure.yaml").write_text(
        'version: "test"\n'
        "suppress: {min_merchants: 1, complementary: false}\n"
        "reliability: {max_cv: 1000.0}\n"
        "growth: {min_base_merchants: 0, max_cv: 1000.0}\n",
        "utf-8",
    )
