"""Purchase and trade-in subsidies: every eligibility rule refuses what it should with its
rule and reason; trade-in amounts and both payout flows; grants stop at the budget under
concurrent applications (SQLite and PostgreSQL); leverage equals an independent computation.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from cockpit.datafiles import DataFileError
from cockpit.programmes import ledger, subsidies, vouchers
from cockpit.programmes.leverage import computed
from cockpit.programmes.models import LedgerRow
from cockpit.programmes.rules import parse_programme, shipped
from cockpit.programmes.tx import Conflict, LimitReached, NotAllowed
from tests.programmes.helpers import APPLIANCE_SELLER, car_facts, trade_in_facts, vin_for

BUYER = "ps:" + "a" * 32


def _install(code: str, name: str, engine: Engine, **update: Any) -> None:
    programme = shipped(name).model_copy(update={"code": code, **update})
    vouchers.install_programme(programme=programme, engine=engine)


def _apply(code: str, facts: dict[str, Any], engine: Engine, who: str = BUYER) -> dict[str, Any]:
    return subsidies.apply(
        programme_code=code,
        idem_key=hashlib.sha256(
            f"{code}{who}{json.dumps(facts, sort_keys=True)}".encode()
        ).hexdigest()[:40],
        applicant=who,
        facts=facts,
        engine=engine,
    )


def _grant(aid: str, engine: Engine) -> dict[str, Any]:
    """Approve and pay out, four eyes (Li proposes, Wang checks)."""
    for verb, call in (("approve", subsidies.review), ("disburse", subsidies.disburse)):
        for officer in ("Li", "Wang"):
            kwargs: dict[str, Any] = {"application_id": aid, "idem_key": f"{verb}-{aid}-{officer}"}
            if verb == "approve":
                kwargs |= {"decision": "approve", "reviewer": officer}
            else:
                kwargs |= {"officer": officer}
            answer = call(engine=engine, **kwargs)
    return answer


CAR_RULES = [
    ({"item_class": "used_passenger_car"}, "item_class", "item_class"),
    ({"item_class": "new_commercial_vehicle"}, "item_class", "item_class"),
    ({"purchase_date": "2022-12-31"}, "purchase_window", "purchase_date"),
    ({"purchase_date": "2024-01-01"}, "purchase_window", "purchase_date"),
    ({"seller": APPLIANCE_SELLER}, "seller_list", "seller"),
    ({"buyer_district": "510104"}, "buyer_district", "buyer_district"),
]


@pytest.mark.parametrize(("change", "rule", "field"), CAR_RULES)
def test_each_car_rule_refuses_with_its_rule_and_reason(
    sqlite_engine: Engine, code: str, change: dict[str, Any], rule: str, field: str
) -> None:
    _install(code, "chongqing-car-2023", sqlite_engine)
    answer = _apply(code, car_facts(159_800, "INV-1", **change), sqlite_engine)
    refusal = answer["decision"]["refusal"]
    assert answer["status"] == "rejected" and answer["amount_fen"] == 0
    assert (refusal["rule"], refusal["field"]) == (rule, field)
    assert refusal["en"] and refusal["zh"] and rule in answer["reason"]
    # The valid purchase is accepted: the refusal was the rule's, not the test's.
    assert _apply(code, car_facts(159_800, "INV-2"), sqlite_engine)["status"] == "submitted"


def test_one_car_per_vin_and_one_subsidy_per_person(sqlite_engine: Engine, code: str) -> None:
    _install(code, "chongqing-car-2023", sqlite_engine)
    first = _apply(code, car_facts(159_800, "INV-1"), sqlite_engine)
    again = _apply(code, car_facts(159_800, "INV-1b", item_id=vin_for("INV-1")), sqlite_engine)
    assert again["decision"]["refusal"]["rule"] == "one_per_item"
    _grant(first["application_id"], sqlite_engine)
    second_car = _apply(code, car_facts(89_800, "INV-3"), sqlite_engine)
    assert second_car["decision"]["refusal"]["rule"] == "one_per_person"
    other = _apply(code, car_facts(89_800, "INV-3"), sqlite_engine, who="ps:" + "b" * 32)
    assert other["status"] == "submitted" and other["amount_fen"] == 100_000


def test_a_rejection_frees_the_vin(sqlite_engine: Engine, code: str) -> None:
    _install(code, "chongqing-car-2023", sqlite_engine)
    aid = _apply(code, car_facts(159_800, "INV-1"), sqlite_engine)["application_id"]
    subsidies.review(
        application_id=aid,
        idem_key="rej-1",
        decision="reject",
        reviewer="Li",
        reason="invoice unreadable",
        engine=sqlite_engine,
    )
    assert _apply(code, car_facts(159_800, "INV-1x", item_id=vin_for("INV-1")), sqlite_engine)[
        "status"
    ] == ("submitted")


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"price_yuan": 159_800, "invoice_no": "X"}, "item_class"),
        (car_facts(159_800, "X", item_id=vin_for("X")[:8] + "Z" + vin_for("X")[9:]), "item_id"),
        (car_facts(159_800, "X", item_id="SHORTVIN"), "item_id"),
        (car_facts(159_800, "X", seller="not-a-code"), "seller"),
        (car_facts(159_800, "X", buyer_district="5001"), "buyer_district"),
        (car_facts(159_800, "X", purchase_date="2023-02-30"), "purchase_date"),
        (car_facts(159_800, "X", item_class="a" * 200), "item_class"),
        (car_facts(159_800, "X", colour="red"), "colour"),
    ],
)
def test_malformed_or_missing_evidence_is_refused_naming_the_field(
    sqlite_engine: Engine, code: str, facts: dict[str, Any], field: str
) -> None:
    _install(code, "chongqing-car-2023", sqlite_engine)
    with pytest.raises(NotAllowed, match=field):
        _apply(code, facts, sqlite_engine)


def test_trade_in_amounts_by_category_grade_and_cap(sqlite_engine: Engine, code: str) -> None:
    _install(code, "appliance-trade-in-2025", sqlite_engine)
    cases = [
        (trade_in_facts(4_999, "S1"), 99_980),  # 20 % of 4,999.00
        (trade_in_facts(12_000, "S2"), 200_000),  # 20 % is 2,400: capped at 2,000
        (trade_in_facts(6_000, "S3", efficiency_grade=2), 90_000),  # 15 %
    ]
    for n, (facts, fen) in enumerate(cases):
        answer = _apply(code, facts, sqlite_engine, who=f"ps:{n:032x}")
        assert answer["amount_fen"] == fen, answer


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"efficiency_grade": 3}, "amount_rule"),
        ({"category": "microwave"}, "amount_rule"),
        ({"item_class": "used_household_appliance"}, "item_class"),
        ({"purchase_date": "2024-12-31"}, "purchase_window"),
        ({"seller": "91500000MA5U000A1A"}, "seller_list"),
    ],
)
def test_each_trade_in_rule_refuses(
    sqlite_engine: Engine, code: str, change: dict[str, Any], rule: str
) -> None:
    _install(code, "appliance-trade-in-2025", sqlite_engine)
    answer = _apply(code, trade_in_facts(5_000, "S1", **change), sqlite_engine)
    assert answer["decision"]["refusal"]["rule"] == rule


def test_trade_in_needs_a_certificate_used_once(sqlite_engine: Engine, code: str) -> None:
    _install(code, "appliance-trade-in-2025", sqlite_engine)
    no_cert = {k: v for k, v in trade_in_facts(5_000, "S1").items() if k != "old_item_certificate"}
    with pytest.raises(NotAllowed, match="old_item_certificate"):
        _apply(code, no_cert, sqlite_engine)
    _apply(code, trade_in_facts(5_000, "S1"), sqlite_engine)
    reused = trade_in_facts(5_000, "S2", old_item_certificate="rec-s1")  # another spelling
    answer = _apply(code, reused, sqlite_engine, who="ps:" + "c" * 32)
    assert answer["decision"]["refusal"]["rule"] == "one_per_certificate"


def test_trade_in_pays_the_buyer_or_the_seller_who_deducted_it(
    sqlite_engine: Engine, code: str
) -> None:
    _install(code, "appliance-trade-in-2025", sqlite_engine)
    to_buyer = _apply(code, trade_in_facts(5_000, "S1"), sqlite_engine)
    at_till = _apply(
        code, trade_in_facts(5_000, "S2", payout="till"), sqlite_engine, who="ps:" + "d" * 32
    )
    _grant(to_buyer["application_id"], sqlite_engine)
    _grant(at_till["application_id"], sqlite_engine)
    with sqlite_engine.connect() as conn:
        paid = dict(
            conn.execute(
                select(LedgerRow.ref, LedgerRow.credit).where(LedgerRow.op == "disburse")
            ).all()
        )
    assert paid[to_buyer["application_id"]] == f"paid:{BUYER}"
    assert paid[at_till["application_id"]] == f"paid:{APPLIANCE_SELLER}"
    assert ledger.verify(sqlite_engine).ok


def test_a_programme_paying_only_buyers_refuses_the_till(sqlite_engine: Engine, code: str) -> None:
    _install(code, "appliance-trade-in-2025", sqlite_engine, payout=["buyer"])
    answer = _apply(code, trade_in_facts(5_000, "S1", payout="till"), sqlite_engine)
    assert answer["decision"]["refusal"]["rule"] == "payout"


def _race(code: str, engine: Engine, n: int) -> list[str]:
    def one(k: int) -> str:
        who = f"ps:{k:032x}"
        try:
            aid = _apply(code, car_facts(159_800, f"R-{code}-{k}"), engine, who=who)
            subsidies.review(
                application_id=aid["application_id"],
                idem_key=f"ok-{code}-{k}",
                decision="approve",
                reviewer="Li",
                engine=engine,
            )
            return "approved"
        except (Conflict, LimitReached):
            return "refused"

    with ThreadPoolExecutor(max_workers=12) as pool:
        return list(pool.map(one, range(n)))


def test_concurrent_approvals_stop_exactly_at_the_budget(engine: Engine, code: str) -> None:
    # 10,000 yuan: five cars at 2,000; no second officer needed at this size.
    _install(
        code,
        "chongqing-car-2023",
        engine,
        budget_yuan=Decimal(10_000),
        four_eyes_above_yuan=Decimal(5_000),
    )
    results = _race(code, engine, 24)
    assert results.count("approved") == 5
    with engine.connect() as conn:
        committed = conn.execute(
            select(LedgerRow.amount_fen).where(LedgerRow.op == "approve")
        ).scalars()
        ours = [a for a in committed]
    assert sum(ours) >= 1_000_000
    assert (
        sum(
            a["amount_fen"]
            for a in subsidies.applications_of(code, engine=engine)
            if a["status"] == "approved"
        )
        == 1_000_000
    )
    assert ledger.verify(engine).ok


def test_leverage_equals_an_independent_computation(sqlite_engine: Engine, code: str) -> None:
    _install(code, "chongqing-car-2023", sqlite_engine)
    prices = [59_800, 99_999.99, 100_000, 159_800, 229_900, 480_000]
    paid_prices: list[Decimal] = []
    for n, price in enumerate(prices):
        aid = _apply(code, car_facts(price, f"L-{n}"), sqlite_engine, who=f"ps:{n:032x}")
        if n != 2:  # one approved but not paid: not in the paid records
            _grant(aid["application_id"], sqlite_engine)
            paid_prices.append(Decimal(str(price)))
    with sqlite_engine.connect() as conn:
        paid_fen = sum(
            conn.execute(select(LedgerRow.amount_fen).where(LedgerRow.op == "disburse")).scalars()
        )
    expected = float(sum(paid_prices) * 100 / paid_fen)
    got = computed(code, engine=sqlite_engine)
    assert (
        got["subsidy_paid_fen"] == paid_fen == 1_000 * 100 + 1_000 * 100 + 2_000 * 100 + 3_000 * 200
    )
    assert got["gross_leverage"] == round(expected, 1)
    assert got["reported"]["gross_leverage"] == 63.8 and got["reported"]["what"] == "reported"
    assert "带券" not in got["label_zh"]


@pytest.mark.parametrize(
    ("old", "new", "message", "line"),
    [
        ("purchased_to: 2023-12-31", "purchased_to: 2022-12-31", "before purchased_from", 24),
        ("91500000MA5U000B2E", "91500000MA5U000B2F", "GB 32100", 29),
        ('buyer_districts: ["500000"]', 'buyer_districts: ["5000"]', "buyer_districts", 31),
    ],
)
def test_eligibility_mistakes_name_their_line(old: str, new: str, message: str, line: int) -> None:
    text = shipped_text("chongqing-car-2023")
    assert old in text
    with pytest.raises(DataFileError) as caught:
        parse_programme(text.replace(old, new), "car.yaml")
    assert message in str(caught.value)
    assert abs(caught.value.problems[0].line - line) <= 3, str(caught.value)


def shipped_text(name: str) -> str:
    from cockpit.programmes.rules import shipped_programmes

    return shipped_programmes()[name].read_text("utf-8")


def test_an_application_reopened_by_appeal_cannot_take_a_car_approved_since(
    sqlite_engine: Engine, code: str
) -> None:
    from cockpit.programmes import appeals

    _install(code, "chongqing-car-2023", sqlite_engine, four_eyes_above_yuan=Decimal(5_000))
    vin = vin_for("INV-1")
    late = _apply(code, car_facts(159_800, "INV-1", purchase_date="2024-01-02"), sqlite_engine)
    other = "ps:" + "e" * 32
    valid = _apply(code, car_facts(159_800, "INV-2", item_id=vin), sqlite_engine, who=other)
    appeal = appeals.lodge(
        subject_kind="refused_application",
        subject_id=late["application_id"],
        appellant=BUYER,
        grounds="the invoice date was misread",
        engine=sqlite_engine,
    )
    appeals.take_up(appeal_id=appeal["id"], officer="Li", engine=sqlite_engine)
    for officer in ("Li", "Wang"):
        appeals.decide(
            appeal_id=appeal["id"],
            outcome="upheld",
            reason="invoice re-read",
            officer=officer,
            engine=sqlite_engine,
        )
    reopened = subsidies.application(late["application_id"], engine=sqlite_engine)
    # The refusal found wrong, the band's amount is restored for the new review.
    assert reopened["status"] == "submitted" and reopened["amount_fen"] == 200_000
    approved = subsidies.review(
        application_id=valid["application_id"],
        idem_key=f"ok-{code}-valid",
        decision="approve",
        reviewer="Li",
        engine=sqlite_engine,
    )
    assert approved["status"] == "approved"
    with pytest.raises(Conflict, match="item_id"):
        subsidies.review(
            application_id=late["application_id"],
            idem_key=f"ok-{code}-late",
            decision="approve",
            reviewer="Li",
            engine=sqlite_engine,
        )
