"""Accuracy measures, on the scales the forecasting literature publishes.

sMAPE is the M3 form, 200·|A−F|/(|A|+|F|) (utilsforecast's ``smape`` is half of it);
MASE divides by the in-sample mean absolute seasonal-naive error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

    FloatArray = NDArray[np.float64]


def smape(actual: FloatArray, forecast: FloatArray) -> FloatArray:
    """Element-wise M3 sMAPE in percent (0 where both are 0)."""
    denom = np.abs(actual) + np.abs(forecast)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(denom == 0, 0.0, 200.0 * np.abs(actual - forecast) / denom)
    return np.asarray(out, dtype=np.float64)


def seasonal_naive_scale(history: FloatArray, season_length: int) -> float:
    """In-sample MAE of the seasonal-naive forecast (naive if too short); 1 when it is 0."""
    lag = season_length if len(history) > season_length else 1
    if len(history) <= lag:
        return 1.0
    scale = float(np.mean(np.abs(history[lag:] - history[:-lag])))
    return scale if scale > 0 else 1.0


def covered(actual: FloatArray, lo: FloatArray, hi: FloatArray) -> FloatArray:
    """1.0 where the actual lies in [lo, hi], else 0.0."""
    return ((actual >= lo) & (actual <= hi)).astype(np.float64)


def diebold_mariano(
    e_model: Sequence[float], e_rule: Sequence[float], h: int = 1, power: int = 2
) -> tuple[float, float]:
    """(statistic, two-sided p-value) of the Diebold–Mariano test that two forecasts are
    equally accurate, with Harvey, Leybourne and Newbold's small-sample correction.

    ``e_*`` are the errors of the same targets; the loss is ``|e| ** power``; ``h`` the
    horizon (autocovariances up to lag h − 1 enter the variance). A negative statistic
    says the model's loss is lower. The p-value is from Student's t with n − 1 degrees of
    freedom, as HLN recommend. NaN when the loss differences have no variance.
    """
    from scipy import stats

    d = np.abs(np.asarray(e_model, dtype=float)) ** power
    d = d - np.abs(np.asarray(e_rule, dtype=float)) ** power
    n = len(d)
    if n < 3:
        return float("nan"), float("nan")
    centred = d - d.mean()
    gamma = [float(centred[k:] @ centred[: n - k]) / n for k in range(min(h, n))]
    variance = (gamma[0] + 2 * sum(gamma[1:])) / n
    if not variance > 0:
        return float("nan"), float("nan")
    dm = d.mean() / np.sqrt(variance)
    correction = np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    stat = float(dm * correction)
    return stat, float(2 * stats.t.sf(abs(stat), df=n - 1))
