"""``generate_city``: write the sample city's feeds and ground truth, streaming month by month."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, nullcontext
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cockpit.sample import badrows, feeds
from cockpit.sample.campaign import CampaignVouchers
from cockpit.sample.events import MerchantEvents, changes_json, choose_merchant_events, events_json
from cockpit.sample.industry import write_industry
from cockpit.sample.merchant_file import MERCHANTS_FILE, write_merchants
from cockpit.sample.merchants import Merchants, make_merchants
from cockpit.sample.model import CityModel, city_model
from cockpit.sample.official import OFFICIAL_FILE, write_official
from cockpit.sample.params import JIEFANGBEI, PERIOD_END, PERIOD_START, SCALES, SOURCES
from cockpit.sample.payers import make_payers
from cockpit.sample.subsidies import APPLICATIONS_FILE, write_applications
from cockpit.sample.trade import ENTERPRISES_FILE, ORDERS_FILE, write_trade
from cockpit.sample.transactions import Batch, TransactionGenerator

GROUND_TRUTH = "ground_truth.json"
IN_FLIGHT = 6  # chunks (of any feed) waiting for the writer threads at most
NOT_REAL = (
    "Generated data calibrated to published orders of magnitude for Chongqing. "
    "It is NOT real data: no real merchant, person or transaction is in it."
)


def _month_keys(first: dt.date, last: dt.date) -> list[str]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


class Totals:
    """Generated fen per month × district × category (as attributed by merchant history)."""

    def __init__(self, months: list[str], model: CityModel) -> None:
        self.months = {m: i for i, m in enumerate(months)}
        self.n_d, self.n_c = len(model.districts), len(model.categories)
        self.fen = np.zeros((len(months), self.n_d, self.n_c))
        self.jiefangbei = np.zeros((len(months), self.n_c))
        self.rows = 0

    def add(
        self,
        batch: Batch,
        month: dt.date,
        m: Merchants,
        ev: MerchantEvents,
        in_jfb: NDArray[np.bool_],
    ) -> None:
        keep = badrows.counted(batch)
        merchant, amount = batch.merchant[keep], batch.amount[keep].astype(np.float64)
        cell = ev.district_in(m, month)[merchant] * self.n_c + ev.category_in(m, month)[merchant]
        i = self.months[month.strftime("%Y-%m")]
        self.fen[i] += np.bincount(cell, amount, self.n_d * self.n_c).reshape(self.n_d, self.n_c)
        jfb = in_jfb[merchant]
        self.jiefangbei[i] += np.bincount(m.category[merchant][jfb], amount[jfb], self.n_c)
        self.rows += len(batch)


def _true_fen(model: CityModel, months: list[str]) -> NDArray[np.float64]:
    """True trade in fen per month × district × category."""
    keys = np.array([d.strftime("%Y-%m") for d in model.days.dates])
    return np.stack([model.yuan[keys == k].sum(axis=0) * 100 for k in months])


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _progress(enabled: bool, total: int) -> tuple[AbstractContextManager[Any], Any]:
    if not enabled:
        return nullcontext(), None
    from rich.progress import Progress

    bar = Progress(transient=True)
    return bar, (bar, bar.add_task("Generating months", total=total))


def _stream(
    out: Path,
    gen: TransactionGenerator,
    totals: Totals,
    m: Merchants,
    ev: MerchantEvents,
    look: feeds.Lookups,
    rngs: list[np.random.Generator],
    progress: bool,
    campaign: CampaignVouchers,
) -> tuple[dict[str, feeds.FeedWriter], list[dict[str, Any]]]:
    """Draw payments on this thread while one writer thread per feed formats and writes them.

    Each writer thread runs its tasks in submission order with its own random stream, so files,
    line numbers and bytes are the same as if everything ran on one thread; Arrow and numpy
    release the GIL for their heavy loops, so the threads share the cores.
    """
    writers = feeds.feed_writers(out)
    pending = list(badrows.SCHEDULE)
    in_jfb = np.array([b == JIEFANGBEI for b in m.business_district])
    futures: deque[Future[list[dict[str, Any]]]] = deque()
    flagged: list[dict[str, Any]] = []
    bar_ctx, bar = _progress(progress, len(totals.months))
    with bar_ctx, ExitStack() as stack:
        pools = {
            s: stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix=s))
            for s in SOURCES
        }
        for month, batches in gen.months():
            for parts in batches:
                for k, (source, part) in enumerate(zip(SOURCES, parts, strict=True)):
                    campaign.add(part, feeds.TXN_PREFIX[source], feeds.VOUCHER_PREFIX)
                    spoilt = badrows.spoil(part, month.strftime("%Y-%m"), pending, rngs[0])
                    totals.add(spoilt, month, m, ev, in_jfb)
                    write = writers[source].write
                    futures.append(
                        pools[source].submit(write, spoilt, month.year, look, rngs[k + 1])
                    )
                while len(futures) > IN_FLIGHT:  # bound memory: wait for the oldest write
                    flagged += futures.popleft().result()
            if bar is not None:
                bar[0].advance(bar[1])
        closing = [pools[s].submit(w.close) for s, w in writers.items()]
        while futures:
            flagged += futures.popleft().result()
        for done in closing:
            done.result()  # re-raise a failed close here
    return writers, flagged


def _bad_rows(flagged: list[dict[str, Any]], merchant_bad: list[dict[str, Any]]) -> dict[str, Any]:
    bad = list(merchant_bad)
    repeats, full_width = [], []
    for row in flagged:
        flag = row.pop("flag")
        if flag in feeds.FLAG_REASON:
            bad.append({**row, "reason": feeds.FLAG_REASON[flag]})
        elif flag == feeds.REPEAT:
            repeats.append(row)
        else:
            full_width.append(row)
    return {"bad_rows": bad, "exact_duplicates": repeats, "full_width_amounts": full_width}


def _expansion(true_fen: NDArray[np.float64], gen_fen: NDArray[np.float64]) -> NDArray[np.float64]:
    gen = gen_fen.sum(axis=1)
    factor: NDArray[np.float64] = np.divide(
        true_fen.sum(axis=1), gen, out=np.zeros_like(gen), where=gen > 0
    )
    return factor


def _calibration(
    model: CityModel,
    months: list[str],
    true_fen: NDArray[np.float64],
    expanded: NDArray[np.float64],
    jfb: NDArray[np.float64],
) -> dict[str, Any]:
    years = np.array([int(k[:4]) for k in months])
    h1 = np.array([k[:4] == "2025" and int(k[5:]) <= 6 for k in months])
    yuzhong = model.districts.index("500103")
    catering = model.categories.index("CT01")

    def yuan(fen: Any) -> float:
        return round(float(fen) / 100, -6)

    return {
        "note": "Expanded to the city's scale (yuan). 2026 covers January to October.",
        "city_retail_yuan": {str(y): yuan(true_fen[years == y].sum()) for y in np.unique(years)},
        "city_retail_h1_2025_yuan": yuan(true_fen[h1].sum()),
        "catering_share_2023": round(
            float(true_fen[years == 2023][:, :, catering].sum() / true_fen[years == 2023].sum()), 4
        ),
        "yuzhong_retail_yuan": {
            str(y): yuan(expanded[years == y][:, yuzhong].sum()) for y in (2023, 2024, 2025)
        },
        "jiefangbei_retail_2025_yuan": yuan(jfb[years == 2025].sum()),
    }


def generate_city(
    out_dir: Path | str, *, scale: str = "tiny", seed: int = 7, progress: bool = False
) -> dict[str, Any]:
    """Write the sample city's feeds and ground_truth.json into ``out_dir``; return a summary.

    The same ``scale`` and ``seed`` give byte-identical files.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
    started = time.perf_counter()
    sc = SCALES[scale]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(9)]
    model = city_model(2022, 2026)
    merchants = make_merchants(model, sc.merchants, rngs[0])
    ev = choose_merchant_events(merchants, model)
    n_merchant_rows, merchant_bad = write_merchants(out, merchants, ev, model, rngs[1])
    payers = make_payers(sc.payers, rngs[2])
    months = _month_keys(PERIOD_START, PERIOD_END)
    totals = Totals(months, model)
    gen = TransactionGenerator(model, merchants, ev, payers, sc, rngs[3])
    look = feeds.Lookups.build(merchants, payers)
    campaign = CampaignVouchers(look.merchant_ids, look.payers.ids)
    writers, flagged = _stream(out, gen, totals, merchants, ev, look, rngs[4:8], progress, campaign)
    campaign_files = campaign.write(out)

    true_fen = _true_fen(model, months)
    expansion = _expansion(true_fen, totals.fen)
    expanded = totals.fen * expansion[:, None, :]
    before = _month_keys(dt.date(2022, 1, 1), dt.date(2022, 12, 1))
    true_2022 = _true_fen(city_model(2022, 2026, with_events=False), before)
    n_official = write_official(
        out,
        months=before + months,
        by_district=np.concatenate([true_2022.sum(axis=2), true_fen.sum(axis=2)]),
        by_category=np.concatenate([true_2022.sum(axis=1), true_fen.sum(axis=1)]),
        districts=model.districts,
        categories=model.categories,
        rng=rngs[8],
    )
    trade_rows, collapse = write_trade(out, first=PERIOD_START, last=PERIOD_END, rng=rngs[8])
    # Its own stream (spawned tenth), so the feeds above keep their bytes.
    industry = write_industry(
        out, rng=np.random.default_rng(np.random.SeedSequence(seed).spawn(10)[9])
    )
    subsidy_expected = write_applications(out, seed=seed)

    files: dict[str, dict[str, Any]] = {
        MERCHANTS_FILE: {"source": "merchants", "rows": n_merchant_rows},
        OFFICIAL_FILE: {"source": "official-stats", "rows": n_official},
        ENTERPRISES_FILE: {"source": "trade-enterprises", "rows": trade_rows[ENTERPRISES_FILE]},
        ORDERS_FILE: {"source": "trade-orders", "rows": trade_rows[ORDERS_FILE]},
        APPLICATIONS_FILE: {"source": "subsidy-applications", "rows": len(subsidy_expected)},
    }
    for name in campaign_files:  # the issuer's records, for the programmes room
        files[name] = {"source": "programme-campaign", "rows": campaign.rows_in(name)}
    for name, rows in industry.pop("files").items():
        files[name] = {"source": "industry", "rows": rows}
    for source, writer in writers.items():
        for name, rows in writer.done.items():
            files[name] = {"source": "transactions", "feed": source, "rows": rows}
    for name in sorted(files):
        files[name]["sha256"] = _sha256(out / name)
    files = {name: files[name] for name in sorted(files)}
    jfb = totals.jiefangbei * expansion
    truth: dict[str, Any] = {
        "seed": seed,
        "scale": scale,
        "not_real_data": NOT_REAL,
        "period": {
            "start": PERIOD_START.isoformat(),
            "end": PERIOD_END.isoformat(),
            "official_stats_end": "2026-09",
        },
        "files": files,
        "expansion": {
            k: {c: float(f"{expansion[i, j]:.9g}") for j, c in enumerate(model.categories)}
            for i, k in enumerate(months)
        },
        "calibration": _calibration(model, months, true_fen, expanded.sum(axis=2), jfb),
        "events": [*events_json(ev, merchants, model), collapse],
        "merchant_changes": changes_json(ev, merchants, model),
        # Each subsidy application's expected decision: submitted, or rejected by one rule.
        "subsidy_applications": subsidy_expected,
        **_bad_rows(flagged, merchant_bad),
        "industry": industry,
    }
    (out / GROUND_TRUTH).write_text(
        json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    seconds = time.perf_counter() - started
    return {
        "out_dir": str(out),
        "scale": scale,
        "seed": seed,
        "transactions": totals.rows,
        "merchants": len(merchants),
        "files": len(files) + 1,
        "bad_rows": len(truth["bad_rows"]),
        "events": len(truth["events"]),
        "seconds": round(seconds, 2),
        "rows_per_second": round(totals.rows / seconds),
        "city_retail_2023_yuan": truth["calibration"]["city_retail_yuan"]["2023"],
    }
