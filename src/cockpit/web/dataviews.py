"""The Data page: last ingests, freshness of each source, quarantine counts and rows.

Reads the ``ingests`` and ``quarantine`` tables of the lake (docs/lake.md).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

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


def quarantine_counts(lake: Lake) -> dict[str, Any]:
    """Quarantined rows by source and reason."""
    if not lake.has("quarantine"):
        return {"available": False, "hint": INGEST_HINT}
    sql = lake.sql(
        "SELECT source, reason, count(*) AS n FROM {t} GROUP BY source, reason "
        "ORDER BY n DESC, source, reason",
        t="quarantine",
    )
    return {"available": True, "rows": lake.rows(sql)}


def quarantine_rows(
    lake: Lake, *, source: str = "", reason: str = "", offset: int = 0
) -> dict[str, Any]:
    """The quarantined rows of a source and reason (either may be ''), a page at a time."""
    if not lake.has("quarantine"):
        return {"available": False, "hint": INGEST_HINT}
    sql = lake.sql(
        "SELECT ingest_id, source, file, line, field, reason, message, raw FROM {t} "
        "WHERE (? = '' OR source = ?) AND (? = '' OR reason = ?) "
        "ORDER BY source, file, line LIMIT ? OFFSET ?",
        t="quarantine",
    )
    rows = lake.rows(sql, [source, source, reason, reason, QUARANTINE_PAGE, offset])
    return {"available": True, "rows": rows, "offset": offset, "page": QUARANTINE_PAGE}


def order_list(lake: Lake, *, months: int = 24) -> dict[str, Any]:
    """Order + List: the key trade enterprises and their monthly orders, List totals too.

    Plain sums of what the enterprises reported (``trade_orders``); the warnings on them
    are the alerts room's.
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
        "enterprises": list(enterprises.values()),
    }
