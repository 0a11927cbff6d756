"""Deliberately bad rows in the CSV feeds, so ingestion's quarantine can be tested.

Each entry of ``SCHEDULE`` spoils one payment of a source in a month; where the spoiled rows
land (file and line) is recorded by the feed writers and listed in ground_truth.json.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cockpit.sample.feeds import (
    BAD_DATE,
    CLEAN,
    CONFLICT,
    FULL_WIDTH_AMOUNT,
    NEGATIVE,
    REPEAT,
)
from cockpit.sample.params import SOURCES
from cockpit.sample.transactions import Batch


@dataclass(frozen=True)
class Spoil:
    source: str
    month: str  # YYYY-MM
    flag: int


SCHEDULE = (
    Spoil("unionpay", "2023-05", FULL_WIDTH_AMOUNT),
    Spoil("unionpay", "2023-08", BAD_DATE),
    Spoil("unionpay", "2024-03", NEGATIVE),
    Spoil("unionpay", "2024-11", CONFLICT),
    Spoil("unionpay", "2025-05", REPEAT),
    Spoil("unionpay", "2025-07", NEGATIVE),
    Spoil("unionpay", "2025-12", FULL_WIDTH_AMOUNT),
    Spoil("unionpay", "2026-02", BAD_DATE),
    Spoil("unionpay", "2026-06", CONFLICT),
    Spoil("wallet_b", "2023-11", NEGATIVE),
    Spoil("wallet_b", "2024-06", BAD_DATE),
    Spoil("wallet_b", "2025-03", CONFLICT),
    Spoil("wallet_b", "2026-04", REPEAT),
)


def spoil(batch: Batch, month: str, pending: list[Spoil], rng: np.random.Generator) -> Batch:
    """Apply the pending spoils of ``month`` that this batch has a candidate row for."""
    for item in [p for p in pending if p.month == month]:
        candidates = np.flatnonzero(
            (batch.source == SOURCES.index(item.source))
            & (batch.flag == CLEAN)
            & ~batch.refund
            & (batch.voucher < 0)
        )
        if not len(candidates):
            continue
        i = int(candidates[rng.integers(len(candidates))])
        pending.remove(item)
        if item.flag in (CONFLICT, REPEAT):
            copy = batch.take(np.array([i]))
            copy.flag[:] = item.flag
            if item.flag == CONFLICT:
                copy.amount = copy.amount * 2 + 100  # same id, different amount
            batch = batch.insert(i + 1, copy)
        else:
            batch.flag[i] = item.flag
            if item.flag == NEGATIVE:
                batch.amount[i] = -abs(int(batch.amount[i]))
    return batch


def counted(batch: Batch) -> np.ndarray:
    """Rows that reach the lake: clean ones and full-width amounts (which parse after NFKC)."""
    return np.isin(batch.flag, [CLEAN, FULL_WIDTH_AMOUNT])
