"""The one estimator of published series: periods, fallbacks, the bridge, intervals, DM test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cockpit.forecast.metrics import diebold_mariano
from cockpit.forecast.official import (
    PER_YEAR,
    feed_growth,
    index_period,
    period_index,
    period_slot,
    predictive_levels,
    published_series,
    stretch,
)
from cockpit.forecast.officialbacktest import backtest_series, choose, conformal_factors, scores
from cockpit.forecast.officialrun import Plan, estimate_rows


def _periods(first_year: int, n: int) -> list[str]:
    start = period_index(f"{first_year}-01-02")
    return [index_period(start + k) for k in range(n)]


def _ar_series(
    n: int, seed: int, phi: float = 0.8, sd: float = 0.01
) -> tuple[list[str], list[float], list[float]]:
    """Levels whose log growth is an AR(1) around 5 %, as a bureau would publish them."""
    rng = np.random.default_rng(seed)
    g = np.empty(n)
    g[0] = 0.05
    for t in range(1, n):
        g[t] = 0.05 + phi * (g[t - 1] - 0.05) + sd * rng.standard_normal()
    season = 1 + 0.1 * np.sin(np.arange(PER_YEAR))
    base = 1e12 * season
    levels = np.empty(n)
    for t in range(n):
        levels[t] = (base[t] if t < PER_YEAR else levels[t - PER_YEAR]) * np.exp(g[t])
    yoy = list(np.expm1(g) * 100)
    return _periods(2019, n), list(levels), yoy


@given(st.integers(2000, 2100), st.integers(0, 10))
def test_release_periods_pool_january_and_february(year: int, slot: int) -> None:
    period = index_period(year * PER_YEAR + slot)
    assert period_slot(period) == (year, slot)
    assert period_index(period) == year * PER_YEAR + slot
    assert period != f"{year}-01" and period != f"{year}-02"
    with pytest.raises(ValueError, match="together"):
        period_slot(f"{year}-02")


def test_the_first_years_growth_rates_give_the_year_before() -> None:
    periods, levels, yoy = _ar_series(PER_YEAR * 2, seed=1)
    series = published_series(periods[PER_YEAR:], levels[PER_YEAR:], yoy[PER_YEAR:])
    assert series.first == period_index(periods[0])
    assert series.level[:PER_YEAR] == pytest.approx(levels[:PER_YEAR], rel=1e-9)


def test_a_series_under_three_years_publishes_rule_b_and_says_so() -> None:
    periods, levels, yoy = _ar_series(PER_YEAR + 3, seed=2)
    # A year and three periods of rows: two years and three periods of levels.
    series = published_series(periods, levels, yoy)
    assert not series.enough
    rows = pd.DataFrame(backtest_series(series, None))
    choice = choose(rows, series)
    assert choice.methods == {"next": "rule_b", "near": "rule_b", "far": "rule_b"}
    assert "three years" in choice.notes["next"]
    out = estimate_rows(
        ("m", "500000", ""), series, Plan(choice.methods, choice.notes, {}), None, 3
    )
    ahead = [r for r in out if r["status"] != "published"]
    assert ahead and {r["method"] for r in ahead} == {"rule_b"}
    # Rule (b) is exactly the same period a year before × the latest published growth.
    latest = 1 + yoy[-1] / 100
    assert ahead[0]["value_fen"] == pytest.approx(levels[-PER_YEAR] * latest, rel=1e-6)
    assert all("three years" in r["note"] for r in ahead)


def test_the_model_beats_rule_b_where_growth_mean_reverts_and_is_published() -> None:
    periods, levels, yoy = _ar_series(PER_YEAR * 7, seed=3, phi=0.3)
    series = published_series(periods, levels, yoy)
    rows = pd.DataFrame(backtest_series(series, None, origins=30, horizons=3, paths=200))
    assert scores(rows, "ar", {})["mape"] < scores(rows, "rule_b", {})["mape"]
    assert choose(rows, series).methods["near"] == "ar"


def test_calibrated_intervals_cover_at_their_rates_on_held_out_series() -> None:
    fit: list[pd.DataFrame] = []
    held: list[pd.DataFrame] = []
    for seed in range(10):
        periods, levels, yoy = _ar_series(PER_YEAR * 6, seed=100 + seed)
        found = pd.DataFrame(
            backtest_series(published_series(periods, levels, yoy), None, horizons=3, paths=300)
        )
        (fit if seed % 2 else held).append(found)
    factors = conformal_factors(pd.concat(fit), "ar")
    measured = scores(pd.concat(held), "ar", factors)
    assert abs(measured["cov80"] - 0.80) <= 0.06
    assert abs(measured["cov95"] - 0.95) <= 0.04


def test_levels_are_never_negative_even_with_wild_growth() -> None:
    periods, levels, yoy = _ar_series(PER_YEAR * 4, seed=4, sd=0.4)
    series = published_series(periods, levels, yoy)
    paths, point = predictive_levels(series, "ar", 24, paths=300, scale=np.full((24, 2), 3.0))
    assert (paths > 0).all() and (point > 0).all()


def test_the_feed_regressor_is_the_feeds_growth_over_the_same_days() -> None:
    days = pd.date_range("2024-01-01", "2025-12-31", freq="D")
    daily = {d.strftime("%Y-%m-%d"): (2.0 if d.year == 2025 else 1.0) for d in days}
    assert feed_growth(daily, "2025-03", 7) == pytest.approx(np.log(2.0))
    # 1–2月 is January whole and February to the cut day; 2024 had a 29 February.
    assert feed_growth(daily, "2025-01-02", 31) == pytest.approx(np.log(2.0))
    assert feed_growth(daily, "2026-03", 7) is None  # no feed for 2026


def test_diebold_mariano_at_horizon_one_is_the_paired_t_test() -> None:
    rng = np.random.default_rng(5)
    e_model, e_rule = rng.normal(0, 1.0, 40), rng.normal(0, 1.5, 40)
    stat, p = diebold_mariano(e_model.tolist(), e_rule.tolist(), h=1)
    reference = stats.ttest_1samp(e_model**2 - e_rule**2, 0.0)
    assert stat == pytest.approx(reference.statistic)
    assert p == pytest.approx(reference.pvalue)
    assert stat < 0


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 6), st.integers(0, 1000))
def test_diebold_mariano_is_antisymmetric_and_its_p_value_a_probability(h: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(0, 1, 30), rng.normal(0, 1.2, 30)
    s_ab, p_ab = diebold_mariano(a.tolist(), b.tolist(), h=h)
    s_ba, p_ba = diebold_mariano(b.tolist(), a.tolist(), h=h)
    if np.isfinite(s_ab):
        assert s_ab == pytest.approx(-s_ba) and p_ab == pytest.approx(p_ba)
        assert 0 <= p_ab <= 1
    same = diebold_mariano(a.tolist(), a.tolist(), h=h)
    assert np.isnan(same[0])


@settings(max_examples=30, deadline=None)
@given(st.floats(0.5, 2.0), st.floats(0.5, 3.0))
def test_one_stretched_distribution_has_both_calibrated_intervals(k80: float, k95: float) -> None:
    r = np.random.default_rng(6).standard_normal(200_000)
    out = np.abs(stretch(r, k80, k95))
    assert np.quantile(out, 0.80) == pytest.approx(1.2816 * k80, rel=0.02)
    if 1.96 * k95 > 1.2816 * k80:
        assert np.quantile(out, 0.95) == pytest.approx(1.96 * k95, rel=0.02)
    order = np.argsort(r)
    assert (np.diff(stretch(r, k80, k95)[order]) >= 0).all()  # monotone: ranks kept


def test_rule_b_is_published_at_a_step_where_pooled_the_model_loses() -> None:
    from cockpit.forecast.officialbacktest import pooled_rule_steps

    rows = pd.DataFrame(
        {
            "label": ["h1"] * 10 + ["h2"] * 10,
            "actual": [100.0] * 20,
            "ar": [101.0] * 10 + [104.0] * 10,  # the model wins one step ahead, loses at two
            "rule_b": [102.0] * 10 + [103.0] * 10,
        }
    )
    steps = pooled_rule_steps(rows)
    assert 2 in steps and 1 not in steps
    plan = Plan(
        {"next": "ar", "near": "ar", "far": "ar"}, {"next": "m", "near": "m", "far": "m"}, {}, steps
    )
    assert [plan.method_at(h) for h in (1, 2, 3)] == ["ar", "rule_b", "ar"]
    assert "does not beat it" in plan.note_at(2)


def test_calendar_terms_see_days_weekends_and_moving_holidays() -> None:
    from cockpit.forecast.official import calendar_terms

    # 1–2月 2024 had 29 February: one day more than 2023's, one more than 2025's.
    assert calendar_terms(period_index("2024-01-02"))[0] == pytest.approx(np.log(60 / 59))
    assert calendar_terms(period_index("2025-01-02"))[0] == pytest.approx(np.log(59 / 60))
    # Mid-Autumn: 17 September 2024 (15–17 off), 6 October 2025 (National Day ran 1–8).
    assert calendar_terms(period_index("2024-09"))[1][1] > 0
    assert calendar_terms(period_index("2025-09"))[1][1] < 0
    assert calendar_terms(period_index("2025-10"))[1][1] == pytest.approx(1 / 31)
    # March 2025 has five Saturdays and five Sundays; March 2024 five Saturdays, five Sundays.
    assert calendar_terms(period_index("2025-03"))[1][0] == pytest.approx(0.0)


def test_the_growth_model_learns_a_holiday_effect_and_forecasts_it() -> None:
    from cockpit.forecast.official import calendar_terms, fit_growth, simulate_growth

    n = PER_YEAR * 7
    start = period_index("2018-01-02")
    rng = np.random.default_rng(8)
    u = np.zeros(n)
    for t in range(1, n):
        u[t] = 0.6 * u[t - 1] + 0.002 * rng.standard_normal()
    holiday = np.array([calendar_terms(start + t)[1][1] for t in range(n)])
    offset = np.array([calendar_terms(start + t)[0] for t in range(n)])
    g = 0.05 + offset + 0.8 * holiday + u
    model = fit_growth(g, start)
    assert model.beta[2] == pytest.approx(0.8, abs=0.15)
    series = published_series(
        [index_period(start + t) for t in range(n)],
        list(1e12 * np.exp(np.cumsum(g))),
        list(np.expm1(g) * 100),
    )
    _, means = simulate_growth(series, "ar", 14, paths=50)
    ahead = np.array([calendar_terms(series.last + h)[1][1] for h in range(1, 15)])
    # Beyond the errors' memory, the forecast moves with the known calendar.
    far = means[6:] - 0.05 - np.array([calendar_terms(series.last + h)[0] for h in range(7, 15)])
    assert np.corrcoef(far, ahead[6:])[0, 1] > 0.9
