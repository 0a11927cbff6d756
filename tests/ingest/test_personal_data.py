"""Payer, card and device identifiers never reach disk in clear; pseudonyms are keyed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cockpit.config import get_settings, reset_settings
from cockpit.ingest import ingest_paths, open_catalog, pseudonym, quarantine_rows
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


# --- no clear identifier, whatever the row's shape (property-based) -------------------------

BASE = [
    "unionpay", "T0", "2025-03-01 08:00:00", "12.50", "M000001", "线下", "银行卡",
    "ps:" + "0" * 32, "", "", "本地居民", "60+", "", "否",
]  # fmt: skip
PERSONAL = (7, 8, 9)  # 付款人证件号, 卡号, 设备号


def _identifiers() -> Any:
    from hypothesis import strategies as st

    digits = st.text("0123456789", min_size=1, max_size=1)
    id_number = st.builds(
        lambda region, year, md, seq, check: f"{region}{year}{md}{seq}{check}",
        st.integers(110000, 659999),
        st.integers(1930, 2010),
        st.sampled_from(["0101", "0229", "1231", "0615"]),
        st.integers(100, 999),
        st.sampled_from([*"0123456789", "X", "x"]),
    )
    phone = st.builds(
        lambda p, n: f"1{p}{n:09d}", st.sampled_from("3456789"), st.integers(0, 10**9 - 1)
    )
    card = st.builds(lambda n, k: f"62{n:0{k}d}", st.integers(0, 10**14), st.integers(14, 17))
    device = st.builds(lambda n: f"a1{n:014x}", st.integers(0, 16**14 - 1))
    old_id = st.builds(lambda n: f"{n:015d}", st.integers(10**14, 10**15 - 1))
    del digits
    return st.one_of(id_number, phone, card, device, old_id)


def _rows() -> Any:
    from hypothesis import strategies as st

    @st.composite
    def row(draw: Any, number: int) -> tuple[str, list[str]]:
        cells = list(BASE)
        cells[1] = f"T{number}"
        identifier = draw(_identifiers())
        shape = draw(
            st.sampled_from(["accepted", "rejected", "few", "many", "unterminated", "embedded"])
        )
        if shape == "accepted":
            cells[draw(st.sampled_from(PERSONAL))] = identifier
            return identifier, cells
        position = draw(st.integers(0, len(cells) - 1))
        cells[2] = "昨天"  # a row that is rejected whatever else it holds
        if shape == "embedded":
            cells[position] = f"备注{identifier}号"
        else:
            cells[position] = identifier
        if shape == "few":
            cells = cells[: draw(st.integers(1, len(cells) - 1))]
        elif shape == "many":
            cells += [identifier] * draw(st.integers(1, 3))
        elif shape == "unterminated":
            cells[position] = '"' + cells[position]
        return identifier, cells

    return st.integers(1, 6).flatmap(lambda n: st.tuples(*(row(i) for i in range(1, n + 1))))


@pytest.mark.slow
def test_no_identifier_reaches_any_byte_under_cockpit_home_whatever_the_rows_shape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tempfile

    from hypothesis import HealthCheck, given, settings

    from cockpit.ingest.pipeline import ingest_files
    from tests.ingest.identifiers import clear_identifiers_under

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_rows())
    def check(rows: tuple[tuple[str, list[str]], ...]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            home = Path(folder) / "home"
            feed = Path(folder) / "feeds" / "交易流水_property.csv"
            feed.parent.mkdir()
            lines = [TXN_HEADER_ZH, *(",".join(cells) for _, cells in rows)]
            feed.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
            (outcome,) = ingest_files([feed], home=home)
            assert outcome.outcome == "ingested", outcome.reason
            assert outcome.report is not None and outcome.report.balanced
            open_catalog(home=home).close()
            clear = [identifier for identifier, _ in rows]
            assert clear_identifiers_under(home, clear) == []
            # Nor in what the report says (notes, messages).
            assert not any(c in str(outcome.to_dict()) for c in clear)

    check()


def test_empty_personal_cells_stay_empty_in_quarantined_rows(
    cockpit_home: Path, feeds: Path
) -> None:
    path = write_text(
        feeds / "交易流水_empty.csv",
        [TXN_HEADER_ZH, zh_row("E1", "昨天", card="", device=""), "unionpay,E2,,,,,,,,"],
    )
    ingest_paths([path])
    raws = [json.loads(r) for r in quarantine_rows()["raw"]]
    assert raws[0]["卡号"] is None and raws[0]["设备号"] is None
    assert raws[1]["卡号"] == "" and raws[1]["设备号"] == ""
    assert not any(
        str(v).startswith("ps:") for raw in raws for k, v in raw.items() if k != "付款人证件号"
    )


def test_an_identifier_beside_a_control_character_leaves_the_raw_row_valid_json(
    cockpit_home: Path, feeds: Path
) -> None:
    path = write_text(
        feeds / "交易流水_control.csv",
        [TXN_HEADER_ZH, zh_row("C1", "昨天").replace(",60+,", ",\f" + DEVICE + ",")],
    )
    ingest_paths([path])
    (raw,) = quarantine_rows()["raw"]
    assert DEVICE not in raw
    assert json.loads(raw)["年龄段"].startswith("\fps:")
