"""The firm registry: load the office lists into the operational database.

A firm's row is replaced when a list says something new about it, and the old row is kept
as a version (``ind_firm_versions``). Designations, carriers, chain links and candidates
are keyed by their natural keys: a list row with the same key updates it. Refused rows are
kept in ``ind_rejects`` with file, line, field and reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cockpit.db import session_scope
from cockpit.format import SHANGHAI
from cockpit.industry.lists import ReadList, read_list
from cockpit.industry.models import (
    CandidateRow,
    CarrierRow,
    DesignationRow,
    FirmRefRow,
    FirmRow,
    FirmVersionRow,
    LinkRow,
    RejectRow,
)

FIRM_FIELDS = (
    "name_zh",
    "name_en",
    "district_code",
    "park",
    "founded_on",
    "size",
    "revenue_fen",
    "revenue_year",
    "market_value_fen",
    "employees",
)


def now_shanghai() -> datetime:
    """Wall-clock time in Shanghai, naive (as the room's tables store it)."""
    return datetime.now(SHANGHAI).replace(tzinfo=None)


@dataclass
class LoadReport:
    """What one list file did to the registry."""

    load_id: str
    kind: str
    file: str
    rows_read: int
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def load_list(
    kind: str, path: Path, *, sheet: str | None = None, engine: Engine | None = None
) -> LoadReport:
    """Read ``path`` as a list of ``kind`` and apply it in one transaction."""
    read = read_list(kind, path, sheet=sheet)
    if kind == "firms":
        _refuse_repeats(read)
    report = LoadReport(
        load_id=f"ind-{uuid.uuid4().hex[:10]}",
        kind=kind,
        file=path.name,
        rows_read=len(read.records) + len(read.rejects),
    )
    when = now_shanghai()
    with session_scope(engine) as session:
        if kind in ("designations", "links", "refs"):
            _refuse_unknown_firms(session, read)
        apply = APPLY[kind]
        for record in read.records:
            outcome = apply(session, record, path.name, when)
            setattr(report, outcome, getattr(report, outcome) + 1)
        _keep_rejects(session, read, report.load_id, when)
    report.rejected = len(read.rejects)
    for r in read.rejects:
        report.reasons[r.reason] = report.reasons.get(r.reason, 0) + 1
    return report


def _refuse_repeats(read: ReadList) -> None:
    """A firm listed twice in one file: the later rows are refused, naming the first line."""
    first: dict[str, int] = {}
    kept: list[dict[str, Any]] = []
    for record in read.records:
        code = record["credit_code"]
        if code in first:
            read.refuse(
                record,
                "credit_code",
                "duplicate_firm",
                f"'{code}' is already on line {first[code]}",
            )
            continue
        first[code] = record["line"]
        kept.append(record)
    read.records = kept


def _refuse_unknown_firms(session: Session, read: ReadList) -> None:
    codes = {r["credit_code"] for r in read.records}
    known = set(session.scalars(select(FirmRow.credit_code).where(FirmRow.credit_code.in_(codes))))
    kept = []
    for record in read.records:
        if record["credit_code"] in known:
            kept.append(record)
            continue
        code = record["credit_code"]
        read.refuse(record, "credit_code", "unknown_firm", f"'{code}' is not in the firm registry")
    read.records = kept


def _firm_values(record: dict[str, Any]) -> dict[str, Any]:
    def whole(value: Any) -> int | None:
        return None if value is None else int(value)

    return {
        "name_zh": record["name"],
        "name_en": record.get("name_en"),
        "district_code": record["district_code"],
        "park": record.get("park"),
        "founded_on": record.get("founded_on"),
        "size": record.get("size"),
        "revenue_fen": whole(record.get("revenue_fen")),
        "revenue_year": whole(record.get("revenue_year")),
        "market_value_fen": whole(record.get("market_value_fen")),
        "employees": whole(record.get("employees")),
    }


def _version_data(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}


def _apply_firm(session: Session, record: dict[str, Any], file: str, when: datetime) -> str:
    code = record["credit_code"]
    values = _firm_values(record)
    row = session.get(FirmRow, code)
    if row is not None and all(getattr(row, k) == values[k] for k in FIRM_FIELDS):
        return "unchanged"
    version = 1 if row is None else row.version + 1
    if row is None:
        session.add(FirmRow(credit_code=code, version=1, updated_at=when, **values))
    else:
        for key, value in values.items():
            setattr(row, key, value)
        row.version, row.updated_at = version, when
    session.add(
        FirmVersionRow(
            credit_code=code,
            version=version,
            data=_version_data(values),
            source_file=file,
            line=record["line"],
            recorded_at=when,
        )
    )
    return "added" if version == 1 else "changed"


def _upsert(session: Session, model: type, key: dict[str, Any], values: dict[str, Any]) -> str:
    row = session.scalars(select(model).filter_by(**key)).first()
    if row is None:
        session.add(model(**key, **values))
        session.flush()
        return "added"
    if all(getattr(row, k) == v for k, v in values.items()):
        return "unchanged"
    for k, v in values.items():
        setattr(row, k, v)
    return "changed"


def _apply_designation(session: Session, r: dict[str, Any], _file: str, _when: datetime) -> str:
    key = {
        "credit_code": r["credit_code"],
        "kind": r["kind"],
        "level": r["level"],
        "granted_on": r["granted_on"],
    }
    return _upsert(
        session, DesignationRow, key, {"expires_on": r.get("expires_on"), "source": r["source"]}
    )


def _apply_carrier(session: Session, r: dict[str, Any], _file: str, _when: datetime) -> str:
    values = {
        "chain_id": r["chain"],
        "level": r["level"],
        "district_code": r["district_code"],
        "operator_code": r.get("operator_code"),
        "floor_area_m2": r.get("floor_area_m2"),
        "designated_on": r["designated_on"],
    }
    return _upsert(session, CarrierRow, {"kind": r["kind"], "name_zh": r["name"]}, values)


def _apply_link(session: Session, r: dict[str, Any], _file: str, _when: datetime) -> str:
    key = {"credit_code": r["credit_code"], "chain_id": r["chain"], "node_id": r["node"]}
    values = {"status": r["status"], "source": r["source"], "evidence_on": r["evidence_on"]}
    existing = session.scalars(select(LinkRow).filter_by(**key)).first()
    if existing is not None and existing.evidence_on > r["evidence_on"]:
        return "unchanged"  # older evidence never overrides newer
    return _upsert(session, LinkRow, key, values)


def _apply_candidate(session: Session, r: dict[str, Any], _file: str, _when: datetime) -> str:
    key = {"credit_code": r["credit_code"], "chain_id": r["chain"], "node_id": r["node"]}
    designations = [d for d in (r.get("designations") or "").split(";") if d]
    revenue = r.get("revenue_fen")
    values = {
        "name_zh": r["name"],
        "region_zh": r["region"],
        "revenue_fen": None if revenue is None else int(revenue),
        "designations": designations,
        "source": r["source"],
    }
    return _upsert(session, CandidateRow, key, values)


def _apply_ref(session: Session, r: dict[str, Any], _file: str, _when: datetime) -> str:
    key = {"room": r["room"], "ref_id": r["ref_id"]}
    return _upsert(session, FirmRefRow, key, {"credit_code": r["credit_code"]})


APPLY = {
    "firms": _apply_firm,
    "designations": _apply_designation,
    "carriers": _apply_carrier,
    "links": _apply_link,
    "candidates": _apply_candidate,
    "refs": _apply_ref,
}


def _keep_rejects(session: Session, read: ReadList, load_id: str, when: datetime) -> None:
    for r in read.rejects:
        session.add(
            RejectRow(
                load_id=load_id,
                list_kind=read.kind,
                source_file=read.path.name,
                line=r.line,
                field=r.field,
                reason=r.reason,
                message=r.message,
                raw=r.raw,
                loaded_at=when,
            )
        )


def refused_rows(*, engine: Engine | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """The rows loads refused, newest load first, with file, line, field and reason."""
    stmt = select(RejectRow).order_by(RejectRow.id.desc()).limit(limit)
    with session_scope(engine) as session:
        return [
            {
                "load_id": r.load_id,
                "list": r.list_kind,
                "file": r.source_file,
                "line": r.line,
                "field": r.field,
                "reason": r.reason,
                "message": r.message,
                "loaded_at": r.loaded_at,
            }
            for r in session.scalars(stmt)
        ]


def firm_history(credit_code: str, *, engine: Engine | None = None) -> dict[str, Any]:
    """One firm: its current row's version, every version, designations with their dates, and
    other rooms' ids for it. ``NotFound`` when the registry has no such firm."""
    from cockpit.industry.creditcode import normalise
    from cockpit.industry.identity import references_of
    from cockpit.industry.models import DesignationRow
    from cockpit.industry.vocab import NotFound

    code = normalise(credit_code)
    with session_scope(engine) as session:
        firm = session.get(FirmRow, code)
        if firm is None:
            raise NotFound(f"no firm {code} in the registry")
        versions = session.scalars(
            select(FirmVersionRow)
            .where(FirmVersionRow.credit_code == code)
            .order_by(FirmVersionRow.version)
        )
        designations = session.scalars(
            select(DesignationRow)
            .where(DesignationRow.credit_code == code)
            .order_by(DesignationRow.granted_on)
        )
        out = {
            "credit_code": code,
            "name_zh": firm.name_zh,
            "district_code": firm.district_code,
            "version": firm.version,
            "versions": [
                {
                    "version": v.version,
                    "data": v.data,
                    "source_file": v.source_file,
                    "line": v.line,
                    "recorded_at": v.recorded_at,
                }
                for v in versions
            ],
            "designations": [
                {
                    "kind": d.kind,
                    "level": d.level,
                    "granted_on": d.granted_on,
                    "expires_on": d.expires_on,
                    "source": d.source,
                }
                for d in designations
            ],
        }
    out["references"] = references_of(code, engine=engine)
    return out
