"""The counts and sums the plans read, each defined once here, with its definition in words.

A designation is *in force* on a day when it was granted on or before it and has not
expired. A firm is *on a chain* when it has a confirmed link to one of the chain's nodes.
``measure(name, chain=, on=)`` returns a ``Figure``; ``MEASURES`` documents every name
(docs/industry.md is checked against it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from cockpit.db import session_scope
from cockpit.industry.models import CarrierRow, DesignationRow, FirmRefRow, FirmRow, LinkRow
from cockpit.industry.vocab import IndustryError

LEADING_MARKET_VALUE_FEN = 1_000_000_000 * 100  # "市值10亿元以上" (seed 001)
PLATFORM_LEVELS = ("municipal", "national")  # "市级以上" (seed 004)


@dataclass(frozen=True)
class Figure:
    """A measured value (a count, or fen for sums), the year it describes, and its source."""

    value: int
    year: int
    source: str


@dataclass(frozen=True)
class Measure:
    name: str
    unit: str
    help_en: str
    help_zh: str
    compute: Callable[[Session, str | None, date], Figure]
    chains: tuple[str | None, ...] = (None,)  # the chains it is read for (None: no chain)


def holders_in_force(session: Session, kinds: tuple[str, ...], on: date) -> set[str]:
    """Credit codes holding a designation of one of ``kinds`` in force on ``on``."""
    stmt = select(DesignationRow.credit_code).where(
        DesignationRow.kind.in_(kinds),
        DesignationRow.granted_on <= on,
        or_(DesignationRow.expires_on.is_(None), DesignationRow.expires_on >= on),
    )
    return set(session.scalars(stmt))


def on_chain(session: Session, chain: str | None) -> set[str]:
    """Firms with a confirmed link to a node of ``chain`` (any chain when None)."""
    stmt = select(LinkRow.credit_code).where(LinkRow.status == "confirmed")
    if chain is not None:
        stmt = stmt.where(LinkRow.chain_id == chain)
    return set(session.scalars(stmt))


def _registry(session: Session) -> set[str]:
    return set(session.scalars(select(FirmRow.credit_code)))


def _count(value: set[str], on: date, what: str) -> Figure:
    return Figure(len(value), on.year, f"industry registry: {what}")


def head_firms(session: Session, chain: str | None, on: date) -> Figure:
    firms = holders_in_force(session, ("head_firm", "chain_leader"), on)
    if chain is not None:
        firms &= on_chain(session, chain)
    return _count(firms & _registry(session), on, "head firms and chain leaders")


def specialised_firms(session: Session, chain: str | None, on: date) -> Figure:
    firms = holders_in_force(session, ("little_giant", "specialised"), on)
    if chain is not None:
        firms &= on_chain(session, chain)
    return _count(firms & _registry(session), on, "专精特新 firms (incl. little giants)")


def ai_firms(session: Session, _chain: str | None, on: date) -> Figure:
    firms = holders_in_force(session, ("ai_firm",), on) & _registry(session)
    return _count(firms, on, "firms designated AI firms")


def leading_ai_firms(session: Session, _chain: str | None, on: date) -> Figure:
    ai = holders_in_force(session, ("ai_firm",), on)
    rich = set(
        session.scalars(
            select(FirmRow.credit_code).where(FirmRow.market_value_fen >= LEADING_MARKET_VALUE_FEN)
        )
    )
    return _count(ai & rich, on, "AI firms worth at least 1 billion yuan")


def ai_related_firms(session: Session, _chain: str | None, on: date) -> Figure:
    firms = holders_in_force(session, ("ai_firm", "ai_related"), on) | on_chain(session, "ai")
    return _count(firms & _registry(session), on, "AI and AI-related firms")


def _carriers(kind: str, levels: tuple[str, ...] | None) -> Callable[..., Figure]:
    def count(session: Session, chain: str | None, on: date) -> Figure:
        stmt = select(CarrierRow.id).where(CarrierRow.kind == kind, CarrierRow.designated_on <= on)
        if chain is not None:
            stmt = stmt.where(CarrierRow.chain_id == chain)
        if levels is not None:
            stmt = stmt.where(CarrierRow.level.in_(levels))
        n = len(session.scalars(stmt).all())
        return Figure(n, on.year, f"industry registry: {kind}s designated")

    return count


def industry_scale(session: Session, chain: str | None, on: date) -> Figure:
    """Sum of the latest yearly revenue of firms on the chain, each firm counted once."""
    firms = on_chain(session, chain)
    rows = session.execute(
        select(FirmRow.revenue_fen, FirmRow.revenue_year).where(
            FirmRow.credit_code.in_(firms), FirmRow.revenue_fen.is_not(None)
        )
    ).all()
    years = [y for _, y in rows if y is not None]
    year = max(years) if years else on.year
    total = sum(int(v or 0) for v, _ in rows)
    source = f"industry registry (its firms, not an official total): revenue of {len(rows)} firms"
    return Figure(total, year, source)


def ai_products(session: Session, _chain: str | None, on: date) -> Figure:
    """Products in the scenarios room's catalogue whose firm is an AI firm of the registry."""
    from cockpit.scenarios import list_catalogue, list_solutions

    ai = holders_in_force(session, ("ai_firm", "ai_related"), on)
    refs = dict(
        session.execute(
            select(FirmRefRow.ref_id, FirmRefRow.credit_code).where(FirmRefRow.room == "scenarios")
        ).all()
    )
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    listed = {e.solution_id for e in list_catalogue(engine=engine)}
    products = {
        s.id for s in list_solutions(engine=engine) if s.id in listed and refs.get(s.firm_id) in ai
    }
    return Figure(len(products), on.year, "scenarios catalogue: products of registry AI firms")


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure(
            "head_firms",
            "count",
            "Firms with a head-firm or chain-leader designation in force, on the chain",
            "链上持有效头部企业或链主认定的企业数",
            head_firms,
            ("metaverse", "ai"),
        ),
        Measure(
            "specialised_firms",
            "count",
            'Firms with a 专精特新 or "little giant" designation in force, on the chain',
            "链上持有效专精特新（含小巨人）认定的企业数",
            specialised_firms,
            ("metaverse", "ai"),
        ),
        Measure(
            "ai_firms",
            "count",
            "Firms with an AI-firm designation in force",
            "人工智能企业数",
            ai_firms,
        ),
        Measure(
            "leading_ai_firms",
            "count",
            "AI firms whose market value is at least 1 billion yuan",
            "市值10亿元以上的人工智能企业数",
            leading_ai_firms,
        ),
        Measure(
            "ai_related_firms",
            "count",
            "Firms designated AI or AI-related, or confirmed on a node of the AI chain",
            "人工智能及相关企业数（认定或确认在人工智能产业链上）",
            ai_related_firms,
        ),
        Measure(
            "platforms",
            "count",
            "Innovation platforms of municipal or national level designated on the chain",
            "市级以上创新平台数",
            _carriers("platform", PLATFORM_LEVELS),
            ("metaverse", "ai"),
        ),
        Measure(
            "parks",
            "count",
            "Industrial parks of the chain",
            "产业园区数",
            _carriers("park", None),
            ("metaverse", "ai"),
        ),
        Measure(
            "clusters",
            "count",
            "Industrial clusters (agglomeration areas) of the chain",
            "产业集聚区数",
            _carriers("cluster", None),
            ("metaverse", "ai"),
        ),
        Measure(
            "industry_scale",
            "fen",
            "Latest yearly revenue of the firms confirmed on the chain's nodes, each once",
            "链上确认企业最新年度营业收入合计",
            industry_scale,
            ("metaverse", "ai"),
        ),
        Measure(
            "ai_products",
            "count",
            "Products in the scenarios catalogue made by firms designated AI or AI-related",
            "优秀产品目录中人工智能企业的产品数",
            ai_products,
        ),
    )
}


def measure(
    name: str, *, chain: str | None = None, on: date | None = None, engine: Engine | None = None
) -> Figure:
    """The figure of measure ``name`` (see ``MEASURES``) on ``on`` (default today)."""
    from cockpit.industry.registry import now_shanghai

    if name not in MEASURES:
        raise IndustryError(f"unknown measure {name!r}; measures: {', '.join(MEASURES)}")
    day = on or now_shanghai().date()
    with session_scope(engine) as session:
        return MEASURES[name].compute(session, chain, day)


def registry_loaded(*, engine: Engine | None = None) -> bool:
    """Whether any firm or carrier list has been loaded."""
    with session_scope(engine) as session:
        firm = session.scalars(select(FirmRow.credit_code).limit(1)).first()
        carrier = session.scalars(select(CarrierRow.id).limit(1)).first()
        return firm is not None or carrier is not None


def count_for_plans(*, measure_name: str, chain: str | None = None) -> Figure | None:
    """What a plan target of ``registry: industry`` reads; None while the registry is empty."""
    if not registry_loaded():
        return None
    return measure(measure_name, chain=chain)
