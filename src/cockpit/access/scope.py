"""District scope: the one place that says which merchant-, firm- and person-level rows a
caller may read. Default deny: a row whose district is unknown is kept from district scopes.

Every read of such rows goes through ``Scope``: in Python (``keep``, ``keep_where``; for
alerts ``sees_alert``, for subsidy applications ``sees_application``; anti-fraud flags carry
their merchant's ``district_code``) or pushed into a lake query (``sql``); ``key`` goes into
every cache key of a scoped answer, so one caller's rows never answer another's request.

    >>> city = Scope(None)
    >>> yuzhong = Scope(frozenset({"500103"}))
    >>> rows = [{"d": "500103"}, {"d": "500105"}, {"d": None}]
    >>> len(city.keep(rows, "d")), yuzhong.keep(rows, "d")
    (3, [{'d': '500103'}])
    >>> yuzhong.key, city.key
    ('districts:500103', 'city')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from cockpit.access.principal import Principal

Row = TypeVar("Row", bound=Mapping[str, Any])
Item = TypeVar("Item")

# An alert whose subject names one of these is about one firm or merchant (its title and
# summary may name it): firm-level, not an aggregate.
FIRM_SUBJECTS = ("enterprise_id=", "merchant_id=")


def names_a_firm(subject: str) -> bool:
    """True when an alert's subject (``k=v|k=v``) is one enterprise or merchant.

    >>> names_a_firm("enterprise_id=E001"), names_a_firm("district_code=500103|indicator=x")
    (True, False)
    """
    return any(part.startswith(FIRM_SUBJECTS) for part in subject.split("|"))


def application_district(application: Mapping[str, Any]) -> str | None:
    """The district of a subsidy application: the buyer's residence or the item's registration
    district its facts declare (``buyer_district``); None when they name none.

    >>> application_district({"facts": {"buyer_district": "500105"}})
    '500105'
    """
    facts = application.get("facts")
    district = facts.get("buyer_district") if isinstance(facts, Mapping) else None
    return district if isinstance(district, str) and district else None


@dataclass(frozen=True)
class Scope:
    """The districts whose rows a caller reads: ``None`` for every district."""

    districts: frozenset[str] | None

    @property
    def whole_city(self) -> bool:
        return self.districts is None

    @property
    def key(self) -> str:
        """A stable text for cache keys."""
        if self.districts is None:
            return "city"
        return "districts:" + ",".join(sorted(self.districts))

    def sees(self, district: object) -> bool:
        """True when rows of ``district`` may be shown (unknown districts: city scope only)."""
        if self.districts is None:
            return True
        return isinstance(district, str) and district in self.districts

    def keep(self, rows: Iterable[Row], district_key: str) -> list[Row]:
        """The rows whose ``district_key`` this scope sees."""
        if self.districts is None:
            return list(rows)
        return [r for r in rows if self.sees(r.get(district_key))]

    def keep_where(
        self, items: Iterable[Item], district_of: Callable[[Item], object]
    ) -> list[Item]:
        """The items whose district (``district_of(item)``) this scope sees."""
        if self.districts is None:
            return list(items)
        return [item for item in items if self.sees(district_of(item))]

    def sees_alert(self, subject: str, evidence: Mapping[str, object]) -> bool:
        """An alert about a series, a source, a district or a target is an aggregate, for
        everyone; one about a firm or merchant only for scopes that see its district (the
        ``district_code`` of its evidence; unknown: the city only).

        >>> Scope(frozenset({"500103"})).sees_alert("enterprise_id=E3", {"district_code": "500105"})
        False
        """
        if not names_a_firm(subject):
            return True
        return self.sees(evidence.get("district_code"))

    def sees_application(self, application: Mapping[str, Any]) -> bool:
        """True when this scope reads the subsidy application (by ``application_district``)."""
        return self.sees(application_district(application))

    def sql(self, expression: str) -> tuple[str, list[str]]:
        """A SQL condition on ``expression`` (a district code) and its parameters."""
        if self.districts is None:
            return "TRUE", []
        if not self.districts:
            return "FALSE", []
        codes = sorted(self.districts)
        return f"coalesce({expression} IN ({', '.join('?' for _ in codes)}), FALSE)", codes

    def home_district(self) -> str:
        """The district a page opens at for this caller ('' = the city)."""
        return min(self.districts) if self.districts else ""


CITY = Scope(None)
NOTHING = Scope(frozenset())


def scope_of(principal: Principal) -> Scope:
    """How far ``principal`` reads rows: city-wide roles everything, district officials their
    districts, registry principals (merchant, firm, claimant app keys) and anyone else no
    other party's rows."""
    if principal.kind == "anonymous" or not principal.role:
        return NOTHING
    kind = principal.scope
    if kind == "city":
        return CITY
    if kind == "districts":
        return Scope(frozenset(principal.districts))
    return NOTHING
