"""Bulletin schedules as data, run by APScheduler.

A schedule names when (a cron in its time zone), which month (the one before the run, or
the latest with data), which regions (``city``, ``districts`` or GB/T 2260 codes), which
languages and which alert channels receive it.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cockpit import reference
from cockpit.bulletin.model import Lang
from cockpit.datafiles import validate_text
from cockpit.lake import lake_of
from cockpit.reference import CITY_CODE

SHIPPED = Path(__file__).parent / "data" / "schedule.yaml"
CRON_FIELDS = ("month", "day", "day_of_week", "hour", "minute")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Schedule(Strict):
    """One schedule entry."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    cron: dict[str, str] = Field(description="APScheduler cron fields: day, hour, minute, ...")
    timezone: str = "Asia/Shanghai"
    month: Literal["previous", "latest"] = "previous"
    regions: list[str] = Field(default_factory=lambda: ["city"], min_length=1)
    langs: list[Lang] = Field(default=["zh-CN"], min_length=1)
    channels: list[str] = Field(default_factory=list)
    link_base: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://")

    @field_validator("cron")
    @classmethod
    def _cron_fields(cls, value: dict[str, str]) -> dict[str, str]:
        from apscheduler.triggers.cron import CronTrigger

        unknown = set(value) - set(CRON_FIELDS)
        if unknown:
            raise ValueError(f"unknown cron field(s) {sorted(unknown)}; use {CRON_FIELDS}")
        CronTrigger(**{k: str(v) for k, v in value.items()})  # raises on a bad expression
        return {k: str(v) for k, v in value.items()}

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Shanghai)") from None
        return value

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: list[str]) -> list[str]:
        for r in value:
            if r not in ("city", "districts") and r != CITY_CODE:
                reference.district(r)  # raises with the code's name in the message
        return value

    def trigger(self) -> object:
        from apscheduler.triggers.cron import CronTrigger

        return CronTrigger(timezone=ZoneInfo(self.timezone), **self.cron)

    def region_codes(self) -> list[str]:
        out: list[str] = []
        for r in self.regions:
            if r == "city":
                out.append(CITY_CODE)
            elif r == "districts":
                out.extend(d.code for d in reference.districts())
            else:
                out.append(r if r == CITY_CODE else reference.current_district_code(r))
        return list(dict.fromkeys(out))

    def month_for(self, now: dt.datetime, latest: str | None) -> str:
        """The month a run at ``now`` reports."""
        if self.month == "latest":
            if latest is None:
                raise LookupError("the lake has no month of data")
            return latest
        local = now.astimezone(ZoneInfo(self.timezone))
        first = local.date().replace(day=1) - dt.timedelta(days=1)
        return f"{first.year}-{first.month:02d}"


class ScheduleFile(Strict):
    schedules: list[Schedule] = Field(default_factory=list)


def load_schedules(path: Path | None = None) -> ScheduleFile:
    """``path``, else COCKPIT_HOME/bulletin/schedule.yaml, else the shipped file."""
    if path is None:
        from cockpit.config import get_settings

        path = get_settings().home / "bulletin" / "schedule.yaml"
        if not path.is_file():
            path = SHIPPED
    return validate_text(path.read_text("utf-8"), ScheduleFile, path)


@dataclass
class RunReport:
    """What one scheduled run issued and delivered."""

    schedule: str
    month: str
    issued: list[dict[str, object]] = field(default_factory=list)
    deliveries: list[dict[str, object]] = field(default_factory=list)
    seconds: float = 0.0


def run_once(
    schedule: Schedule,
    *,
    home: Path,
    now: dt.datetime | None = None,
    channels_path: Path | None = None,
) -> RunReport:
    """Issue the schedule's bulletins now and deliver them to its channels."""
    from cockpit.alerts import load_channels
    from cockpit.bulletin.deliver import deliver
    from cockpit.bulletin.figures import Inputs
    from cockpit.bulletin.issue import issue_bulletin

    start = time.perf_counter()
    inputs = Inputs(lake_of(home))
    month = schedule.month_for(now or dt.datetime.now(dt.UTC), inputs.latest_month)
    report = RunReport(schedule.id, month)
    wanted = set(schedule.channels)
    channels = [c for c in load_channels(channels_path).channels if c.id in wanted]
    missing = wanted - {c.id for c in channels}
    if missing:
        raise LookupError(f"schedule {schedule.id}: no channel {sorted(missing)} in channels.yaml")
    for region in schedule.region_codes():
        for lang in schedule.langs:
            lang_: Lang = lang
            result = issue_bulletin(
                month=month, region=region, lang=lang_, home=home, inputs=inputs
            )
            issued = result.issued
            report.issued.append(
                {
                    "region": region,
                    "lang": lang,
                    "version": issued.version,
                    "new": result.new,
                    "folder": str(issued.folder),
                }
            )
            for outcome in deliver(result, channels, link_base=schedule.link_base):
                report.deliveries.append(outcome)
    report.seconds = round(time.perf_counter() - start, 2)
    return report


def serve_schedules(
    schedules: ScheduleFile, *, home: Path, channels_path: Path | None = None
) -> None:
    """Run every schedule on its cron until interrupted (APScheduler's blocking scheduler)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler()
    for s in schedules.schedules:
        scheduler.add_job(
            run_once,
            s.trigger(),
            id=s.id,
            kwargs={"schedule": s, "home": home, "channels_path": channels_path},
            misfire_grace_time=3600,
            coalesce=True,
            max_instances=1,
        )
    scheduler.start()
