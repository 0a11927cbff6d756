"""Trajectories, probabilities and status boundaries, on numbers worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from cockpit.plans import Actual, Projection, decide_status, probability_of_reaching, required_value
from cockpit.plans.library import find_plan
from cockpit.plans.progress import assess, trajectory


def test_compound_trajectory_grows_at_a_constant_rate() -> None:
    # 100 → 121 over two years is 10 % a year: 110 after one.
    got = required_value(
        kind="compound", baseline=100, baseline_year=2024, target=121, target_year=2026, year=2025
    )
    assert got == pytest.approx(110.0)


def test_linear_trajectory_takes_equal_steps() -> None:
    got = required_value(
        kind="linear", baseline=0, baseline_year=2022, target=15, target_year=2025, year=2024
    )
    assert got == pytest.approx(10.0)


def test_yuzhong_retail_trajectory_reaches_200_billion_at_5_percent() -> None:
    target = next(
        t for t in find_plan("yuzhong-commerce-2025-2027").targets if t.id == "retail_sales"
    )
    path = {int(p["year"]): p["required"] for p in trajectory(target)}
    assert path[2027] == pytest.approx(200e9 * 100)
    assert path[2025] / path[2024] == pytest.approx(1.05, abs=0.002)


def test_counts_default_to_linear_and_money_to_compound() -> None:
    plan = find_plan("yuzhong-commerce-2025-2027")
    kinds = {t.id: t.trajectory_kind for t in plan.targets}
    assert kinds["digital_consumption_scenarios"] == "linear"
    assert kinds["retail_sales"] == "compound"


@pytest.mark.parametrize(
    ("mean", "sd", "expected"),
    [(200.0, 10.0, 0.5), (216.4485, 10.0, 0.95), (183.5515, 10.0, 0.05), (150.0, 0.0, 0.0)],
)
def test_probability_of_reaching_from_a_normal_projection(
    mean: float, sd: float, expected: float
) -> None:
    got = probability_of_reaching(200.0, Projection(mean=mean, sd=sd, method="test"))
    assert got == pytest.approx(expected, abs=1e-4)


def _actual(value: float, year: int = 2025) -> Actual:
    return Actual(value=value, year=year, as_of=date(year, 12, 31), source="test")


@pytest.mark.parametrize(
    ("actual", "required", "probability", "status"),
    [
        (None, 100.0, None, "no_data"),
        (_actual(200.0), 100.0, None, "achieved"),
        (_actual(100.0), 100.0, None, "on_track"),
        (_actual(90.0), 100.0, None, "at_risk"),
        (_actual(89.9), 100.0, None, "off_track"),
        (_actual(50.0), 100.0, 0.7, "on_track"),
        (_actual(50.0), 100.0, 0.69, "at_risk"),
        (_actual(50.0), 100.0, 0.3, "at_risk"),
        (_actual(50.0), 100.0, 0.29, "off_track"),
        (_actual(150.0, year=2027), 190.0, 0.9, "off_track"),
    ],
)
def test_status_boundaries(
    actual: Actual | None, required: float, probability: float | None, status: str
) -> None:
    got = decide_status(
        level=200.0, target_year=2027, actual=actual, required_now=required, probability=probability
    )
    assert got == status


def test_assess_reports_gap_required_value_and_probability_together() -> None:
    target = next(
        t for t in find_plan("yuzhong-commerce-2025-2027").targets if t.id == "retail_sales"
    )
    level = 200e9 * 100
    result = assess(
        "yuzhong-commerce-2025-2027",
        target,
        _actual(180e9 * 100),
        Projection(mean=level, sd=level * 0.05, method="test"),
    )
    assert result.gap == pytest.approx(20e9 * 100)
    assert result.required_now == pytest.approx(172.8e9 * 100 * 1.05, rel=1e-3)
    assert result.probability == pytest.approx(0.5)
    assert result.status == "at_risk"
