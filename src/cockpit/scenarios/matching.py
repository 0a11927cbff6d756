"""Supply–demand matching (供需对接): scenario needs against firms and their solutions.

Text fit: Chinese text is segmented with jieba (search mode, so 数字孪生 also yields 数字 and
孪生) and ranked with BM25 (bm25s), normalised by the best candidate. Structured fit: the
share of the need's required capability tags the candidate covers, the same sector, the
same district. The final score is a weighted sum (``WEIGHTS``), each part kept in the
result so the cockpit can show why a candidate ranks where it does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cockpit.db import session_scope
from cockpit.scenarios.models import Firm, ScenarioNeed, Solution
from cockpit.scenarios.vocab import NotFound, capabilities

WEIGHTS = {"text": 0.45, "capability": 0.35, "sector": 0.15, "district": 0.05}
STOPWORDS = frozenset(
    [
        "的",
        "与",
        "和",
        "及",
        "等",
        "在",
        "对",
        "为",
        "并",
        "可",
        "以",
        "将",
        "于",
        "或",
        "把",
        "其",
        "中",
        "是",
        "了",
        "个",
        "一",
        "到",
        "由",
        "向",
        "从",
        "被",
        "让",
        "提供",
        "支持",
        "实现",
        "进行",
        "开展",
        "提升",
        "建设",
        "基于",
        "通过",
        "相关",
        "一批",
        "一体化",
        "能力",
        "方案",
        "平台",
        "系统",
        "服务",
    ]
)
_DOMAIN_WORDS = [
    "数字孪生",
    "数字人",
    "虚拟数字人",
    "元宇宙",
    "全息投影",
    "裸眼3D",
    "动作捕捉",
    "虚拟仿真",
    "实时渲染",
    "虚拟试穿",
    "虚拟试衣",
    "数字藏品",
    "倾斜摄影",
    "实景三维",
    "城市信息模型",
    "电竞",
    "揭榜挂帅",
    "AR眼镜",
    "VR一体机",
    "健身镜",
    "焊点",
    "客流",
    "内涝",
    "马拉松",
    "文物",
    "石刻",
    "直播带货",
    "虚拟主播",
]


@cache
def _jieba() -> Any:
    """jieba, loaded once and quietly (its loader logs to stderr at first use)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    for word in _DOMAIN_WORDS:
        jieba.add_word(word)
    for cap in capabilities():
        for part in cap.name_zh.replace("（", " ").replace("）", " ").replace("与", " ").split():
            jieba.add_word(part)
    return jieba


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens, lower-cased, without punctuation, single characters or
    stopwords."""
    tokens = []
    for token in _jieba().lcut_for_search(text):
        token = token.strip().lower()
        if len(token) < 2 or token in STOPWORDS or not any(ch.isalnum() for ch in token):
            continue
        tokens.append(token)
    return tokens


@dataclass(frozen=True)
class Doc:
    """What matching sees of a need, a solution or a firm."""

    id: str
    kind: str
    title_zh: str
    text: str
    sectors: frozenset[str]
    district_code: str
    capabilities: frozenset[str]
    firm_id: str | None = None


@dataclass
class Match:
    """A ranked candidate with the parts of its score."""

    id: str
    kind: str
    title_zh: str
    score: float
    parts: dict[str, float]
    firm_id: str | None = None
    shared_capabilities: list[str] = field(default_factory=list)


def _cap_names(codes: list[str]) -> str:
    names = {c.code: c.name_zh for c in capabilities()}
    return " ".join(names.get(code, code) for code in codes)


def need_doc(row: ScenarioNeed) -> Doc:
    # The title counts twice: it is what the unit chose to say first.
    text = f"{row.title_zh} {row.title_zh} {row.description_zh} {_cap_names(row.capabilities)}"
    return Doc(
        row.id,
        "scenario",
        row.title_zh,
        text,
        frozenset({row.sector}),
        row.district_code,
        frozenset(row.capabilities),
    )


def solution_doc(row: Solution, firm: Firm) -> Doc:
    text = " ".join(
        [
            row.title_zh,
            row.title_zh,
            row.description_zh,
            _cap_names(row.capabilities),
            *row.references,
        ]
    )
    return Doc(
        row.id,
        row.kind,
        row.title_zh,
        text,
        frozenset({row.sector}),
        firm.district_code,
        frozenset(row.capabilities),
        firm_id=firm.id,
    )


def firm_doc(firm: Firm, solutions: list[Solution]) -> Doc:
    parts = [firm.name_zh, firm.profile_zh, _cap_names(firm.capabilities)]
    parts += [f"{s.title_zh} {s.description_zh} {_cap_names(s.capabilities)}" for s in solutions]
    caps = set(firm.capabilities).union(*(s.capabilities for s in solutions))
    return Doc(
        firm.id,
        "firm",
        firm.name_zh,
        " ".join(parts),
        frozenset(s.sector for s in solutions),
        firm.district_code,
        frozenset(caps),
        firm_id=firm.id,
    )


def text_scores(query: Doc, candidates: list[Doc]) -> list[float]:
    """BM25 scores of each candidate for the query, divided by the best (0–1)."""
    import bm25s

    if not candidates:
        return []
    retriever = bm25s.BM25()
    retriever.index([tokenize(c.text) or ["<empty>"] for c in candidates], show_progress=False)
    raw = [float(x) for x in retriever.get_scores(tokenize(query.text))]
    best = max(raw)
    return [x / best if best > 0 else 0.0 for x in raw]


def rank(
    query: Doc,
    candidates: list[Doc],
    *,
    limit: int | None = 10,
    weights: dict[str, float] | None = None,
) -> list[Match]:
    """Candidates best first, scored against ``query`` (a need or a firm).

    Capability fit is the share of the need's required tags the other side covers,
    whichever side is the need.
    """
    texts = text_scores(query, candidates)
    out = []
    for doc, text in zip(candidates, texts, strict=True):
        need, offer = (doc, query) if doc.kind == "scenario" else (query, doc)
        shared = sorted(need.capabilities & offer.capabilities)
        parts = {
            "text": text,
            "capability": len(shared) / len(need.capabilities) if need.capabilities else 0.0,
            "sector": 1.0 if need.sectors & offer.sectors else 0.0,
            "district": 1.0 if doc.district_code == query.district_code else 0.0,
        }
        score = sum((weights or WEIGHTS)[k] * v for k, v in parts.items())
        out.append(
            Match(
                doc.id,
                doc.kind,
                doc.title_zh,
                round(score, 4),
                {k: round(v, 4) for k, v in parts.items()},
                doc.firm_id,
                shared,
            )
        )
    out.sort(key=lambda m: (-m.score, m.id))
    return out[:limit] if limit else out


def _load_need(session: Session, scenario_id: str) -> ScenarioNeed:
    need = session.get(ScenarioNeed, scenario_id)
    if need is None:
        raise NotFound(f"no scenario {scenario_id!r}")
    return need


def match_solutions(
    *,
    scenario_id: str,
    engine: Engine | None = None,
    limit: int | None = 10,
    weights: dict[str, float] | None = None,
) -> list[Match]:
    """Solutions and products ranked for a scenario need (``weights``: default WEIGHTS)."""
    with session_scope(engine) as session:
        need = _load_need(session, scenario_id)
        firms = {f.id: f for f in session.scalars(select(Firm))}
        docs = [solution_doc(s, firms[s.firm_id]) for s in session.scalars(select(Solution))]
        return rank(need_doc(need), docs, limit=limit, weights=weights)


def _firm_docs(session: Session) -> dict[str, Doc]:
    by_firm: dict[str, list[Solution]] = {}
    for s in session.scalars(select(Solution).order_by(Solution.id)):
        by_firm.setdefault(s.firm_id, []).append(s)
    return {f.id: firm_doc(f, by_firm.get(f.id, [])) for f in session.scalars(select(Firm))}


def match_firms(
    *, scenario_id: str, engine: Engine | None = None, limit: int | None = 10
) -> list[Match]:
    """Firms ranked for a scenario need (a firm's text is its profile and all its solutions)."""
    with session_scope(engine) as session:
        need = _load_need(session, scenario_id)
        return rank(need_doc(need), list(_firm_docs(session).values()), limit=limit)


def match_scenarios(
    *,
    firm_id: str,
    engine: Engine | None = None,
    open_on: date | None = None,
    limit: int | None = 10,
) -> list[Match]:
    """Open scenario needs (published, deadline not passed on ``open_on``) ranked for a firm."""
    with session_scope(engine) as session:
        docs = _firm_docs(session)
        if firm_id not in docs:
            raise NotFound(f"no firm {firm_id!r}")
        stmt = select(ScenarioNeed).where(ScenarioNeed.status == "published")
        if open_on is not None:
            stmt = stmt.where(ScenarioNeed.deadline >= open_on)
        needs = [need_doc(n) for n in session.scalars(stmt)]
        return rank(docs[firm_id], needs, limit=limit)
