"""The sample city's subsidy applications: car purchases and appliance trade-ins.

Valid applications, and a few that each break exactly one eligibility rule, written as JSON
lines (``subsidy_applications.jsonl``: programme, applicant's made-up resident ID, facts);
the ground truth lists each one's expected decision (``submitted`` or ``rejected`` with the
rule). The dealers and appliance sellers are the sample city's; the shipped example
programmes list the same participating ones (a test keeps them in step). Not real data.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

APPLICATIONS_FILE = "subsidy_applications.jsonl"
CAR = "chongqing-car-2023"
TRADE_IN = "appliance-trade-in-2025"
# Participating sellers (listed by the programmes), and one that is not.
CAR_DEALERS = ("91500000MA5U000A1A", "91500000MA5U000B2E", "91500000MA5U000C3J")
APPLIANCE_SELLERS = ("91500103MA5U100D4Y", "91500105MA5U100E50", "91500107MA5U100F61")
UNLISTED_SELLER = "91500000MA5U000D4N"
CITY_DISTRICTS = ("500103", "500104", "500105", "500106", "500107", "500108", "500112")
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _resident_id(rng: random.Random, district: str) -> str:
    first17 = f"{district}{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first17 += f"{rng.randint(0, 999):03d}"
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def _vin(rng: random.Random) -> str:
    """A VIN with a correct GB 16735 check digit (position 9)."""
    values = {
        **{str(d): d for d in range(10)},
        **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
        **dict(zip("JKLMN", range(1, 6), strict=True)),
        "P": 7,
        "R": 9,
        **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
    }
    weights = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
    body = "LFV" + "".join(rng.choice(_VIN_CHARS) for _ in range(14))
    total = sum(values[c] * w for c, w in zip(body, weights, strict=True))
    check = "X" if total % 11 == 10 else str(total % 11)
    return body[:8] + check + body[9:]


def _car(rng: random.Random, n: int) -> dict[str, Any]:
    district = rng.choice(CITY_DISTRICTS)
    # Prices spread over the three bands; most cars under 200,000 yuan.
    price = rng.choice(
        [rng.randint(59_800, 99_900), rng.randint(100_000, 199_900)] * 2
        + [rng.randint(200_000, 459_900)]
    )
    return {
        "programme": CAR,
        "applicant": _resident_id(rng, district),
        "facts": {
            "price_yuan": price,
            "invoice_no": f"CQ2023-{n:06d}",
            "item_class": "new_passenger_car",
            "item_id": _vin(rng),
            "purchase_date": f"2023-{rng.randint(3, 11):02d}-{rng.randint(1, 28):02d}",
            "seller": rng.choice(CAR_DEALERS),
            "buyer_district": district,
        },
    }


def _trade_in(rng: random.Random, n: int) -> dict[str, Any]:
    district = rng.choice(CITY_DISTRICTS)
    category = rng.choice(["refrigerator", "washing_machine", "air_conditioner", "television"])
    return {
        "programme": TRADE_IN,
        "applicant": _resident_id(rng, district),
        "facts": {
            "price_yuan": rng.randint(1_999, 12_999),
            "invoice_no": f"JD2025-{n:06d}",
            "item_class": "new_household_appliance",
            "item_id": f"SN{rng.randrange(10**10):010d}",
            "purchase_date": f"2025-{rng.randint(2, 10):02d}-{rng.randint(1, 28):02d}",
            "seller": rng.choice(APPLIANCE_SELLERS),
            "buyer_district": district,
            "category": category,
            "efficiency_grade": rng.choice([1, 1, 2]),
            "old_item_certificate": f"HS{rng.randrange(10**9):09d}",
            "payout": rng.choice(["buyer", "till"]),
        },
    }


# One rule broken per application: (programme, rule, change to the facts).
BROKEN: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (CAR, "item_class", {"item_class": "used_passenger_car"}),
    (CAR, "purchase_window", {"purchase_date": "2024-01-15"}),
    (CAR, "seller_list", {"seller": UNLISTED_SELLER}),
    (CAR, "buyer_district", {"buyer_district": "510104"}),
    (TRADE_IN, "amount_rule", {"efficiency_grade": 3}),
    (TRADE_IN, "purchase_window", {"purchase_date": "2024-12-20"}),
    (TRADE_IN, "seller_list", {"seller": UNLISTED_SELLER}),
)


def write_applications(
    out: Path, *, seed: int, cars: int = 24, trade_ins: int = 24
) -> list[dict[str, Any]]:
    """Write the applications file; return the expected decisions (the ground truth's)."""
    rng = random.Random(seed)
    rows = [_car(rng, n) for n in range(cars)] + [_trade_in(rng, n) for n in range(trade_ins)]
    expected = [{"status": "submitted", "rule": None} for _ in rows]
    for k, (programme, rule, change) in enumerate(BROKEN):
        base = _car(rng, 900 + k) if programme == CAR else _trade_in(rng, 900 + k)
        rows.append({**base, "facts": {**base["facts"], **change}})
        expected.append({"status": "rejected", "rule": rule})
    # The same car applied for twice (by another buyer): the second is refused.
    twin = _car(rng, 990)
    rows.append(twin)
    expected.append({"status": "submitted", "rule": None})
    other = _car(rng, 991)
    rows.append({**other, "facts": {**other["facts"], "item_id": twin["facts"]["item_id"]}})
    expected.append({"status": "rejected", "rule": "one_per_item"})
    path = out / APPLICATIONS_FILE
    with path.open("w", encoding="utf-8") as fh:
        for n, row in enumerate(rows, start=1):
            fh.write(json.dumps({"line": n, **row}, ensure_ascii=False, sort_keys=True) + "\n")
    return [
        {"line": n, "programme": row["programme"], **exp}
        for n, (row, exp) in enumerate(zip(rows, expected, strict=True), start=1)
    ]
