"""Ingest real files into a fresh lake: report, quarantine, dedup, catalogue, ingests record."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from cockpit import lake
from cockpit.ingest import FileError, export_quarantine, ingest_paths, open_catalog, quarantine_rows
from tests.ingest.conftest import TXN_HEADER_EN, TXN_HEADER_ZH, write_text, write_xlsx, zh_row

BAD_LINES = [
    TXN_HEADER_ZH,
    zh_row("T1"),  # line 2
    zh_row("T2", "2025/3/2 9:05:00", '"¥1,234.50"'),  # line 3
    zh_row("T3", "2025-13-45 00:00:00"),  # line 4: unparseable_date
    zh_row("T4", amount="-5.00"),  # line 5: negative_amount_not_refund
    zh_row("T5", "2025-04-03 10:00:00", "-5.00", refund="是"),  # line 6: a refund
    zh_row("T1"),  # line 7: exact repeat -> duplicate
    zh_row("T2", "2025-03-02 09:05:00", "999.00"),  # line 8: conflicting_duplicate
    zh_row("T6", channel="火星"),  # line 9: unknown_channel
    zh_row("T7", payment="贝壳"),  # line 10: unknown_payment_method
    zh_row("T8", "03/04/2025 10:00:00"),  # line 11: ambiguous_value
    "unionpay,T9,2025-03-05",  # line 12: malformed_row
    zh_row("T10", "２０２５-03-05 10:00:00", "１２.００"),  # line 13: full-width digits
    "",
    "",
]
EXPECTED_QUARANTINE = [
    (4, "交易时间", "unparseable_date"),
    (5, "交易金额(元)", "negative_amount_not_refund"),
    (8, "交易流水号", "conflicting_duplicate"),
    (9, "渠道", "unknown_channel"),
    (10, "支付方式", "unknown_payment_method"),
    (11, "交易时间", "ambiguous_value"),
    (12, "", "malformed_row"),
]


def test_every_row_read_is_accepted_quarantined_or_a_duplicate(
    cockpit_home: Path, feeds: Path
) -> None:
    path = write_text(feeds / "交易流水_银联_2025.csv", BAD_LINES, encoding="gb18030")
    (report,) = ingest_paths([path])
    assert report.source == "transactions"
    assert report.rows_read == 12
    assert (report.accepted, report.quarantined, report.duplicates) == (4, 7, 1)
    assert report.balanced
    assert report.quarantined_by_reason["unparseable_date"] == 1
    rows = quarantine_rows(ingest_id=report.ingest_id)
    assert (
        list(zip(rows["line"], rows["field"], rows["reason"], strict=True)) == EXPECTED_QUARANTINE
    )
    assert set(rows["file"]) == {str(path.resolve())}


def test_accepted_rows_reach_the_lake_typed_as_the_contract_says(
    cockpit_home: Path, feeds: Path
) -> None:
    path = write_text(feeds / "交易流水_银联_2025.csv", BAD_LINES, encoding="gb18030")
    (report,) = ingest_paths([path])
    con = open_catalog()
    got = con.execute(
        "SELECT txn_id, amount_fen, is_refund, channel, month, date::VARCHAR "
        "FROM transactions ORDER BY txn_id"
    ).fetchall()
    assert got == [
        ("T1", 1250, False, "offline", "2025-03", "2025-03-01"),
        ("T10", 1200, False, "offline", "2025-03", "2025-03-05"),
        ("T2", 123450, False, "offline", "2025-03", "2025-03-02"),
        ("T5", -500, True, "offline", "2025-04", "2025-04-03"),
    ]
    files = sorted((cockpit_home / "lake" / "transactions").rglob("*.parquet"))
    assert [f.relative_to(cockpit_home / "lake").as_posix() for f in files] == [
        f"transactions/month=2025-03/part-{report.ingest_id}.parquet",
        f"transactions/month=2025-04/part-{report.ingest_id}.parquet",
    ]
    assert pq.read_schema(files[0]).equals(lake.schema("transactions"), check_metadata=False)


def test_each_ingest_is_recorded_with_hash_counts_and_months(
    cockpit_home: Path, feeds: Path
) -> None:
    path = write_text(feeds / "交易流水_银联_2025.csv", BAD_LINES, encoding="gb18030")
    (report,) = ingest_paths([path])
    record = open_catalog().sql("SELECT * FROM ingests").pl()
    assert record.height == 1
    row = record.row(0, named=True)
    assert row["file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (row["rows_read"], row["accepted"], row["quarantined"], row["duplicates"]) == (
        12,
        4,
        7,
        1,
    )
    assert row["months"] == "2025-03;2025-04"
    assert row["finished_at"] >= row["started_at"]
    assert report.to_dict()["months"] == ["2025-03", "2025-04"]


def test_reingesting_the_same_file_adds_nothing(cockpit_home: Path, feeds: Path) -> None:
    path = write_text(feeds / "交易流水_银联_2025.csv", BAD_LINES, encoding="gb18030")
    ingest_paths([path])
    before = open_catalog().execute("SELECT count(*), sum(amount_fen) FROM transactions").fetchone()
    (again,) = ingest_paths([path])
    assert again.accepted == 0
    assert again.duplicates == 5
    assert again.balanced
    after = open_catalog().execute("SELECT count(*), sum(amount_fen) FROM transactions").fetchone()
    assert after == before


def test_overlapping_files_count_each_transaction_once(cockpit_home: Path, feeds: Path) -> None:
    first = write_text(feeds / "a.csv", [TXN_HEADER_ZH, zh_row("T1"), zh_row("T2")])
    second = write_text(
        feeds / "b.csv", [TXN_HEADER_ZH, zh_row("T2"), zh_row("T3"), zh_row("T1", amount="1.00")]
    )
    ingest_paths([first])
    (report,) = ingest_paths([second], source="transactions")
    assert (report.accepted, report.duplicates, report.quarantined) == (1, 1, 1)
    assert quarantine_rows(ingest_id=report.ingest_id)["reason"].to_list() == [
        "conflicting_duplicate"
    ]
    assert open_catalog().execute("SELECT count(*) FROM transactions").fetchone() == (3,)


def test_a_corrected_quarantine_export_reingests_cleanly(cockpit_home: Path, feeds: Path) -> None:
    path = write_text(feeds / "交易流水_银联_2025.csv", BAD_LINES, encoding="gb18030")
    (report,) = ingest_paths([path])
    export = feeds / "fix" / "corrections.csv"
    assert export_quarantine(ingest_id=report.ingest_id, out=export, reason="unparseable_date") == 1
    text = export.read_text("utf-8")
    assert "2025-13-45" in text
    export.write_text(text.replace("2025-13-45", "2025-03-15"), "utf-8")
    (fixed,) = ingest_paths([export])
    assert (fixed.accepted, fixed.quarantined, fixed.duplicates) == (1, 0, 0)
    row = (
        open_catalog()
        .execute("SELECT payer_id, ts::VARCHAR FROM transactions WHERE txn_id = 'T3'")
        .fetchone()
    )
    original = (
        open_catalog().execute("SELECT payer_id FROM transactions WHERE txn_id = 'T1'").fetchone()
    )
    assert row == (original[0], "2025-03-15 00:00:00")


def test_english_parquet_and_excel_feeds_land_in_their_tables(
    cockpit_home: Path, feeds: Path
) -> None:
    pl.DataFrame(
        {
            "source": ["platform_a"],
            "txn_id": ["P1"],
            "ts": pl.Series([datetime(2025, 5, 1, 12)], dtype=pl.Datetime("ns")),
            "amount_fen": [990],
            "merchant_id": ["M000002"],
            "channel": ["livestream"],
            "payment_method": ["mobile_wallet"],
            "payer_id": ["13800138000"],
            "card_no": [None],
            "device_id": ["ff00"],
            "payer_segment": ["resident"],
            "age_band": ["25-34"],
            "voucher_id": [None],
            "is_refund": [False],
        }
    ).write_parquet(feeds / "transactions_platform_2025.parquet")
    write_xlsx(
        feeds / "外贸订单月报.xlsx",
        {
            "订单": [
                ["企业编号", "月份", "在手订单(万元)", "新增订单(万元)", "出口额(万元)"],
                ["E001", "2025年3月", 12.5, "3.2万元", "1,000"],
            ]
        },
    )
    write_xlsx(
        feeds / "外贸重点企业名录.xlsx",
        {
            "名录": [
                ["企业编号", "企业名称", "行政区划代码", "主要产品", "主要市场"],
                ["E001", "重庆某某电子", "500228", "笔记本电脑、手机", "欧盟，东盟"],
            ]
        },
    )
    write_text(
        feeds / "社会消费品零售总额_月度.csv",
        [
            "统计期,地区代码,类别代码,指标,数值(亿元),同比增长(%)",
            "2025-01-02,500000,,零售额,2566.35,7.9",
            "2025-03,500103,RS01,累计零售额,12.5,-1.2",
        ],
    )
    reports = {r.source: r for r in ingest_paths([feeds])}
    assert set(reports) == {"transactions", "trade-orders", "trade-enterprises", "official-stats"}
    assert all(r.balanced and r.quarantined == 0 for r in reports.values())
    con = open_catalog()
    assert con.execute("SELECT ts::VARCHAR, amount_fen FROM transactions").fetchall() == [
        ("2025-05-01 12:00:00", 990)
    ]
    assert con.execute("SELECT * FROM trade_orders").fetchall() == [
        ("E001", "2025-03", 12_500_000, 3_200_000, 1_000_000_000)
    ]
    # 梁平县's retired code maps to 梁平区; list separators are normalised.
    assert con.execute(
        "SELECT district_code, products, markets FROM trade_enterprises"
    ).fetchall() == [("500155", "笔记本电脑;手机", "欧盟;东盟")]
    assert con.execute(
        "SELECT period, category_code, measure, value_fen, yoy_pct "
        "FROM official_stats ORDER BY period"
    ).fetchall() == [
        ("2025-01-02", "", "retail_sales", 25_663_500_000_000, 7.9),
        ("2025-03", "RS01", "retail_sales_ytd", 125_000_000_000, -1.2),
    ]
    assert reports["official-stats"].months == ["2025-01", "2025-02", "2025-03"]


def test_a_file_missing_a_required_column_is_refused_naming_file_line_and_field(
    cockpit_home: Path, feeds: Path
) -> None:
    header = TXN_HEADER_EN.replace("payment_method,", "")
    path = write_text(feeds / "transactions_x.csv", [header])
    with pytest.raises(
        FileError,
        match=r"transactions_x\.csv, line 1: missing required column\(s\) \['payment_method'\]",
    ):
        ingest_paths([path])
    assert not list((cockpit_home / "lake").rglob("*.parquet"))


def test_a_file_of_no_known_source_asks_for_source(cockpit_home: Path, feeds: Path) -> None:
    path = write_text(feeds / "notes.csv", ["a,b", "1,2"])
    with pytest.raises(FileError, match="--source"):
        ingest_paths([path])


def test_the_catalogue_has_a_view_for_every_table_even_before_any_data(cockpit_home: Path) -> None:
    con = open_catalog()
    for table in lake.INGESTED:
        columns = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()]
        # The quarantine's view adds the last ingest that saw each row.
        extra = ["last_ingest_id"] if table == "quarantine" else []
        assert columns == [*lake.schema(table).names, *extra]
    assert (cockpit_home / "catalog.duckdb").exists()


def test_quarantined_raw_rows_are_json_with_the_files_headers(
    cockpit_home: Path, feeds: Path
) -> None:
    path = write_text(feeds / "交易流水_银联_2025.csv", BAD_LINES, encoding="gb18030")
    (report,) = ingest_paths([path])
    raw = json.loads(
        quarantine_rows(ingest_id=report.ingest_id, reason="unknown_channel")["raw"][0]
    )
    assert raw["渠道"] == "火星"
    assert raw["付款人证件号"].startswith("ps:")


def test_re_ingesting_a_file_adds_no_quarantine_row_twice_and_says_who_last_saw_it(
    cockpit_home: Path, feeds: Path, tmp_path: Path
) -> None:
    path = write_text(feeds / "交易流水_银联_2025.csv", BAD_LINES, encoding="gb18030")
    (first,) = ingest_paths([path])
    (second,) = ingest_paths([path])
    assert second.quarantined == first.quarantined == 7  # each ingest accounts for its rows
    rows = quarantine_rows()
    assert rows.height == 7  # kept once
    assert set(rows["ingest_id"]) == {first.ingest_id}
    assert set(rows["last_ingest_id"]) == {second.ingest_id}
    seen_again = quarantine_rows(ingest_id=second.ingest_id)
    assert list(seen_again["line"]) == [line for line, _, _ in EXPECTED_QUARANTINE]
    view = open_catalog().execute("SELECT count(*), min(last_ingest_id) FROM quarantine").fetchone()
    assert view == (7, second.ingest_id)
    assert export_quarantine(ingest_id=second.ingest_id, out=tmp_path / "fix.csv") == 7


def test_the_same_bad_row_twice_in_a_file_is_two_quarantined_rows(
    cockpit_home: Path, feeds: Path
) -> None:
    bad = zh_row("T9", "昨天")
    path = write_text(feeds / "交易流水_twice.csv", [TXN_HEADER_ZH, bad, bad])
    ingest_paths([path])
    ingest_paths([path])
    assert list(quarantine_rows()["line"]) == [2, 3]
