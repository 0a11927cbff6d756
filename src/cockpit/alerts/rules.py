"""Alert rules as data: the YAML file officials edit, validated with line numbers.

A rule file holds ``rules:``, a list of entries each with an ``id``, a ``kind`` and the
kind's parameters. ``load_rules()`` reads the file named, or the default set shipped in
``cockpit/alerts/default_rules.yaml``; every mistake is reported with its line.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cockpit.datafiles import DataFileError, Problem, line_of, parse_with_lines

Severity = Literal["info", "warning", "critical"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}
RULE_ID = r"^[a-z0-9][a-z0-9_-]*$"
DEFAULT_RULES_FILE = "default_rules.yaml"
M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    """Unknown keys are mistakes (a misspelt parameter must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(Strict):
    """A bilingual label."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class RuleBase(Strict):
    """What every rule has."""

    id: str = Field(pattern=RULE_ID, description="Stable id; part of each alert's dedupe key.")
    title: Label
    severity: Severity = "warning"
    enabled: bool = True
    description: str = ""


CutValue = str | list[str]


class SeriesRule(RuleBase):
    """A rule over one indicator's series, restricted to a cut (a slice of its dimensions).

    ``cut`` maps a dimension column to a value, a list of values, or ``"*"`` (every value,
    each its own series). Each remaining distinct series is judged on its own.
    """

    indicator: str = Field(min_length=1)
    cut: dict[str, CutValue] = Field(default_factory=dict)


Measure = Literal["value", "yoy_pct", "mom_pct", "yoy_z"]
Op = Literal["<", "<=", ">", ">="]


class Condition(Strict):
    """One more bound that must hold too."""

    measure: Measure
    op: Op
    value: float


class ThresholdRule(SeriesRule):
    """Fires when a measure of the latest month crosses a bound (e.g. YoY growth below 0 %).

    ``also`` adds bounds that must hold as well (e.g. an unusual *and* large change).
    """

    kind: Literal["threshold"]
    measure: Measure = "value"
    op: Op
    value: float
    also: list[Condition] = Field(default_factory=list)


class AnomalyRule(SeriesRule):
    """Fires when the actual value lies outside the forecast's 95 % interval."""

    kind: Literal["anomaly"]
    direction: Literal["both", "below", "above"] = "both"
    lookback_months: int = Field(default=1, ge=1, le=24)
    min_excess_pct: float = Field(
        default=0.0, ge=0, description="Ignore misses smaller than this share of the interval."
    )


class RunsRule(SeriesRule):
    """Fires after ``length`` consecutive monthly declines ending at the latest month."""

    kind: Literal["runs"]
    length: int = Field(default=3, ge=2, le=24)
    compare: Literal["previous_month", "same_month_last_year"] = "same_month_last_year"


class ShiftRule(SeriesRule):
    """Fires on a significant change of a count series against its baseline.

    The last ``window_months`` are summed and compared with the same months a year before
    (``baseline: same_months_last_year``) or with the 12 months before the window
    (``previous_12_months``: more counts, so less noise; use it with ``relative_to_total``,
    which takes the season out). With ``relative_to_total`` the series is judged against the
    sum of all series of the cut, so city-wide growth and seasonality cancel out.
    Significance is a z-score of the counts (Poisson variance times ``dispersion``).
    """

    kind: Literal["shift"]
    direction: Literal["down", "up"] = "down"
    baseline: Literal["same_months_last_year", "previous_12_months"] = "same_months_last_year"
    window_months: int = Field(default=3, ge=1, le=12)
    min_change_pct: float = Field(default=15.0, gt=0)
    min_z: float = Field(default=3.5, gt=0)
    dispersion: float = Field(default=1.0, ge=1.0, description="Variance over the Poisson's.")
    relative_to_total: bool = True
    min_base: float = Field(default=30.0, ge=0, description="Skip series with smaller bases.")


PlanStatus = Literal["at_risk", "off_track", "no_data"]


def _risky_statuses() -> list[PlanStatus]:
    return ["at_risk", "off_track"]


class TargetAtRiskRule(RuleBase):
    """Fires when a plan target's projection falls short of the target."""

    kind: Literal["target_at_risk"]
    max_shortfall_pct: float = Field(
        default=0.0, ge=0, description="Tolerated shortfall of the projection, in % of target."
    )
    min_probability: float | None = Field(
        default=None, ge=0, le=1, description="Also fire when P(target met) is below this."
    )
    statuses: list[PlanStatus] = Field(
        default_factory=_risky_statuses,
        description="Also fire when the plans room judges the target so.",
    )


class FreshnessRule(RuleBase):
    """Fires when a source, or a merchant that used to report, has been silent too long."""

    kind: Literal["freshness"]
    scope: Literal["source", "merchant"] = "source"
    max_silence_days: int = Field(default=3, ge=1)
    min_active_days: int = Field(
        default=20, ge=1, description="Merchants: days with sales in the window before silence."
    )
    window_days: int = Field(default=60, ge=7)
    max_chance: float = Field(
        default=0.001,
        gt=0,
        le=1,
        description="Merchants: fire only if a silence this long is less likely than this "
        "at the merchant's usual rate of trading days.",
    )


class OrdersDropRule(RuleBase):
    """Order + List: an enterprise's measure fell by a declared share YoY or MoM."""

    kind: Literal["orders_drop"]
    measure: Literal["new_orders_fen", "orders_in_hand_fen", "export_value_fen"] = "new_orders_fen"
    yoy_drop: float | None = Field(default=0.3, gt=0, le=1)
    mom_drop: float | None = Field(default=None, gt=0, le=1)
    min_base_fen: int = Field(default=0, ge=0, description="Ignore bases smaller than this.")

    @model_validator(mode="after")
    def _one_comparison(self) -> OrdersDropRule:
        if self.yoy_drop is None and self.mom_drop is None:
            raise ValueError("set yoy_drop, mom_drop or both")
        return self


class OrdersTotalDropRule(OrdersDropRule):
    """Order + List: the List's total, or each district's total, fell by a declared share."""

    kind: Literal["orders_total_drop"]  # type: ignore[assignment]
    level: Literal["list", "district"] = "list"


class MissedReportRule(RuleBase):
    """Order + List: an enterprise on the List sent no report for the latest month."""

    kind: Literal["orders_missed_report"]
    grace_months: int = Field(default=0, ge=0, le=12)


Rule = Annotated[
    ThresholdRule
    | AnomalyRule
    | RunsRule
    | ShiftRule
    | TargetAtRiskRule
    | FreshnessRule
    | OrdersDropRule
    | OrdersTotalDropRule
    | MissedReportRule,
    Field(discriminator="kind"),
]
RULE_KINDS = (
    "threshold",
    "anomaly",
    "runs",
    "shift",
    "target_at_risk",
    "freshness",
    "orders_drop",
    "orders_total_drop",
    "orders_missed_report",
)


class RuleSet(Strict):
    """A rule file."""

    version: Literal[1] = 1
    rules: list[Rule] = Field(default_factory=list)

    def enabled(self) -> list[Rule]:
        """The rules to evaluate."""
        return [rule for rule in self.rules if rule.enabled]

    def by_id(self, rule_id: str) -> Rule:
        """The rule with this id."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def validate_tagged(
    text: str, model: type[M], path: str | Path, list_key: str, tags: tuple[str, ...]
) -> tuple[M, dict[tuple[str | int, ...], int]]:
    """Validate YAML whose ``list_key`` items are a tagged union; errors name the line."""
    data, lines = parse_with_lines(text, path)
    try:
        return model.model_validate(data if data is not None else {}), lines
    except ValidationError as exc:
        raise DataFileError(path, _problems(exc, lines, list_key, tags)) from exc


def parse_rules(text: str, path: str | Path = "<text>") -> RuleSet:
    """Validate rule-file text; a ``DataFileError`` names the line of every mistake."""
    ruleset, lines = validate_tagged(text, RuleSet, path, "rules", RULE_KINDS)
    duplicates = _duplicate_ids(ruleset, lines)
    if duplicates:
        raise DataFileError(path, duplicates)
    return ruleset


def _problems(
    error: ValidationError,
    lines: dict[tuple[str | int, ...], int],
    list_key: str,
    tags: tuple[str, ...],
) -> list[Problem]:
    # pydantic puts the union's tag in the location (rules.0.threshold.op); drop it so the
    # location matches the file's keys and the line is the field's own line.
    problems = []
    for err in error.errors():
        loc = tuple(err["loc"])
        if len(loc) >= 3 and loc[0] == list_key and loc[2] in tags:
            loc = (*loc[:2], *loc[3:])
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = (*loc, "kind")  # the mistake is the kind itself
        field = ".".join(str(part) for part in loc)
        problems.append(Problem(line_of(lines, loc), field, err["msg"]))
    return problems


def _duplicate_ids(ruleset: RuleSet, lines: dict[tuple[str | int, ...], int]) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for i, rule in enumerate(ruleset.rules):
        if rule.id in seen:
            line = line_of(lines, ("rules", i, "id"))
            problems.append(Problem(line, f"rules.{i}.id", f"duplicate rule id {rule.id!r}"))
        seen.add(rule.id)
    return problems


def default_rules_text() -> str:
    """The default rule set shipped with the product, as YAML text."""
    return resources.files("cockpit.alerts").joinpath(DEFAULT_RULES_FILE).read_text("utf-8")


def load_rules(path: str | Path | None = None) -> RuleSet:
    """The rules in ``path``; without one, COCKPIT_HOME/alerts/rules.yaml or the defaults."""
    if path is None:
        from cockpit.config import get_settings

        local = get_settings().home / "alerts" / "rules.yaml"
        if not local.is_file():
            return parse_rules(default_rules_text(), DEFAULT_RULES_FILE)
        path = local
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(path, [Problem(1, "", "not UTF-8 text")]) from exc
    return parse_rules(text, path)
