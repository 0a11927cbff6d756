"""The scenarios room's vocabularies: sectors, capabilities, roles, call states and steps.

Sectors follow the six fields of application in seed 004 (重庆市元宇宙产业发展行动计划,
任务 9–14); capabilities are the technologies that plan names (数字孪生, XR, 数字人 …).
Each entry is bilingual, Chinese first.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

import yaml


class ScenarioError(ValueError):
    """A request the scenarios room refuses, with a message saying why."""


class IllegalTransition(ScenarioError):
    """A call was asked to move to a state it cannot reach from where it is."""


class NotAllowed(ScenarioError):
    """The actor's role may not take this step."""


class ConflictOfInterest(ScenarioError):
    """A reviewer with a declared conflict of interest tried to score."""


class NotFound(ScenarioError):
    """No scenario, firm, solution, call or application with that id."""


@dataclass(frozen=True)
class Label:
    code: str
    name_zh: str
    name_en: str


SECTORS: tuple[Label, ...] = (
    Label("industry", "工业元宇宙", "Industry"),
    Label("culture_tourism", "文旅元宇宙", "Culture and tourism"),
    Label("consumption", "消费元宇宙", "Consumption"),
    Label("education", "教育元宇宙", "Education"),
    Label("sports", "体育元宇宙", "Sports"),
    Label("city", "城市元宇宙", "City governance"),
)
SECTOR_CODES = frozenset(s.code for s in SECTORS)

# Which action plan a need counts towards: seed 004 (metaverse), seed 001 (AI scenes), and
# seed 000's "scenarios that integrate AI, metaverse and blockchain".
TAGS: tuple[Label, ...] = (
    Label("metaverse", "元宇宙", "Metaverse"),
    Label("ai", "人工智能", "Artificial intelligence"),
    Label("blockchain", "区块链", "Blockchain"),
)
TAG_CODES = frozenset(t.code for t in TAGS)


@cache
def capabilities() -> tuple[Label, ...]:
    """The capability tags firms declare and scenario needs require (data/capabilities.yaml)."""
    text = resources.files("cockpit.scenarios").joinpath("data", "capabilities.yaml")
    rows = yaml.safe_load(text.read_text("utf-8"))["capabilities"]
    return tuple(Label(r["code"], r["name_zh"], r["name_en"]) for r in rows)


def check_sector(code: str) -> str:
    """``code`` if it is a sector of seed 004, else a ScenarioError listing the sectors."""
    if code not in SECTOR_CODES:
        raise ScenarioError(
            f"unknown sector {code!r}; use one of {', '.join(sorted(SECTOR_CODES))}"
        )
    return code


def check_tags(codes: list[str]) -> list[str]:
    """The plan tags, de-duplicated in order; unknown tags refused."""
    unknown = [c for c in codes if c not in TAG_CODES]
    if unknown:
        raise ScenarioError(f"unknown tag(s) {unknown}; use {', '.join(sorted(TAG_CODES))}")
    return list(dict.fromkeys(codes))


def check_capabilities(codes: list[str]) -> list[str]:
    """The capability codes, de-duplicated in order; unknown codes refused."""
    known = {c.code for c in capabilities()}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ScenarioError(f"unknown capability tag(s) {unknown}; see cockpit scenarios vocab")
    return list(dict.fromkeys(codes))


class Role(StrEnum):
    """Who signs a step: 需求单位 unit, 企业 firm, 评审专家 reviewer, 运营机构 operator."""

    UNIT = "unit"
    FIRM = "firm"
    REVIEWER = "reviewer"
    OPERATOR = "operator"


@dataclass(frozen=True)
class Actor:
    """Who does something: a role and a name (or id) that signs the event."""

    role: Role
    name: str


class CallState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    APPLICATIONS_OPEN = "applications_open"
    CLOSED = "closed"
    REVIEWED = "reviewed"
    AWARDED = "awarded"
    CONTRACTED = "contracted"
    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"


STATE_LABELS: dict[CallState, tuple[str, str]] = {
    CallState.DRAFT: ("草稿", "Draft"),
    CallState.PUBLISHED: ("已发榜", "Published"),
    CallState.APPLICATIONS_OPEN: ("揭榜中", "Applications open"),
    CallState.CLOSED: ("揭榜截止", "Closed"),
    CallState.REVIEWED: ("评审完成", "Reviewed"),
    CallState.AWARDED: ("已定榜", "Awarded"),
    CallState.CONTRACTED: ("已签约立项", "Contracted"),
    CallState.DELIVERED: ("已交付", "Delivered"),
    CallState.ACCEPTED: ("已验收", "Accepted"),
    CallState.WITHDRAWN: ("已撤榜", "Withdrawn"),
}


@dataclass(frozen=True)
class Step:
    """One move of the 揭榜挂帅 lifecycle: its name, where it goes, and who may sign it."""

    name: str
    source: tuple[CallState, ...]
    target: CallState
    roles: frozenset[Role]


_UNIT_OR_OPERATOR = frozenset({Role.UNIT, Role.OPERATOR})
S = CallState
STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step("publish", (S.DRAFT,), S.PUBLISHED, _UNIT_OR_OPERATOR),
        Step("open", (S.PUBLISHED,), S.APPLICATIONS_OPEN, _UNIT_OR_OPERATOR),
        Step("close", (S.APPLICATIONS_OPEN,), S.CLOSED, _UNIT_OR_OPERATOR),
        Step("review", (S.CLOSED,), S.REVIEWED, frozenset({Role.OPERATOR})),
        Step("award", (S.REVIEWED,), S.AWARDED, frozenset({Role.OPERATOR})),
        Step("contract", (S.AWARDED,), S.CONTRACTED, frozenset({Role.UNIT})),
        Step("deliver", (S.CONTRACTED,), S.DELIVERED, frozenset({Role.FIRM})),
        Step("accept", (S.DELIVERED,), S.ACCEPTED, frozenset({Role.UNIT})),
        # A call can be withdrawn until it is contracted; after signing, the contract
        # governs how it ends.
        Step(
            "withdraw",
            (S.DRAFT, S.PUBLISHED, S.APPLICATIONS_OPEN, S.CLOSED, S.REVIEWED, S.AWARDED),
            S.WITHDRAWN,
            _UNIT_OR_OPERATOR,
        ),
    )
}
OPEN_STATES = frozenset({S.PUBLISHED, S.APPLICATIONS_OPEN})
