"""A payment channel's daily settlement statement for the sample city, with known mistakes.

The demo's voucher payments are settled by a made-up channel; its statement (the CSV format
of ``cockpit.programmes.settlement``) is written from the payments with a few differences
injected, and the injections returned as ground truth, so that reconciliation can be checked
to find exactly them: a payment left out, an amount changed, a line sent twice, a payment
that never happened, and a line that cannot be read.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any

HEADER = (
    "settle_date",
    "channel_ref",
    "merchant_id",
    "order_id",
    "voucher_id",
    "amount_fen",
    "fee_fen",
    "status",
)
FEE_RATE = 0.0038  # a typical card-acquiring fee, on what is settled


def write_statement(
    path: Path, payments: list[dict[str, Any]], *, day: str, seed: int
) -> list[dict[str, Any]]:
    """Write the day's statement for ``payments`` (merchant_id, txn_id, voucher_id,
    voucher_fen) with five injected differences; return them (kind, order_id)."""
    rng = random.Random(seed)
    lines = [
        [
            day,
            f"UP{day.replace('-', '')}{n:06d}",
            p["merchant_id"],
            p["txn_id"],
            p["voucher_id"],
            str(p["voucher_fen"]),
            str(round(p["voucher_fen"] * FEE_RATE)),
            "SUCCESS",
        ]
        for n, p in enumerate(sorted(payments, key=lambda p: str(p["txn_id"])))
    ]
    injected: list[dict[str, Any]] = []
    if len(lines) >= 3:
        dropped = lines.pop(rng.randrange(len(lines)))
        injected.append({"kind": "missing_in_statement", "order_id": dropped[3]})
        changed = lines[rng.randrange(len(lines))]
        changed[5] = str(int(changed[5]) + 500)
        injected.append({"kind": "amount_differs", "order_id": changed[3]})
        twice = lines[rng.randrange(len(lines))]
        lines.append([*twice[:1], twice[1] + "D", *twice[2:]])
        injected.append({"kind": "duplicate", "order_id": twice[3]})
    lines.append([day, "UPPHANTOM1", "m-unknown", "T-PHANTOM", "", "2000", "8", "SUCCESS"])
    injected.append({"kind": "missing_in_ledger", "order_id": "T-PHANTOM"})
    lines.append([day, "UPBROKEN1", "m-unknown", "T-BROKEN", "", "12.5yuan", "0", "SUCCESS"])
    injected.append({"kind": "unreadable", "order_id": "T-BROKEN"})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(lines)
    return injected
