"""The tamper suite: an insider with database access (but not the ledger key) edits, deletes,
reorders, inserts with recomputed hashes, rewrites heads, deletes a programme, wipes the
ledger, edits a bill, an application, a refusal, an appeal or a claim, removes the step an
application was submitted by. Every case is found, naming the entry or record, by
``cockpit ledger verify --checkpoint FILE``, on SQLite and on PostgreSQL (each case on a
fresh copy of one database: a file copy, or ``CREATE DATABASE … TEMPLATE``).
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from typer.testing import CliRunner

from cockpit.db import get_engine, make_engine, upgrade
from cockpit.programmes import (
    appeals,
    audit,
    checkpoint,
    ledger,
    spending,
    subsidies,
    vouchers,
)
from cockpit.programmes.rules import shipped
from cockpit.programmes.tx import request_hash
from tests.pg import postgres_server
from tests.programmes.helpers import car_facts, person, voucher_programme

CODE = "tamper-vouchers"
CAR = "chongqing-car-2023"
FIRM = "91350100M000100Y43"
FACTS = car_facts(159800, "INV-1")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """A database with claims, a redemption, a refund, approvals and a payout, an
    application refused by a rule and appealed, one awaiting review, and a checkpoint of it
    kept outside its home: (database URL, checkpoint file)."""
    mp = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("home")
    mp.setenv("COCKPIT_HOME", str(home))
    from cockpit.config import reset_settings

    stack = ExitStack()
    if request.param == "postgres":
        url = stack.enter_context(postgres_server())
        mp.setenv("COCKPIT_DB_URL", url)
    else:
        url = f"sqlite:///{home / 'cockpit.sqlite'}"
        mp.delenv("COCKPIT_DB_URL", raising=False)
    reset_settings()
    get_engine.cache_clear()
    try:
        upgrade()
        engine = get_engine()
        vouchers.install_programme(programme=voucher_programme(CODE, packs=5))
        vouchers.install_programme(programme=shipped(CAR))
        spending.enrol_merchants(
            programme_code=CODE,
            merchants=[{"merchant_id": "m1", "category_code": "RS01", "district_code": "500103"}],
        )
        rid = vouchers.open_round(programme_code=CODE, no=1, parts=1)
        packs = [vouchers.claim(round_id=rid, idem_key=f"k{n}", who=person(n)) for n in range(3)]
        for n, (pack, bill) in enumerate(((packs[0], 3000), (packs[1], 4000))):
            spending.redeem(
                idem_key=f"r{n}",
                voucher_id=pack.vouchers[0]["voucher_id"],
                merchant_id="m1",
                txn_id=f"t{n}",
                bill_fen=bill,
                payer=person(n).person,
            )
        spending.refund(idem_key="f1", merchant_id="m1", txn_id="t1", amount_fen=500)
        for n in range(2):
            app = subsidies.apply(
                programme_code=CAR,
                idem_key=f"a{n}",
                applicant=f"{FIRM}-{n}",
                facts=car_facts(159800, f"INV-{n}"),
            )
            for officer in ("Officer Li", "Officer Wang"):
                subsidies.review(
                    application_id=app["application_id"],
                    idem_key=f"v{n}-{officer}",
                    decision="approve",
                    reviewer=officer,
                )
        for officer in ("Cashier Zhao", "Cashier Qian"):
            subsidies.disburse(
                application_id=app["application_id"], idem_key=f"d1-{officer}", officer=officer
            )
        # A second car for the same buyer, refused by rule, and appealed.
        refused = subsidies.apply(
            programme_code=CAR,
            idem_key="a-second",
            applicant=f"{FIRM}-1",
            facts=car_facts(99800, "INV-9"),
        )
        assert refused["decision"]["refusal"]["rule"] == "one_per_person"
        appeals.lodge(
            subject_kind="refused_application",
            subject_id=refused["application_id"],
            appellant=f"{FIRM}-1",
            grounds="the first car was returned to the dealer",
        )
        # Last on the programme's chain: an application awaiting review.
        subsidies.apply(
            programme_code=CAR,
            idem_key="a-pending",
            applicant=f"{FIRM}-2",
            facts=car_facts(159800, "INV-7"),
        )
        assert audit.verify(engine).ok, audit.verify(engine).problems
        outside = tmp_path_factory.mktemp("checkpoints")
        point, _ = checkpoint.write(engine, outside)
        engine.dispose()
        yield url, point
    finally:
        mp.undo()
        reset_settings()
        get_engine.cache_clear()
        stack.close()


def _one(conn: Connection, sql: str, **params: object) -> object:
    return conn.execute(text(sql), params).scalar_one()


def _ids(conn: Connection, sql: str) -> list[object]:
    return list(conn.execute(text(sql)).scalars())


def _rehash_tail(conn: Connection, chain_id: str, *, key: bytes | None) -> None:
    """What a forger does after editing a chain: recompute every hash and the head, with
    ``key`` (a guess) or plain SHA-256 (``None``)."""
    rows = conn.execute(
        text("SELECT * FROM prog_ledger WHERE chain_id = :c ORDER BY seq"), {"c": chain_id}
    ).mappings()
    prev = ledger.GENESIS
    last_prev = prev
    seq = 0
    for r in rows:
        fields = ledger.hashed_fields(r)
        digest = (
            ledger.legacy_entry_hash(prev_hash=prev, **fields)
            if key is None
            else ledger.entry_hash(key=key, prev_hash=prev, **fields)
        )
        conn.execute(
            text("UPDATE prog_ledger SET prev_hash = :p, hash = :h WHERE id = :i"),
            {"p": prev, "h": digest, "i": r["id"]},
        )
        last_prev, prev, seq = prev, digest, r["seq"]
    conn.execute(
        text("UPDATE prog_chains SET seq = :s, head_hash = :h, prev_hash = :p WHERE chain_id = :c"),
        {"s": seq, "h": prev, "p": last_prev, "c": chain_id},
    )


def edit_amount(conn: Connection) -> str:
    eid = _one(conn, "SELECT id FROM prog_ledger WHERE op = 'redeem' ORDER BY id LIMIT 1")
    conn.execute(
        text("UPDATE prog_ledger SET amount_fen = amount_fen + 100 WHERE id = :i"), {"i": eid}
    )
    return f"entry {eid} "


def redirect_credit(conn: Connection) -> str:
    eid = _one(conn, "SELECT id FROM prog_ledger WHERE op = 'disburse'")
    conn.execute(text("UPDATE prog_ledger SET credit = 'paid:thief' WHERE id = :i"), {"i": eid})
    return f"entry {eid} "


def delete_middle(conn: Connection) -> str:
    conn.execute(text("DELETE FROM prog_ledger WHERE chain_id = 'r1.0' AND seq = 2"))
    return "entries 2..2 of chain r1.0 are missing"


def covered_deletion(conn: Connection) -> str:
    """The last redemption's entry removed and its chain's head moved back to match."""
    ref = _one(conn, "SELECT ref FROM prog_ledger WHERE op = 'redeem' ORDER BY id DESC LIMIT 1")
    conn.execute(text("DELETE FROM prog_ledger WHERE ref = :r"), {"r": ref})
    _rehash_tail(conn, "o1", key=None)
    return f"redemption {ref} "


def reorder(conn: Connection) -> str:
    conn.execute(text("UPDATE prog_ledger SET seq = -1 WHERE chain_id = 'r1.0' AND seq = 2"))
    conn.execute(text("UPDATE prog_ledger SET seq = 2 WHERE chain_id = 'r1.0' AND seq = 3"))
    conn.execute(text("UPDATE prog_ledger SET seq = 3 WHERE chain_id = 'r1.0' AND seq = -1"))
    eid = _one(conn, "SELECT id FROM prog_ledger WHERE chain_id = 'r1.0' AND seq = 2")
    return f"entry {eid} "


# The last entry of the car programme's chain, before a forger appends to it.
_LAST_ON_P2 = "chain_id = 'p2' AND seq = (SELECT MAX(seq) FROM prog_chains WHERE chain_id = 'p2')"


def insert_plain_hash(conn: Connection) -> str:
    """A payout inserted with the chain's hashes recomputed in plain SHA-256."""
    conn.execute(
        text(
            "INSERT INTO prog_ledger (chain_id, seq, at, value_at, op, debit, credit, amount_fen, "
            "programme_id, voucher_id, ref, prev_hash, hash) SELECT chain_id, seq + 1, at, "
            "value_at, 'disburse', 'firm:x', 'paid:x', 1000000, programme_id, NULL, 'a-forged', "
            f"'', '' FROM prog_ledger WHERE {_LAST_ON_P2}"
        )
    )
    _rehash_tail(conn, "p2", key=None)
    return "was changed or forged"


def forged_payout_guessed_key(conn: Connection) -> str:
    """An approval and payout of 10,000 yuan, record and entries, hashed under a guessed key."""
    conn.execute(
        text(
            "INSERT INTO prog_applications (id, programme_id, applicant, facts_json, "
            "decision_json, amount_fen, status, reviewer, reason, submitted_at, reviewed_at, "
            "disbursed_at) SELECT 'aforged', programme_id, 'firm-x', facts_json, decision_json, "
            "1000000, 'disbursed', reviewer, NULL, submitted_at, reviewed_at, disbursed_at "
            "FROM prog_applications WHERE status = 'disbursed'"
        )
    )
    for n, (op, debit, credit) in enumerate(
        (("approve", "budget:2", "firm:firm-x"), ("disburse", "firm:firm-x", "paid:firm-x")), 1
    ):
        conn.execute(
            text(
                "INSERT INTO prog_ledger (chain_id, seq, at, value_at, op, debit, credit, "
                "amount_fen, programme_id, voucher_id, ref, prev_hash, hash) SELECT chain_id, "
                "seq + :n, at, value_at, :op, :d, :c, 1000000, programme_id, NULL, 'aforged', '', "
                f"'' FROM prog_ledger WHERE {_LAST_ON_P2}"
            ),
            {"n": n, "op": op, "d": debit, "c": credit},
        )
    conn.execute(
        text("UPDATE prog_chains SET balance_fen = balance_fen - 1000000 WHERE chain_id = 'p2'")
    )
    _rehash_tail(conn, "p2", key=b"dev-only-pseudonym-key-change-me")
    return "was changed or forged"


def rewrite_head(conn: Connection) -> str:
    conn.execute(
        text("UPDATE prog_chains SET head_hash = :h WHERE chain_id = 'p1'"), {"h": "f" * 64}
    )
    return "chain p1 head says"


def rewrite_balance(conn: Connection) -> str:
    conn.execute(
        text("UPDATE prog_chains SET balance_fen = balance_fen + 100000 WHERE chain_id = 'p2'")
    )
    return "budget:2 holds"


def inflate_subsidy(conn: Connection) -> str:
    aid = _one(conn, "SELECT id FROM prog_applications WHERE status = 'disbursed'")
    conn.execute(
        text("UPDATE prog_applications SET amount_fen = amount_fen * 10 WHERE id = :i"), {"i": aid}
    )
    return f"application {aid} was edited"


def inflate_subsidy_and_entries(conn: Connection) -> str:
    aid = _one(conn, "SELECT id FROM prog_applications WHERE status = 'disbursed'")
    conn.execute(
        text("UPDATE prog_applications SET amount_fen = amount_fen * 10 WHERE id = :i"), {"i": aid}
    )
    conn.execute(
        text("UPDATE prog_ledger SET amount_fen = amount_fen * 10 WHERE ref = :i"), {"i": aid}
    )
    _rehash_tail(conn, "p2", key=None)
    return "was changed or forged"


def delete_programme(conn: Connection) -> str:
    pid = _one(conn, "SELECT id FROM prog_programmes WHERE code = :c", c=CAR)
    conn.execute(text("DELETE FROM prog_programmes WHERE id = :i"), {"i": pid})
    return f"programme {pid} was deleted"


def wipe_ledger(conn: Connection) -> str:
    conn.execute(text("DELETE FROM prog_ledger"))
    conn.execute(text("DELETE FROM prog_chains"))
    return "it is gone"


def wipe_everything(conn: Connection) -> str:
    """The ledger and every record beside it: only the checkpoint remembers."""
    for table in (
        "prog_ledger",
        "prog_chains",
        "prog_claims",
        "prog_vouchers",
        "prog_redemptions",
        "prog_refunds",
        "prog_applications",
        "prog_programmes",
        "prog_identity_slots",
    ):
        conn.execute(text(f"DELETE FROM {table}"))
    return "checkpoint of"


def edit_bill(conn: Connection) -> str:
    rid = _one(conn, "SELECT id FROM prog_redemptions ORDER BY id LIMIT 1")
    conn.execute(
        text(
            "UPDATE prog_redemptions SET bill_fen = bill_fen + 10000, "
            "own_fen = own_fen + 10000 WHERE id = :i"
        ),
        {"i": rid},
    )
    return f"redemption {rid} "


def edit_application_facts(conn: Connection) -> str:
    aid = _one(conn, "SELECT id FROM prog_applications WHERE status = 'approved'")
    conn.execute(
        text("UPDATE prog_applications SET facts_json = :f WHERE id = :i"),
        {"f": json.dumps({**FACTS, "price_yuan": 1}), "i": aid},
    )
    return f"application {aid} was edited"


def edit_claim(conn: Connection) -> str:
    cid = _one(conn, "SELECT id FROM prog_claims ORDER BY id LIMIT 1")
    conn.execute(
        text("UPDATE prog_claims SET person = :p WHERE id = :i"), {"p": "ps:" + "e" * 32, "i": cid}
    )
    return f"claim {cid}: its claimant"


def edit_voucher_face(conn: Connection) -> str:
    vid, cid = conn.execute(
        text("SELECT id, claim_id FROM prog_vouchers WHERE status = 'active' ORDER BY id LIMIT 1")
    ).one()
    conn.execute(
        text("UPDATE prog_vouchers SET face_fen = face_fen + 1000 WHERE id = :i"), {"i": vid}
    )
    return f"claim {cid}: its vouchers are worth"


def delete_redemption_record(conn: Connection) -> str:
    rid = _one(conn, "SELECT id FROM prog_redemptions ORDER BY id LIMIT 1")
    conn.execute(text("DELETE FROM prog_redemptions WHERE id = :i"), {"i": rid})
    return f"books redemption {rid}"


def delete_claim_record(conn: Connection) -> str:
    cid = _one(conn, "SELECT id FROM prog_claims ORDER BY id DESC LIMIT 1")
    conn.execute(text("DELETE FROM prog_claims WHERE id = :i"), {"i": cid})
    return f"books claim {cid}"


def mark_paid_without_entry(conn: Connection) -> str:
    aid = _one(conn, "SELECT id FROM prog_applications WHERE status = 'approved'")
    conn.execute(
        text("UPDATE prog_applications SET status = 'disbursed' WHERE id = :i"), {"i": aid}
    )
    return f"application {aid} (disbursed) has no disburse entry"


def edit_value_time(conn: Connection) -> str:
    eid = _one(conn, "SELECT id FROM prog_ledger WHERE op = 'approve' ORDER BY id LIMIT 1")
    conn.execute(
        text("UPDATE prog_ledger SET value_at = '2020-01-01T00:00:00.000000+08:00' WHERE id = :i"),
        {"i": eid},
    )
    return f"entry {eid} "


def edit_rules(conn: Connection) -> str:
    """A programme's rules rewritten (a richer subsidy band) with their hash recomputed."""
    rules = json.loads(
        str(_one(conn, "SELECT rules_json FROM prog_programmes WHERE code = :c", c=CAR))
    )
    rules["bands"][-1]["subsidy_yuan"] = "50000"
    conn.execute(
        text("UPDATE prog_programmes SET rules_json = :r, rules_sha256 = :h WHERE code = :c"),
        {"r": json.dumps(rules), "h": request_hash(rules), "c": CAR},
    )
    return f"programme {CAR} "


def edit_refused_reason(conn: Connection) -> str:
    """A refused application's rule and reason rewritten beside the chain."""
    aid = _one(conn, "SELECT id FROM prog_applications WHERE status = 'rejected'")
    conn.execute(
        text("UPDATE prog_applications SET reason = :r WHERE id = :i"),
        {"r": "documents_missing: the invoice was unreadable / 发票无法辨认", "i": aid},
    )
    return f"application {aid} was edited: it no longer matches entry"


def refusal_turned_into_submission(conn: Connection) -> str:
    """A refused application put back in the review queue without an appeal."""
    aid = _one(conn, "SELECT id FROM prog_applications WHERE status = 'rejected'")
    conn.execute(
        text(
            "UPDATE prog_applications SET status = 'submitted', reviewer = NULL, reason = NULL, "
            "reviewed_at = NULL WHERE id = :i"
        ),
        {"i": aid},
    )
    return f"application {aid} is submitted but its last step on the ledger"


def delete_submission_entry(conn: Connection) -> str:
    """The pending application's submit entry — the last of its chain — removed, and the
    chain's head moved back to the entry before, so the chain itself still verifies."""
    aid = _one(conn, "SELECT id FROM prog_applications WHERE status = 'submitted'")
    eid, chain, seq, prev = conn.execute(
        text(
            "SELECT id, chain_id, seq, prev_hash FROM prog_ledger WHERE op = 'submit' AND ref = :a"
        ),
        {"a": aid},
    ).one()
    assert _one(conn, "SELECT seq FROM prog_chains WHERE chain_id = :c", c=chain) == seq
    conn.execute(text("DELETE FROM prog_ledger WHERE id = :i"), {"i": eid})
    before = _one(
        conn,
        "SELECT prev_hash FROM prog_ledger WHERE chain_id = :c AND seq = :s",
        c=chain,
        s=seq - 1,
    )
    conn.execute(
        text("UPDATE prog_chains SET seq = :s, head_hash = :h, prev_hash = :p WHERE chain_id = :c"),
        {"s": seq - 1, "h": prev, "p": before, "c": chain},
    )
    return f"application {aid} has no submit entry"


def edit_appeal_grounds(conn: Connection) -> str:
    pid = _one(conn, "SELECT id FROM prog_appeals")
    conn.execute(
        text("UPDATE prog_appeals SET grounds = 'the dealer lost the invoice' WHERE id = :i"),
        {"i": pid},
    )
    return f"appeal {pid} was edited"


def edit_proposal_maker(conn: Connection) -> str:
    """The maker of a checked approval rewritten (so the checker seems to have had a peer)."""
    subject = _one(
        conn, "SELECT subject FROM prog_proposals WHERE action = 'disburse' ORDER BY subject"
    )
    conn.execute(
        text(
            "UPDATE prog_proposals SET maker = 'Cashier Sun' "
            "WHERE subject = :s AND action = 'disburse'"
        ),
        {"s": subject},
    )
    return f"proposal to disburse {subject} (by Cashier Sun) was edited"


def roll_back_consistently(conn: Connection) -> str:
    """The last claim undone everywhere — entry, claim, vouchers, slots, head, balance — as
    a restore from an older copy would: consistent, so only the checkpoint can tell."""
    cid = _one(
        conn, "SELECT ref FROM prog_ledger WHERE chain_id = 'r1.0' ORDER BY seq DESC LIMIT 1"
    )
    amount = _one(conn, "SELECT amount_fen FROM prog_ledger WHERE ref = :c", c=cid)
    for table, column in (
        ("prog_ledger", "ref"),
        ("prog_claims", "id"),
        ("prog_vouchers", "claim_id"),
        ("prog_identity_slots", "ref"),
    ):
        conn.execute(text(f"DELETE FROM {table} WHERE {column} = :c"), {"c": cid})
    conn.execute(
        text("UPDATE prog_chains SET balance_fen = balance_fen + :a WHERE chain_id = 'r1.0'"),
        {"a": amount},
    )
    _rehash_tail(conn, "r1.0", key=None)  # the remaining hashes are unchanged: only the head
    return "chain r1.0 had 3 entries at the checkpoint"


CASES: list[Callable[[Connection], str]] = [
    edit_amount,
    redirect_credit,
    delete_middle,
    covered_deletion,
    reorder,
    insert_plain_hash,
    forged_payout_guessed_key,
    rewrite_head,
    rewrite_balance,
    inflate_subsidy,
    inflate_subsidy_and_entries,
    delete_programme,
    wipe_ledger,
    wipe_everything,
    edit_bill,
    edit_application_facts,
    edit_claim,
    edit_voucher_face,
    delete_redemption_record,
    delete_claim_record,
    mark_paid_without_entry,
    edit_value_time,
    edit_rules,
    roll_back_consistently,
    edit_refused_reason,
    refusal_turned_into_submission,
    delete_submission_entry,
    edit_appeal_grounds,
    edit_proposal_maker,
]
# Found by holding records to their steps on the ledger, without a checkpoint: the chain
# itself still verifies after each.
STEP_CASES = [delete_submission_entry, edit_refused_reason, refusal_turned_into_submission]


@contextmanager
def _cloned(url: str) -> Iterator[str]:
    """A PostgreSQL database copied from the one at ``url`` (no one may be connected to it)."""
    source = make_url(url)
    name = f"{source.database}_c{uuid.uuid4().hex[:8]}"

    def admin() -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=source.host, port=source.port, user="postgres", dbname="postgres", autocommit=True
        )

    with admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"')
    try:
        yield source.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def copy(template: tuple[str, Path], tmp_path: Path) -> Iterator[tuple[Engine, Path]]:
    url, point = template
    with ExitStack() as stack:
        if url.startswith("sqlite"):
            target = tmp_path / "copy.sqlite"
            shutil.copy(make_url(url).database or "", target)
            clone = f"sqlite:///{target}"
        else:
            clone = stack.enter_context(_cloned(url))
        engine = make_engine(clone)
        yield engine, point
        engine.dispose()


def _insider(engine: Engine) -> Engine:
    """The same database opened as an insider would: with sqlite3 and no foreign keys, or
    as PostgreSQL's superuser with triggers (foreign keys) off."""
    return create_engine(engine.url)


def _tamper(engine: Engine, tamper: Callable[[Connection], str]) -> str:
    insider = _insider(engine)
    with insider.begin() as conn:
        if insider.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        expected = tamper(conn)
    insider.dispose()
    return expected


def test_the_untouched_copy_verifies(copy: tuple[Engine, Path]) -> None:
    engine, point = copy
    report = audit.verify(engine, checkpoint=point)
    assert report.ok, report.problems


@pytest.mark.parametrize("tamper", CASES, ids=[c.__name__ for c in CASES])
def test_every_tampering_is_found_and_named(
    copy: tuple[Engine, Path], tamper: Callable[[Connection], str]
) -> None:
    engine, point = copy
    expected = _tamper(engine, tamper)
    report = audit.verify(engine, checkpoint=point)
    assert not report.ok
    messages = [p.message for p in report.problems]
    assert any(expected in m for m in messages), messages


@pytest.mark.parametrize("tamper", STEP_CASES, ids=[c.__name__ for c in STEP_CASES])
def test_steps_beside_the_chain_are_found_without_a_checkpoint(
    copy: tuple[Engine, Path], tamper: Callable[[Connection], str]
) -> None:
    engine, _ = copy
    expected = _tamper(engine, tamper)
    assert ledger.verify(engine).ok  # the chains alone still add up
    report = audit.verify(engine)
    messages = [p.message for p in report.problems]
    assert any(expected in m for m in messages), messages


def test_a_checkpoint_altered_or_made_with_another_key_is_refused(
    copy: tuple[Engine, Path], tmp_path: Path
) -> None:
    engine, point = copy
    data = json.loads(point.read_text("utf-8"))
    data["chains"]["p1"]["balance_fen"] += 1
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(data), "utf-8")
    report = audit.verify(engine, checkpoint=forged)
    assert [p.kind for p in report.problems] == ["checkpoint"]
    assert "HMAC does not match" in report.problems[0].message


def test_checkpoint_cli_writes_outside_home_and_verify_uses_it(
    cockpit_home: Path, tmp_path: Path
) -> None:
    from cockpit.cli import app

    upgrade()
    vouchers.install_programme(programme=voucher_programme("cli-tamper", packs=2))
    runner = CliRunner()
    inside = runner.invoke(app, ["ledger", "checkpoint", "--out", str(cockpit_home / "cp.json")])
    assert inside.exit_code != 0 and "outside COCKPIT_HOME" in inside.output
    out = tmp_path / "outside"
    out.mkdir()
    made = runner.invoke(app, ["ledger", "checkpoint", "--out", str(out), "--json"])
    assert made.exit_code == 0, made.output
    path = json.loads(made.output)["data"]["path"]
    ok = runner.invoke(app, ["ledger", "verify", "--checkpoint", path, "--json"])
    assert ok.exit_code == 0 and json.loads(ok.output)["data"]["ok"] is True
    with get_engine().begin() as conn:
        conn.execute(text("DELETE FROM prog_ledger"))
    bad = runner.invoke(app, ["ledger", "verify", "--checkpoint", path])
    assert bad.exit_code == 1 and "LEDGER PROBLEM" in bad.output
