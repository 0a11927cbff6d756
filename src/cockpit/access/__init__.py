"""The access room: who may see and do what.

Accounts (argon2id hashes, lockout, sessions), roles and permissions as data
(``policy.yaml``), the ``Principal`` every serving room is given, and ``DomainError``, the one
refusal the web layer answers as ``{code, message, field}``.
"""

from cockpit.access.accounts import (
    AccountError,
    SessionInfo,
    SignedIn,
    SignInRefused,
    check_password,
    create_user,
    disable_user,
    end_session,
    link_subject,
    list_users,
    reset_password,
    session_principal,
    sign_in,
)
from cockpit.access.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, NotSignedIn
from cockpit.access.policy import Policy, PolicyError, Role, load_policy, policy
from cockpit.access.principal import Principal, caller_idempotency_key
from cockpit.access.scope import CITY, NOTHING, Scope, scope_of

__all__ = [
    "CITY",
    "NOTHING",
    "AccountError",
    "Conflict",
    "DomainError",
    "Forbidden",
    "Invalid",
    "NotFound",
    "NotSignedIn",
    "Policy",
    "PolicyError",
    "Principal",
    "Role",
    "Scope",
    "SessionInfo",
    "SignInRefused",
    "SignedIn",
    "caller_idempotency_key",
    "check_password",
    "create_user",
    "disable_user",
    "end_session",
    "link_subject",
    "list_users",
    "load_policy",
    "policy",
    "reset_password",
    "scope_of",
    "session_principal",
    "sign_in",
]
