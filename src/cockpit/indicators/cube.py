"""The two engine stages of a build, as Ibis expressions (so DuckDB and Spark run the same).

Stage A, the *cube*: the fact table aggregated per month and merchant and every
transaction attribute, one numerator (and denominator) column per indicator. A merchant
count is 0 or 1 at this grain, so every column adds up over merchants.

Stage B, the *levels*: for each cut (no dimension, or one), the cube rolled up per month,
with the same-store parts beside the all-merchant sums: ``__ss1`` / ``__ss12`` sum over
merchants also present 1 / 12 months before, ``__b1`` / ``__b12`` over merchants also
present 1 / 12 months after (the base of next month's / next year's same-store growth).
"""

from __future__ import annotations

from typing import Any

from cockpit.indicators.catalogue import CUT_DIMENSIONS, INDICATORS, Indicator
from cockpit.indicators.fact import DIGITAL_FLAGS, unpivot_digital_types

CUBE_KEYS = (
    "mi",
    "month",
    "merchant_id",
    "district",
    "business_district",
    "category",
    "channel",
    "payer_segment",
    "payment_method",
    *DIGITAL_FLAGS.values(),
)
LAGS = (1, 12)
PRESENT = "transactions__n"  # a merchant is present in a month when it has a payment
CUTS: tuple[tuple[str, ...], ...] = ((), *((d,) for d in CUT_DIMENSIONS))


def measure_columns(ind: Indicator) -> list[str]:
    """The cube columns of an indicator: numerator, and denominator for ratios."""
    return [f"{ind.id}__n"] + ([f"{ind.id}__d"] if ind.den is not None else [])


def measures(t: Any) -> dict[str, Any]:
    """Every indicator's numerator and denominator over ``t``, zero when empty."""
    out: dict[str, Any] = {}
    for ind in INDICATORS:
        out[f"{ind.id}__n"] = ind.num(t).fill_null(0).cast("int64")
        if ind.den is not None:
            out[f"{ind.id}__d"] = ind.den(t).fill_null(0).cast("int64")
    return out


def cube(fact: Any) -> Any:
    """Stage A over the fact table (filter it to the months to refresh first)."""
    return fact.group_by(list(CUBE_KEYS)).aggregate(**measures(fact))


def presence_flags(present: Any) -> Any:
    """Per (month, merchant) present, whether also present 1 and 12 months before and after.

    ``present`` is a pandas frame of (mi, merchant_id) with a payment; returns pandas.
    """
    import pandas as pd

    keys = set(zip(present["mi"], present["merchant_id"], strict=True))
    out = pd.DataFrame({"mi": present["mi"], "merchant_id": present["merchant_id"]})
    for lag in LAGS:
        for sign, name in ((-1, f"prev{lag}"), (1, f"next{lag}")):
            out[name] = [(mi + sign * lag, m) in keys for mi, m in keys_of(out)]
    return out


def keys_of(frame: Any) -> list[tuple[int, str]]:
    return list(zip(frame["mi"].tolist(), frame["merchant_id"].tolist(), strict=True))


def _with_presence(ml: Any, flags: Any) -> Any:
    """Merchant-level rows flagged with presence 1 and 12 months before and after."""
    f = flags.rename(f_mi="mi", f_id="merchant_id")
    joined = ml.left_join(f, [ml.mi == f.f_mi, ml.merchant_id == f.f_id]).drop("f_mi", "f_id")
    names = [f"{p}{lag}" for lag in LAGS for p in ("prev", "next")]
    return joined.mutate(**{n: joined[n].fill_null(False) for n in names})


def _int_sum(col: Any, where: Any) -> Any:
    return col.sum(where=where).fill_null(0).cast("int64")


def levels(cube_t: Any, flags: Any, cut: tuple[str, ...], months: list[int] | None = None) -> Any:
    """Stage B for one cut; ``flags`` from ``presence_flags``; ``months`` limits the months."""
    src = unpivot_digital_types(cube_t) if "digital_type" in cut else cube_t
    if months is not None:
        src = src.filter(src.mi.isin(months))
    rollup: dict[str, Any] = {}
    for ind in INDICATORS:
        for col in measure_columns(ind):
            rollup[col] = src[col].sum() if ind.kind != "merchants" else src[col].max()
    ml = src.group_by(["mi", "merchant_id", *cut]).aggregate(**rollup)
    ml = _with_presence(ml, flags)
    aggs: dict[str, Any] = {}
    for ind in INDICATORS:
        for col in measure_columns(ind):
            aggs[col] = ml[col].sum().cast("int64")
            if not ind.same_store:
                continue
            for lag in LAGS:
                aggs[f"{col}__ss{lag}"] = _int_sum(ml[col], ml[f"prev{lag}"])
                aggs[f"{col}__b{lag}"] = _int_sum(ml[col], ml[f"next{lag}"])
    return ml.group_by(["mi", *cut]).aggregate(**aggs)


def day_levels(fact: Any, cut: tuple[str, ...]) -> Any:
    """Daily values for one cut, straight from the fact table (no same-store by day)."""
    src = unpivot_digital_types(fact) if "digital_type" in cut else fact
    return src.group_by(["date", "month", *cut]).aggregate(**measures(src))


DAY_CUTS: tuple[tuple[str, ...], ...] = ((), ("district",))
