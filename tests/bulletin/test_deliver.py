"""Scheduled bulletins reach real SMTP and HTTP servers on loopback."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import pytest

from cockpit.bulletin.schedule import Schedule, load_schedules, run_once
from cockpit.datafiles import DataFileError
from tests.alerts.conftest import Mailbox, Receiver

pytestmark = pytest.mark.slow


def write_channels(home: Path, mailbox: Mailbox, receiver: Receiver) -> Path:
    path = home / "channels.yaml"
    path.write_text(
        f"""channels:
  - id: bureau-mail
    kind: email
    host: {mailbox.host}
    port: {mailbox.port}
    sender: cockpit@bureau.example
    to: [analysts@bureau.example]
    retries: 0
  - id: wecom-group
    kind: wecom
    url: {receiver.url}/wecom
    retries: 0
  - id: dingtalk-group
    kind: dingtalk
    url: {receiver.url}/dingtalk?access_token=t
    secret_env: BULLETIN_TEST_DING
    retries: 0
  - id: feishu-group
    kind: feishu
    url: {receiver.url}/feishu
    retries: 0
""",
        "utf-8",
    )
    return path


def test_the_schedule_issues_and_delivers_pdf_excel_and_headlines(
    home: Path, mailbox: Mailbox, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BULLETIN_TEST_DING", "ding-secret")
    channels = write_channels(home, mailbox, receiver)
    schedule = Schedule(
        id="monthly",
        cron={"day": "10", "hour": "9", "minute": "0"},
        regions=["city", "500103"],
        channels=["bureau-mail", "wecom-group", "dingtalk-group", "feishu-group"],
        link_base="http://cockpit.intranet:8000",
    )
    # Run on 10 October 2026 at 09:00 in Shanghai: the bulletin of September.
    now = dt.datetime(2026, 10, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    report = run_once(schedule, home=home, now=now, channels_path=channels)
    assert report.month == "2026-09"
    assert [i["region"] for i in report.issued] == ["500000", "500103"]
    assert all(d["ok"] for d in report.deliveries), report.deliveries
    assert len(mailbox.messages) == 2
    _, to, raw = mailbox.messages[0]
    assert to == ["analysts@bureau.example"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    names = sorted(str(part.get_filename()) for part in message.iter_attachments())
    assert names == ["bulletin-500000-2026-09-zh-CN.pdf", "bulletin-500000-2026-09-zh-CN.xlsx"]
    pdf = next(p for p in message.iter_attachments() if str(p.get_filename()).endswith(".pdf"))
    assert pdf.get_content().startswith(b"%PDF")
    plain = message.get_body(("plain",))
    assert plain is not None
    body = plain.get_content()
    assert "1—9月，全市社会消费品零售总额" in body
    paths = [r.path.split("?")[0] for r in receiver.requests]
    assert paths == ["/wecom", "/dingtalk", "/feishu"] * 2
    wecom = receiver.requests[0].json()["markdown"]["content"]
    assert "全市社会消费品零售总额" in wecom
    assert "http://cockpit.intranet:8000/bulletins/500000/2026-09/zh-CN/v1" in wecom
    assert "sign=" in receiver.requests[1].path  # DingTalk's 加签 with the secret
    assert "全区社会消费品零售总额" in receiver.requests[3].json()["markdown"]["content"]


def test_a_failing_channel_is_reported_not_hidden(
    home: Path, mailbox: Mailbox, receiver: Receiver
) -> None:
    channels = write_channels(home, mailbox, receiver)
    receiver.reply = {"errcode": 310000, "errmsg": "sign not match"}
    schedule = Schedule(id="m", cron={"day": "10"}, channels=["wecom-group"], month="latest")
    report = run_once(schedule, home=home, channels_path=channels)
    (outcome,) = report.deliveries
    assert not outcome["ok"] and "sign not match" in str(outcome["error"])


def test_the_shipped_schedule_is_the_10th_at_9_in_shanghai() -> None:
    (s,) = load_schedules(Path("src/cockpit/bulletin/data/schedule.yaml")).schedules
    after = dt.datetime(2026, 11, 10, 9, 0, 1, tzinfo=dt.UTC)
    fire = s.trigger().get_next_fire_time(None, after)  # type: ignore[attr-defined]
    assert fire.isoformat() == "2026-12-10T09:00:00+08:00"
    assert s.regions == ["city", "districts"] and len(s.region_codes()) == 39


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("schedules:\n  - id: m\n    cron: {dya: '10'}\n", 3, "schedules.0.cron"),
        ("schedules:\n  - id: m\n    cron: {day: '10'}\n    regions: [999999]\n", 4, "regions"),
        ("schedules:\n  - id: m\n    cron: {hour: '25'}\n", 3, "cron"),
        ("schedules:\n  - id: m\n    cron: {day: '1'}\n    timezone: Mars/Base\n", 4, "timezone"),
    ],
)
def test_a_bad_schedule_names_the_line(tmp_path: Path, text: str, line: int, field: str) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(DataFileError) as caught:
        load_schedules(path)
    message = str(caught.value)
    assert f"{path}, line {line}:" in message and field in message
