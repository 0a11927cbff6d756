"""Matching quality on the hand-labelled set: precision@5, recall@5 and MRR.

``data/matching_labels.yaml`` labels which sample solutions fit each of the 30 sample needs,
and adds 12 needs worded afresh (not in the sample) with their own labels.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine

from cockpit.datafiles import load_model
from cockpit.scenarios import matching, registry
from cockpit.scenarios.sample import data_path
from cockpit.scenarios.schemas import ScenarioIn
from cockpit.scenarios.vocab import Actor, Role

K = 5


class LabelledQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    need: ScenarioIn
    relevant: list[str]


class Labels(BaseModel):
    model_config = ConfigDict(extra="forbid")
    needs: dict[str, list[str]]
    queries: list[LabelledQuery]

    def pairs(self) -> int:
        """How many labelled (need, solution) pairs."""
        return sum(map(len, self.needs.values())) + sum(len(q.relevant) for q in self.queries)


def labels() -> Labels:
    """The labelled set, validated."""
    return load_model(data_path("matching_labels.yaml"), Labels)


def add_label_queries(
    data: Labels, *, engine: Engine | None = None, at: datetime | None = None
) -> None:
    """Register the extra labelled needs so they can be matched like any other."""
    for query in data.queries:
        actor = Actor(Role.UNIT, query.need.contact_unit_zh)
        registry.add_scenario(need=query.need, actor=actor, engine=engine, at=at)


def reciprocal_rank(ranked: list[str], relevant: set[str]) -> float:
    """1 / rank of the first relevant id (0 if none is ranked)."""
    for i, key in enumerate(ranked, start=1):
        if key in relevant:
            return 1.0 / i
    return 0.0


def gold(data: Labels, group: str = "all") -> dict[str, list[str]]:
    """Need id → relevant solution ids, for ``group`` sample, fresh or all."""
    out: dict[str, list[str]] = {}
    if group in ("sample", "all"):
        out |= data.needs
    if group in ("fresh", "all"):
        out |= {q.need.id or "": q.relevant for q in data.queries}
    return out


def evaluate(
    data: Labels,
    *,
    engine: Engine | None = None,
    group: str = "all",
    weights: dict[str, float] | None = None,
) -> dict[str, float | int]:
    """Rank every solution for every labelled need of ``group``; average over the needs."""
    labelled = gold(data, group)
    p_at_k = r_at_k = rr = 0.0
    for need_id, relevant in labelled.items():
        matches = matching.match_solutions(
            scenario_id=need_id, engine=engine, limit=None, weights=weights
        )
        ranked = [m.id for m in matches]
        hits = len(set(ranked[:K]) & set(relevant))
        p_at_k += hits / K
        r_at_k += hits / len(relevant)
        rr += reciprocal_rank(ranked, set(relevant))
    n = len(labelled)
    ceiling = sum(min(len(r), K) / K for r in labelled.values()) / n
    return {
        "needs": n,
        "pairs": sum(map(len, labelled.values())),
        "precision_at_5": round(p_at_k / n, 4),
        "precision_at_5_ceiling": round(ceiling, 4),
        "recall_at_5": round(r_at_k / n, 4),
        "mrr": round(rr / n, 4),
    }
