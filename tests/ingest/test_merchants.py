"""Merchants keep their history: a move or a change of category is a new version."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from cockpit.ingest import ingest_paths, open_catalog
from tests.ingest.conftest import MERCHANT_HEADER, TXN_HEADER_ZH, write_text, zh_row


def test_a_merchant_that_moves_keeps_each_version_with_its_validity(
    cockpit_home: Path, feeds: Path
) -> None:
    first = write_text(
        feeds / "merchants.csv",
        [
            MERCHANT_HEADER,
            "M000001,解放碑超市,500103,BD01,RS01,线下,smart_device,2019年3月1日,,是,2019年3月1日",
            "M000002,观音桥咖啡,500105,观音桥,CT01,即时零售,,20200101,,否,",
        ],
        encoding="utf-8-sig",
    )
    (report,) = ingest_paths([first])
    assert (report.accepted, report.quarantined) == (2, 0)
    moved = write_text(
        feeds / "merchants_update.csv",
        [MERCHANT_HEADER, "M000001,解放碑超市,500105,,RS02,网络零售,,2019-03-01,,是,2025-07-01"],
    )
    (update,) = ingest_paths([moved])
    assert (update.accepted, update.duplicates) == (1, 0)
    assert update.months == ["2025-07"]
    con = open_catalog()
    versions = con.execute(
        "SELECT merchant_id, district_code, business_district, category_code, channel, "
        "valid_from, valid_to "
        "FROM merchants ORDER BY merchant_id, valid_from"
    ).fetchall()
    assert versions == [
        ("M000001", "500103", "BD01", "RS01", "offline", date(2019, 3, 1), date(2025, 7, 1)),
        ("M000001", "500105", None, "RS02", "online", date(2025, 7, 1), None),
        ("M000002", "500105", "BD03", "CT01", "instant_retail", date(2020, 1, 1), None),
    ]
    # One snapshot file: the table is rewritten whole, the old file removed.
    assert len(list((cockpit_home / "lake" / "merchants").glob("*.parquet"))) == 1
    # Re-delivering the first file changes nothing.
    (again,) = ingest_paths([first])
    assert (again.accepted, again.duplicates) == (0, 2)
    assert con.execute("SELECT count(*) FROM merchants").fetchone() == (3,)


def test_transactions_are_attributed_to_the_version_valid_that_day(
    cockpit_home: Path, feeds: Path
) -> None:
    write_text(
        feeds / "merchants.csv",
        [
            MERCHANT_HEADER,
            "M000001,超市,500103,,RS01,线下,,2019-03-01,,是,2019-03-01",
            "M000001,超市,500105,,RS01,线下,,2019-03-01,,是,2025-03-15",
        ],
    )
    write_text(
        feeds / "交易流水_银联_2025.csv",
        [TXN_HEADER_ZH, zh_row("T1", "2025-03-14 23:59:59"), zh_row("T2", "2025-03-15 00:00:00")],
    )
    ingest_paths([feeds])
    got = (
        open_catalog()
        .execute(
            "SELECT t.txn_id, m.district_code FROM transactions t JOIN merchants m "
            "ON t.merchant_id = m.merchant_id AND m.valid_from <= t.date "
            "AND (m.valid_to IS NULL OR t.date < m.valid_to) ORDER BY t.txn_id"
        )
        .fetchall()
    )
    assert got == [("T1", "500103"), ("T2", "500105")]


def test_a_district_outside_chongqing_is_quarantined(cockpit_home: Path, feeds: Path) -> None:
    path = write_text(
        feeds / "merchants.csv",
        [MERCHANT_HEADER, "M900001,锦江测试商户,510104,,RS07,线下,,2020-05-01,,否,2020-05-01"],
    )
    (report,) = ingest_paths([path])
    assert report.quarantined_by_reason == {"unknown_district": 1}
