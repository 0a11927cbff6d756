"""Alert rules are data: the shipped defaults validate, and mistakes name their line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.alerts.channels import parse_channels
from cockpit.alerts.rules import RULE_KINDS, default_rules_text, load_rules, parse_rules
from cockpit.datafiles import DataFileError

GOOD = """\
version: 1
rules:
  - id: yoy-below-zero
    kind: threshold
    title: {zh: 同比负增长, en: Falling year on year}
    indicator: retail_sales
    cut: {district_code: "*"}
    measure: yoy_pct
    op: "<"
    value: 0
"""


def test_default_rules_cover_every_kind_and_validate() -> None:
    rules = parse_rules(default_rules_text(), "default_rules.yaml")
    assert {r.kind for r in rules.rules} == set(RULE_KINDS)
    assert len({r.id for r in rules.rules}) == len(rules.rules)


def test_a_good_rule_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD, "utf-8")
    rule = load_rules(path).by_id("yoy-below-zero")
    assert rule.kind == "threshold"
    assert rule.cut == {"district_code": "*"}


def test_a_bad_operator_is_reported_on_its_own_line() -> None:
    with pytest.raises(DataFileError) as err:
        parse_rules(GOOD.replace('op: "<"', 'op: "!="'), "rules.yaml")
    assert err.value.line == 9
    assert err.value.problems[0].field == "rules.0.op"


def test_a_misspelt_parameter_is_refused_with_its_line() -> None:
    with pytest.raises(DataFileError) as err:
        parse_rules(GOOD.replace("measure: yoy_pct", "mesure: yoy_pct"), "rules.yaml")
    assert err.value.line == 8
    assert "mesure" in str(err.value)


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(DataFileError) as err:
        parse_rules(GOOD.replace("kind: threshold", "kind: hunch"), "rules.yaml")
    assert err.value.line == 4


def test_duplicate_ids_name_the_second_one() -> None:
    twice = GOOD + GOOD.split("rules:\n")[1]
    with pytest.raises(DataFileError) as err:
        parse_rules(twice, "rules.yaml")
    assert err.value.line == 11
    assert "duplicate rule id" in str(err.value)


def test_an_order_drop_rule_needs_a_declared_share() -> None:
    text = """\
rules:
  - id: drop
    kind: orders_drop
    title: {zh: 下降, en: Drop}
    yoy_drop: null
    mom_drop: null
"""
    with pytest.raises(DataFileError) as err:
        parse_rules(text)
    assert "set yoy_drop, mom_drop or both" in str(err.value)


def test_local_rules_in_cockpit_home_replace_the_defaults(cockpit_home: Path) -> None:
    (cockpit_home / "alerts").mkdir(parents=True)
    (cockpit_home / "alerts" / "rules.yaml").write_text(GOOD, "utf-8")
    assert [r.id for r in load_rules().rules] == ["yoy-below-zero"]


def test_channel_mistakes_name_the_line() -> None:
    text = """\
channels:
  - id: robot
    kind: dingtalk
    url: https://oapi.dingtalk.com/robot/send?access_token=x
  - id: mail
    kind: email
    host: 127.0.0.1
    sender: cockpit@example.org
    to: [not-an-address]
"""
    with pytest.raises(DataFileError) as err:
        parse_channels(text)
    assert err.value.line == 9


def test_docs_describe_every_rule_kind() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "alerts.md").read_text("utf-8")
    for kind in RULE_KINDS:
        assert f"`{kind}`" in docs, kind
