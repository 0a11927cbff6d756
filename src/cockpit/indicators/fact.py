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


def _types_of(rules: dict[str, Any], digital_type: str) -> list[str]:
    return [key for key, types in rules.items() if digital_type in types]


def merchant_digital_flag(m: Any, digital_type: str) -> Any:
    """The part of a digital type that follows from the merchant (category, tags)."""
    import ibis

    rules = reference.digital_taxonomy().rules
    flag = ibis.literal(False)
    if cats := _types_of(rules.by_category, digital_type):
        flag = flag | m.category.isin(cats)
    for tag in _types_of(rules.by_merchant_tag, digital_type):
        flag = flag | _has_tag(m.digital_tags, tag)
    return flag


def channel_digital_flag(t: Any, digital_type: str) -> Any:
    """The part of a digital type that follows from the payment's channel."""
    import ibis

    chans = _types_of(reference.digital_taxonomy().rules.by_channel, digital_type)
    return t.channel.isin(chans) if chans else ibis.literal(False)


def month_index(date: Any) -> Any:
    """The month of a date as a month count (year*12 + month - 1), for month arithmetic.

    From ``date`` rather than the ``month`` text (the same month, by the lake's contract):
    integer parts of a date cost far less per row than parsing text, and a scan of a
    month's files then need not read the ``month`` column at all."""
    return (date.year() * 12 + date.month() - 1).cast("int32")


def merchant_versions(merchants: Any) -> Any:
    """Each merchant version with the flags that follow from it alone.

    The string work (tag lists, category lists) belongs once a version, not once a
    payment: to keep it there on DuckDB, have the engine keep this as a table and join it
    with ``fact_on_versions``."""
    import ibis

    m = merchants.select(
        m_id=merchants.merchant_id,
        district=merchants.district_code,
        business_district=merchants.business_district.fill_null(""),
        category=merchants.category_code,
        digital_tags=merchants.digital_tags.fill_null(""),
        opened_mi=month_index(merchants.opened_on),
        valid_from=merchants.valid_from,
        valid_to=merchants.valid_to.fill_null(ibis.date(_OPEN_END)),
    )
    return m.mutate(
        kind=ibis.ifelse(m.category.isin(catering_categories()), "catering", "goods"),
        **{f"m_{col}": merchant_digital_flag(m, name) for name, col in DIGITAL_FLAGS.items()},
    )


def version_on_date(tx: Any, versions: Any) -> list[Any]:
    """Join predicates: the merchant version (``merchant_versions``) valid on ``tx.date``."""
    return [
        tx.merchant_id == versions.m_id,
        versions.valid_from <= tx.date,
        tx.date < versions.valid_to,
    ]


def fact_table(transactions: Any, merchants: Any) -> Any:
    """Transactions joined to their merchant version, with the flags formulas use."""
    return fact_on_versions(transactions, merchant_versions(merchants))


def fact_on_versions(transactions: Any, versions: Any) -> Any:
    """``fact_table`` over merchant ``versions`` (``merchant_versions``) given as they are.

    An engine that keeps the versions as a table of their own (``Engine.materialise``)
    then joins flags already computed: over the expression, DuckDB moves the version
    flags (tag and category lists) past the join and computes them once a payment, which
    took a fifth of the build's pass over the transactions."""
    m = versions
    tx = transactions
    joined = tx.join(m, version_on_date(tx, m))
    hour = joined.ts.hour()
    night_from, night_to = NIGHT_HOURS
    flagged = joined.mutate(
        mi=month_index(joined.date),
        is_online=joined.channel.isin(online_channels()),
        is_night=(hour >= night_from) | (hour < night_to),
        **{
            col: joined[f"m_{col}"] | channel_digital_flag(joined, name)
            for name, col in DIGITAL_FLAGS.items()
        },
    )
    flagged = flagged.mutate(is_new=_opened_in(flagged.opened_mi, flagged.mi))
    return flagged.mutate(
        is_digital=flagged.dp | flagged.ds | flagged.dc | flagged.dch,
    ).drop(
        "m_id",
        "valid_from",
        "valid_to",
        "opened_mi",
        *(f"m_{col}" for col in DIGITAL_FLAGS.values()),
    )


def _opened_in(opened_mi: Any, mi: Any) -> Any:
    return opened_mi == mi


def merchant_days(transactions: Any, merchants: Any) -> Any:
    """One row per merchant and date with a payment (refunds aside), with the columns the
    catalogue's merchant counts read: mi, date, district (of the merchant's version that
    day), merchant_id, is_refund (false) and is_new.

    The daily merchant counts are taken over these rows rather than over every payment:
    the distinct pairs are found before the join to the merchants, over three columns."""
    import ibis

    tx = transactions
    paid = tx.filter(~tx.is_refund).select("date", "merchant_id").distinct()
    m = merchant_versions(merchants)
    joined = paid.join(m, version_on_date(paid, m))
    mi = month_index(joined.date)
    return joined.select(
        mi=mi,
        date=joined.date,
        district=joined.district,
        merchant_id=joined.merchant_id,
        is_refund=ibis.literal(False),
        is_new=_opened_in(joined.opened_mi, mi),
    )


def unbound_fact() -> Any:
    """The fact table over unbound Ibis tables of the lake's columns (for documents and
    fingerprints: nothing is read)."""
    import ibis

    tx = ibis.table(
        {
            "source": "string",
            "txn_id": "string",
            "ts": "timestamp(6)",
            "date": "date",
            "month": "string",
            "amount_fen": "int64",
            "is_refund": "boolean",
            "merchant_id": "string",
            "channel": "string",
            "payment_method": "string",
            "payer_id": "string",
            "payer_segment": "string",
            "voucher_id": "string",
        },
        name="transactions",
    )
    m = ibis.table(
        {
            "merchant_id": "string",
            "district_code": "string",
            "business_district": "string",
            "category_code": "string",
            "digital_tags": "string",
            "opened_on": "date",
            "valid_from": "date",
            "valid_to": "date",
        },
        name="merchants",
    )
    return fact_table(tx, m)


def unpivot_digital_types(t: Any) -> Any:
    """One row per (row, digital type it has), with a ``digital_type`` column."""
    import ibis

    parts = [
        t.filter(t[col]).mutate(digital_type=ibis.literal(name))
        for name, col in DIGITAL_FLAGS.items()
    ]
    return ibis.union(*parts)
