"""Schemathesis over the whole OpenAPI, as people of several roles and as each API key:
no answer is a 5xx, and every answer matches the schema its operation declares.

Bounded in time: a few examples per operation, a deadline per example.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from cockpit.db import ensure_schema
from cockpit.web.auth import create_api_key
from tests.access.helpers import sign_in_as
from tests.web.lakedata import write_lake

PEOPLE = ("analyst", "district_official", "programme_officer", "auditor")
KEYS = ("merchant", "firm", "claimant_app", "operator")
CALLERS: dict[str, dict[str, str]] = {}
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app over a home with built tables, the scenario sample and one caller per role."""
    from cockpit.config import reset_settings
    from cockpit.scenarios import sample
    from cockpit.web.app import create_app

    home = tmp_path_factory.mktemp("fuzz-home")
    mp = pytest.MonkeyPatch()
    mp.setenv("COCKPIT_HOME", str(home))
    mp.setenv("COCKPIT_RATE_LIMIT", "0")  # the fuzzer is one fast caller
    mp.delenv("COCKPIT_DB_URL", raising=False)
    reset_settings()
    write_lake(home)
    ensure_schema()
    sample.load_sample()
    app = create_app()
    # Schemathesis makes up API keys by design: its address must not be locked out for it.
    app.state.limiter.fail = lambda address: None
    with TestClient(app) as client:
        for role in PEOPLE:
            districts = ["500103"] if role == "district_official" else None
            sign_in_as(client, role, districts=districts)
            cookie = f"cockpit_session={client.cookies.get('cockpit_session')}"
            # An empty key: the session answers, not a key the fuzzer makes up.
            CALLERS[role] = {
                "Cookie": cookie, "X-CSRF-Token": client.headers["X-CSRF-Token"], "X-API-Key": "",
            }  # fmt: skip
            client.cookies.clear()
    for role in KEYS:
        name = {"firm": "91500000MA5U000001"}.get(role, f"{role}-fuzz")
        CALLERS[role] = {"X-API-Key": create_api_key(role=role, name=name).token}
    yield app
    mp.undo()
    reset_settings()


def fuzz(operation: Any, headers: dict[str, str]) -> None:
    """A few generated requests to ``operation``, each answer checked."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=6,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("role", PEOPLE + KEYS)
def test_no_operation_answers_5xx_or_off_schema(app: Any, role: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        operation = result.ok()
        operations += 1
        try:
            fuzz(operation, CALLERS[role])
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:600])
    assert operations > 50
    assert failures == [], "\n".join(failures)
