"""Notification channels as data: ``COCKPIT_HOME/alerts/channels.yaml``.

Secrets (robot signing secrets, SMTP passwords) are named by the environment variable
that holds them (``secret_env``), so the file can be shared and versioned without them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from cockpit.alerts.rules import RULE_ID, Severity, Strict, validate_tagged

CHANNEL_KINDS = ("webhook", "wecom", "dingtalk", "feishu", "email")


class ChannelBase(Strict):
    """What every channel has."""

    id: str = Field(pattern=RULE_ID)
    min_severity: Severity = "warning"
    retries: int = Field(default=3, ge=0, le=10, description="Attempts after the first.")
    backoff_s: float = Field(default=1.0, ge=0, le=300, description="First wait; doubles.")
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    lang: Literal["zh", "en"] = "zh"


class WebhookChannel(ChannelBase):
    """A plain HTTP POST of the alerts as JSON, signed with COCKPIT_SIGNING_SECRET."""

    kind: Literal["webhook"]
    url: str = Field(pattern=r"^https?://")


class RobotChannel(ChannelBase):
    """A group robot: WeCom (企业微信), DingTalk (钉钉) or Feishu (飞书)."""

    kind: Literal["wecom", "dingtalk", "feishu"]
    url: str = Field(pattern=r"^https?://", description="The robot's webhook address.")
    secret_env: str | None = Field(
        default=None, description="Variable holding the robot's signing secret (加签)."
    )

    def secret(self) -> str | None:
        """The signing secret, read from the environment when the message is sent."""
        if self.secret_env is None:
            return None
        value = os.environ.get(self.secret_env)
        if not value:
            raise ValueError(f"channel {self.id}: environment variable {self.secret_env} is unset")
        return value


class EmailChannel(ChannelBase):
    """Email through an SMTP server."""

    kind: Literal["email"]
    host: str
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    to: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]] = Field(min_length=1)
    starttls: bool = False
    username_env: str | None = None
    password_env: str | None = None


Channel = Annotated[WebhookChannel | RobotChannel | EmailChannel, Field(discriminator="kind")]


class ChannelSet(Strict):
    """A channels file."""

    channels: list[Channel] = Field(default_factory=list)


def parse_channels(text: str, path: str | Path = "<text>") -> ChannelSet:
    """Validate channels-file text; errors name the line."""
    kinds = (*CHANNEL_KINDS, "wecom,dingtalk,feishu")
    return validate_tagged(text, ChannelSet, path, "channels", kinds)[0]


def load_channels(path: str | Path | None = None) -> ChannelSet:
    """The channels in ``path``, else COCKPIT_HOME/alerts/channels.yaml, else none."""
    if path is None:
        from cockpit.config import get_settings

        path = get_settings().home / "alerts" / "channels.yaml"
        if not path.is_file():
            return ChannelSet()
    path = Path(path)
    return parse_channels(path.read_text("utf-8"), path)
