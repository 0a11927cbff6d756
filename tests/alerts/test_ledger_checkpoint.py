"""The ledger's signed checkpoint goes out through the alert channels: by email (a real
SMTP server on loopback) as an attachment that verifies, and by signed webhook."""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

from typer.testing import CliRunner

from cockpit.alerts.notify import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_webhook
from cockpit.cli import app
from cockpit.config import get_settings
from cockpit.programmes import vouchers
from cockpit.programmes.rules import shipped
from tests.alerts.conftest import Mailbox, Receiver


def test_checkpoint_is_emailed_and_posted_and_verifies(
    cockpit_home: Path, tmp_path: Path, mailbox: Mailbox, receiver: Receiver
) -> None:
    from cockpit.db import upgrade

    upgrade()
    vouchers.install_programme(programme=shipped("chongqing-car-2023"))
    channels = tmp_path / "channels.yaml"
    channels.write_text(
        f"""channels:
  - id: auditors-mail
    kind: email
    host: {mailbox.host}
    port: {mailbox.port}
    sender: ledger@cockpit.example
    to: [audit@finance.example]
    retries: 1
    backoff_s: 0
  - id: auditors-hook
    kind: webhook
    url: {receiver.url}/checkpoints
    retries: 0
""",
        "utf-8",
    )
    mailbox.refuse_first = 1  # the first try is turned away: the retry delivers
    outside = tmp_path / "checkpoints"
    outside.mkdir()
    result = CliRunner().invoke(
        app,
        ["alerts", "checkpoint", "--out", str(outside), "--channels", str(channels), "--json"],
    )
    assert result.exit_code == 0, result.output
    sent = json.loads(result.output)["data"]
    assert [s["ok"] for s in sent["sent"]] == [True, True]
    assert sent["sent"][0]["attempts"] == 2
    path = Path(sent["path"])

    (_sender, rcpt, raw) = mailbox.messages[0]
    assert rcpt == ["audit@finance.example"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    attached = [p for p in message.walk() if p.get_filename() == path.name]
    mailed = tmp_path / "mailed.json"
    payload = attached[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    mailed.write_bytes(payload)
    assert mailed.read_bytes() == path.read_bytes()
    assert "账本检查点" in str(
        email.header.make_header(email.header.decode_header(message["Subject"]))
    )

    posted = receiver.requests[0]
    secret = get_settings().signing_secret.get_secret_value()
    assert verify_webhook(
        secret, posted.headers[TIMESTAMP_HEADER], posted.body, posted.headers[SIGNATURE_HEADER]
    )
    assert posted.json()["checkpoint"]["hmac_sha256"] == json.loads(path.read_text())["hmac_sha256"]

    # The mailed copy is a checkpoint the database is verified against.
    verified = CliRunner().invoke(app, ["ledger", "verify", "--checkpoint", str(mailed), "--json"])
    assert verified.exit_code == 0, verified.output


def test_a_channel_that_never_answers_fails_the_command(cockpit_home: Path, tmp_path: Path) -> None:
    from tests.alerts.conftest import free_port

    channels = tmp_path / "channels.yaml"
    channels.write_text(
        f"channels:\n  - id: gone\n    kind: webhook\n    url: http://127.0.0.1:{free_port()}/x\n"
        "    retries: 0\n    timeout_s: 2\n",
        "utf-8",
    )
    result = CliRunner().invoke(
        app, ["alerts", "checkpoint", "--out", str(tmp_path / "cp"), "--channels", str(channels)]
    )
    assert result.exit_code == 1
    assert "sent to 0 of 1" in result.output
