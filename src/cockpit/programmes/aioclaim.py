"""Claims on PostgreSQL from the event loop, with group commit: no thread, no ORM.

``vouchers.claim`` is the reference: one transaction per claim, portable, run in a thread.
Under a burst its fixed costs dominate (a thread hop, SQLAlchemy's checkout and pre-ping,
BEGIN, the statement, COMMIT: four round trips and a WAL flush per claim), so the HTTP API's
claim route uses this path on PostgreSQL:

* each API process keeps a few **autocommit** psycopg connections per event loop (``Pool``);
* a claim joins its round's queue (``Batcher``). While a connection is free it goes at once,
  alone; while every connection is busy, claims queue, and the next free connection takes up
  to ``MAX_BATCH`` of them as **one call** of ``prog_claim_batch`` (migration ``prog_0010``,
  after ``prog_0002``) on one budget row (one chosen at random if no other batch holds it,
  else a free one): one round trip, one transaction, one WAL flush for the lot. Each claim
  runs in its own subtransaction there, exactly as the single-claim statement would (budget
  row, hash chain, ledger entry, identity slots, claim, vouchers);
* every claim gets its own answer: ``granted``; ``taken`` → the earlier claim with this
  idempotency key (replay, or ``IdempotencyMismatch``), else ``LimitReached``, recorded as a
  refusal for the anti-fraud flags; ``empty`` → the row is marked exhausted in this process
  and the claim queues again for another row; ``retry`` (nothing of it written: it waited
  on another batch's claims past the lock timeout of migration ``prog_0010``, or was a
  deadlock's victim) → queues again. Once every row is known empty, the queued claims'
  idempotency keys are looked up in one query (a retry of a granted claim still gets its
  pack back), and the rest are ``SoldOut``.

The budget is exact whatever the batching: a pack is only ever taken by the conditional
UPDATE, in the same subtransaction as everything else the claim writes.

It serves first-come rounds whose limits are one pack per person (per round and in all), the
common case and the burst's; other limits need a read of the person's slots first and go the
reference path. Connections are checked when they come back, not before use: one that broke
is closed and replaced, so the hot path pays no ``SELECT 1``; the claims that met the break
get ``Unavailable`` (503) and their clients retry with the same idempotency key.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import weakref
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from cockpit.programmes.ledger import iso, ledger_key, now_iso, sql_pads, value_iso
from cockpit.programmes.tx import (
    IdempotencyMismatch,
    LimitReached,
    NotAllowed,
    SoldOut,
    Unavailable,
    request_hash,
)
from cockpit.programmes.vouchers import (
    ClaimResult,
    Identity,
    RoundInfo,
    _public,
    _voucher_rows,
    slot_scopes,
)

# Connections per API worker process and event loop. On two cores PostgreSQL runs at most
# two backends at once; a few connections keep it busy while others wait on the network or a
# row lock, and fewer connections make bigger batches (fewer transactions and WAL flushes).
# Measured in docs/programmes.md ("Load").
POOL_SIZE = 4
# Claims per ``prog_claim_batch`` call: each is a subtransaction, and PostgreSQL keeps at most
# 64 of a transaction's subtransaction ids in shared memory before other sessions' snapshots
# get slower; 32 stays well inside that.
MAX_BATCH = 32
# A claim that keeps waiting past the lock timeout gets a 503 after this many tries.
MAX_TRIES = 5

# Parameters go in binary (``%b``): psycopg writes text arrays element by element in Python,
# quoting each through a regular expression, at three times the CPU of the binary format, and
# PostgreSQL then parses them again; a batch's two dozen arrays made that a tenth of a claim.
BATCH_SQL = "SELECT prog_claim_batch(" + ", ".join(["%b"] * 25) + ")"
REPLAY_SQL = (
    "SELECT c.idem_key, c.id, c.round_id, c.request_sha256, v.id, v.face_fen, "
    "v.threshold_fen, v.valid_until FROM prog_claims c "
    "LEFT JOIN prog_vouchers v ON v.claim_id = c.id "
    "WHERE c.idem_key = ANY(%b) ORDER BY c.idem_key, v.face_fen, v.id"
)
# The refusals of a batch's ``taken`` claims and the earlier claims behind them, in one
# statement: a refusal is stored for each idempotency key no claim holds (the person's limit
# said no), and the earlier claims of the others are answered. The two parts see one
# snapshot, so they agree on which keys are taken.
REFUSE_SQL = (
    "WITH refused AS (INSERT INTO prog_refusals "
    "(programme_id, round_id, person, account, device, card, at) "
    "SELECT %b, %b, x.person, x.account, x.device, x.card, x.at FROM unnest("
    "CAST(%b AS text[]), CAST(%b AS text[]), CAST(%b AS text[]), CAST(%b AS text[]), "
    "CAST(%b AS text[]), CAST(%b AS text[])) AS x(idem_key, person, account, device, card, at) "
    "WHERE NOT EXISTS (SELECT 1 FROM prog_claims c WHERE c.idem_key = x.idem_key)) " + REPLAY_SQL
)


class PooledConnection(psycopg.AsyncConnection[Any]):
    """A pool's connection. The pool lives as long as its event loop and has no close hook;
    a connection collected with it says goodbye to the server rather than warning."""

    def __del__(self, _warn: Any = None) -> None:
        pgconn = getattr(self, "pgconn", None)
        if pgconn is not None and not self.closed:
            pgconn.finish()


class Pool:
    """At most ``size`` autocommit connections to one database, for one event loop."""

    def __init__(self, conninfo: str, size: int = POOL_SIZE) -> None:
        self.conninfo = conninfo
        self.size = size
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._slots = asyncio.Semaphore(size)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        async with self._slots:
            conn = self._idle.pop() if self._idle else await self._connect()
            try:
                yield conn
            finally:
                idle = conn.info.transaction_status == TransactionStatus.IDLE
                if conn.closed or conn.broken or not idle:
                    await conn.close()
                else:
                    self._idle.append(conn)

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        return await PooledConnection.connect(self.conninfo, autocommit=True)


@dataclass
class Pending:
    """One claim waiting for its batch, with everything the batch function needs."""

    who: Identity
    idem_key: str
    digest: str
    stamp: str  # the claim's time, as stored (``ledger.iso``)
    value_at: str  # the same, as the ledger's value time (``ledger.value_iso``)
    vouchers: list[dict[str, Any]]
    slots: list[tuple[str, str, str]]
    future: asyncio.Future[ClaimResult]
    tries: int = 0

    @property
    def claim_id(self) -> str:
        return str(self.vouchers[0]["claim_id"])


@dataclass
class Batcher:
    """The queue of one round's claims in one event loop, and the tasks that drain it."""

    pool: Pool
    info: RoundInfo
    queue: deque[Pending] = field(default_factory=deque)
    draining: int = 0
    # The event loop keeps only weak references to tasks: hold the draining ones here.
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def submit(self, pending: Pending) -> None:
        self.queue.append(pending)
        if self.draining < self.pool.size:
            self._start()

    def _start(self) -> None:
        self.draining += 1
        task = asyncio.get_running_loop().create_task(self._drain())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _drain(self) -> None:
        try:
            async with self.pool.connection() as conn:
                while self.queue:
                    batch = [self.queue.popleft() for _ in range(min(MAX_BATCH, len(self.queue)))]
                    try:
                        await self._run(conn, batch)
                    except psycopg.OperationalError as exc:
                        _fail(batch, Unavailable(f"the database did not answer ({exc.sqlstate})"))
                        return
                    except Exception as exc:  # each claim of the batch answers with it (500)
                        _fail(batch, exc)
                    except BaseException as exc:
                        _fail(batch, exc)
                        raise
        except psycopg.OperationalError as exc:  # no connection could be made
            _fail(list(self.queue), Unavailable(f"the database did not answer ({exc})"))
            self.queue.clear()
        finally:
            self.draining -= 1
            if self.queue and not self.draining:
                self._start()  # claims queued after a failed batch still get an answer

    async def _run(self, conn: psycopg.AsyncConnection[Any], batch: list[Pending]) -> None:
        live = [k for k in range(self.info.parts) if k not in self.info.exhausted]
        if not live:
            await _sold_out(conn, batch)
            return
        cur = await conn.execute(BATCH_SQL, _batch_params(self.info, random.choice(live), batch))
        row = await cur.fetchone()
        assert row is not None
        *outcomes, used = row[0]  # one word per claim, then the budget row the batch took
        part = int(used.rsplit(".", 1)[1])
        again: list[Pending] = []
        taken: list[Pending] = []
        for p, outcome in zip(batch, outcomes, strict=True):
            if outcome == "granted":
                _settle(p, ClaimResult(p.claim_id, self.info.round_id, _out(p)))
            elif outcome == "taken":
                taken.append(p)
            elif outcome == "empty":
                self.info.exhausted.add(part)  # budget rows only ever empty within a round
                again.append(p)
            else:
                p.tries += 1
                if p.tries >= MAX_TRIES:
                    _fail([p], Unavailable("the claim met lock conflicts; retry it"))
                else:
                    again.append(p)
        self.queue.extendleft(reversed(again))
        if taken:
            await _refused(conn, self.info, taken)


def _out(p: Pending) -> list[dict[str, Any]]:
    return [_public(v) for v in p.vouchers]


def _settle(p: Pending, result: ClaimResult) -> None:
    if not p.future.done():
        p.future.set_result(result)


def _fail(batch: list[Pending], exc: BaseException) -> None:
    for p in batch:
        if not p.future.done():
            p.future.set_exception(exc)


def _batch_params(info: RoundInfo, part: int, batch: list[Pending]) -> tuple[Any, ...]:
    starts, scopes, kinds, values = [1], [], [], []
    for p in batch:
        for scope, kind, value in p.slots:
            scopes.append(scope)
            kinds.append(kind)
            values.append(value)
        starts.append(len(scopes) + 1)
    first = batch[0].vouchers
    return (
        f"r{info.round_id}.{part}",
        info.pack_value_fen,
        info.programme_id,
        info.round_id,
        now_iso(),  # the booking time; each claim's own time is its value time
        [p.value_at for p in batch],
        [p.vouchers[0]["valid_until"] for p in batch],
        [p.claim_id for p in batch],
        [p.idem_key for p in batch],
        [p.digest for p in batch],
        [p.who.person for p in batch],
        [p.who.account for p in batch],
        [p.who.phone for p in batch],
        [p.who.card for p in batch],
        [p.who.device for p in batch],
        [p.stamp for p in batch],
        starts,
        scopes,
        kinds,
        values,
        [v["id"] for p in batch for v in p.vouchers],
        [v["face_fen"] for v in first],
        [v["threshold_fen"] for v in first],
        *sql_pads(ledger_key()),  # the ledger key's HMAC pads (migration prog_0004)
    )


Replays = dict[str, tuple[str, int, str, list[dict[str, Any]]]]


async def _replays(conn: psycopg.AsyncConnection[Any], keys: list[str]) -> Replays:
    """Earlier claims by idempotency key: (claim id, round, request digest, vouchers)."""
    cur = await conn.execute(REPLAY_SQL, (keys,))
    return _replay_rows(await cur.fetchall())


def _replay_rows(rows: list[tuple[Any, ...]]) -> Replays:
    found: Replays = {}
    for key, claim_id, round_id, digest, vid, face, threshold, until in rows:
        entry = found.setdefault(key, (claim_id, round_id, digest, []))
        if vid is not None:
            entry[3].append(
                {
                    "voucher_id": vid,
                    "face_fen": face,
                    "threshold_fen": threshold,
                    "valid_until": until,
                }
            )
    return found


def _replay_or(p: Pending, found: Replays) -> bool:
    """Answer ``p`` from an earlier claim with its key, if there is one; True if answered."""
    earlier = found.get(p.idem_key)
    if earlier is None:
        return False
    claim_id, round_id, digest, vouchers = earlier
    if digest != p.digest:
        _fail(
            [p], IdempotencyMismatch(f"idempotency key {p.idem_key!r} was used for another claim")
        )
    else:
        _settle(p, ClaimResult(claim_id, round_id, vouchers, True))
    return True


async def _sold_out(conn: psycopg.AsyncConnection[Any], batch: list[Pending]) -> None:
    found = await _replays(conn, [p.idem_key for p in batch])
    for p in batch:
        if not _replay_or(p, found):
            _fail([p], SoldOut("this round's vouchers are all claimed"))


async def _refused(
    conn: psycopg.AsyncConnection[Any], info: RoundInfo, taken: list[Pending]
) -> None:
    """Unique keys said no: the earlier claim with each key, or else the person's limit.

    One round trip for all of them (``REFUSE_SQL``): the refusals stored, the earlier claims read.
    """
    keys = [p.idem_key for p in taken]
    cur = await conn.execute(
        REFUSE_SQL,
        (
            info.programme_id,
            info.round_id,
            keys,
            [p.who.person for p in taken],
            [p.who.account for p in taken],
            [p.who.device for p in taken],
            [p.who.card for p in taken],
            [p.stamp for p in taken],
            keys,
        ),
    )
    found = _replay_rows(await cur.fetchall())
    for p in taken:  # one exception each: each request's traceback is its own
        if not _replay_or(p, found):
            _fail(
                [p],
                LimitReached(
                    "this person (same ID, phone, card or device) has already claimed the most "
                    "packs allowed"
                ),
            )


_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, int], Batcher]] = (
    weakref.WeakKeyDictionary()
)


def batcher_for(conninfo: str, info: RoundInfo) -> Batcher:
    """This event loop's batcher for ``info``'s round on ``conninfo`` (made on first use)."""
    loop = asyncio.get_running_loop()
    batchers = _batchers.setdefault(loop, {})
    key = (conninfo, info.round_id)
    found = batchers.get(key)
    if found is None:
        pools = {b.pool.conninfo: b.pool for b in batchers.values()}
        pool = pools.get(conninfo) or Pool(conninfo)
        found = batchers[key] = Batcher(pool, info)
    return found


def serves(info: RoundInfo) -> bool:
    """Whether this path may claim in the round (one pack per person, first come)."""
    limits = info.rules.limits
    first_come = info.rules.allocation.mode == "first_come"
    return first_come and limits.per_person_per_round == 1 and limits.per_person_total == 1


async def claim(
    batcher: Batcher, *, idem_key: str, who: Identity, now: datetime | None = None
) -> ClaimResult:
    """Claim one pack for ``who`` in the batcher's round; as ``vouchers.claim``, grouped.

    Raises ``SoldOut``, ``LimitReached``, ``NotAllowed``, ``IdempotencyMismatch`` or
    ``Unavailable``.
    """
    info = batcher.info
    moment = now or datetime.now().astimezone()
    stamp = iso(moment)
    if not info.opens_at <= stamp < info.closes_at:
        raise NotAllowed(f"round {info.round_id} is open from {info.opens_at} to {info.closes_at}")
    future: asyncio.Future[ClaimResult] = asyncio.get_running_loop().create_future()
    pending = Pending(
        who=who,
        idem_key=idem_key,
        digest=request_hash({"round": info.round_id, **who.__dict__}),
        stamp=stamp,
        value_at=value_iso(moment),
        vouchers=[],
        slots=[],
        future=future,
    )
    # Budget rows only ever empty within a round: once all are, the claim can only be a
    # replay or sold out, and needs no vouchers or slots (half of a burst's claims).
    if len(info.exhausted) < info.parts:
        pairs = who.identifiers(list(info.rules.limits.identifiers))
        scopes = [scope for scope, _ in slot_scopes(info)]  # limits of one: the programme's
        pending.vouchers = _voucher_rows(info, _claim_id(), who.person, moment)
        pending.slots = [(scope, kind, value) for scope in scopes for kind, value in pairs]
    batcher.submit(pending)
    return await future


def _claim_id() -> str:
    return f"c{secrets.token_hex(8)}"
