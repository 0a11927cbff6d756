"""Send alerts: signed webhook, WeCom / DingTalk / Feishu group robots, SMTP email.

One message per channel per run lists every alert at or above the channel's severity.
Each send is retried with exponential backoff; nothing beyond this process is needed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import smtplib
import time
import urllib.parse
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx

from cockpit.alerts.channels import Channel, EmailChannel, RobotChannel, WebhookChannel
from cockpit.alerts.lifecycle import AlertPublic
from cockpit.alerts.rules import SEVERITY_RANK

SIGNATURE_HEADER = "X-Cockpit-Signature"
TIMESTAMP_HEADER = "X-Cockpit-Timestamp"
SEVERITY_ZH = {"info": "提示", "warning": "警告", "critical": "严重"}


class DeliveryError(RuntimeError):
    """A channel refused or could not take the message."""


@dataclass
class Outcome:
    """How sending to one channel went."""

    channel: str
    ok: bool
    attempts: int
    error: str | None
    alert_ids: list[int]


def sign_webhook(secret: str, timestamp: str, body: bytes) -> str:
    """The webhook signature: ``sha256=`` HMAC-SHA256 of ``timestamp.body``, hex."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_webhook(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """True when ``signature`` is the receiver's own computation (constant-time compare)."""
    return hmac.compare_digest(sign_webhook(secret, timestamp, body), signature)


def dingtalk_sign(secret: str, timestamp_ms: str) -> str:
    """DingTalk's 加签: base64 HmacSHA256 of ``timestamp\\nsecret`` keyed by the secret."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: str) -> str:
    """Feishu's signature: base64 HmacSHA256 keyed by ``timestamp\\nsecret`` over nothing."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def for_channel(channel: Channel, alerts: list[AlertPublic]) -> list[AlertPublic]:
    """The alerts severe enough for this channel."""
    floor = SEVERITY_RANK[channel.min_severity]
    return [a for a in alerts if SEVERITY_RANK[a.severity] >= floor]


def render_text(alerts: list[AlertPublic], lang: str) -> tuple[str, str]:
    """A title and a markdown body listing the alerts."""
    if lang == "zh":
        title = f"商务驾驶舱预警：{len(alerts)} 条"
        lines = [
            f"- 【{SEVERITY_ZH.get(a.severity, a.severity)}】#{a.id} {a.title_zh}：{a.summary_zh}"
            for a in alerts
        ]
    else:
        title = f"Commerce Cockpit alerts: {len(alerts)}"
        lines = [f"- [{a.severity}] #{a.id} {a.title_en}: {a.summary_en}" for a in alerts]
    return title, f"### {title}\n" + "\n".join(lines)


def alert_payload(alerts: list[AlertPublic]) -> dict[str, Any]:
    """The webhook's JSON body."""
    return {
        "source": "commerce-cockpit",
        "sent_at": int(time.time()),
        "count": len(alerts),
        "alerts": [a.model_dump(mode="json") for a in alerts],
    }


def _check_robot_reply(response: httpx.Response) -> None:
    response.raise_for_status()
    try:
        reply = response.json()
    except ValueError:
        return
    # WeCom and DingTalk answer {"errcode": 0}, Feishu {"code": 0}; HTTP 200 with a
    # non-zero code is a refusal (bad signature, rate limit) and must be retried or reported.
    code = reply.get("errcode", reply.get("code", 0)) if isinstance(reply, dict) else 0
    if code not in (0, None):
        raise DeliveryError(f"robot refused the message: {reply}")


def _send_webhook(channel: WebhookChannel, alerts: list[AlertPublic], secret: str) -> None:
    body = json.dumps(alert_payload(alerts), ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign_webhook(secret, timestamp, body),
    }
    response = httpx.post(channel.url, content=body, headers=headers, timeout=channel.timeout_s)
    response.raise_for_status()


def robot_request(channel: RobotChannel, alerts: list[AlertPublic]) -> tuple[str, dict[str, Any]]:
    """The URL and JSON body for a group robot, signed where the robot has a secret."""
    title, text = render_text(alerts, channel.lang)
    return robot_message(channel, title, text)


def robot_message(channel: RobotChannel, title: str, text: str) -> tuple[str, dict[str, Any]]:
    """The URL and JSON body of a markdown message (title, text) for a group robot, signed
    where the robot has a secret; the bulletin room sends its headlines through this too."""
    secret = channel.secret()
    if channel.kind == "wecom":
        return channel.url, {"msgtype": "markdown", "markdown": {"content": text}}
    if channel.kind == "dingtalk":
        url = channel.url
        if secret is not None:
            stamp = str(int(time.time() * 1000))
            sign = urllib.parse.quote_plus(dingtalk_sign(secret, stamp))
            url += ("&" if "?" in url else "?") + f"timestamp={stamp}&sign={sign}"
        return url, {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    body: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
    if secret is not None:
        stamp = str(int(time.time()))
        body = {"timestamp": stamp, "sign": feishu_sign(secret, stamp), **body}
    return channel.url, body


def send_robot_message(channel: RobotChannel, title: str, text: str) -> None:
    """Post one message to a group robot; raises when it refuses."""
    url, body = robot_message(channel, title, text)
    _check_robot_reply(httpx.post(url, json=body, timeout=channel.timeout_s))


def _send_robot(channel: RobotChannel, alerts: list[AlertPublic]) -> None:
    title, text = render_text(alerts, channel.lang)
    send_robot_message(channel, title, text)


def send_email_message(channel: EmailChannel, message: EmailMessage) -> None:
    """Send a prepared message through the channel's SMTP server (STARTTLS, login)."""
    message["From"] = channel.sender
    message["To"] = ", ".join(channel.to)
    with smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout_s) as smtp:
        if channel.starttls:
            smtp.starttls()
        if channel.username_env and channel.password_env:
            smtp.login(os.environ[channel.username_env], os.environ[channel.password_env])
        smtp.send_message(message)


def _send_email(channel: EmailChannel, alerts: list[AlertPublic]) -> None:
    title, text = render_text(alerts, channel.lang)
    message = EmailMessage()
    message["Subject"] = title
    message.set_content(text)
    message.add_attachment(
        json.dumps(alert_payload(alerts), ensure_ascii=False, indent=2).encode(),
        maintype="application",
        subtype="json",
        filename="alerts.json",
    )
    send_email_message(channel, message)


def send_once(channel: Channel, alerts: list[AlertPublic], *, signing_secret: str) -> None:
    """One attempt to deliver ``alerts`` to ``channel``; raises on failure."""
    if isinstance(channel, WebhookChannel):
        _send_webhook(channel, alerts, signing_secret)
    elif isinstance(channel, RobotChannel):
        _send_robot(channel, alerts)
    else:
        _send_email(channel, alerts)


def send_with_retries(
    channel: Channel, alerts: list[AlertPublic], *, signing_secret: str
) -> Outcome:
    """Deliver with up to ``retries`` more attempts, waiting backoff_s, 2×, 4×… between."""
    error: str | None = None
    attempts = 0
    for attempt in range(channel.retries + 1):
        attempts = attempt + 1
        try:
            send_once(channel, alerts, signing_secret=signing_secret)
            return Outcome(channel.id, True, attempts, None, [a.id for a in alerts])
        except (httpx.HTTPError, OSError, smtplib.SMTPException, DeliveryError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        if attempt < channel.retries:
            time.sleep(channel.backoff_s * 2**attempt)
    return Outcome(channel.id, False, attempts, error, [a.id for a in alerts])
