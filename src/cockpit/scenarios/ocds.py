"""Open data: calls and awards as OCDS 1.1 release packages, validated against the schema.

One release per call describes the contracting process as it stands (tags name the
sections present). The schema files in ``data/ocds/`` are shipped with the package;
``validate_package`` checks a package with jsonschema, date-times and URIs included.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cockpit import reference
from cockpit.db import session_scope
from cockpit.format import SHANGHAI
from cockpit.scenarios import history
from cockpit.scenarios.models import Application, Call, Event, Firm, ScenarioNeed
from cockpit.scenarios.sample import data_path
from cockpit.scenarios.vocab import SECTORS, CallState

OCID_PREFIX = "ocds-cqscn0"  # to be replaced by the prefix the city registers with OCP
PACKAGE_URI = "urn:commerce-cockpit:scenarios:ocds"
PUBLISHER = {
    "name": "重庆市元宇宙应用供需对接平台（Commerce Cockpit）",
    "uid": None,
    "scheme": None,
}
S = CallState
TENDER_STATUS = {
    S.DRAFT: "planned",
    S.PUBLISHED: "active",
    S.APPLICATIONS_OPEN: "active",
    S.CLOSED: "active",
    S.REVIEWED: "active",
    S.AWARDED: "complete",
    S.CONTRACTED: "complete",
    S.DELIVERED: "complete",
    S.ACCEPTED: "complete",
    S.WITHDRAWN: "cancelled",
}
AFTER_AWARD = (S.AWARDED, S.CONTRACTED, S.DELIVERED, S.ACCEPTED)
AFTER_CONTRACT = (S.CONTRACTED, S.DELIVERED, S.ACCEPTED)


def iso(at: datetime | None) -> str | None:
    """A stored (naive Shanghai) time as RFC 3339 with +08:00."""
    return None if at is None else at.replace(tzinfo=SHANGHAI).isoformat()


def yuan(fen: int | None) -> dict[str, Any]:
    """An OCDS Value in yuan from integer fen."""
    return {"amount": None if fen is None else fen / 100, "currency": "CNY"}


def _unit_id(name: str) -> str:
    return "unit-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]


def _party(pid: str, name: str, district: str, roles: list[str]) -> dict[str, Any]:
    region = reference.district(district).name_zh
    address = {"region": region, "locality": reference.CITY_NAME_ZH, "countryName": "中国"}
    return {"id": pid, "name": name, "address": address, "roles": roles}


def _steps(session: Session, call_id: str) -> dict[str, datetime]:
    """When the call first reached each state."""
    stmt = select(Event).where(Event.subject_id == call_id, Event.to_state.is_not(None))
    out: dict[str, datetime] = {}
    for event in session.scalars(stmt.order_by(Event.id)):
        out.setdefault(event.to_state or "", event.at)
    return out


def _criteria_text(call: Call) -> str:
    parts = [f"{c['name_zh']} {c['weight']}%" for c in call.criteria]
    return "评审项及权重：" + "；".join(parts)


def _tender(
    call: Call,
    need: ScenarioNeed,
    apps: list[Application],
    when: dict[str, datetime],
    firms: dict[str, Firm],
) -> dict[str, Any]:
    sector = next(s for s in SECTORS if s.code == need.sector)
    explanation = call.award_explanation or {}
    rule = explanation.get("rule", {}).get("zh", "")
    return {
        "id": call.id,
        "title": call.title_zh,
        "description": need.description_zh,
        "status": TENDER_STATUS[S(call.state)],
        "statusDetails": call.state,
        "value": yuan(need.budget_max_fen),
        "minValue": yuan(need.budget_min_fen),
        "procurementMethod": "open",
        "procurementMethodDetails": "揭榜挂帅 (open call for solutions)",
        "mainProcurementCategory": "services",
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": f"{_criteria_text(call)}。{rule}",
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {
            "startDate": iso(when.get("applications_open")),
            "endDate": iso(
                when.get("closed")
                or datetime.combine(need.deadline, datetime.max.time()).replace(microsecond=0)
            ),
        },
        "items": [
            {
                "id": "1",
                "description": need.title_zh,
                "classification": {
                    "scheme": "cockpit-sector",
                    "id": sector.code,
                    "description": sector.name_zh,
                },
            }
        ],
        "numberOfTenderers": len(apps),
        "tenderers": [{"id": a.firm_id, "name": firms[a.firm_id].name_zh} for a in apps],
    }


def _award(
    call: Call, winner: Application, firm: Firm, when: dict[str, datetime]
) -> dict[str, Any]:
    decided = (call.award_explanation or {}).get("decided_by", {})
    return {
        "id": f"{call.id}-award",
        "title": call.title_zh,
        "description": decided.get("zh"),
        "status": "cancelled" if call.state == S.WITHDRAWN else "active",
        "date": iso(when.get("awarded")),
        "value": yuan(call.award_value_fen),
        "suppliers": [{"id": firm.id, "name": firm.name_zh}],
    }


def _milestone(key: str, title: str, at: datetime | None) -> dict[str, Any]:
    return {"id": key, "title": title, "status": "met" if at else "scheduled", "dateMet": iso(at)}


def _contract(call: Call, when: dict[str, datetime]) -> dict[str, Any]:
    return {
        "id": f"{call.id}-contract",
        "awardID": f"{call.id}-award",
        "title": call.title_zh,
        "status": "terminated" if call.state == S.ACCEPTED else "active",
        "dateSigned": iso(call.contract_signed_at),
        "value": yuan(call.contract_value_fen),
        "implementation": {
            "milestones": [
                _milestone("delivery", "实施交付", when.get("delivered")),
                _milestone("acceptance", "验收", when.get("accepted")),
            ]
        },
    }


def _tags(state: CallState) -> list[str]:
    if state == S.DRAFT:
        return ["planning"]
    if state == S.WITHDRAWN:
        return ["tenderCancellation"]
    tags = ["tender"]
    tags += ["award"] if state in AFTER_AWARD else []
    tags += ["contract"] if state in AFTER_CONTRACT else []
    tags += ["implementation"] if state in (S.DELIVERED, S.ACCEPTED) else []
    return tags


def release_of(session: Session, call: Call) -> dict[str, Any]:
    """The OCDS release describing ``call`` as it stands."""
    need = session.get(ScenarioNeed, call.scenario_id)
    assert need is not None
    apps = list(
        session.scalars(
            select(Application)
            .where(Application.call_id == call.id)
            .order_by(Application.submitted_at, Application.id)
        )
    )
    firms = {
        f.id: f for f in session.scalars(select(Firm).where(Firm.id.in_([a.firm_id for a in apps])))
    }
    when = _steps(session, call.id)
    events = history.events_of(session, call.id)
    ocid = f"{OCID_PREFIX}-{call.id}"
    buyer_id = _unit_id(need.contact_unit_zh)
    parties = [
        _party(buyer_id, need.contact_unit_zh, need.district_code, ["buyer", "procuringEntity"])
    ]
    winner = next((a for a in apps if a.id == call.award_application_id), None)
    for a in apps:
        roles = (
            ["tenderer", "supplier"] if winner is not None and a.id == winner.id else ["tenderer"]
        )
        parties.append(
            _party(a.firm_id, firms[a.firm_id].name_zh, firms[a.firm_id].district_code, roles)
        )
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{ocid}-{events[-1].id if events else 0}",
        "date": iso(call.updated_at),
        "tag": _tags(S(call.state)),
        "initiationType": "tender",
        "language": "zh",
        "parties": parties,
        "buyer": {"id": buyer_id, "name": need.contact_unit_zh},
        "planning": {
            "rationale": need.description_zh,
            "budget": {
                "description": f"预算区间 {need.budget_min_fen / 1_000_000:g}–"
                f"{need.budget_max_fen / 1_000_000:g} 万元",
                "amount": yuan(need.budget_max_fen),
            },
        },
        "tender": _tender(call, need, apps, when, firms),
    }
    if winner is not None:
        release["awards"] = [_award(call, winner, firms[winner.firm_id], when)]
    if call.contract_signed_at is not None:
        release["contracts"] = [_contract(call, when)]
    return release


def release_package(
    *,
    engine: Engine | None = None,
    call_ids: list[str] | None = None,
    published: datetime | None = None,
) -> dict[str, Any]:
    """A release package of every call (or of ``call_ids``), drafts left out."""
    stmt = select(Call).where(Call.state != S.DRAFT).order_by(Call.created_at, Call.id)
    if call_ids is not None:
        stmt = stmt.where(Call.id.in_(call_ids))
    with session_scope(engine) as session:
        releases = [release_of(session, c) for c in session.scalars(stmt)]
    return {
        "uri": PACKAGE_URI,
        "version": "1.1",
        "publishedDate": iso(history.as_shanghai(published)),
        "publisher": PUBLISHER,
        "releases": releases,
    }


@cache
def schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """The shipped OCDS 1.1 release-package and release schemas."""
    load = [
        json.loads(data_path(f"ocds/{n}").read_text("utf-8"))
        for n in ("release-package-schema.json", "release-schema.json")
    ]
    return load[0], load[1]


def _is_date_time(value: object) -> bool:
    # RFC 3339 needs a date, a time and an offset; fromisoformat alone is laxer.
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value)
    return "T" in value and parsed.tzinfo is not None


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlparse(value).scheme)


def _format_checker() -> Any:
    # jsonschema checks date-time and uri only when optional packages are installed;
    # these two checkers make the validation the same everywhere.
    from jsonschema import FormatChecker  # type: ignore[import-untyped]

    checker = FormatChecker()
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    checker.checks("uri")(_is_uri)
    return checker


def validate_package(package: dict[str, Any]) -> list[str]:
    """Every schema error of ``package`` as 'path: message' (empty: valid)."""
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    package_schema, release_schema = schemas()
    registry: Registry[Any] = Registry().with_resource(
        release_schema["id"], Resource.from_contents(release_schema, default_specification=DRAFT4)
    )
    validator = Draft4Validator(package_schema, registry=registry, format_checker=_format_checker())
    errors = sorted(validator.iter_errors(package), key=lambda e: list(e.absolute_path))
    return ["/".join(map(str, e.absolute_path)) + f": {e.message}" for e in errors]
