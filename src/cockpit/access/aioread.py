"""The reads every request makes (its API key, its session), grouped on the event loop.

On PostgreSQL the request gate reads the caller's key row (or session row) on every request,
so that revoking a key, ending a session or disabling an account acts on the very next
request, in every process. Done the obvious way — a thread hop, a pooled SQLAlchemy
connection with its pre-ping, BEGIN, the SELECT, ROLLBACK — that read cost more CPU than the
claim it guarded (docs/benchmarks.md, "Programmes (claims burst)"). Here it is:

* one **autocommit** psycopg connection or two per event loop, no thread, no ORM: one round
  trip, one statement, and each statement sees every transaction committed before it began;
* requests that arrive while the connections are busy **queue**, and the next free
  connection answers all of them with one ``= ANY(%s)`` query.

The promise is kept exactly: a request is answered only by a query *sent after it arrived*
(it waits in the queue for the next one; it never joins a query already in flight), so a
revocation committed before a request arrived is always seen by it. Nothing is cached.

On SQLite (development, small installations) the same read runs on the event loop itself,
on a read-only connection of this thread (``sqlite_rows``): an indexed read of a local file
costs less than the hop to a worker thread. WAL mode never makes a reader wait for a writer;
should the file be busy all the same, the read goes to a thread as before. A database in
memory, which only the app's own connections see, always goes to a thread.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine

# Connections per event loop and query: few, so that a burst's requests share statements.
CONNECTIONS = 2
# Most lookups answered by one statement.
MAX_GROUP = 256

Row = tuple[Any, ...]


class _Connection(psycopg.AsyncConnection[Any]):
    """A reader's connection: the reader lives as long as its event loop and has no close
    hook, so a connection collected with it says goodbye to the server instead of warning."""

    def __del__(self, _warn: Any = None) -> None:
        pgconn = getattr(self, "pgconn", None)
        if pgconn is not None and not self.closed:
            pgconn.finish()


class GroupedReader:
    """Rows by key from one ``SELECT ... WHERE <key> = ANY(%s)`` whose first column is the
    key, for concurrent requests on one event loop (see the module's docstring)."""

    def __init__(self, conninfo: str, sql: str, connections: int = CONNECTIONS) -> None:
        self.conninfo = conninfo
        self.sql = sql
        self.connections = connections
        self.statements = 0  # queries sent (the tests check that lookups are grouped)
        self._queue: list[tuple[Sequence[str], asyncio.Future[dict[str, Row]]]] = []
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._draining = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def read(self, keys: Sequence[str]) -> dict[str, Row]:
        """The rows of ``keys`` (those that exist), read by a statement sent after this call."""
        future: asyncio.Future[dict[str, Row]] = asyncio.get_running_loop().create_future()
        self._queue.append((keys, future))
        if self._draining < self.connections:
            self._start()
        return await future

    def _start(self) -> None:
        self._draining += 1
        task = asyncio.get_running_loop().create_task(self._drain())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self) -> None:
        conn: psycopg.AsyncConnection[Any] | None = None
        try:
            conn = self._idle.pop() if self._idle else await self._connect()
            while self._queue:
                group, self._queue = self._queue[:MAX_GROUP], self._queue[MAX_GROUP:]
                wanted = sorted({k for keys, _ in group for k in keys})
                try:
                    self.statements += 1
                    cur = await conn.execute(self.sql, (wanted,))
                    rows = await cur.fetchall()
                except BaseException as exc:
                    _fail(group, exc)
                    raise
                found = {row[0]: row for row in rows}
                for keys, future in group:
                    if not future.done():
                        future.set_result({k: found[k] for k in keys if k in found})
        except Exception as exc:  # no connection, or it broke: every waiting request is told
            queued, self._queue = self._queue, []
            _fail(queued, exc)
        finally:
            self._draining -= 1
            if conn is not None:
                healthy = not conn.closed and not conn.broken
                if healthy and conn.info.transaction_status == TransactionStatus.IDLE:
                    self._idle.append(conn)
                else:
                    await conn.close()
            if self._queue and not self._draining:
                self._start()

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        return await _Connection.connect(self.conninfo, autocommit=True)


def _fail(
    group: list[tuple[Sequence[str], asyncio.Future[dict[str, Row]]]], exc: BaseException
) -> None:
    for _, future in group:
        if not future.done():
            future.set_exception(exc)


_readers: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[str, str], GroupedReader]
] = weakref.WeakKeyDictionary()
_conninfos: weakref.WeakKeyDictionary[Engine, str | None] = weakref.WeakKeyDictionary()


def conninfo_of(engine: Engine) -> str | None:
    """The psycopg connection string of a PostgreSQL ``engine``; None for other databases."""
    if engine not in _conninfos:
        ok = engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"
        url = engine.url.set(drivername="postgresql")
        _conninfos[engine] = url.render_as_string(hide_password=False) if ok else None
    return _conninfos[engine]


def reader(conninfo: str, sql: str) -> GroupedReader:
    """This event loop's reader of ``sql`` on ``conninfo`` (made on first use)."""
    loop = asyncio.get_running_loop()
    found = _readers.setdefault(loop, {})
    key = (conninfo, sql)
    if key not in found:
        found[key] = GroupedReader(conninfo, sql)
    return found[key]


def statements() -> int:
    """Statements sent so far by this event loop's readers."""
    return sum(r.statements for r in _readers.get(asyncio.get_running_loop(), {}).values())


# Seconds a read on the event loop waits for a busy SQLite file before going to a thread.
SQLITE_WAIT = 0.05
_local = threading.local()


def _sqlite_path(engine: Engine) -> str | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    return None if not database or database == ":memory:" else database


class _Reader:
    """This thread's read-only connection to one SQLite file, and the file it opened."""

    def __init__(self, path: str, inode: int) -> None:
        uri = f"file:{path}?mode=ro"
        self.conn = sqlite3.connect(uri, uri=True, timeout=SQLITE_WAIT, check_same_thread=False)
        self.inode = inode
        self.checked = time.monotonic()


# Seconds between checks that the path still names the file the connection opened (a stat
# is a system call; on a virtual machine it costs about as much as the query).
INODE_RECHECK = 1.0


def sqlite_rows(engine: Engine, sql: str, params: Sequence[object]) -> list[Row] | None:
    """The rows of ``sql`` read on this thread's read-only connection to ``engine``'s SQLite
    file; None when that is not possible (not a file, busy, missing tables): read it
    through the engine, in a thread.

    A file made anew at the same path (a restore) is connected to again: noticed within
    ``INODE_RECHECK`` seconds, and at once by a read that finds nothing."""
    path = _sqlite_path(engine)
    if path is None:
        return None
    readers: dict[str, _Reader] = _local.__dict__.setdefault("readers", {})
    try:
        reader = readers.get(path)
        checked = reader is None or time.monotonic() - reader.checked > INODE_RECHECK
        if reader is None or checked:
            reader = _current(readers, path)
        rows = reader.conn.execute(sql, tuple(params)).fetchall()
        if not rows and not checked:  # a row the file made anew holds is never missed
            fresh = _current(readers, path)
            if fresh is not reader:
                rows = fresh.conn.execute(sql, tuple(params)).fetchall()
        return rows
    except (OSError, sqlite3.Error):
        gone = readers.pop(path, None)
        if gone is not None:
            gone.conn.close()
        return None


def _current(readers: dict[str, _Reader], path: str) -> _Reader:
    """The reader of ``path``, connected again if the path now names another file."""
    inode = os.stat(path).st_ino
    reader = readers.get(path)
    if reader is not None and reader.inode == inode:
        reader.checked = time.monotonic()
        return reader
    if reader is not None:
        reader.conn.close()
    reader = readers[path] = _Reader(path, inode)
    return reader
