"""Holiday calendar: official days through 2026, computed (estimated) days after."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from cockpit.forecast.holidays import (
    DAILY_REGRESSORS,
    daily_regressors,
    holiday_calendar,
    spring_festival_share_in_january,
)


def test_official_2026_spring_festival_comes_from_the_state_council_notice() -> None:
    cal = holiday_calendar(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    off = cal[(cal["festival"] == "spring_festival") & (cal["kind"] == "off")]
    assert off["date"].min() == dt.date(2026, 2, 15)
    assert off["date"].max() == dt.date(2026, 2, 23)
    assert not cal["estimated"].any()
    makeup = cal[cal["kind"] == "makeup_workday"]["date"].tolist()
    assert dt.date(2026, 2, 14) in makeup  # a Saturday worked before the break


def test_2027_falls_back_to_lunar_dates_flagged_estimated() -> None:
    # chinesecalendar knows no 2027 days off; when it learns them this test says so.
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_holiday(dt.date(2027, 2, 6))
    cal = holiday_calendar(dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert cal["estimated"].all()
    spring = cal[cal["festival"] == "spring_festival"]["date"]
    # Lunar new year 2027 is 6 February; the break runs from the eve.
    assert spring.min() == dt.date(2027, 2, 5)
    assert dt.date(2027, 2, 6) in set(spring)
    national = cal[cal["festival"] == "national_day"]["date"]
    assert set(national) >= {dt.date(2027, 10, d) for d in range(1, 8)}
    tomb = cal[cal["festival"] == "tomb_sweeping"]["date"]
    assert dt.date(2027, 4, 5) in set(tomb)  # Qingming, a solar term


def test_daily_regressors_mark_holidays_and_estimation() -> None:
    import pandas as pd

    days = pd.Series(pd.to_datetime(["2026-02-10", "2026-02-17", "2026-10-02", "2027-02-08"]))
    regs = daily_regressors(days)
    assert list(regs.columns) == [*DAILY_REGRESSORS, "estimated"]
    assert regs["hol_pre_spring"].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert regs["hol_spring"].tolist() == [0.0, 1.0, 0.0, 1.0]
    assert regs["hol_golden"].tolist() == [0.0, 0.0, 1.0, 0.0]
    assert regs["estimated"].tolist() == [False, False, False, True]


def test_spring_festival_share_in_january_tracks_the_lunar_date() -> None:
    assert spring_festival_share_in_january(2023) > 0.9  # new year on 22 January
    assert spring_festival_share_in_january(2026) == 0.0  # new year on 17 February
    assert 0.0 < spring_festival_share_in_january(2024) < 0.2  # 10 February: shopping straddles
