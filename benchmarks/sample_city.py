"""Benchmark: how fast the sample city is generated, against a naive per-row Python generator.

    python benchmarks/sample_city.py                      # medium: ~10M payments
    python benchmarks/sample_city.py --scale small --baseline-rows 50000
    python benchmarks/sample_city.py --scale large --months 3 --baseline-rows 1000   # memory

Prints a markdown table row for docs/benchmarks.md ("## Sample city"): payments per second
(wall clock and per CPU-second, both threads counted), peak resident memory, and the same
figures for a baseline that writes one CSV line per payment from a Python loop — the obvious
way to write such a generator — run in the same process for a ratio.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHANNELS = ("线下", "网络零售", "即时零售", "直播电商")
PAYMENTS = ("银行卡", "移动支付", "数字人民币", "境外银行卡", "现金")


def naive_rows_per_second(rows: int, out: Path, seed: int = 7) -> float:
    """One payment at a time: draw its fields with ``random`` and write a GB18030 CSV line."""
    rnd = random.Random(seed)
    start = dt.datetime(2023, 1, 1)
    began = time.perf_counter()
    with out.open("w", encoding="gb18030", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["交易流水号", "交易时间", "交易金额(元)", "商户编号", "渠道", "支付方式",
                         "付款人证件号", "退款标志"])  # fmt: skip
        for i in range(rows):
            when = start + dt.timedelta(seconds=rnd.randrange(1400 * 86400))
            fen = int(rnd.lognormvariate(4.5, 0.9) * 100)
            writer.writerow([
                f"UP{i:012d}", when.strftime("%Y-%m-%d %H:%M:%S"), f"{fen // 100}.{fen % 100:02d}",
                f"M{rnd.randrange(1, 50001):06d}", rnd.choice(CHANNELS), rnd.choice(PAYMENTS),
                f"5001{rnd.randrange(10**13, 10**14)}", "否",
            ])  # fmt: skip
    return rows / (time.perf_counter() - began)


def only_first_months(months: int) -> None:
    """Stop generation after ``months`` months: a peak-memory check of a big scale without
    writing all of it (memory per month is bounded, so the peak is reached in the first)."""
    from cockpit.sample.transactions import TransactionGenerator

    every_month = TransactionGenerator.months

    def first_months(self: TransactionGenerator) -> Iterator[Any]:
        for i, item in enumerate(every_month(self)):
            if i >= months:
                return
            yield item

    TransactionGenerator.months = first_months  # type: ignore[method-assign]


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium", choices=["tiny", "small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline-rows", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=None, help="Keep the city here.")
    parser.add_argument("--months", type=int, default=None, help="Only the first N months.")
    args = parser.parse_args()
    if args.months:
        only_first_months(args.months)

    from cockpit.sample import generate_city

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "city"
        cpu0, wall0 = time.process_time(), time.perf_counter()
        summary = generate_city(out, scale=args.scale, seed=args.seed)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        peak = peak_rss_mb()
        size_mb = sum(p.stat().st_size for p in out.iterdir()) / 2**20
        cpu_b0 = time.process_time()
        rows_b = max(1, args.baseline_rows)
        baseline = naive_rows_per_second(rows_b, Path(tmp) / "naive.csv", args.seed)
        baseline_cpu = rows_b / (time.process_time() - cpu_b0)
    rows = summary["transactions"]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, load {load:.1f} at start"
    command = " ".join(["python", "benchmarks/sample_city.py", *sys.argv[1:]])
    print(
        "| date | machine | command | payments | wall s | payments/s | CPU s | payments/CPU-s "
        "| peak RSS MB | output MB | naive rows/s (CPU) | ratio wall (CPU) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {dt.date.today()} | {machine} | `{command}` | {rows:,} | {wall:.1f} "
        f"| {rows / wall:,.0f} | {cpu:.1f} | {rows / cpu:,.0f} | {peak:,.0f} | {size_mb:,.0f} "
        f"| {baseline:,.0f} ({baseline_cpu:,.0f}) "
        f"| {rows / wall / baseline:.1f}× ({rows / cpu / baseline_cpu:.1f}×) |"
    )


if __name__ == "__main__":
    main()
