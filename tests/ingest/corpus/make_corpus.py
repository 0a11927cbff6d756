# ruff: noqa: E501  (the corpus is data: its lines are as long as the rows they write)
"""Write the ingestion corpus: files made like the offices' own, each with the verdicts the
contract (docs/data-contracts.md) promises for it, in ``<file>.expected.json`` beside it.

Run once to (re)write the committed files: ``python tests/ingest/corpus/make_corpus.py``.
Text and small binary files are committed as bytes; workbooks and Parquet files are committed
as descriptions (``<file>.json``) and built at test time by ``tests/ingest/test_corpus.py``.

An expectation: ``outcome`` (ingested, skipped, failed); for ingested files ``source`` and
``rows``, the verdict of every data line of the file (``accepted``, ``duplicate`` or
``reason@field``, the field as headed in the file, empty for a malformed line), optional
``notes`` (texts the report's notes must contain) and ``lake`` (SQL and the rows it must
give); for failed files ``error`` (a text the error must contain); for skipped ``reason``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ZH = (
    "数据来源,交易流水号,交易时间,交易金额(元),商户编号,渠道,支付方式,付款人证件号,卡号,设备号,"
    "付款人类型,年龄段,消费券编号,退款标志"
)
EN = (
    "source,txn_id,txn_time,amount_yuan,merchant_id,channel,payment_method,payer_id,card_no,"
    "device_id,payer_segment,age_band,voucher_id,refund_flag"
)
MERCHANTS = "商户编号,商户名称,行政区划代码,商圈,行业类别,主要渠道,数字标签,开业日期,停业日期,是否限上,生效日期"
OFFICIAL = "统计期,地区代码,类别代码,指标,数值(亿元),同比增长(%)"
ORDERS = "企业编号,月份,在手订单(万元),新增订单(万元),出口额(万元)"
# Identifiers of people: none may be stored in clear anywhere under COCKPIT_HOME.
ID18 = "510104198103031238"
ID_X = "51010419810303018X"
PHONE = "13912345678"
CARD = "6222021234567890123"
DEVICE = "a1b2c3d4e5f60718"
CLEAR = [ID18, ID_X, PHONE, CARD, DEVICE]


def txn(
    txn_id: str,
    when: str = "2025-03-01 08:00:00",
    amount: str = "12.50",
    *,
    channel: str = "线下",
    payer: str = ID18,
    card: str = CARD,
    device: str = DEVICE,
    voucher: str = "",
    refund: str = "否",
    sep: str = ",",
) -> str:
    cells = ["unionpay", txn_id, when, amount, "M000001", channel, "银行卡", payer, card, device]
    return sep.join([*cells, "本地居民", "60+", voucher, refund])


def text(
    name: str,
    lines: list[str],
    expected: dict[str, Any],
    *,
    encoding: str = "utf-8",
    newline: str = "\n",
    bom: bool = False,
) -> None:
    data = (newline.join(lines) + newline).encode(encoding)
    if bom and encoding == "utf-16-le":
        data = b"\xff\xfe" + data
    elif bom and encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    elif bom:
        data = b"\xef\xbb\xbf" + data
    (HERE / name).write_bytes(data)
    expect(name, expected)


def raw(name: str, data: bytes, expected: dict[str, Any]) -> None:
    (HERE / name).write_bytes(data)
    expect(name, expected)


def described(name: str, description: dict[str, Any], expected: dict[str, Any]) -> None:
    """A workbook or Parquet file, built at test time from its description."""
    (HERE / f"{name}.json").write_text(
        json.dumps(description, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    expect(name, expected)


def expect(name: str, expected: dict[str, Any]) -> None:
    (HERE / f"{name}.expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )


def ok(*lines: int) -> dict[str, str]:
    return {str(n): "accepted" for n in lines}


def main() -> None:
    for old in HERE.iterdir():
        if old.name not in ("make_corpus.py", "__init__.py") and old.is_file():
            old.unlink()
    T = "transactions"
    # --- encodings and line ends -------------------------------------------------------
    text(
        "交易流水_gb18030.csv",
        [ZH, txn("A1"), txn("A2"), txn("A3", "2025-03-02 09:30:00")],
        {
            "outcome": "ingested",
            "source": T,
            "rows": ok(2, 3, 4),
            "lake": [
                {"sql": "SELECT count(*), sum(amount_fen) FROM transactions", "rows": [[3, 3750]]}
            ],
        },
        encoding="gb18030",
    )
    text(
        "交易流水_gbk.csv",
        [ZH, txn("B1"), txn("B2", "昨天"), txn("B3", "2025年3月3日")],
        {
            "outcome": "ingested",
            "source": T,
            "rows": {**ok(2, 4), "3": "unparseable_date@交易时间"},
        },
        encoding="gbk",
    )
    text(
        "transactions_utf8_bom.csv",
        [
            EN,
            txn("C1", channel="offline"),
            txn("C1", channel="offline"),
            txn("C2", channel="online"),
        ],
        {"outcome": "ingested", "source": T, "rows": {**ok(2, 4), "3": "duplicate"}},
        bom=True,
    )
    text(
        "交易流水_crlf.csv",
        [ZH, txn("D1"), "", txn("D2", amount="abc"), txn("D3")],
        {"outcome": "ingested", "source": T, "rows": {**ok(2, 5), "4": "bad_amount@交易金额(元)"}},
        encoding="gb18030",
        newline="\r\n",
    )
    text(
        "交易流水_unicode_text.txt",
        [
            ZH.replace(",", "\t"),
            txn("E1", sep="\t"),
            txn("E2", sep="\t", channel="火星"),
            txn("E3", sep="\t"),
        ],
        {"outcome": "ingested", "source": T, "rows": {**ok(2, 4), "3": "unknown_channel@渠道"}},
        encoding="utf-16-le",
        newline="\r\n",
        bom=True,
    )
    text(
        "交易流水_utf16be.txt",
        [ZH.replace(",", "\t"), txn("F1", sep="\t"), txn("F2", sep="\t")],
        {"outcome": "ingested", "source": T, "rows": ok(2, 3)},
        encoding="utf-16-be",
        bom=True,
    )
    text(
        "交易流水_utf16_comma.csv",
        [ZH, txn("F3"), txn("F4", "03/04/2025 10:00:00")],
        {
            "outcome": "ingested",
            "source": T,
            "rows": {"2": "accepted", "3": "ambiguous_value@交易时间"},
        },
        encoding="utf-16-le",
        bom=True,
    )
    text(
        "交易流水_mixed_encoding.csv",
        [ZH, txn("G1"), txn("G2"), txn("G3")],
        {"outcome": "failed", "error": "line 4"},
        encoding="utf-8",
    )
    # line 4 in GBK inside an otherwise UTF-8 file
    lines = (HERE / "交易流水_mixed_encoding.csv").read_bytes().split(b"\n")
    lines[3] = lines[3].decode("utf-8").encode("gbk")
    (HERE / "交易流水_mixed_encoding.csv").write_bytes(b"\n".join(lines))
    text(
        "交易流水_fullwidth.csv",
        [
            ZH.replace("(元)", "（元）").replace("商户编号", " 商户编号 "),
            txn("H1", "２０２５-０３-０５ １０:００:００", "１２.００"),
            txn("H2", amount='"￥1,234.50"'),
        ],
        {
            "outcome": "ingested",
            "source": T,
            "rows": ok(2, 3),
            "lake": [
                {
                    "sql": "SELECT txn_id, amount_fen FROM transactions ORDER BY txn_id",
                    "rows": [["H1", 1200], ["H2", 123450]],
                }
            ],
        },
        encoding="gb18030",
    )
    # --- title lines, notes, blank columns, totals ------------------------------------------
    text(
        "交易流水_2025年3月_title.csv",
        [
            "2025年3月交易流水" + "," * 13,
            "单位：元" + "," * 13,
            ZH,
            txn("I1"),
            txn("I2", "2025-02-30 10:00:00"),
        ],
        {
            "outcome": "ingested",
            "source": T,
            "rows": {"4": "accepted", "5": "unparseable_date@交易时间"},
            "notes": [
                "line 1: title line skipped",
                "line 2: title line skipped",
                "header on line 3",
            ],
        },
        encoding="gb18030",
    )
    text(
        "银联交易流水_制表.csv",
        [
            "某某银行重庆分行 交易流水明细",
            "制表单位：某某银行,,制表日期：2025-04-01",
            "",
            ZH,
            txn("J1"),
            txn("J2", channel=""),
        ],
        {
            "outcome": "ingested",
            "source": T,
            "rows": {"5": "accepted", "6": "missing_required@渠道"},
            "notes": ["header on line 4"],
        },
        encoding="gbk",
    )
    text(
        "交易流水_合计.csv",
        [ZH, txn("K1"), txn("K2"), txn("K3"), "合计,,,37.50" + "," * 10],
        {
            "outcome": "ingested",
            "source": T,
            "rows": ok(2, 3, 4),
            "notes": ["line 5: total row", "matches"],
        },
        encoding="gb18030",
    )
    text(
        "交易流水_总计_mismatch.csv",
        [
            ZH,
            txn("L1"),
            txn("L2", amount="20.00"),
            txn("L3", amount="x"),
            "总计：,,,40.00" + "," * 10,
        ],
        {
            "outcome": "ingested",
            "source": T,
            "rows": {**ok(2, 3), "4": "bad_amount@交易金额(元)"},
            "notes": ["line 5: total row", "differs", "32.50"],
        },
        encoding="gb18030",
    )
    text(
        "交易流水_blank_columns.csv",
        [ZH + ",,", txn("M1") + ",,", txn("M2") + ",,"],
        {
            "outcome": "ingested",
            "source": T,
            "rows": ok(2, 3),
            "notes": ["column 15 has no header: ignored", "column 16 has no header: ignored"],
        },
    )
    text(
        "交易流水_unnamed_columns.csv",
        ["Unnamed: 0," + ZH + ",列1", "0," + txn("N1") + ",", "1," + txn("N2") + ","],
        {
            "outcome": "ingested",
            "source": T,
            "rows": ok(2, 3),
            "notes": ["column 1 has no header: ignored", "column 16 has no header: ignored"],
        },
    )
    text(
        "交易流水_duplicate_headers.csv",
        [ZH + ",卡号", txn("O1") + ",1"],
        {"outcome": "failed", "error": "卡号"},
    )
    # --- quotes, line breaks inside quotes, unterminated quotes -------------------------
    text(
        "交易流水_quoted_newline.csv",
        [
            ZH,
            txn("P1", voucher='"V1\n第二行"'),
            txn("P2"),
            txn("P3", "2025-13-45 00:00:00"),
            txn("P4", voucher='"V,4 ""quoted"""'),
            txn("P5", amount="-1.00"),
        ],
        {
            "outcome": "ingested",
            "source": T,
            "rows": {
                **ok(2, 4, 6),
                "5": "unparseable_date@交易时间",
                "7": "negative_amount_not_refund@交易金额(元)",
            },
        },
    )
    mer = [MERCHANTS]
    verdicts: dict[str, str] = {}
    line = 2
    for i in range(1, 9):
        name = f'"重庆第{i}超市\n（二店）"' if i % 3 == 1 else f"重庆第{i}超市"
        opened = "2019-02-30" if i in (4, 5, 7) else "2019-03-01"
        mer.append(f"M{i:06d},{name},500103,,RS01,线下,,{opened},,是,")
        verdicts[str(line)] = "unparseable_date@开业日期" if i in (4, 5, 7) else "accepted"
        line += 2 if i % 3 == 1 else 1
    text(
        "merchants_quoted_newlines.csv",
        mer,
        {"outcome": "ingested", "source": "merchants", "rows": verdicts},
        bom=True,
    )
    text(
        "交易流水_unterminated_quote.csv",
        [ZH, txn("Q1"), txn("Q2", payer='"' + ID18), txn("Q3"), txn("Q4", payer=ID_X)],
        {"outcome": "ingested", "source": T, "rows": {**ok(2, 4, 5), "3": "malformed_row@"}},
        encoding="gb18030",
    )
    text(
        "交易流水_unterminated_quote_closed_later.csv",
        [ZH, txn("R1", device='"' + DEVICE), txn("R2"), txn("R3", voucher='"V,1"')],
        {"outcome": "ingested", "source": T, "rows": {**ok(3, 4), "2": "malformed_row@"}},
    )
    text(
        "交易流水_shifted.csv",
        [
            ZH,
            txn("S1"),
            f"unionpay,S2,{ID18},{PHONE}",
            txn("S3") + f",{CARD},{ID_X}",
            f'unionpay,S4,"2025-03-01 08:00:00",12.50,M000001,线下,银行卡,{PHONE},,,本地居民,60+,,否',
        ],
        {
            "outcome": "ingested",
            "source": T,
            "rows": {**ok(2, 5), "3": "malformed_row@", "4": "malformed_row@"},
        },
    )
    text(
        "交易流水_very_long_field.csv",
        [
            ZH,
            txn("U1", voucher="V" * 20_000),
            txn("U2", payer="9" * 100 + "X" * 50_000),
            txn("U3", when="2025-03-01 08:00:00" + " " * 30_000),
        ],
        {
            "outcome": "ingested",
            "source": T,
            "rows": ok(2, 3, 4),
            "lake": [
                {
                    "sql": "SELECT txn_id, length(voucher_id), length(payer_id) FROM transactions ORDER BY txn_id",
                    "rows": [["U1", 20000, 35], ["U2", None, 35], ["U3", None, 35]],
                }
            ],
        },
    )
    text(
        "交易流水_empty_personal.csv",
        [ZH, txn("V1", card="", device=""), txn("V2", card="", device="", when="x")],
        {
            "outcome": "ingested",
            "source": T,
            "rows": {"2": "accepted", "3": "unparseable_date@交易时间"},
            "lake": [
                {"sql": "SELECT card_id, device_id FROM transactions", "rows": [[None, None]]},
                {
                    "sql": "SELECT raw LIKE '%\"卡号\":\"\"%' OR raw LIKE '%\"卡号\":null%', raw LIKE '%ps:%' FROM quarantine",
                    "rows": [[True, True]],
                },
            ],
        },
    )
    text(
        "交易流水_refund_flags.csv",
        [
            ZH,
            txn("W1", refund=""),
            txn("W2", amount="-3.00", refund="是"),
            txn("W3", amount="-3.00", refund=""),
            txn("W4", refund="Y"),
            txn("W5", refund="也许"),
        ],
        {
            "outcome": "ingested",
            "source": T,
            "rows": {
                **ok(2, 3),
                "4": "negative_amount_not_refund@交易金额(元)",
                "5": "ambiguous_value@退款标志",
                "6": "bad_value@退款标志",
            },
            "lake": [
                {
                    "sql": "SELECT txn_id, is_refund FROM transactions ORDER BY txn_id",
                    "rows": [["W1", False], ["W2", True]],
                }
            ],
        },
        encoding="gb18030",
    )
    # --- Excel date serials in CSV -------------------------------------------------------
    text(
        "交易流水_serials.csv",
        [
            ZH,
            txn("X1", "45717"),
            txn("X2", "45717.5"),
            txn("X3", "2025"),
            txn("X4", "60"),
            txn("X5", "45717.75"),
        ],
        {
            "outcome": "ingested",
            "source": T,
            "rows": {
                **ok(2, 3, 6),
                "4": "unparseable_date@交易时间",
                "5": "unparseable_date@交易时间",
            },
            "lake": [
                {
                    "sql": "SELECT txn_id, ts::VARCHAR FROM transactions ORDER BY txn_id",
                    "rows": [
                        ["X1", "2025-03-01 00:00:00"],
                        ["X2", "2025-03-01 12:00:00"],
                        ["X5", "2025-03-01 18:00:00"],
                    ],
                }
            ],
        },
    )
    text(
        "merchants_serial_quirk.csv",
        [
            MERCHANTS,
            "M000001,甲,500103,,RS01,线下,,1,,否,",
            "M000002,乙,500103,,RS01,线下,,59,,否,",
            "M000003,丙,500103,,RS01,线下,,60,,否,",
            "M000004,丁,500103,,RS01,线下,,61,,否,",
            "M000005,戊,500103,,RS01,线下,,43525,,否,",
        ],
        {
            "outcome": "ingested",
            "source": "merchants",
            "rows": {**ok(2, 3, 5, 6), "4": "unparseable_date@开业日期"},
            "lake": [
                {
                    "sql": "SELECT merchant_id, opened_on::VARCHAR FROM merchants ORDER BY merchant_id",
                    "rows": [
                        ["M000001", "1900-01-01"],
                        ["M000002", "1900-02-28"],
                        ["M000004", "1900-03-01"],
                        ["M000005", "2019-03-01"],
                    ],
                }
            ],
        },
        bom=True,
    )
    # --- official statistics: cumulative periods, the bureau's names ----------------------
    OFF = "official-stats"
    text(
        "official_cumulative.csv",
        [
            OFFICIAL,
            "2025年1-3月,500000,,社会消费品零售总额,3500.10,5.1",
            "2025年3月,500000,,社会消费品零售总额,1000.00,4.0",
            "2025年1-2月,500000,,社会消费品零售总额,2500.10,6.0",
            "2025年2-3月,500000,,社会消费品零售总额,2000.00,1.0",
            "2025年1月-4月,500000,,零售额,4600.00,5.0",
        ],
        {
            "outcome": "ingested",
            "source": OFF,
            "rows": {**ok(2, 3, 4, 6), "5": "unparseable_date@统计期"},
            "lake": [
                {
                    "sql": "SELECT period, measure, value_fen FROM official_stats ORDER BY period, measure",
                    "rows": [
                        ["2025-01-02", "retail_sales", 25_001_000_000_000],
                        ["2025-03", "retail_sales", 10_000_000_000_000],
                        ["2025-03", "retail_sales_ytd", 35_001_000_000_000],
                        ["2025-04", "retail_sales_ytd", 46_000_000_000_000],
                    ],
                }
            ],
        },
        encoding="gb18030",
    )
    text(
        "official_bureau_names.csv",
        [
            OFFICIAL,
            "2025-03,500000,,社会消费品零售总额（当月）,1000.00,4.0",
            "2025-03,500000,,社会消费品零售总额累计值,3500.10,5.1",
            "2025-03,500000,,限额以上单位消费品零售额,400.00,3.0",
            "2025-03,500000,,网上零售额,300.00,9.0",
            "2025-03,500000,,社零总额,1000.00,4.0",
        ],
        {
            "outcome": "ingested",
            "source": OFF,
            "rows": {
                **ok(2, 3),
                "4": "unknown_code@指标",
                "5": "unknown_code@指标",
                "6": "duplicate",
            },
            "lake": [
                {
                    "sql": "SELECT measure FROM official_stats ORDER BY measure",
                    "rows": [["retail_sales"], ["retail_sales_ytd"]],
                }
            ],
        },
        encoding="gb18030",
    )
    text(
        "社会消费品零售总额_2025年1-3月.csv",
        [
            "2025年1-3月重庆市社会消费品零售总额" + "," * 5,
            "单位：亿元，%" + "," * 5,
            OFFICIAL,
            "2025年1-3月,500000,,社会消费品零售总额,3500.10,5.1",
            "2025年1-3月,500103,,社会消费品零售总额,300.00,",
            "合计,,,,3800.10,",
        ],
        {
            "outcome": "ingested",
            "source": OFF,
            "rows": ok(4, 5),
            "notes": ["header on line 3", "line 6: total row", "matches"],
        },
        encoding="gb18030",
    )
    # --- trade orders: units ---------------------------------------------------------------
    text(
        "外贸订单_units.csv",
        [
            ORDERS,
            "E001,2025-03,12.5,3万元,0.1亿元",
            "E002,2025年3月,125000元,1,2",
            "E003,2025-03,-1,0,0",
            "合计,,,,",
        ],
        {
            "outcome": "ingested",
            "source": "trade-orders",
            "rows": {**ok(2, 3), "4": "out_of_range@在手订单(万元)"},
            "notes": ["line 5: total row"],
            "lake": [
                {
                    "sql": "SELECT enterprise_id, orders_in_hand_fen, new_orders_fen, export_value_fen FROM trade_orders ORDER BY 1",
                    "rows": [
                        ["E001", 12_500_000, 3_000_000, 1_000_000_000],
                        ["E002", 12_500_000, 1_000_000, 2_000_000],
                    ],
                }
            ],
        },
        encoding="gb18030",
    )
    # --- files that are not what they say, and files a folder skips ---------------------
    raw(
        "交易流水_really_a_png.csv",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(40),
        {"outcome": "failed", "error": "not a text file"},
    )
    raw(
        "交易流水_really_a_zip.csv",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(60),
        {"outcome": "failed", "error": "not a text file"},
    )
    raw(
        "外贸订单_really_a_pdf.xlsx",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        {"outcome": "failed", "error": "not an Excel workbook"},
    )
    lock = (
        bytes([6])
        + "张三".encode("utf-16-le").ljust(108, b"\x20")
        + "张三".encode("utf-16-le").ljust(54, b"\x00")
    )
    raw("~$外贸订单月报_2025年3月.xlsx", lock, {"outcome": "skipped", "reason": "lock file"})
    raw(
        ".~lock.交易流水_2025.csv#",
        b"zhangsan,host,/home/zs,07.12.2026 10:00,\n",
        {"outcome": "skipped", "reason": "lock file"},
    )
    raw(
        ".交易流水_hidden.csv",
        (ZH + "\n" + txn("Z1") + "\n").encode(),
        {"outcome": "skipped", "reason": "hidden"},
    )
    raw(
        "~WRL0003.tmp",
        b"\xd0\xcf\x11\xe0" + bytes(60),
        {"outcome": "skipped", "reason": "temporary"},
    )
    raw(
        "交易流水_2025.csv.bak", (ZH + "\n").encode(), {"outcome": "skipped", "reason": "temporary"}
    )
    raw("notes.md", "# 说明\n".encode(), {"outcome": "skipped", "reason": "not a feed file"})
    raw(
        "外贸订单月报_2025年2月.xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        {"outcome": "failed", "error": "save it as .xlsx"},
    )
    raw("交易流水_empty.csv", b"", {"outcome": "failed", "error": "no header row"})
    text(
        "交易流水_header_only.csv",
        [ZH],
        {"outcome": "ingested", "source": T, "rows": {}},
        encoding="gb18030",
    )
    text(
        "交易流水_no_header.csv",
        [txn("NH1"), txn("NH2")],
        {"outcome": "failed", "error": "line 1"},
        encoding="gb18030",
    )
    # --- workbooks (built at test time from the description) -----------------------------
    described(
        "外贸订单月报_2025年3月.xlsx",
        {
            "sheets": [
                {
                    "title": "3月",
                    "merged": ["A1:E1"],
                    "rows": [
                        ["2025年3月外贸订单月报", None, None, None, None],
                        ["企业编号", "月份", "在手订单(万元)", "新增订单(万元)", "出口额(万元)"],
                        ["E001", "2025-03", 12.5, 3, 0.5],
                        ["E002", {"date": "2025-03-01"}, "12.5万元", 1, 2],
                        ["E003", "2025-03", "abc", 1, 2],
                        ["合计", None, 25, 5, 4.5],
                    ],
                }
            ]
        },
        {
            "outcome": "ingested",
            "source": "trade-orders",
            "rows": {**ok(3, 4), "5": "bad_amount@在手订单(万元)"},
            "notes": ["header on line 2", "line 6: total row", "matches"],
            "lake": [
                {
                    "sql": "SELECT enterprise_id, month, orders_in_hand_fen FROM trade_orders ORDER BY 1",
                    "rows": [["E001", "2025-03", 12_500_000], ["E002", "2025-03", 12_500_000]],
                }
            ],
        },
    )
    described(
        "merchants_merged_district.xlsx",
        {
            "sheets": [
                {
                    "title": "商户",
                    "merged": ["C2:C4"],
                    "rows": [
                        MERCHANTS.split(","),
                        [
                            "M000001",
                            "甲超市",
                            "500103",
                            None,
                            "RS01",
                            "线下",
                            None,
                            {"date": "2019-03-01"},
                            None,
                            True,
                            None,
                        ],
                        [
                            "M000002",
                            "乙超市",
                            None,
                            None,
                            "RS01",
                            "线下",
                            None,
                            {"date": "2019-03-01"},
                            None,
                            False,
                            None,
                        ],
                        [
                            "M000003",
                            "丙超市",
                            None,
                            None,
                            "RS01",
                            "线下",
                            None,
                            43525,
                            None,
                            None,
                            None,
                        ],
                        [
                            "M000004",
                            "丁超市",
                            None,
                            None,
                            "RS01",
                            "线下",
                            None,
                            {"date": "2019-03-01"},
                            None,
                            None,
                            None,
                        ],
                    ],
                }
            ]
        },
        {
            "outcome": "ingested",
            "source": "merchants",
            "rows": {**ok(2, 3, 4), "5": "missing_required@行政区划代码"},
            "lake": [
                {
                    "sql": "SELECT merchant_id, district_code, opened_on::VARCHAR, above_size FROM merchants ORDER BY 1",
                    "rows": [
                        ["M000001", "500103", "2019-03-01", True],
                        ["M000002", "500103", "2019-03-01", False],
                        ["M000003", "500103", "2019-03-01", False],
                    ],
                }
            ],
        },
    )
    described(
        "交易流水_excel_types.xlsx",
        {
            "sheets": [
                {
                    "title": "Sheet1",
                    "rows": [
                        ZH.split(","),
                        [
                            "unionpay",
                            "XL1",
                            {"datetime": "2025-03-01T08:00:00"},
                            12.5,
                            "M000001",
                            "线下",
                            "银行卡",
                            ID18,
                            CARD,
                            DEVICE,
                            "本地居民",
                            "60+",
                            None,
                            False,
                        ],
                        [
                            "unionpay",
                            "XL2",
                            45717.5,
                            12,
                            "M000001",
                            "线下",
                            "银行卡",
                            int(PHONE),
                            None,
                            None,
                            "本地居民",
                            None,
                            None,
                            None,
                        ],
                        [
                            "unionpay",
                            "XL3",
                            {"datetime": "2025-03-01T09:00:00"},
                            -3,
                            "M000001",
                            "线下",
                            "银行卡",
                            ID_X,
                            None,
                            None,
                            "本地居民",
                            None,
                            None,
                            True,
                        ],
                        [
                            "unionpay",
                            "XL4",
                            "2025-03-01 10:00:00",
                            1.005,
                            "M000001",
                            "线下",
                            "银行卡",
                            ID18,
                            None,
                            None,
                            "本地居民",
                            None,
                            None,
                            None,
                        ],
                    ],
                }
            ]
        },
        {
            "outcome": "ingested",
            "source": T,
            "rows": {**ok(2, 3, 4), "5": "bad_amount@交易金额(元)"},
            "lake": [
                {
                    "sql": "SELECT txn_id, ts::VARCHAR, amount_fen, is_refund FROM transactions ORDER BY 1",
                    "rows": [
                        ["XL1", "2025-03-01 08:00:00", 1250, False],
                        ["XL2", "2025-03-01 12:00:00", 1200, False],
                        ["XL3", "2025-03-01 09:00:00", -300, True],
                    ],
                }
            ],
        },
    )
    described(
        "交易流水_excel_blank_columns.xlsx",
        {
            "sheets": [
                {
                    "title": "导出",
                    "rows": [
                        [*ZH.split(",")[:7], None, None, *ZH.split(",")[7:]],
                        [
                            "unionpay",
                            "XB1",
                            "2025-03-01 08:00:00",
                            "12.50",
                            "M000001",
                            "线下",
                            "银行卡",
                            None,
                            None,
                            ID18,
                            CARD,
                            DEVICE,
                            "本地居民",
                            "60+",
                            None,
                            "否",
                        ],
                        [
                            "unionpay",
                            "XB2",
                            "2025-03-01 08:00:00",
                            "12.50",
                            "M000001",
                            "线下",
                            "银行卡",
                            None,
                            None,
                            ID18,
                            CARD,
                            DEVICE,
                            "本地居民",
                            "60+",
                            None,
                            "否",
                            "多余",
                        ],
                    ],
                }
            ]
        },
        {
            "outcome": "ingested",
            "source": T,
            "rows": {"2": "accepted", "3": "malformed_row@"},
            "notes": ["column 8 has no header: ignored", "column 9 has no header: ignored"],
        },
    )
    described(
        "外贸重点企业名录_second_sheet.xlsx",
        {
            "sheets": [
                {"title": "说明", "rows": [["本表说明"], ["数据来源：商务局"]]},
                {
                    "title": "名录",
                    "rows": [
                        ["企业编号", "企业名称", "行政区划代码", "主要产品", "主要市场"],
                        [
                            "E001",
                            "重庆某某进出口有限公司",
                            "500103",
                            "汽车配件、摩托车",
                            "东盟；欧盟",
                        ],
                    ],
                },
            ],
            "sheet": "名录",
        },
        {
            "outcome": "ingested",
            "source": "trade-enterprises",
            "rows": ok(2),
            "lake": [
                {
                    "sql": "SELECT products, markets FROM trade_enterprises",
                    "rows": [["汽车配件;摩托车", "东盟;欧盟"]],
                }
            ],
        },
    )
    described(
        "transactions_null_refund.parquet",
        {
            "parquet": {
                "source": ["wallet", "wallet", "wallet"],
                "txn_id": ["PQ1", "PQ2", "PQ3"],
                "ts": ["2025-03-01T08:00:00", "2025-03-01T09:00:00", "2025-03-01T10:00:00"],
                "amount_fen": [1250, -300, 500],
                "merchant_id": ["M000001"] * 3,
                "channel": ["online"] * 3,
                "payment_method": ["mobile_wallet"] * 3,
                "payer_id": [PHONE, PHONE, None],
                "payer_segment": ["resident"] * 3,
                "is_refund": [None, True, None],
            }
        },
        {
            "outcome": "ingested",
            "source": T,
            "rows": {**ok(2, 3), "4": "missing_required@payer_id"},
            "lake": [
                {
                    "sql": "SELECT txn_id, is_refund FROM transactions ORDER BY 1",
                    "rows": [["PQ1", False], ["PQ2", True]],
                }
            ],
        },
    )
    (HERE / "clear_identifiers.json").write_text(json.dumps(CLEAR) + "\n", "utf-8")


if __name__ == "__main__":
    main()
