"""Notifications reach real servers on loopback: signed webhook with retries, group robots,
and email through a real SMTP server."""

from __future__ import annotations

import base64
import email
import email.header
import hashlib
import hmac
import json
import urllib.parse

import pytest
from sqlalchemy import Engine

from cockpit.alerts.channels import ChannelSet, parse_channels
from cockpit.alerts.dispatch import deliver_pending, deliveries, pending_alerts
from cockpit.alerts.findings import Finding
from cockpit.alerts.lifecycle import record_findings
from cockpit.alerts.notify import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_webhook
from tests.alerts.conftest import Mailbox, Receiver

SECRET = "test-signing-secret"


def finding(subject: str, severity: str = "critical") -> Finding:
    return Finding(
        rule_id="orders",
        kind="orders_drop",
        severity=severity,
        subject=subject,
        period="2026-05",
        title_zh="新增订单大幅下降",
        title_en="New orders fell",
        summary_zh=f"{subject} 新增订单同比-70.0%",
        summary_en=f"{subject} new orders -70.0% year on year",
        evidence={"enterprise_id": subject},
    )


def channels(text: str) -> ChannelSet:
    return parse_channels("channels:\n" + text)


def test_webhook_is_signed_and_retried_after_a_failure(db: Engine, receiver: Receiver) -> None:
    record_findings(findings=[finding("E1"), finding("E2", "info")], engine=db)
    receiver.fail_first = 1
    chans = channels(f"""\
  - id: ops
    kind: webhook
    url: {receiver.url}/hook
    min_severity: warning
    retries: 2
    backoff_s: 0.2
""")
    (outcome,) = deliver_pending(channels=chans, signing_secret=SECRET, engine=db)
    assert outcome.ok and outcome.attempts == 2
    assert len(receiver.requests) == 2
    assert receiver.times[1] - receiver.times[0] >= 0.2  # it waited before retrying
    last = receiver.requests[-1]
    assert last.path == "/hook"
    assert verify_webhook(
        SECRET, last.headers[TIMESTAMP_HEADER], last.body, last.headers[SIGNATURE_HEADER]
    )
    assert not verify_webhook(
        "wrong", last.headers[TIMESTAMP_HEADER], last.body, last.headers[SIGNATURE_HEADER]
    )
    body = last.json()
    assert body["count"] == 1  # the info alert is below the channel's floor
    assert body["alerts"][0]["evidence"] == {"enterprise_id": "E1"}
    assert [a.subject for a in pending_alerts(engine=db)] == []  # info: sent nowhere, done


def test_a_channel_that_keeps_failing_leaves_the_alert_pending(
    db: Engine, receiver: Receiver
) -> None:
    (alert_id,) = record_findings(findings=[finding("E1")], engine=db).opened
    receiver.fail_first = 10
    chans = channels(f"""\
  - id: ops
    kind: webhook
    url: {receiver.url}/hook
    retries: 2
    backoff_s: 0.01
""")
    (outcome,) = deliver_pending(channels=chans, signing_secret=SECRET, engine=db)
    assert not outcome.ok and outcome.attempts == 3
    assert "500" in (outcome.error or "")
    assert [a.id for a in pending_alerts(engine=db)] == [alert_id]
    (logged,) = deliveries(alert_id=alert_id, engine=db)
    assert logged["ok"] is False and logged["attempts"] == 3
    receiver.fail_first = 0
    receiver.requests.clear()
    (retry,) = deliver_pending(channels=chans, signing_secret=SECRET, engine=db)
    assert retry.ok and pending_alerts(engine=db) == []


def test_an_alert_is_notified_once_until_it_gets_worse(db: Engine, receiver: Receiver) -> None:
    record_findings(findings=[finding("E1", "warning")], engine=db)
    chans = channels(f"  - {{id: ops, kind: webhook, url: '{receiver.url}/h'}}\n")
    deliver_pending(channels=chans, signing_secret=SECRET, engine=db)
    deliver_pending(channels=chans, signing_secret=SECRET, engine=db)
    assert len(receiver.requests) == 1
    record_findings(findings=[finding("E1", "critical")], engine=db)
    deliver_pending(channels=chans, signing_secret=SECRET, engine=db)
    assert len(receiver.requests) == 2


def test_wecom_robot_gets_markdown(db: Engine, receiver: Receiver) -> None:
    record_findings(findings=[finding("E1")], engine=db)
    chans = channels(
        f"  - {{id: wecom, kind: wecom, url: '{receiver.url}/cgi-bin/webhook/send?key=abc'}}\n"
    )
    (outcome,) = deliver_pending(channels=chans, signing_secret=SECRET, engine=db)
    assert outcome.ok
    body = receiver.requests[0].json()
    assert body["msgtype"] == "markdown"
    assert "新增订单大幅下降" in body["markdown"]["content"]
    assert receiver.requests[0].path.endswith("key=abc")


def test_dingtalk_robot_signature_checks_out(
    db: Engine, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DING_SECRET", "SEC-ding")
    record_findings(findings=[finding("E1")], engine=db)
    chans = channels(
        f"  - {{id: ding, kind: dingtalk, url: '{receiver.url}/robot/send?"
        "access_token=tok', secret_env: DING_SECRET}\n"
    )
    (outcome,) = deliver_pending(channels=chans, signing_secret=SECRET, engine=db)
    assert outcome.ok
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(receiver.requests[0].path).query)
    stamp, sign = query["timestamp"][0], query["sign"][0]
    # DingTalk's documented check: HmacSHA256 of "timestamp\nsecret", base64
    expected = base64.b64encode(
        hmac.new(b"SEC-ding", f"{stamp}\nSEC-ding".encode(), hashlib.sha256).digest()
    ).decode()
    assert sign == expected
    assert query["access_token"] == ["tok"]
    assert receiver.requests[0].json()["msgtype"] == "markdown"


def test_dingtalk_refusal_in_the_body_counts_as_a_failure(db: Engine, receiver: Receiver) -> None:
    record_findings(findings=[finding("E1")], engine=db)
    receiver.reply = {"errcode": 310000, "errmsg": "sign not match"}
    chans = channels(
        f"  - {{id: ding, kind: dingtalk, url: '{receiver.url}/robot', retries: 1, backoff_s: 0}}\n"
    )
    (outcome,) = deliver_pending(channels=chans, signing_secret=SECRET, engine=db)
    assert not outcome.ok and outcome.attempts == 2
    assert "sign not match" in (outcome.error or "")


def test_feishu_robot_signs_in_the_body(
    db: Engine, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FEISHU_SECRET", "fs-secret")
    receiver.reply = {"code": 0, "msg": "success"}
    record_findings(findings=[finding("E1")], engine=db)
    chans = channels(
        f"  - {{id: fs, kind: feishu, url: '{receiver.url}/open-apis/bot/v2/hook/x',"
        " secret_env: FEISHU_SECRET, lang: en}\n"
    )
    (outcome,) = deliver_pending(channels=chans, signing_secret=SECRET, engine=db)
    assert outcome.ok
    body = receiver.requests[0].json()
    key = f"{body['timestamp']}\nfs-secret".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "text"
    assert "New orders fell" in body["content"]["text"]


def test_email_arrives_at_a_real_smtp_server_after_a_refusal(db: Engine, mailbox: Mailbox) -> None:
    record_findings(findings=[finding("E1"), finding("E2", "warning")], engine=db)
    mailbox.refuse_first = 1
    chans = channels(f"""\
  - id: mail
    kind: email
    host: {mailbox.host}
    port: {mailbox.port}
    sender: cockpit@example.org
    to: [analyst@example.org, chief@example.org]
    retries: 2
    backoff_s: 0.05
""")
    (outcome,) = deliver_pending(channels=chans, signing_secret=SECRET, engine=db)
    assert outcome.ok and outcome.attempts == 2 and mailbox.refused == 1
    (sender, rcpts, content) = mailbox.messages[0]
    assert sender == "cockpit@example.org"
    assert rcpts == ["analyst@example.org", "chief@example.org"]
    message = email.message_from_bytes(content)
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    assert subject == "商务驾驶舱预警：2 条"
    parts = {p.get_filename(): p for p in message.walk() if p.get_filename()}
    payload = parts["alerts.json"].get_payload(decode=True)
    assert isinstance(payload, bytes)
    attached = json.loads(payload)
    assert {a["subject"] for a in attached["alerts"]} == {"E1", "E2"}


def test_a_missing_robot_secret_is_a_clear_failure(db: Engine, receiver: Receiver) -> None:
    record_findings(findings=[finding("E1")], engine=db)
    chans = channels(
        f"  - {{id: ding, kind: dingtalk, url: '{receiver.url}/r', "
        "secret_env: NOT_SET_ANYWHERE, retries: 0}\n"
    )
    (outcome,) = deliver_pending(channels=chans, signing_secret=SECRET, engine=db)
    assert not outcome.ok and "NOT_SET_ANYWHERE" in (outcome.error or "")
    assert receiver.requests == []
