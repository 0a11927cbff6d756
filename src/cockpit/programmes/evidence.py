"""Eligibility of a purchase or trade-in, checked against the application's evidence.

The rules are data (``rules.PurchaseEligibility`` in the programme file); each check that
fails gives a ``Refusal`` naming its rule, the field of evidence, and the reason in English
and Chinese, worded by ``cockpit/codes.yaml`` (kind ``refusal_reason``, one sentence per
rule with the evidence filled in: ``Refusal.by``). Evidence the rules need but the
application lacks is a malformed application (``amounts.OutOfBounds``, a 422 naming the
field), not a refusal. What needs the programme's
records (one subsidy per item, per certificate, per person) is checked by ``subsidies``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from cockpit import codes
from cockpit.programmes.amounts import OutOfBounds, PurchaseFacts, TradeInFacts
from cockpit.programmes.rules import PurchaseEligibility

# ISO 3779 / GB 16735: letters' values and position weights for the VIN check digit.
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


@dataclass(frozen=True)
class Both:
    """A value written differently in each language (a list's separators, a sentence)."""

    en: str
    zh: str


@dataclass(frozen=True)
class Refusal:
    """Why an application is refused: the rule, the evidence it looked at, the reason."""

    rule: str
    field: str
    en: str
    zh: str

    @classmethod
    def by(cls, rule: str, field: str, **values: object) -> Refusal:
        """The refusal by ``rule``, its reason in both languages from ``codes.yaml``
        (``refusal_reason``), ``values`` (``Both`` where the languages differ) filled in."""
        if not codes.known("refusal_reason", rule):
            raise KeyError(f"refusal_reason/{rule} is not in cockpit/codes.yaml")

        def words(lang: str) -> str:
            filled = {
                k: (getattr(v, lang[:2]) if isinstance(v, Both) else v) for k, v in values.items()
            }
            return codes.text("refusal_reason", rule, lang).format(**filled)

        return cls(rule, field, words("en"), words("zh-CN"))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def reason(self) -> str:
        return f"{self.rule}: {self.en} / {self.zh}"


def vin_check_digit(vin: str) -> str:
    """The check character (position 9) of a 17-character VIN."""
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    return "X" if total % 11 == 10 else str(total % 11)


def _vin_problem(vin: str) -> str | None:
    if len(vin) != 17 or any(c not in _VIN_VALUES for c in vin):
        return "a VIN has 17 letters and digits, without I, O or Q"
    if vin[8] != vin_check_digit(vin):
        return "the VIN's check digit (position 9) does not match (GB 16735)"
    return None


def _covers(rule_code: str, code: str) -> bool:
    """500000 covers every district of Chongqing, 500100 those of its city area."""
    stem = rule_code
    while stem.endswith("00") and len(stem) > 2:
        stem = stem[:-2]
    return code.startswith(stem)


def required_evidence(el: PurchaseEligibility, facts: PurchaseFacts) -> None:
    """Refuse (OutOfBounds naming the field) an application missing evidence the rules use."""
    needed = ["item_class", "purchase_date"]
    if el.one_per_item:
        needed.append("item_id")
    if el.sellers or isinstance(facts, TradeInFacts):
        needed.append("seller")
    if el.buyer_districts:
        needed.append("buyer_district")
    for name in needed:
        if getattr(facts, name) is None:
            raise OutOfBounds(name, "required by the programme's eligibility rules")
    if el.item_id == "vin" and facts.item_id is not None:
        problem = _vin_problem(facts.item_id)
        if problem:
            raise OutOfBounds("item_id", problem)


def check(el: PurchaseEligibility, facts: PurchaseFacts) -> Refusal | None:
    """The first rule the evidence breaks, or None. Evidence must be there (see above)."""
    if facts.item_class not in el.item_classes:
        return Refusal.by(
            "item_class",
            "item_class",
            item_class=repr(facts.item_class),
            classes=Both(", ".join(el.item_classes), "、".join(el.item_classes)),
        )
    day = facts.purchase_date
    if day is None or not el.purchased_from <= day <= el.purchased_to:
        return Refusal.by(
            "purchase_window",
            "purchase_date",
            day=day,
            start=el.purchased_from,
            end=el.purchased_to,
        )
    if el.sellers and facts.seller not in el.sellers:
        return Refusal.by("seller_list", "seller", seller=facts.seller)
    district = facts.buyer_district or ""
    if el.buyer_districts and not any(_covers(d, district) for d in el.buyer_districts):
        return Refusal.by(
            "buyer_district",
            "buyer_district",
            district=district,
            districts=Both(", ".join(el.buyer_districts), "、".join(el.buyer_districts)),
        )
    return None


def from_decision(lines_en: str, lines_zh: str) -> Refusal:
    """A refusal for a purchase the amount rule finds nothing payable for (no band, no rate)."""
    return Refusal.by("amount_rule", "facts", detail=Both(lines_en, lines_zh))
