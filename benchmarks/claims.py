"""Burst of voucher claims over HTTP against PostgreSQL: exactly the budget, nobody twice.

    .venv/bin/python benchmarks/claims.py                       # the published run
    .venv/bin/python benchmarks/claims.py --claims 10000 --packs 5000 --raw-seconds 3   # quick

The ``--client aiohttp`` load generator needs the ``bench`` extra (``pip install -e
".[bench]"``); the default one needs only httptools, which the server uses too.

What it does, all on loopback:
1. makes a throwaway PostgreSQL database (127.0.0.1:5432, or --db-url) and migrates it;
2. installs a voucher programme whose round holds ``--packs`` packs over ``--parts`` budget rows;
3. measures the *raw* rate of the claim's conditional UPDATE on the budget rows (the ceiling:
   ``UPDATE prog_chains SET balance_fen = balance_fen - pack ... WHERE balance_fen >= pack
   RETURNING ...`` + COMMIT, one per transaction, from ``--raw-threads`` connections);
4. starts ``cockpit serve --workers N`` (uvicorn, uvloop, httptools; each worker with its
   own listening socket) and fires ``--claims`` claims from ``--clients`` concurrent
   keep-alive connections on uvloop (15 % of them a second try by someone who already
   claimed, from another account sharing their phone), by the lean client (asyncio protocols
   and httptools' response parser, the default) or aiohttp's. Requests are encoded before
   the clock starts; each latency runs from just before its request is sent to the end of
   its response, measured by the client;
5. checks, in the database after the burst, that exactly ``--packs`` packs were granted, no
   ID/phone/card/device holds two, and the ledger and the audit trail (one entry per granted
   claim, written by the API's audit writer) verify; prints claims/s, p50/p99 latency,
   the ratio to the raw rate, and the CPU time per claim of the client, the API processes
   and the whole PostgreSQL server (every database on it: on a shared machine others' work
   counts too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import aiohttp
import httptools
import httpx
import psycopg
import uvloop
from sqlalchemy import create_engine, text

from cockpit.access import audit
from cockpit.db import upgrade
from cockpit.identity import gb11643_check, luhn_ok
from cockpit.programmes import ledger, vouchers
from cockpit.programmes.rules import parse_programme
from cockpit.web.auth import create_api_key

PACK_FEN = 5000


def programme_yaml(code: str, packs: int) -> str:
    now = datetime.now().astimezone()
    return f"""
programme:
  kind: consumption_voucher
  code: {code}
  name_zh: 压测消费券
  name_en: Burst benchmark vouchers
  budget_yuan: {packs * PACK_FEN // 100}
  pack:
    - {{face_yuan: 5, threshold_yuan: 20, count: 2}}
    - {{face_yuan: 10, threshold_yuan: 40, count: 2}}
    - {{face_yuan: 20, threshold_yuan: 80, count: 1}}
  limits: {{per_person_per_round: 1, per_person_total: 1}}
  rounds:
    - {{opens_at: '{(now - timedelta(hours=1)).isoformat()}',
        closes_at: '{(now + timedelta(hours=3)).isoformat()}', budget_share: 1}}
  validity_days: 7
"""


def make_database(admin: str) -> str:
    name = f"cockpit_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(admin: str, name: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def raw_rate(url: str, parts: int, threads: int, seconds: float) -> tuple[float, float]:
    """Conditional UPDATEs + COMMITs per second on ``parts`` budget rows (the ceiling).

    The same statement as the claim's, on a scratch copy of the budget rows (so the
    programme's ledger stays whole), from ``threads`` connections.
    """
    engine = create_engine(url, pool_size=threads, max_overflow=0)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE bench_raw_budget (chain_id text PRIMARY KEY, "
                "seq bigint, balance_fen bigint, head_hash text)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO bench_raw_budget SELECT 'r' || k, 0, 1e15, '' "
                "FROM generate_series(0, :n - 1) k"
            ),
            {"n": parts},
        )
    sql = text(
        "UPDATE bench_raw_budget SET seq = seq + 1, balance_fen = balance_fen - :v "
        "WHERE chain_id = :c AND balance_fen >= :v RETURNING seq, head_hash"
    )
    done = [0] * threads
    stop = time.perf_counter() + seconds

    def work(i: int) -> None:
        with engine.connect() as conn:
            k = i
            while time.perf_counter() < stop:
                conn.execute(sql, {"v": PACK_FEN, "c": f"r{k % parts}"})
                conn.commit()
                done[i] += 1
                k += 1

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    start, cpu0 = time.perf_counter(), time.process_time()
    for t in pool:
        t.start()
    time.sleep(min(1.0, seconds / 2))
    backends = backend_pids(url)  # the threads' connections are open by now
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu0 + cpu_seconds(backends)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_raw_budget"))
    engine.dispose()
    return sum(done) / elapsed, cpu / max(1, sum(done)) * 1000


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def postgres_cpu_seconds(url: str) -> float:
    """CPU seconds of the whole PostgreSQL server so far: the postmaster, its live children,
    and (through the postmaster's ``cutime``/``cstime``) the children that have exited.

    Every database on the server counts, so on a shared machine it includes others' work.
    """
    engine = create_engine(url)
    with engine.connect() as conn:
        me = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
        status = Path(f"/proc/{me}/status").read_text()
    engine.dispose()
    master = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid")))
    fields = Path(f"/proc/{master}/stat").read_text().rsplit(")", 1)[1].split()
    reaped = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    return reaped + cpu_seconds(server_pids(master))


def transactions(url: str) -> int:
    """Transactions committed or rolled back so far in the benchmark's database (each
    autocommit statement is one): with the CPU, what tells where a claim's database work
    goes. Backends report theirs when idle or exiting, so read it after the server stops."""
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database "
                "WHERE datname = current_database()"
            )
        ).scalar_one()
    engine.dispose()
    return int(found)


def server_pids(master: int) -> list[int]:
    """The uvicorn master and its worker processes."""
    found = [master]
    for task in Path(f"/proc/{master}/task").glob("*/children"):
        found += [int(p) for p in task.read_text().split()]
    return found


def backend_pids(url: str) -> list[int]:
    """PostgreSQL backends serving the benchmark database."""
    engine = create_engine(url)
    with engine.connect() as conn:
        pids = list(
            conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                )
            ).scalars()
        )
    engine.dispose()
    return [int(p) for p in pids]


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, home: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """``cockpit serve --workers N`` on a free port: the product's own server, each worker
    with its own listening socket (``cockpit.web.workers``)."""
    port = free_port()
    env = {**os.environ, "COCKPIT_DB_URL": url, "COCKPIT_HOME": str(home)}
    serve = "from cockpit.cli import app; app()"
    proc = subprocess.Popen(
        [sys.executable, "-c", serve, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return proc, f"http://127.0.0.1:{port}"


def wait_ready(base: str, key: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("uvicorn exited")
        try:
            if httpx.get(f"{base}/api/programmes", headers={"X-API-Key": key}).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("uvicorn did not answer in 120 s")


def _resident_id(i: int) -> str:
    """A valid resident ID number for claimant ``i`` (a birth date per thousand, GB 11643)."""
    born = date(1950, 1, 1) + timedelta(days=i // 1000)
    first17 = f"500103{born:%Y%m%d}{i % 1000:03d}"
    return first17 + gb11643_check(first17)


def _card(i: int) -> str:
    """A bank card number for claimant ``i`` that passes the Luhn check."""
    body = f"6222{i:011d}"
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def bodies(n: int) -> list[dict[str, Any]]:
    """``n`` claims; every seventh is a second try from someone earlier, sharing their phone."""
    out = []
    for i in range(n):
        phone = f"139{(i - 3) if i % 7 == 6 else i:08d}"
        out.append(
            {
                "idempotency_key": f"bench-{i:08d}",
                "id_number": _resident_id(i),
                "account": f"acct-{i}",
                "phone": phone,
                "card": _card(i),
                "device": f"dev-{i:08d}",
            }
        )
    return out


retries = [0]
Burst = tuple[float, list[float], dict[int, int]]


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection of the lean client: a request is bytes written
    whole, its answer the status parsed by httptools (the parser uvicorn uses) when the
    response is complete. One request at a time, as a phone's app sends them."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.done: asyncio.Future[int] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def on_message_complete(self) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_result(self.parser.get_status_code())

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc or ConnectionResetError("the server closed the connection"))

    def _fail(self, exc: BaseException) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_exception(ConnectionResetError(str(exc)))

    async def send(self, raw: bytes) -> int:
        assert self.transport is not None
        if self.transport.is_closing():
            raise ConnectionResetError("the connection is closed")
        self.done = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        return await self.done


def _raw_request(method: str, host: str, path: str, key: str, body: bytes = b"") -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nX-API-Key: {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


async def burst_lean(
    base: str,
    key: str,
    code: str,
    jobs: list[dict[str, Any]],
    clients: int,
    started: Callable[[], None] = lambda: None,
) -> Burst:
    """``burst_aiohttp`` with the lean client: the same requests on the same connections,
    at a fraction of aiohttp's CPU (the load generator shares the two cores with the API and
    PostgreSQL, and its CPU is none of theirs). Each request is encoded whole before the clock
    starts; a latency runs from the write to the end of the response, parsed."""
    loop = asyncio.get_running_loop()
    host_port = base.removeprefix("http://")
    host, port = host_port.rsplit(":", 1)
    path = f"/api/programmes/{code}/rounds/1/claims"
    raws = iter([_raw_request("POST", host_port, path, key, json.dumps(b).encode()) for b in jobs])
    warm_up = _raw_request("GET", host_port, "/api/programmes", key)
    latencies: list[float] = []
    codes: dict[int, int] = {}
    retries[0] = 0

    async def connect() -> _Connection:
        _, conn = await loop.create_connection(_Connection, host, int(port))
        return conn

    async def one_client(conn: _Connection) -> None:
        for raw in raws:
            t0 = time.perf_counter()
            for attempt in range(5):
                try:
                    status = await conn.send(raw)
                    break
                except ConnectionResetError:
                    # A dropped connection: reconnect and send the same claim again (same
                    # idempotency key), as a real app does; it can never be granted twice.
                    retries[0] += 1
                    if attempt == 4:
                        raise
                    conn = await connect()
            latencies.append(time.perf_counter() - t0)
            codes[status] = codes.get(status, 0) + 1
        assert conn.transport is not None
        conn.transport.close()

    # Open the connections before the clock starts, as phones already connected would be.
    conns = await asyncio.gather(*(connect() for _ in range(clients)))
    await asyncio.gather(*(c.send(warm_up) for c in conns))
    started()
    start = time.perf_counter()
    await asyncio.gather(*(one_client(c) for c in conns))
    elapsed = time.perf_counter() - start
    return elapsed, latencies, codes


async def burst_aiohttp(
    base: str,
    key: str,
    code: str,
    jobs: list[dict[str, Any]],
    clients: int,
    started: Callable[[], None] = lambda: None,
) -> Burst:
    """Send every job from ``clients`` concurrent keep-alive connections; time each one.

    aiohttp's client on uvloop: bodies are encoded before the clock starts, and a request's
    latency runs from just before it is sent to the end of its response body. ``started``
    is called when the connections are open and the clock starts (CPU is counted from there).
    """
    latencies: list[float] = []
    codes: dict[int, int] = {}
    retries[0] = 0
    queue = iter([json.dumps(body).encode() for body in jobs])
    url = f"{base}/api/programmes/{code}/rounds/1/claims"
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    timeout = aiohttp.ClientTimeout(total=120)

    async def one_client(session: aiohttp.ClientSession) -> None:
        for body in queue:
            t0 = time.perf_counter()
            for attempt in range(5):
                try:
                    async with session.post(url, data=body, headers=headers) as r:
                        await r.read()
                        status = r.status
                    break
                except aiohttp.ClientConnectionError:
                    # A dropped connection: retry with the same idempotency key, which is
                    # what a real app does; it can never be granted twice.
                    retries[0] += 1
                    if attempt == 4:
                        raise
            latencies.append(time.perf_counter() - t0)
            codes[status] = codes.get(status, 0) + 1

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        # Open the connections before the clock starts, as phones already connected would be.
        async def warm() -> None:
            async with session.get(f"{base}/api/programmes", headers=headers) as r:
                await r.read()

        await asyncio.gather(*(warm() for _ in range(clients)))
        started()
        start = time.perf_counter()
        await asyncio.gather(*(one_client(session) for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return elapsed, latencies, codes


CLIENTS = {"lean": burst_lean, "aiohttp": burst_aiohttp}


def check(url: str, round_id: int) -> dict[str, Any]:
    engine = create_engine(url)
    with engine.connect() as conn:
        granted = conn.execute(
            text("SELECT count(*) FROM prog_claims WHERE round_id = :r"), {"r": round_id}
        ).scalar_one()
        worst = {
            col: conn.execute(
                text(
                    f"SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM prog_claims "
                    f"WHERE round_id = :r GROUP BY {col}) t"
                ),
                {"r": round_id},
            ).scalar_one()
            for col in ("person", "phone", "card", "device")
        }
    t0 = time.perf_counter()
    report = ledger.verify(engine)
    verify_s = time.perf_counter() - t0
    trail = audit.verify(engine=engine)  # every granted claim is a write in the audit trail
    engine.dispose()
    return {
        "audit_ok": trail.ok,
        "audit_entries": trail.checked,
        "granted": granted,
        "max_claims_per_identifier": worst,
        "ledger_ok": report.ok,
        "ledger_entries": report.entries,
        "ledger_verify_s": round(verify_s, 2),
    }


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000


def run(args: argparse.Namespace) -> dict[str, Any]:
    admin = args.admin
    name = None
    url = args.db_url
    if url is None:
        name = make_database(admin)
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    home = Path(tempfile.mkdtemp(prefix="cockpit-bench-"))
    os.environ["COCKPIT_HOME"] = str(home)
    try:
        upgrade(url)
        engine = create_engine(url)
        programme = parse_programme(programme_yaml("bench-burst", args.packs))
        vouchers.install_programme(programme=programme, engine=engine)
        rid = vouchers.open_round(
            programme_code="bench-burst", no=1, engine=engine, parts=args.parts
        )
        key = create_api_key(role="claimant_app", name="bench", engine=engine).token
        engine.dispose()
        raw, raw_cpu_ms = raw_rate(url, args.parts, args.raw_threads, args.raw_seconds)
        proc, base = start_server(url, home, args.workers)
        try:
            wait_ready(base, key, proc)
            jobs = bodies(args.claims)
            before: list[float] = []

            def started() -> None:  # both workers have answered: no start-up work counted
                before.extend(
                    (
                        time.process_time(),
                        cpu_seconds(server_pids(proc.pid)),
                        postgres_cpu_seconds(url),
                        transactions(url),
                    )
                )

            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                burst = CLIENTS[args.client]
                elapsed, latencies, codes = runner.run(
                    burst(base, key, "bench-burst", jobs, args.clients, started)
                )
            cpu = {
                "client": time.process_time() - before[0],
                "server": cpu_seconds(server_pids(proc.pid)) - before[1],
                "postgres": postgres_cpu_seconds(url) - before[2],
            }
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        time.sleep(1.0)  # the server's backends have exited and reported their statistics
        xacts = transactions(url) - before[3] - 1  # less this look-up's own
        verdict = check(url, rid)
    finally:
        if name is not None and not args.keep:
            drop_database(admin, name)
    rate = len(latencies) / elapsed
    per_claim_ms = {k: round(v / len(latencies) * 1000, 3) for k, v in cpu.items()}
    total_ms = sum(per_claim_ms.values())
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the end",
        "claims": args.claims,
        "packs": args.packs,
        "clients": args.clients,
        "client": args.client,
        "workers": args.workers,
        "parts": args.parts,
        "seconds": round(elapsed, 2),
        "claims_per_s": round(rate),
        "p50_ms": round(pct(latencies, 50), 1),
        "p99_ms": round(pct(latencies, 99), 1),
        "status_codes": codes,
        "transport_retries": retries[0],
        "cpu_ms_per_claim": per_claim_ms,
        "pg_transactions_per_claim": round(xacts / len(latencies), 3),
        # What two dedicated cores could sustain at this CPU cost per claim (client, API and
        # PostgreSQL): an upper bound, ignoring waits and context switches.
        "cpu_bound_claims_per_s_on_2_cores": round(2000 / total_ms) if total_ms else None,
        "raw_update_per_s": round(raw),
        "raw_cpu_ms_per_update": round(raw_cpu_ms, 3),
        "cpu_bound_raw_per_s_on_2_cores": round(2000 / raw_cpu_ms) if raw_cpu_ms else None,
        "ratio_to_raw": round(rate / raw, 3),
        **verdict,
        "exactly_budget": verdict["granted"] == args.packs,
        "nobody_over_limit": max(verdict["max_claims_per_identifier"].values()) <= 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--packs", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument(
        "--client",
        choices=sorted(CLIENTS),
        default="lean",
        help="load generator: lean (asyncio + httptools, the default) or aiohttp's client",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="server processes (cockpit serve --workers)"
    )
    parser.add_argument("--parts", type=int, default=16, help="budget rows of the round")
    parser.add_argument("--raw-threads", type=int, default=16)
    parser.add_argument("--raw-seconds", type=float, default=10.0)
    parser.add_argument("--db-url", help="use this PostgreSQL database instead of a new one")
    parser.add_argument("--admin", default="host=127.0.0.1 port=5432 user=postgres dbname=postgres")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    result = run(args)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False), "utf-8")
    ok = result["exactly_budget"] and result["nobody_over_limit"] and result["ledger_ok"]
    ok = ok and result["audit_ok"]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
