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
    monkeypatch.setenv("COCKPIT_PSEUDONYM_KEY", "a-real-key")
    monkeypatch.setenv("COCKPIT_SIGNING_SECRET", "a-real-secret")
    with pytest.raises(ValidationError, match="COCKPIT_LEDGER_KEY"):
        Settings()
    monkeypatch.setenv("COCKPIT_LEDGER_KEY", "a-real-ledger-key")
    assert Settings().mode == "production"


def test_every_setting_is_documented() -> None:
    fields = {f"COCKPIT_{name.upper()}" for name in Settings.model_fields}
    assert fields == set(SETTINGS_HELP)
    docs = (Path(__file__).parents[1] / "docs" / "settings.md").read_text("utf-8")
    missing = [name for name in SETTINGS_HELP if f"`{name}`" not in docs]
    assert not missing, f"docs/settings.md lacks {missing}"
