"""Manual figures kept as history, snapshots, the Excel export, the CLI and the HTTP API."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from cockpit.cli import app
from cockpit.db import session_scope, upgrade
from cockpit.plans import all_progress, enter_figure, take_snapshot, write_workbook
from cockpit.plans.store import ProgressSnapshot, figure_history


@pytest.fixture
def db(cockpit_home: Path) -> Path:
    upgrade()
    return cockpit_home


def _target(plan_id: str, target_id: str) -> dict[str, object]:
    with session_scope() as session:
        plans = {p.plan.id: p for p in all_progress(session=session)}
    return next(t.to_dict() for t in plans[plan_id].targets if t.target_id == target_id)


def test_manual_figures_are_history_and_the_latest_date_wins(db: Path) -> None:
    args = {"plan_id": "chongqing-ai-2023-2025", "target_id": "ai_firms"}
    enter_figure(**args, value=40, as_of=date(2024, 12, 31), source="市经信委年报", entered_by="li")
    enter_figure(**args, value=25, as_of=date(2023, 12, 31), source="市经信委年报", entered_by="li")
    with session_scope() as session:
        history = figure_history(session, **args)
    assert [f.value for f in history] == [40, 25]
    target = _target(**args)
    assert target["actual"] == 40
    assert target["actual_year"] == 2024
    # Linear from 0 (2022) to 100 (2025): 66.7 required in 2024; 40 is well behind.
    assert target["required_now"] == pytest.approx(200 / 3)
    assert target["status"] == "off_track"


def test_a_money_figure_in_yuan_is_kept_in_fen(db: Path) -> None:
    enter_figure(
        plan_id="chongqing-metaverse-2023-2025",
        target_id="industry_scale",
        value=120e9,
        as_of=date(2025, 12, 31),
        source="统计公报",
        entered_by="wang",
    )
    target = _target("chongqing-metaverse-2023-2025", "industry_scale")
    assert target["actual"] == pytest.approx(120e9 * 100)
    assert target["status"] == "achieved"


def test_a_figure_for_an_unknown_target_is_refused(db: Path) -> None:
    with pytest.raises(KeyError):
        enter_figure(
            plan_id="chongqing-ai-2023-2025",
            target_id="nope",
            value=1,
            as_of=date(2025, 1, 1),
            source="x",
            entered_by="y",
        )


def test_targets_without_figures_have_no_data(db: Path) -> None:
    assert _target("chongqing-ai-2023-2025", "clusters")["status"] == "no_data"


def test_snapshots_store_every_target(db: Path) -> None:
    with session_scope() as session:
        progress = take_snapshot(session=session)
    with session_scope() as session:
        stored = session.query(ProgressSnapshot).count()
    assert stored == sum(len(p.targets) for p in progress) > 0


def test_excel_export_lists_every_target_and_task(db: Path, tmp_path: Path) -> None:
    with session_scope() as session:
        progress = all_progress(session=session)
    path = write_workbook(progress, tmp_path / "status.xlsx")
    book = load_workbook(path)
    targets = list(book["目标 Targets"].iter_rows(min_row=2, values_only=True))
    assert len(targets) == sum(len(p.targets) for p in progress)
    yuzhong = next(r for r in targets if r[2] == "Total retail sales of consumer goods")
    assert yuzhong[7] == pytest.approx(2000.0)  # 200 billion yuan = 2,000 亿元
    assert len(list(book["任务 Tasks"].iter_rows(min_row=2))) == 14


def test_cli_status_json_lists_every_plan(db: Path) -> None:
    result = CliRunner().invoke(app, ["plans", "status", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["count"] == 4
    statuses = {t["status"] for p in payload["data"] for t in p["targets"]}
    assert statuses <= {"on_track", "at_risk", "off_track", "achieved", "no_data"}


def test_cli_add_refuses_a_broken_file_naming_the_line(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nname_zh: [unclosed\n", "utf-8")
    result = CliRunner().invoke(app, ["plans", "add", str(path)])
    assert result.exit_code == 2
    assert "line 2" in result.output


def test_http_api_enters_a_figure_with_an_operator_key_only(db: Path) -> None:
    from cockpit.web.app import create_app
    from cockpit.web.auth import create_api_key

    operator = create_api_key(role="operator", name="市商务委 张三").token
    merchant = create_api_key(role="merchant", name="shop").token
    client = TestClient(create_app())
    url = "/api/plans/chongqing-ai-2023-2025/targets/ai_products/figures"
    body = {"value": 55, "as_of": "2024-12-31", "source": "年报"}
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers={"X-API-Key": merchant}).status_code == 403
    created = client.post(url, json=body, headers={"X-API-Key": operator})
    assert created.status_code == 201, created.text
    assert created.json()["entered_by"] == "市商务委 张三"
    listed = client.get("/api/plans", headers={"X-API-Key": operator}).json()
    ai = next(p for p in listed["data"] if p["id"] == "chongqing-ai-2023-2025")
    assert next(t for t in ai["targets"] if t["target_id"] == "ai_products")["actual"] == 55
    missing = client.post(
        "/api/plans/chongqing-ai-2023-2025/targets/nope/figures",
        json=body,
        headers={"X-API-Key": operator},
    )
    assert missing.status_code == 404
