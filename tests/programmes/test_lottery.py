"""Lottery rounds: commit before registration closes, draw with the seed, anyone can verify."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from cockpit.programmes import ledger, lottery, vouchers
from cockpit.programmes.rules import VoucherProgramme, parse_programme
from cockpit.programmes.tx import LimitReached, NotAllowed
from tests.programmes.helpers import person

OPENS = datetime.now().astimezone() + timedelta(days=1)


def _lottery_programme(code: str, packs: int) -> VoucherProgramme:
    p = parse_programme(f"""
programme:
  kind: consumption_voucher
  code: {code}
  name_zh: 摇号券
  name_en: Lottery vouchers
  budget_yuan: {packs * 200}
  pack: [{{face_yuan: 200, threshold_yuan: 2000, count: 1}}]
  rounds:
    - {{opens_at: '{OPENS.isoformat()}', closes_at: '{(OPENS + timedelta(days=2)).isoformat()}',
        budget_share: 1}}
  validity_days: 14
  allocation: {{mode: lottery, registration_closes_before_open_minutes: 60}}
""")
    assert isinstance(p, VoucherProgramme)
    return p


@pytest.fixture
def drawn(sqlite_engine: Engine) -> tuple[Engine, int, str]:
    vouchers.install_programme(programme=_lottery_programme("draw-prog", 5), engine=sqlite_engine)
    rid = vouchers.open_round(programme_code="draw-prog", no=1, engine=sqlite_engine, parts=2)
    seed, digest = lottery.new_seed()
    lottery.commit_seed(round_id=rid, seed_sha256=digest, engine=sqlite_engine)
    for n in range(12):
        lottery.register(round_id=rid, who=person(n), engine=sqlite_engine)
    after_close = OPENS - timedelta(minutes=30)
    won = lottery.draw(round_id=rid, seed=seed, engine=sqlite_engine, now=after_close)
    assert len(won) == 5
    return sqlite_engine, rid, seed


def test_one_registration_per_person_whatever_the_account(sqlite_engine: Engine) -> None:
    vouchers.install_programme(programme=_lottery_programme("reg-prog", 5), engine=sqlite_engine)
    rid = vouchers.open_round(programme_code="reg-prog", no=1, engine=sqlite_engine)
    lottery.register(round_id=rid, who=person(1), engine=sqlite_engine)
    with pytest.raises(LimitReached):
        lottery.register(round_id=rid, who=person(2, device="dev-1"), engine=sqlite_engine)
    with pytest.raises(NotAllowed, match="lottery"):
        vouchers.claim(
            round_id=rid,
            idem_key="k-claim",
            who=person(3),
            engine=sqlite_engine,
            now=OPENS + timedelta(hours=1),
        )


def test_draw_needs_the_committed_seed_and_registration_closed(sqlite_engine: Engine) -> None:
    vouchers.install_programme(programme=_lottery_programme("seed-prog", 2), engine=sqlite_engine)
    rid = vouchers.open_round(programme_code="seed-prog", no=1, engine=sqlite_engine)
    seed, digest = lottery.new_seed()
    lottery.commit_seed(round_id=rid, seed_sha256=digest, engine=sqlite_engine)
    with pytest.raises(NotAllowed, match="still open"):
        lottery.draw(round_id=rid, seed=seed, engine=sqlite_engine)
    late = OPENS - timedelta(minutes=10)
    with pytest.raises(NotAllowed, match="does not match"):
        lottery.draw(round_id=rid, seed="guess", engine=sqlite_engine, now=late)
    with pytest.raises(NotAllowed, match="too late"):
        lottery.commit_seed(round_id=rid, seed_sha256=digest, engine=sqlite_engine, now=late)


def test_winners_get_packs_and_the_published_record_verifies(
    drawn: tuple[Engine, int, str],
) -> None:
    engine, rid, _seed = drawn
    record = lottery.draw_record(round_id=rid, engine=engine)
    assert lottery.verify_draw(record)["ok"]
    with engine.connect() as conn:
        holders = set(
            conn.execute(
                text("SELECT person FROM prog_claims WHERE round_id = :r"), {"r": rid}
            ).scalars()
        )
    assert holders == set(record["winners"])
    assert ledger.verify(engine).ok
    forged = {**record, "winners": [*record["winners"][:-1], record["registrants"][0]]}
    if set(forged["winners"]) != set(record["winners"]):
        assert not lottery.verify_draw(forged)["ok"]


def test_cli_verify_draw_from_the_database_and_from_a_file(
    drawn: tuple[Engine, int, str], cockpit_home: Path, tmp_path: Path
) -> None:
    from cockpit.cli import app

    _engine, rid, _seed = drawn
    ok = CliRunner().invoke(app, ["programmes", "verify-draw", "--round", str(rid), "--json"])
    assert ok.exit_code == 0 and json.loads(ok.output)["data"]["ok"]
    record = lottery.draw_record(round_id=rid)
    record["seed"] = "0" * 64
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(record), "utf-8")
    bad = CliRunner().invoke(app, ["programmes", "verify-draw", "--file", str(path)])
    assert bad.exit_code == 1 and "NOT verified" in bad.output
