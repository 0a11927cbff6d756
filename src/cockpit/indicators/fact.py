"""The fact table every formula reads: transactions with the merchant valid on their date.

Flags (online, night, digital types, new merchant) come from the reference data, so
editing ``codes.yaml`` or ``digital_taxonomy.yaml`` changes the indicators, not the code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cockpit import reference
from cockpit.indicators.catalogue import NIGHT_HOURS

DIGITAL_FLAGS = {
    "digital_products": "dp",
    "digital_services": "ds",
    "digital_content": "dc",
    "digital_channels": "dch",
}
_OPEN_END = dt.date(9999, 12, 31)


def online_channels() -> list[str]:
    """Channel codes NBS counts as online (``online: true`` in codes.yaml)."""
    return [c.code for c in reference.channels() if c.online]


def catering_categories() -> list[str]:
    """Category codes of catering (the rest are goods)."""
    return [c.code for c in reference.categories() if c.kind == "catering"]


def _has_tag(tags: Any, tag: str) -> Any:
    return (";" + tags + ";").contains(f";{tag};")


def digital_flag(t: Any, digital_type: str) -> Any:
    """Whether a fact row is of ``digital_type``: any taxonomy rule of that type matches."""
    import ibis

    rules = reference.digital_taxonomy().rules
    cats = [c for c, types in rules.by_category.items() if digital_type in types]
    chans = [c for c, types in rules.by_channel.items() if digital_type in types]
    tags = [g for g, types in rules.by_merchant_tag.items() if digital_type in types]
    flag = ibis.literal(False)
    if cats:
        flag = flag | t.category.isin(cats)
    if chans:
        flag = flag | t.channel.isin(chans)
    for tag in tags:
        flag = flag | _has_tag(t.digital_tags, tag)
    return flag


def month_index(month: Any) -> Any:
    """``YYYY-MM`` as a month count (year*12 + month - 1), for month arithmetic."""
    return month.substr(0, 4).cast("int32") * 12 + month.substr(5, 2).cast("int32") - 1


def fact_table(transactions: Any, merchants: Any) -> Any:
    """Transactions joined to their merchant version, with the flags formulas use."""
    import ibis

    m = merchants.select(
        m_id=merchants.merchant_id,
        district=merchants.district_code,
        business_district=merchants.business_district.fill_null(""),
        category=merchants.category_code,
        digital_tags=merchants.digital_tags.fill_null(""),
        opened_on=merchants.opened_on,
        valid_from=merchants.valid_from,
        valid_to=merchants.valid_to.fill_null(ibis.date(_OPEN_END)),
    )
    tx = transactions
    joined = tx.join(m, [tx.merchant_id == m.m_id, m.valid_from <= tx.date, tx.date < m.valid_to])
    hour = joined.ts.hour()
    night_from, night_to = NIGHT_HOURS
    opened_mi = joined.opened_on.year() * 12 + joined.opened_on.month() - 1
    flagged = joined.mutate(
        mi=month_index(joined.month),
        kind=ibis.ifelse(joined.category.isin(catering_categories()), "catering", "goods"),
        is_online=joined.channel.isin(online_channels()),
        is_night=(hour >= night_from) | (hour < night_to),
    )
    flagged = flagged.mutate(
        is_new=opened_mi == flagged.mi,
        **{col: digital_flag(flagged, name) for name, col in DIGITAL_FLAGS.items()},
    )
    return flagged.mutate(
        is_digital=flagged.dp | flagged.ds | flagged.dc | flagged.dch,
    ).drop("m_id", "valid_from", "valid_to", "opened_on")


def unpivot_digital_types(t: Any) -> Any:
    """One row per (row, digital type it has), with a ``digital_type`` column."""
    import ibis

    parts = [
        t.filter(t[col]).mutate(digital_type=ibis.literal(name))
        for name, col in DIGITAL_FLAGS.items()
    ]
    return ibis.union(*parts)
