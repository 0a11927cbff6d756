"""The scenarios room's events in the lake, so indicators and plans read them like any table.

``lake/scenario_events/part-scenarios.parquet`` is a snapshot of ``scn_events`` rewritten
whole on each export (atomically), with each event's sector and district from its need.
Timestamps are naive Asia/Shanghai in microseconds, money int64 fen, as in docs/lake.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from cockpit.db import session_scope
from cockpit.scenarios.models import Call, Event, ScenarioNeed

TABLE = "scenario_events"


def _needs_by_subject(session: Any) -> dict[str, ScenarioNeed]:
    needs = {n.id: n for n in session.scalars(select(ScenarioNeed))}
    out = dict(needs)
    for call in session.scalars(select(Call)):
        out[call.id] = needs[call.scenario_id]
    return out


def event_rows(*, engine: Engine | None = None) -> list[dict[str, Any]]:
    """Every event as a lake row, oldest first."""
    with session_scope(engine) as session:
        needs = _needs_by_subject(session)
        rows = []
        for e in session.scalars(select(Event).order_by(Event.id)):
            need = needs.get(e.subject_id)
            amount = e.detail.get("value_fen", e.detail.get("price_fen"))
            rows.append(
                {
                    "event_id": e.id,
                    "subject_type": e.subject_type,
                    "subject_id": e.subject_id,
                    "ts": e.at,
                    "date": e.at.date(),
                    "month": f"{e.at:%Y-%m}",
                    "role": e.role,
                    "actor": e.actor,
                    "action": e.action,
                    "from_state": e.from_state,
                    "to_state": e.to_state,
                    "sector": need.sector if need else None,
                    "district_code": need.district_code if need else None,
                    "amount_fen": int(amount) if amount is not None else None,
                }
            )
        return rows


def export_events(*, lake: Path, engine: Engine | None = None) -> Path:
    """Write the snapshot of every scenarios event; returns the Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("event_id", pa.int64()),
            ("subject_type", pa.string()),
            ("subject_id", pa.string()),
            ("ts", pa.timestamp("us")),
            ("date", pa.date32()),
            ("month", pa.string()),
            ("role", pa.string()),
            ("actor", pa.string()),
            ("action", pa.string()),
            ("from_state", pa.string()),
            ("to_state", pa.string()),
            ("sector", pa.string()),
            ("district_code", pa.string()),
            ("amount_fen", pa.int64()),
        ]
    )
    table = pa.Table.from_pylist(event_rows(engine=engine), schema=schema)
    folder = lake / TABLE
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "part-scenarios.parquet"
    tmp = folder / ".part-scenarios.parquet.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, target)
    return target
