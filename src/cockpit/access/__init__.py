"""The access room: who may see and do what.

Accounts (argon2id hashes, lockout, sessions), roles and permissions as data
(``policy.yaml``), the ``Principal`` every serving room is given, and ``DomainError``, the one
refusal the web layer answers as ``{code, message, field}``.
"""

from cockpit.access.accounts import (
    SESSION_LIFETIME,
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
    session_principal_async,
    sign_in,
)
from cockpit.access.audit import ACTIONS as AUDIT_ACTIONS
from cockpit.access.audit import Entry as AuditEntry
from cockpit.access.audit import entry_for as audit_entry_for
from cockpit.access.audit import search as search_audit
from cockpit.access.audit import verify as verify_audit
from cockpit.access.audit import writer as audit_writer
from cockpit.access.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, NotSignedIn
from cockpit.access.keys import (
    TOKEN_PREFIX,
    ApiKey,
    NewKey,
    UnknownRoleError,
    authenticate,
    authenticate_async,
    check_role,
    create_api_key,
    hash_token,
    key_roles,
    list_api_keys,
    revoke_api_key,
    rotate_api_key,
)
from cockpit.access.oidc import FLOW_COOKIE as OIDC_FLOW_COOKIE
from cockpit.access.oidc import FLOW_LIFETIME as OIDC_FLOW_LIFETIME
from cockpit.access.oidc import OidcConfig, OidcRefused
from cockpit.access.oidc import begin as oidc_begin
from cockpit.access.oidc import configured as oidc_configured
from cockpit.access.oidc import finish as oidc_finish
from cockpit.access.policy import PUBLIC, Policy, PolicyError, Role, load_policy, policy
from cockpit.access.principal import Principal, caller_idempotency_key
from cockpit.access.scope import CITY, NOTHING, Scope, scope_of

__all__ = [
    "AUDIT_ACTIONS",
    "CITY",
    "NOTHING",
    "OIDC_FLOW_COOKIE",
    "OIDC_FLOW_LIFETIME",
    "PUBLIC",
    "SESSION_LIFETIME",
    "TOKEN_PREFIX",
    "AccountError",
    "ApiKey",
    "AuditEntry",
    "Conflict",
    "DomainError",
    "Forbidden",
    "Invalid",
    "NewKey",
    "NotFound",
    "NotSignedIn",
    "OidcConfig",
    "OidcRefused",
    "Policy",
    "PolicyError",
    "Principal",
    "Role",
    "Scope",
    "SessionInfo",
    "SignInRefused",
    "SignedIn",
    "UnknownRoleError",
    "audit_entry_for",
    "audit_writer",
    "authenticate",
    "authenticate_async",
    "caller_idempotency_key",
    "check_password",
    "check_role",
    "create_api_key",
    "create_user",
    "disable_user",
    "end_session",
    "hash_token",
    "key_roles",
    "link_subject",
    "list_api_keys",
    "list_users",
    "load_policy",
    "oidc_begin",
    "oidc_configured",
    "oidc_finish",
    "policy",
    "reset_password",
    "revoke_api_key",
    "rotate_api_key",
    "scope_of",
    "search_audit",
    "session_principal",
    "session_principal_async",
    "sign_in",
    "verify_audit",
]
