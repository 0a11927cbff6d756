"""Small built tables for the cockpit's tests: indicators, forecasts, ingests, quarantine.

Written in the layout the indicators, forecast and ingestion rooms publish
(docs/lake.md, cockpit.web.metrics), with growth that differs by district and category
so that a filter change must change the numbers shown. Also runs as a script:
``python -m tests.web.lakedata COCKPIT_HOME`` fills a home to browse with ``cockpit serve``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from cockpit import lake as lake_tables
from cockpit import reference

FIRST_YEAR = 2023
MONTHS = 36
DIGITAL_SHARE_OF_TYPE = {
    "digital_products": 0.08,
    "digital_services": 0.06,
    "digital_content": 0.02,
    "digital_channels": 0.25,
}


def periods(n: int = MONTHS) -> list[str]:
    return [f"{FIRST_YEAR + i // 12}-{i % 12 + 1:02d}" for i in range(n)]


def _growth(code: str) -> float:
    """A yearly growth between -4 % and +12 % that differs by code."""
    return -0.04 + (sum(map(ord, code)) * 37 % 160) / 1000


def _level(base_fen: float, code: str, i: int) -> float:
    season = 1 + 0.12 * (i % 12 in (0, 9, 10)) - 0.05 * (i % 12 == 1)
    level: float = round(base_fen * (1 + _growth(code)) ** (i / 12) * season)
    return level


def _with_growth(levels: list[float]) -> tuple[list[float], list[float | None], list[float]]:
    """Levels, their year-on-year growth (%), and year-to-date sums."""
    yoy: list[float | None] = [None] * min(12, len(levels))
    yoy += [round((levels[i] / levels[i - 12] - 1) * 100, 2) for i in range(12, len(levels))]
    ytd, running = [], 0.0
    for i, value in enumerate(levels):
        running = value if i % 12 == 0 else running + value
        ytd.append(running)
    return levels, yoy, ytd


DIMENSIONS: tuple[str, ...] = (
    "district",
    "business_district",
    "category",
    "channel",
    "digital_type",
)
DIMENSIONS += ("payer_segment", "payment_method")


class IndicatorTable:
    """Rows of ``indicator_values`` (docs/indicators.md), column by column."""

    def __init__(self) -> None:
        names: tuple[str, ...] = (
            "indicator_id",
            "period_type",
            "period",
            "period_label",
            "cut",
            *DIMENSIONS,
        )
        names += ("value", "yoy", "ss_yoy", "unit", "growth_unit")
        names += ("value_se", "value_cv", "yoy_se", "ss_yoy_se", "status", "growth_withheld")
        self.cols: dict[str, list[Any]] = {k: [] for k in names}

    def add(
        self,
        ind: str,
        cut: str,
        key: str,
        values: Sequence[float],
        *,
        ytd: bool = False,
        unit: str = "fen",
        dims: dict[str, str] | None = None,
    ) -> None:
        """One series; ``dims`` sets the dimension columns (default: column ``cut`` = key)."""
        yoy = _with_growth(list(values))[1]
        for i, (p, v) in enumerate(zip(periods(len(values)), values, strict=True)):
            if ytd and p.endswith("-01"):
                continue  # NBS publishes 1–N月累计 from February
            row: dict[str, object] = dict.fromkeys(self.cols)
            row.update(
                indicator_id=ind,
                period_type="ytd" if ytd else "month",
                period=p,
                period_label=p,
                cut=cut,
                value=float(v),
                unit=unit,
                growth_unit="%" if unit == "fen" else "pp",
            )
            if dims is not None:
                row.update(dims)
            elif cut:
                row[cut] = key
            row["yoy"] = yoy[i]
            row["ss_yoy"] = None if yoy[i] is None else round(yoy[i] - 0.5, 2)  # type: ignore[operator]
            row["value_se"] = abs(float(v)) * 0.02
            row["value_cv"] = 0.02
            row["yoy_se"] = row["ss_yoy_se"] = None if yoy[i] is None else 1.5
            row["status"] = "ok"
            for k, val in row.items():
                self.cols[k].append(val)


def category_weight(code: str) -> float:
    """A category's share of a district's sales before growth: 0.5 to 1.4 over 19."""
    return (0.5 + sum(map(ord, code)) % 10 / 10) / 19


def indicator_rows(
    n_months: int = MONTHS, *, district_category: bool = True
) -> dict[str, list[Any]]:
    """``indicator_values``: the city, each single cut (district, category, ...) and, unless
    ``district_category`` is false (a home built before those cuts existed), retail sales by
    district × category and by business district × category (one cell suppressed)."""
    table = IndicatorTable()
    cuts = [("", "", 1.2e13)]
    cuts += [("district", d.code, 3e11) for d in reference.districts()]
    cuts += [("category", c.code, 6e11) for c in reference.categories_in(2025)]
    cuts += [("business_district", b.code, 4e10) for b in reference.business_districts()]
    for cut, key, base in cuts:
        levels, _, ytd = _with_growth([_level(base, key, i) for i in range(n_months)])
        table.add("retail_sales", cut, key, levels)
        table.add("retail_sales", cut, key, ytd, ytd=True)
        if cut in ("", "district"):
            shift = _growth(key) * 50
            table.add(
                "online_share", cut, key, [28 + shift + i * 0.1 for i in range(n_months)], unit="%"
            )
            table.add(
                "digital_share",
                cut,
                key,
                [38 + shift + i * 0.15 for i in range(n_months)],
                unit="%",
            )
        if cut == "":
            for dtype, share in DIGITAL_SHARE_OF_TYPE.items():
                typed = [round(v * share * (1 + i / 100)) for i, v in enumerate(levels)]
                table.add("digital_consumption", "digital_type", dtype, typed)
    if district_category:
        for d in reference.districts():
            for c in reference.categories_in(2025):
                base = 3e11 * category_weight(c.code)
                levels, _, ytd = _with_growth(
                    [_level(base, d.code + c.code, i) for i in range(n_months)]
                )
                dims = {"district": d.code, "category": c.code}
                for values, is_ytd in ((levels, False), (ytd, True)):
                    table.add(
                        "retail_sales", "district,category", "", values, ytd=is_ytd, dims=dims
                    )
        areas = [b.code for b in reference.business_districts()]
        for bd in [*areas, ""]:  # "": the merchants outside any business district
            for c in reference.categories_in(2025):
                base = (4e10 if bd else 8e11) * category_weight(c.code)
                levels, _, ytd = _with_growth(
                    [_level(base, bd + c.code, i) for i in range(n_months)]
                )
                dims = {"business_district": bd, "category": c.code}
                for values, is_ytd in ((levels, False), (ytd, True)):
                    table.add(AREA_CUT_IND, AREA_CUT, "", values, ytd=is_ytd, dims=dims)
        _suppress(table.cols, AREA_CUT, {"business_district": areas[0], **SUPPRESSED_AREA_CELL})
    return table.cols


AREA_CUT_IND, AREA_CUT = "retail_sales", "business_district,category"
# One business district × category cell the small-cell rules withheld, every month.
SUPPRESSED_AREA_CELL = {"category": "RS03"}


def _suppress(cols: dict[str, list[Any]], cut: str, dims: dict[str, str]) -> None:
    """Mark the rows of ``cut`` with ``dims`` suppressed, as the indicators' rules do."""
    for i, row_cut in enumerate(cols["cut"]):
        if row_cut == cut and all(cols[k][i] == v for k, v in dims.items()):
            for k in ("value", "yoy", "ss_yoy", "value_se", "value_cv", "yoy_se", "ss_yoy_se"):
                cols[k][i] = None
            cols["status"][i] = "suppressed"


def forecast_rows(n_months: int = MONTHS, horizon: int = 6) -> dict[str, list[Any]]:
    """``forecasts`` (docs/forecasting.md): a fan for the city and every district."""
    names: tuple[str, ...] = (
        "run_id",
        "indicator_id",
        "unique_id",
        "level",
        "region_code",
        "category_code",
        "ds",
    )
    names += ("model", "method", "mean", "lo80", "hi80", "lo95", "hi95")
    cols: dict[str, list[Any]] = {k: [] for k in names}
    future = periods(n_months + horizon)[n_months:]
    for dist in ["", *(d.code for d in reference.districts())]:
        base = 1.2e13 if dist == "" else 3e11
        for h, p in enumerate(future, start=1):
            mean = _level(base, dist, n_months + h - 1)
            w80, w95 = 0.03 * h**0.5, 0.05 * h**0.5
            row: tuple[Any, ...] = (
                "20260101T000000-test",
                "retail_sales",
                f"city/{dist}" if dist else "city",
            )
            row += ("district" if dist else "city", dist or "500000", "")
            row += (datetime(int(p[:4]), int(p[5:]), 1), "AutoETS", "MinTrace")
            row += (mean, mean * (1 - w80), mean * (1 + w80), mean * (1 - w95), mean * (1 + w95))
            for key, val in zip(cols, row, strict=True):
                cols[key].append(val)
    return cols


CITY_TOTAL_PER_MONTH = 1.4e13  # fen: about 140 billion yuan, Chongqing's order of magnitude


ESTIMATE_COLUMNS = (
    "run_id", "measure", "region_code", "category_code", "period", "period_label", "status",
    "step", "method", "value_fen", "lo80", "hi80", "lo95", "hi95", "yoy_pct", "note",
)  # fmt: skip
AHEAD = 6  # release periods estimated after the nowcast


def release_label(period: str) -> str:
    return (
        f"{period[:4]}年1–2月"
        if period.endswith("-01-02")
        else f"{period[:4]}年{int(period[5:])}月"
    )


def official_and_estimates(n_months: int = MONTHS) -> tuple[dict, dict]:
    """``indicator_official`` (docs/indicators.md) and ``official_estimates``
    (docs/forecasting.md) for the city: published through the month before the last, the
    last one a nowcast, then ``AHEAD`` forecasts with their bands; 1–2月 combined."""
    official: dict[str, list[Any]] = {
        k: [] for k in ("period", "region_code", "category_code", "measure", "value_fen")
    }
    official.update(yoy_pct=[], source=[], period_label=[])
    estimates: dict[str, list[Any]] = {k: [] for k in ESTIMATE_COLUMNS}
    ps = periods(n_months + 8)
    for i, p in enumerate(ps):
        if p.endswith("-01"):
            continue  # January is published with February
        label = f"{p[:4]}-01-02" if p.endswith("-02") else p
        value = int(CITY_TOTAL_PER_MONTH * (1.05 ** (i / 12)) * (2 if p.endswith("-02") else 1))
        status = "published" if i < n_months - 1 else "nowcast" if i == n_months - 1 else "forecast"
        step = max(0, i - n_months + 2)
        if step > AHEAD + 1:
            break
        growth = 5.0 + i % 3
        if status == "published":
            for k, v in zip(
                official,
                (label, "500000", "", "retail_sales", value, growth, "nbs", release_label(label)),
                strict=True,
            ):
                official[k].append(v)
        spread = 0.0 if status == "published" else 0.01 * step
        bounds = [
            None if status == "published" else round(value * (1 + f * spread))
            for f in (-1.0, 1.0, -1.6, 1.6)
        ]
        row = (
            "20260101T000000000000",
            "retail_sales",
            "500000",
            "",
            label,
            release_label(label),
            status,
            step,
            "published" if status == "published" else "ar",
            value,
            *bounds,
            growth if status == "published" else 5.2,
            "" if status == "published" else "model (backtest MAPE 1.0 % vs rule (b) 1.5 %)",
        )
        for k, v in zip(estimates, row, strict=True):
            estimates[k].append(v)
        # Shapingba's figures are published too (a tenth of the city's, growing 1 point slower).
        district = (row[0], row[1], OFFICIAL_DISTRICT, *row[3:9], value // 10)
        tenth = [None if b is None else b // 10 for b in bounds]
        for k, v in zip(estimates, (*district, *tenth, growth - 1.0, row[-1]), strict=True):
            estimates[k].append(v)
    return official, estimates


OFFICIAL_DISTRICT = "500106"


def ingest_rows() -> dict[str, list[Any]]:
    sources = ["unionpay", "platform_a", "official_stats"]
    return {
        "ingest_id": [f"ing-{i}" for i in range(3)],
        "source": sources,
        "file": [f"/feeds/{s}/2025-12.csv" for s in sources],
        "file_sha256": ["0" * 64] * 3,
        "started_at": [datetime(2026, 1, 3, 9, i) for i in range(3)],
        "finished_at": [datetime(2026, 1, 3, 9, i, 30) for i in range(3)],
        "rows_read": [120_000, 80_000, 36],
        "accepted": [119_990, 79_998, 36],
        "quarantined": [7, 2, 0],
        "duplicates": [3, 0, 0],
        "months": ["2025-11;2025-12", "2025-12", "2025-12"],
    }


# The district each quarantined row names (None: it names none; 999999: not a district).
QUARANTINE_DISTRICTS = [
    "999999",
    "500103",
    "500105",
    None,
    "500103",
    "500105",
    "500112",
    None,
    None,
]


def quarantined_raw(n: int, district: str | None) -> str:
    """A raw record as ingest keeps it: JSON text of the rejected row's fields."""
    found = f', "district_code": "{district}"' if district else ""
    return f'{{"txn_id": "t{n}", "merchant_id": "M{n:06d}"{found}}}'


def quarantine_rows() -> dict[str, list[Any]]:
    # The ingest room's reason codes (cockpit/codes.yaml gives their words), with messages
    # as its readers write them.
    reasons = ["unknown_district"] * 4 + ["negative_amount_not_refund"] * 3
    reasons += ["unparseable_date"] * 2
    sources = ["unionpay"] * 7 + ["platform_a"] * 2
    return {
        "ingest_id": ["ing-0"] * 7 + ["ing-1"] * 2,
        "source": sources,
        "file": [f"/feeds/{s}/2025-12.csv" for s in sources],
        "line": list(range(10, 19)),
        "field": ["district_code"] * 4 + ["amount_fen"] * 3 + ["ts"] * 2,
        "reason": reasons,
        "message": [f"value not accepted on line {n}" for n in range(10, 19)],
        "raw": [
            quarantined_raw(n, d) for n, d in zip(range(10, 19), QUARANTINE_DISTRICTS, strict=True)
        ],
    }


def trade_rows(n_months: int = MONTHS) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """The Order + List: four enterprises, one of whose new orders collapse at the end."""
    ids = ["E001", "E002", "E003", "E004"]
    enterprises: dict[str, list[Any]] = {
        "enterprise_id": ids,
        "name": ["山城机电进出口", "渝中数码贸易", "江北摩配出口", "两江笔电制造"],
        "district_code": ["500103", "500103", "500105", "500112"],
        "products": ["motors", "phones", "motorcycle parts", "laptops"],
        "markets": ["EU;ASEAN", "ASEAN", "Africa;LatAm", "EU;US"],
    }
    orders: dict[str, list[Any]] = {
        k: [] for k in ("enterprise_id", "month", "orders_in_hand_fen", "new_orders_fen")
    }
    orders["export_value_fen"] = []
    for k, eid in enumerate(ids):
        for i, p in enumerate(periods(n_months)):
            new = 2e10 * (k + 1) * (1 + 0.01 * i)
            if eid == "E003" and i >= n_months - 3:
                new *= 0.3
            for key, val in zip(
                orders, (eid, p, int(new * 3), int(new), int(new * 0.9)), strict=True
            ):
                orders[key].append(val)
    return enterprises, orders


def write_table(lake: Path, name: str, cols: dict[str, list[Any]]) -> Path:
    """One part of lake table ``name``, with the types the lake's registry declares."""
    path = lake_tables.part_path(lake, name, "test")
    lake_tables.write_table(name, cols, path)
    return path


def write_lake(home: Path, *, n_months: int = MONTHS, district_category: bool = True) -> Path:
    """Fill ``home/lake`` with every table the cockpit reads; return the lake folder."""
    lake = lake_tables.lake_of(home)
    rows = indicator_rows(n_months, district_category=district_category)
    write_table(lake, "indicator_values", rows)
    write_table(lake, "forecasts", forecast_rows(n_months))
    write_table(lake, "ingests", ingest_rows())
    write_table(lake, "quarantine", quarantine_rows())
    official, estimates = official_and_estimates(n_months)
    write_table(lake, "indicator_official", official)
    write_table(lake, "official_estimates", estimates)
    enterprises, orders = trade_rows(n_months)
    write_table(lake, "trade_enterprises", enterprises)
    write_table(lake, "trade_orders", orders)
    return lake


if __name__ == "__main__":
    print(write_lake(Path(sys.argv[1])))
