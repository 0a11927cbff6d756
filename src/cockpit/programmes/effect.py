"""Effect of a programme: two numbers, never confused.

* **Gross leverage (拉动比)** — sales in the transactions that used the subsidy, per yuan of
  subsidy. What governments publish (Chongqing 2023 cars: 1.913 billion / 30 million = 63.8×).
  It counts every yuan spent alongside a voucher, including what would have been spent anyway.
* **Causal multiplier** — *incremental* spending per yuan, by difference-in-differences of
  treated merchants against untreated look-alikes: each merchant's log change in mean daily
  sales from a pre-period to the programme period, treated minus control, with a 95 % interval
  (Welch) and a pre-trend check (the same estimate between the two equally long periods before
  the programme must be compatible with zero). Published studies of Chinese digital vouchers
  find about 3–6 yuan per yuan.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from statistics import fmean, variance
from typing import Any

from cockpit.lake import scan

Z95 = 1.959964


def gross_leverage(*, sales_fen: int, subsidy_fen: int) -> float:
    """Sales in subsidised transactions per yuan of subsidy (拉动比)."""
    if subsidy_fen <= 0:
        raise ValueError("no subsidy paid: leverage is undefined")
    return sales_fen / subsidy_fen


@dataclass(frozen=True)
class Estimate:
    """A log-scale difference-in-differences and its 95 % interval, also as relative uplift."""

    log_effect: float
    se: float
    n_treated: int
    n_control: int

    @property
    def ci(self) -> tuple[float, float]:
        return (self.log_effect - Z95 * self.se, self.log_effect + Z95 * self.se)

    @property
    def uplift(self) -> float:
        return math.exp(self.log_effect) - 1

    @property
    def uplift_ci(self) -> tuple[float, float]:
        lo, hi = self.ci
        return (math.exp(lo) - 1, math.exp(hi) - 1)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "uplift": self.uplift, "uplift_ci": list(self.uplift_ci)}


def did_log(
    pre: dict[str, float], post: dict[str, float], treated: list[str], controls: list[str]
) -> Estimate:
    """Treated minus control mean of log(post/pre) per merchant, Welch standard error."""

    def changes(ids: list[str]) -> list[float]:
        return [math.log(post[m] / pre[m]) for m in ids if pre.get(m, 0) > 0 and post.get(m, 0) > 0]

    t, c = changes(treated), changes(controls)
    if len(t) < 2 or len(c) < 2:
        raise ValueError(
            f"need at least two treated and two control merchants with sales "
            f"in both periods (have {len(t)} and {len(c)})"
        )
    se = math.sqrt(variance(t) / len(t) + variance(c) / len(c))
    return Estimate(fmean(t) - fmean(c), se, len(t), len(c))


OUTCOMES = {
    # Payments per merchant-day: robust to a few very large tickets, the default.
    "payments": "count(*) FILTER (WHERE NOT is_refund "
    "AND date >= DATE '{a}' AND date < DATE '{b}')",
    # Net sales (fen) per merchant-day: refunds subtract.
    "sales": "sum(amount_fen) FILTER (WHERE date >= DATE '{a}' AND date < DATE '{b}')",
}


def daily_means(
    lake: Path, merchants: list[str], windows: dict[str, tuple[date, date]], outcome: str = "sales"
) -> dict[str, dict[str, float]]:
    """Mean daily ``outcome`` per merchant in each [start, end) window, from the lake."""
    import duckdb

    cols = ", ".join(
        f'{OUTCOMES[outcome].format(a=a, b=b)} / {(b - a).days} AS "{name}"'
        for name, (a, b) in windows.items()
    )
    con = duckdb.connect()
    try:
        con.execute("CREATE TEMP TABLE wanted (merchant_id VARCHAR)")
        con.executemany("INSERT INTO wanted VALUES (?)", [[m] for m in merchants])
        rows = con.execute(
            f"SELECT merchant_id, {cols} FROM {scan(lake, 'transactions')}"
            " JOIN wanted USING (merchant_id) GROUP BY merchant_id"
        ).fetchall()
    finally:
        con.close()
    out: dict[str, dict[str, float]] = {name: {} for name in windows}
    for row in rows:
        for i, name in enumerate(windows, start=1):
            out[name][row[0]] = float(row[i] or 0.0)
    return out


def causal_effect(
    *,
    lake: Path,
    treated: list[str],
    controls: list[str],
    start: date,
    end: date,
    subsidy_fen: int | None = None,
    outcome: str = "payments",
) -> dict[str, Any]:
    """DiD of a campaign over [start, end] against an equally long pre-period, with a pre-trend
    check, incremental sales, and the causal multiplier when the subsidy paid is known.

    The effect is estimated on ``outcome`` (payments per merchant-day by default: sums of
    heavy-tailed tickets are far noisier); incremental sales apply it to the treated
    merchants' sales in the programme period.
    """
    days = (end - start).days + 1
    pre_start = start - timedelta(days=days)
    earlier = pre_start - timedelta(days=days)
    # The pre-trend check compares two whole pre-periods of the same length, so neither
    # straddles a holiday the other lacks differently from the estimate's own baseline.
    windows = {
        "pre": (pre_start, start),
        "post": (start, end + timedelta(days=1)),
        "pre0": (earlier, pre_start),
    }
    means = daily_means(lake, treated + controls, windows, outcome)
    effect = did_log(means["pre"], means["post"], treated, controls)
    placebo = did_log(means["pre0"], means["pre"], treated, controls)
    lo, hi = placebo.ci
    sales = daily_means(lake, treated, {"post": windows["post"]}, "sales")["post"]
    treated_sales = sum(sales.values()) * days
    incremental = treated_sales * effect.uplift / (1 + effect.uplift)
    out: dict[str, Any] = {
        "method": f"difference-in-differences of log mean daily {outcome} per merchant, "
        "treated vs untreated look-alikes (Welch 95 % interval)",
        "outcome": outcome,
        "treated_sales_fen": int(treated_sales),
        "window": {
            "pre": [pre_start.isoformat(), (start - timedelta(days=1)).isoformat()],
            "post": [start.isoformat(), end.isoformat()],
        },
        "effect": effect.as_dict(),
        "pre_trend": {**placebo.as_dict(), "passes": lo <= 0.0 <= hi},
        "incremental_sales_fen": int(incremental),
        "causal_multiplier": None,
    }
    if subsidy_fen:
        out["causal_multiplier"] = incremental / subsidy_fen
    return out


def campaign_from_ground_truth(path: Path) -> dict[str, Any]:
    """The sample city's injected voucher campaign (kind ``voucher_campaign``)."""
    import json

    truth = json.loads(path.read_text("utf-8"))
    events = truth.get("events", truth if isinstance(truth, list) else [])
    for event in events:
        if event.get("kind") == "voucher_campaign":
            return dict(event)
    raise ValueError(f"{path} lists no voucher_campaign event")


def side_by_side(*, leverage: float | None, causal: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The two numbers labelled for display, in both languages."""
    return [
        {
            "label_en": "Gross leverage (sales in subsidised transactions per yuan)",
            "label_zh": "拉动比（带券交易额 / 补贴额）",
            "value": leverage,
            "note_en": "includes spending that would have happened anyway",
            "note_zh": "含本来就会发生的消费",
        },
        {
            "label_en": "Causal multiplier (incremental spending per yuan, DiD)",
            "label_zh": "因果乘数（增量消费 / 补贴额，双重差分）",
            "value": causal.get("causal_multiplier") if causal else None,
            "uplift": causal["effect"]["uplift"] if causal else None,
            "uplift_ci": causal["effect"]["uplift_ci"] if causal else None,
            "pre_trend_passes": causal["pre_trend"]["passes"] if causal else None,
        },
    ]
