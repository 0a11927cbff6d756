"""Settings: defaults, COCKPIT_HOME on first use, and production refusing dev secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from cockpit.config import SETTINGS_HELP, Settings, get_settings


def test_home_is_created_on_first_use_and_holds_the_default_sqlite(cockpit_home: Path) -> None:
    settings = get_settings()
    assert not cockpit_home.exists()
    settings.ensure_home()
    assert (cockpit_home / "lake").is_dir()
    assert settings.database_url == f"sqlite:///{cockpit_home / 'cockpit.sqlite'}"
    assert settings.engine == "duckdb"


def test_engine_and_db_url_come_from_the_environment(
    cockpit_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COCKPIT_ENGINE", "pyspark")
    monkeypatch.setenv("COCKPIT_DB_URL", "postgresql+psycopg://u@h/db")
    settings = Settings()
    assert settings.engine == "pyspark"
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_an_unknown_engine_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_ENGINE", "oracle")
    with pytest.raises(ValidationError):
        Settings()


def test_production_refuses_the_development_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCKPIT_MODE", "production")
    monkeypatch.setenv("COCKPIT_DB_URL", "postgresql+psycopg://u@h/db")
    with pytest.raises(ValidationError, match="COCKPIT_PSEUDONYM_KEY"):
        Settings()
    for n, name in enumerate(PRODUCTION_SECRETS):
        monkeypatch.setenv(name, f"{n}-a-real-secret-of-at-least-32-bytes")
    assert Settings().mode == "production"


PRODUCTION_SECRETS = (
    "COCKPIT_PSEUDONYM_KEY", "COCKPIT_SIGNING_SECRET", "COCKPIT_LEDGER_KEY",
    "COCKPIT_KEY_SECRET", "COCKPIT_AUDIT_SECRET",
)  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"COCKPIT_KEY_SECRET": "x"}, "COCKPIT_KEY_SECRET must be at least 32 bytes"),
        ({"COCKPIT_AUDIT_SECRET": "0-a-real-secret-of-at-least-32-bytes"}, "must differ"),
        ({"COCKPIT_DB_URL": "sqlite:///cockpit.sqlite"}, "not SQLite"),
    ],
)
def test_production_refuses_short_shared_secrets_and_sqlite(
    monkeypatch: pytest.MonkeyPatch, change: dict[str, str], message: str
) -> None:
    monkeypatch.setenv("COCKPIT_MODE", "production")
    monkeypatch.setenv("COCKPIT_DB_URL", "postgresql+psycopg://u@h/db")
    for n, name in enumerate(PRODUCTION_SECRETS):
        monkeypatch.setenv(name, f"{n}-a-real-secret-of-at-least-32-bytes")
    for name, value in change.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=message):
        Settings()


def test_development_serves_loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from cockpit.cli import app
    from cockpit.config import reset_settings
    from cockpit.web.commands import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("0.0.0.0")
    monkeypatch.delenv("COCKPIT_MODE", raising=False)
    reset_settings()
    refused = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "8999"])
    assert refused.exit_code == 2 and "loopback" in refused.output


def test_every_setting_is_documented() -> None:
    fields = {f"COCKPIT_{name.upper()}" for name in Settings.model_fields}
    assert fields == set(SETTINGS_HELP)
    docs = (Path(__file__).parents[1] / "docs" / "settings.md").read_text("utf-8")
    missing = [name for name in SETTINGS_HELP if f"`{name}`" not in docs]
    assert not missing, f"docs/settings.md lacks {missing}"
