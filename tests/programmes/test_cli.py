"""The programmes' command line: install a shipped programme, run a round, report in JSON."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cockpit.cli import app


def _json(args: list[str]) -> dict[str, object]:
    """The ``--json`` envelope of a verb: ``data``, and ``count`` for a list."""
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    parsed: dict[str, object] = json.loads(result.output)
    return parsed


def _data(args: list[str]) -> dict[str, object]:
    data: dict[str, object] = _json(args)["data"]  # type: ignore[assignment]
    return data


def test_install_open_status_flags_export_and_effect(cockpit_home: Path) -> None:
    assert "yuzhong-vouchers-2025" in _data(["programmes", "list"])["shipped"]  # type: ignore[operator]
    _json(["programmes", "install", "yuzhong-vouchers-2025"])
    _json(["programmes", "install", "chongqing-car-2023"])
    release = ["programmes", "open-round", "yuzhong-vouchers-2025", "1"]
    assert _data([*release, "--as", "Officer Li"]) == {"round_id": None, "status": "proposed"}
    assert _data([*release, "--as", "Officer Wang"])["round_id"] == 1
    status = _data(["programmes", "status", "yuzhong-vouchers-2025"])
    assert status["budget_left_fen"] == 300_000_000  # 60 % kept for rounds 2 and 3
    assert _json(["programmes", "flags", "yuzhong-vouchers-2025"])["count"] == 0
    path = Path(str(_data(["programmes", "export"])["path"]))
    assert path.name == "part-programmes.parquet" and path.exists()
    effect = _data(["programmes", "effect", "chongqing-car-2023"])
    shown = effect["side_by_side"]
    # Nothing paid yet: nothing computed; the seed's figure is shown as reported, rounded.
    assert shown[0]["value"] is None  # type: ignore[index]
    assert "带券" not in shown[0]["label_zh"]  # type: ignore[index]
    assert effect["reported"]["gross_leverage"] == 63.8  # type: ignore[index]
    assert effect["reported"]["source"].startswith("seed 001")  # type: ignore[index]
    assert _data(["ledger", "verify"])["ok"] is True


def test_validate_names_the_line_and_fails(cockpit_home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("programme:\n  kind: rent_subsidy\n  code: x\n", "utf-8")
    result = CliRunner().invoke(app, ["programmes", "validate", str(bad)])
    assert result.exit_code == 2 and "line 3: programme.code" in result.output
