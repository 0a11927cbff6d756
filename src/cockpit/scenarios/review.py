"""Ranking the applications of a call from reviewers' scores, and explaining the award.

Each reviewer scores each application 0–100 on each declared criterion. An application's
total is the mean over its reviewers of Σ weight × score / 100 (0–100 points), computed
exactly with fractions so that a tie is a true tie, never a rounding accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from cockpit.scenarios.schemas import Criterion

TIE_BREAK_RULE = {
    "zh": "综合得分高者优先；综合得分相同时，依次比较权重由高到低各评审项的平均分"
    "（权重相同按发布顺序），高者优先；仍相同时报价低者优先；再相同时提交时间早者优先；"
    "最后按申报编号排序。",
    "en": "Highest total wins; on equal totals, compare the mean score of each criterion "
    "from the heaviest to the lightest (equal weights in declared order), higher first; "
    "then the lower price; then the earlier submission; finally the application id.",
}


@dataclass(frozen=True)
class Entry:
    """An application as the ranking sees it."""

    application_id: str
    firm_id: str
    price_fen: int
    submitted_at: datetime


@dataclass(frozen=True)
class Ranked:
    entry: Entry
    total: Fraction
    by_criterion: dict[str, Fraction]
    reviewers: int


Scores = dict[
    tuple[str, str], dict[str, int]
]  # (application_id, reviewer_id) -> criterion -> 0..100


def criteria_by_weight(criteria: list[Criterion]) -> list[Criterion]:
    """Criteria from heaviest to lightest; equal weights keep their declared order."""
    return sorted(criteria, key=lambda c: -c.weight)


def rate(entry: Entry, criteria: list[Criterion], scores: Scores) -> Ranked:
    """The exact total and per-criterion means of one application."""
    sheets = [sheet for (app, _rev), sheet in scores.items() if app == entry.application_id]
    n = len(sheets)
    if n == 0:
        return Ranked(entry, Fraction(0), {c.code: Fraction(0) for c in criteria}, 0)
    weighted = sum(sum(c.weight * sheet[c.code] for c in criteria) for sheet in sheets)
    means = {c.code: Fraction(sum(sheet[c.code] for sheet in sheets), n) for c in criteria}
    return Ranked(entry, Fraction(weighted, 100 * n), means, n)


def _key(item: Ranked, order: list[Criterion]) -> tuple[Any, ...]:
    return (
        -item.total,
        *(-item.by_criterion[c.code] for c in order),
        item.entry.price_fen,
        item.entry.submitted_at,
        item.entry.application_id,
    )


def rank(entries: list[Entry], criteria: list[Criterion], scores: Scores) -> list[Ranked]:
    """Applications best first, by the stated tie-break rule."""
    order = criteria_by_weight(criteria)
    return sorted((rate(e, criteria, scores) for e in entries), key=lambda r: _key(r, order))


def _decider(first: Ranked, second: Ranked, order: list[Criterion]) -> dict[str, str]:
    if first.total != second.total:
        a, b = _points(first.total), _points(second.total)
        return {
            "rule": "total",
            "zh": f"综合得分更高（{a:.2f}分，次名{b:.2f}分）",
            "en": f"higher total score ({a:.2f} against {b:.2f})",
        }
    for c in order:
        if first.by_criterion[c.code] != second.by_criterion[c.code]:
            return {
                "rule": f"criterion:{c.code}",
                "zh": f"综合得分并列，评审项“{c.name_zh}”（权重{c.weight}）平均分更高",
                "en": f"tied on total; higher mean on '{c.name_en or c.code}' (weight {c.weight})",
            }
    if first.entry.price_fen != second.entry.price_fen:
        return {
            "rule": "price",
            "zh": "得分全部并列，报价更低",
            "en": "all scores tied; lower price",
        }
    if first.entry.submitted_at != second.entry.submitted_at:
        return {
            "rule": "submitted_at",
            "zh": "得分与报价并列，提交时间更早",
            "en": "scores and price tied; submitted earlier",
        }
    return {
        "rule": "id",
        "zh": "其余全部并列，按申报编号",
        "en": "all else tied; by application id",
    }


def _points(value: Fraction) -> float:
    return round(float(value), 2)


def explain(ranking: list[Ranked], criteria: list[Criterion]) -> dict[str, Any]:
    """Why the first of ``ranking`` wins: the table, the ties, and the rule that decided."""
    order = criteria_by_weight(criteria)
    table = [
        {
            "rank": i + 1,
            "application_id": r.entry.application_id,
            "firm_id": r.entry.firm_id,
            "total": _points(r.total),
            "by_criterion": {code: _points(v) for code, v in r.by_criterion.items()},
            "price_fen": r.entry.price_fen,
            "reviewers": r.reviewers,
        }
        for i, r in enumerate(ranking)
    ]
    out: dict[str, Any] = {"rule": TIE_BREAK_RULE, "ranking": table}
    if ranking:
        out["winner"] = ranking[0].entry.application_id
        out["tied_on_total"] = [
            r.entry.application_id for r in ranking if r.total == ranking[0].total
        ]
    if len(ranking) > 1:
        out["decided_by"] = _decider(ranking[0], ranking[1], order)
    else:
        out["decided_by"] = {"rule": "sole", "zh": "唯一有效申报", "en": "the only application"}
    return out
