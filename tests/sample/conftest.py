"""The tiny sample city read back the way a plain analyst would, with pandas (not our ingest)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

CHANNEL_CODES = {
    "线下": "offline",
    "网络零售": "online",
    "即时零售": "instant_retail",
    "直播电商": "livestream",
}
PAYMENT_CODES = {
    "银行卡": "bank_card",
    "移动支付": "mobile_wallet",
    "数字人民币": "ecny",
    "境外银行卡": "foreign_card",
    "现金": "cash",
}
SEGMENT_CODES = {"本地居民": "resident", "外地游客": "out_of_town", "境外游客": "foreign_visitor"}


@pytest.fixture(scope="session")
def truth(sample_city: Path) -> dict[str, Any]:
    truth: dict[str, Any] = json.loads((sample_city / "ground_truth.json").read_text("utf-8"))
    return truth


def _yuan_to_fen(text: pd.Series) -> pd.Series:
    clean = text.map(lambda v: unicodedata.normalize("NFKC", v)).str.replace("[¥,]", "", regex=True)
    return (clean.astype(float) * 100).round().astype("int64")


def _unionpay(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, encoding="gb18030", dtype=str, keep_default_na=False)
    return pd.DataFrame(
        {
            "source": df["数据来源"],
            "txn_id": df["交易流水号"],
            "ts": pd.to_datetime(df["交易时间"], format="mixed", errors="coerce"),
            "amount_fen": _yuan_to_fen(df["交易金额(元)"]),
            "merchant_id": df["商户编号"],
            "channel": df["渠道"].map(CHANNEL_CODES),
            "payment_method": df["支付方式"].map(PAYMENT_CODES),
            "payer_segment": df["付款人类型"].map(SEGMENT_CODES),
            "voucher_id": df["消费券编号"],
            "is_refund": df["退款标志"] == "是",
        }
    )


def _wallet(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, encoding="utf-8", dtype=str, keep_default_na=False)
    return pd.DataFrame(
        {
            "source": df["source"],
            "txn_id": df["txn_id"],
            "ts": pd.to_datetime(df["txn_time"], format="mixed", errors="coerce"),
            "amount_fen": _yuan_to_fen(df["amount_yuan"]),
            "merchant_id": df["merchant_id"],
            "channel": df["channel"],
            "payment_method": df["payment_method"],
            "payer_segment": df["payer_segment"],
            "voucher_id": df["voucher_id"],
            "is_refund": df["refund_flag"] == "Y",
        }
    )


def _platform(path: Path) -> pd.DataFrame:
    df = pd.read_parquet(path)
    df["voucher_id"] = df["voucher_id"].fillna("")
    return df[
        [
            "source",
            "txn_id",
            "ts",
            "amount_fen",
            "merchant_id",
            "channel",
            "payment_method",
            "payer_segment",
            "voucher_id",
            "is_refund",
        ]
    ]


@pytest.fixture(scope="session")
def transactions(sample_city: Path, truth: dict[str, Any]) -> pd.DataFrame:
    """Every payment of the three feeds, bad rows and repeats dropped, with merchant attributes."""
    frames = []
    for path in sorted(sample_city.iterdir()):
        if path.name.startswith("交易流水_银联_"):
            frames.append(_unionpay(path))
        elif path.name.startswith("transactions_wallet_"):
            frames.append(_wallet(path))
        elif path.name.startswith("transactions_platform_"):
            frames.append(_platform(path))
    df = pd.concat(frames, ignore_index=True)
    bad = {(r["txn_id"]) for r in truth["bad_rows"] if "txn_id" in r}
    df = df[~df["txn_id"].isin(bad) | df.duplicated(["source", "txn_id"], keep=False)]
    df = df.drop_duplicates(["source", "txn_id"], keep="first")
    df = df[df["ts"].notna()].copy()
    df["date"] = df["ts"].dt.normalize()
    df["month"] = df["ts"].dt.strftime("%Y-%m")
    return attribute(df, merchants_history(sample_city))


def workbook_rows(path: Path) -> list[tuple[Any, ...]]:
    """Every row of a workbook's first sheet (the workbook closed again)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        return list(wb.worksheets[0].iter_rows(values_only=True))
    finally:
        wb.close()


def _registry_date(text: str) -> pd.Timestamp:
    """``2019-03-01``, ``2019年3月1日`` or ``20190301``, digits possibly full-width."""
    text = unicodedata.normalize("NFKC", text)
    if "年" in text:
        y, rest = text.split("年")
        m, d = rest.rstrip("日").split("月")
        return pd.Timestamp(int(y), int(m), int(d))
    return pd.Timestamp(text)


def merchants_history(sample_city: Path) -> pd.DataFrame:
    from cockpit import reference

    df = pd.read_csv(
        sample_city / "merchants.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    known = {d.code for d in reference.districts()} | set(reference.district_renames())
    df = df[df["行政区划代码"].isin(known)].copy()
    df["district"] = df["行政区划代码"].map(reference.current_district_code)
    df["valid_from"] = df["生效日期"].map(_registry_date)
    return df


def attribute(df: pd.DataFrame, merchants: pd.DataFrame) -> pd.DataFrame:
    """Each payment gets the district and category of the merchant version valid that day."""
    versions = merchants.sort_values("valid_from")[
        ["商户编号", "valid_from", "district", "行业类别"]
    ]
    versions = versions.rename(columns={"商户编号": "merchant_id", "行业类别": "category"})
    df = df.sort_values("date")
    out = pd.merge_asof(
        df,
        versions.sort_values("valid_from"),
        left_on="date",
        right_on="valid_from",
        by="merchant_id",
        direction="backward",
    )
    first = versions.drop_duplicates("merchant_id").set_index("merchant_id")
    missing = out["district"].isna()  # before a merchant's first version: its first version
    out.loc[missing, "district"] = out.loc[missing, "merchant_id"].map(first["district"])
    out.loc[missing, "category"] = out.loc[missing, "merchant_id"].map(first["category"])
    return out
