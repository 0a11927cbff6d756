"""Lottery rounds that anyone can check: commit, register, draw, reveal, verify.

1. Before registration closes the operator publishes ``sha256(seed)`` (``commit_seed``).
2. People register, one registration per person (ID, phone, card and device each count).
3. After registration closes the operator draws with the seed (``draw``): its hash must match
   the commitment. Each registrant's ticket is ``sha256(seed ":" pseudonym)``; the lowest
   tickets win, as many as the round has packs. Winners get their packs like any claim.
4. The seed, the registrant list and the winners are published (``draw_record``);
   ``verify_draw`` (``cockpit programmes verify-draw``) recomputes the winners from them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import IntegrityError

from cockpit.programmes import ledger
from cockpit.programmes.ledger import Move, iso, now_iso
from cockpit.programmes.models import (
    ClaimRow,
    IdentitySlotRow,
    RegistrationRow,
    RoundRow,
    VoucherRow,
)
from cockpit.programmes.tx import (
    Conflict,
    LimitReached,
    NotAllowed,
    NotFound,
    engine_or_default,
    write_tx,
)
from cockpit.programmes.vouchers import Identity, round_info


def new_seed() -> tuple[str, str]:
    """A fresh random seed and its SHA-256 commitment."""
    seed = secrets.token_hex(32)
    return seed, hashlib.sha256(seed.encode()).hexdigest()


def ticket(seed: str, person: str) -> str:
    """A registrant's ticket: lower wins."""
    return hashlib.sha256(f"{seed}:{person}".encode()).hexdigest()


def winners(seed: str, registrants: list[str], packs: int) -> list[str]:
    """The winning pseudonyms, in ticket order."""
    return sorted(set(registrants), key=lambda p: ticket(seed, p))[:packs]


def _registration_closes(engine: Engine, round_id: int) -> str:
    info = round_info(engine, round_id)
    if info.rules.allocation.mode != "lottery":
        raise NotAllowed(f"round {round_id} is first come, first served: claim instead")
    minutes = info.rules.allocation.registration_closes_before_open_minutes
    opens = datetime.fromisoformat(info.opens_at.replace("Z", "+00:00"))
    return iso(opens - timedelta(minutes=minutes))


def commit_seed(
    *, round_id: int, seed_sha256: str, engine: Engine | None = None, now: datetime | None = None
) -> None:
    """Record the published commitment; only before registration closes, only once."""
    engine = engine_or_default(engine)
    if len(seed_sha256) != 64 or any(c not in "0123456789abcdef" for c in seed_sha256):
        raise NotAllowed("the commitment is the 64-hex-digit SHA-256 of the seed")
    closes = _registration_closes(engine, round_id)
    if iso(now or datetime.now().astimezone()) >= closes:
        raise NotAllowed(f"registration closed at {closes}: too late to commit")
    with write_tx(engine) as conn:
        hit = conn.execute(
            text("UPDATE prog_rounds SET seed_sha256 = :h WHERE id = :r AND seed_sha256 IS NULL"),
            {"h": seed_sha256, "r": round_id},
        )
        if hit.rowcount != 1:
            raise Conflict(f"round {round_id} already has a commitment")


def register(
    *, round_id: int, who: Identity, engine: Engine | None = None, now: datetime | None = None
) -> int:
    """Register ``who`` for the draw (once per person, whatever the account)."""
    engine = engine_or_default(engine)
    stamp = iso(now or datetime.now().astimezone())
    if stamp >= _registration_closes(engine, round_id):
        raise NotAllowed("registration for this draw has closed")
    info = round_info(engine, round_id)
    slots = [
        {"scope": f"l{round_id}", "kind": k, "value": v, "slot": 1, "ref": who.person}
        for k, v in who.identifiers(list(info.rules.limits.identifiers))
    ]
    try:
        with write_tx(engine) as conn:
            conn.execute(insert(IdentitySlotRow), slots)
            return int(
                conn.execute(
                    insert(RegistrationRow).returning(RegistrationRow.id),
                    {
                        "round_id": round_id,
                        "person": who.person,
                        "phone": who.phone,
                        "card": who.card,
                        "device": who.device,
                        "at": stamp,
                    },
                ).scalar_one()
            )
    except IntegrityError:
        raise LimitReached(
            "this person (same ID, phone, card or device) is already registered for this draw"
        ) from None


def draw(
    *, round_id: int, seed: str, engine: Engine | None = None, now: datetime | None = None
) -> list[str]:
    """Draw the winners with the revealed seed and grant them their packs."""
    engine = engine_or_default(engine)
    moment = now or datetime.now().astimezone()
    if iso(moment) < _registration_closes(engine, round_id):
        raise NotAllowed("registration is still open")
    info = round_info(engine, round_id)
    with write_tx(engine) as conn:
        rnd = conn.execute(select(RoundRow).where(RoundRow.id == round_id)).one()
        if rnd.seed_sha256 is None:
            raise NotAllowed("no commitment was published before registration closed")
        if rnd.seed is not None:
            raise Conflict(f"round {round_id} was drawn at {rnd.drawn_at}")
        if hashlib.sha256(seed.encode()).hexdigest() != rnd.seed_sha256:
            raise NotAllowed("this seed does not match the published commitment")
        people = list(
            conn.execute(
                select(RegistrationRow.person).where(RegistrationRow.round_id == round_id)
            ).scalars()
        )
        chosen = winners(seed, people, rnd.packs_total)
        for k, person in enumerate(chosen):
            _grant(conn, info, person, part=k % info.parts, moment=moment)
        conn.execute(
            text(
                "UPDATE prog_registrations SET won = (person IN ("
                + ",".join(f":w{i}" for i in range(len(chosen)))
                + ")) "
                "WHERE round_id = :r"
            )
            if chosen
            else text("UPDATE prog_registrations SET won = false WHERE round_id = :r"),
            {"r": round_id, **{f"w{i}": w for i, w in enumerate(chosen)}},
        )
        conn.execute(
            text("UPDATE prog_rounds SET seed = :s, drawn_at = :t WHERE id = :r"),
            {"s": seed, "t": now_iso(), "r": round_id},
        )
    return chosen


def _grant(conn: Any, info: Any, person: str, *, part: int, moment: datetime) -> None:
    from cockpit.programmes.vouchers import _voucher_rows

    claim_id = f"c{secrets.token_hex(8)}"
    conn.execute(
        insert(ClaimRow),
        {
            "id": claim_id,
            "idem_key": f"draw:{info.round_id}:{person}",
            "request_sha256": "",
            "programme_id": info.programme_id,
            "round_id": info.round_id,
            "person": person,
            "account": None,
            "phone": None,
            "card": None,
            "device": None,
            "at": iso(moment),
        },
    )
    conn.execute(insert(VoucherRow), _voucher_rows(info, claim_id, person, moment))
    ledger.append(
        conn,
        chain_id=f"r{info.round_id}.{part}",
        programme_id=info.programme_id,
        balance_delta=-info.pack_value_fen,
        value_at=moment,
        moves=[
            Move(
                "claim",
                f"round:{info.round_id}.{part}",
                f"holder:{person}",
                info.pack_value_fen,
                claim_id,
            )
        ],
    )


def draw_record(*, round_id: int, engine: Engine | None = None) -> dict[str, Any]:
    """What is published after a draw: commitment, seed, registrants, packs and winners."""
    engine = engine_or_default(engine)
    with engine.connect() as conn:
        rnd = conn.execute(select(RoundRow).where(RoundRow.id == round_id)).first()
        if rnd is None:
            raise NotFound(f"no round {round_id}")
        regs = conn.execute(
            select(RegistrationRow.person, RegistrationRow.won)
            .where(RegistrationRow.round_id == round_id)
            .order_by(RegistrationRow.person)
        ).all()
    return {
        "round_id": round_id,
        "seed_sha256": rnd.seed_sha256,
        "seed": rnd.seed,
        "packs": rnd.packs_total,
        "registrants": [r.person for r in regs],
        "winners": sorted(r.person for r in regs if r.won),
    }


def verify_draw(record: dict[str, Any]) -> dict[str, Any]:
    """Recompute a published draw; ``ok`` only if the seed matches and the winners agree."""
    seed = record.get("seed")
    if not seed:
        return {"ok": False, "reason": "the seed has not been revealed yet"}
    if hashlib.sha256(seed.encode()).hexdigest() != record["seed_sha256"]:
        return {"ok": False, "reason": "the seed does not match the commitment"}
    expected = sorted(winners(seed, record["registrants"], int(record["packs"])))
    published = sorted(record["winners"])
    return {
        "ok": expected == published,
        "winners": len(expected),
        "registrants": len(record["registrants"]),
        "reason": ""
        if expected == published
        else f"{len(set(expected) ^ set(published))} winner(s) differ from the recomputation",
    }
