"""Who may receive the rent and carrier subsidies of seed 003, checked against the registry.

Rent subsidy (重点企业房租补贴): the applicant is a registry firm holding a metaverse-firm
designation in force, located in a metaverse park of the registry, newly registered (founded
fewer than ``new_firm_years`` years before applying); its class (A/B/C) comes from its
designations, not from what the applicant declares. These readings of the policy are data,
``data/subsidy_rules.yaml``, for officials to confirm or change.
Carrier subsidy (载体运营补贴): the applicant operates a park or platform of the metaverse
chain designated before applying; the area counted is at most the carrier's registered floor
area, the years at most those it has been designated.

Every decision returns its reasons, line by line, in English and Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cockpit.datafiles import validate_text
from cockpit.db import session_scope
from cockpit.industry.identity import resolve_firm
from cockpit.industry.measures import holders_in_force
from cockpit.industry.models import CarrierRow, FirmRow
from cockpit.industry.vocab import vocab

RULES_FILE = "cockpit/industry/data/subsidy_rules.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FirmClass(_Strict):
    class_: str = Field(alias="class", min_length=1)
    designations: list[str] = Field(min_length=1)


class RentRules(_Strict):
    chain: str
    designation: str
    new_firm_years: int = Field(ge=1, le=50)
    classes: list[FirmClass]
    otherwise: str = Field(min_length=1)

    @model_validator(mode="after")
    def _known_designations(self) -> RentRules:
        known = vocab().designation_kinds
        named = [self.designation, *(d for c in self.classes for d in c.designations)]
        unknown = [d for d in named if d not in known]
        if unknown:
            raise ValueError(f"unknown designation(s) {unknown}; known: {sorted(known)}")
        return self


class CarrierRules(_Strict):
    chain: str
    carrier_kinds: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_kinds(self) -> CarrierRules:
        unknown = [k for k in self.carrier_kinds if k not in vocab().carrier_kinds]
        if unknown:
            raise ValueError(f"unknown carrier kind(s) {unknown}")
        return self


class SubsidyRules(_Strict):
    rent_subsidy: RentRules
    carrier_subsidy: CarrierRules


@cache
def subsidy_rules() -> SubsidyRules:
    """The rules shipped with the room, validated (errors name the file's line)."""
    text = resources.files("cockpit.industry").joinpath("data/subsidy_rules.yaml")
    return validate_text(text.read_text("utf-8"), SubsidyRules, RULES_FILE)


@dataclass
class Verdict:
    """Eligibility with its reasons; ``facts`` are those the amount is computed from."""

    eligible: bool
    credit_code: str | None
    facts: dict[str, Any]
    lines: list[tuple[str, str]] = field(default_factory=list)

    def refuse(self, en: str, zh: str) -> Verdict:
        self.eligible = False
        self.lines.append((en, zh))
        return self

    def note(self, en: str, zh: str) -> None:
        self.lines.append((en, zh))


def firm_class(session: Session, code: str, on: date) -> str:
    """A, B or C: the best class the firm's designations in force give."""
    rules = subsidy_rules().rent_subsidy
    for cls in rules.classes:
        if code in holders_in_force(session, tuple(cls.designations), on):
            return cls.class_
    return rules.otherwise


def _years_between(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def _rent(session: Session, v: Verdict, code: str, on: date) -> Verdict:
    rules = subsidy_rules().rent_subsidy
    firm = session.get(FirmRow, code)
    assert firm is not None
    if code not in holders_in_force(session, (rules.designation,), on):
        return v.refuse("no metaverse-firm designation in force", "无有效的元宇宙企业认定")
    v.note("metaverse-firm designation in force", "持有效的元宇宙企业认定")
    parks = set(
        session.scalars(
            select(CarrierRow.name_zh).where(
                CarrierRow.kind == "park",
                CarrierRow.chain_id == rules.chain,
                CarrierRow.designated_on <= on,
            )
        )
    )
    if not firm.park or firm.park not in parks:
        return v.refuse(
            f"located in {firm.park or 'no park'}, not a metaverse park of the registry",
            f"所在园区“{firm.park or '无'}”不是登记的元宇宙产业园区",
        )
    v.note(f"located in the metaverse park {firm.park}", f"位于元宇宙产业园区“{firm.park}”")
    if firm.founded_on is None:
        return v.refuse("founding date unknown", "成立日期不详")
    age = _years_between(firm.founded_on, on)
    limit = rules.new_firm_years
    if age >= limit:
        return v.refuse(
            f"founded {firm.founded_on}: {age} years old, not new (< {limit} years)",
            f"成立于 {firm.founded_on}，已 {age} 年，非新注册企业（须不满 {limit} 年）",
        )
    v.note(
        f"founded {firm.founded_on}: newly registered", f"成立于 {firm.founded_on}，属新注册企业"
    )
    cls = firm_class(session, code, on)
    declared = v.facts.get("firm_class")
    if declared != cls:
        v.note(
            f"class {cls} from the registry's designations (declared {declared!r})",
            f"按登记认定核定为 {cls} 类（申报为 {declared!r}）",
        )
    v.facts = {**v.facts, "firm_class": cls}
    return v


def _carrier(session: Session, v: Verdict, code: str, on: date) -> Verdict:
    rules = subsidy_rules().carrier_subsidy
    carriers = session.scalars(
        select(CarrierRow)
        .where(
            CarrierRow.operator_code == code,
            CarrierRow.chain_id == rules.chain,
            CarrierRow.kind.in_(rules.carrier_kinds),
            CarrierRow.designated_on <= on,
        )
        .order_by(CarrierRow.designated_on)
    ).all()
    if not carriers:
        return v.refuse(
            "operates no metaverse park or platform of the registry",
            "未运营登记的元宇宙园区或平台",
        )
    carrier = carriers[0]
    v.note(f"operates {carrier.name_zh}", f"运营载体“{carrier.name_zh}”")
    declared = Decimal(str(v.facts.get("area_m2", 0)))
    if carrier.floor_area_m2 is None:
        return v.refuse("the carrier's floor area is not registered", "载体面积未登记")
    registered = Decimal(str(carrier.floor_area_m2))
    if declared > registered:
        v.note(
            f"area declared {declared} m², registered {registered} m²: {registered} counted",
            f"申报面积 {declared} 平方米，登记面积 {registered} 平方米：按 {registered} 计",
        )
        v.facts = {**v.facts, "area_m2": str(registered)}
    held = max(1, _years_between(carrier.designated_on, on) + 1)
    years = int(v.facts.get("years", 0))
    if years > held:
        v.note(
            f"designated {carrier.designated_on}: at most {held} year(s) counted",
            f"{carrier.designated_on} 认定：至多计 {held} 年",
        )
        v.facts = {**v.facts, "years": held}
    return v


CHECKS = {"rent_subsidy": _rent, "carrier_subsidy": _carrier}


def subsidy_eligibility(
    *,
    kind: str,
    applicant: str,
    facts: dict[str, Any],
    on: date,
    engine: Engine | None = None,
) -> Verdict | None:
    """The registry's verdict on an application to a programme of ``kind`` (None when the
    kind is not one the registry decides). ``applicant`` is a credit code or a programmes id
    linked to one."""
    check = CHECKS.get(kind)
    if check is None:
        return None
    verdict = Verdict(True, None, dict(facts))
    code = resolve_firm(applicant, room="programmes", engine=engine)
    if code is None:
        return verdict.refuse(
            f"applicant {applicant!r} is not a firm of the registry",
            f"申请人 {applicant!r} 不在企业库中",
        )
    verdict.credit_code = code
    verdict.note(f"registry firm {code}", f"企业库企业 {code}")
    with session_scope(engine) as session:
        return check(session, verdict, code, on)
