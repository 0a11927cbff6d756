"""Voucher programmes: install, open and close rounds, and claim packs.

The claim path is built for bursts. In one transaction it inserts the person's identity slots
(the primary key enforces the per-person limit for every identifier at once: ID pseudonym,
phone, card, device), the claim and its vouchers, then takes one pack from one of the round's
budget rows with a single conditional UPDATE, which also advances that row's ledger chain.
Exhausted budget rows are remembered in the process, so a sold-out round answers at once.
"""

from __future__ import annotations

import random
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from cockpit.programmes import fastclaim, foureyes, ledger
from cockpit.programmes.catalog import install_programme as install_programme
from cockpit.programmes.catalog import load_rules as load_rules
from cockpit.programmes.catalog import ops_chain as ops_chain
from cockpit.programmes.catalog import programme_chain as programme_chain
from cockpit.programmes.catalog import programme_id_of as programme_id_of
from cockpit.programmes.catalog import voucher_rules as voucher_rules
from cockpit.programmes.ledger import GENESIS, Move, iso, now_iso, value_iso
from cockpit.programmes.models import (
    ChainRow,
    ClaimRow,
    IdentitySlotRow,
    RefusalRow,
    RoundRow,
    VoucherRow,
)
from cockpit.programmes.rules import VoucherProgramme
from cockpit.programmes.tx import (
    IdempotencyMismatch,
    LimitReached,
    NotAllowed,
    NotFound,
    SoldOut,
    engine_or_default,
    request_hash,
    write_tx,
)

DEFAULT_PARTS = 16


@dataclass(frozen=True)
class Identity:
    """A claimant's pseudonymised identifiers; ``person`` (the ID pseudonym) is required."""

    person: str
    account: str | None = None
    phone: str | None = None
    card: str | None = None
    device: str | None = None

    def identifiers(self, kinds: list[str]) -> list[tuple[str, str]]:
        values = {"id": self.person, "phone": self.phone, "card": self.card, "device": self.device}
        return sorted((k, v) for k, v in values.items() if k in kinds and v)


def _release_amount(conn: Connection, p: VoucherProgramme, pid: int, no: int) -> int:
    balance = int(
        conn.execute(  # type: ignore[arg-type]
            select(ChainRow.balance_fen).where(ChainRow.chain_id == programme_chain(pid))
        ).scalar_one()
    )
    reserved_later = sum(p.round_budget_fen(i) for i in range(no, len(p.rounds)))
    share = p.round_budget_fen(no - 1)
    if p.roll_over == "next_round":
        return max(0, balance - reserved_later)
    return min(share, balance)


def open_round(
    *,
    programme_code: str,
    no: int,
    engine: Engine | None = None,
    parts: int = DEFAULT_PARTS,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """The system's own release of round ``no`` (simulations, the demo): see
    ``release_round``, which officers use (four eyes)."""
    rid = release_round(
        programme_code=programme_code,
        no=no,
        engine=engine,
        parts=parts,
        opens_at=opens_at,
        closes_at=closes_at,
        now=now,
        officer=None,
    )
    assert rid is not None  # without an officer nothing is only proposed
    return rid


def release_round(
    *,
    programme_code: str,
    no: int,
    officer: str | None,
    engine: Engine | None = None,
    parts: int = DEFAULT_PARTS,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    now: datetime | None = None,
) -> int | None:
    """Release round ``no`` (1-based): its share (plus roll-over) into ``parts`` budget rows.

    ``opens_at``/``closes_at`` override the published schedule (a postponed round); ``now``
    is the release's value time (default: now). With ``officer`` (an officer's release, as
    the CLI makes) four eyes apply: the first officer proposes (None is returned, nothing
    moves), a different one releases; without it the release is the system's own (the
    simulations and the demo).
    """
    engine = engine_or_default(engine)
    with write_tx(engine) as conn:
        pid = programme_id_of(conn, programme_code)
        p = voucher_rules(conn, pid)
        if not 1 <= no <= len(p.rounds):
            raise NotFound(f"{programme_code} has rounds 1..{len(p.rounds)}, not {no}")
        existing = conn.execute(
            select(RoundRow.id).where(RoundRow.programme_id == pid, RoundRow.no == no)
        ).scalar()
        if existing is not None:
            return int(existing)
        release = _release_amount(conn, p, pid, no)
        if officer is not None:
            maker = foureyes.second_pair(
                conn,
                action="release",
                subject=f"{programme_code}#{no}",
                programme_id=pid,
                amount_fen=release,
                threshold_fen=p.four_eyes_above_fen,
                officer=officer,
            )
            if maker is None:
                return None
        packs = release // p.pack_value_fen
        parts = max(1, min(parts, packs))
        sched = p.rounds[no - 1]
        rid = int(
            conn.execute(
                insert(RoundRow).returning(RoundRow.id),
                {
                    "programme_id": pid,
                    "no": no,
                    "opens_at": iso(opens_at or sched.opens_at),
                    "closes_at": iso(closes_at or sched.closes_at),
                    "pack_value_fen": p.pack_value_fen,
                    "packs_total": packs,
                    "parts": parts,
                    "status": "open",
                },
            ).scalar_one()
        )
        split = [packs // parts + (1 if k < packs % parts else 0) for k in range(parts)]
        conn.execute(
            insert(ChainRow),
            [
                {
                    "chain_id": f"r{rid}.{k}",
                    "programme_id": pid,
                    "account": f"round:{rid}.{k}",
                    "balance_fen": n * p.pack_value_fen,
                    "seq": 0,
                    "head_hash": GENESIS,
                    "prev_hash": GENESIS,
                }
                for k, n in enumerate(split)
            ],
        )
        moves = [
            Move(
                "release",
                f"budget:{pid}",
                f"round:{rid}.{k}",
                n * p.pack_value_fen,
                ref=f"round {rid}",
            )
            for k, n in enumerate(split)
            if n
        ]
        if moves:
            ledger.append(
                conn,
                chain_id=programme_chain(pid),
                programme_id=pid,
                moves=moves,
                balance_delta=-packs * p.pack_value_fen,
                value_at=now,
            )
    return rid


def close_round(*, round_id: int, engine: Engine | None = None, now: datetime | None = None) -> int:
    """Close a round: packs nobody claimed go back to the budget (or the treasury). Fen moved.

    ``now`` is the value time of the money moved back (default: now).
    """
    engine = engine_or_default(engine)
    with write_tx(engine) as conn:
        rnd = _round(conn, round_id)
        if rnd.status == "closed":
            return 0
        p = voucher_rules(conn, rnd.programme_id)
        pid = rnd.programme_id
        target = f"budget:{pid}" if p.roll_over == "next_round" else f"treasury:{pid}"
        moved = 0
        for k in range(rnd.parts):
            chain = f"r{round_id}.{k}"
            left = int(
                conn.execute(  # type: ignore[arg-type]
                    select(ChainRow.balance_fen).where(ChainRow.chain_id == chain)
                ).scalar_one()
            )
            if left:
                ledger.append(
                    conn,
                    chain_id=chain,
                    programme_id=pid,
                    balance_delta=-left,
                    value_at=now,
                    moves=[
                        Move(
                            "close", f"round:{round_id}.{k}", target, left, ref=f"round {round_id}"
                        )
                    ],
                )
                if p.roll_over == "next_round":
                    ledger.credit_balance(conn, chain_id=programme_chain(pid), amount_fen=left)
                moved += left
        conn.execute(
            text("UPDATE prog_rounds SET status = 'closed' WHERE id = :r"), {"r": round_id}
        )
    _forget_round(round_id)
    return moved


def _round(conn: Connection, round_id: int) -> Any:
    rnd = conn.execute(select(RoundRow).where(RoundRow.id == round_id)).first()
    if rnd is None:
        raise NotFound(f"no round {round_id}")
    return rnd


@dataclass
class RoundInfo:
    """What the claim path needs about a round, read once per process."""

    round_id: int
    programme_id: int
    rules: VoucherProgramme
    opens_at: str
    closes_at: str
    parts: int
    pack_value_fen: int
    exhausted: set[int]
    # (face, threshold) in fen of each voucher of a pack, worked out once from the rules.
    pack: tuple[tuple[int, int], ...] = field(init=False)

    def __post_init__(self) -> None:
        self.pack = tuple(
            (item.face_fen, item.threshold_fen)
            for item in self.rules.pack
            for _ in range(item.count)
        )


_rounds: dict[tuple[str, int], RoundInfo] = {}
_rounds_lock = threading.Lock()


def _forget_round(round_id: int) -> None:
    with _rounds_lock:
        for key in [k for k in _rounds if k[1] == round_id]:
            del _rounds[key]


def cached_round_info(engine: Engine, round_id: int) -> RoundInfo | None:
    """The round's info if this process has read it already (no database access)."""
    with _rounds_lock:
        return _rounds.get((str(engine.url), round_id))


def round_info(engine: Engine, round_id: int) -> RoundInfo:
    key = (str(engine.url), round_id)
    info = cached_round_info(engine, round_id)
    if info is not None:
        return info
    with engine.connect() as conn:
        rnd = _round(conn, round_id)
        info = RoundInfo(
            round_id,
            rnd.programme_id,
            voucher_rules(conn, rnd.programme_id),
            rnd.opens_at,
            rnd.closes_at,
            rnd.parts,
            rnd.pack_value_fen,
            set(),
        )
        if rnd.status == "closed":
            info.exhausted.update(range(rnd.parts))
    with _rounds_lock:
        _rounds[key] = info
    return info


@dataclass(frozen=True)
class ClaimResult:
    """A granted pack: the claim id, its vouchers, and whether this was a replay."""

    claim_id: str
    round_id: int
    vouchers: list[dict[str, Any]]
    replayed: bool = False


def slot_scopes(info: RoundInfo) -> list[tuple[str, int]]:
    """The scopes a claim's identity slots are kept in, each with its limit: the programme's
    always, the round's only where its limit is the tighter one.

    A programme's rules never change once installed (``install_programme``), so where
    ``per_person_total <= per_person_per_round`` nobody within the programme's limit can pass
    the round's: round slots would be half of every claim's slot rows, written for nothing.
    """
    limits = info.rules.limits
    scopes = [(f"p{info.programme_id}", limits.per_person_total)]
    if limits.per_person_per_round < limits.per_person_total:
        scopes.insert(0, (f"r{info.round_id}", limits.per_person_per_round))
    return scopes


def _slot_rows(
    conn: Connection, info: RoundInfo, who: Identity, claim_id: str
) -> list[dict[str, Any]]:
    limits = info.rules.limits
    rows: list[dict[str, Any]] = []
    for scope, limit in slot_scopes(info):
        for kind, value in who.identifiers(list(limits.identifiers)):
            slot = 1 if limit == 1 else _next_slot(conn, scope, kind, value)
            if slot > limit:
                raise LimitReached(
                    f"this person ({kind}) has reached the limit of {limit} "
                    f"pack(s) {'in this round' if scope[0] == 'r' else 'in all'}"
                )
            rows.append(
                {"scope": scope, "kind": kind, "value": value, "slot": slot, "ref": claim_id}
            )
    return rows


def _next_slot(conn: Connection, scope: str, kind: str, value: str) -> int:
    top = conn.execute(
        select(IdentitySlotRow.slot)
        .where(
            IdentitySlotRow.scope == scope,
            IdentitySlotRow.kind == kind,
            IdentitySlotRow.value == value,
        )
        .order_by(IdentitySlotRow.slot.desc())
        .limit(1)
    ).scalar()
    return int(top or 0) + 1


def _voucher_rows(
    info: RoundInfo, claim_id: str, holder: str, now: datetime, issued: list[str] | None = None
) -> list[dict[str, Any]]:
    valid_until = iso(now + timedelta(days=info.rules.validity_days))
    ids = secrets.token_hex(8 * len(info.pack))
    if issued is not None and len(issued) != len(info.pack):
        raise NotAllowed(f"a pack holds {len(info.pack)} vouchers, not {len(issued)} ids")
    return [
        {
            "id": issued[i] if issued is not None else f"v{ids[16 * i : 16 * i + 16]}",
            "claim_id": claim_id,
            "programme_id": info.programme_id,
            "round_id": info.round_id,
            "holder": holder,
            "face_fen": face,
            "threshold_fen": threshold,
            "valid_until": valid_until,
            "status": "active",
        }
        for i, (face, threshold) in enumerate(info.pack)
    ]


def _sold_out(engine: Engine, idem_key: str, digest: str) -> ClaimResult:
    # A retry of a claim granted before the round sold out still gets its pack back.
    earlier = _replay_claim(engine, idem_key, digest)
    if earlier is not None:
        return earlier
    raise SoldOut("this round's vouchers are all claimed")


def _take_pack_in_one_statement(
    conn: Connection,
    info: RoundInfo,
    who: Identity,
    slots: list[dict[str, Any]],
    row: dict[str, Any],
    vouchers: list[dict[str, Any]],
    value_at: str,
) -> bool:
    live = [k for k in range(info.parts) if k not in info.exhausted]
    random.shuffle(live)
    for k in live:
        if fastclaim.try_part(
            conn,
            chain=f"r{info.round_id}.{k}",
            credit=f"holder:{who.person}",
            amount=info.pack_value_fen,
            programme_id=info.programme_id,
            at=now_iso(),
            value_at=value_at,
            ref=row["id"],
            slots=slots,
            claim=row,
            vouchers=vouchers,
        ):
            return True
        info.exhausted.add(k)
    return False


def _take_pack(
    conn: Connection, info: RoundInfo, who: Identity, claim_id: str, moment: datetime
) -> bool:
    live = [k for k in range(info.parts) if k not in info.exhausted]
    random.shuffle(live)
    for k in live:
        try:
            ledger.append(
                conn,
                chain_id=f"r{info.round_id}.{k}",
                programme_id=info.programme_id,
                balance_delta=-info.pack_value_fen,
                value_at=moment,
                moves=[
                    Move(
                        "claim",
                        f"round:{info.round_id}.{k}",
                        f"holder:{who.person}",
                        info.pack_value_fen,
                        claim_id,
                    )
                ],
            )
            return True
        except ledger.ChainBusyError:
            info.exhausted.add(k)  # budget rows only ever empty within a round
    conn.rollback()
    return False


def claim(
    *,
    round_id: int,
    idem_key: str,
    who: Identity,
    engine: Engine | None = None,
    now: datetime | None = None,
    voucher_ids: list[str] | None = None,
) -> ClaimResult:
    """Claim one pack for ``who``; never beyond the budget or the person's limits.

    ``voucher_ids`` records a pack an outside platform issued under its own ids (one per
    voucher of the pack: the ids its payments carry); by default the ledger makes new ones.

    Raises ``SoldOut``, ``LimitReached``, ``NotAllowed`` (round not open) or
    ``IdempotencyMismatch``; a retry with the same key returns the first result.
    """
    engine = engine_or_default(engine)
    info = round_info(engine, round_id)
    moment = now or datetime.now().astimezone()
    stamp = iso(moment)
    if info.rules.allocation.mode != "first_come":
        raise NotAllowed(f"round {round_id} is allocated by lottery: register for the draw")
    if not info.opens_at <= stamp < info.closes_at:
        raise NotAllowed(f"round {round_id} is open from {info.opens_at} to {info.closes_at}")
    issued = {"ids": voucher_ids} if voucher_ids is not None else {}
    digest = request_hash({"round": round_id, **who.__dict__, **issued})
    claim_id = f"c{secrets.token_hex(8)}"
    for attempt in range(3):
        if len(info.exhausted) == info.parts:
            return _sold_out(engine, idem_key, digest)
        try:
            with write_tx(engine) as conn:
                slots = _slot_rows(conn, info, who, claim_id)
                row = {
                    "id": claim_id,
                    "idem_key": idem_key,
                    "request_sha256": digest,
                    "programme_id": info.programme_id,
                    "round_id": round_id,
                    "person": who.person,
                    "account": who.account,
                    "phone": who.phone,
                    "card": who.card,
                    "device": who.device,
                    "at": stamp,
                }
                vouchers = _voucher_rows(info, claim_id, who.person, moment, voucher_ids)
                if engine.dialect.name == "postgresql":
                    taken = _take_pack_in_one_statement(
                        conn, info, who, slots, row, vouchers, value_iso(moment)
                    )
                else:
                    conn.execute(insert(IdentitySlotRow), slots)
                    conn.execute(insert(ClaimRow), row)
                    conn.execute(insert(VoucherRow), vouchers)
                    taken = _take_pack(conn, info, who, claim_id, moment)
            if not taken:
                return _sold_out(engine, idem_key, digest)
            return ClaimResult(claim_id, round_id, [_public(v) for v in vouchers])
        except LimitReached:
            _note_refusal(engine, info, who, stamp)
            raise
        except OperationalError as exc:
            # PostgreSQL breaks a rare lock cycle (two claims by one person on two budget
            # rows) by failing one of them: nothing was written, so try again.
            if getattr(exc.orig, "sqlstate", None) != "40P01" or attempt == 2:
                raise
            continue
        except IntegrityError:
            earlier = _replay_claim(engine, idem_key, digest)
            if earlier is not None:
                return earlier
            if attempt == 2 or _limit_hit(engine, info, who):
                _note_refusal(engine, info, who, stamp)
                raise LimitReached(
                    "this person (same ID, phone, card or device) has already "
                    "claimed the most packs allowed"
                ) from None
    raise AssertionError("unreachable")


def _note_refusal(engine: Engine, info: RoundInfo, who: Identity, stamp: str) -> None:
    with write_tx(engine) as conn:
        conn.execute(
            insert(RefusalRow),
            {
                "programme_id": info.programme_id,
                "round_id": info.round_id,
                "person": who.person,
                "account": who.account,
                "device": who.device,
                "card": who.card,
                "at": stamp,
            },
        )


def _limit_hit(engine: Engine, info: RoundInfo, who: Identity) -> bool:
    with engine.connect() as conn:
        try:
            _slot_rows(conn, info, who, "check")
        except LimitReached:
            return True
        limits = info.rules.limits
        # With a limit of 1 the slot is always 1: any existing slot means the limit is hit.
        return limits.per_person_per_round == 1 or limits.per_person_total == 1


def _public(v: dict[str, Any]) -> dict[str, Any]:
    return {
        "voucher_id": v["id"],
        "face_fen": v["face_fen"],
        "threshold_fen": v["threshold_fen"],
        "valid_until": v["valid_until"],
    }


def _replay_claim(engine: Engine, idem_key: str, digest: str) -> ClaimResult | None:
    with engine.connect() as conn:
        row = conn.execute(select(ClaimRow).where(ClaimRow.idem_key == idem_key)).first()
        if row is None:
            return None
        if row.request_sha256 != digest:
            raise IdempotencyMismatch(f"idempotency key {idem_key!r} was used for another claim")
        vs = conn.execute(
            select(VoucherRow).where(VoucherRow.claim_id == row.id).order_by(VoucherRow.face_fen)
        ).all()
        return ClaimResult(row.id, row.round_id, [_public(v._asdict()) for v in vs], True)
