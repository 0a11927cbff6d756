"""A small lake written exactly as docs/lake.md lays it out, for the end-to-end tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.alerts.conftest import write_lake_table, write_trade

START, END = dt.date(2024, 1, 1), dt.date(2025, 6, 30)
MERCHANTS = [  # id, source, district, category, last day with sales
    ("m1", "unionpay", "500103", "RS01", END),
    ("m2", "unionpay", "500106", "RS01", END),
    ("m3", "platform_a", "500103", "RS13", dt.date(2025, 6, 20)),
]


def payments_per_day(merchant: str, day: dt.date) -> int:
    """Steady trade; Shapingba's merchant halves from April 2025 (a slump)."""
    if merchant == "m3":
        return 1
    if merchant == "m2" and day >= dt.date(2025, 4, 1):
        return 2
    return 4


def official_rows() -> list[dict[str, object]]:
    """Published city retail sales of two categories; phones jump 70 % in June 2025."""
    rows = []
    for k in range(30):  # 2023-01 .. 2025-06
        period = f"{2023 + k // 12}-{k % 12 + 1:02d}"
        level = 1e11 * 1.05 ** (k / 12) * (1 + 0.002 * ((k * 7) % 5))
        for code, value in (("RS01", level), ("RS13", level * (1.7 if k == 29 else 1.0))):
            rows.append(
                {
                    "period": period,
                    "region_code": "500000",
                    "category_code": code,
                    "measure": "retail_sales",
                    "value_fen": int(value),
                    "yoy_pct": None,
                    "source": "nbs",
                }
            )
    return rows


def write_small_lake(home: Path, *, small_cells: bool = True) -> None:
    """Transactions (by month), merchants and the Order + List of a tiny city.

    Its districts have one or two merchants each: ``small_cells`` writes a disclosure
    policy that publishes them (the default rules suppress them, see test_runner)."""
    if small_cells:
        from tests.indicators.lakefiles import publish_every_cell

        publish_every_cell(home)
    by_month: dict[str, list[dict[str, object]]] = {}
    day = START
    while day <= END:
        for merchant, source, _, _, last in MERCHANTS:
            if day > last:
                continue
            month = day.strftime("%Y-%m")
            for n in range(payments_per_day(merchant, day)):
                by_month.setdefault(month, []).append(
                    {
                        "source": source,
                        "txn_id": f"{merchant}-{day}-{n}",
                        "month": month,
                        "ts": dt.datetime.combine(day, dt.time(12)),
                        "date": day,
                        "amount_fen": 25_000,
                        "is_refund": False,
                        "merchant_id": merchant,
                        "channel": "offline",
                    }
                )
        day += dt.timedelta(days=1)
    for month, rows in by_month.items():
        write_lake_table(home, "transactions", rows, month=month)
    write_lake_table(
        home,
        "merchants",
        [
            {
                "merchant_id": m,
                "name": m,
                "district_code": d,
                "category_code": c,
                "closed_on": None,
                "valid_from": dt.date(2020, 1, 1),
                "valid_to": None,
            }
            for m, _, d, c, _ in MERCHANTS
        ],
    )
    write_lake_table(home, "official_stats", official_rows())
    months = [f"{y}-{m:02d}" for y in (2024, 2025) for m in range(1, 13)][:18]
    write_trade(
        home,
        [
            {
                "enterprise_id": "E1",
                "name": "渝中精密",
                "district_code": "500103",
                "products": "齿轮",
                "markets": "DE",
            },
            {
                "enterprise_id": "E2",
                "name": "江北电子",
                "district_code": "500105",
                "products": "手机",
                "markets": "VN",
            },
        ],
        [
            {
                "enterprise_id": e,
                "month": m,
                "orders_in_hand_fen": 300_000_000,
                "new_orders_fen": 20_000_000 if (e == "E1" and m == "2025-06") else 100_000_000,
                "export_value_fen": 90_000_000,
            }
            for e in ("E1", "E2")
            for m in months
        ],
    )
