"""An independent, plain-Python computation of every indicator, for the tests to compare.

It reads the lake's Parquet rows and the reference files itself and shares no code with
cockpit.indicators: a mistake in the catalogue's Ibis formulas cannot hide here.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

REF = Path(__file__).resolve().parents[2] / "src" / "cockpit" / "reference" / "data"
Row = dict[str, Any]


def _yaml(name: str) -> Any:
    return yaml.safe_load((REF / name).read_text("utf-8"))


ONLINE = {c["code"] for c in _yaml("codes.yaml")["channels"] if c["online"]}
TAXONOMY = _yaml("digital_taxonomy.yaml")["rules"]
with (REF / "categories.csv").open(encoding="utf-8") as fh:
    CATERING = {
        r["code"]
        for r in csv.DictReader(x for x in fh if not x.startswith("#"))
        if r["kind"] == "catering"
    }


def rows_of(lake: Path, table: str) -> list[Row]:
    out: list[Row] = []
    for f in sorted((lake / table).rglob("*.parquet")):
        out += pq.read_table(f).to_pylist()
    return out


def digital_types(category: str, tags: str, channel: str) -> set[str]:
    found = set(TAXONOMY["by_category"].get(category, []))
    found |= set(TAXONOMY["by_channel"].get(channel, []))
    for tag in (tags or "").split(";"):
        found |= set(TAXONOMY["by_merchant_tag"].get(tag, []))
    return found


def facts(lake: Path) -> list[Row]:
    """Transactions with the merchant version valid on their date (no version: left out)."""
    versions: dict[str, list[Row]] = defaultdict(list)
    for m in rows_of(lake, "merchants"):
        versions[m["merchant_id"]].append(m)
    out = []
    for t in rows_of(lake, "transactions"):
        for m in versions[t["merchant_id"]]:
            end = m["valid_to"] or dt.date.max
            if m["valid_from"] <= t["date"] < end:
                break
        else:
            continue
        opened = m["opened_on"]
        out.append(
            {
                **t,
                "district": m["district_code"],
                "business_district": m["business_district"] or "",
                "category": m["category_code"],
                "catering": m["category_code"] in CATERING,
                "online": t["channel"] in ONLINE,
                "night": t["ts"].hour >= 18 or t["ts"].hour < 2,
                "new": (opened.year, opened.month) == (t["ts"].year, t["ts"].month),
                "types": digital_types(m["category_code"], m["digital_tags"], t["channel"]),
            }
        )
    return out


def _sum(rows: Iterable[Row], keep: Callable[[Row], bool] = lambda r: True) -> int:
    return sum(r["amount_fen"] for r in rows if keep(r))


def _share(rows: list[Row], keep: Callable[[Row], bool]) -> float | None:
    total = _sum(rows)
    return 100.0 * _sum(rows, keep) / total if total else None


def _merchants(rows: list[Row], keep: Callable[[Row], bool]) -> int:
    return len({r["merchant_id"] for r in rows if not r["is_refund"] and keep(r)})


def value(indicator_id: str, rows: list[Row]) -> float | None:
    """The indicator over ``rows``, written out by hand."""
    sales = {
        "retail_sales": lambda r: True,
        "goods_sales": lambda r: not r["catering"],
        "catering_sales": lambda r: r["catering"],
        "online_sales": lambda r: r["online"],
        "digital_consumption": lambda r: bool(r["types"]),
        "night_sales": lambda r: r["night"],
        "visitor_sales": lambda r: r["payer_segment"] in ("out_of_town", "foreign_visitor"),
        "foreign_visitor_sales": lambda r: r["payer_segment"] == "foreign_visitor",
        "voucher_sales": lambda r: r["voucher_id"] is not None,
    }
    shares = {
        "online_share": lambda r: r["online"],
        "online_goods_share": lambda r: r["online"] and not r["catering"],
        "digital_share": lambda r: bool(r["types"]),
        "night_share": lambda r: r["night"],
        "ecny_share": lambda r: r["payment_method"] == "ecny",
        "foreign_card_share": lambda r: r["payment_method"] == "foreign_card",
    }
    if indicator_id in sales:
        return _sum(rows, sales[indicator_id])
    if indicator_id in shares:
        return _share(rows, shares[indicator_id])
    payments = sum(1 for r in rows if not r["is_refund"])
    if indicator_id == "transactions":
        return payments
    if indicator_id == "avg_ticket":
        return _sum(rows) / payments if payments else None
    if indicator_id == "active_merchants":
        return _merchants(rows, lambda r: True)
    if indicator_id == "new_merchants":
        return _merchants(rows, lambda r: r["new"])
    raise KeyError(indicator_id)


def groups(rows: list[Row], time_key: str, dim: str | None) -> dict[tuple[str, str], list[Row]]:
    """Rows by (month or day, value of ``dim``); digital_type puts a row under each type."""
    out: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        period = r["month"] if time_key == "month" else r["date"].isoformat()
        if dim is None:
            out[(period, "")].append(r)
        elif dim == "digital_type":
            for t in r["types"]:
                out[(period, t)].append(r)
        else:
            out[(period, r[dim])].append(r)
    return out


def month_before(month: str, lag: int) -> str:
    y, m = int(month[:4]), int(month[5:7])
    k = y * 12 + m - 1 - lag
    return f"{k // 12}-{k % 12 + 1:02d}"


def current_cut(rows: list[Row]) -> dict[str, tuple[str, str, str]]:
    """Each merchant's (district, business district, category) in a month: the version it
    made the most payments under, ties to the lower codes."""
    counts: dict[str, dict[tuple[str, str, str], int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        if not r["is_refund"]:
            counts[r["merchant_id"]][(r["district"], r["business_district"], r["category"])] += 1
    return {m: min(c, key=lambda k: (-c[k], k)) for m, c in counts.items()}


def same_store_sales(
    facts: list[Row], month: str, lag: int, dims: tuple[str, ...]
) -> dict[tuple[str, ...], tuple[int, int]]:
    """(this month, the month ``lag`` before) net sales of the merchants with a payment in
    both, each in its cut of this month in both periods (NBS 可比口径), by ``dims``."""
    position = {"district": 0, "business_district": 1, "category": 2}
    now = [r for r in facts if r["month"] == month]
    before = [r for r in facts if r["month"] == month_before(month, lag)]
    cut = current_cut(now)
    both = set(cut) & set(current_cut(before))
    out: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0])
    for i, rows in enumerate((now, before)):
        for r in rows:
            if r["merchant_id"] in both:
                where = cut[r["merchant_id"]]
                out[tuple(where[position[d]] for d in dims)][i] += r["amount_fen"]
    return {k: (v[0], v[1]) for k, v in out.items()}


def merchant_bootstrap(
    facts: list[Row],
    months: list[str],
    cell: Callable[[Row], str],
    measure: Callable[[list[float], list[float]], float],
    amount: Callable[[Row], tuple[float, float]],
    draws: int = 600,
    seed: int = 1,
) -> dict[str, float]:
    """Standard deviation, over merchant resamples, of a statistic of each cell.

    The merchants with a payment in any of ``months`` are drawn with replacement (as many
    as there are); ``amount`` gives a row's (numerator, denominator) part, summed by
    merchant, month and cell; ``measure`` turns a cell's numerator and denominator sums
    per month (in the order of ``months``) into the statistic."""
    import numpy as np

    merchants = sorted(
        {r["merchant_id"] for r in facts if r["month"] in months and not r["is_refund"]}
    )
    index = {m: i for i, m in enumerate(merchants)}
    cells = sorted({cell(r) for r in facts if r["month"] in months})
    at = {c: j for j, c in enumerate(cells)}
    num = np.zeros((len(months), len(merchants), len(cells)))
    den = np.zeros_like(num)
    for r in facts:
        if r["month"] in months and r["merchant_id"] in index:
            k, i, j = months.index(r["month"]), index[r["merchant_id"]], at[cell(r)]
            n, d = amount(r)
            num[k, i, j] += n
            den[k, i, j] += d
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(len(merchants), [1 / len(merchants)] * len(merchants), draws)
    nums = np.einsum("bi,kij->bkj", weights, num)
    dens = np.einsum("bi,kij->bkj", weights, den)
    out = {}
    for j, c in enumerate(cells):
        stats = [measure(list(nums[b, :, j]), list(dens[b, :, j])) for b in range(draws)]
        finite = [s for s in stats if s == s and abs(s) != float("inf")]
        if len(finite) > draws * 0.9:
            out[c] = float(np.std(finite, ddof=1))
    return out
