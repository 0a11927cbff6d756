"""Programme files: validated with the line of each mistake; amounts by declared rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.datafiles import DataFileError
from cockpit.programmes.amounts import decide
from cockpit.programmes.effect import gross_leverage
from cockpit.programmes.rules import (
    CarrierSubsidy,
    PurchaseSubsidy,
    RentSubsidy,
    VoucherProgramme,
    load_programme,
    shipped,
    shipped_programmes,
)
from tests.programmes.helpers import car_facts


def test_every_shipped_programme_is_valid() -> None:
    kinds = {shipped(name).kind for name in shipped_programmes()}
    assert kinds == {
        "consumption_voucher",
        "purchase_subsidy",
        "trade_in_subsidy",
        "rent_subsidy",
        "carrier_subsidy",
    }


def test_shipped_voucher_pack_is_2x5_2x10_1x20_over_20_40_80() -> None:
    p = shipped("yuzhong-vouchers-2025")
    assert isinstance(p, VoucherProgramme)
    assert [(i.face_fen, i.threshold_fen, i.count) for i in p.pack] == [
        (500, 2000, 2),
        (1000, 4000, 2),
        (2000, 8000, 1),
    ]
    assert p.pack_value_fen == 5000


def test_mistake_is_reported_with_its_line(tmp_path: Path) -> None:
    source = shipped_programmes()["yuzhong-vouchers-2025"].read_text("utf-8")
    bad = source.replace(
        "{face_yuan: 20, threshold_yuan: 80, count: 1}",
        "{face_yuan: 20, threshold_yuan: 10, count: 1}",
    )
    bad = bad.replace("categories: [RS01,", "categories: [RS99,")
    path = tmp_path / "bad.yaml"
    path.write_text(bad, "utf-8")
    with pytest.raises(DataFileError) as caught:
        load_programme(path)
    lines = {p.line for p in caught.value.problems}
    text = bad.splitlines()
    assert any("threshold_yuan: 10" in text[n - 1] for n in lines)
    assert any("RS99" in text[n - 1] for n in lines)
    assert "face value above the threshold" in str(caught.value)


def test_shares_over_the_budget_are_refused(tmp_path: Path) -> None:
    source = shipped_programmes()["yuzhong-vouchers-2025"].read_text("utf-8")
    path = tmp_path / "over.yaml"
    path.write_text(source.replace("budget_share: 0.3}", "budget_share: 0.5}"), "utf-8")
    with pytest.raises(DataFileError, match="add up to more than 1"):
        load_programme(path)


@pytest.mark.parametrize(
    ("price", "fen"),
    [(89_900, 100_000), (100_000, 200_000), (159_800, 200_000), (350_000, 300_000)],
)
def test_car_subsidy_by_price_band(price: int, fen: int) -> None:
    car = shipped("chongqing-car-2023")
    assert isinstance(car, PurchaseSubsidy)
    decision = decide(car, car_facts(price, "X"))
    assert decision.amount_fen == fen and decision.eligible
    assert "售价" in decision.lines[0].zh


def test_car_programme_gross_leverage_matches_the_published_63_8() -> None:
    car = shipped("chongqing-car-2023")
    assert car.reported is not None
    lev = gross_leverage(sales_fen=int(car.reported.sales_yuan * 100), subsidy_fen=car.budget_fen)
    assert round(lev, 1) == 63.8


def test_rent_subsidy_caps_area_and_months_and_explains_each_step() -> None:
    rent = shipped("metaverse-rent-subsidy")
    assert isinstance(rent, RentSubsidy)
    d = decide(
        rent, {"firm_class": "B", "area_m2": 2500, "rent_yuan_per_m2_month": 3, "months": 40}
    )
    # 70 % × 2,000 m² × 3 yuan × 36 months = 151,200 yuan
    assert d.amount_fen == 15_120_000
    assert len(d.lines) == 4 and "min(2500, 2000)" in d.lines[1].en
    unknown = decide(
        rent, {"firm_class": "Z", "area_m2": 100, "rent_yuan_per_m2_month": 3, "months": 1}
    )
    assert not unknown.eligible and unknown.amount_fen == 0


@pytest.mark.parametrize(
    ("area", "per_year"), [(400, 0), (401, 200_000), (499, 200_000), (500, 250_000), (760, 350_000)]
)
def test_carrier_subsidy_base_above_400_plus_50k_per_further_100(area: int, per_year: int) -> None:
    carrier = shipped("metaverse-carrier-subsidy")
    assert isinstance(carrier, CarrierSubsidy)
    d = decide(carrier, {"area_m2": area, "years": 1})
    assert d.amount_fen == per_year * 100
    assert d.eligible == (per_year > 0)
