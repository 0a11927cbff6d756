"""Files as Chinese offices deliver them: encodings, Excel, Parquet, blank and broken lines."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from cockpit.ingest.readers import (
    CsvFile,
    ExcelFile,
    FileError,
    ParquetFile,
    detect_encoding,
    open_feed,
)
from tests.ingest.conftest import TXN_HEADER_ZH, write_text, write_xlsx, zh_row


def _rows(feed: CsvFile | ExcelFile | ParquetFile) -> pl.DataFrame:
    return pl.concat(list(feed.batches()))


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030")],
)
def test_encoding_is_detected_from_the_bytes(feeds: Path, encoding: str, expected: str) -> None:
    path = write_text(feeds / "t.csv", [TXN_HEADER_ZH, zh_row("T1")], encoding=encoding)
    assert detect_encoding(path) == expected
    feed = CsvFile(path)
    assert feed.headers[0] == "数据来源"
    rows = _rows(feed)
    assert rows["渠道"].to_list() == ["线下"]
    assert rows["_line"].to_list() == [2]


def test_chinese_text_after_a_long_ascii_start_still_decides_the_encoding(feeds: Path) -> None:
    lines = ["source,txn_id,note"] + [f"s,T{i},plain" for i in range(40_000)] + ["s,TX,银联"]
    path = write_text(feeds / "t.csv", lines, encoding="gb18030")
    assert detect_encoding(path) == "gb18030"
    assert _rows(CsvFile(path))["note"].to_list()[-1] == "银联"


def test_trailing_and_inner_blank_lines_are_not_rows_and_keep_line_numbers(feeds: Path) -> None:
    path = write_text(feeds / "t.csv", [TXN_HEADER_ZH, zh_row("T1"), "", zh_row("T2"), "", "", ""])
    rows = _rows(CsvFile(path))
    assert rows["交易流水号"].to_list() == ["T1", "T2"]
    assert rows["_line"].to_list() == [2, 4]


def test_rows_with_the_wrong_number_of_fields_are_kept_with_their_line(feeds: Path) -> None:
    path = write_text(
        feeds / "t.csv", [TXN_HEADER_ZH, zh_row("T1"), "unionpay,T2,2025-03-01", zh_row("T3")]
    )
    feed = CsvFile(path)
    rows = _rows(feed)  # one pass: Arrow numbers the lines of the rows it cannot use
    assert not feed.needs_exact
    assert rows["_line"].to_list() == [2, 4]
    assert [(m.line, m.text) for m in feed.malformed] == [(3, "unionpay,T2,2025-03-01")]


def test_excel_reads_the_first_sheet_or_the_named_one(feeds: Path) -> None:
    path = write_xlsx(
        feeds / "orders.xlsx",
        {
            "说明": [["企业编号", "月份"], ["E001", "2025-03"]],
            "数据": [["企业编号", "月份"], ["E002", "2025年4月"], [None, None]],
        },
    )
    first = _rows(ExcelFile(path))
    assert first["企业编号"].to_list() == ["E001"]
    named = open_feed(path, sheet="数据")
    rows = _rows(named)
    assert rows["月份"].to_list() == ["2025年4月"]
    assert rows["_line"].to_list() == [2]
    with pytest.raises(FileError, match="no sheet"):
        ExcelFile(path, sheet="missing")


def test_excel_numbers_and_dates_come_as_the_text_a_csv_would_carry(feeds: Path) -> None:
    from datetime import datetime

    path = write_xlsx(
        feeds / "x.xlsx",
        {"s": [["a", "b", "c"], [12.5, 3.0, datetime(2025, 3, 1, 8, 0)]]},
    )
    rows = _rows(ExcelFile(path))
    assert rows.row(0)[:3] == ("12.5", "3", "2025-03-01 08:00:00")


def test_parquet_keeps_types_and_numbers_lines_after_a_notional_header(feeds: Path) -> None:
    path = feeds / "t.parquet"
    pl.DataFrame({"txn_id": ["a", "b"], "amount_fen": [100, -5]}).write_parquet(path)
    rows = _rows(ParquetFile(path))
    assert rows["amount_fen"].dtype == pl.Int64
    assert rows["_line"].to_list() == [2, 3]


def test_unsupported_files_are_refused_by_name(feeds: Path) -> None:
    path = write_text(feeds / "notes.docx", ["x"])
    with pytest.raises(FileError, match=r"notes\.docx: unsupported file type"):
        open_feed(path)


def test_a_second_encoding_past_the_first_megabyte_is_named_by_its_line(feeds: Path) -> None:
    lines = [TXN_HEADER_ZH, zh_row("T1")] + [
        zh_row(f"A{i}", channel="offline") for i in range(12_000)
    ]
    path = feeds / "t.csv"
    data = ("\n".join(lines) + "\n").encode("utf-8") + (zh_row("T2") + "\n").encode("gbk")
    path.write_bytes(data)
    assert len(data) > 1 << 20
    feed = CsvFile(path)  # the first non-ASCII lines are UTF-8
    assert feed.encoding == "utf-8"
    with pytest.raises(FileError, match=rf"t\.csv, line {len(lines) + 1}: not utf-8"):
        list(feed.batches())


def test_utf16_tab_separated_text_is_read_with_its_lines(feeds: Path) -> None:
    text = "\r\n".join([TXN_HEADER_ZH.replace(",", "\t"), zh_row("T1").replace(",", "\t"), ""])
    path = feeds / "unicode.txt"
    path.write_bytes(text.encode("utf-16"))
    feed = CsvFile(path)
    assert (feed.encoding, feed.delimiter) == ("utf-16", "\t")
    rows = _rows(feed)
    assert rows["交易流水号"].to_list() == ["T1"]
    assert rows["_line"].to_list() == [2]


def test_after_a_line_break_inside_quotes_rows_keep_the_line_they_start_on(feeds: Path) -> None:
    path = write_text(
        feeds / "t.csv",
        [TXN_HEADER_ZH, zh_row("T1").replace(",60+,", ',"60\n+",'), "unionpay,T2", zh_row("T3")],
    )
    feed = CsvFile(path)
    list(feed.batches())
    assert feed.needs_exact  # Arrow's records are not the file's lines: read them again
    feed.exact = True
    rows = _rows(feed)
    assert rows["_line"].to_list() == [2, 5]
    assert [(m.line, m.text) for m in feed.malformed] == [(4, "unionpay,T2")]
