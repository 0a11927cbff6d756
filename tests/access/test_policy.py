"""Roles as data: the policy file is validated, and every route declares its permission."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.access import PolicyError, load_policy, policy
from cockpit.access.policy import POLICY_PATH
from cockpit.web.app import declared_routes
from cockpit.web.auth import route_permissions

ROLES = {
    "leader", "analyst", "district_official", "programme_officer", "reviewer", "auditor",
    "admin", "merchant", "firm", "claimant_app",
}  # fmt: skip


def test_every_route_declares_exactly_one_known_permission() -> None:
    missing, unknown = [], []
    for route in declared_routes():
        perms = set(route_permissions(route.dependant))
        assert route.methods is not None
        where = f"{sorted(route.methods)} {route.path}"
        if not perms:
            missing.append(where)
        unknown += [f"{where}: {p}" for p in perms if p not in policy().permissions]
    assert missing == [], f"routes without a permission: {missing}"
    assert unknown == []
    assert len(declared_routes()) > 60  # the enumeration found the rooms' routes


def test_only_static_files_the_api_description_and_sign_in_are_public() -> None:
    public = {r.path for r in declared_routes() if route_permissions(r.dependant) == ["public"]}
    assert public == {
        "/login", "/login/oidc", "/login/oidc/callback", "/docs", "/openapi.json",
        "/static/{name}", "/static/vendor/{name}",
        "/static/vendor/chongqing.geojson",
    }  # fmt: skip


def test_the_issue_roles_and_api_principals_are_in_the_policy() -> None:
    assert set(policy().roles) >= ROLES
    assert policy().role("district_official").scope == "districts"
    assert {policy().role(r).scope for r in ("merchant", "firm", "claimant_app")} == {"registry"}


def test_the_auditor_reads_everything_and_changes_nothing() -> None:
    auditor = policy().role("auditor").permissions
    assert {"audit.read", "records.read", "data.read"} <= auditor
    changes = {p for p in auditor if not p.endswith((".read", ".inspect"))}
    assert changes == set()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            (
                "    permissions: [self.read, cockpit.read, data.read, records.read, "
                "industry.read, programmes.read]\n",
                "    permissions: [self.read, cockpit.reed]\n",
            ),
            "unknown permission 'cockpit.reed'",
        ),
        (("    scope: districts\n", "    scope: province\n"), "scope 'province'"),
        (("    kind: key\n", "    kind: robot\n"), "kind 'robot'"),
    ],
)
def test_a_bad_policy_is_refused_naming_its_line(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    text = POLICY_PATH.read_text(encoding="utf-8")
    assert edit[0] in text
    broken = text.replace(edit[0], edit[1], 1)
    path = tmp_path / "policy.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(PolicyError, match=message) as err:
        load_policy(path)
    line = int(str(err.value).split(":")[1])
    assert broken.splitlines()[line - 1] == edit[1].rstrip("\n")  # the line at fault


def test_every_json_operation_declares_its_response_schema() -> None:
    from cockpit.web.app import create_app

    spec = create_app().openapi()
    missing = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            ok = next(c for c in op["responses"] if c.startswith("2"))
            content = op["responses"][ok].get("content", {})
            if "application/json" in content and not content["application/json"].get("schema"):
                missing.append(f"{method.upper()} {path}")
    assert len(spec["paths"]) > 50 and missing == []
