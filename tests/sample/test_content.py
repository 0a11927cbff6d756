"""What the sample city contains: coverage, seasons, drift, injected events, calibration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest
from tests.sample.conftest import merchants_history, workbook_rows

from cockpit import reference

SPRING_FESTIVAL = {
    2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
}


def _event(truth: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(e for e in truth["events"] if e["kind"] == kind)


def _rows_between(df: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    return df[(df["date"] >= start) & (df["date"] <= end)]


def test_merchants_cover_every_district_and_category(sample_city: Path) -> None:
    merchants = merchants_history(sample_city)
    assert set(merchants["district"]) == {d.code for d in reference.districts()}
    assert set(merchants["行业类别"]) == {c.code for c in reference.categories()}
    assert "CT01" in set(merchants["行业类别"])
    assert {"500228", "500232"} & set(merchants["行政区划代码"])  # old codes still in the data
    assert (merchants["商圈"] == "BD01").sum() > 10
    tags = set(";".join(merchants["数字标签"]).split(";")) - {""}
    assert {"smart_device", "instant_delivery", "new_energy_vehicle"} <= tags


def test_transactions_span_the_period_in_every_district(transactions: pd.DataFrame) -> None:
    assert transactions["date"].min() == pd.Timestamp("2023-01-01")
    assert transactions["date"].max() == pd.Timestamp("2026-10-31")
    assert transactions["district"].nunique() == 38
    assert len(transactions) > 80_000


def test_history_rows_move_one_merchant_and_recategorise_another(
    sample_city: Path, truth: dict[str, Any]
) -> None:
    merchants = merchants_history(sample_city)
    for change in truth["merchant_changes"]:
        rows = merchants[merchants["商户编号"] == change["merchant_id"]].sort_values("valid_from")
        assert len(rows) == 2
        column = "district" if change["field"] == "district_code" else "行业类别"
        assert list(rows[column]) == [change["old"], change["new"]]
        assert rows["valid_from"].iloc[1] == pd.Timestamp(change["valid_from"])


def test_weekends_busier_than_weekdays(transactions: pd.DataFrame) -> None:
    per_day = transactions.groupby("date").size()
    day_of_week = pd.DatetimeIndex(per_day.index).dayofweek
    weekend = per_day[day_of_week >= 5].mean()
    weekday = per_day[day_of_week < 3].mean()
    assert weekend > 1.1 * weekday


def test_double_11_and_golden_week_stand_out(transactions: pd.DataFrame) -> None:
    for year in (2023, 2024, 2025):
        nov = _rows_between(transactions, f"{year}-11-01", f"{year}-11-30")
        per_day = nov.groupby("date").size()
        assert per_day[pd.Timestamp(f"{year}-11-11")] > 1.6 * per_day.median()
        meals = transactions[transactions["category"] == "CT01"]
        golden = len(_rows_between(meals, f"{year}-10-01", f"{year}-10-07")) / 7
        september = len(_rows_between(meals, f"{year}-09-08", f"{year}-09-28")) / 21
        assert golden > 1.3 * september


def test_spring_festival_shopping_peaks_before_the_lunar_new_year(
    transactions: pd.DataFrame,
) -> None:
    festive = transactions[transactions["category"].isin(["RS01", "RS03", "RS06"])]
    for festival in SPRING_FESTIVAL.values():
        before = _rows_between(
            festive, str(festival - dt.timedelta(14)), str(festival - dt.timedelta(1))
        )
        after = _rows_between(
            festive, str(festival + dt.timedelta(14)), str(festival + dt.timedelta(27))
        )
        assert len(before) > 1.3 * len(after), festival


def test_channel_mix_drifts_online(transactions: pd.DataFrame) -> None:
    online = transactions.assign(online=transactions["channel"] != "offline")
    share = online.groupby(online["date"].dt.year)["online"].mean()
    assert share[2026] > share[2023] + 0.03
    assert set(transactions["channel"]) == {"offline", "online", "instant_retail", "livestream"}


def test_payers_and_payment_methods_include_visitors_ecny_and_foreign_cards(
    transactions: pd.DataFrame,
) -> None:
    assert set(transactions["payer_segment"]) == {"resident", "out_of_town", "foreign_visitor"}
    assert set(transactions["payment_method"]) == {
        "bank_card",
        "mobile_wallet",
        "ecny",
        "foreign_card",
        "cash",
    }
    ecny = transactions.assign(e=transactions["payment_method"] == "ecny")
    by_year = ecny.groupby(ecny["date"].dt.year)["e"].mean()
    assert by_year[2026] > by_year[2023]


def test_catering_trades_more_at_night_than_daily_goods(transactions: pd.DataFrame) -> None:
    hour = transactions["ts"].dt.hour
    night = transactions.assign(night=(hour >= 18) | (hour < 2))
    share = night.groupby("category")["night"].mean()
    assert share["CT01"] > share["RS07"] + 0.1


def test_refunds_are_negative_and_flagged(transactions: pd.DataFrame) -> None:
    refunds = transactions[transactions["is_refund"]]
    assert len(refunds) > 0.005 * len(transactions)
    assert (refunds["amount_fen"] < 0).all()
    assert (transactions.loc[~transactions["is_refund"], "amount_fen"] > 0).all()


def test_district_slump_is_visible_in_the_raw_feeds(
    transactions: pd.DataFrame, truth: dict[str, Any]
) -> None:
    slump = _event(truth, "district_slump")
    place = slump["place"]
    now = _rows_between(transactions, slump["start"], slump["end"])
    before = _rows_between(transactions, "2024-04-01", "2024-06-30")
    ratio = ((now["district"] == place).sum() / len(now)) / (
        (before["district"] == place).sum() / len(before)
    )
    assert ratio == pytest.approx(1 + slump["size"], abs=0.12)


def test_category_spike_is_visible_in_the_raw_feeds(
    transactions: pd.DataFrame, truth: dict[str, Any]
) -> None:
    spike = _event(truth, "category_spike")
    now = _rows_between(transactions, spike["start"], spike["end"])
    before = _rows_between(transactions, "2024-09-01", "2024-10-31")
    share_now = (now["category"] == spike["place"]).mean()
    share_before = (before["category"] == spike["place"]).mean()
    assert share_now > 1.35 * share_before


def test_voucher_campaign_lifts_treated_merchants_over_their_lookalikes(
    transactions: pd.DataFrame, truth: dict[str, Any]
) -> None:
    camp = _event(truth, "voucher_campaign")
    treated, controls = set(camp["treated_merchants"]), set(camp["control_merchants"])
    assert len(treated) == len(controls) >= 25 and not treated & controls
    with_voucher = transactions[transactions["voucher_id"] != ""]
    assert set(with_voucher["merchant_id"]) <= treated
    assert with_voucher["date"].min() >= pd.Timestamp(camp["start"])
    assert with_voucher["date"].max() <= pd.Timestamp(camp["end"])
    during = _rows_between(transactions, camp["start"], camp["end"])
    before = _rows_between(transactions, "2025-09-01", "2026-02-28")

    def growth(group: set[str]) -> float:
        return during["merchant_id"].isin(group).sum() / before["merchant_id"].isin(group).sum()

    assert growth(treated) / growth(controls) > 1.12


def test_stopped_feed_has_no_rows_after_its_day(
    transactions: pd.DataFrame, truth: dict[str, Any]
) -> None:
    stop = _event(truth, "feed_stop")
    mine = transactions[transactions["merchant_id"] == stop["place"]]
    assert (mine["date"] < stop["start"]).sum() > 20
    assert (mine["date"] >= stop["start"]).sum() == 0


def test_exporter_orders_collapse(sample_city: Path, truth: dict[str, Any]) -> None:
    collapse = _event(truth, "exporter_collapse")
    rows = [
        r for r in workbook_rows(sample_city / "外贸订单月报.xlsx")[1:] if r[0] == collapse["place"]
    ]

    def month(v: Any) -> str:
        text = str(v).replace("年", "-").replace("月", "")
        y, m = text.split("-")
        return f"{y}-{int(m):02d}"

    def amount(v: Any) -> float:
        return float(str(v).replace("万元", ""))

    new = {month(r[1]): amount(r[3]) for r in rows}
    after = [v for m, v in new.items() if m >= collapse["start"][:7]]
    before = [v for m, v in new.items() if "2025-05" <= m < collapse["start"][:7]]
    assert sum(after) / len(after) < 0.5 * sum(before) / len(before)


def test_expanded_2023_feeds_match_chongqing_retail_sales(
    transactions: pd.DataFrame, truth: dict[str, Any]
) -> None:
    year = transactions[transactions["date"].dt.year == 2023]
    by_cell = year.groupby(["month", "category"])["amount_fen"].sum()
    expanded = sum(v * truth["expansion"][m][c] for (m, c), v in by_cell.items()) / 100
    assert expanded == pytest.approx(1.513e12, rel=0.10)


def test_official_stats_combine_january_and_february_and_stop_at_september(
    sample_city: Path,
) -> None:
    stats = pd.read_csv(
        sample_city / "社会消费品零售总额_月度.csv", dtype=str, keep_default_na=False
    )
    periods = set(stats["统计期"])
    assert "2025-01-02" in periods and "2025-01" not in periods and "2025-02" not in periods
    assert max(periods) == "2026-09"
    assert set(stats["地区代码"]) == {"500000"} | {d.code for d in reference.districts()}
    city = stats[(stats["地区代码"] == "500000") & (stats["类别代码"] == "")]
    value = city.set_index(["统计期", "指标"])["数值(亿元)"].astype(float)
    # The bureau's scope wanders around the true trade by a fraction of a per cent.
    assert value[("2023-12", "累计零售额")] == pytest.approx(15130, rel=0.02)
    assert value[("2025-06", "累计零售额")] > 8200
    assert value[("2025-12", "累计零售额")] == pytest.approx(16690, rel=0.02)
    growth = city.set_index(["统计期", "指标"])["同比增长(%)"].astype(float)
    assert growth[("2023-12", "累计零售额")] == pytest.approx(8.6, abs=1.5)
    catering = stats[(stats["类别代码"] == "CT01") & (stats["指标"] == "累计零售额")]
    cell = cast(str, catering.set_index("统计期").loc["2023-12", "数值(亿元)"])  # read as str
    share = float(cell) / 15130
    assert share == pytest.approx(0.15, abs=0.02)


def test_yuzhong_and_jiefangbei_sit_where_the_plans_start(truth: dict[str, Any]) -> None:
    cal = truth["calibration"]
    assert 150e9 < cal["yuzhong_retail_yuan"]["2024"] < 185e9
    assert cal["jiefangbei_retail_2025_yuan"] > 95e9


def test_official_figures_show_the_slump_and_the_spike(sample_city: Path) -> None:
    stats = pd.read_csv(
        sample_city / "社会消费品零售总额_月度.csv", dtype=str, keep_default_na=False
    )
    month = stats[stats["指标"] == "零售额"].set_index(["统计期", "地区代码", "类别代码"])
    growth = month["同比增长(%)"].astype(float)
    assert growth[("2025-05", "500106", "")] < -15
    assert growth[("2025-05", "500000", "")] > 0
    assert growth[("2025-09", "500000", "RS13")] > 40


def test_personal_fields_look_like_what_feeds_carry(sample_city: Path) -> None:
    df = pd.read_parquet(sample_city / "transactions_platform_2025.parquet")
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    ids = df["payer_id"].drop_duplicates()
    cards = ids[ids.str.len() == 18]
    phones = ids[ids.str.len() == 11]
    assert len(cards) + len(phones) == len(ids) and len(cards) and len(phones)
    for value in cards.head(200):
        check = sum(int(d) * w for d, w in zip(value[:17], weights, strict=True)) % 11
        assert value[17] == "10X98765432"[check]
    assert phones.str.fullmatch(r"1[3-9]\d{9}").all()
    assert df["card_no"].dropna().str.fullmatch(r"\d{16,19}").all()
    assert df["device_id"].dropna().str.fullmatch(r"[0-9a-f]{16}").all()


def test_official_growth_moves_slowly_and_wholesale_and_value_added_are_published(
    sample_city: Path,
) -> None:
    stats = pd.read_csv(
        sample_city / "社会消费品零售总额_月度.csv", dtype=str, keep_default_na=False
    )
    assert {"批发额", "累计批发额", "商贸业增加值累计", "地区生产总值累计"} <= set(stats["指标"])
    yuzhong = stats[(stats["地区代码"] == "500103") & (stats["类别代码"] == "")]
    ytd = yuzhong.set_index(["统计期", "指标"])["数值(亿元)"].astype(float)
    trade_2024 = ytd[("2024-12", "累计批发额")] + ytd[("2024-12", "累计零售额")]
    assert 3500 < trade_2024 < 5000  # the plan implies 4,214亿 in 2024
    share = ytd[("2024-12", "商贸业增加值累计")] / ytd[("2024-12", "地区生产总值累计")]
    assert 0.15 < share < 0.30
    # Value added and GDP are quarterly: year to date at March, June, September, December.
    quarters = set(yuzhong[yuzhong["指标"] == "地区生产总值累计"]["统计期"].str[5:])
    assert quarters == {"03", "06", "09", "12"}
    # The scope factor is persistent: its log changes less from month to month than it varies.
    from cockpit.sample.official import ar1_log_factor

    z = np.log(ar1_log_factor(5000, 0.95, 0.01, np.random.default_rng(1)))
    assert np.corrcoef(z[1:], z[:-1])[0, 1] == pytest.approx(0.95, abs=0.02)
    assert z.std() == pytest.approx(0.01, rel=0.15)
