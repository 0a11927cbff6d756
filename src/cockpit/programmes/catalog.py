"""Installed programmes: install one (funding its budget on the ledger), read its rules.

Every service of the room starts here: a programme is found by its code, its validated rules
are read back from the database, and each programme has two ledger chains — its budget
(``p<id>``) and its operations (``o<id>``).
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select

from cockpit.programmes import ledger
from cockpit.programmes.ledger import GENESIS, Move, now_iso
from cockpit.programmes.models import ChainRow, ProgrammeRow
from cockpit.programmes.rules import SubsidyProgramme, VoucherProgramme
from cockpit.programmes.tx import (
    Conflict,
    NotAllowed,
    NotFound,
    engine_or_default,
    request_hash,
    write_tx,
)


def programme_chain(programme_id: int) -> str:
    return f"p{programme_id}"


def ops_chain(programme_id: int) -> str:
    return f"o{programme_id}"


def install_programme(
    *,
    programme: VoucherProgramme | SubsidyProgramme,
    engine: Engine | None = None,
    now: datetime | None = None,
) -> int:
    """Install a programme (idempotent by code): fund its budget from the treasury.

    ``now`` is the funding's value time (default: now).
    """
    engine = engine_or_default(engine)
    rules = programme.model_dump_json()
    rules_sha256 = request_hash(json.loads(rules))
    with write_tx(engine) as conn:
        found = conn.execute(
            select(ProgrammeRow).where(ProgrammeRow.code == programme.code)
        ).first()
        if found is not None:
            if found.rules_json != rules:
                raise Conflict(f"programme {programme.code} is installed with other rules")
            return int(found.id)
        pid = int(
            conn.execute(
                insert(ProgrammeRow).returning(ProgrammeRow.id),
                {
                    "code": programme.code,
                    "kind": programme.kind,
                    "name_zh": programme.name_zh,
                    "name_en": programme.name_en,
                    "rules_json": rules,
                    "rules_sha256": rules_sha256,
                    "budget_fen": programme.budget_fen,
                    "installed_at": now_iso(),
                },
            ).scalar_one()
        )
        conn.execute(
            insert(ChainRow),
            [
                {
                    "chain_id": programme_chain(pid),
                    "programme_id": pid,
                    "account": f"budget:{pid}",
                    "balance_fen": 0,
                    "seq": 0,
                    "head_hash": GENESIS,
                    "prev_hash": GENESIS,
                },
                {
                    "chain_id": ops_chain(pid),
                    "programme_id": pid,
                    "account": None,
                    "balance_fen": None,
                    "seq": 0,
                    "head_hash": GENESIS,
                    "prev_hash": GENESIS,
                },
            ],
        )
        ledger.append(
            conn,
            chain_id=programme_chain(pid),
            programme_id=pid,
            balance_delta=programme.budget_fen,
            value_at=now,
            moves=[
                Move(
                    "fund",
                    f"treasury:{pid}",
                    f"budget:{pid}",
                    programme.budget_fen,
                    ref=programme.code,
                    doc=rules_sha256,  # the rules funded: an edit to them is found
                )
            ],
        )
    return pid


def load_rules(conn: Connection, programme_id: int) -> VoucherProgramme | SubsidyProgramme:
    from pydantic import TypeAdapter

    from cockpit.programmes.rules import Programme

    row = conn.execute(select(ProgrammeRow).where(ProgrammeRow.id == programme_id)).first()
    if row is None:
        raise NotFound(f"no programme {programme_id}")
    adapter: TypeAdapter[VoucherProgramme | SubsidyProgramme] = TypeAdapter(Programme)
    return adapter.validate_json(row.rules_json)


def programme_id_of(conn: Connection, code: str) -> int:
    found = conn.execute(select(ProgrammeRow.id).where(ProgrammeRow.code == code)).scalar()
    if found is None:
        raise NotFound(f"no programme {code!r}")
    return int(found)


def voucher_rules(conn: Connection, programme_id: int) -> VoucherProgramme:
    rules = load_rules(conn, programme_id)
    if not isinstance(rules, VoucherProgramme):
        raise NotAllowed(f"programme {programme_id} is a {rules.kind}, not a voucher programme")
    return rules
