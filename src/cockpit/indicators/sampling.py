"""Sampling error of the feed's figures: merchants are the sampling unit.

The feed is a sample of the city's merchants, and one merchant's payments are not
independent, so the error of a cell's figure is that of a total over sampled merchants.
Resampling the month's N merchants with replacement (a merchant bootstrap), a cell's total
Y = Σ y_i (y_i: merchant i's part of the cell, zero outside it) has the variance

    Var(Y) = N / (N − 1) · (Σ y_i² − Y² / N)

(the domain-total form: how many merchants fall in the cell varies too), and a ratio
R = s · Y / X (a share, an average ticket), by linearisation on z_i = y_i − R x_i / s,

    Var(R) = s² / X² · N / (N − 1) · (Σ y_i² − 2 (R / s) Σ y_i x_i + (R / s)² Σ x_i²
                                       − (Y − (R / s) X)² / N).

The build sums the squares and cross-products over merchants in the same pass as the
levels (``cube.levels_sql``: ``<a>__q``, ``<n>__x__<d>``), so these are exact
linearisations at DuckDB speed; tests/indicators/test_sampling.py checks them against a
merchant bootstrap.

Two approximations, labelled as such:
- **Growth rates** treat the two periods as independent samples: Var(Y/X) ≈ (Var Y +
  (Y/X)² Var X) / X². A merchant's two periods are positively correlated, which this
  leaves out (overstating), but the resample's merchants that trade in only one of the
  periods and the ratio's skew on few merchants add spread it does not see: on the test
  lake's city (50 merchants) it is 0.81 of the bootstrap's. Same-store rates take each
  period's variance as the whole cell's (their merchants are some of the cell's).
- **1–N月 and 1–2月** cumulate months whose merchants are the same: the standard error of
  a sum of months is at most the sum of their standard errors (Cauchy–Schwarz), which is
  what is published.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Matrix = Any  # (groups × months) float64 arrays


def _domain(n_merchants: Matrix) -> tuple[Matrix, Matrix]:
    """(N / (N − 1), 1 / N) per month; (1, 0) where N is unknown or 1."""
    n = np.asarray(n_merchants, dtype="float64")
    ok = np.isfinite(n) & (n > 1)
    factor = np.where(ok, n / np.where(ok, n - 1, 1.0), 1.0)
    inverse = np.where(ok, 1.0 / np.where(ok, n, 1.0), 0.0)
    return factor, inverse


def total_variance(q: Matrix, y: Matrix, n_merchants: Matrix) -> Matrix:
    """Var of cell totals ``y`` from their sums of squares ``q``."""
    factor, inverse = _domain(n_merchants)
    with np.errstate(invalid="ignore"):
        return np.maximum(factor * (q - y * y * inverse), 0.0)


def ratio_component(
    parts: dict[str, Matrix], r: Matrix, n_merchants: Matrix, cols: Any = slice(None)
) -> Matrix:
    """N/(N−1) · Σ (y_i − r x_i)² − (Y − r X)²/N over the months ``cols``: the variance of
    the linearised ratio times X² / s² (``r``: the ratio over s, per group)."""
    factor, inverse = _domain(n_merchants[..., cols] if np.ndim(n_merchants) else n_merchants)
    y, x = parts["n"][:, cols], parts["d"][:, cols]
    yq, xq, yx = parts["nq"][:, cols], parts["dq"][:, cols], parts["nd"][:, cols]
    with np.errstate(invalid="ignore"):
        spread = yq - 2 * r * yx + r * r * xq - (y - r * x) ** 2 * inverse
        return np.maximum(factor * spread, 0.0)


def level_variance(
    parts: dict[str, Matrix], is_ratio: Matrix, scale: Matrix, n_merchants: Matrix
) -> Matrix:
    """Var of each month's value (sums and ratios alike)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(parts["d"] != 0, parts["d"], np.nan)
        r = parts["n"] / d
        ratio = scale**2 / d**2 * ratio_component(parts, np.nan_to_num(r), n_merchants)
    total = total_variance(parts["nq"], parts["n"], n_merchants)
    return np.where(is_ratio, ratio, total)


def cumulative_variance(
    parts: dict[str, Matrix],
    is_ratio: Matrix,
    scale: Matrix,
    n_merchants: Matrix,
    years: Matrix,
) -> Matrix:
    """Var bound of 1–N月 values: (Σ of the months' standard errors)², each month's taken
    about the cumulative ratio for ratios."""
    n_cols = parts["n"].shape[1]
    out = np.full_like(parts["n"], np.nan)
    cum_n = np.zeros(parts["n"].shape[0])
    cum_d = np.zeros(parts["n"].shape[0])
    for j in range(n_cols):
        start = int(np.flatnonzero(years == years[j])[0])
        cum_n = parts["n"][:, start : j + 1].sum(axis=1)
        cum_d = parts["d"][:, start : j + 1].sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(cum_d != 0, cum_d, np.nan)
            r = np.nan_to_num(cum_n / d)[:, None]
            cols = slice(start, j + 1)
            ratio_sd = np.sqrt(ratio_component(parts, r, n_merchants, cols)).sum(axis=1)
            ratio = (scale[:, 0] * ratio_sd / d) ** 2
        months_q = parts["nq"][:, start : j + 1]
        months_y = parts["n"][:, start : j + 1]
        total_sd = np.sqrt(total_variance(months_q, months_y, n_merchants[start : j + 1]))
        out[:, j] = np.where(is_ratio[:, 0], ratio, total_sd.sum(axis=1) ** 2)
    return out


def cumulative_total_variance(q: Matrix, y: Matrix, n_merchants: Matrix, years: Matrix) -> Matrix:
    """Var bound of running sums within each year: (Σ of the months' standard errors)²."""
    sd = np.sqrt(total_variance(q, y, n_merchants))
    out = np.full_like(sd, np.nan)
    for year in np.unique(years):
        cols = years == year
        out[:, cols] = np.cumsum(sd[:, cols], axis=1) ** 2
    return out


def growth_se(
    now: Matrix, base: Matrix, var_now: Matrix, var_base: Matrix, in_pct: Matrix
) -> Matrix:
    """Standard error of the growth of ``now`` over ``base``: in % for levels (the two
    periods taken as independent: an upper bound), in percentage points for shares."""
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.where(base != 0, base, np.nan)
        r = now / b
        pct = 100.0 * np.sqrt(var_now + r * r * var_base) / np.abs(b)
        pp = np.sqrt(var_now + var_base)
    return np.where(in_pct, pct, pp).astype("float64")


def coefficient_of_variation(se: Matrix, value: Matrix) -> Matrix:
    """se / |value| (empty where the value is zero or empty)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.abs(value)
        return np.where(v > 0, se / np.where(v > 0, v, np.nan), np.nan).astype("float64")
