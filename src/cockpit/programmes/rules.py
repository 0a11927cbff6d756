"""Programmes as data: the YAML files officials edit, validated with errors naming the line.

Three kinds, told apart by ``kind``:

* ``consumption_voucher`` — packs of vouchers (face value over a threshold), eligible scope,
  per-person limits, rounds with budget shares, validity, roll-over, first-come or lottery;
* ``purchase_subsidy`` — an amount per purchase by price band (the 2023 Chongqing car programme);
* ``rent_subsidy`` and ``carrier_subsidy`` — firm subsidies by declared formula (seed 003).

Money in the files is in yuan (as officials write it); everything computed is integer fen.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from cockpit.datafiles import DataFileError, Problem, parse_with_lines, validate_text

IDENTIFIERS = ("id", "phone", "card", "device")
# The contract's ceiling on any one amount (a bill, a refund, a subsidy, a budget): 10
# billion yuan. Sums of capped amounts stay far inside a signed 64-bit integer (SQLite's
# SUM raises on overflow; PostgreSQL's is numeric): 9.2e18 / 1e12 is 9.2 million rows all
# at the ceiling. Programmes declare tighter caps of their own (``max_bill_yuan``, ...).
MAX_AMOUNT_FEN = 10**12
MAX_AMOUNT_YUAN = MAX_AMOUNT_FEN // 100


def yuan_to_fen(value: Decimal | int | float | str) -> int:
    """Yuan to integer fen; refuse fractions of a fen."""
    fen = Decimal(str(value)) * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{value} yuan is not a whole number of fen")
    return int(fen)


Yuan = Annotated[
    Decimal, Field(ge=0, le=MAX_AMOUNT_YUAN, max_digits=14, decimal_places=2, allow_inf_nan=False)
]


class Strict(BaseModel):
    """Unknown keys are mistakes in an official's file, not something to ignore."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PackItem(Strict):
    """``count`` vouchers of ``face_yuan`` each, usable on bills of at least ``threshold_yuan``."""

    face_yuan: Yuan = Field(gt=0)
    threshold_yuan: Yuan
    count: int = Field(ge=1, le=100)

    @model_validator(mode="after")
    def _face_below_threshold(self) -> PackItem:
        if self.threshold_yuan and self.face_yuan > self.threshold_yuan:
            raise ValueError("face value above the threshold would pay more than the bill")
        return self

    @property
    def face_fen(self) -> int:
        return yuan_to_fen(self.face_yuan)

    @property
    def threshold_fen(self) -> int:
        return yuan_to_fen(self.threshold_yuan)


class Eligibility(Strict):
    """Where vouchers may be spent; an empty list means no restriction on that dimension."""

    categories: list[str] = []
    districts: list[str] = []
    merchants: list[str] = []

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, value: list[str]) -> list[str]:
        from cockpit.reference import categories

        known = {c.code for c in categories()}
        unknown = [c for c in value if c not in known]
        if unknown:
            raise ValueError(f"unknown category codes {unknown}; see reference categories.csv")
        return value

    @field_validator("districts")
    @classmethod
    def _known_districts(cls, value: list[str]) -> list[str]:
        from cockpit.reference import districts

        known = {d.code for d in districts()}
        unknown = [d for d in value if d not in known]
        if unknown:
            raise ValueError(f"unknown GB/T 2260 district codes {unknown}")
        return value


class Limits(Strict):
    """Packs one person may claim, per round and over the programme."""

    per_person_per_round: int = Field(1, ge=1, le=10)
    per_person_total: int = Field(1, ge=1, le=100)
    # Each of these identifies a person on its own: the same phone behind two ID numbers
    # is one person.
    identifiers: list[Literal["id", "phone", "card", "device"]] = ["id", "phone", "card", "device"]


class Round(Strict):
    """A release of vouchers at a set time with its share of the budget."""

    opens_at: datetime
    closes_at: datetime
    budget_share: Decimal = Field(gt=0, le=1)

    @model_validator(mode="after")
    def _opens_before_closing(self) -> Round:
        if self.opens_at.tzinfo is None or self.closes_at.tzinfo is None:
            raise ValueError("give times with their offset, e.g. 2025-05-01T10:00:00+08:00")
        if self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        return self


class Allocation(Strict):
    """First come, first served; or a lottery among registrants with a committed seed."""

    mode: Literal["first_come", "lottery"] = "first_come"
    registration_closes_before_open_minutes: int = Field(60, ge=1)


class Reported(Strict):
    """Outcome figures the programme's authority published (for gross leverage)."""

    sales_yuan: Yuan
    beneficiaries: int | None = None
    source: str


class Named(Strict):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,63}$")
    name_zh: str
    name_en: str
    budget_yuan: Yuan = Field(gt=0)
    source: str = ""
    reported: Reported | None = None
    # Four eyes: a disbursement (approval, payout, round release, write-off) above this
    # amount needs a maker and a different checker. 0: every one does.
    four_eyes_above_yuan: Yuan = Decimal(0)
    # Appeals: lodged within ``appeal_lodge_days`` of the decision appealed, decided within
    # ``appeal_decide_days`` of lodging.
    appeal_lodge_days: int = Field(30, ge=1, le=365)
    appeal_decide_days: int = Field(15, ge=1, le=365)

    @property
    def budget_fen(self) -> int:
        return yuan_to_fen(self.budget_yuan)

    @property
    def four_eyes_above_fen(self) -> int:
        return yuan_to_fen(self.four_eyes_above_yuan)


class VoucherProgramme(Named):
    """A consumption-voucher programme."""

    kind: Literal["consumption_voucher"]
    pack: list[PackItem] = Field(min_length=1)
    eligibility: Eligibility = Eligibility()
    limits: Limits = Limits()
    rounds: list[Round] = Field(min_length=1)
    validity_days: int = Field(ge=1, le=366)
    roll_over: Literal["next_round", "treasury"] = "next_round"
    allocation: Allocation = Allocation()
    # The largest bill a voucher may be spent on: above it a redemption is refused (422).
    max_bill_yuan: Yuan = Field(Decimal(100_000), gt=0)

    @property
    def max_bill_fen(self) -> int:
        return yuan_to_fen(self.max_bill_yuan)

    @model_validator(mode="after")
    def _shares_fit_budget(self) -> VoucherProgramme:
        if sum(r.budget_share for r in self.rounds) > 1:
            raise ValueError("the rounds' budget shares add up to more than 1")
        for before, after in zip(self.rounds, self.rounds[1:], strict=False):
            if after.opens_at < before.closes_at:
                raise ValueError("rounds overlap: each must open after the previous closes")
        if self.round_budget_fen(0) < self.pack_value_fen:
            raise ValueError("the first round cannot fund a single pack")
        return self

    @property
    def pack_value_fen(self) -> int:
        return sum(item.face_fen * item.count for item in self.pack)

    def round_budget_fen(self, index: int) -> int:
        """The round's share of the budget, in fen (rounded down to a whole fen)."""
        return int(self.budget_fen * self.rounds[index].budget_share)


class PriceBand(Strict):
    """Purchases priced in [min_price_yuan, max_price_yuan) get ``subsidy_yuan``."""

    min_price_yuan: Yuan
    max_price_yuan: Yuan | None = None
    subsidy_yuan: Yuan = Field(gt=0)


District = Annotated[str, Field(pattern=r"^[1-8]\d{5}$", description="GB/T 2260 code")]


class PurchaseEligibility(Strict):
    """Who and what a purchase subsidy pays for, each checked against the application's
    evidence (``eligibility.check``). A district ending in 00 or 0000 covers its city or
    province (500000: all of Chongqing); empty ``sellers`` means any seller."""

    item_classes: list[str] = Field(min_length=1, max_length=50)
    purchased_from: date
    purchased_to: date
    sellers: list[str] = Field([], max_length=100_000)
    # The buyer's residence (hukou or residence permit) or the item's registration district.
    buyer_districts: list[District] = Field([], max_length=1000)
    # One subsidy per item (VIN for a car, serial number for an appliance).
    one_per_item: bool = True
    item_id: Literal["vin", "serial"] = "serial"
    # Trade-in: the old item's scrapping or recycling certificate number must be given, once.
    certificate_required: bool = False

    @model_validator(mode="after")
    def _window_ordered(self) -> PurchaseEligibility:
        if self.purchased_to < self.purchased_from:
            raise ValueError("purchased_to is before purchased_from")
        return self

    @field_validator("sellers")
    @classmethod
    def _credit_codes(cls, value: list[str]) -> list[str]:
        from cockpit import identity

        out = []
        for code in value:
            try:
                out.append(identity.canonical(code, "credit_code", field="sellers"))
            except identity.Refused as exc:
                raise ValueError(f"seller {code!r}: {exc.message}") from None
        return out


class PurchaseSubsidy(Named):
    """A subsidy per purchase, by price band (e.g. new passenger cars)."""

    kind: Literal["purchase_subsidy"]
    item_zh: str
    item_en: str
    bands: list[PriceBand] = Field(min_length=1)
    limits: Limits = Limits(per_person_per_round=1, per_person_total=1)
    eligibility: PurchaseEligibility | None = None

    @model_validator(mode="after")
    def _bands_contiguous(self) -> PurchaseSubsidy:
        for low, high in zip(self.bands, self.bands[1:], strict=False):
            if low.max_price_yuan != high.min_price_yuan:
                raise ValueError("price bands must follow each other without gaps or overlaps")
        return self


class TradeInRate(Strict):
    """A share of the price for one appliance category at the listed efficiency grades,
    capped per item (e.g. 20 % for grade 1, at most 2,000 yuan)."""

    category: str = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")
    name_zh: str
    name_en: str
    grades: list[int] = Field(min_length=1)
    share: Decimal = Field(gt=0, le=1, max_digits=4, decimal_places=3)
    cap_yuan: Yuan = Field(gt=0)

    @field_validator("grades")
    @classmethod
    def _grades_exist(cls, value: list[int]) -> list[int]:
        if any(not 1 <= g <= 5 for g in value):
            raise ValueError("China's energy-efficiency labels have grades 1 to 5")
        return value


class TradeInSubsidy(Named):
    """以旧换新: a share of the new item's price by category and efficiency grade, capped
    per item, against the old item's scrapping or recycling certificate; paid to the buyer
    or deducted at the till by the seller (who is then reimbursed)."""

    kind: Literal["trade_in_subsidy"]
    item_zh: str
    item_en: str
    rates: list[TradeInRate] = Field(min_length=1, max_length=100)
    payout: list[Literal["buyer", "till"]] = Field(["buyer", "till"], min_length=1)
    limits: Limits = Limits(per_person_per_round=1, per_person_total=1)
    eligibility: PurchaseEligibility

    @model_validator(mode="after")
    def _one_rate_per_grade(self) -> TradeInSubsidy:
        seen: set[tuple[str, int]] = set()
        for rate in self.rates:
            for grade in rate.grades:
                if (rate.category, grade) in seen:
                    raise ValueError(f"{rate.category} grade {grade} has two rates")
                seen.add((rate.category, grade))
        if not self.eligibility.certificate_required:
            raise ValueError("a trade-in requires the old item's certificate")
        return self

    def rate_for(self, category: str, grade: int) -> TradeInRate | None:
        return next((r for r in self.rates if r.category == category and grade in r.grades), None)


class RentSubsidy(Named):
    """Rent subsidy at a rate by firm class, on at most ``max_area_m2`` for ``max_months``."""

    kind: Literal["rent_subsidy"]
    rates_by_class: dict[str, Decimal] = Field(min_length=1)
    max_area_m2: int = Field(gt=0, le=10_000_000)
    max_months: int = Field(gt=0, le=600)
    # The highest rent per m² per month an application may declare: above it, refused (422).
    max_rent_yuan_per_m2_month: Yuan = Field(Decimal(1_000), gt=0)

    @field_validator("rates_by_class")
    @classmethod
    def _rates_are_fractions(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        bad = {k: v for k, v in value.items() if not 0 < v <= 1}
        if bad:
            raise ValueError(f"rates must be in (0, 1]: {bad}")
        return value


class CarrierSubsidy(Named):
    """Operating subsidy for carriers (parks, spaces) above an area, plus a step per extra area."""

    kind: Literal["carrier_subsidy"]
    min_area_m2: int = Field(gt=0)
    base_yuan_per_year: Yuan = Field(gt=0)
    step_area_m2: int = Field(gt=0)
    step_yuan_per_year: Yuan
    max_years: int = Field(ge=1, le=50)
    # The largest area an application may declare (steps above it would be unbounded).
    max_area_m2: int = Field(10_000_000, gt=0, le=10_000_000)


Programme = Annotated[
    VoucherProgramme | PurchaseSubsidy | TradeInSubsidy | RentSubsidy | CarrierSubsidy,
    Field(discriminator="kind"),
]
SubsidyProgramme = PurchaseSubsidy | TradeInSubsidy | RentSubsidy | CarrierSubsidy


class ProgrammeFile(BaseModel):
    """A programme file: one programme at the top level (any kind)."""

    model_config = ConfigDict(extra="forbid")
    programme: Programme


def _file_model(kind: object) -> type[BaseModel]:
    """A file model for one kind, so errors point at the field's line, not the union's."""
    models: dict[str, type[BaseModel]] = {
        "consumption_voucher": VoucherProgramme,
        "purchase_subsidy": PurchaseSubsidy,
        "trade_in_subsidy": TradeInSubsidy,
        "rent_subsidy": RentSubsidy,
        "carrier_subsidy": CarrierSubsidy,
    }
    chosen = models.get(str(kind))
    if chosen is None:
        return ProgrammeFile
    return create_model(
        f"{chosen.__name__}File", __config__=ConfigDict(extra="forbid"), programme=(chosen, ...)
    )


def parse_programme(text: str, path: str | Path = "<text>") -> VoucherProgramme | SubsidyProgramme:
    """Validate programme YAML; ``DataFileError`` names the line and field of each mistake."""
    data, _lines = parse_with_lines(text, path)
    kind = (
        data.get("programme", {}).get("kind")
        if isinstance(data, dict) and isinstance(data.get("programme"), dict)
        else None
    )
    parsed = validate_text(text, _file_model(kind), path)
    programme: VoucherProgramme | SubsidyProgramme = parsed.programme  # type: ignore[attr-defined]
    return programme


def load_programme(path: str | Path) -> VoucherProgramme | SubsidyProgramme:
    """Read and validate a programme file; ``DataFileError`` names the line of each mistake."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(path, [Problem(1, "", "not UTF-8 text")]) from exc
    return parse_programme(text, path)


def shipped_programmes() -> dict[str, Path]:
    """The example programmes shipped in the package, by file stem."""
    folder = resources.files("cockpit.programmes") / "data"
    return {
        Path(str(entry)).stem: Path(str(entry))
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    }


def shipped(name: str) -> VoucherProgramme | SubsidyProgramme:
    """Load a shipped example by file stem, e.g. ``shipped("chongqing-car-2023")``."""
    files = shipped_programmes()
    if name not in files:
        raise KeyError(f"no shipped programme {name!r}; shipped: {', '.join(sorted(files))}")
    return load_programme(files[name])
