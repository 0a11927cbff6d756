"""The Data page: last ingests, freshness of each source, quarantine counts and rows.

Reads the ``ingests`` and ``quarantine`` tables of the lake (docs/lake.md).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from cockpit.access import CITY, Scope
from cockpit.web.tablecache import Lake

INGEST_HINT = "cockpit ingest"
QUARANTINE_PAGE = 50


def _iso(value: Any) -> Any:
    return value.isoformat(sep=" ", timespec="seconds") if isinstance(value, datetime) else value


def month_span(months: str | None) -> str:
    """An ingest's months ('2024-01;2024-02;…') as first – last and how many, not a list.

    >>> month_span("2024-03;2024-01;2024-02")
    '2024-01 – 2024-03 (3)'
    """
    found = sorted({m for m in (months or "").split(";") if m})
    if len(found) <= 2:
        return " · ".join(found) or "—"
    return f"{found[0]} – {found[-1]} ({len(found)})"


def last_ingests(lake: Lake, *, limit: int = 20) -> dict[str, Any]:
    """The most recent ingests, newest first."""
    if not lake.has("ingests"):
        return {"available": False, "hint": INGEST_HINT}
    sql = lake.sql(
        "SELECT ingest_id, source, file, started_at, finished_at, rows_read, accepted, "
        "quarantined, duplicates, months FROM {t} ORDER BY finished_at DESC, ingest_id LIMIT ?",
        t="ingests",
    )
    rows = [{k: _iso(v) for k, v in r.items()} for r in lake.rows(sql, [limit])]
    for row in rows:
        row["month_span"] = month_span(row["months"])
    return {"available": True, "rows": rows}


def freshness(lake: Lake, *, today: date | None = None) -> dict[str, Any]:
    """Per source: the last ingest, the latest month it touched, and days since."""
    if not lake.has("ingests"):
        return {"available": False, "hint": INGEST_HINT}
    sql = lake.sql(
        "SELECT source, max(finished_at) AS last_ingest, "
        "max(list_max(string_split(coalesce(months, ''), ';'))) AS latest_month, "
        "sum(rows_read) AS rows_read FROM {t} GROUP BY source ORDER BY source",
        t="ingests",
    )
    today = today or date.today()
    rows = []
    for r in lake.rows(sql):
        last = r["last_ingest"]
        age = (today - last.date()).days if isinstance(last, datetime) else None
        rows.append({**r, "last_ingest": _iso(last), "age_days": age})
    return {"available": True, "rows": rows}


def _quarantine_scope(lake: Lake, scope: Scope) -> tuple[str, list[str]]:
    """The scope's condition on a quarantined row: the district its raw record names, else
    the district of the merchant it names; a row naming neither is for the city only."""
    named = "json_extract_string(q.raw, '$.district_code')"
    if lake.has("merchants"):
        merchant = (
            "(SELECT any_value(m.district_code) FROM {m} m "
            "WHERE m.merchant_id = json_extract_string(q.raw, '$.merchant_id'))"
        )
        named = f"coalesce({named}, {merchant})"
    district = f"CASE WHEN json_valid(q.raw) THEN {named} END"
    return scope.sql(district)


def _scoped_quarantine(lake: Lake, scope: Scope, select: str, rest: str) -> str:
    condition, _ = _quarantine_scope(lake, scope)
    template = f"SELECT {select} FROM {{t}} q WHERE {condition} {rest}"
    tables = {"t": "quarantine", "m": "merchants"} if "{m}" in template else {"t": "quarantine"}
    return lake.sql(template, **tables)


def quarantine_counts(lake: Lake, *, scope: Scope = CITY) -> dict[str, Any]:
    """Quarantined rows by source and reason (of the districts ``scope`` sees)."""
    if not lake.has("quarantine"):
        return {"available": False, "hint": INGEST_HINT}
    sql = _scoped_quarantine(
        lake,
        scope,
        "source, reason, count(*) AS n",
        "GROUP BY source, reason ORDER BY n DESC, source, reason",
    )
    return {"available": True, "rows": lake.rows(sql, _quarantine_scope(lake, scope)[1])}


def quarantine_rows(
    lake: Lake, *, source: str = "", reason: str = "", offset: int = 0, scope: Scope = CITY
) -> dict[str, Any]:
    """The quarantined rows of a source and reason (either may be ''), a page at a time,
    of the districts ``scope`` sees."""
    if not lake.has("quarantine"):
        return {"available": False, "hint": INGEST_HINT}
    sql = _scoped_quarantine(
        lake,
        scope,
        "ingest_id, source, file, line, field, reason, message, raw",
        "AND (? = '' OR source = ?) AND (? = '' OR reason = ?) "
        "ORDER BY source, file, line LIMIT ? OFFSET ?",
    )
    params = [*_quarantine_scope(lake, scope)[1], source, source, reason, reason]
    rows = lake.rows(sql, [*params, QUARANTINE_PAGE, offset])
    return {"available": True, "rows": rows, "offset": offset, "page": QUARANTINE_PAGE}


def order_list(lake: Lake, *, months: int = 24, scope: Scope = CITY) -> dict[str, Any]:
    """Order + List: the key trade enterprises and their monthly orders, List totals too.

    Plain sums of what the enterprises reported (``trade_orders``); the warnings on them
    are the alerts room's. Named enterprises are those of the districts ``scope`` sees; the
    List totals stay the city's (an aggregate).
    """
    if not (lake.has("trade_enterprises") and lake.has("trade_orders")):
        return {"available": False, "hint": INGEST_HINT}
    recent = lake.sql(
        "SELECT o.enterprise_id, e.name, e.district_code, o.month, o.orders_in_hand_fen, "
        "o.new_orders_fen, o.export_value_fen FROM {o} o JOIN {e} e USING (enterprise_id) "
        "WHERE o.month >= (SELECT strftime(strptime(max(month), '%Y-%m') - INTERVAL (? - 1) "
        "MONTH, '%Y-%m') FROM {o}) ORDER BY o.enterprise_id, o.month",
        o="trade_orders",
        e="trade_enterprises",
    )
    rows = lake.rows(recent, [months])
    if not rows:
        return {"available": False, "hint": INGEST_HINT}
    periods = sorted({r["month"] for r in rows})
    totals = {
        key: [sum(r[key] or 0 for r in rows if r["month"] == p) for p in periods]
        for key in ("orders_in_hand_fen", "new_orders_fen", "export_value_fen")
    }
    enterprises: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = enterprises.setdefault(
            r["enterprise_id"],
            {
                "id": r["enterprise_id"],
                "name": r["name"],
                "district_code": r["district_code"],
                "new_orders": {},
            },
        )
        entry["new_orders"][r["month"]] = r["new_orders_fen"]
    return {
        "available": True,
        "periods": periods,
        "totals": totals,
        "enterprises": scope.keep(enterprises.values(), "district_code"),
    }
