"""Festivals and seasons of the sample city, day by day.

Spring Festival moves with the lunar calendar (lunar-python) and its public holiday follows the
State Council's schedule (chinesecalendar), so it falls in January some years and February others.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from cockpit.sample.params import CATEGORY_TRAITS, MONTH_LEVEL

PRE_FESTIVAL_DAYS = 21  # new-year shopping ramps up over the three weeks before 正月初一
WEEKDAY_PROFILE = np.array([-0.07, -0.07, -0.06, -0.04, 0.05, 0.14, 0.11])


@cache
def spring_festival(year: int) -> dt.date:
    """正月初一 of ``year`` in the Gregorian calendar."""
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, 1, 1).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _holiday_name(day: dt.date) -> str:
    import chinese_calendar

    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # a year the package does not know yet: no public holiday
        return ""
    return str(name) if on_holiday and name else ""


@dataclass(frozen=True)
class Days:
    """Every day of a span with the festival signals the generator uses."""

    dates: tuple[dt.date, ...]
    ordinal: NDArray[np.int64]  # days since 1970-01-01
    month_key: NDArray[np.int64]  # year * 12 + month - 1
    pre_festival: NDArray[np.float64]  # 0..1 ramp before Spring Festival
    spring_holiday: NDArray[np.bool_]
    golden_week: NDArray[np.bool_]
    other_holiday: NDArray[np.bool_]
    shopping_festival: NDArray[np.float64]  # 618 and Double 11 (presales, then the day)

    @property
    def tourist_peak(self) -> NDArray[np.bool_]:
        """Days visitors crowd the city: public holidays."""
        return self.spring_holiday | self.golden_week | self.other_holiday


def _pre_festival(day: dt.date) -> float:
    festival = spring_festival(day.year)
    if day >= festival:
        festival = spring_festival(day.year + 1)
    ahead = (festival - day).days
    return max(0.0, 1.0 - (ahead - 1) / PRE_FESTIVAL_DAYS) if ahead <= PRE_FESTIVAL_DAYS else 0.0


def _shopping_festival(day: dt.date) -> float:
    if day.month == 6 and day.day <= 18:
        return 1.0 if day.day >= 16 else 0.25
    if day.month == 11 and day.day <= 11:
        return 2.2 if day.day == 11 else 0.3
    if day.month == 10 and day.day >= 24:
        return 0.1  # Double 11 presales
    return 0.0


@cache
def days_between(start: dt.date, end: dt.date) -> Days:
    """The festival signals of every day from ``start`` to ``end`` inclusive."""
    dates = tuple(start + dt.timedelta(n) for n in range((end - start).days + 1))
    names = [_holiday_name(d) for d in dates]
    epoch = dt.date(1970, 1, 1)
    return Days(
        dates=dates,
        ordinal=np.array([(d - epoch).days for d in dates], dtype=np.int64),
        month_key=np.array([d.year * 12 + d.month - 1 for d in dates], dtype=np.int64),
        pre_festival=np.array([_pre_festival(d) for d in dates]),
        spring_holiday=np.array([n == "Spring Festival" for n in names]),
        golden_week=np.array([n in ("National Day", "Mid-autumn Festival") for n in names])
        & np.array([d.month in (9, 10) for d in dates]),
        other_holiday=np.array(
            [bool(n) and n not in ("Spring Festival", "National Day") for n in names]
        ),
        shopping_festival=np.array([_shopping_festival(d) for d in dates]),
    )


def seasonal_weights(days: Days, categories: tuple[str, ...]) -> NDArray[np.float64]:
    """Relative daily trade of each category, shape (days, categories): the shape of a year."""
    weekday = np.array([d.weekday() for d in days.dates])
    month_level = np.array([MONTH_LEVEL[d.month - 1] for d in days.dates])
    out = np.empty((len(days.dates), len(categories)))
    for j, code in enumerate(categories):
        t = CATEGORY_TRAITS[code]
        closed = -0.35 if code != "CT01" else 0.25  # shops close for the new year, restaurants fill
        out[:, j] = (
            month_level
            * (1 + t.weekend * WEEKDAY_PROFILE[weekday])
            * (1 + t.spring * days.pre_festival + closed * days.spring_holiday)
            * (1 + t.golden * days.golden_week + 0.2 * t.golden * days.other_holiday)
            * (1 + t.festival * days.shopping_festival)
        )
    return out
