"""Feed files as offices deliver them, written by the tests themselves (real bytes)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

TXN_HEADER_ZH = (
    "数据来源,交易流水号,交易时间,交易金额(元),商户编号,渠道,支付方式,付款人证件号,卡号,设备号,"
    "付款人类型,年龄段,消费券编号,退款标志"
)
TXN_HEADER_EN = (
    "source,txn_id,txn_time,amount_yuan,merchant_id,channel,payment_method,payer_id,card_no,"
    "device_id,payer_segment,age_band,voucher_id,refund_flag"
)
MERCHANT_HEADER = (
    "商户编号,商户名称,行政区划代码,商圈,行业类别,主要渠道,数字标签,"
    + "开业日期,停业日期,是否限上,生效日期"
)

# Clear personal identifiers used across the tests; none may ever reach disk.
PAYER_ID = "500103199001011232"  # a valid one: GB 11643 check digit 2
PHONE = "13800138000"
CARD = "6222020000000001234"
DEVICE = "a1b2c3d4e5f60718"


def zh_row(
    txn_id: str,
    when: str = "2025-03-01 08:00:00",
    amount: str = "12.50",
    *,
    merchant: str = "M000001",
    channel: str = "线下",
    payment: str = "银行卡",
    payer: str = PAYER_ID,
    card: str = CARD,
    device: str = DEVICE,
    segment: str = "本地居民",
    refund: str = "否",
) -> str:
    """One line of a UnionPay-style Chinese transactions file."""
    return (
        f"unionpay,{txn_id},{when},{amount},{merchant},{channel},{payment},{payer},{card},"
        f"{device},{segment},60+,,{refund}"
    )


def write_text(path: Path, lines: Sequence[str], *, encoding: str = "utf-8") -> Path:
    """Lines joined by newlines, encoded as asked (utf-8-sig writes a BOM)."""
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook with one sheet per entry, rows as given (first row: headers)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def lake_bytes(home: Path, *, catalog: bool = True) -> dict[str, bytes]:
    """Every file of the lake (and of the catalogue), with its bytes."""
    out = {}
    for path in sorted(home.rglob("*")):
        in_catalog = catalog and path.name == "catalog.duckdb"
        if path.is_file() and (path.is_relative_to(home / "lake") or in_catalog):
            out[str(path.relative_to(home))] = path.read_bytes()
    return out


@pytest.fixture
def feeds(tmp_path: Path) -> Path:
    """A folder for the files a test writes."""
    folder = tmp_path / "feeds"
    folder.mkdir()
    return folder
