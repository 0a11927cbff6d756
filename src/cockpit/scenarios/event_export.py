"""The scenarios room's events in the lake, so indicators and plans read them like any table.

``lake/scenario_events/part-scenarios.parquet`` is a snapshot of ``scn_events`` rewritten
whole on each export (atomically), with each event's sector and district from its need.
Its columns and types are declared in ``cockpit.lake`` (docs/lake.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from cockpit import lake as lake_tables
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
    rows = lake_tables.arrow_table(TABLE, event_rows(engine=engine))
    return lake_tables.write_snapshot(lake, TABLE, rows, "scenarios")
