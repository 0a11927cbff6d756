"""Accuracy measures, on the scales the forecasting literature publishes.

sMAPE is the M3 form, 200·|A−F|/(|A|+|F|) (utilsforecast's ``smape`` is half of it);
MASE divides by the in-sample mean absolute seasonal-naive error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
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
