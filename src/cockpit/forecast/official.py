"""One estimator of every published monthly series: nowcasts and forecasts of official figures.

The statistics bureau publishes a level and its year-on-year growth for each *release period*:
``YYYY-01-02`` (January and February together, as NBS publishes them), then ``YYYY-03`` …
``YYYY-12``, eleven periods a year. A published level is last year's level of the same period
times its growth, so the model is of the growth rates (log growth ``g = log(1 + yoy)``):

- ``ar``: a regression of ``g`` on the calendar (the change in the share of weekend days and
  of holiday days off on the same period a year before; the days' ratio as an offset) with
  AR(1) errors (statsmodels ``GLSAR``): growth that moves slowly around its mean, moved by the
  holidays a known amount. Where the feed covers the period being estimated (the nowcast), the
  same regression adds the feed's growth (its payment count) over the same days a year before
  as a regressor (a bridge equation), fitted on the periods where both exist.
- ``rule_b``: same period last year × the latest published growth, the rule a statistician
  tries first; as a distribution, a random walk on ``g`` (its mean is the rule exactly).
- ``rule_a``: seasonal naive, same period last year (compared, never published).

Both published methods give a predictive distribution by simulating growth paths and chaining
levels (a period more than a year ahead stands on an estimated level), scaled per horizon by
the factors the rolling backtest calibrates (``cockpit.forecast.officialrun``). Every estimate,
interval and probability of reaching a target is read off these paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
from numpy.typing import NDArray

PER_YEAR = 11  # release periods a year: 1–2月, then March to December
#: Fewest published levels (three years) for the AR model; below it rule (b) is published.
MIN_LEVELS = 3 * PER_YEAR
#: Fewest periods with both a published growth and the feed's for the bridge regression.
MIN_BRIDGE = 12
PATHS = 1000
Method = Literal["ar", "rule_b"]


def period_slot(period: str) -> tuple[int, int]:
    """(year, slot): slot 0 is 1–2月, slots 1–10 are March to December."""
    year = int(period[:4])
    if period.endswith("-01-02"):
        return year, 0
    month = int(period[5:7])
    if month < 3:
        raise ValueError(f"{period}: January and February are published together as YYYY-01-02")
    return year, month - 2


def slot_period(year: int, slot: int) -> str:
    return f"{year}-01-02" if slot == 0 else f"{year}-{slot + 2:02d}"


def period_index(period: str) -> int:
    """Release periods since year 0, so that consecutive periods differ by one."""
    year, slot = period_slot(period)
    return year * PER_YEAR + slot


def index_period(index: int) -> str:
    return slot_period(index // PER_YEAR, index % PER_YEAR)


def period_months(period: str) -> list[str]:
    """The calendar months a release period covers (``YYYY-01-02`` → January, February)."""
    year, slot = period_slot(period)
    return [f"{year}-01", f"{year}-02"] if slot == 0 else [period]


@dataclass(frozen=True)
class Published:
    """One published series on consecutive release periods (NaN where a period is missing)."""

    first: int  # period index of the first value
    level: NDArray[np.float64]  # fen
    growth: NDArray[np.float64]  # log growth on the same period a year before

    @property
    def last(self) -> int:
        return self.first + len(self.level) - 1

    def upto(self, index: int) -> Published:
        """The series as it stood when ``index`` was the latest published period."""
        n = index - self.first + 1
        return Published(self.first, self.level[:n], self.growth[:n])

    @property
    def enough(self) -> bool:
        """Three years of levels and a year of growth in a row at the end: the AR model."""
        tail = _tail(self.growth)
        return int(np.isfinite(self.level).sum()) >= MIN_LEVELS and tail.stop - tail.start >= 12


def published_series(periods: list[str], levels: list[float], yoy_pct: list[float]) -> Published:
    """From a bureau's rows: growth as published, else from the levels a year apart."""
    idx = [period_index(p) for p in periods]
    first, last = min(idx), max(idx)
    level = np.full(last - first + 1, np.nan)
    growth = np.full(last - first + 1, np.nan)
    for i, v, r in zip(idx, levels, yoy_pct, strict=True):
        level[i - first] = v
        if r is not None and np.isfinite(r) and r > -100:
            growth[i - first] = np.log1p(r / 100)
    for k in range(PER_YEAR, len(level)):
        if not np.isfinite(growth[k]) and level[k] > 0 and level[k - PER_YEAR] > 0:
            growth[k] = np.log(level[k] / level[k - PER_YEAR])
    # A published level and its growth imply the level a year before: the first year's
    # rates give the year the file does not list (so three years of rows are four of levels).
    head = [k for k in range(min(PER_YEAR, len(level))) if np.isfinite(growth[k])]
    if head and first - PER_YEAR >= 0:
        before = np.full(PER_YEAR, np.nan)
        for k in head:
            before[k] = level[k] / np.exp(growth[k])
        level = np.concatenate([before, level])
        growth = np.concatenate([np.full(PER_YEAR, np.nan), growth])
        first -= PER_YEAR
    return Published(first, level, growth)


def _tail(growth: NDArray[np.float64], x: NDArray[np.float64] | None = None) -> slice:
    """The longest run of finite values at the end (of growth, and of ``x`` where given)."""
    ok = np.isfinite(growth) if x is None else np.isfinite(growth) & np.isfinite(x)
    if ok.all():
        return slice(0, len(ok))
    start = len(ok) - int(np.argmax(~ok[::-1]))
    return slice(start, len(ok))


@dataclass(frozen=True)
class Step:
    """The distribution of growth at one step ahead, before calibration: mean and sd."""

    mean: float
    sd: float


@lru_cache(maxsize=4096)
def _calendar_of(period: str) -> tuple[int, float, float]:
    """(days, share of Saturdays and Sundays, share of public-holiday days off outside the
    Spring Festival) of a release period; holidays from ``cockpit.forecast.holidays``."""
    import calendar
    import datetime as dt

    import pandas as pd

    from cockpit.forecast.holidays import daily_regressors

    days = [
        dt.date(int(m[:4]), int(m[5:7]), d)
        for m in period_months(period)
        for d in range(1, calendar.monthrange(int(m[:4]), int(m[5:7]))[1] + 1)
    ]
    reg = daily_regressors(pd.Series(days))
    off = (reg["hol_golden"] + reg["hol_short"]).clip(upper=1.0)
    weekend = float(np.mean([d.weekday() >= 5 for d in days]))
    return len(days), weekend, float(off.mean())


@lru_cache(maxsize=4096)
def calendar_terms(index: int) -> tuple[float, NDArray[np.float64]]:
    """The calendar's part of a period's year-on-year growth: (log ratio of its days to the
    same period's a year before — a fixed offset, one more day of trade is one more day —,
    the regressors: change in the share of weekend days and of holiday days off)."""
    now = _calendar_of(index_period(index))
    before = _calendar_of(index_period(index - PER_YEAR))
    offset = float(np.log(now[0] / before[0]))
    terms = np.array([now[1] - before[1], now[2] - before[2]])
    terms.setflags(write=False)  # cached: shared by every caller
    return offset, terms


@dataclass(frozen=True)
class GrowthModel:
    """Log growth ``g_t = offset_t + [1, x_t, f_t]·beta + u_t``, ``u_t = rho·u_{t-1} + e_t``:
    a regression on the calendar (and, for the bridge, the feed ``f``) with AR(1) errors,
    fitted by feasible GLS (statsmodels ``GLSAR``)."""

    beta: NDArray[np.float64]
    rho: float
    sd: float  # innovation sd of u
    u_last: float  # u at the last period fitted


def _design(indices: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    terms = [calendar_terms(int(i)) for i in indices]
    offset = np.array([t[0] for t in terms])
    x = np.array([t[1] for t in terms]).reshape(len(terms), -1)
    return offset, np.column_stack([np.ones(len(terms)), x])


def fit_growth(
    growth: NDArray[np.float64], first: int, feed: NDArray[np.float64] | None = None
) -> GrowthModel:
    """The growth model on the tail of finite growth (and feed, where given); ``first`` is the
    period index of ``growth[0]``."""
    from statsmodels.regression.linear_model import GLSAR

    window = _tail(growth, feed)
    g = growth[window]
    offset, x = _design(np.arange(first + window.start, first + window.stop))
    if feed is not None:
        x = np.column_stack([x, feed[window]])
    y = g - offset
    res = GLSAR(y, x, rho=1).iterative_fit(maxiter=6)
    rho = float(np.clip(np.asarray(res.model.rho)[0], -0.99, 0.99))
    beta = np.asarray(res.params, dtype=float)
    u = y - x @ beta
    # The innovations' sd: of u_t − rho·u_{t−1}, with the parameters' degrees of freedom.
    e = u[1:] - rho * u[:-1]
    dof = max(len(e) - x.shape[1] - 1, 1)
    return GrowthModel(beta, rho, float(np.sqrt(np.sum(e**2) / dof)), float(u[-1]))


def fit_bridge(
    growth: NDArray[np.float64], feed: NDArray[np.float64], feed_now: float, first: int = 0
) -> Step | None:
    """One-step growth given the feed's growth: the growth model with the feed as a regressor.

    ``feed[k]`` is the feed's growth over the same days as the target's (cut day) for the
    published period k; ``feed_now`` the target's. None without ``MIN_BRIDGE`` pairs.
    """
    window = _tail(growth, feed)
    if window.stop - window.start < MIN_BRIDGE + 1:
        return None
    model = fit_growth(growth, first, feed)
    target = first + len(growth)
    offset, x = calendar_terms(target)
    mean = offset + float(np.r_[1.0, x, feed_now] @ model.beta) + model.rho * model.u_last
    return Step(mean, model.sd)


def simulate_growth(
    series: Published,
    method: Method,
    horizon: int,
    *,
    first_step: Step | None = None,
    paths: int = PATHS,
    seed: int = 0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(paths × horizon simulated log growth, its per-step mean) after the last period.

    ``first_step`` replaces the model's first step (the bridge's nowcast).
    """
    rng = np.random.default_rng(seed)
    g_last = float(series.growth[-1])
    sims = np.empty((paths, horizon))
    means = np.empty(horizon)
    z = rng.standard_normal((paths, horizon))
    if method == "ar":
        model = fit_growth(series.growth, series.first)
        u, u_mean = np.full(paths, model.u_last), model.u_last
        for h in range(horizon):
            offset, x = calendar_terms(series.last + 1 + h)
            fixed = offset + float(np.r_[1.0, x] @ model.beta)
            if h == 0 and first_step is not None:
                means[h] = first_step.mean
                sims[:, h] = first_step.mean + first_step.sd * z[:, h]
                u, u_mean = sims[:, h] - fixed, first_step.mean - fixed
                continue
            u_mean = model.rho * u_mean
            u = model.rho * u + model.sd * z[:, h]
            means[h] = fixed + u_mean
            sims[:, h] = fixed + u
    else:
        diffs = np.diff(series.growth[_tail(series.growth)])
        sd = float(np.sqrt(np.mean(diffs**2))) if len(diffs) else 0.05
        means[:] = g_last
        sims = g_last + sd * np.cumsum(z, axis=1)
    return sims, means


def chain_levels(series: Published, growth: NDArray[np.float64]) -> NDArray[np.float64]:
    """Levels of the periods after the last published one: a year before × exp(growth)."""
    paths, horizon = growth.shape
    known = series.level
    out = np.empty((paths, horizon))
    for h in range(horizon):
        back = len(known) + h - PER_YEAR
        base = out[:, back - len(known)] if back >= len(known) else np.full(paths, known[back])
        out[:, h] = base * np.exp(growth[:, h])
    return out


def feed_growth(daily: dict[str, float], period: str, cut_day: int) -> float | None:
    """Log growth of the feed over the period's days up to ``cut_day`` of its last month,
    against the same days a year before; None where either year lacks a day."""
    import calendar

    months = period_months(period)
    now = before = 0.0
    for k, month in enumerate(months):
        year, mon = int(month[:4]), int(month[5:7])
        last = calendar.monthrange(year, mon)[1]
        top = min(cut_day, last) if k == len(months) - 1 else last
        for day in range(1, top + 1):
            this = daily.get(f"{year}-{mon:02d}-{day:02d}")
            if mon == 2 and day == 29:
                if this is None:
                    return None
                now += this  # no 29 February a year before: counted this year only
                continue
            earlier = daily.get(f"{year - 1}-{mon:02d}-{day:02d}")
            if this is None or earlier is None:
                return None
            now, before = now + this, before + earlier
    if now <= 0 or before <= 0:
        return None
    return float(np.log(now / before))


def feed_history(daily: dict[str, float], series: Published, cut_day: int) -> NDArray[np.float64]:
    """The feed's growth at ``cut_day`` for every period of ``series`` (NaN where none)."""
    out = np.full(len(series.level), np.nan)
    for k in range(len(out)):
        value = feed_growth(daily, index_period(series.first + k), cut_day)
        if value is not None:
            out[k] = value
    return out


def nowcast_step(
    series: Published, daily: dict[str, float] | None, cut_day: int | None
) -> Step | None:
    """The bridge's first step where the feed covers the next period (to ``cut_day``)."""
    if daily is None or cut_day is None or not series.enough:
        return None
    now = feed_growth(daily, index_period(series.last + 1), cut_day)
    if now is None:
        return None
    return fit_bridge(series.growth, feed_history(daily, series, cut_day), now, series.first)


Z80, Z95 = 1.2815515655446004, 1.959963984540054


def stretch(r: NDArray[np.float64], k80: float, k95: float) -> NDArray[np.float64]:
    """Standardised deviations mapped so that ±z80 lands on ±k80·z80 and ±z95 on ±k95·z95
    (piecewise linear, monotone, continued past z95): one distribution whose 80 % and 95 %
    intervals are each what the backtest says they must be."""
    a = np.abs(r)
    top80, top95 = Z80 * k80, max(Z95 * k95, Z80 * k80)
    slope = (top95 - top80) / (Z95 - Z80)
    out: NDArray[np.float64] = np.sign(r) * np.where(a <= Z80, a * k80, top80 + (a - Z80) * slope)
    return out


def predictive_levels(
    series: Published,
    method: Method,
    horizon: int,
    *,
    first_step: Step | None = None,
    scale: NDArray[np.float64] | None = None,
    paths: int = PATHS,
    seed: int = 0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(paths × horizon levels in fen, the point estimate of each step) after the last
    published period. The point chains the growth's conditional means (for rule (b), exactly
    the same period a year before × the latest growth); ``scale[h]`` = (k80, k95) stretches
    step h's log levels around it (``stretch``): the split-conformal factors the rolling
    backtest learnt for that horizon ((1, 1) where none was learnt).
    """
    growth, means = simulate_growth(
        series, method, horizon, first_step=first_step, paths=paths, seed=seed
    )
    levels = chain_levels(series, growth)
    point = chain_levels(series, means[None, :])[0]
    if scale is None:
        return levels, point
    return calibrated(levels, point, scale), point


def calibrated(
    levels: NDArray[np.float64], point: NDArray[np.float64], scale: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Level paths stretched around ``point`` step by step by the factors ``scale``."""
    horizon = levels.shape[1]
    logs = np.log(np.maximum(levels, 1.0))
    centre = np.log(point)
    dev = logs - centre
    sd = np.sqrt((dev**2).mean(axis=0))
    out = np.empty_like(levels)
    for h in range(horizon):
        if sd[h] <= 0:
            out[:, h] = levels[:, h]
            continue
        k80, k95 = (float(v) for v in scale[h])
        out[:, h] = np.exp(centre[h] + stretch(dev[:, h] / sd[h], k80, k95) * sd[h])
    return out
