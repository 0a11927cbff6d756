"""A car round and a trade-in round run from the command line, four eyes, refusals named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cockpit.cli import app
from tests.programmes.helpers import car_facts, resident_id, trade_in_facts


def _run(*args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == code, result.output
    return json.loads(result.output)["data"] if code == 0 else result.output


def _round(programme: str, facts: dict[str, Any], buyer: str, tmp: Path) -> str:
    path = tmp / f"{buyer}.json"
    path.write_text(json.dumps(facts), "utf-8")
    got = _run("programmes", "apply", programme, "--applicant", buyer, "--facts", str(path))
    aid = str(got["application_id"])
    assert got["status"] == "submitted"
    assert _run("programmes", "approve", aid, "--as", "Li")["status"] == "submitted"
    # The same officer cannot check their own proposal.
    assert "officer" in _run(
        "programmes", "approve", aid, "--as", "Li", "--key", "k-again-1", code=2
    )
    assert _run("programmes", "approve", aid, "--as", "Wang")["status"] == "approved"
    _run("programmes", "disburse", aid, "--as", "Wang")
    assert _run("programmes", "disburse", aid, "--as", "Zhao")["status"] == "disbursed"
    return aid


def test_a_car_round_and_a_trade_in_round(cockpit_home: Path, tmp_path: Path) -> None:
    _run("programmes", "install", "chongqing-car-2023")
    _run("programmes", "install", "appliance-trade-in-2025")
    _round("chongqing-car-2023", car_facts(159_800, "C-1"), resident_id(1), tmp_path)
    _round("appliance-trade-in-2025", trade_in_facts(8_000, "T-1"), resident_id(2), tmp_path)
    # The same ID spelt with dashes is the same buyer: a second car is refused, by rule.
    rid = resident_id(1)
    spelt = f"{rid[:6]}-{rid[6:14]}-{rid[14:]}"
    second = _run(
        "programmes",
        "apply",
        "chongqing-car-2023",
        "--applicant",
        spelt,
        "--facts",
        json.dumps(car_facts(89_800, "C-2")),
    )
    assert second["status"] == "rejected"
    assert second["decision"]["refusal"]["rule"] == "one_per_person"
    text = CliRunner().invoke(app, ["programmes", "review", second["application_id"]]).output
    assert "REFUSED by rule one_per_person" in text and "申请人已获批" in text
    appeal = _run(
        "programmes",
        "appeal",
        second["application_id"],
        "--applicant",
        spelt,
        "--grounds",
        "the first car was returned",
    )
    assert appeal["stage"] == "lodged"
    car = _run("programmes", "leverage", "chongqing-car-2023")
    assert car["gross_leverage"] == 79.9 and car["reported"]["gross_leverage"] == 63.8
    fridge = _run("programmes", "leverage", "appliance-trade-in-2025")
    assert fridge["gross_leverage"] == 5.0 and fridge["reported"] is None  # 8,000 / 1,600
    assert "以旧换新" in fridge["label_zh"]
    assert _run("ledger", "verify")["ok"] is True


def test_bad_facts_name_the_field(cockpit_home: Path) -> None:
    _run("programmes", "install", "chongqing-car-2023")
    out = _run(
        "programmes",
        "apply",
        "chongqing-car-2023",
        "--applicant",
        resident_id(3),
        "--facts",
        json.dumps(car_facts(159_800, "C-9", purchase_date="2023-13-01")),
        code=2,
    )
    assert "purchase_date" in out
    assert "applicant" in _run(
        "programmes", "apply", "chongqing-car-2023", "--applicant", "123", "--facts", "{}", code=2
    )
