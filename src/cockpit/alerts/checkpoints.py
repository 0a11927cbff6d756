"""Ledger checkpoints sent through the alert channels, so copies live outside the database.

``cockpit.programmes.checkpoint`` writes a signed checkpoint (every chain's head, count and
balance); the programmes room may not use the alerts room, so the sending is composed here,
where both may be: the checkpoint file goes by email (attached), by webhook (its JSON in the
body, signed like alerts) and to group robots (a summary with the checkpoint's HMAC, since a
robot takes no attachment). Each copy held by a recipient is one more place an insider who
rewrites the database would also have to reach.
"""

from __future__ import annotations

import json
import smtplib
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from cockpit.alerts.channels import (
    Channel,
    ChannelSet,
    EmailChannel,
    RobotChannel,
    WebhookChannel,
)
from cockpit.alerts.notify import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DeliveryError,
    Outcome,
    _check_robot_reply,
    sign_webhook,
)


def summary(path: Path, body: dict[str, Any], lang: str) -> tuple[str, str]:
    """Subject and text of a checkpoint message."""
    chains = len(body.get("chains", []))
    if lang == "en":
        return (
            f"Ledger checkpoint {body['created_at']}",
            f"Ledger checkpoint of {body['entries']} entries on {chains} chains "
            f"({path.name}); HMAC {body['hmac_sha256']}. Keep it: `cockpit ledger verify "
            "--checkpoint FILE` checks the database against it.",
        )
    return (
        f"账本检查点 {body['created_at']}",
        f"账本检查点：{chains} 条链共 {body['entries']} 笔（{path.name}），HMAC "
        f"{body['hmac_sha256']}。请留存："
        "`cockpit ledger verify --checkpoint 文件` 据此核对数据库。",
    )


def _email(channel: EmailChannel, path: Path, body: dict[str, Any]) -> None:
    subject, text = summary(path, body, channel.lang)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = channel.sender
    message["To"] = ", ".join(channel.to)
    message.set_content(text)
    message.add_attachment(
        path.read_bytes(), maintype="application", subtype="json", filename=path.name
    )
    with smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout_s) as smtp:
        if channel.starttls:
            smtp.starttls()
        smtp.send_message(message)


def _webhook(channel: WebhookChannel, path: Path, body: dict[str, Any], secret: str) -> None:
    content = json.dumps(
        {"kind": "ledger_checkpoint", "file": path.name, "checkpoint": body}, ensure_ascii=False
    ).encode()
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: sign_webhook(secret, stamp, content),
    }
    response = httpx.post(channel.url, content=content, headers=headers, timeout=channel.timeout_s)
    response.raise_for_status()


def _robot(channel: RobotChannel, path: Path, body: dict[str, Any]) -> None:
    _subject, text = summary(path, body, channel.lang)
    if channel.kind == "feishu":
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
    else:
        payload = {"msgtype": "text", "text": {"content": text}}
    _check_robot_reply(httpx.post(channel.url, json=payload, timeout=channel.timeout_s))


def send_checkpoint(
    channel: Channel,
    path: Path,
    body: dict[str, Any],
    *,
    signing_secret: str,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Deliver one checkpoint to one channel, retrying as the channel says."""
    error: str | None = None
    for attempt in range(channel.retries + 1):
        try:
            if isinstance(channel, EmailChannel):
                _email(channel, path, body)
            elif isinstance(channel, RobotChannel):
                _robot(channel, path, body)
            else:
                _webhook(channel, path, body, signing_secret)
            return Outcome(channel.id, True, attempt + 1, None, [])
        except (httpx.HTTPError, OSError, smtplib.SMTPException, DeliveryError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        if attempt < channel.retries:
            sleep(channel.backoff_s * 2**attempt)
    return Outcome(channel.id, False, channel.retries + 1, error, [])


def checkpoint_and_send(
    out: Path, *, channels: ChannelSet, signing_secret: str
) -> tuple[Path, dict[str, Any], list[Outcome]]:
    """Write a signed checkpoint to ``out`` (outside COCKPIT_HOME) and send it everywhere."""
    from cockpit.db import get_engine
    from cockpit.programmes import write_checkpoint as write

    path, body = write(get_engine(), out)
    outcomes = [
        send_checkpoint(c, path, body, signing_secret=signing_secret) for c in channels.channels
    ]
    return path, body, outcomes
