"""Amounts by declared rule, explained line by line.

Each subsidy kind declares the facts an application must give (a pydantic model) and a
function turning programme + facts into a ``Decision``: the amount in fen and the lines that
explain it, in English and Chinese. A new kind is a new entry in ``CALCULATORS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cockpit import identity
from cockpit.format import yuan
from cockpit.programmes.rules import (
    MAX_AMOUNT_FEN,
    CarrierSubsidy,
    District,
    PackItem,
    PurchaseSubsidy,
    RentSubsidy,
    SubsidyProgramme,
    TradeInSubsidy,
    VoucherProgramme,
    yuan_to_fen,
)


@dataclass(frozen=True)
class Line:
    """One step of a computation."""

    en: str
    zh: str


@dataclass(frozen=True)
class Decision:
    """An amount and why: ``eligible`` False means nothing is payable, with the reason."""

    amount_fen: int
    eligible: bool
    lines: list[Line] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "amount_fen": self.amount_fen,
            "eligible": self.eligible,
            "lines": [{"en": ln.en, "zh": ln.zh} for ln in self.lines],
        }


class Facts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Facts are bounded before any arithmetic: finite, a few digits, below the contract's
# ceilings; the programme's own declared maxima are checked by its calculator.
Price = Annotated[
    Decimal,
    Field(gt=0, le=MAX_AMOUNT_FEN // 100, max_digits=14, decimal_places=2, allow_inf_nan=False),
]
Area = Annotated[
    Decimal, Field(gt=0, le=10_000_000, max_digits=12, decimal_places=2, allow_inf_nan=False)
]


Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


class PurchaseFacts(Facts):
    """A purchase: its price (yuan) and invoice number, and the evidence the programme's
    eligibility rules ask for (``eligibility.check`` says which are required)."""

    price_yuan: Price
    invoice_no: str = Field(min_length=1, max_length=64)
    item_class: Code | None = None
    item_id: Code | None = Field(None, description="VIN of a car, serial number of an appliance")
    purchase_date: date | None = Field(None, ge=date(2000, 1, 1), le=date(2100, 1, 1))
    seller: str | None = Field(None, max_length=40, description="Seller's credit code")
    buyer_district: District | None = None

    @field_validator("seller")
    @classmethod
    def _seller_code(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return identity.canonical(value, "credit_code", field="seller")
        except identity.Refused as exc:
            raise ValueError(exc.message) from None

    @field_validator("item_id")
    @classmethod
    def _item_upper(cls, value: str | None) -> str | None:
        return value.upper() if value is not None else None


class TradeInFacts(PurchaseFacts):
    """A trade-in purchase: the new item's category and efficiency grade, the old item's
    certificate, and who is paid (the buyer, or the seller who deducted it at the till)."""

    category: Annotated[str, Field(min_length=2, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]
    efficiency_grade: int = Field(ge=1, le=5)
    old_item_certificate: Code
    payout: Literal["buyer", "till"] = "buyer"


class RentFacts(Facts):
    """A firm's class, rented area, monthly rent per m² (yuan) and months applied for."""

    firm_class: str = Field(max_length=32)
    area_m2: Area
    rent_yuan_per_m2_month: Price
    months: int = Field(ge=1, le=600)


class CarrierFacts(Facts):
    """A carrier's operated area and the years applied for."""

    area_m2: Area
    years: int = Field(ge=1, le=100)


class OutOfBounds(ValueError):
    """A fact above the maximum the programme declares (the field, and why)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def purchase_amount(p: PurchaseSubsidy, facts: PurchaseFacts) -> Decision:
    """The band the price falls in gives the amount."""
    for band in p.bands:
        above_min = facts.price_yuan >= band.min_price_yuan
        below_max = band.max_price_yuan is None or facts.price_yuan < band.max_price_yuan
        if above_min and below_max:
            top = f"{band.max_price_yuan:,}" if band.max_price_yuan is not None else "∞"
            amount = yuan_to_fen(band.subsidy_yuan)
            return Decision(
                amount,
                True,
                [
                    Line(
                        f"price {facts.price_yuan:,} yuan is in band "
                        f"[{band.min_price_yuan:,}, {top}) yuan",
                        f"售价 {facts.price_yuan:,} 元，属于 [{band.min_price_yuan:,}, {top}) 元档",
                    ),
                    Line(
                        f"subsidy for this band: {yuan(amount)} yuan", f"该档补贴 {yuan(amount)} 元"
                    ),
                ],
            )
    return Decision(0, False, [Line("price is in no band", "售价不在任何补贴档内")])


def trade_in_amount(p: TradeInSubsidy, facts: TradeInFacts) -> Decision:
    """share(category, grade) × price, at most the category's cap per item."""
    rate = p.rate_for(facts.category, facts.efficiency_grade)
    if rate is None:
        return Decision(
            0,
            False,
            [
                Line(
                    f"{facts.category} of efficiency grade {facts.efficiency_grade} is not "
                    "subsidised by this programme",
                    f"{facts.category} 能效 {facts.efficiency_grade} 级不在本次补贴范围",
                )
            ],
        )
    share = (facts.price_yuan * rate.share).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    amount = min(yuan_to_fen(share), yuan_to_fen(rate.cap_yuan))
    formula = f"min({facts.price_yuan:,} × {rate.share}, {rate.cap_yuan:,})"
    return Decision(
        amount,
        True,
        [
            Line(
                f"{rate.name_en}, grade {facts.efficiency_grade}: {rate.share:.0%} of the price, "
                f"at most {yuan(yuan_to_fen(rate.cap_yuan))} yuan",
                f"{rate.name_zh}（{facts.efficiency_grade} 级能效）：售价的 {rate.share:.0%}，"
                f"每件最高 {yuan(yuan_to_fen(rate.cap_yuan))} 元",
            ),
            Line(f"{formula} = {yuan(amount)} yuan", f"{formula} = {yuan(amount)} 元"),
        ],
    )


def rent_amount(p: RentSubsidy, facts: RentFacts) -> Decision:
    """rate(class) × min(area, cap) × rent per m² per month × min(months, cap)."""
    if facts.rent_yuan_per_m2_month > p.max_rent_yuan_per_m2_month:
        raise OutOfBounds(
            "rent_yuan_per_m2_month",
            f"{facts.rent_yuan_per_m2_month} yuan/m²/month is above the programme's maximum "
            f"of {p.max_rent_yuan_per_m2_month}",
        )
    rate = p.rates_by_class.get(facts.firm_class)
    if rate is None:
        classes = ", ".join(p.rates_by_class)
        return Decision(
            0,
            False,
            [
                Line(
                    f"firm class {facts.firm_class!r} is not one of {classes}",
                    f"企业类别 {facts.firm_class!r} 不在 {classes} 之列",
                )
            ],
        )
    area = min(facts.area_m2, Decimal(p.max_area_m2))
    months = min(facts.months, p.max_months)
    monthly = area * facts.rent_yuan_per_m2_month * rate
    total = (monthly * months).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    amount = yuan_to_fen(total)
    return Decision(
        amount,
        True,
        [
            Line(
                f"class {facts.firm_class}: {rate:.0%} of rent",
                f"{facts.firm_class} 类企业：补贴房租的 {rate:.0%}",
            ),
            Line(
                f"area counted: min({facts.area_m2}, {p.max_area_m2}) = {area} m²",
                f"计补面积：min({facts.area_m2}, {p.max_area_m2}) = {area} 平方米",
            ),
            Line(
                f"months counted: min({facts.months}, {p.max_months}) = {months}",
                f"计补月数：min({facts.months}, {p.max_months}) = {months}",
            ),
            Line(
                f"{area} m² × {facts.rent_yuan_per_m2_month} yuan/m²/month × {rate} × {months} "
                f"= {yuan(amount)} yuan",
                f"{area} 平方米 × {facts.rent_yuan_per_m2_month} 元/平方米/月 × {rate} × {months} "
                f"= {yuan(amount)} 元",
            ),
        ],
    )


def carrier_amount(p: CarrierSubsidy, facts: CarrierFacts) -> Decision:
    """Above the minimum area: base per year + step per further full step of area, × years."""
    if facts.area_m2 > p.max_area_m2:
        raise OutOfBounds(
            "area_m2", f"{facts.area_m2} m² is above the programme's maximum of {p.max_area_m2}"
        )
    if facts.area_m2 <= p.min_area_m2:
        return Decision(
            0,
            False,
            [
                Line(
                    f"area {facts.area_m2} m² is not above {p.min_area_m2} m²",
                    f"面积 {facts.area_m2} 平方米未超过 {p.min_area_m2} 平方米",
                )
            ],
        )
    steps = int((facts.area_m2 - p.min_area_m2) // p.step_area_m2)
    per_year = yuan_to_fen(p.base_yuan_per_year) + steps * yuan_to_fen(p.step_yuan_per_year)
    years = min(facts.years, p.max_years)
    amount = per_year * years
    base, step = yuan(yuan_to_fen(p.base_yuan_per_year)), yuan(yuan_to_fen(p.step_yuan_per_year))
    return Decision(
        amount,
        True,
        [
            Line(
                f"area {facts.area_m2} m² > {p.min_area_m2} m²: base {base} yuan/year",
                f"面积 {facts.area_m2} 平方米 > {p.min_area_m2} 平方米：基础补贴 {base} 元/年",
            ),
            Line(
                f"further full {p.step_area_m2} m² steps: {steps} × {step} yuan/year",
                f"每增加 {p.step_area_m2} 平方米：{steps} × {step} 元/年",
            ),
            Line(
                f"years counted: min({facts.years}, {p.max_years}) = {years}",
                f"计补年数：min({facts.years}, {p.max_years}) = {years}",
            ),
            Line(
                f"{yuan(per_year)} yuan/year × {years} = {yuan(amount)} yuan",
                f"{yuan(per_year)} 元/年 × {years} = {yuan(amount)} 元",
            ),
        ],
    )


Calculator = Callable[[Any, Any], Decision]
CALCULATORS: dict[str, tuple[type[Facts], Calculator]] = {
    "purchase_subsidy": (PurchaseFacts, purchase_amount),
    "trade_in_subsidy": (TradeInFacts, trade_in_amount),
    "rent_subsidy": (RentFacts, rent_amount),
    "carrier_subsidy": (CarrierFacts, carrier_amount),
}


def decide(programme: SubsidyProgramme, facts: dict[str, Any]) -> Decision:
    """Validate ``facts`` for the programme's kind and compute the amount with its lines.

    Raises ``pydantic.ValidationError`` when the facts are missing or malformed, and
    ``OutOfBounds`` when one is above a maximum the programme declares or the amount would be
    above the contract's ceiling.
    """
    decision = CALCULATORS[programme.kind][1](programme, parse_facts(programme, facts))
    if decision.amount_fen > min(MAX_AMOUNT_FEN, programme.budget_fen):
        raise OutOfBounds(
            "facts", f"the amount ({yuan(decision.amount_fen)} yuan) is above the whole budget"
        )
    return decision


def parse_facts(programme: SubsidyProgramme, facts: dict[str, Any]) -> Facts:
    """The application's facts, validated and bounded for the programme's kind."""
    return CALCULATORS[programme.kind][0].model_validate(facts)


def facts_model(kind: str) -> type[Facts]:
    """The facts an application to a programme of ``kind`` must give."""
    return CALCULATORS[kind][0]


def voucher_lines(p: VoucherProgramme, item: PackItem) -> Line:
    """How one voucher of a pack reads (满X减Y)."""
    return Line(
        f"{yuan(item.face_fen)} yuan off bills of at least {yuan(item.threshold_fen)} yuan",
        f"满{yuan(item.threshold_fen)}元减{yuan(item.face_fen)}元",
    )
