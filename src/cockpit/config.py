"""Every setting of Commerce Cockpit, in one place.

Settings come from environment variables prefixed ``COCKPIT_`` (or a ``.env`` file).
``SETTINGS_HELP`` documents each one; ``docs/settings.md`` is checked against it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_PSEUDONYM_KEY = "dev-only-pseudonym-key-change-me"
DEV_SIGNING_SECRET = "dev-only-signing-secret-change-me"
DEV_LEDGER_KEY = "dev-only-ledger-key-change-me"
DEV_KEY_SECRET = "dev-only-api-key-secret-change-me"
DEV_AUDIT_SECRET = "dev-only-audit-trail-secret-change-me"


def _default_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "cockpit"


class Settings(BaseSettings):
    """Settings read from the environment; see ``SETTINGS_HELP`` for what each one does."""

    model_config = SettingsConfigDict(env_prefix="COCKPIT_", env_file=".env", extra="ignore")

    home: Path = Field(default_factory=_default_home)
    db_url: str | None = None
    engine: Literal["duckdb", "pyspark"] = "duckdb"
    spark_remote: str | None = None
    spark_master: str = "local[2]"
    mode: Literal["development", "production"] = "development"
    pseudonym_key: SecretStr = SecretStr(DEV_PSEUDONYM_KEY)
    signing_secret: SecretStr = SecretStr(DEV_SIGNING_SECRET)
    ledger_key: SecretStr = SecretStr(DEV_LEDGER_KEY)
    key_secret: SecretStr = SecretStr(DEV_KEY_SECRET)
    audit_secret: SecretStr = SecretStr(DEV_AUDIT_SECRET)
    rate_limit: int = 6000
    host: str = "127.0.0.1"
    port: int = 8000
    lang: Literal["zh-CN", "en"] = "zh-CN"
    # Sign-in through the city's identity provider (OpenID Connect); off while no issuer.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_redirect_url: str = ""
    oidc_name: str = ""
    oidc_scopes: str = "openid profile email"
    oidc_role_map: Path | None = None

    @model_validator(mode="after")
    def _refuse_weak_setup_in_production(self) -> Settings:
        for problem in oidc_problems(self):
            raise ValueError(problem)
        if self.mode == "production":
            for problem in production_problems(self):
                raise ValueError(problem)
        return self

    @property
    def lake_dir(self) -> Path:
        """Parquet tables of the lake, one folder per table."""
        return self.home / "lake"

    @property
    def catalog_path(self) -> Path:
        """The DuckDB file holding views over the lake."""
        return self.home / "catalog.duckdb"

    @property
    def database_url(self) -> str:
        """The operational database: COCKPIT_DB_URL, or SQLite under COCKPIT_HOME."""
        return self.db_url or f"sqlite:///{self.home / 'cockpit.sqlite'}"

    def ensure_home(self) -> Path:
        """Create COCKPIT_HOME and the lake folder on first use."""
        self.lake_dir.mkdir(parents=True, exist_ok=True)
        return self.home


MIN_SECRET_BYTES = 32
SECRETS = ("pseudonym_key", "signing_secret", "ledger_key", "key_secret", "audit_secret")
DEV_SECRETS = {
    DEV_PSEUDONYM_KEY,
    DEV_SIGNING_SECRET,
    DEV_LEDGER_KEY,
    DEV_KEY_SECRET,
    DEV_AUDIT_SECRET,
}


def production_problems(settings: Settings) -> list[str]:
    """What production mode refuses in ``settings``: short, default or shared secrets, no
    database or SQLite."""
    problems = []
    values: dict[str, str] = {}
    for name in SECRETS:
        value = getattr(settings, name).get_secret_value()
        env = f"COCKPIT_{name.upper()}"
        if value in DEV_SECRETS:
            problems.append(f"{env} must be set in production mode")
        elif len(value.encode("utf-8")) < MIN_SECRET_BYTES:
            problems.append(f"{env} must be at least {MIN_SECRET_BYTES} bytes in production mode")
        for other, seen in values.items():
            if seen == value:
                problems.append(f"{env} must differ from {other}")
        values[env] = value
    for name in ("oidc_issuer", "oidc_redirect_url"):
        url = getattr(settings, name)
        if settings.oidc_issuer and not url.startswith("https://"):
            problems.append(f"COCKPIT_{name.upper()} must be an https:// URL in production mode")
    if settings.db_url is None:
        problems.append("COCKPIT_DB_URL must name the production database")
    elif settings.db_url.startswith("sqlite"):
        problems.append("COCKPIT_DB_URL must be PostgreSQL in production mode, not SQLite")
    return problems


def oidc_problems(settings: Settings) -> list[str]:
    """What is missing when sign-in through an identity provider is half configured."""
    if not settings.oidc_issuer:
        return []
    problems = []
    for name in ("oidc_client_id", "oidc_redirect_url"):
        if not getattr(settings, name):
            problems.append(f"COCKPIT_{name.upper()} must be set with COCKPIT_OIDC_ISSUER")
    for name in ("oidc_issuer", "oidc_redirect_url"):
        url = getattr(settings, name)
        if url and not url.startswith(("https://", "http://")):
            problems.append(f"COCKPIT_{name.upper()} must be an http(s) URL")
    if "openid" not in settings.oidc_scopes.split():
        problems.append("COCKPIT_OIDC_SCOPES must include openid")
    if settings.oidc_role_map is not None and not settings.oidc_role_map.is_file():
        problems.append(f"COCKPIT_OIDC_ROLE_MAP: no file {settings.oidc_role_map}")
    return problems


SETTINGS_HELP: dict[str, str] = {
    "COCKPIT_HOME": "Folder holding the lake, the DuckDB catalogue and the default SQLite "
    "database; created on first use. Default: ~/.local/share/cockpit.",
    "COCKPIT_DB_URL": "SQLAlchemy URL of the operational database (programmes, alerts, plans, "
    "scenarios). Default: SQLite at COCKPIT_HOME/cockpit.sqlite; PostgreSQL in production, "
    "e.g. postgresql+psycopg://cockpit@db/cockpit.",
    "COCKPIT_ENGINE": "Indicator engine: duckdb (embedded, default) or pyspark.",
    "COCKPIT_SPARK_REMOTE": "Spark Connect URL (sc://host:15002) used when COCKPIT_ENGINE=pyspark.",
    "COCKPIT_SPARK_MASTER": "Spark master URL when no Spark Connect URL is set. Default: local[2].",
    "COCKPIT_MODE": "development (default) or production. Production refuses secrets shorter "
    "than 32 bytes, built-in or equal to each other, and SQLite (COCKPIT_DB_URL must name "
    "PostgreSQL); it marks cookies Secure and logs every access. Development serves on "
    "loopback addresses only.",
    "COCKPIT_PSEUDONYM_KEY": "HMAC key that replaces personal identifiers at ingestion. Never "
    "written to the lake. Required in production.",
    "COCKPIT_SIGNING_SECRET": "Secret used to sign outgoing webhooks. Required in production.",
    "COCKPIT_LEDGER_KEY": "HMAC key authenticating every programmes ledger entry and checkpoint; "
    "held outside the database (docs/programmes.md). Required in production.",
    "COCKPIT_KEY_SECRET": "HMAC key under which API keys are stored (the database never holds "
    "a token or its plain hash). Required in production; rotating it invalidates every key.",
    "COCKPIT_AUDIT_SECRET": "HMAC key of the audit trail's hash chain: without it an insider "
    "who edits the database cannot forge a consistent trail. Required in production.",
    "COCKPIT_RATE_LIMIT": "Requests per minute one API key, session or address may make before "
    "answers are 429 (default 6000; 0 turns the limit off); a role's `rate_per_minute` in the "
    "access policy overrides it for its keys. Failed keys and sign-ins lock an address out sooner.",
    "COCKPIT_HOST": "Address the web cockpit binds to. Default: 127.0.0.1; in development "
    "mode only loopback addresses are allowed.",
    "COCKPIT_PORT": "Port of the web cockpit. Default: 8000.",
    "COCKPIT_LANG": "Default language of the cockpit: zh-CN (default) or en.",
    "COCKPIT_OIDC_ISSUER": "Issuer URL of the city's identity provider (OpenID Connect); its "
    "discovery document is read from ISSUER/.well-known/openid-configuration. Empty (default): "
    "no sign-in through an identity provider. https:// in production.",
    "COCKPIT_OIDC_CLIENT_ID": "The cockpit's client id at the identity provider.",
    "COCKPIT_OIDC_CLIENT_SECRET": "The cockpit's client secret at the identity provider "
    "(client_secret_basic); empty for a public client (PKCE alone).",
    "COCKPIT_OIDC_REDIRECT_URL": "The cockpit's callback as registered at the identity provider: "
    "https://<cockpit>/login/oidc/callback.",
    "COCKPIT_OIDC_NAME": "The identity provider's name on the sign-in button "
    "('Sign in with <name>'). Default: the issuer's host.",
    "COCKPIT_OIDC_SCOPES": "Scopes asked for (must include openid). Default: openid profile email.",
    "COCKPIT_OIDC_ROLE_MAP": "YAML file mapping a claim's values to a role (and districts) for "
    "subjects not yet linked to an account (docs/security.md). Unset (default): a subject must "
    "be linked to an account (`cockpit users link`), anyone else is refused.",
}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()


def reset_settings() -> None:
    """Forget cached settings, so the next ``get_settings()`` re-reads the environment."""
    get_settings.cache_clear()
