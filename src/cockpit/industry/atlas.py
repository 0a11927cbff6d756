"""The investment map (招商图谱): each chain node with its local firms and coverage, the gap
list with candidate firms from outside the city, and the registry's firm list.

Coverage of a node, from its confirmed local firms (``Chain.coverage`` sets the numbers):
``gap`` when there is none, or all are small (sizes in ``small_sizes``, or size unknown);
``strong`` when at least ``strong_min_firms`` are not small; ``weak`` otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from cockpit.db import session_scope
from cockpit.industry.chains import Chain, all_chains, get_chain
from cockpit.industry.models import CandidateRow, DesignationRow, FirmRow, LinkRow
from cockpit.industry.vocab import NotFound

Coverage = Literal["strong", "weak", "gap"]


@dataclass(frozen=True)
class FirmBrief:
    credit_code: str
    name_zh: str
    district_code: str
    size: str | None
    revenue_fen: int | None
    designations: list[str]
    status: str = ""


@dataclass(frozen=True)
class CandidateBrief:
    credit_code: str
    name_zh: str
    region_zh: str
    revenue_fen: int | None
    designations: list[str]
    source: str


@dataclass
class NodeView:
    chain_id: str
    segment_id: str
    segment_zh: str
    segment_en: str
    node_id: str
    node_zh: str
    node_en: str
    coverage: Coverage
    confirmed: list[FirmBrief] = field(default_factory=list)
    uncertain: list[FirmBrief] = field(default_factory=list)
    candidates: list[CandidateBrief] = field(default_factory=list)

    @property
    def revenue_fen(self) -> int:
        return sum(f.revenue_fen or 0 for f in self.confirmed)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"revenue_fen": self.revenue_fen}


def coverage_of(chain: Chain, confirmed: list[FirmBrief]) -> Coverage:
    """strong, weak or gap, by the rule of the module docstring."""
    sizeable = [f for f in confirmed if f.size and f.size not in chain.coverage.small_sizes]
    if not sizeable:
        return "gap"
    return "strong" if len(sizeable) >= chain.coverage.strong_min_firms else "weak"


def designations_in_force(session: Session, on: date) -> dict[str, list[str]]:
    """Every firm's designation kinds in force on ``on``."""
    out: dict[str, list[str]] = defaultdict(list)
    stmt = select(DesignationRow.credit_code, DesignationRow.kind).where(
        DesignationRow.granted_on <= on,
        or_(DesignationRow.expires_on.is_(None), DesignationRow.expires_on >= on),
    )
    for code, kind in session.execute(stmt):
        if kind not in out[code]:
            out[code].append(kind)
    return out


def _brief(row: FirmRow, held: dict[str, list[str]], status: str = "") -> FirmBrief:
    return FirmBrief(
        row.credit_code,
        row.name_zh,
        row.district_code,
        row.size,
        row.revenue_fen,
        sorted(held.get(row.credit_code, [])),
        status,
    )


def chain_map(
    chain_id: str, *, on: date | None = None, engine: Engine | None = None
) -> list[NodeView]:
    """Every node of the chain, in the file's order, with firms, coverage and candidates."""
    from cockpit.industry.registry import now_shanghai

    chain = get_chain(chain_id)
    day = on or now_shanghai().date()
    with session_scope(engine) as session:
        held = designations_in_force(session, day)
        firms = {
            r.credit_code: r
            for r in session.scalars(
                select(FirmRow)
                .join(LinkRow, LinkRow.credit_code == FirmRow.credit_code)
                .where(LinkRow.chain_id == chain.id)
            )
        }
        links = session.scalars(select(LinkRow).where(LinkRow.chain_id == chain.id)).all()
        candidates = session.scalars(
            select(CandidateRow).where(CandidateRow.chain_id == chain.id)
        ).all()
        by_node: dict[str, dict[str, list[FirmBrief]]] = defaultdict(lambda: defaultdict(list))
        for link in sorted(links, key=lambda k: k.credit_code):
            if link.credit_code in firms and link.status != "rejected":
                brief = _brief(firms[link.credit_code], held, link.status)
                by_node[link.node_id][link.status].append(brief)
        outside: dict[str, list[CandidateBrief]] = defaultdict(list)
        for c in sorted(candidates, key=lambda c: -(c.revenue_fen or 0)):
            outside[c.node_id].append(
                CandidateBrief(
                    c.credit_code,
                    c.name_zh,
                    c.region_zh,
                    c.revenue_fen,
                    list(c.designations),
                    c.source,
                )
            )
    views = []
    for segment in chain.segments:
        for node in segment.nodes:
            confirmed = by_node[node.id]["confirmed"]
            views.append(
                NodeView(
                    chain.id,
                    segment.id,
                    segment.name_zh,
                    segment.name_en,
                    node.id,
                    node.name_zh,
                    node.name_en,
                    coverage_of(chain, confirmed),
                    confirmed,
                    by_node[node.id]["uncertain"],
                    outside[node.id],
                )
            )
    return views


def gap_list(
    *, chain_id: str | None = None, on: date | None = None, engine: Engine | None = None
) -> list[NodeView]:
    """The nodes whose coverage is ``gap``, of one chain or all, with their candidates."""
    ids = [chain_id] if chain_id else list(all_chains())
    return [v for c in ids for v in chain_map(c, on=on, engine=engine) if v.coverage == "gap"]


def node_firms(
    chain_id: str, node_id: str, *, on: date | None = None, engine: Engine | None = None
) -> NodeView:
    """One node of the map (what the chain page opens)."""
    for view in chain_map(chain_id, on=on, engine=engine):
        if view.node_id == node_id:
            return view
    raise NotFound(f"chain {chain_id!r} has no node {node_id!r}")


@dataclass(frozen=True)
class FirmFilter:
    district: str | None = None
    chain: str | None = None
    node: str | None = None
    designation: str | None = None
    size: str | None = None
    text: str | None = None


def list_firms(
    flt: FirmFilter = FirmFilter(), *, on: date | None = None, engine: Engine | None = None
) -> list[dict[str, Any]]:
    """Registry firms matching every given filter, by name, with designations and chain nodes."""
    from cockpit.industry.registry import now_shanghai

    day = on or now_shanghai().date()
    stmt = select(FirmRow).order_by(FirmRow.name_zh)
    if flt.district:
        stmt = stmt.where(FirmRow.district_code == flt.district)
    if flt.size:
        stmt = stmt.where(FirmRow.size == flt.size)
    if flt.text:
        stmt = stmt.where(
            or_(
                FirmRow.name_zh.contains(flt.text, autoescape=True),
                FirmRow.credit_code == flt.text.upper(),
            )
        )
    with session_scope(engine) as session:
        held = designations_in_force(session, day)
        nodes: dict[str, list[str]] = defaultdict(list)
        for link in session.scalars(select(LinkRow).where(LinkRow.status == "confirmed")):
            nodes[link.credit_code].append(f"{link.chain_id}/{link.node_id}")
        rows = []
        for firm in session.scalars(stmt):
            kinds = sorted(held.get(firm.credit_code, []))
            on_nodes = sorted(nodes.get(firm.credit_code, []))
            if flt.designation and flt.designation not in kinds:
                continue
            if flt.chain and not any(n.startswith(f"{flt.chain}/") for n in on_nodes):
                continue
            if flt.node and not any(n.endswith(f"/{flt.node}") for n in on_nodes):
                continue
            rows.append(_firm_dict(firm, kinds, on_nodes))
    return rows


def _firm_dict(firm: FirmRow, kinds: list[str], nodes: list[str]) -> dict[str, Any]:
    return {
        "credit_code": firm.credit_code,
        "name_zh": firm.name_zh,
        "name_en": firm.name_en,
        "district_code": firm.district_code,
        "park": firm.park,
        "founded_on": firm.founded_on,
        "size": firm.size,
        "revenue_fen": firm.revenue_fen,
        "revenue_year": firm.revenue_year,
        "employees": firm.employees,
        "designations": kinds,
        "nodes": nodes,
        "version": firm.version,
    }


def firms_by_district(*, engine: Engine | None = None) -> dict[str, int]:
    """Number of registry firms in each district (GB/T 2260 code)."""
    counts: dict[str, int] = defaultdict(int)
    with session_scope(engine) as session:
        for code in session.scalars(select(FirmRow.district_code)):
            counts[code] += 1
    return dict(sorted(counts.items()))
