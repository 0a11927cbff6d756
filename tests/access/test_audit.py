"""The audit trail: what is recorded, that it is append-only, and that tampering is found."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from cockpit import access
from cockpit.access import audit
from cockpit.db import ensure_schema, get_engine
from cockpit.web.auth import create_api_key, revoke_api_key
from tests.access.helpers import make_user, sign_in, sign_in_as
from tests.web.lakedata import write_lake


@pytest.fixture
def client(cockpit_home: Path) -> Iterator[TestClient]:
    from cockpit.web.app import create_app

    write_lake(cockpit_home)
    ensure_schema()
    with TestClient(create_app()) as c:
        yield c


def actions(*, target: str) -> list[str]:
    audit.writer.flush()
    return [r["action"] for r in audit.search(target=target)]


def test_sign_ins_and_failures_are_recorded_with_their_address(client: TestClient) -> None:
    name, password = make_user("analyst")
    with pytest.raises(access.SignInRefused):
        access.sign_in(username=name, password="not-the-password", address="10.1.2.3")
    sign_in(client, name, password)
    rows = audit.search(target=name)
    assert [r["action"] for r in rows][:2] == ["signin", "signin_failed"]
    assert rows[1]["address"] == "10.1.2.3" and rows[0]["actor"] == f"user:{name}"


def test_reads_of_rows_exports_and_writes_are_recorded_but_aggregates_not(
    client: TestClient,
) -> None:
    name = sign_in_as(client, "programme_officer")
    client.get("/api/cockpit/kpis")
    client.get("/api/cockpit/data/quarantine/rows", params={"source": "unionpay"})
    client.get("/api/plans/export.xlsx")
    client.post("/api/alerts/999/ack", json={})  # refused (404): not a write that happened
    body = {"value": 55, "as_of": "2024-12-31", "source": "年报"}
    client.post("/api/plans/chongqing-ai-2023-2025/targets/ai_products/figures", json=body)
    audit.writer.flush()
    mine = audit.search(actor=f"user:{name}")
    got = [(r["action"], r["target"].split("?")[0]) for r in mine]
    assert ("read_rows", "GET /api/cockpit/data/quarantine/rows") in got
    assert ("export", "GET /api/plans/export.xlsx") in got
    assert ("write", "POST /api/plans/chongqing-ai-2023-2025/targets/ai_products/figures") in got
    assert not any("/kpis" in t or "/999/ack" in t for _, t in got)


def test_keys_made_and_revoked_are_recorded(client: TestClient) -> None:
    new = create_api_key(role="merchant", name="M000009")
    revoke_api_key(key_id=new.principal.id)
    assert actions(target=f"key:{new.principal.id}") == ["key_revoked", "key_created"]
    assert new.token not in json.dumps(audit.search())


def test_the_trail_refuses_updates_and_deletes(client: TestClient) -> None:
    make_user("analyst")
    with pytest.raises(DBAPIError, match="append-only"), get_engine().begin() as conn:
        conn.execute(text("UPDATE access_audit SET actor = 'user:nobody'"))
    with pytest.raises(DBAPIError, match="append-only"), get_engine().begin() as conn:
        conn.execute(text("DELETE FROM access_audit"))


def _as_insider(*statements: str) -> None:
    """An insider with the database's own rights: drops the guards, then edits."""
    with get_engine().begin() as conn:
        conn.execute(text("DROP TRIGGER access_audit_no_update"))
        conn.execute(text("DROP TRIGGER access_audit_no_delete"))
        for statement in statements:
            conn.execute(text(statement))


@pytest.mark.parametrize(
    ("statements", "reason"),
    [
        (["UPDATE access_audit SET target = 'someone-else' WHERE id = 2"], "changed"),
        (["DELETE FROM access_audit WHERE id = 2"], "removed or inserted"),
        (["DELETE FROM access_audit WHERE id = (SELECT max(id) FROM access_audit)"], "last"),
    ],
    ids=["edit", "delete-middle", "delete-last"],
)
def test_an_insiders_edit_is_found_by_verify(
    client: TestClient, statements: list[str], reason: str
) -> None:
    for role in ("analyst", "leader", "auditor"):
        make_user(role)
    assert audit.verify().ok and audit.verify().checked == 3
    _as_insider(*statements)
    verdict = audit.verify()
    assert not verdict.ok and reason in verdict.reason
    from cockpit.cli import app

    result = CliRunner().invoke(app, ["audit", "verify", "--json"])
    assert result.exit_code == 1 and json.loads(result.output)["data"]["ok"] is False


def test_a_row_forged_without_the_key_is_found(client: TestClient) -> None:
    make_user("analyst")
    row = audit.search()[0]
    _as_insider(
        "INSERT INTO access_audit (at, actor, role, address, action, target, detail, "
        f"prev_hash, hash) VALUES ('2026-01-01 00:00:00', 'user:x', 'admin', '', 'signin', "
        f"'x', '{{}}', '{row['hash']}', '{'f' * 64}')",
        f"UPDATE access_audit_head SET last_hash = '{'f' * 64}'",
    )
    assert audit.verify().reason == "the entry was changed after it was written"


def test_auditor_page_filters_verifies_and_exports(client: TestClient) -> None:
    make_user("analyst")
    sign_in_as(client, "auditor")
    page = client.get("/audit", params={"action": "user_created"})
    assert page.status_code == 200 and "user_created" in page.text
    assert 'id="audit-verdict" class="ok"' in page.text
    export = client.get("/audit/export.csv", params={"action": "user_created"})
    assert export.headers["content-type"].startswith("text/csv")
    lines = export.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,at,actor") and len(lines) == 3  # two users made
    assert client.get("/audit", params={"action": "nonsense"}).status_code == 422
    assert "export" in actions(target="/audit/export.csv")


def test_only_auditors_and_admins_read_the_trail(client: TestClient) -> None:
    sign_in_as(client, "analyst")
    assert client.get("/audit").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_search_cli_filters_by_action(client: TestClient) -> None:
    from cockpit.cli import app

    make_user("leader")
    out = CliRunner().invoke(app, ["audit", "search", "--action", "user_created", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["count"] == 1
    bad = CliRunner().invoke(app, ["audit", "search", "--action", "stroll"])
    assert bad.exit_code == 2


@pytest.mark.postgres
def test_on_postgresql_the_trail_is_append_only_and_verifies(postgres_url: str) -> None:
    from cockpit.db import make_engine, upgrade

    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    try:
        audit.append(
            [audit.Entry("signin", f"user-{n}", actor=f"user:u{n}") for n in range(3)],
            engine=engine,
        )
        assert audit.verify(engine=engine).ok
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("UPDATE access_audit SET actor = 'user:nobody'"))
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("DELETE FROM access_audit"))
    finally:
        engine.dispose()
