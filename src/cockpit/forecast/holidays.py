"""Chinese public holidays as forecasting regressors.

Official days off and make-up working days come from ``chinesecalendar`` (State Council
notices, known through 2026). For years not yet announced, the festival dates are computed
from the lunar calendar (``lunar-python``) and the days off follow the recent pattern of
each festival; those days carry ``estimated=True`` and no make-up working days are guessed.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

# chinesecalendar's English names → our festival codes.
_FESTIVAL_CODES = {
    "New Year's Day": "new_year",
    "Spring Festival": "spring_festival",
    "Tomb-sweeping Day": "tomb_sweeping",
    "Labour Day": "labour_day",
    "Dragon Boat Festival": "dragon_boat",
    "Mid-autumn Festival": "mid_autumn",
    "National Day": "national_day",
    "Anti-Fascist 70th Day": "other",
}

#: The daily regressors, in column order, with what each one marks.
DAILY_REGRESSORS: dict[str, str] = {
    "hol_spring": "day off of the Spring Festival holiday",
    "hol_pre_spring": "one of the 10 days before Spring Festival's eve (new-year shopping)",
    "hol_golden": "day off of the Labour Day or National Day golden weeks",
    "hol_short": "day off of New Year, Qingming, Dragon Boat or Mid-Autumn",
    "hol_makeup": "make-up working day (a weekend day worked to bridge a holiday)",
}

PRE_SPRING_DAYS = 10


def _official_year(year: int) -> list[tuple[dt.date, str, str]] | None:
    """(date, festival, kind) for one announced year, or None when not yet announced."""
    import chinese_calendar as cc

    try:
        cc.is_holiday(dt.date(year, 6, 1))
    except NotImplementedError:
        return None
    rows: list[tuple[dt.date, str, str]] = []
    for day, name in cc.holidays.items():
        if day.year == year and name is not None:
            rows.append((day, _FESTIVAL_CODES.get(str(name), "other"), "off"))
    for day, name in cc.workdays.items():
        if day.year == year and name is not None and day.weekday() >= 5:
            rows.append((day, _FESTIVAL_CODES.get(str(name), "other"), "makeup_workday"))
    return rows


def lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of a lunar date of the lunar year starting in ``year``."""
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _with_weekend(day: dt.date) -> list[dt.date]:
    """A one-day festival plus the weekend it touches (the usual three-day break)."""
    if day.weekday() == 0:  # Monday: Saturday to Monday
        return [day - dt.timedelta(days=2), day - dt.timedelta(days=1), day]
    if day.weekday() == 4:  # Friday: Friday to Sunday
        return [day, day + dt.timedelta(days=1), day + dt.timedelta(days=2)]
    if day.weekday() == 5:  # Saturday: Saturday to Monday
        return [day, day + dt.timedelta(days=1), day + dt.timedelta(days=2)]
    if day.weekday() == 6:  # Sunday: Saturday to Monday
        return [day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)]
    return [day]


def _estimated_year(year: int) -> list[tuple[dt.date, str, str]]:
    """Days off computed from festival dates, following the 2025-2026 pattern."""
    from lunar_python import Lunar

    days: dict[dt.date, str] = {dt.date(year, 1, 1): "new_year"}
    new_year = lunar_to_solar(year, 1, 1)
    for offset in range(-1, 8):  # eve to the 7th day: 9 days, as in 2026
        days[new_year + dt.timedelta(days=offset)] = "spring_festival"
    qingming = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    qm = dt.date(qingming.getYear(), qingming.getMonth(), qingming.getDay())
    for day in _with_weekend(qm):
        days[day] = "tomb_sweeping"
    for offset in range(5):
        days[dt.date(year, 5, 1) + dt.timedelta(days=offset)] = "labour_day"
    for day in _with_weekend(lunar_to_solar(year, 5, 5)):
        days[day] = "dragon_boat"
    for day in _with_weekend(lunar_to_solar(year, 8, 15)):
        days.setdefault(day, "mid_autumn")
    for offset in range(7):
        days[dt.date(year, 10, 1) + dt.timedelta(days=offset)] = "national_day"
    return [(day, name, "off") for day, name in sorted(days.items())]


@lru_cache(maxsize=64)
def _year_rows(year: int) -> tuple[tuple[dt.date, str, str, bool], ...]:
    official = _official_year(year)
    if official is not None:
        return tuple((d, f, k, False) for d, f, k in official)
    return tuple((d, f, k, True) for d, f, k in _estimated_year(year))


def holiday_calendar(start: dt.date, end: dt.date) -> pd.DataFrame:
    """Holiday days between ``start`` and ``end`` (inclusive).

    Columns: date, festival, kind (``off`` or ``makeup_workday``), estimated.
    """
    import pandas as pd

    rows = [
        row
        for year in range(start.year, end.year + 1)
        for row in _year_rows(year)
        if start <= row[0] <= end
    ]
    frame = pd.DataFrame(rows, columns=["date", "festival", "kind", "estimated"])
    return frame.sort_values("date", ignore_index=True)


@lru_cache(maxsize=256)
def spring_festival_eve(year: int) -> dt.date:
    """Chinese New Year's Eve (除夕) of the lunar year starting in ``year``."""
    return lunar_to_solar(year, 1, 1) - dt.timedelta(days=1)


def daily_regressors(dates: pd.Series | pd.DatetimeIndex) -> pd.DataFrame:
    """One row per date: the ``DAILY_REGRESSORS`` columns (0/1) and ``estimated``."""
    import pandas as pd

    days = pd.to_datetime(pd.Series(dates)).dt.date
    calendar = holiday_calendar(min(days), max(days))
    by_day = {row.date: row for row in calendar.itertuples()}
    pre_spring: set[dt.date] = set()
    for year in range(min(days).year, max(days).year + 2):
        eve = spring_festival_eve(year)
        pre_spring.update(eve - dt.timedelta(days=k) for k in range(1, PRE_SPRING_DAYS + 1))
    out: dict[str, list[float | bool]] = {name: [] for name in DAILY_REGRESSORS}
    out["estimated"] = []
    for day in days:
        row = by_day.get(day)
        off = bool(row is not None and row.kind == "off")
        festival = str(row.festival) if row is not None else ""
        out["hol_spring"].append(float(off and festival == "spring_festival"))
        out["hol_pre_spring"].append(float(day in pre_spring and not off))
        out["hol_golden"].append(float(off and festival in ("labour_day", "national_day")))
        short = ("new_year", "tomb_sweeping", "dragon_boat", "mid_autumn", "other")
        out["hol_short"].append(float(off and festival in short))
        out["hol_makeup"].append(1.0 if row is not None and row.kind == "makeup_workday" else 0.0)
        out["estimated"].append(bool(row is not None and row.estimated))
    return pd.DataFrame(out)


@lru_cache(maxsize=256)
def spring_festival_share_in_january(year: int) -> float:
    """Share of the Spring Festival period (10 shopping days + 9 days off) falling in January."""
    eve = spring_festival_eve(year)
    start = eve - dt.timedelta(days=PRE_SPRING_DAYS)
    period = [start + dt.timedelta(days=k) for k in range(PRE_SPRING_DAYS + 9)]
    return sum(day.month == 1 for day in period) / len(period)
