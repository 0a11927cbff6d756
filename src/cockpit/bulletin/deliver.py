"""Deliver an issued bulletin through the alert room's channels.

Email carries the PDF and the workbook; WeCom / DingTalk / Feishu robots carry the headline
and a link to the archived HTML; a plain webhook gets the manifest as signed JSON. Each
send is retried with the channel's own backoff, as alerts are.
"""

from __future__ import annotations

import json
import smtplib
import time
from collections.abc import Callable
from email.message import EmailMessage

import httpx

from cockpit.alerts import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Channel,
    DeliveryError,
    EmailChannel,
    RobotChannel,
    WebhookChannel,
    send_email_message,
    send_robot_message,
    sign_webhook,
)
from cockpit.bulletin.issue import IssueResult
from cockpit.bulletin.model import Lang
from cockpit.bulletin.text import headline_text

MIME = {
    "pdf": ("application", "pdf"),
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def link_of(result: IssueResult, link_base: str) -> str:
    """Where the cockpit serves this version's HTML."""
    m = result.issued.manifest
    return (
        f"{link_base.rstrip('/')}/bulletins/{m['region']}/{m['period']}/{m['lang']}/v{m['version']}"
    )


def _lang(result: IssueResult) -> Lang:
    return "en" if result.issued.manifest["lang"] == "en" else "zh-CN"


def _email(channel: EmailChannel, result: IssueResult, link: str) -> None:
    lang = _lang(result)
    b = result.bulletin
    message = EmailMessage()
    message["Subject"] = b.title_zh if lang == "zh-CN" else b.title_en
    more = "在线版" if lang == "zh-CN" else "Online"
    message.set_content(f"{headline_text(b, lang)}\n\n{more}: {link}\n")
    for kind, (main, sub) in MIME.items():
        path = result.issued.file(kind)
        message.add_attachment(path.read_bytes(), maintype=main, subtype=sub, filename=path.name)
    send_email_message(channel, message)


def _robot(channel: RobotChannel, result: IssueResult, link: str) -> None:
    lang = _lang(result)
    b = result.bulletin
    title = b.title_zh if lang == "zh-CN" else b.title_en
    more = "查看全文" if lang == "zh-CN" else "Read it"
    text = f"### {title}\n{headline_text(b, lang)}\n\n[{more}]({link})"
    send_robot_message(channel, title, text)


def _webhook(channel: WebhookChannel, result: IssueResult, link: str, secret: str) -> None:
    m = result.issued.manifest
    payload = {
        "source": "commerce-cockpit",
        "kind": "bulletin",
        "link": link,
        **{k: m[k] for k in ("region", "period", "lang", "version", "title", "data_version")},
        "sha256": m["sha256"],
    }
    body = json.dumps(payload, ensure_ascii=False).encode()
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: sign_webhook(secret, stamp, body),
    }
    httpx.post(
        channel.url, content=body, headers=headers, timeout=channel.timeout_s
    ).raise_for_status()


def _sender(channel: Channel, secret: str) -> Callable[[IssueResult, str], None]:
    if isinstance(channel, EmailChannel):
        return lambda r, link: _email(channel, r, link)
    if isinstance(channel, RobotChannel):
        return lambda r, link: _robot(channel, r, link)
    return lambda r, link: _webhook(channel, r, link, secret)


def deliver(
    result: IssueResult,
    channels: list[Channel],
    *,
    link_base: str,
    signing_secret: str | None = None,
) -> list[dict[str, object]]:
    """Send ``result`` to every channel, each with its retries; one outcome per channel."""
    if signing_secret is None:
        from cockpit.config import get_settings

        signing_secret = get_settings().signing_secret.get_secret_value()
    link = link_of(result, link_base)
    outcomes: list[dict[str, object]] = []
    for channel in channels:
        send = _sender(channel, signing_secret)
        error: str | None = None
        attempts = 0
        for attempt in range(channel.retries + 1):
            attempts = attempt + 1
            try:
                send(result, link)
                error = None
                break
            except (
                httpx.HTTPError,
                OSError,
                smtplib.SMTPException,
                DeliveryError,
                ValueError,
            ) as exc:
                error = f"{type(exc).__name__}: {exc}"
            if attempt < channel.retries:
                time.sleep(channel.backoff_s * 2**attempt)
        outcomes.append(
            {
                "channel": channel.id,
                "region": result.issued.manifest["region"],
                "version": result.issued.version,
                "ok": error is None,
                "attempts": attempts,
                "error": error,
            }
        )
    return outcomes
