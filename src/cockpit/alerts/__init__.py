"""Early warning: alert rules as data, detectors, the Order + List foreign-trade warning,
lifecycle (open → acknowledged → resolved) and notifications (webhook, WeCom, DingTalk,
Feishu, email), run by the product's own scheduler.

    >>> from cockpit.alerts import load_rules
    >>> rules = load_rules()          # COCKPIT_HOME/alerts/rules.yaml, else the defaults
    >>> sorted({r.kind for r in rules.rules})[:3]
    ['anomaly', 'freshness', 'orders_drop']

``evaluate(rules, AlertData(...))`` judges plain frames; ``record_findings`` stores them as
alerts; ``run_once`` does both and notifies; ``acknowledge``/``resolve`` move an alert on.
"""

from cockpit.alerts.channels import (
    Channel,
    ChannelSet,
    EmailChannel,
    RobotChannel,
    WebhookChannel,
    load_channels,
    parse_channels,
)
from cockpit.alerts.evaluate import AlertData, Evaluation, evaluate
from cockpit.alerts.findings import Finding
from cockpit.alerts.lifecycle import (
    AlertNotFound,
    AlertPublic,
    InvalidTransition,
    acknowledge,
    alert_history,
    get_alert,
    list_alerts,
    record_findings,
    resolve,
)
from cockpit.alerts.notify import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DeliveryError,
    send_email_message,
    send_robot_message,
    sign_webhook,
)
from cockpit.alerts.rules import RuleSet, load_rules, parse_rules
from cockpit.alerts.runner import RunReport, run_from_home, run_once, schedule
from cockpit.alerts.views import orderlist_rows

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "AlertData",
    "AlertNotFound",
    "AlertPublic",
    "Channel",
    "ChannelSet",
    "DeliveryError",
    "EmailChannel",
    "Evaluation",
    "Finding",
    "InvalidTransition",
    "RobotChannel",
    "RuleSet",
    "RunReport",
    "WebhookChannel",
    "acknowledge",
    "alert_history",
    "evaluate",
    "get_alert",
    "list_alerts",
    "load_channels",
    "load_rules",
    "orderlist_rows",
    "parse_channels",
    "parse_rules",
    "record_findings",
    "resolve",
    "run_from_home",
    "run_once",
    "schedule",
    "send_email_message",
    "send_robot_message",
    "sign_webhook",
]
