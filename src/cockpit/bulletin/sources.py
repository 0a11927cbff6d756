"""Where the bulletin's figures come from: one small function per source.

Each function returns a plain frame in one fixed shape, so another implementation of a
source (the ``official`` nowcast, the ``stats`` engineer's standard errors and suppression
flags) can be pointed at by changing one function here and nothing else.

- ``official_figures``: the statistics bureau's figures as published (``official_stats``).
- ``official_nowcast``: the official-scale estimate of releases not yet published, and
  ``nowcast_accuracy``: how that estimator did in its backtest (the forecast room's tables).
- ``sample_values``: the catalogue's built values (the feeds' sample), with the reliability
  and suppression columns the catalogue carries where it carries them; ``sample_live``: a
  cut the catalogue does not build, computed by its engine.
- ``programme_month``: money paid out by each programme in a month, and the sales with it;
  ``programme_effects``: each programme's newest evaluation of its effect.
- ``open_warnings``: open alerts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

OFFICIAL_COLUMNS = ["period", "region_code", "category_code", "measure", "value_fen", "yoy_pct"]
NOWCAST_COLUMNS = [
    "period",
    "region_code",
    "category_code",
    "value_fen",
    "lo95",
    "hi95",
    "yoy_pct",
]
ACCURACY_COLUMNS = ["region_code", "category_code", "label", "n", "mape", "cov95"]
#: The reliability columns of ``indicator_values`` the bulletin reads: the catalogue's small-cell
#: status and withheld growth rates (``cockpit.indicators.disclosure``), and its sampling
#: errors (``cockpit.indicators.sampling``).
VALUE_COLUMNS = [
    "indicator_id",
    "period_type",
    "period",
    "cut",
    "district",
    "category",
    "digital_type",
]
RELIABILITY_COLUMNS = ("status", "growth_withheld", "value_cv", "yoy_se")


def _parquet_files(lake: Path, table: str, *, top: bool = False) -> list[Path]:
    """The table's files through the lake registry (``top``: without indicator day rows)."""
    from cockpit import lake as registry

    return registry.files(lake, table, top=top)


def _read(
    files: list[Path], filters: list[Any] | None = None, columns: list[str] | None = None
) -> pd.DataFrame:
    import pyarrow.parquet as pq

    def wanted(f: Path) -> list[str] | None:
        if columns is None:
            return None
        have = set(pq.read_schema(f).names)
        return [c for c in columns if c in have]

    tables = [pq.read_table(f, filters=filters, columns=wanted(f)) for f in files]
    frames = [t.to_pandas() for t in tables]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def official_figures(lake: Path) -> pd.DataFrame:
    """Published levels and growth rates, every region and category (``''`` = total).

    ``measure``: ``retail_sales`` (the release's month) or ``retail_sales_ytd`` (1–N月).
    """
    frame = _read(_parquet_files(lake, "official_stats"))
    if frame.empty:
        return pd.DataFrame(columns=OFFICIAL_COLUMNS)
    frame["category_code"] = frame["category_code"].fillna("")
    frame = frame.dropna(subset=["value_fen"])
    return frame[OFFICIAL_COLUMNS].drop_duplicates(
        subset=["period", "region_code", "category_code", "measure"], keep="last"
    )


def official_nowcast(lake: Path) -> pd.DataFrame:
    """Official-scale estimates of retail-sales releases not yet published, every region and
    category, with their 95 % bounds and growth: the forecast room's newest
    ``official_estimates`` run (nowcast and forecast rows)."""
    from cockpit.forecast import latest_estimates

    frame = latest_estimates(lake.parent)
    if frame.empty:
        return pd.DataFrame(columns=NOWCAST_COLUMNS)
    frame = frame[(frame["measure"] == "retail_sales") & (frame["status"] != "published")]
    frame = frame.assign(category_code=frame["category_code"].fillna(""))
    return frame[NOWCAST_COLUMNS]


def nowcast_accuracy(lake: Path) -> pd.DataFrame:
    """How the published nowcast method did in the newest backtest (``official_accuracy``),
    per retail-sales series."""
    frame = _read(_parquet_files(lake, "official_accuracy"))
    if frame.empty:
        return pd.DataFrame(columns=ACCURACY_COLUMNS)
    frame = frame[frame["run_id"] == frame["run_id"].max()]
    frame = frame[(frame["measure"] == "retail_sales") & frame["published"].astype(bool)]
    # The nowcast with the whole month's feed where the series has one (day31), else one
    # release ahead (h1): what a bulletin's unpublished month is estimated with.
    frame = frame[frame["label"].str.startswith("day") | (frame["label"] == "h1")]
    rank = frame["label"].map(lambda label: int(label[3:]) if label.startswith("day") else 0)
    frame = frame.assign(rank=rank, category_code=frame["category_code"].fillna(""))
    last: pd.DataFrame = frame.sort_values("rank").groupby(["region_code", "category_code"]).tail(1)
    return last[ACCURACY_COLUMNS]


def sample_values(lake: Path, indicator_ids: tuple[str, ...]) -> pd.DataFrame:
    """Built monthly and year-to-date values of ``indicator_ids``: value, num, den, yoy, and
    the reliability columns (``RELIABILITY_COLUMNS``) the catalogue publishes."""
    keep = [
        ("indicator_id", "in", list(indicator_ids)),
        ("period_type", "in", ["month", "ytd"]),
    ]
    # Day rows live in month folders; the monthly rows are the top-level parts. Only the
    # columns read: the table has some forty.
    cols = [*VALUE_COLUMNS, "value", "num", "den", "yoy", *RELIABILITY_COLUMNS]
    frame = _read(_parquet_files(lake, "indicator_values", top=True), keep, cols)
    if frame.empty:
        return frame
    return frame[[c for c in cols if c in frame.columns]]


def sample_live(lake: Path, indicator_id: str, by: list[str], year: int) -> pd.DataFrame:
    """Monthly values of a cut the catalogue does not build (district × digital type),
    computed from the lake by the catalogue's own engine: month, the ``by`` columns, num."""
    from cockpit.indicators import compute

    frame = compute(indicator_id, by=["month", *by], period=str(year), home=lake.parent)
    return frame[["month", *by, "num"]]


def data_version(lake: Path) -> str:
    """A fingerprint of the lake tables a bulletin reads: their part files' names and sizes.

    Tables are replaced by new parts on every build or ingest, so a revision of any figure
    changes the fingerprint.
    """
    digest = hashlib.sha256()
    for table in ("official_stats", "official_estimates", "indicator_values", "programme_effects"):
        for f in _parquet_files(lake, table, top=table == "indicator_values"):
            digest.update(f"{table}/{f.name}:{f.stat().st_size}\n".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class ProgrammeMonth:
    """One programme's month: what it paid, the sales in the payments it paid into."""

    code: str
    kind: str
    name_zh: str
    name_en: str
    paid_fen: int
    sales_fen: int
    payments: int
    reported_leverage: float | None = None  # the programme file's figure, labelled reported
    reported_source: str = ""


def programme_month(month_prefixes: tuple[str, ...]) -> list[ProgrammeMonth]:
    """Each installed programme's redemptions and disbursements whose date starts with one
    of ``month_prefixes`` (``2026-10``); empty where the database has no programme."""
    from sqlalchemy import func, or_, select

    from cockpit.db import ensure_schema, get_engine
    from cockpit.programmes import ApplicationRow, ProgrammeRow, RedemptionRow

    ensure_schema()
    out: list[ProgrammeMonth] = []
    with get_engine().connect() as conn:
        programmes = conn.execute(select(ProgrammeRow).order_by(ProgrammeRow.id)).all()
        for p in programmes:
            in_month = or_(*[RedemptionRow.at.startswith(m) for m in month_prefixes])
            paid, sales, n = conn.execute(
                select(
                    func.coalesce(
                        func.sum(RedemptionRow.voucher_fen - RedemptionRow.refunded_voucher_fen), 0
                    ),
                    func.coalesce(
                        func.sum(
                            RedemptionRow.bill_fen
                            - RedemptionRow.refunded_own_fen
                            - RedemptionRow.refunded_voucher_fen
                        ),
                        0,
                    ),
                    func.count(),
                ).where(RedemptionRow.programme_id == p.id, in_month)
            ).one()
            disbursed = or_(*[ApplicationRow.disbursed_at.startswith(m) for m in month_prefixes])
            applications = conn.execute(
                select(ApplicationRow.amount_fen, ApplicationRow.facts_json).where(
                    ApplicationRow.programme_id == p.id,
                    ApplicationRow.status == "disbursed",
                    disbursed,
                )
            ).all()
            subsidy = sum(int(a) for a, _ in applications)
            # A purchase or trade-in subsidy's sales are its paid purchases' prices.
            bought = sum(_price_fen(f) for _, f in applications)
            reported = _reported(conn, p.id)
            out.append(
                ProgrammeMonth(
                    p.code,
                    p.kind,
                    p.name_zh,
                    p.name_en,
                    int(paid) + subsidy,
                    int(sales) + bought,
                    n + len(applications),
                    None if reported is None else float(reported["gross_leverage"]),
                    "" if reported is None else str(reported["source"]),
                )
            )
    return out


def _price_fen(facts_json: str) -> int:
    import json
    from decimal import Decimal

    from cockpit.programmes import yuan_to_fen

    price = json.loads(facts_json).get("price_yuan")
    return 0 if price is None else yuan_to_fen(Decimal(str(price)))


def _reported(conn: Any, programme_id: int) -> dict[str, Any] | None:
    """The leverage the programme file reports, with its source (issue 31's "reported")."""
    from cockpit.programmes import ProgrammeError, load_rules, reported_leverage

    try:
        return reported_leverage(load_rules(conn, programme_id))
    except (ValueError, ProgrammeError):  # rules of an older shape: nothing reported
        return None


def programme_effects(lake: Path) -> dict[str, dict[str, Any]]:
    """The newest recorded evaluation of each programme's effect (``programme_effects``),
    by programme code; empty where none was evaluated."""
    from cockpit.programmes import latest_effects

    return latest_effects(lake)


@dataclass(frozen=True)
class Warning:
    """An open alert as the bulletin lists it."""

    id: int
    severity: str
    subject: str
    period: str
    title_zh: str
    title_en: str
    summary_zh: str
    summary_en: str


def open_warnings(limit: int = 20) -> list[Warning]:
    """Open alerts, most severe and newest first."""
    from cockpit.alerts import list_alerts
    from cockpit.db import ensure_schema

    ensure_schema()
    return [
        Warning(
            a.id,
            a.severity,
            a.subject,
            a.period,
            a.title_zh,
            a.title_en,
            a.summary_zh,
            a.summary_en,
        )
        for a in list_alerts(status="open", limit=limit)
    ]
