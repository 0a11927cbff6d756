"""The sample city's files follow the feeds contract: names, encodings, headers, bad rows."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rich.console import Console
from tests.sample.conftest import workbook_rows
from typer.testing import CliRunner

from cockpit.cli import app
from cockpit.demo import DemoContext
from cockpit.sample import generate_city
from cockpit.sample.commands import demo_step

YEARS = (2023, 2024, 2025, 2026)
# Headers copied from the feeds contract (docs/sample-city.md), not from the generator's code.
HEADERS = {
    "merchants.csv": "商户编号,商户名称,行政区划代码,商圈,行业类别,主要渠道,数字标签,开业日期,停业日期,是否限上,生效日期",  # noqa: E501
    "交易流水_银联": "数据来源,交易流水号,交易时间,交易金额(元),商户编号,渠道,支付方式,付款人证件号,卡号,设备号,付款人类型,年龄段,消费券编号,退款标志",  # noqa: E501
    "transactions_platform": "source,txn_id,ts,amount_fen,merchant_id,channel,payment_method,payer_id,card_no,device_id,payer_segment,age_band,voucher_id,is_refund",  # noqa: E501
    "transactions_wallet": "source,txn_id,txn_time,amount_yuan,merchant_id,channel,payment_method,payer_id,card_no,device_id,payer_segment,age_band,voucher_id,refund_flag",  # noqa: E501
    "社会消费品零售总额_月度.csv": "统计期,地区代码,类别代码,指标,数值(亿元),同比增长(%)",
    "外贸重点企业名录.xlsx": "企业编号,企业名称,行政区划代码,主要产品,主要市场",
    "外贸订单月报.xlsx": "企业编号,月份,在手订单(万元),新增订单(万元),出口额(万元)",
}


def _hashes(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (the industry lists sit in a subfolder), by relative path."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _first_line(path: Path, encoding: str) -> str:
    return path.read_bytes().decode(encoding).splitlines()[0]


def _line(path: Path, number: int, encoding: str) -> list[str]:
    text = path.read_bytes().decode(encoding).splitlines()[number - 1]
    return next(csv.reader(io.StringIO(text)))


def test_every_file_of_the_contract_is_written(sample_city: Path) -> None:
    names = {p.name for p in sample_city.iterdir()}
    expected = {
        "merchants.csv",
        "社会消费品零售总额_月度.csv",
        "外贸重点企业名录.xlsx",
        "外贸订单月报.xlsx",
        "ground_truth.json",
        "industry",  # the industry office's lists, in their own folder (docs/industry.md)
        "campaign",  # the voucher campaign's programme file and vouchers (docs/programmes.md)
        "subsidy_applications.jsonl",
    }
    for year in YEARS:
        expected |= {
            f"交易流水_银联_{year}.csv",
            f"transactions_platform_{year}.parquet",
            f"transactions_wallet_{year}.csv",
        }
    assert names == expected


def test_merchants_csv_is_utf8_with_bom_and_chinese_headers(sample_city: Path) -> None:
    raw = (sample_city / "merchants.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert _first_line(sample_city / "merchants.csv", "utf-8-sig") == HEADERS["merchants.csv"]


def test_unionpay_feed_is_really_gb18030_and_not_utf8(sample_city: Path) -> None:
    for year in YEARS:
        path = sample_city / f"交易流水_银联_{year}.csv"
        raw = path.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        text = raw.decode("gb18030")
        assert text.splitlines()[0] == HEADERS["交易流水_银联"]
        assert "线下" in text and "本地居民" in text and "否" in text


def test_wallet_feed_is_utf8_without_bom_with_english_headers(sample_city: Path) -> None:
    for year in YEARS:
        path = sample_city / f"transactions_wallet_{year}.csv"
        assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
        assert _first_line(path, "utf-8") == HEADERS["transactions_wallet"]


def test_platform_parquet_has_the_contract_columns_and_types(sample_city: Path) -> None:
    for year in YEARS:
        schema = pq.read_schema(sample_city / f"transactions_platform_{year}.parquet")
        assert ",".join(schema.names) == HEADERS["transactions_platform"]
        assert schema.field("ts").type == pa.timestamp("us")
        assert schema.field("amount_fen").type == pa.int64()
        assert schema.field("is_refund").type == pa.bool_()


def test_official_stats_and_trade_workbooks_have_the_contract_headers(sample_city: Path) -> None:
    official = sample_city / "社会消费品零售总额_月度.csv"
    assert _first_line(official, "utf-8") == HEADERS["社会消费品零售总额_月度.csv"]
    for name in ("外贸重点企业名录.xlsx", "外贸订单月报.xlsx"):
        header = workbook_rows(sample_city / name)[0]
        assert ",".join(str(v) for v in header) == HEADERS[name]


def test_ground_truth_lists_every_file_with_its_rows_and_hash(
    sample_city: Path, truth: dict[str, Any]
) -> None:
    on_disk = set(_hashes(sample_city)) - {"ground_truth.json"}
    assert set(truth["files"]) == on_disk
    for name, entry in truth["files"].items():
        path = sample_city / name
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        if name.endswith(".parquet"):
            assert entry["rows"] == pq.read_metadata(path).num_rows
        elif name.endswith(".csv"):
            encoding = "gb18030" if name.startswith("交易流水") else "utf-8-sig"
            lines = [x for x in path.read_bytes().decode(encoding).splitlines() if x.strip()]
            assert entry["rows"] == len(lines) - 1
    assert {"seed", "scale", "period", "expansion", "events", "bad_rows"} <= set(truth)


def test_bad_rows_sit_at_their_listed_lines_and_are_bad(
    sample_city: Path, truth: dict[str, Any]
) -> None:
    reasons = {r["reason"] for r in truth["bad_rows"]}
    assert reasons == {
        "unknown_district",
        "negative_amount_not_refund",
        "unparseable_date",
        "conflicting_duplicate",
    }
    for bad in truth["bad_rows"]:
        path = sample_city / bad["file"]
        enc = "gb18030" if bad["file"].startswith("交易流水") else "utf-8-sig"
        row = _line(path, bad["line"], enc)
        if bad["reason"] == "unknown_district":
            assert row[0] == bad["key"] and row[2] == "510104"
            continue
        assert row[1] == bad["txn_id"]
        if bad["reason"] == "negative_amount_not_refund":
            assert row[3].startswith("-") and row[13] in ("否", "N")
        elif bad["reason"] == "unparseable_date":
            assert row[2] in ("2025-13-45 10:00:00", "昨天", "2024-02-30 25:61:00")
        else:
            earlier = _line(path, bad["line"] - 1, enc)
            assert earlier[1] == row[1] and earlier != row


def test_exact_repeats_are_listed_and_identical_to_the_row_before(
    sample_city: Path, truth: dict[str, Any]
) -> None:
    assert truth["exact_duplicates"]
    for rep in truth["exact_duplicates"]:
        enc = "gb18030" if rep["file"].startswith("交易流水") else "utf-8"
        path = sample_city / rep["file"]
        assert _line(path, rep["line"], enc) == _line(path, rep["line"] - 1, enc)


@pytest.mark.slow
def test_same_seed_gives_same_bytes_and_cli_reports_json(sample_city: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["sample-city", "--scale", "tiny", "--seed", "7", "--out", str(tmp_path), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)["data"]
    assert summary["transactions"] > 80_000
    assert _hashes(tmp_path) == _hashes(sample_city)


@pytest.mark.slow
def test_another_seed_gives_other_content_through_the_demo_step(
    sample_city: Path, tmp_path: Path
) -> None:
    ctx = DemoContext(
        home=tmp_path,
        sample_dir=tmp_path / "city",
        scale="tiny",
        seed=8,
        console=Console(quiet=True),
    )
    line = demo_step(ctx)
    assert "transactions" in line and "tiny" in line
    other, ours = _hashes(tmp_path / "city"), _hashes(sample_city)
    assert set(other) == set(ours)
    assert all(other[name] != ours[name] for name in ours if name.endswith((".csv", ".parquet")))


def test_unknown_scale_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale must be one of"):
        generate_city(tmp_path, scale="huge")
