"""The holder's consent to a redemption: a short-lived token for one voucher.

A merchant who knows a voucher's id must not be able to spend it. When the holder pays, their
app (the claimant app, which knows who they are) asks for a consent token for that voucher;
the holder shows it (a QR code) and the merchant sends it with the redemption. The token says
which voucher, whose (the holder's pseudonym), and until when, authenticated with an HMAC under
a key derived from ``COCKPIT_SIGNING_SECRET`` (never stored with the data): a merchant can
neither make one nor change one. It lives ``LIFETIME`` seconds; the voucher being spent once
keeps it from paying twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from cockpit.config import get_settings
from cockpit.programmes.models import VoucherRow
from cockpit.programmes.tx import Conflict, NotAllowed, NotFound, engine_or_default

LIFETIME = 300  # seconds: long enough to pay at a till, short enough not to be kept
_DOMAIN = b"cockpit programmes consent v1"


class BadConsent(NotAllowed):
    """A consent token that is malformed, forged, expired or for another voucher."""

    status, code = 403, "bad_consent"


@dataclass(frozen=True)
class Consent:
    """What a valid token says: this holder lets this voucher be spent until ``expires``."""

    voucher_id: str
    holder: str
    expires: int


def _key() -> bytes:
    secret = get_settings().signing_secret.get_secret_value().encode("utf-8")
    return hmac.new(secret, _DOMAIN, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(
    *, voucher_id: str, holder: str, engine: Engine | None = None, now: float | None = None
) -> dict[str, Any]:
    """A consent token for ``voucher_id`` if ``holder`` (a pseudonym) holds it, active."""
    with engine_or_default(engine).connect() as conn:
        voucher = conn.execute(select(VoucherRow).where(VoucherRow.id == voucher_id)).first()
    if voucher is None or voucher.holder != holder:
        # The same answer for both: the app learns nothing of others' vouchers.
        raise NotFound(f"this person holds no voucher {voucher_id}")
    if voucher.status != "active":
        raise Conflict(f"voucher {voucher_id} is {voucher.status}")
    expires = int(now if now is not None else time.time()) + LIFETIME
    body = {"v": voucher_id, "h": holder, "e": expires, "n": secrets.token_hex(6)}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    mac = _b64(hmac.new(_key(), payload.encode("ascii"), hashlib.sha256).digest())
    return {"consent": f"{payload}.{mac}", "voucher_id": voucher_id, "expires_at": expires}


def check(token: str, *, voucher_id: str, now: float | None = None) -> Consent:
    """The consent a token carries for ``voucher_id``; ``BadConsent`` if it does not hold."""
    payload, _, mac = token.partition(".")
    try:
        expected = hmac.new(_key(), payload.encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            raise BadConsent("the consent token was not issued by this system")
        body = json.loads(_unb64(payload))
        consent = Consent(str(body["v"]), str(body["h"]), int(body["e"]))
    except (ValueError, KeyError, TypeError, UnicodeError):
        raise BadConsent("the consent token is malformed") from None
    if consent.voucher_id != voucher_id:
        raise BadConsent("the consent token is for another voucher")
    if consent.expires <= (now if now is not None else time.time()):
        raise BadConsent("the consent token has expired: ask the holder for a new one")
    return consent
