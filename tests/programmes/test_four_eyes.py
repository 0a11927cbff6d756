"""Four eyes and blocked funds: a maker proposes, another officer checks, and only the check
moves money; the budget is committed at approval, so it cannot be promised twice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text

from cockpit.programmes import audit, foureyes, subsidies, vouchers
from cockpit.programmes.rules import PurchaseSubsidy, shipped
from cockpit.programmes.tx import Conflict, NotAllowed
from tests.programmes.helpers import car_facts


def _car(code: str, *, budget: int, four_eyes_above: int = 0) -> PurchaseSubsidy:
    car = shipped("chongqing-car-2023")
    assert isinstance(car, PurchaseSubsidy)
    return car.model_copy(
        update={
            "code": code,
            "budget_yuan": Decimal(budget),
            "four_eyes_above_yuan": Decimal(four_eyes_above),
        }
    )


def _apply(code: str, n: int, engine: Engine) -> str:
    app = subsidies.apply(
        programme_code=code,
        idem_key=f"{code}-apply-{n}",
        applicant=f"ps:{code}-{n}",
        facts=car_facts(159_800, f"INV-{n}"),  # 2,000 yuan
        engine=engine,
    )
    return str(app["application_id"])


def _budget(engine: Engine, code: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT c.balance_fen FROM prog_chains c JOIN prog_programmes p "
                    "ON c.programme_id = p.id WHERE p.code = :c AND c.chain_id LIKE 'p%'"
                ),
                {"c": code},
            ).scalar_one()
        )


def _review(aid: str, officer: str, engine: Engine) -> dict[str, object]:
    return subsidies.review(
        application_id=aid,
        idem_key=f"{aid}-{officer}",
        decision="approve",
        reviewer=officer,
        engine=engine,
    )


def test_the_maker_proposes_and_only_another_officers_check_moves_money(
    engine: Engine, code: str
) -> None:
    vouchers.install_programme(programme=_car(code, budget=10_000), engine=engine)
    aid = _apply(code, 1, engine)
    before = _budget(engine, code)
    proposed = _review(aid, "maker", engine)
    assert proposed["status"] == "submitted" and _budget(engine, code) == before
    with pytest.raises(foureyes.SameOfficer):
        subsidies.review(
            application_id=aid,
            idem_key=f"{aid}-maker-again",
            decision="approve",
            reviewer="maker",
            engine=engine,
        )
    approved = _review(aid, "checker", engine)
    assert approved["status"] == "approved" and _budget(engine, code) == before - 200_000
    for officer in ("cashier", "cashier"):
        asked = subsidies.disburse(
            application_id=aid, idem_key=f"{aid}-pay-1", officer=officer, engine=engine
        )
    assert asked["status"] == "approved"  # the same officer again only replayed the request
    paid = subsidies.disburse(
        application_id=aid, idem_key=f"{aid}-pay-2", officer="treasurer", engine=engine
    )
    assert paid["status"] == "disbursed"
    with engine.connect() as conn:
        made = conn.execute(
            text("SELECT action, maker, checker FROM prog_proposals WHERE subject = :a"),
            {"a": aid},
        ).all()
    assert sorted(made) == [("approve", "maker", "checker"), ("disburse", "cashier", "treasurer")]
    assert audit.verify(engine).ok


def test_funds_are_committed_at_approval_and_cannot_be_promised_twice(
    engine: Engine, code: str
) -> None:
    vouchers.install_programme(programme=_car(code, budget=5_000), engine=engine)
    first, second, third = (_apply(code, n, engine) for n in range(3))
    for aid in (first, second, third):
        _review(aid, "maker", engine)  # proposals promise nothing
    for aid in (first, second):
        assert _review(aid, "checker", engine)["status"] == "approved"
    with pytest.raises(Conflict, match="budget cannot cover"):
        _review(third, "checker", engine)
    assert _budget(engine, code) == 100_000


def test_below_the_declared_amount_one_officer_suffices(engine: Engine, code: str) -> None:
    vouchers.install_programme(
        programme=_car(code, budget=10_000, four_eyes_above=5_000), engine=engine
    )
    aid = _apply(code, 1, engine)
    assert _review(aid, "alone", engine)["status"] == "approved"


def test_the_maker_recorded_beside_the_ledger_cannot_be_changed(sqlite_engine: Engine) -> None:
    code = "four-eyes-maker"
    vouchers.install_programme(programme=_car(code, budget=10_000), engine=sqlite_engine)
    aid = _apply(code, 1, sqlite_engine)
    _review(aid, "maker", sqlite_engine)
    _review(aid, "checker", sqlite_engine)
    with sqlite_engine.begin() as conn:
        conn.execute(
            text("UPDATE prog_proposals SET maker = 'checker' WHERE subject = :a"), {"a": aid}
        )
    problems = [p.message for p in audit.verify(sqlite_engine).problems]
    assert any(f"application {aid} was edited" in m for m in problems), problems


def test_a_paid_subsidy_is_clawed_back_with_four_eyes_and_can_be_appealed(
    sqlite_engine: Engine,
) -> None:
    from cockpit.programmes import appeals

    code = "four-eyes-recover"
    vouchers.install_programme(programme=_car(code, budget=10_000), engine=sqlite_engine)
    aid = _apply(code, 1, sqlite_engine)
    _review(aid, "maker", sqlite_engine)
    _review(aid, "checker", sqlite_engine)
    for officer in ("cashier", "treasurer"):
        subsidies.disburse(
            application_id=aid, idem_key=f"pay-{officer}", officer=officer, engine=sqlite_engine
        )
    before = _budget(sqlite_engine, code)
    kw: dict[str, Any] = {
        "application_id": aid,
        "amount_fen": 50_000,
        "reason": "invoice forged",
        "engine": sqlite_engine,
    }
    proposed = subsidies.claw_back(officer="inspector", **kw)
    assert proposed["awaiting_check"] and _budget(sqlite_engine, code) == before
    with pytest.raises(foureyes.SameOfficer):
        subsidies.claw_back(officer="inspector", **kw)
    subsidies.claw_back(officer="director", **kw)
    assert _budget(sqlite_engine, code) == before + 50_000
    with pytest.raises(NotAllowed, match="between 1 and 150000"):
        subsidies.claw_back(**{**kw, "amount_fen": 150_001}, officer="inspector")
    assert audit.verify(sqlite_engine).ok
    entry = appeals.recovery_of(aid, engine=sqlite_engine)
    lodged = appeals.lodge(
        subject_kind="clawback",
        subject_id=entry,
        appellant=f"ps:{code}-1",
        grounds="the invoice is genuine",
        engine=sqlite_engine,
    )
    appeals.take_up(appeal_id=lodged["id"], officer="judge", engine=sqlite_engine)
    for officer in ("judge", "second judge"):
        decided = appeals.decide(
            appeal_id=lodged["id"],
            outcome="upheld",
            reason="genuine",
            officer=officer,
            engine=sqlite_engine,
        )
    assert decided["stage"] == "upheld" and f"paid:ps:{code}-1" in decided["effect"]
    assert _budget(sqlite_engine, code) == before
    assert audit.verify(sqlite_engine).ok
    with sqlite_engine.begin() as conn:
        conn.execute(text("DELETE FROM prog_proposals WHERE action = 'recover'"))
    problems = [p.message for p in audit.verify(sqlite_engine).problems]
    assert any("that no two officers decided" in m for m in problems), problems
