"""The sample city's campaign is a programme on the ledger, and its effect is that programme's."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from cockpit.lake import scan


def _lake_vouchers(lake: Path) -> dict[str, str]:
    """Voucher id -> merchant of every transaction in the lake that carries one."""
    import duckdb

    con = duckdb.connect()
    try:
        rows = con.execute(
            f"SELECT voucher_id, merchant_id FROM {scan(lake, 'transactions')} "
            "WHERE voucher_id IS NOT NULL"
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


@pytest.mark.slow
@pytest.mark.timeout(300)  # the sample city first: minutes on two shared cores
def test_campaign_multiplier_divides_by_the_campaigns_own_ledger_subsidy(
    sample_city: Path, cockpit_home: Path
) -> None:
    from cockpit.db import upgrade
    from cockpit.ingest import ingest_paths
    from cockpit.programmes import audit
    from cockpit.programmes.campaign import campaign_event, evaluate, put_on_ledger
    from cockpit.programmes.export import export_events
    from cockpit.programmes.spending import redemptions_of

    upgrade()
    ingest_paths([sample_city])
    lake = cockpit_home / "lake"
    event = campaign_event(sample_city)
    assert event is not None and event["programme_code"] == "yuzhong-campaign-2026"
    got = put_on_ledger(sample_city, lake, event)
    assert got["refused"] == 0 and got["vouchers"] > 50
    assert put_on_ledger(sample_city, lake, event) == got  # a rerun replays, adds nothing
    export_events(lake=lake)
    from cockpit.db import get_engine

    assert audit.verify(get_engine()).ok

    # every voucher id the feeds carry is one of the campaign's redemptions on the ledger,
    # spent at the merchant whose transaction carries it
    ledger = {r["voucher_id"]: r for r in redemptions_of(event["programme_code"])}
    on_feed = _lake_vouchers(lake)
    assert on_feed and set(on_feed) <= set(ledger)
    assert all(ledger[v]["merchant_id"] == m for v, m in on_feed.items())
    with (sample_city / event["vouchers_file"]).open(encoding="utf-8") as fh:
        issued = {row["voucher_id"] for row in csv.DictReader(fh)}
    assert set(ledger) == issued

    result = evaluate(lake, event)
    subsidy = sum(ledger[v]["voucher_fen"] for v in on_feed)
    assert result["subsidy_fen"] == result["gross"]["subsidy_fen"] == subsidy > 0
    assert result["multiplier_note"].startswith(f"{len(on_feed)} of the programme's")
    lo, hi = result["effect"]["uplift_ci"]
    assert lo <= event["uplift"] <= hi
    m_lo, m_hi = result["causal_multiplier_ci"]
    assert m_lo < result["causal_multiplier"] < m_hi
    assert result["causal_multiplier"] == pytest.approx(
        result["incremental_sales_fen"] / subsidy, rel=1e-4
    )
    # gross leverage is the vouchers' transactions' sales per yuan, apart from the multiplier
    assert result["gross"]["leverage"] == pytest.approx(
        result["gross"]["voucher_sales_fen"] / subsidy
    )
    assert result["gross"]["leverage"] != pytest.approx(result["causal_multiplier"])
    # what the demo and `cockpit programmes effect CODE` print: three labelled lines
    from cockpit.programmes.campaign import effect_lines

    uplift, mult, gross = effect_lines(result)
    assert uplift.startswith("uplift ") and "95% CI" in uplift
    assert mult.startswith("causal multiplier") and "95% CI" in mult and "subsidy" in mult
    assert gross.startswith("gross leverage") and "anyway" in gross


def test_a_pack_issued_elsewhere_keeps_its_ids_on_the_ledger(engine: Engine, code: str) -> None:
    from cockpit.programmes import audit, vouchers
    from cockpit.programmes.tx import NotAllowed
    from tests.programmes.helpers import person, voucher_programme

    vouchers.install_programme(programme=voucher_programme(code, packs=3), engine=engine)
    rid = vouchers.open_round(programme_code=code, no=1, engine=engine)
    ids = [f"{code}-V{i}" for i in range(5)]
    with pytest.raises(NotAllowed, match="5 vouchers, not 2"):
        vouchers.claim(
            round_id=rid, idem_key=f"{code}-x", who=person(1), engine=engine, voucher_ids=ids[:2]
        )
    got = vouchers.claim(
        round_id=rid, idem_key=f"{code}-k", who=person(1), engine=engine, voucher_ids=ids
    )
    assert [v["voucher_id"] for v in got.vouchers] == ids
    again = vouchers.claim(
        round_id=rid, idem_key=f"{code}-k", who=person(1), engine=engine, voucher_ids=ids
    )
    assert again.claim_id == got.claim_id  # a retry replays
    assert audit.verify(engine).ok


@given(st.lists(st.integers(0, 200_000), min_size=3, max_size=3))
@settings(max_examples=60, deadline=None)
def test_each_campaign_round_funds_its_months_vouchers(per_month: list[int]) -> None:
    import datetime as dt

    from cockpit.programmes.rules import VoucherProgramme, parse_programme
    from cockpit.sample.campaign import programme_yaml
    from cockpit.sample.events import VOUCHER_FACE_FEN

    paid = [dt.date(2026, 3 + i, 5) for i, n in enumerate(per_month) for _ in range(n)]
    programme = parse_programme(programme_yaml(paid))
    assert isinstance(programme, VoucherProgramme)
    for i, n in enumerate(per_month):
        assert programme.round_budget_fen(i) // VOUCHER_FACE_FEN >= n
