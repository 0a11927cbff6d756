"""The statistics bureau's releases: 1–2月 is one release; every other month is its own."""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(-02)?$")
EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class BadMonth(ValueError):
    """A month the bulletin cannot be made for."""


@dataclass(frozen=True)
class Release:
    """One release: its period code, the months it covers, and the year's months to date."""

    year: int
    last: int  # the release's last month (2 for 1–2月)

    @property
    def period(self) -> str:
        return f"{self.year}-01-02" if self.last == 2 else f"{self.year}-{self.last:02d}"

    @property
    def month(self) -> str:
        return f"{self.year}-{self.last:02d}"

    @property
    def months(self) -> tuple[str, ...]:
        first = 1 if self.last == 2 else self.last
        return tuple(f"{self.year}-{m:02d}" for m in range(first, self.last + 1))

    @property
    def ytd_months(self) -> tuple[str, ...]:
        return tuple(f"{self.year}-{m:02d}" for m in range(1, self.last + 1))

    @property
    def year_releases(self) -> tuple[Release, ...]:
        """The year's releases up to this one: 1–2月, 3月, …"""
        return tuple(Release(self.year, m) for m in range(2, self.last + 1))

    @property
    def combined(self) -> bool:
        return self.last == 2

    def year_before(self) -> Release:
        return Release(self.year - 1, self.last)

    def label(self, lang: str) -> str:
        """2026年1—10月 / January–October 2026 (the year to date)."""
        if lang == "zh-CN":
            return f"{self.year}年1—{self.last}月"
        return f"January–{EN_MONTHS[self.last - 1]} {self.year}"

    def month_label(self, lang: str) -> str:
        """10月份 / October; the 1–2月 release has no month of its own."""
        if self.combined:
            return ""
        return f"{self.last}月份" if lang == "zh-CN" else EN_MONTHS[self.last - 1]

    def short(self, lang: str) -> str:
        """Axis label of the release: 1–2月 / Jan–Feb, 10月 / Oct."""
        if lang == "zh-CN":
            return "1–2月" if self.combined else f"{self.last}月"
        return "Jan–Feb" if self.combined else EN_MONTHS[self.last - 1][:3]


def release_of(month: str) -> Release:
    """The release that reports ``month`` (YYYY-MM; January and February give 1–2月)."""
    found = MONTH_RE.match(month.strip())
    if found is None or (found.group(3) and found.group(2) != "01"):
        raise BadMonth(f"--month {month!r}: expected YYYY-MM (e.g. 2026-10) or YYYY-01-02")
    year, m = int(found.group(1)), int(found.group(2))
    return Release(year, 2 if m <= 2 else m)


def recent_releases(rel: Release, count: int) -> list[Release]:
    """The ``count`` releases up to ``rel``, oldest first."""
    out = [rel]
    while len(out) < count:
        r = out[-1]
        out.append(Release(r.year - 1, 12) if r.last == 2 else Release(r.year, r.last - 1))
    return list(reversed(out))
