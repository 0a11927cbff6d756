"""Detectors over monthly indicator series: threshold, anomaly, runs.

They take plain pandas frames so they run on any source of numbers:

* ``series``: columns ``indicator``, ``period`` (``YYYY-MM``), ``value``; every other
  column is a dimension (``region_code``, ``category_code``...), and each distinct set of
  dimension values is one series.
* ``forecasts``: ``indicator``, ``period``, ``lo95``, ``hi95`` (optionally ``mean``) and
  the same dimension columns.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cockpit.alerts.findings import (
    Finding,
    describe,
    fmt_pct,
    month_index,
    month_name,
    subject_key,
)
from cockpit.alerts.rules import AnomalyRule, RunsRule, SeriesRule, ThresholdRule

if TYPE_CHECKING:
    import pandas as pd

# Besides the value, a series may carry the growth rate as published and its release
# (official statistics: cockpit.alerts.sources): read, never re-derived.
KEY_COLUMNS = ("indicator", "period", "value", "published_yoy_pct", "release")
FORECAST_COLUMNS = ("indicator", "period", "lo95", "hi95", "mean", "model")
OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
MEASURE_LABEL = {
    "value": ("值", "value"),
    "yoy_pct": ("同比", "year on year"),
    "mom_pct": ("环比", "month on month"),
    "yoy_z": ("同比偏离度", "year-on-year z-score"),
}


def dimensions(frame: pd.DataFrame, exclude: tuple[str, ...] = KEY_COLUMNS) -> list[str]:
    """The dimension columns of a series frame."""
    return [c for c in frame.columns if c not in exclude and c != "month_ix"]


def select_series(rule: SeriesRule, series: pd.DataFrame) -> pd.DataFrame:
    """The rows of the rule's indicator and cut, with a month index, monthly periods only."""
    frame = series[series["indicator"] == rule.indicator].copy()
    for column, wanted in rule.cut.items():
        if column not in frame.columns:
            return frame.iloc[0:0]
        values = frame[column].fillna("").astype(str)
        if wanted == "*":
            frame = frame[values != ""]
        elif isinstance(wanted, list):
            frame = frame[values.isin(wanted)]
        else:
            frame = frame[values == wanted]
    for column in dimensions(frame):
        frame[column] = frame[column].fillna("").astype(str)
    frame["month_ix"] = frame["period"].map(series_month)
    frame = frame.dropna(subset=["month_ix", "value"])
    frame["month_ix"] = frame["month_ix"].astype(int)
    return frame.sort_values("month_ix")


def series_month(period: str) -> int | None:
    """The month index of a series period; NBS's 1–2月 release (``YYYY-01-02``) stands
    at February (no single January or February is published beside it)."""
    if len(period) == 10 and period.endswith("-01-02"):
        return month_index(period[:4] + "-02")
    return month_index(period)


def latest_month(frame: pd.DataFrame, as_of: str | None) -> int | None:
    """The month to judge: ``as_of`` if given, else the newest month in the frame."""
    if as_of is not None:
        return month_index(as_of)
    if frame.empty:
        return None
    return int(frame["month_ix"].max())


def with_changes(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``yoy_pct`` and ``mom_pct`` (growth in %, against 12 and 1 months before), and
    ``yoy_z``: how unusual this month's YoY growth is against the series' own previous 12."""
    dims = dimensions(frame)
    cumulative = frame["period"].astype(str).str.endswith("-01-02") & (
        frame["period"].astype(str).str.len() == 10
    )
    base = frame[[*dims, "month_ix", "value"]].assign(_cum=cumulative)
    out = frame
    for name, lag in (("yoy_pct", 12), ("mom_pct", 1)):
        prior = base.assign(month_ix=base["month_ix"] + lag).rename(
            columns={"value": "_prior", "_cum": "_prior_cum"}
        )
        out = out.merge(prior, on=[*dims, "month_ix"], how="left")
        ratio = out["value"] / out["_prior"].where(out["_prior"] > 0)
        out[name] = (ratio - 1.0) * 100.0
        if name == "mom_pct":  # 1–2月 is two months: no month-on-month on either side
            out.loc[cumulative.to_numpy() | out["_prior_cum"].eq(True).to_numpy(), name] = None
        out = out.drop(columns=["_prior", "_prior_cum"])
    if "published_yoy_pct" in out.columns:
        # the rate as published where the release prints one (a release without one, or a
        # total summed from categories, falls back to the rate of the levels)
        published = out["published_yoy_pct"].astype("float64")
        out["yoy_pct"] = published.where(published.notna(), out["yoy_pct"])
    return _with_yoy_z(out, dims)


def _prior_mean(values: pd.Series) -> pd.Series:
    return values.shift(1).rolling(12, min_periods=6).mean()


def _prior_std(values: pd.Series) -> pd.Series:
    return values.shift(1).rolling(12, min_periods=6).std()


def _with_yoy_z(frame: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    # A volatile category (books) swings by ±40 % in a normal year and a steady one (phones)
    # by ±3 %: judging growth against the series' own spread tells a spike from its noise.
    frame = frame.sort_values([*dims, "month_ix"])
    keyed = frame.groupby(dims, sort=False)["yoy_pct"] if dims else frame["yoy_pct"]
    prior_mean = keyed.transform(_prior_mean)
    prior_std = keyed.transform(_prior_std)
    frame["yoy_z"] = (frame["yoy_pct"] - prior_mean) / prior_std.where(prior_std > 0)
    return frame


def groups(frame: pd.DataFrame) -> list[tuple[dict[str, str], pd.DataFrame]]:
    dims = dimensions(
        frame, exclude=(*KEY_COLUMNS, "yoy_pct", "mom_pct", "yoy_z", *FORECAST_COLUMNS)
    )
    if not dims:
        return [({}, frame)] if not frame.empty else []
    out = []
    for values, group in frame.groupby(dims, sort=True):
        keys = values if isinstance(values, tuple) else (values,)
        out.append((dict(zip(dims, (str(v) for v in keys), strict=True)), group))
    return out


def _finding(
    rule: SeriesRule, dims: dict[str, str], period: str, zh: str, en: str, evidence: dict[str, Any]
) -> Finding:
    return Finding(
        rule_id=rule.id,
        kind=rule.kind,  # type: ignore[attr-defined]
        severity=rule.severity,
        subject=subject_key({"indicator": rule.indicator, **dims}),
        period=period,
        title_zh=rule.title.zh,
        title_en=rule.title.en,
        summary_zh=f"{describe(dims, 'zh')}：{zh}",
        summary_en=f"{describe(dims, 'en')}: {en}",
        evidence={"indicator": rule.indicator, **dims, **evidence},
    )


def detect_threshold(
    rule: ThresholdRule, series: pd.DataFrame, *, as_of: str | None = None
) -> list[Finding]:
    """Series whose measure in the judged month crosses the rule's bound."""
    frame = select_series(rule, series)
    month = latest_month(frame, as_of)
    if month is None:
        return []
    frame = with_changes(frame)
    now = frame[frame["month_ix"] == month]
    zh_label, en_label = MEASURE_LABEL[rule.measure]
    findings = []
    for dims, row in groups(now):
        measured = row[rule.measure].iloc[0]
        if not _holds(row, rule.measure, rule.op, rule.value) or not all(
            _holds(row, c.measure, c.op, c.value) for c in rule.also
        ):
            continue
        period = str(row["period"].iloc[0])
        shown = fmt_pct(measured) if rule.measure.endswith("_pct") else f"{measured:,.2f}"
        read = _release(row).get("release")
        zh_from, en_from = (f"，发布：{read}", f"; release: {read}") if read else ("", "")
        findings.append(
            _finding(
                rule,
                dims,
                period,
                f"{period} {rule.indicator} {zh_label} {shown}"
                f"（阈值 {rule.op} {rule.value:g}{zh_from}）",
                f"{period} {rule.indicator} {en_label} {shown} "
                f"(bound {rule.op} {rule.value:g}{en_from})",
                {
                    "period": period,
                    "measure": rule.measure,
                    "measured": round(float(measured), 4),
                    "op": rule.op,
                    "bound": rule.value,
                    "value": float(row["value"].iloc[0]),
                    **_growth_evidence(row),
                    **_release(row),
                },
            )
        )
    return findings


def _release(row: pd.DataFrame) -> dict[str, str]:
    """The release an official figure was read from (for the evidence)."""
    if "release" not in row.columns:
        return {}
    release = row["release"].iloc[0]
    return {"release": str(release)} if isinstance(release, str) and release else {}


def _holds(row: pd.DataFrame, measure: str, op: str, bound: float) -> bool:
    value = float(row[measure].iloc[0])
    return value == value and OPS[op](value, bound)  # NaN (no base month) never holds


def _growth_evidence(row: pd.DataFrame) -> dict[str, float]:
    out = {}
    for name in ("yoy_pct", "mom_pct", "yoy_z"):
        value = float(row[name].iloc[0])
        if value == value:  # NaN: no base month
            out[name] = round(value, 3)
    return out


def detect_anomaly(
    rule: AnomalyRule,
    series: pd.DataFrame,
    forecasts: pd.DataFrame,
    *,
    as_of: str | None = None,
) -> list[Finding]:
    """Series whose actual values of recent months fall outside the forecast's 95 % interval."""
    actual = select_series(rule, series)
    month = latest_month(actual, as_of)
    if month is None:
        return []
    dims = dimensions(actual)
    fc = forecasts[forecasts["indicator"] == rule.indicator]
    fc = fc.assign(month_ix=fc["period"].map(month_index)).dropna(subset=["month_ix"])
    fc = fc.assign(month_ix=fc["month_ix"].astype(int))
    shared = [d for d in dims if d in fc.columns]
    for column in shared:
        fc = fc.assign(**{column: fc[column].fillna("").astype(str)})
    window = actual[actual["month_ix"].between(month - rule.lookback_months + 1, month)]
    # several forecast origins may cover one month: keep the last one given
    fc = fc.drop_duplicates(subset=[*shared, "month_ix"], keep="last")
    merged = window.merge(
        fc[[*shared, "month_ix", "lo95", "hi95"]], on=[*shared, "month_ix"], how="inner"
    )
    findings = []
    for group_dims, group in groups(merged):
        misses = _interval_misses(rule, group)
        if misses:
            findings.append(_anomaly_finding(rule, group_dims, misses))
    return findings


def _interval_misses(rule: AnomalyRule, group: pd.DataFrame) -> list[dict[str, Any]]:
    misses = []
    for row in group.sort_values("month_ix").to_dict("records"):
        lo, hi, value = float(row["lo95"]), float(row["hi95"]), float(row["value"])
        slack = rule.min_excess_pct / 100.0 * max(hi - lo, 0.0)
        below = value < lo - slack and rule.direction in ("both", "below")
        above = value > hi + slack and rule.direction in ("both", "above")
        if below or above:
            side = "below" if below else "above"
            misses.append(
                {"period": str(row["period"]), "value": value, "lo95": lo, "hi95": hi, "side": side}
            )
    return misses


def _anomaly_finding(
    rule: AnomalyRule, dims: dict[str, str], misses: list[dict[str, Any]]
) -> Finding:
    last = misses[-1]
    side_zh = "低于" if last["side"] == "below" else "高于"
    bound = last["lo95"] if last["side"] == "below" else last["hi95"]
    gap = (last["value"] / bound - 1.0) * 100.0 if bound else 0.0
    return _finding(
        rule,
        dims,
        str(last["period"]),
        f"{last['period']} 实际值 {last['value']:,.0f} {side_zh}预测95%区间"
        f"[{last['lo95']:,.0f}, {last['hi95']:,.0f}]（偏离 {fmt_pct(gap)}）",
        f"{last['period']} actual {last['value']:,.0f} is {last['side']} the forecast's 95% "
        f"interval [{last['lo95']:,.0f}, {last['hi95']:,.0f}] ({fmt_pct(gap)} beyond)",
        {"misses": misses, "side": last["side"]},
    )


def detect_runs(rule: RunsRule, series: pd.DataFrame, *, as_of: str | None = None) -> list[Finding]:
    """Series with ``length`` or more consecutive monthly declines ending at the judged month."""
    frame = select_series(rule, series)
    month = latest_month(frame, as_of)
    if month is None:
        return []
    frame = frame[frame["month_ix"] <= month]
    lag = 1 if rule.compare == "previous_month" else 12
    findings = []
    for dims, group in groups(frame):
        values = dict(zip(group["month_ix"], group["value"].astype(float), strict=True))
        run = _decline_run(values, month, lag)
        if len(run) >= rule.length:
            findings.append(_runs_finding(rule, dims, run, values, lag))
    return findings


def _decline_run(values: dict[int, float], month: int, lag: int) -> list[int]:
    run: list[int] = []
    m = month
    while m in values and m - lag in values and values[m] < values[m - lag]:
        run.insert(0, m)
        m -= 1
    return run


def _runs_finding(
    rule: RunsRule, dims: dict[str, str], run: list[int], values: dict[int, float], lag: int
) -> Finding:
    steps = [
        {
            "period": month_name(m),
            "value": values[m],
            "base_period": month_name(m - lag),
            "base": values[m - lag],
        }
        for m in run
    ]
    basis_zh = "同比" if lag == 12 else "环比"
    basis_en = "year on year" if lag == 12 else "month on month"
    first, last = steps[0]["period"], steps[-1]["period"]
    return _finding(
        rule,
        dims,
        str(last),
        f"{first}至{last} 连续{len(run)}个月{basis_zh}下降",
        f"{len(run)} consecutive monthly declines {basis_en}, {first} to {last}",
        {"run_length": len(run), "compare": rule.compare, "steps": steps},
    )
