"""The HTTP API and the CLI over the sample registry: shapes, downloads, refusals."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from cockpit.cli import app as cli_app
from tests.access.helpers import sign_in_as


def test_the_chain_tree_colours_every_node_by_coverage(
    client: TestClient, city: tuple[Path, dict[str, Any]]
) -> None:
    _, truth = city
    body = client.get("/api/industry/chains/metaverse/tree").json()
    nodes = [n for seg in body["tree"]["children"] for n in seg["children"]]
    assert len(nodes) == 21
    gaps = {n["id"] for n in nodes if n["coverage"] == "gap"}
    expected = truth["gap_nodes"]["metaverse"]
    assert gaps == set(expected["empty"]) | set(expected["small_only"])
    assert all(n["itemStyle"]["color"] == body["colours"][n["coverage"]] for n in nodes)


def test_a_node_opens_its_firms(client: TestClient, city: tuple[Path, dict[str, Any]]) -> None:
    _, truth = city
    node = truth["gap_nodes"]["metaverse"]["small_only"][0]
    body = client.get(f"/api/industry/chains/metaverse/nodes/{node}").json()
    assert body["coverage"] == "gap" and body["confirmed"]
    assert set(body["confirmed"][0]) == {
        "credit_code",
        "name_zh",
        "district_code",
        "size",
        "revenue_fen",
        "designations",
        "status",
    }


def test_firm_filters_and_download_agree(client: TestClient) -> None:
    params = {"chain": "metaverse", "designation": "head_firm"}
    listed = client.get("/api/industry/firms", params=params).json()
    assert listed["count"] == len(listed["data"]) > 0
    assert all("head_firm" in f["designations"] for f in listed["data"])
    assert all(any(n.startswith("metaverse/") for n in f["nodes"]) for f in listed["data"])
    download = client.get("/api/industry/firms.xlsx", params=params)
    assert download.headers["content-disposition"].startswith("attachment")
    ws = load_workbook(BytesIO(download.content)).active
    assert ws is not None and ws.max_row == listed["count"] + 1


def test_the_gap_download_lists_every_gap_with_its_candidates(client: TestClient) -> None:
    gaps = client.get("/api/industry/gaps").json()
    ws = load_workbook(BytesIO(client.get("/api/industry/gaps.xlsx").content)).active
    assert ws is not None
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert {r[2] for r in rows} == {g["node_zh"] for g in gaps["data"]}
    assert len(rows) == sum(max(1, len(g["candidates"])) for g in gaps["data"])


def test_firms_by_district_add_up_to_the_registry(client: TestClient) -> None:
    body = client.get("/api/industry/districts").json()
    listed = client.get("/api/industry/firms").json()
    assert sum(i["value"] for i in body["items"]) == listed["count"]


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/industry/chains/nope/tree", 404),
        ("/api/industry/chains/metaverse/nodes/nope", 404),
        ("/api/industry/gaps?chain=nope", 404),
        ("/api/industry/firms?size=giant", 422),
        ("/api/industry/firms?q=" + "x" * 200, 422),
        ("/api/industry/chains/metaverse/tree?lang=fr", 422),
    ],
)
def test_bad_requests_are_4xx_naming_the_problem(client: TestClient, url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status
    body = response.json()
    assert body["code"] and body["message"]


def test_the_page_lays_out_the_chain_gaps_and_firms(client: TestClient) -> None:
    page = client.get("/industry?chain=ai&lang=en")
    assert page.status_code == 200
    assert 'data-industry-tree data-src="/api/industry/chains/ai/tree?lang=en"' in page.text
    assert 'id="gaps"' in page.text and 'id="firms"' in page.text


def test_the_cli_prints_json_and_refuses_bad_codes(home: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(cli_app, ["industry", "check-code", "914403001922038216", "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["data"][0]["valid"]
    bad = runner.invoke(cli_app, ["industry", "check-code", "91350100M000100Y4Z"])
    assert bad.exit_code == 1 and "outside the GB 32100 set" in bad.stdout
    gaps = runner.invoke(cli_app, ["industry", "gaps", "--json"])
    assert gaps.exit_code == 0 and json.loads(gaps.stdout)["count"] > 0
    unknown = runner.invoke(cli_app, ["industry", "map", "nope"])
    assert unknown.exit_code == 1 and "no chain 'nope'" in unknown.stderr


def test_the_cli_load_reports_refused_rows(home: Path, city: tuple[Path, dict[str, Any]]) -> None:
    out, truth = city
    kind, rel = truth["load_order"][4]  # the chain links, one bad row
    result = CliRunner().invoke(cli_app, ["industry", "load", kind, str(out / rel), "--json"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)["data"][0]
    assert report["reasons"] == {"unknown_node": 1}


def test_a_firms_history_shows_every_version_and_its_other_ids(
    client: TestClient, city: tuple[Path, dict[str, Any]]
) -> None:
    _, truth = city
    changed = truth["changed_firms"][0]
    body = client.get(f"/api/industry/firms/{changed.lower()}").json()
    assert body["credit_code"] == changed and body["version"] == 2
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert body["versions"][0]["source_file"] == "企业库.xlsx" and body["versions"][0]["line"] > 1
    assert body["designations"]
    scenario_firm = client.get(
        "/api/industry/firms", params={"q": "重庆智造孪生科技有限公司"}
    ).json()
    code = scenario_firm["data"][0]["credit_code"]
    refs = client.get(f"/api/industry/firms/{code}").json()["references"]
    assert refs == [{"room": "scenarios", "ref_id": "F01"}]
    assert client.get("/api/industry/firms/91350100M000100Y43").status_code == 404


def test_the_cli_shows_a_firms_versions(home: Path, city: tuple[Path, dict[str, Any]]) -> None:
    _, truth = city
    result = CliRunner().invoke(cli_app, ["industry", "firm", truth["changed_firms"][0], "--json"])
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["data"]["versions"]) == 2


def test_refused_rows_are_served_with_file_line_and_reason(
    client: TestClient, city: tuple[Path, dict[str, Any]]
) -> None:
    _, truth = city
    body = client.get("/api/industry/rejects").json()
    got = {(r["file"], r["line"], r["reason"]) for r in body["data"]}
    assert got == {(Path(b["file"]).name, b["line"], b["reason"]) for b in truth["bad_rows"]}
    assert client.get("/api/industry/rejects?limit=0").status_code == 422


def test_a_name_search_takes_percent_and_underscore_literally(client: TestClient) -> None:
    assert client.get("/api/industry/firms", params={"q": "%"}).json()["count"] == 0
    assert client.get("/api/industry/firms", params={"q": "_"}).json()["count"] == 0
    assert client.get("/api/industry/firms", params={"q": "元宇宙"}).json()["count"] > 0


def test_a_district_official_reads_the_firms_of_their_districts_only(home: Path) -> None:
    from cockpit.web.app import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as city:
        sign_in_as(city, "analyst")
        every = city.get("/api/industry/firms").json()["data"]
    district = every[0]["district_code"]
    with TestClient(create_app(), raise_server_exceptions=False) as official:
        sign_in_as(official, "district_official", districts=[district])
        seen = official.get("/api/industry/firms").json()["data"]
        assert seen and {f["district_code"] for f in seen} == {district}
        assert len(seen) == sum(f["district_code"] == district for f in every)
        other = next(f for f in every if f["district_code"] != district)
        assert official.get(f"/api/industry/firms/{other['credit_code']}").status_code == 404
        # City-wide firm-level views (a node's firms, the gap list) are not for a district.
        assert official.get("/api/industry/gaps").status_code == 403
