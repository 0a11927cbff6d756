"""``cockpit scenarios ...`` verbs, the demo step, the sample file, and a quiet jieba."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rich.console import Console
from typer.testing import CliRunner

from cockpit.datafiles import DataFileError
from cockpit.db import upgrade
from cockpit.demo import DemoContext
from cockpit.scenarios import ocds, sample
from cockpit.scenarios.commands import app, demo_step

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_imports_lists_matches_and_exports(cockpit_home: Path) -> None:
    assert json.loads(run("import", "--json"))["data"] == {
        "scenarios": 30,
        "firms": 25,
        "solutions": 40,
    }
    listed = json.loads(run("list", "--sector", "education", "--json"))
    assert listed["count"] == 5
    matched = json.loads(run("match", "S16", "--limit", "2", "--json"))
    assert matched["data"][0]["id"] == "P24" and matched["count"] == 2
    run("draft", "S16", "--call-id", "C16", "--as", "unit:永川区教育委员会")
    run("step", "C16", "publish", "--as", "unit:永川区教育委员会")
    out = cockpit_home / "ocds.json"
    assert json.loads(run("export", "--out", str(out), "--json"))["data"]["rows"] == 1
    assert ocds.validate_package(json.loads(out.read_text("utf-8"))) == []
    assert "C16" in run("show", "C16")


def import_with_deadlines_ahead() -> None:
    """The sample, with deadlines a year ahead: the CLI signs at the current time."""
    upgrade()
    data = sample.sample_data()
    ahead = date.today() + timedelta(days=365)
    data.scenarios = [n.model_copy(update={"deadline": ahead}) for n in data.scenarios]
    sample.load_sample(data=data)


@pytest.mark.slow
def test_a_call_runs_end_to_end_from_the_command_line(cockpit_home: Path) -> None:
    unit, op = "unit:南岸区体育局", "operator:平台运营"
    import_with_deadlines_ahead()
    run("draft", "S21", "--call-id", "C21", "--as", unit)
    for step in ("publish", "open"):
        run("step", "C21", step, "--as", unit)
    apps = {}
    for firm, price in (("F19", "50000000"), ("F22", "45000000")):
        made = run(
            "apply",
            "C21",
            firm,
            "--price-fen",
            price,
            "--json",
            "--proposal",
            f"{firm}体感交互健身方案，含动作识别与数据记录。",
        )
        apps[firm] = json.loads(made)["data"]["id"]
    run("step", "C21", "close", "--as", unit)
    run("seat", "C21", "R1", "--name", "周教练", "--as", op)
    run("seat", "C21", "R2", "--name", "吴博士", "--as", op)
    run("conflict", "C21", "R2", "--firm", "F19", "--reason", "F19股东", "--as", "reviewer:R2")
    conflicted = runner.invoke(
        app,
        [
            "score",
            "C21",
            apps["F19"],
            "R2",
            "--sheet",
            '{"technical": 99, "capability": 99, "feasibility": 99, "price": 99}',
        ],
    )
    assert conflicted.exit_code == 1 and "conflict of interest" in conflicted.output
    sheets = {("R1", "F19"): 90, ("R1", "F22"): 70, ("R2", "F22"): 75}
    for (rev, firm), tech in sheets.items():
        sheet = json.dumps({"technical": tech, "capability": 80, "feasibility": 80, "price": 80})
        run("score", "C21", apps[firm], rev, "--sheet", sheet)
    run("step", "C21", "review", "--as", op)
    assert "winner" in run("step", "C21", "award", "--as", op)
    run("step", "C21", "contract", "--as", unit)
    run("step", "C21", "deliver", "--as", "firm:F19", "--text", "健身镜20台安装调试完成")
    run("step", "C21", "accept", "--as", unit, "--text", "验收合格")
    assert "added to the library" in run(
        "promote", "C21", "--results", "月均服务3000人次", "--as", op
    )
    counts = json.loads(run("counts", "--json"))["data"]
    assert counts["cases"] == 1 and counts["cases_by_sector"] == {"sports": 1}


def test_cli_refusal_is_one_line_and_exit_code_1(cockpit_home: Path) -> None:
    run("import")
    run("draft", "S16", "--call-id", "C16", "--as", "unit:永川区教育委员会")
    result = runner.invoke(app, ["step", "C16", "award", "--as", "operator:平台"])
    assert result.exit_code == 1
    assert "refused: call C16 is draft" in result.output


@pytest.mark.slow
def test_demo_step_runs_one_call_to_the_case_library(cockpit_home: Path) -> None:
    ctx = DemoContext(
        home=cockpit_home,
        sample_dir=cockpit_home / "sample-city",
        scale="tiny",
        seed=7,
        console=Console(quiet=True),
    )
    summary = demo_step(ctx)
    assert "C-2026-001" in summary and "accepted" in summary and "1 case(s)" in summary
    assert demo_step(ctx) == summary  # a second run reports, it does not load twice
    events = pq.read_table(cockpit_home / "lake" / "scenario_events" / "part-scenarios.parquet")
    assert events.schema.field("ts").type == pa.timestamp("us")
    awards = [r for r in events.to_pylist() if r["action"] == "award"]
    assert awards[0]["amount_fen"] == 72_000_000 and awards[0]["district_code"] == "500103"


def test_sample_file_mistakes_name_the_line_and_field(tmp_path: Path) -> None:
    text = sample.data_path("sample.yaml").read_text("utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace('district_code: "500112"', 'district_code: "999999"', 1), "utf-8")
    with pytest.raises(DataFileError) as caught:
        sample.sample_data(bad)
    assert "scenarios.0.district_code" in str(caught.value)
    assert caught.value.line == text.splitlines().index('    district_code: "500112"') + 1


@pytest.mark.slow
def test_jieba_loads_without_printing_to_stderr() -> None:
    code = "from cockpit.scenarios.matching import tokenize; print(tokenize('数字孪生工厂'))"
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stderr == ""
    assert "数字孪生" in done.stdout


def test_public_api_resolves_and_the_cli_module_loads_no_models() -> None:
    import cockpit.scenarios as room

    # Every public name resolves: functions and classes, and constants (upper-case names).
    assert all(callable(getattr(room, name)) or name.isupper() for name in room.__all__)
    code = (
        "import sys, cockpit.scenarios.commands; "
        "print('cockpit.scenarios.models' in sys.modules, 'sqlalchemy.orm' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
