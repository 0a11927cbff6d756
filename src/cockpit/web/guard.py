"""The gate every request passes before the app reads it: body caps, the key, rate limits.

In this order, before a byte of the body is read:

1. an address locked out for repeated bad keys or failed sign-ins gets 429;
2. a body over its route's cap (``Content-Length`` or counted as it streams) gets 413;
3. an API key is checked (401 for an unknown, expired or revoked one, counted against the
   address); the principal is handed to ``Permit``, which does not look it up again;
4. more than ``COCKPIT_RATE_LIMIT`` requests a minute from one key, session or address get 429
   (a key's role may have its own ``rate_per_minute`` in the access policy).

The limiter lives on the app (``app.state.limiter``), so each app counts its own requests.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import OrderedDict, defaultdict, deque
from collections.abc import Callable
from logging.handlers import QueueHandler, QueueListener
from typing import Any, NamedTuple

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cockpit import access
from cockpit.access import AuditEntry, audit_entry_for, audit_writer, authenticate_async
from cockpit.web import errors

KIB = 1024
# Caps on request bodies by path prefix, first match wins: money small, JSON small, forms small.
# A route that takes uploads declares its own cap here.
BODY_CAPS: tuple[tuple[str, int], ...] = (
    ("/api/programmes/", 8 * KIB),
    ("/api/", 64 * KIB),
    ("/", 16 * KIB),
)
FAILURES_ALLOWED = 20  # bad keys or failed sign-ins from one address per window
FAILURE_WINDOW = 60.0
LOCKOUT_SECONDS = 300.0
MAX_COUNTED = 10_000  # credentials remembered by ``Limiter.fail_once``
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def body_cap(path: str) -> int:
    """The most bytes a request body to ``path`` may hold."""
    return next(cap for prefix, cap in BODY_CAPS if path.startswith(prefix))


class Limiter:
    """Requests per minute per caller, and lockout of addresses that keep failing."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._counts: dict[tuple[str, int], int] = {}
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)
        self._locked: dict[str, float] = {}
        self._lock = threading.Lock()
        # (address, credential) failures counted in the window: one stale cookie, asked for
        # by every chart of a page, counts once; a new made-up one each time counts each time.
        self._counted: OrderedDict[tuple[str, str], float] = OrderedDict()

    def locked_for(self, address: str) -> float:
        """Seconds ``address`` stays locked out (0: not locked)."""
        if not self._locked:  # the usual case, asked on every request: no lock taken
            return 0.0
        now = time.monotonic()
        with self._lock:
            until = self._locked.get(address, 0.0)
            if until and until <= now:  # served its time: forgotten, so the dict empties
                del self._locked[address]
        return max(0.0, until - now)

    def fail(self, address: str) -> None:
        """Count a bad key or failed sign-in from ``address``; lock it out after too many."""
        now = time.monotonic()
        with self._lock:
            seen = self._failures[address]
            seen.append(now)
            while seen and now - seen[0] > FAILURE_WINDOW:
                seen.popleft()
            if len(seen) >= FAILURES_ALLOWED:
                self._locked[address] = now + LOCKOUT_SECONDS
                seen.clear()

    def fail_once(self, address: str, credential: str) -> None:
        """``fail``, once a window for the same ``credential`` (a hash of it, never the secret
        itself) from ``address``."""
        now = time.monotonic()
        with self._lock:
            seen = self._counted.get((address, credential))
            if seen is not None and now - seen <= FAILURE_WINDOW:
                return
            self._counted[(address, credential)] = now
            self._counted.move_to_end((address, credential))
            while len(self._counted) > MAX_COUNTED:
                self._counted.popitem(last=False)
        self.fail(address)

    def allow(self, caller: str, per_minute: int | None = None) -> bool:
        """Count one request of ``caller``; False when over the minute's limit (``per_minute``,
        the caller's role's own, or the limit set for everyone)."""
        limit = per_minute or self.per_minute
        if limit <= 0:
            return True
        minute = int(time.monotonic() // 60)
        with self._lock:
            if len(self._counts) > 100_000:  # old minutes go; the dict stays small
                self._counts = {k: v for k, v in self._counts.items() if k[1] == minute}
            n = self._counts.get((caller, minute), 0) + 1
            self._counts[(caller, minute)] = n
        return n <= limit


def _refuse(status: int, code: str, message: str, field: str = "", **headers: str) -> JSONResponse:
    body = errors.shape({"code": code, "message": message, "field": field})
    return JSONResponse(body, status_code=status, headers=headers or None)


class Credentials(NamedTuple):
    """What the gate reads of a request's headers, in one pass over them."""

    length: str  # Content-Length as sent ('' if none)
    token: str  # the API key ('Authorization: Bearer' first, then 'X-API-Key'); '' if none
    cookie: str  # the Cookie header ('' if none)


_WANTED = (b"content-length", b"authorization", b"x-api-key", b"cookie")


def read_credentials(scope: Scope) -> Credentials:
    """The gate's headers of ``scope`` (the first of each, as Starlette's ``Headers.get``).

    >>> read_credentials({"headers": [(b"authorization", b"Bearer  k1 "), (b"x-api-key", b"k2")]})
    Credentials(length='', token='k1', cookie='')
    >>> read_credentials({"headers": [(b"authorization", b"Basic x"), (b"x-api-key", b"k2")]})
    Credentials(length='', token='k2', cookie='')
    """
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        if name in _WANTED and name not in found:
            found[name] = value
    scheme, _, credentials = found.get(b"authorization", b"").decode("latin-1").partition(" ")
    bearer = credentials.strip() if scheme.lower() == "bearer" else ""
    token = bearer or found.get(b"x-api-key", b"").decode("latin-1")
    cookie = found.get(b"cookie", b"").decode("latin-1")
    return Credentials(found.get(b"content-length", b"").decode("latin-1"), token, cookie)


def role_rate(role: str) -> int | None:
    """The requests a minute the policy gives one principal of ``role`` (None: the default)."""
    found = access.policy().roles.get(role)
    return found.rate_per_minute if found is not None else None


class Guard:
    """ASGI middleware applying the checks above (see the module's docstring)."""

    def __init__(self, app: ASGIApp, limiter: Limiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal, receive = await self._check(scope, receive)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        status, started = 0, time.perf_counter()
        https = scope.get("scheme") == "https"

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = with_security_headers(message.get("headers", []), https)
            await send(message)

        await self.app(scope, receive, sending)
        entry = audit_entry(scope, status)
        if entry is not None:
            audit_writer.put(entry)
        log_access(scope, status, time.perf_counter() - started)

    async def _check(self, scope: Scope, receive: Receive) -> tuple[Any, Receive]:
        sent = read_credentials(scope)
        address = (scope.get("client") or ("?", 0))[0]
        wait = self.limiter.locked_for(address)
        if wait:
            message = "too many bad keys or failed sign-ins from this address"
            return _refuse(429, "locked", message, **{"Retry-After": str(int(wait) + 1)}), receive
        cap = body_cap(scope["path"])
        length = sent.length
        declared = int(length) if length.isascii() and length.isdigit() else 0  # not '²'
        if scope["method"] in BODY_METHODS and declared > cap:
            return _refuse(413, "too_large", f"request body over {cap} bytes"), receive
        state = scope.setdefault("state", {})
        state["gate_read_key"] = True  # ``Permit`` need not look for a key again
        caller, rate = f"ip:{address}", None
        if sent.token:
            principal = await authenticate_async(sent.token)
            if principal is None:
                self.limiter.fail(address)
                message = "unknown, expired or revoked API key"
                return _refuse(401, "bad_key", message, "X-API-Key"), receive
            state["key_principal"] = principal
            caller = f"key:{principal.id}"
            rate = role_rate(principal.role)
        elif sent.cookie:
            # Python's string hash is keyed per process: a bucket name, not a secret.
            caller = f"cookie:{hash(sent.cookie):x}"
        if not self.limiter.allow(caller, rate):
            message = "too many requests this minute"
            return _refuse(429, "rate_limited", message, **{"Retry-After": "60"}), receive
        return None, _capped(receive, cap)


# Permissions whose reads are merchant-, firm- or person-level rows: each read is audited.
ROW_READS = frozenset({"records.read", "programmes.inspect", "scenarios.inside", "audit.read"})
EXPORTS = (".csv", ".xlsx", "/ocds")
SELF_AUDITED = ("/login", "/logout")  # the accounts service records these itself


def audit_entry(scope: Scope, status: int) -> AuditEntry | None:
    """The audit entry a finished request calls for: a write, an export, a read of rows."""
    path, method = scope["path"], scope["method"]
    if status >= 400 or status == 0 or path in SELF_AUDITED:
        return None
    state = scope.get("state", {})
    permission = state.get("permission", "")
    if method in BODY_METHODS:
        action = "write"
    elif path.endswith(EXPORTS):
        action = "export"
    elif permission in ROW_READS:
        action = "read_rows"
    else:
        return None
    query = scope.get("query_string", b"").decode("latin-1")
    target = f"{method} {path}" + (f"?{query}" if query else "")
    address = (scope.get("client") or ("", 0))[0]
    detail = {"status": status, "permission": permission}
    return audit_entry_for(state.get("principal"), action, target, address=address, detail=detail)


# No inline script anywhere (the pages' settings are a JSON data block); ECharts sets
# element styles from script, which style-src 'unsafe-inline' allows and cannot run code.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", CSP.encode()),
)
_SECURITY_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
access_log = logging.getLogger("cockpit.web.access")


def with_security_headers(
    headers: list[tuple[bytes, bytes]], https: bool
) -> list[tuple[bytes, bytes]]:
    """``headers`` with the security headers a route did not set itself (HSTS over TLS)."""
    present = _SECURITY_NAMES.intersection(name.lower() for name, _ in headers)
    extra = [h for h in SECURITY_HEADERS if h[0] not in present] if present else SECURITY_HEADERS
    return [*headers, *extra, HSTS] if https else [*headers, *extra]


class _Passing(QueueHandler):
    """Hands records to the writing thread as they are: formatting happens there too."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


def buffer_access_log() -> Callable[[], None]:
    """Send access lines through a queue to a thread that writes them with the root logger's
    handlers, so no request waits on the log's file; the function returned writes whatever is
    still queued and stops the thread (``cockpit serve`` calls it at shutdown)."""
    lines: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    listener = QueueListener(lines, *logging.getLogger().handlers, respect_handler_level=True)
    handler = _Passing(lines)
    access_log.addHandler(handler)
    access_log.propagate = False
    listener.start()

    def stop() -> None:
        listener.stop()  # writes the lines still queued first
        access_log.removeHandler(handler)
        access_log.propagate = True

    return stop


def log_access(scope: Scope, status: int, seconds: float) -> None:
    """One line per request: address, caller, method, path, status, milliseconds."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    who = scope.get("state", {}).get("principal")
    actor = f"{who.kind}:{who.name}" if who is not None else "-"
    address = (scope.get("client") or ("-", 0))[0]
    access_log.info(
        "%s %s %s %s %d %.1fms", address, actor, scope["method"], scope["path"], status,
        seconds * 1000,
    )  # fmt: skip


def _capped(receive: Receive, cap: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > cap:  # answered 413 in the one error shape by the app's handler
                raise HTTPException(413, f"request body over {cap} bytes")
        return message

    return counted
