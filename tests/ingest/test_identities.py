"""Payers are people: their ID numbers are put in one spelling (``cockpit.identity``) before
they become pseudonyms, so the lake's payer is the programmes room's holder however a feed
spells the number, and a resident ID number that fails its check is quarantined."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit import identity
from cockpit.ingest import ingest_paths, open_catalog, quarantine_rows
from cockpit.programmes.tx import pseudonymise
from tests.ingest.conftest import TXN_HEADER_ZH, write_text, zh_row

WITH_X = "51010419810303018X"  # a valid number whose check character is X
SPELLINGS = [
    WITH_X,
    WITH_X.lower(),  # 18x
    "510104-19810303-018x",
    "510104 19810303 018X",
    "５１０１０４１９８１０３０３０１８Ｘ",  # full width
    "510104\u200b19810303018X",  # a zero-width space
]


def test_spellings_of_one_id_are_one_payer_and_the_programmes_holder(
    cockpit_home: Path, feeds: Path
) -> None:
    rows = [zh_row(f"T{n}", payer=f'"{s}"') for n, s in enumerate(SPELLINGS)]
    (report,) = ingest_paths([write_text(feeds / "交易流水_银联_2025.csv", [TXN_HEADER_ZH, *rows])])
    assert (report.accepted, report.quarantined) == (len(SPELLINGS), 0)
    payers = {p for (p,) in open_catalog().execute("SELECT payer_id FROM transactions").fetchall()}
    holder = pseudonymise(WITH_X.lower(), "resident_id", field="holder")
    assert payers == {holder}


def test_an_id_number_failing_its_check_is_quarantined_with_its_reason(
    cockpit_home: Path, feeds: Path
) -> None:
    wrong_check = WITH_X[:-1] + "7"
    no_birth_date = "510104198102300187"  # 30 February
    path = write_text(
        feeds / "交易流水_银联_2025.csv",
        [
            TXN_HEADER_ZH,
            zh_row("T1"),
            zh_row("T2", payer=wrong_check),
            zh_row("T3", payer=no_birth_date),
            zh_row("T4", payer="13800138000"),  # a mobile number: not an ID number
        ],
    )
    (report,) = ingest_paths([path])
    assert (report.accepted, report.quarantined) == (2, 2)
    got = quarantine_rows(ingest_id=report.ingest_id)
    assert list(zip(got["line"], got["reason"], got["field"], strict=True)) == [
        (3, "invalid_identifier", "付款人证件号"),
        (4, "invalid_identifier", "付款人证件号"),
    ]
    kept = " ".join(str(r) for r in got.rows())
    assert wrong_check not in kept and no_birth_date not in kept


@settings(max_examples=300, deadline=None)
@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
    region=st.integers(110000, 659999),
    serial=st.integers(0, 999),
    check=st.sampled_from("0123456789X"),
    garbage=st.text(alphabet="0123456789", min_size=8, max_size=8),
)
def test_the_vectorised_check_agrees_with_the_one_in_identity(
    born: date, region: int, serial: int, check: str, garbage: str
) -> None:
    values = [
        f"{region}{born:%Y%m%d}{serial:03d}{check}",
        f"{region}{garbage}{serial:03d}{check}",
    ]
    column = identity.normalise_many(pl.Series(values))
    invalid = identity.invalid_resident_ids(column).to_list()
    for value, bad in zip(values, invalid, strict=True):
        try:
            identity.canonical(value, "resident_id")
            refused = False
        except identity.Refused:
            refused = True
        assert bad == refused, value


def test_normalise_many_is_normalise_and_leaves_pseudonyms_and_nulls() -> None:
    values = [*SPELLINGS, None, "ps:" + "a" * 32, "13800138000", "e12-ab"]
    got = identity.normalise_many(pl.Series(values)).to_list()
    assert got[: len(SPELLINGS)] == [WITH_X] * len(SPELLINGS)
    assert got[len(SPELLINGS) :] == [None, "ps:" + "a" * 32, "13800138000", "E12AB"]
