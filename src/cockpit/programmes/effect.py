"""Effect of a programme: two numbers, never confused.

* **Gross leverage (拉动比)** — sales in the transactions that used the subsidy, per yuan of
  subsidy. What governments publish (Chongqing 2023 cars: 1.913 billion / 30 million = 63.8×).
  It counts every yuan spent alongside a voucher, including what would have been spent anyway.
* **Causal multiplier** — *incremental* spending per yuan of the **same programme's**
  subsidy. The effect is estimated on a merchant × month panel (``panel_effect``): a
  Poisson regression (PPML, statsmodels) with merchant and month fixed effects and a
  treated × programme-months term, standard errors clustered by merchant; an event study
  of leads and lags around the start; a pre-trend **equivalence** test (TOST: the leads'
  mean within ±10 %, not merely "not significant"); and the minimum detectable effect of the
  design. The merchants treated are those whose transactions carry the programme's own
  vouchers (``programme_vouchers``: the ledger's redemptions exported to the lake), and
  the subsidy divided by is what the programme paid on those vouchers; without them no
  multiplier is given. Published studies of Chinese digital vouchers find about 3–6 yuan
  per yuan.

The earlier two-period difference-in-differences (``did_log``) is kept as the simple rule
a statistician tries first, and reported beside the panel.
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
    programme_code: str | None = None,
) -> dict[str, Any]:
    """The programme's effect over [start, end] on a merchant × month panel
    (``panel_effect``: two years before the start to the end), incremental sales with
    their interval, and the causal multiplier when the programme's own vouchers are on
    the treated merchants' transactions (``programme_code``: the subsidy divided by is
    what that programme paid on them). A ``subsidy_fen`` of unknown origin gives no
    multiplier: dividing one programme's sales by another's subsidy means nothing.

    Beside it, the simple rule a statistician tries first: two-period DiD of log mean
    daily ``outcome`` (``did_log``)."""
    first = date(start.year - 2, start.month, 1)
    panel = merchant_month_panel(lake, treated + controls, first, end)
    result = panel_effect(panel, treated, start, end, outcome)
    in_post = (panel["month"] >= start.isoformat()[:7]) & (panel["month"] <= end.isoformat()[:7])
    treated_sales = int(panel.loc[in_post & panel["merchant_id"].isin(treated), "sales_fen"].sum())
    result["treated_sales_fen"] = treated_sales
    result["window"] = {
        "first": first.isoformat(),
        "start": start.isoformat(),
        "end": end.isoformat(),
    }
    subsidy, note = 0, "no programme given: no multiplier"
    if programme_code is not None:
        vouchers = programme_vouchers(lake, programme_code)
        found = vouchers_on_transactions(lake, list(vouchers))
        subsidy = sum(vouchers[v] for v in found["vouchers"])
        note = (
            f"{len(found['vouchers'])} of the programme's {len(vouchers)} redeemed vouchers "
            f"are on transactions of {len(found['merchants'])} merchants"
        )
        result["gross"] = {
            "voucher_sales_fen": found["sales_fen"],
            "subsidy_fen": subsidy,
            "leverage": found["sales_fen"] / subsidy if subsidy else None,
        }
    elif subsidy_fen:
        note = "a subsidy of unknown programme: no multiplier (name the programme)"
    result.update(multiplier(result["effect"], treated_sales, subsidy))
    result["multiplier_note"] = note
    result["simple_rule"] = _two_period_did(lake, treated, controls, start, end, outcome)
    return result


def _two_period_did(
    lake: Path, treated: list[str], controls: list[str], start: date, end: date, outcome: str
) -> dict[str, Any]:
    days = (end - start).days + 1
    windows = {
        "pre": (start - timedelta(days=days), start),
        "post": (start, end + timedelta(days=1)),
    }
    means = daily_means(lake, treated + controls, windows, outcome)
    try:
        return {
            "method": "two-period DiD of log mean daily outcome, Welch",
            **did_log(means["pre"], means["post"], treated, controls).as_dict(),
        }
    except ValueError as exc:
        return {"method": "two-period DiD", "error": str(exc)}


TOST_MARGIN = 0.10  # leads within ±10 % count as no pre-trend
MDE_Z = 1.959964 + 0.841621  # 5 % two-sided test, 80 % power
LEADS = 6  # months before the start estimated one by one (the month before is the base)


def merchant_month_panel(lake: Path, merchants: list[str], first: date, last: date) -> Any:
    """Net sales (fen, refunds subtracted) and payments per merchant and month, from the
    lake's transactions, months with no payment as zeros (a pandas frame)."""
    import duckdb
    import pandas as pd

    con = duckdb.connect()
    try:
        con.execute("CREATE TEMP TABLE wanted (merchant_id VARCHAR)")
        con.executemany("INSERT INTO wanted VALUES (?)", [[m] for m in merchants])
        frame = con.execute(
            "SELECT merchant_id, strftime(date, '%Y-%m') AS month, "
            "sum(amount_fen) AS sales_fen, count(*) FILTER (WHERE NOT is_refund) AS payments "
            f"FROM {scan(lake, 'transactions')} "
            "JOIN wanted USING (merchant_id) WHERE date >= ? AND date <= ? GROUP BY ALL",
            [first, last],
        ).df()
    finally:
        con.close()
    months = pd.period_range(first, last, freq="M").strftime("%Y-%m")
    full = pd.MultiIndex.from_product([sorted(merchants), months], names=["merchant_id", "month"])
    out = frame.set_index(["merchant_id", "month"]).reindex(full, fill_value=0).reset_index()
    return out


def _month_number(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def panel_effect(
    panel: Any,
    treated: list[str],
    start: date,
    end: date,
    outcome: str = "payments",
) -> dict[str, Any]:
    """The programme's effect on ``outcome`` in a merchant × month ``panel``
    (``merchant_month_panel``): PPML with merchant and month fixed effects, clustered by
    merchant; the event study, the TOST pre-trend test and the minimum detectable effect."""
    import numpy as np
    import statsmodels.formula.api as smf
    from scipy.stats import norm

    data = panel.copy()
    data["y"] = data[outcome].clip(lower=0).astype(float)
    # a merchant with nothing in the window tells the fixed effects nothing
    data = data[data.groupby("merchant_id")["y"].transform("sum") > 0]
    data["treated"] = data["merchant_id"].isin(set(treated)).astype(int)
    n_post = _month_number(end.isoformat()[:7]) - _month_number(start.isoformat()[:7]) + 1
    k = data["month"].map(_month_number) - _month_number(start.isoformat()[:7])
    data, k = data[k < n_post], k[k < n_post]  # months after the programme: not its effect
    post = k >= 0
    data["treat_post"] = (data["treated"] == 1) & post
    data["treat_post"] = data["treat_post"].astype(int)
    if data["treated"].nunique() < 2:
        raise ValueError("need treated and untreated merchants with sales in the window")
    groups = data["merchant_id"].astype("category").cat.codes.to_numpy()
    fit = smf.glm("y ~ treat_post + C(merchant_id) + C(month)", data=data, family=_poisson()).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    b, se = float(fit.params["treat_post"]), float(fit.bse["treat_post"])
    effect = Estimate(
        b,
        se,
        int(data.loc[data.treated == 1, "merchant_id"].nunique()),
        int(data.loc[data.treated == 0, "merchant_id"].nunique()),
    )
    # event study: treated × each event month, leads up to LEADS before, the month before
    # the start as the base (earlier months pooled into it)
    names = []
    for e in [*range(-LEADS, -1), *range(0, n_post)]:
        name = f"ev_m{-e}" if e < 0 else f"ev_p{e}"
        data[name] = ((data["treated"] == 1) & (k == e)).astype(int)
        names.append((e, name))
    ev = smf.glm(
        "y ~ " + " + ".join(n for _, n in names) + " + C(merchant_id) + C(month)",
        data=data,
        family=_poisson(),
    ).fit(cov_type="cluster", cov_kwds={"groups": groups})
    study = [
        {
            "event_month": e,
            "log_effect": float(ev.params[n]),
            "se": float(ev.bse[n]),
            "uplift": float(np.expm1(ev.params[n])),
        }
        for e, n in names
    ]
    # TOST on the leads' mean (its variance from the clustered covariance): equivalence
    # is shown when both one-sided tests reject a drift beyond ±margin a month
    delta = math.log1p(TOST_MARGIN)
    lead_names = [n for e, n in names if e < 0]
    weights = np.full(len(lead_names), 1 / len(lead_names))
    mean = float(weights @ ev.params[lead_names].to_numpy())
    mean_se = float(np.sqrt(weights @ ev.cov_params().loc[lead_names, lead_names] @ weights))
    p_tost = max(1 - norm.cdf((mean + delta) / mean_se), float(norm.cdf((mean - delta) / mean_se)))
    mde = MDE_Z * se
    return {
        "method": f"merchant × month Poisson (PPML) on {outcome}, merchant and month fixed "
        "effects, standard errors clustered by merchant (statsmodels GLM)",
        "outcome": outcome,
        "merchant_months": len(data),
        "effect": effect.as_dict(),
        "event_study": study,
        "pre_trend": {
            "test": f"TOST: the leads' mean effect within ±{TOST_MARGIN:.0%}",
            "margin": TOST_MARGIN,
            "leads_mean_uplift": math.expm1(mean),
            "p_value": float(p_tost),
            "passes": bool(p_tost < 0.05),
        },
        "minimum_detectable_effect": math.expm1(mde),
    }


def _poisson() -> Any:
    import statsmodels.api as sm

    return sm.families.Poisson()


def programme_vouchers(lake: Path, programme_code: str) -> dict[str, int]:
    """The programme's redeemed vouchers (voucher id -> subsidy paid, fen), from the
    ledger's events in the lake (``programme_events``, written by ``cockpit programmes
    export``); empty when it has none."""
    import duckdb

    con = duckdb.connect()
    try:
        rows = con.execute(
            f"SELECT voucher_id, sum(amount_fen) FROM {scan(lake, 'programme_events')} "
            "WHERE kind = 'redeem' AND programme_code = ? AND voucher_id IS NOT NULL "
            "GROUP BY voucher_id",
            [programme_code],
        ).fetchall()
    finally:
        con.close()
    return {str(v): int(fen) for v, fen in rows}


def vouchers_on_transactions(lake: Path, vouchers: list[str]) -> dict[str, Any]:
    """Merchants whose transactions carry ``vouchers``, and those transactions' sales."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("CREATE TEMP TABLE wanted (voucher_id VARCHAR)")
        con.executemany("INSERT INTO wanted VALUES (?)", [[v] for v in vouchers])
        rows = con.execute(
            "SELECT merchant_id, voucher_id, sum(amount_fen) FROM "
            f"{scan(lake, 'transactions')} JOIN wanted USING (voucher_id) GROUP BY ALL"
        ).fetchall()
    finally:
        con.close()
    return {
        "merchants": sorted({r[0] for r in rows}),
        "vouchers": sorted({r[1] for r in rows}),
        "sales_fen": int(sum(r[2] for r in rows)),
    }


def multiplier(effect: dict[str, Any], treated_sales_fen: int, subsidy_fen: int) -> dict[str, Any]:
    """Incremental sales (treated sales in the programme months × u / (1 + u)) and the
    causal multiplier (÷ the subsidy), each with the interval of the uplift u."""

    def incremental(u: float) -> float:
        return treated_sales_fen * u / (1 + u)

    lo, hi = effect["uplift_ci"]
    inc = incremental(effect["uplift"])
    out: dict[str, Any] = {
        "incremental_sales_fen": int(inc),
        "incremental_sales_ci_fen": [int(incremental(lo)), int(incremental(hi))],
        "subsidy_fen": subsidy_fen,
        "causal_multiplier": None,
        "causal_multiplier_ci": None,
    }
    if subsidy_fen > 0:
        out["causal_multiplier"] = inc / subsidy_fen
        out["causal_multiplier_ci"] = [incremental(lo) / subsidy_fen, incremental(hi) / subsidy_fen]
    return out


EFFECTS = "programme_effects"


def record_effect(lake: Path, programme_code: str, causal: dict[str, Any]) -> Path:
    """Keep one evaluation (``causal_effect``'s result) in the lake's ``programme_effects``,
    a part of its own, so the bulletin and the cockpit read the newest without refitting."""
    import uuid
    from datetime import datetime

    from cockpit import lake as tables
    from cockpit.format import SHANGHAI

    effect, window = causal["effect"], causal["window"]
    lo, hi = effect["uplift_ci"]
    m_ci = causal.get("causal_multiplier_ci") or [None, None]
    row = {
        "evaluation_id": uuid.uuid4().hex[:16],
        "programme_code": programme_code,
        "evaluated_at": datetime.now(SHANGHAI).replace(tzinfo=None),
        "window_start": date.fromisoformat(window["start"]),
        "window_end": date.fromisoformat(window["end"]),
        "outcome": causal.get("outcome"),
        "method": causal.get("method"),
        "n_treated": effect["n_treated"],
        "n_control": effect["n_control"],
        "uplift": effect["uplift"],
        "uplift_lo95": lo,
        "uplift_hi95": hi,
        "pre_trend_passes": causal["pre_trend"]["passes"],
        "min_detectable": causal.get("minimum_detectable_effect"),
        "incremental_sales_fen": causal.get("incremental_sales_fen"),
        "subsidy_fen": causal.get("subsidy_fen"),
        "causal_multiplier": causal.get("causal_multiplier"),
        "multiplier_lo95": m_ci[0],
        "multiplier_hi95": m_ci[1],
        "gross_leverage": (causal.get("gross") or {}).get("leverage"),
        "note": causal.get("multiplier_note"),
    }
    path = tables.part_path(lake, EFFECTS, row["evaluation_id"])
    tmp = path.with_name(f".{path.name}.tmp")
    tables.write_table(EFFECTS, [row], tmp)
    tmp.replace(path)
    return path


def latest_effects(lake: Path) -> dict[str, dict[str, Any]]:
    """The newest recorded evaluation of each programme (``record_effect``), by code."""
    import duckdb

    from cockpit import lake as tables

    con = duckdb.connect()
    try:
        frame = con.execute(
            f"SELECT * FROM {tables.scan(lake, EFFECTS)} "
            "QUALIFY row_number() OVER (PARTITION BY programme_code "
            "ORDER BY evaluated_at DESC, evaluation_id DESC) = 1"
        ).fetchall()
        names = [d[0] for d in con.description or []]
    finally:
        con.close()
    return {str(r[1]): dict(zip(names, r, strict=True)) for r in frame}


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
            "label_en": "Causal multiplier (incremental spending per yuan of the same "
            "programme's subsidy; merchant × month panel)",
            "label_zh": "因果乘数（增量消费 / 同一项目补贴额，商户×月面板）",
            "value": causal.get("causal_multiplier") if causal else None,
            "interval": causal.get("causal_multiplier_ci") if causal else None,
            "note_en": causal.get("multiplier_note") if causal else None,
            "uplift": causal["effect"]["uplift"] if causal else None,
            "uplift_ci": causal["effect"]["uplift_ci"] if causal else None,
            "pre_trend_passes": causal["pre_trend"]["passes"] if causal else None,
            "minimum_detectable_effect": causal.get("minimum_detectable_effect")
            if causal
            else None,
        },
    ]
