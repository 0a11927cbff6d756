"""District scope, generated: every GET route × every role × two districts.

A district official of 渝中 (500103) or 江北 (500105) must never receive another district's
merchant-, firm- or person-level rows; city-wide roles see them all. The markers are the ids
and names the test lake puts in rows of each district (tests/web/lakedata.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cockpit.access import policy
from cockpit.db import ensure_schema
from cockpit.web.app import declared_routes
from cockpit.web.auth import create_api_key
from tests.access.helpers import sign_in_as
from tests.access.records import VOUCHERS, Seeded, seed_records
from tests.web.lakedata import QUARANTINE_DISTRICTS, trade_rows, write_lake

DISTRICTS = ("500103", "500105")
# Path values: the alert and the application are 江北's (500105), foreign to 渝中's official.
PATH_VALUES = {"name": "cockpit.css", "alert_id": "1", "scenario_id": "S01", "code": VOUCHERS}
SEEDED = Seeded()


def markers() -> dict[str, set[str]]:
    """District → strings that appear only in its rows (firm ids and names, txn ids; the
    alerts, flags and applications of ``tests/access/records.py``)."""
    found: dict[str, set[str]] = {d: set(m) for d, m in SEEDED.markers.items()}
    enterprises, _ = trade_rows()
    for eid, name, d in zip(
        enterprises["enterprise_id"],
        enterprises["name"],
        enterprises["district_code"],
        strict=True,
    ):
        found.setdefault(str(d), set()).update({f'"{eid}"', str(name)})
    for n, d in zip(range(10, 19), QUARANTINE_DISTRICTS, strict=True):
        found.setdefault(str(d), set()).add(f"t{n}")
    return found


def get_routes() -> list[str]:
    """Every GET route of the app, its path parameters filled in."""
    paths = []
    values = {
        **PATH_VALUES,
        "alert_id": str(SEEDED.alerts.get("500105", 1)),
        "application_id": SEEDED.applications.get("500105", "x"),
    }
    for route in declared_routes():
        assert route.methods is not None
        if "GET" not in route.methods:
            continue
        paths.append(re.sub(r"{(\w+)}", lambda m: values.get(m.group(1), "x"), route.path))
    return sorted(set(paths))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from cockpit.config import reset_settings

    home = tmp_path_factory.mktemp("scope-home")
    mp = pytest.MonkeyPatch()
    mp.setenv("COCKPIT_HOME", str(home))
    mp.delenv("COCKPIT_DB_URL", raising=False)
    reset_settings()
    write_lake(home)
    ensure_schema()
    seeded = seed_records()
    SEEDED.alerts, SEEDED.applications, SEEDED.markers = (
        seeded.alerts, seeded.applications, seeded.markers,
    )  # fmt: skip
    yield home
    mp.undo()
    reset_settings()


def client_as(role: str, district: str) -> TestClient:
    from cockpit.web.app import create_app

    client = TestClient(create_app())
    if "user" in policy().role(role).kinds:
        scope = policy().role(role).scope
        sign_in_as(client, role, districts=[district] if scope == "districts" else None)
    else:
        client.headers["X-API-Key"] = create_api_key(role=role, name=f"{role}-test").token
    return client


ROLES = sorted(policy().roles)


@pytest.mark.slow
@pytest.mark.parametrize("district", DISTRICTS)
@pytest.mark.parametrize("role", ROLES)
def test_no_route_gives_a_caller_another_districts_rows(
    home: Path, role: str, district: str
) -> None:
    client = client_as(role, district)
    foreign = set().union(*(v for d, v in markers().items() if d != district))
    own = markers()[district]
    city_wide = policy().role(role).scope == "city"
    leaks, seen_own = [], False
    for path in get_routes():
        answer = client.get(path, params={"lang": "en"})
        assert answer.status_code < 500, f"{path}: {answer.status_code}"
        if answer.status_code != 200:
            continue
        text = answer.text
        seen_own = seen_own or any(m in text for m in own)
        if not city_wide:
            leaks += [f"{path}: {m}" for m in foreign if m in text]
    assert leaks == []
    if policy().allows(role, "records.read"):
        assert seen_own, f"a {role} saw no rows of {district} at all"


def test_one_officials_cached_rows_never_answer_another(home: Path) -> None:
    yuzhong, jiangbei = (
        client_as("district_official", "500103"),
        client_as("district_official", "500105"),
    )
    for client, own, other in ((yuzhong, "E001", "E003"), (jiangbei, "E003", "E001")):
        body = client.get("/api/cockpit/alerts/order-list").text
        assert f'"{own}"' in body and f'"{other}"' not in body


def test_overview_and_big_screen_open_at_the_officials_district(home: Path) -> None:
    official = client_as("district_official", "500105")
    for page in ("/", "/bigscreen"):
        assert "district=500105" in official.get(page).text
    assert '<option value="500105" selected' in official.get("/").text
    assert '<option value="500105" selected' not in client_as("leader", "500105").get("/").text
    # An explicit choice of the whole city is kept.
    assert '<option value="500105" selected' not in official.get("/?district=").text
