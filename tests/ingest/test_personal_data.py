"""Payer, card and device identifiers never reach disk in clear; pseudonyms are keyed."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.config import get_settings, reset_settings
from cockpit.ingest import ingest_paths, open_catalog, pseudonym
from tests.ingest.conftest import CARD, DEVICE, PAYER_ID, PHONE, TXN_HEADER_ZH, write_text, zh_row

CLEAR = [PAYER_ID, PHONE, CARD, DEVICE]


def _feed(feeds: Path) -> Path:
    return write_text(
        feeds / "交易流水_银联_2025.csv",
        [
            TXN_HEADER_ZH,
            zh_row("T1"),
            zh_row("T2", payer=PHONE),
            zh_row("T3", "昨天"),  # quarantined, raw row kept
            zh_row("T1", amount="99.00"),  # conflicting duplicate, raw row kept
            "unionpay,T4," + PAYER_ID + "," + CARD,  # malformed, raw row kept
        ],
        encoding="gb18030",
    )


def _every_file_bytes(home: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in home.rglob("*") if p.is_file()]


def test_no_clear_identifier_is_in_any_file_under_cockpit_home(
    cockpit_home: Path, feeds: Path
) -> None:
    (report,) = ingest_paths([_feed(feeds)])
    assert report.quarantined == 3
    open_catalog().close()
    files = _every_file_bytes(cockpit_home)
    assert any(p.suffix == ".parquet" for p, _ in files)
    for path, data in files:
        for clear in CLEAR:
            for encoding in ("utf-8", "utf-16-le"):
                assert clear.encode(encoding) not in data, f"{clear} in clear in {path}"


def test_pseudonyms_are_the_keyed_hmac_of_the_settings_key(cockpit_home: Path, feeds: Path) -> None:
    ingest_paths([_feed(feeds)])
    key = get_settings().pseudonym_key.get_secret_value().encode()
    row = (
        open_catalog()
        .execute("SELECT payer_id, card_id, device_id FROM transactions WHERE txn_id = 'T1'")
        .fetchone()
    )
    assert row == (pseudonym(key, PAYER_ID), pseudonym(key, CARD), pseudonym(key, DEVICE))
    for path, data in _every_file_bytes(cockpit_home):
        assert key not in data, f"the pseudonym key is in {path}"


def test_another_key_gives_other_pseudonyms(
    cockpit_home: Path, feeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COCKPIT_PSEUDONYM_KEY", "another-key-for-this-test")
    reset_settings()
    ingest_paths([_feed(feeds)])
    payer = (
        open_catalog()
        .execute("SELECT payer_id FROM transactions WHERE txn_id = 'T1'")
        .fetchone()[0]
    )
    assert payer == pseudonym(b"another-key-for-this-test", PAYER_ID)
    assert payer != pseudonym(b"dev-only-pseudonym-key-change-me", PAYER_ID)


@pytest.mark.parametrize("few", [0, 10_000], ids=["duckdb", "hashlib"])
def test_the_pseudonym_cache_gives_each_identifier_one_pseudonym_across_batches(
    monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    import importlib

    import polars as pl

    module = importlib.import_module("cockpit.ingest.pseudonym")
    monkeypatch.setattr(module, "FEW", few)  # hash misses in DuckDB, or with hashlib
    key = b"k"
    ids = [f"5001031990{i:08d}" for i in range(400)]
    # 64 slots for 400 identifiers: most look-ups miss or find another identifier's slot.
    for slots in (64, 1 << 12):
        pseudonymiser = module.Pseudonymiser(key, slots=slots)
        try:
            for start in range(0, 400, 40):
                batch = pl.Series([*ids[start : start + 80], None, pseudonym(key, "x"), "ps:1"])
                (out,) = pseudonymiser.apply_many([batch])
                expected = [pseudonym(key, v) for v in ids[start : start + 80]]
                assert out.to_list() == [
                    *expected,
                    None,
                    pseudonym(key, "x"),
                    pseudonym(key, "ps:1"),
                ]
            # The same identifiers again, in another order and repeated within the batch.
            again = pl.Series([*reversed(ids), *ids[:50]])
            (out,) = pseudonymiser.apply_many([again])
            assert out.to_list() == [pseudonym(key, v) for v in again.to_list()]
        finally:
            pseudonymiser.close()
