"""The programmes' budget burn-down: every fen of the ledger where it belongs, at the end."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.access.helpers import sign_in_as
from tests.programmes.helpers import car_facts

VOUCHERS = "burn-vouchers"
CAR = "chongqing-car-2023"
PACKS = 6


def voucher_yaml(opens: datetime) -> str:
    """Six packs of 2×5 + 2×10 + 1×20 yuan, one round open now; leftovers to the treasury."""
    closes = opens + timedelta(hours=2)
    return f"""
programme:
  kind: consumption_voucher
  code: {VOUCHERS}
  name_zh: 燃尽测试券
  name_en: Burn-down test vouchers
  budget_yuan: {PACKS * 50 * 2}
  pack:
    - {{face_yuan: 5, threshold_yuan: 20, count: 2}}
    - {{face_yuan: 10, threshold_yuan: 40, count: 2}}
    - {{face_yuan: 20, threshold_yuan: 80, count: 1}}
  eligibility: {{categories: [RS01]}}
  limits: {{per_person_per_round: 1, per_person_total: 2}}
  rounds:
    - {{opens_at: '{opens.isoformat()}', closes_at: '{closes.isoformat()}', budget_share: 0.5}}
  validity_days: 7
  roll_over: treasury
"""


def run_programmes() -> None:
    """Through the programmes room's own API: claims, payments, refunds, a round closed,
    vouchers expired, a subsidy approved and one paid."""
    from cockpit.db import upgrade
    from cockpit.programmes import (
        apply,
        claim,
        close_round,
        disburse,
        enrol_merchants,
        expire_due,
        install_programme,
        open_round,
        redeem,
        refund,
        review,
        shipped,
    )
    from cockpit.programmes.rules import parse_programme
    from cockpit.programmes.vouchers import Identity

    upgrade()
    now = datetime.now().astimezone()
    install_programme(programme=parse_programme(voucher_yaml(now - timedelta(hours=1))))
    rid = open_round(programme_code=VOUCHERS, no=1)
    enrol_merchants(
        programme_code=VOUCHERS,
        merchants=[{"merchant_id": "m1", "category_code": "RS01", "district_code": "500103"}],
    )
    packs = [
        claim(round_id=rid, idem_key=f"burn-claim-{n}", who=Identity(person=f"ps:{n:032x}"))
        for n in range(4)
    ]
    for n, pack in enumerate(packs[:3]):
        voucher = next(v for v in pack.vouchers if v["face_fen"] == 500)
        redeem(
            idem_key=f"burn-pay-{n}",
            voucher_id=voucher["voucher_id"],
            merchant_id="m1",
            txn_id=f"t{n}",
            bill_fen=2_000,
            payer=f"ps:{n:032x}",
        )
    refund(idem_key="burn-refund-0", merchant_id="m1", txn_id="t0", amount_fen=2_000)  # restored
    refund(idem_key="burn-refund-1", merchant_id="m1", txn_id="t1", amount_fen=1_700)  # clawback
    close_round(round_id=rid)
    expire_due(now=now + timedelta(days=30))
    install_programme(programme=shipped(CAR))
    for n, price in enumerate((159_800, 259_800)):
        app = apply(
            programme_code=CAR,
            idem_key=f"burn-apply-{n}",
            applicant=f"ps:car{n:029x}",
            facts=car_facts(price, f"INV-{n}"),
        )
        for officer in ("tester", "checker"):  # four eyes
            review(
                application_id=app["application_id"],
                idem_key=f"burn-review-{n}-{officer}",
                decision="approve",
                reviewer=officer,
            )
        for officer in ("tester", "checker"):
            if n == 0:
                disburse(
                    application_id=app["application_id"],
                    idem_key=f"burn-disburse-0-{officer}",
                    officer=officer,
                )


@pytest.fixture
def client(cockpit_home: Path) -> Iterator[TestClient]:
    from cockpit.web.app import create_app

    run_programmes()
    with TestClient(create_app()) as c:
        sign_in_as(c, "analyst")
        yield c


def ledger_of(home: Path, code: str) -> tuple[int, int, list[tuple[str, str, int]]]:
    """The programme's budget and its ledger rows (debit, credit, fen), read with sqlite3."""
    with sqlite3.connect(home / "cockpit.sqlite") as db:
        pid, budget = db.execute(
            "SELECT id, budget_fen FROM prog_programmes WHERE code = ?", [code]
        ).fetchone()
        rows = db.execute(
            "SELECT debit, credit, amount_fen FROM prog_ledger WHERE programme_id = ?", [pid]
        ).fetchall()
    return int(pid), int(budget), [(d, c, int(a)) for d, c, a in rows]


def net_into(rows: list[tuple[str, str, int]], prefixes: tuple[str, ...]) -> int:
    """Fen credited to accounts starting with ``prefixes`` less fen debited from them."""
    into = sum(a for _, credit, a in rows if credit.startswith(prefixes))
    out = sum(a for debit, _, a in rows if debit.startswith(prefixes))
    return into - out


def burndown(client: TestClient, code: str, lang: str = "en") -> dict[str, Any]:
    body: dict[str, Any] = client.get(
        "/api/cockpit/programmes/burndown", params={"programme": code, "lang": lang}
    ).json()
    assert body["available"] and body["programme"] == code
    return body


@pytest.mark.parametrize("code", [VOUCHERS, CAR])
def test_budget_left_at_the_end_is_the_budget_less_the_ledgers_net_flows(
    client: TestClient, cockpit_home: Path, code: str
) -> None:
    pid, budget, rows = ledger_of(cockpit_home, code)
    body = burndown(client, code)
    funding = [a for d, c, a in rows if d == f"treasury:{pid}" and c == f"budget:{pid}"]
    out_of_budget = sum(a for d, _, a in rows if d == f"budget:{pid}")
    back_to_budget = sum(a for d, c, a in rows if c == f"budget:{pid}" and d != f"treasury:{pid}")
    end = body["end"]
    assert funding == [budget] and body["budget_fen"] == budget
    assert end["remaining_fen"] == budget - out_of_budget + back_to_budget
    assert end["spent_fen"] == net_into(rows, ("merchant:", "paid:"))
    assert end["committed_fen"] == net_into(rows, ("round:", "holder:", "firm:"))
    assert end["returned_fen"] == net_into(rows, ("treasury:",)) + budget
    assert sum(end[k] for k in ("remaining_fen", "committed_fen", "spent_fen", "returned_fen")) == (
        budget
    )


def test_burn_down_starts_at_the_full_budget_and_agrees_with_the_rooms_status(
    client: TestClient,
) -> None:
    from cockpit.programmes import programme_status

    body = burndown(client, VOUCHERS, lang="zh-CN")
    series = {s["key"]: s["values"] for s in body["series"]}
    assert set(series) == {"remaining", "committed", "spent", "returned"}
    assert body["unit"] == "元" and body["budget_fen"] == PACKS * 50 * 2 * 100
    assert series["remaining"][0] * 100 == body["budget_fen"]
    assert series["committed"][0] == series["spent"][0] == 0
    assert all(len(v) == len(body["x"]) for v in series.values())
    assert body["x"] == sorted(body["x"])
    status = programme_status(VOUCHERS)
    assert body["end"]["remaining_fen"] == status["budget_left_fen"]
    assert series["remaining"][-1] * 100 == status["budget_left_fen"]
    for i in range(len(body["x"])):
        total = sum(v[i] for v in series.values())
        assert total == pytest.approx(body["budget_fen"] / 100)


def test_burn_down_follows_the_ledger_as_it_grows(client: TestClient) -> None:
    from cockpit.programmes import review
    from cockpit.programmes.subsidies import apply

    before = burndown(client, CAR)["end"]
    app = apply(
        programme_code=CAR,
        idem_key="burn-apply-late",
        applicant="ps:late",
        facts=car_facts(89_800, "INV-late"),
    )
    for officer in ("tester", "checker"):  # four eyes
        review(
            application_id=app["application_id"],
            idem_key=f"burn-late-{officer}",
            decision="approve",
            reviewer=officer,
        )
    after = burndown(client, CAR)["end"]
    assert after["remaining_fen"] == before["remaining_fen"] - app["amount_fen"]
    assert after["committed_fen"] == before["committed_fen"] + app["amount_fen"]


SIMULATED = "burn-simulated"


def test_burn_down_spans_a_simulated_rounds_own_dates_not_today(cockpit_home: Path) -> None:
    """A round simulated in 2025 (``now=`` on every operation, as the demo does) is plotted on
    its value dates: funded and released when it opens, claimed, spent, expired a week on."""
    from cockpit.db import upgrade
    from cockpit.programmes import (
        claim,
        enrol_merchants,
        expire_due,
        install_programme,
        open_round,
        redeem,
    )
    from cockpit.programmes.rules import parse_programme
    from cockpit.programmes.vouchers import Identity
    from cockpit.web.app import create_app

    upgrade()
    opens = datetime.fromisoformat("2025-05-01T10:00:00+08:00")
    programme = parse_programme(voucher_yaml(opens).replace(VOUCHERS, SIMULATED))
    install_programme(programme=programme, now=opens)
    rid = open_round(programme_code=SIMULATED, no=1, now=opens)
    enrol_merchants(
        programme_code=SIMULATED,
        merchants=[{"merchant_id": "m1", "category_code": "RS01", "district_code": "500103"}],
    )
    packs = [
        claim(
            round_id=rid,
            idem_key=f"sim-claim-{n}",
            who=Identity(person=f"ps:{n:032x}"),
            now=opens + timedelta(minutes=10 * n),
        )
        for n in range(PACKS)
    ]
    for n, pack in enumerate(packs[:2]):
        redeem(
            idem_key=f"sim-pay-{n}",
            voucher_id=pack.vouchers[0]["voucher_id"],
            merchant_id="m1",
            txn_id=f"sim-t{n}",
            bill_fen=2_000,
            payer=f"ps:{n:032x}",
            now=opens + timedelta(days=1 + n),
        )
    expire_due(now=opens + timedelta(days=7, hours=13))
    with TestClient(create_app()) as c:
        sign_in_as(c, "analyst")
        body = burndown(c, SIMULATED)
    today = datetime.now().strftime("%Y-%m-%d")
    assert body["x"][0] == "2025-05-01 10:00:00"  # the budget as funded, when the round opened
    assert body["x"][-1].startswith("2025-05-08")  # the vouchers expired a week later
    assert body["x"] == sorted(body["x"]) and not any(x.startswith(today) for x in body["x"])
    assert sorted({x[:10] for x in body["x"]}) == [
        "2025-05-01",
        "2025-05-02",
        "2025-05-03",
        "2025-05-08",
    ]
    series = {s["key"]: s["values"] for s in body["series"]}
    assert series["remaining"][0] * 100 == body["budget_fen"]
    assert series["spent"][-1] * 100 == 500 * 2 == body["end"]["spent_fen"]
    assert body["end"]["committed_fen"] == 0  # claimed packs spent or expired, round empty


def test_unknown_programme_shows_the_first_and_none_installed_names_the_command(
    client: TestClient,
) -> None:
    body = client.get("/api/cockpit/programmes/burndown", params={"programme": "nope"}).json()
    assert body["programme"] == VOUCHERS
    assert [p["code"] for p in body["programmes"]] == [VOUCHERS, CAR]


def test_burn_down_without_programmes_names_the_command(cockpit_home: Path) -> None:
    from cockpit.web.app import create_app

    with TestClient(create_app()) as c:
        sign_in_as(c, "analyst")
        body = c.get("/api/cockpit/programmes/burndown").json()
    assert body == {"available": False, "hint": "cockpit programmes install"}


def test_burn_down_is_documented_in_openapi(client: TestClient) -> None:
    assert "/api/cockpit/programmes/burndown" in client.get("/openapi.json").json()["paths"]
