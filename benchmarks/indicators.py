"""Benchmark: the whole indicator catalogue over N synthetic transactions.

    .venv/bin/python benchmarks/indicators.py                 # 100M rows (the published figure)
    .venv/bin/python benchmarks/indicators.py --rows 2000000  # while developing

Reports, each phase in its own process (seconds, peak resident memory):
- build_uncompacted: ``cockpit build`` (full) on the lake as written (each ingest's month
  file in the feed's order);
- compact: ``cockpit lake compact`` (each month one file, clustered by merchant);
- build: ``cockpit build`` (full) of the whole catalogue on DuckDB, through our Ibis layer,
  on the compacted lake (the figure the targets are about);
- (a) sql: the same aggregations hand-written in DuckDB SQL (merchant cube, every cut the
  build makes with same-store parts, daily values), fetched, for the overhead of our layer
  (target ≤ 1.2×); it does not compute growth rates nor write files, the build does;
- (b) pandas: a straightforward pandas implementation of the same outputs on min(N, 10M)
  rows: monthly levels by every cut the build makes (digital type and district × category
  included) with same-store parts, MoM / YoY / same-store growth and 1–N月 sums, daily
  levels by total and district (target: our build ≥ 20× faster per row);
- (c) incremental: ``cockpit build`` after one more day is ingested (target ≤ 5 s); again
  with ``--phase incremental --home DIR --rows N`` (one more day each time).
The data are generated here with DuckDB per docs/lake.md (cockpit.indicators.synthetic).
The baselines read the compacted lake (the same rows; pandas took the same time on both).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# benchmarks/web_cockpit.py would shadow the cockpit package: drop this folder from the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

MONTHS = 26
PHASES = ("generate", "compact", "build", "sql", "pandas", "incremental")


def spec_for(rows: int) -> Any:
    from cockpit.indicators.synthetic import LakeSpec

    merchants = max(200, min(50_000, rows // 2_000))
    return LakeSpec(rows=rows, merchants=merchants, months=MONTHS, districts=38, seed=7)


def run_phase(phase: str, home: Path, rows: int) -> dict[str, Any]:
    """Run one phase in a child process; its wall time and peak RSS."""
    cmd = [sys.executable, __file__, "--phase", phase, "--home", str(home), "--rows", str(rows)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out = proc.stdout.read() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"phase {phase} failed:\n{out}")
    detail = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    return {"seconds": round(seconds, 2), "peak_mb": round(usage.ru_maxrss / 1024), **detail}


# ---- (a) the same aggregations, hand-written in DuckDB SQL -------------------------------

MEASURES = {
    "retail_sales": "sum(amount_fen)",
    "goods_sales": "sum(amount_fen) FILTER (kind = 'goods')",
    "catering_sales": "sum(amount_fen) FILTER (kind = 'catering')",
    "online_sales": "sum(amount_fen) FILTER (is_online)",
    "online_share": "sum(amount_fen) FILTER (is_online)",
    "online_goods_share": "sum(amount_fen) FILTER (is_online AND kind = 'goods')",
    "digital_consumption": "sum(amount_fen) FILTER (is_digital)",
    "digital_share": "sum(amount_fen) FILTER (is_digital)",
    "night_sales": "sum(amount_fen) FILTER (is_night)",
    "night_share": "sum(amount_fen) FILTER (is_night)",
    "visitor_sales": "sum(amount_fen) FILTER (payer_segment IN ('out_of_town', 'foreign_visitor'))",
    "foreign_visitor_sales": "sum(amount_fen) FILTER (payer_segment = 'foreign_visitor')",
    "ecny_share": "sum(amount_fen) FILTER (payment_method = 'ecny')",
    "foreign_card_share": "sum(amount_fen) FILTER (payment_method = 'foreign_card')",
    "transactions": "count(*) FILTER (NOT is_refund)",
    "avg_ticket": "sum(amount_fen)",
    "active_merchants": "count(DISTINCT merchant_id) FILTER (NOT is_refund)",
    "new_merchants": "count(DISTINCT merchant_id) FILTER (NOT is_refund AND is_new)",
    "voucher_sales": "sum(amount_fen) FILTER (voucher_id IS NOT NULL)",
}
DENOMINATORS = {
    "online_share": "sum(amount_fen)",
    "online_goods_share": "sum(amount_fen)",
    "digital_share": "sum(amount_fen)",
    "night_share": "sum(amount_fen)",
    "ecny_share": "sum(amount_fen)",
    "foreign_card_share": "sum(amount_fen)",
    "avg_ticket": "count(*) FILTER (NOT is_refund)",
}
CUTS = ("district", "business_district", "category", "channel", "payer_segment", "payment_method")


def fact_sql(lake: Path) -> str:
    return f"""
    CREATE TEMP VIEW fact AS
    SELECT t.*, m.district_code AS district, coalesce(m.business_district, '') AS business_district,
           m.category_code AS category,
           CASE WHEN m.category_code = 'CT01' THEN 'catering' ELSE 'goods' END AS kind,
           t.channel IN ('online', 'instant_retail', 'livestream') AS is_online,
           hour(t.ts) >= 18 OR hour(t.ts) < 2 AS is_night,
           year(m.opened_on) * 12 + month(m.opened_on) - 1
             = CAST(substr(t.month, 1, 4) AS INT) * 12 + CAST(substr(t.month, 6, 2) AS INT) - 1
             AS is_new,
           (m.category_code IN ('RS13', 'RS09', 'RS11')
             OR contains(';' || coalesce(m.digital_tags, '') || ';', ';smart_device;')
             OR contains(';' || coalesce(m.digital_tags, '') || ';', ';new_energy_vehicle;')) AS dp,
           (t.channel = 'instant_retail'
             OR regexp_matches(';' || coalesce(m.digital_tags, '') || ';',
                ';(instant_delivery|online_health|smart_housekeeping|online_education);')) AS ds,
           regexp_matches(';' || coalesce(m.digital_tags, '') || ';',
                ';(game|streaming|metaverse|vr_ar);') AS dc,
           t.channel IN ('online', 'instant_retail', 'livestream') AS dch,
           CAST(substr(t.month, 1, 4) AS INT) * 12 + CAST(substr(t.month, 6, 2) AS INT) - 1 AS mi
    FROM read_parquet('{lake}/transactions/*/*.parquet', hive_partitioning = false) t
    JOIN read_parquet('{lake}/merchants/*.parquet') m
      ON t.merchant_id = m.merchant_id AND m.valid_from <= t.date
     AND t.date < coalesce(m.valid_to, DATE '9999-12-31');
    CREATE TEMP VIEW fact2 AS SELECT *, dp OR ds OR dc OR dch AS is_digital FROM fact;
    """


def _measure_list(prefix: str = "") -> str:
    cols = [f"{prefix}{sql} AS {name}__n" for name, sql in MEASURES.items()]
    cols += [f"{prefix}{sql} AS {name}__d" for name, sql in DENOMINATORS.items()]
    return ",\n ".join(cols)


def _names() -> list[str]:
    return [f"{n}__n" for n in MEASURES] + [f"{n}__d" for n in DENOMINATORS]


def handwritten_sql(home: Path) -> dict[str, Any]:
    """Cube, monthly cuts with same-store parts, and daily cuts, in plain DuckDB SQL."""
    import duckdb

    con = duckdb.connect()
    con.sql(fact_sql(home / "lake"))
    con.sql(f"""CREATE TEMP TABLE cube AS SELECT mi, merchant_id, district, business_district,
        category, channel, payer_segment, payment_method, dp, ds, dc, dch, {_measure_list()}
        FROM fact2 GROUP BY ALL""")
    con.sql("""CREATE TEMP TABLE presence AS
        WITH p AS (SELECT DISTINCT mi, merchant_id FROM cube WHERE transactions__n > 0)
        SELECT p.mi, p.merchant_id,
          EXISTS (FROM p q WHERE q.merchant_id = p.merchant_id AND q.mi = p.mi - 1) prev1,
          EXISTS (FROM p q WHERE q.merchant_id = p.merchant_id AND q.mi = p.mi + 1) next1,
          EXISTS (FROM p q WHERE q.merchant_id = p.merchant_id AND q.mi = p.mi - 12) prev12,
          EXISTS (FROM p q WHERE q.merchant_id = p.merchant_id AND q.mi = p.mi + 12) next12
        FROM p""")
    rows = 0
    merchant_cols = {"active_merchants__n", "new_merchants__n"}
    for cut in ("", *CUTS, "digital_type", "district, category"):
        keys = f", {cut}" if cut else ""
        src = "cube"
        if cut == "digital_type":
            src = " UNION ALL ".join(
                f"SELECT *, '{t}' AS digital_type FROM cube WHERE {t}"
                for t in ("dp", "ds", "dc", "dch")
            )
            src = f"({src})"
        roll = ", ".join(f"{'max' if c in merchant_cols else 'sum'}({c}) AS {c}" for c in _names())
        parts = []
        for c in _names():
            parts.append(f"sum({c}) AS {c}")
            if c in merchant_cols:
                continue
            for flag in ("prev1", "next1", "prev12", "next12"):
                parts.append(f"sum({c}) FILTER ({flag}) AS {c}__{flag}")
        result = con.sql(f"""
            WITH ml AS (SELECT mi, merchant_id{keys}, {roll} FROM {src} GROUP BY ALL)
            SELECT ml.mi{keys.replace(", ", ", ml.")}, {", ".join(parts)}
            FROM ml LEFT JOIN presence p USING (mi, merchant_id) GROUP BY ALL""").fetchall()
        rows += len(result)
    for cut in ("", "district"):
        keys = f", {cut}" if cut else ""
        rows += len(
            con.sql(f"SELECT date{keys}, {_measure_list()} FROM fact2 GROUP BY ALL").fetchall()
        )
    return {"result_rows": rows}


# ---- (b) a straightforward pandas implementation --------------------------------------------

SUMS = (
    "sales",
    "goods",
    "catering",
    "online",
    "online_goods",
    "digital",
    "night",
    "visitor",
    "foreign",
    "ecny",
    "foreign_card",
    "payments",
    "voucher",
)
SHARES = ("online", "online_goods", "digital", "night", "ecny", "foreign_card")
DIGITAL_TYPES = ("dp", "ds", "dc", "dch")


def pandas_facts(home: Path, rows: int) -> Any:
    """The fact table in pandas: the first ``rows`` transactions with their merchant."""
    import pandas as pd
    import pyarrow.dataset as ds

    lake = home / "lake"
    tx = ds.dataset(str(lake / "transactions"), format="parquet").head(rows).to_pandas()
    m = pd.read_parquet(lake / "merchants")
    f = tx.merge(m, on="merchant_id", suffixes=("", "_m"))
    end = f["valid_to"].fillna(pd.Timestamp("2262-01-01").date())
    f = f[(f["valid_from"] <= f["date"]) & (f["date"] < end)].reset_index(drop=True)
    f["district"], f["category"] = f["district_code"], f["category_code"]
    f["business_district"] = f["business_district"].fillna("")
    f["mi"] = f["month"].str[:4].astype(int) * 12 + f["month"].str[5:7].astype(int) - 1
    f["is_online"] = f["channel"].isin(["online", "instant_retail", "livestream"])
    f["goods"] = f["category"] != "CT01"
    hour = f["ts"].dt.hour
    f["is_night"] = (hour >= 18) | (hour < 2)
    tags = ";" + f["digital_tags"].fillna("") + ";"
    f["dp"] = f["category"].isin(["RS13", "RS09", "RS11"]) | tags.str.contains(
        ";(?:smart_device|new_energy_vehicle);"
    )
    f["ds"] = (f["channel"] == "instant_retail") | tags.str.contains(
        ";(?:instant_delivery|online_health|smart_housekeeping|online_education);"
    )
    f["dc"] = tags.str.contains(";(?:game|streaming|metaverse|vr_ar);")
    f["dch"] = f["is_online"]
    opened = pd.to_datetime(f["opened_on"])
    f["is_new"] = opened.dt.strftime("%Y-%m") == f["month"]
    return f


def pandas_measures(f: Any) -> Any:
    """Per-row measure columns (the catalogue's numerators and denominators)."""
    import pandas as pd

    a = f["amount_fen"]
    sale = ~f["is_refund"]
    digital = f["dp"] | f["ds"] | f["dc"] | f["dch"]
    cols = {
        "sales": a,
        "goods": a.where(f["goods"], 0),
        "catering": a.where(~f["goods"], 0),
        "online": a.where(f["is_online"], 0),
        "online_goods": a.where(f["is_online"] & f["goods"], 0),
        "digital": a.where(digital, 0),
        "night": a.where(f["is_night"], 0),
        "visitor": a.where(f["payer_segment"] != "resident", 0),
        "foreign": a.where(f["payer_segment"] == "foreign_visitor", 0),
        "ecny": a.where(f["payment_method"] == "ecny", 0),
        "foreign_card": a.where(f["payment_method"] == "foreign_card", 0),
        "payments": sale.astype("int64"),
        "voucher": a.where(f["voucher_id"].notna(), 0),
        "active": f["merchant_id"].where(sale),
        "new": f["merchant_id"].where(sale & f["is_new"]),
    }
    keep = ["mi", "date", "merchant_id", *CUTS, *DIGITAL_TYPES]
    return pd.DataFrame(cols).assign(**{c: f[c] for c in keep})


def pandas_presence(work: Any) -> Any:
    """Per row: is its merchant present (a payment) also 1 / 12 months before / after?"""

    present = work.loc[work["payments"] > 0, ["mi", "merchant_id"]].drop_duplicates()
    present["here"] = True
    flags = present.copy()
    for lag in (1, 12):
        for name, shift in ((f"prev{lag}", lag), (f"next{lag}", -lag)):
            shifted = present[["mi", "merchant_id"]].assign(mi=present["mi"] + shift)
            shifted[name] = True
            flags = flags.merge(shifted, on=["mi", "merchant_id"], how="left")
    out = work.merge(flags, on=["mi", "merchant_id"], how="left")
    for c in ("prev1", "next1", "prev12", "next12"):
        out[c] = out[c].notna() & out["here"].notna()
    return out


def pandas_growth(levels: Any, keys: list[str]) -> Any:
    """Values, MoM / YoY (all merchants and same-store) and 1–N月 of one cut, in pandas."""
    import numpy as np

    lv = levels.sort_values([*keys, "mi"])
    g = lv.groupby(keys, sort=False) if keys else None
    out = lv[[*keys, "mi"]].copy()
    for col in SUMS:
        v = lv[col]
        prev1 = g[col].shift(1) if g is not None else v.shift(1)
        prev12 = g[col].shift(12) if g is not None else v.shift(12)
        out[f"{col}_mom"] = (v / prev1 - 1) * 100
        out[f"{col}_yoy"] = (v / prev12 - 1) * 100
        for lag in (1, 12):
            base = (
                g[f"{col}__b{lag}"].shift(lag) if g is not None else lv[f"{col}__b{lag}"].shift(lag)
            )
            out[f"{col}_ss{lag}"] = (lv[f"{col}__ss{lag}"] / base - 1) * 100
        year = lv["mi"] // 12
        out[f"{col}_ytd"] = lv.groupby([*keys, year])[col].cumsum()
    for share in SHARES:
        out[f"{share}_share"] = 100 * lv[share] / lv["sales"].replace(0, np.nan)
    out["avg_ticket"] = lv["sales"] / lv["payments"].replace(0, np.nan)
    return out


def pandas_levels(home: Path, rows: int) -> dict[str, Any]:
    """The build's outputs in plain pandas, on the first ``rows`` transactions.

    Monthly levels of the catalogue by every cut the build makes (total, each dimension,
    digital type, district × category), with same-store parts (merchants also present
    1 / 12 months before / after), MoM / YoY / same-store growth and 1–N月 sums; daily
    levels by total and by district. Merchant counts are distinct merchants.
    """
    import pandas as pd

    work = pandas_presence(pandas_measures(pandas_facts(home, rows)))
    cuts: list[tuple[str, ...]] = [(), *((c,) for c in CUTS), ("district", "category")]
    out = 0

    def level(frame: Any, keys: list[str]) -> Any:
        g = frame.groupby(keys)
        sums = g[list(SUMS)].sum()
        sums["active"] = g["active"].nunique()
        sums["new"] = g["new"].nunique()
        for flag, part in (
            ("prev1", "ss1"),
            ("next1", "b1"),
            ("prev12", "ss12"),
            ("next12", "b12"),
        ):
            part_sums = frame[frame[flag]].groupby(keys)[list(SUMS)].sum()
            sums = sums.join(part_sums.add_suffix(f"__{part}"), how="left").fillna(0)
        return sums.reset_index()

    for cut in cuts:
        lv = level(work, ["mi", *cut])
        out += len(pandas_growth(lv, list(cut)))
    for t in DIGITAL_TYPES:
        lv = level(work[work[t]], ["mi"])
        out += len(pandas_growth(lv, []))
    for cut in ((), ("district",)):
        g = work.groupby(["date", *cut])
        days = g[list(SUMS)].sum()
        days["active"] = g["active"].nunique()
        days["new"] = g["new"].nunique()
        out += len(days)
    return {"result_rows": out, "rows": len(work), "pandas": pd.__version__}


# ---- phases ---------------------------------------------------------------------------------


def phase(name: str, home: Path, rows: int) -> dict[str, Any]:
    from cockpit.indicators.build import build
    from cockpit.indicators.synthetic import append_day

    if name == "generate":
        from cockpit.indicators.synthetic import write_lake

        shutil.rmtree(home / "lake", ignore_errors=True)
        write_lake(home / "lake", spec_for(rows))
        return {}
    if name == "compact":
        from cockpit.ingest.compact import compact

        done = compact(home)
        return {"months": len(done.months), "files_replaced": done.files_replaced}
    if name == "build":
        report = build(home=home, engine="duckdb", full=True)
        return {"result_rows": report.rows}
    if name == "sql":
        return handwritten_sql(home)
    if name == "pandas":
        return pandas_levels(home, rows)
    if name == "incremental":
        # each run ingests one more day (2026-02-27, then the days before it)
        import datetime as dt

        from cockpit.indicators.build import read_ingests

        seen = {i for i, _ in read_ingests(home / "lake")}
        n = 0
        while f"tday{n}" in seen:
            n += 1
        day = (dt.date(2026, 2, 27) - dt.timedelta(days=n)).isoformat()
        append_day(home / "lake", spec_for(rows), day, max(1000, rows // (MONTHS * 30)), f"tday{n}")
        started = time.perf_counter()
        report = build(home=home, engine="duckdb")
        return {
            "build_seconds": round(time.perf_counter() - started, 2),
            "months_refreshed": report.months_refreshed,
        }
    raise ValueError(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--pandas-rows", type=int, default=10_000_000)
    parser.add_argument("--home", type=Path, default=None, help="Where to write the lake.")
    parser.add_argument(
        "--phase",
        choices=PHASES,
        default=None,
        help="Run one phase alone on the lake under --home (e.g. incremental again).",
    )
    parser.add_argument("--json", action="store_true", help="Print the result as JSON only.")
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.home, args.rows)))
        return
    home = args.home or Path(tempfile.mkdtemp(prefix="bench-indicators-"))
    # in a child too: a child's peak RSS counts the parent's memory it was forked from
    gen = run_phase("generate", home, args.rows)["seconds"]
    say = (lambda _m: None) if args.json else (lambda m: print(m, file=sys.stderr, flush=True))
    say(f"generated {args.rows:,} rows in {gen}s under {home}")
    result: dict[str, Any] = {"rows": args.rows, "generate_seconds": gen}
    result["build_uncompacted"] = run_phase("build", home, args.rows)
    say(f"build_uncompacted: {result['build_uncompacted']}")
    # the incremental build right after the full one: the baselines after them fill memory
    # (20 GB at 100M) and would leave it to a cold page cache
    for name in ("compact", "build", "incremental", "sql"):
        result[name] = run_phase(name, home, args.rows)
        say(f"{name}: {result[name]}")
    pandas_rows = min(args.rows, args.pandas_rows)
    result["pandas"] = run_phase("pandas", home, pandas_rows)
    say(f"pandas: {result['pandas']}")
    b, s, p = result["build"], result["sql"], result["pandas"]
    result["overhead_vs_sql"] = round(b["seconds"] / s["seconds"], 2)

    def per_row_vs_pandas(seconds: float) -> float:
        return round((args.rows / seconds) / (pandas_rows / p["seconds"]), 1)

    result["speedup_per_row_vs_pandas"] = per_row_vs_pandas(b["seconds"])
    result["speedup_uncompacted"] = per_row_vs_pandas(result["build_uncompacted"]["seconds"])
    phases = (b, result["build_uncompacted"], result["compact"], s, result["incremental"])
    result["peak_mb"] = max(r["peak_mb"] for r in phases)
    result["machine"] = f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, " + (
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    )
    result["load_average"] = os.getloadavg()
    result["peak_self_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result, indent=None if args.json else 1))


if __name__ == "__main__":
    main()
