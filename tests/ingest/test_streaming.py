"""Streaming at scale, in miniature: small blocks, small row groups, rows of many months
in random order, repeats far apart; what lands in the lake is exactly what should.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Generator
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pytest

from cockpit.config import get_settings
from cockpit.ingest import (
    FileError,
    ingest_paths,
    open_catalog,
    pseudonym,
    quarantine_rows,
    readers,
    stage,
)
from tests.ingest.conftest import TXN_HEADER_EN, write_text

MONTHS = [f"2025-{m:02d}" for m in range(1, 9)]


def _payer(txn: str) -> str:
    return f"1380{int(txn[1:]) % 700:07d}"  # mobile numbers


def _row(txn: str, month: str, amount: str, *, channel: str = "online") -> str:
    return (
        f"wallet,{txn},{month}-15 10:00:00,{amount},M000001,{channel},ecny,"
        f"{_payer(txn)},,,resident,60+,,N"
    )


def test_rows_of_many_months_in_small_blocks_land_once_each_in_their_month(
    cockpit_home: Path, feeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks of a few dozen rows, row groups of 50, at most 120 rows waiting: every path
    # of the month writers (full row group, flush of all, flush at close) runs.
    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", 4096)
    monkeypatch.setattr(stage, "PARQUET_ROW_GROUP", 50)
    monkeypatch.setattr(stage, "PENDING_ROWS", 120)
    # New payers of a block are hashed in DuckDB (not hashlib, as for a handful).
    monkeypatch.setattr(importlib.import_module("cockpit.ingest.pseudonym"), "FEW", 5)
    rng = random.Random(11)
    expected: dict[str, tuple[str, int]] = {}
    lines = [TXN_HEADER_EN]
    for i in range(1200):
        month = rng.choice(MONTHS)
        amount = f"{rng.randint(1, 99999)}.{rng.randint(0, 99):02d}"
        lines.append(_row(f"W{i}", month, amount))
        expected[f"W{i}"] = (month, int(amount.replace(".", "")))
    # Repeats far from their first line: the same row again (a duplicate), and one with
    # another amount (a conflict, quarantined with its line).
    lines.append(_row("W7", expected["W7"][0], f"{expected['W7'][1] / 100:.2f}"))
    lines.append(_row("W900", expected["W900"][0], "1.00"))
    lines.append(_row("W1500", "2025-02", "3.00", channel=" ONLINE "))  # cleaned in one block
    expected["W1500"] = ("2025-02", 300)
    path = write_text(feeds / "transactions_wallet.csv", lines)

    (report,) = ingest_paths([path])

    assert report.rows_read == 1203
    assert (report.accepted, report.duplicates, report.quarantined) == (1201, 1, 1)
    with open_catalog() as con:
        rows = con.execute(
            "SELECT txn_id, month, amount_fen, channel, payer_id FROM transactions"
        ).fetchall()
    assert {t: (m, a) for t, m, a, *_ in rows} == expected
    assert len(rows) == len(expected)
    assert {c for *_, c, _ in rows} == {"online"}
    key = get_settings().pseudonym_key.get_secret_value().encode()
    assert all(p == pseudonym(key, _payer(t)) for t, *_, p in rows)
    quarantined = quarantine_rows().to_dicts()
    assert [(q["line"], q["reason"]) for q in quarantined] == [(1203, "conflicting_duplicate")]
    assert report.months == sorted({m for m, _ in expected.values()})


@pytest.mark.parametrize(
    ("values", "plain"),
    [
        (["offline", "", "W1", "a b"], True),
        ([" offline", "x"], False),
        (["x", "offline\t"], False),
        (["线下"], False),
        (["１２.００"], False),
        (["a", "\u3000"], False),
    ],
)
def test_only_ascii_columns_with_nothing_to_trim_skip_cleaning(
    values: list[str], plain: bool
) -> None:
    column = pa.array(["pad", *values]).slice(1)  # an offset, as Arrow's blocks have
    assert readers._plain_text(column) is plain


def _numbered(count: int, produced: list[int], error: Exception | None = None) -> Any:
    for i in range(count):
        produced.append(i)
        yield readers.Block(pl.DataFrame({"i": [i]}))
    if error is not None:
        raise error


def test_reading_ahead_hands_on_every_block_in_order_then_the_readers_error() -> None:
    produced: list[int] = []
    got = []
    with pytest.raises(FileError, match="broken after five blocks"):
        for block in stage.read_ahead(
            _numbered(5, produced, FileError("broken after five blocks"))
        ):
            got.append(block.frame["i"][0])
    assert got == [0, 1, 2, 3, 4]


def test_a_consumer_that_stops_early_stops_the_reader_too() -> None:
    produced: list[int] = []
    ahead = stage.read_ahead(_numbered(10_000, produced))
    assert isinstance(ahead, Generator)  # so it has close()
    assert next(ahead).frame["i"][0] == 0
    ahead.close()  # returns at once: the reader thread has stopped
    assert len(produced) < 5
