"""Fixtures of the alerts tests: a migrated database, lake tables written per docs/lake.md,
and real HTTP and SMTP servers on loopback that record what arrives."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from cockpit import lake


def write_lake_table(
    home: Path,
    table: str,
    rows: list[dict[str, Any]],
    part: str = "t1",
    month: str | None = None,
) -> Path:
    """Write rows as one Parquet part of a lake table, through the lake's registry (its types;
    columns left out are null)."""
    path = lake.part_path(lake.lake_of(home), table, part, month=month)
    lake.write_table(table, rows, path)
    return path


def write_trade(
    home: Path, enterprises: list[dict[str, Any]], orders: list[dict[str, Any]]
) -> None:
    """The Order + List tables."""
    write_lake_table(home, "trade_enterprises", enterprises)
    write_lake_table(home, "trade_orders", orders)


def month_list(start: str, n: int) -> list[str]:
    """``n`` consecutive months from ``start``."""
    year, month = int(start[:4]), int(start[5:])
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out


@pytest.fixture
def db(cockpit_home: Path) -> Engine:
    """The operational database of a fresh COCKPIT_HOME, migrated."""
    from cockpit.db import get_engine, upgrade

    upgrade()
    return get_engine()


@dataclass
class Received:
    """One request the loopback server got."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A loopback HTTP server that answers the first ``fail_first`` requests with 500."""

    url: str
    requests: list[Received] = field(default_factory=list)
    fail_first: int = 0
    reply: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    times: list[float] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 recording every POST."""
    import time

    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            state.times.append(time.monotonic())
            failing = len(state.requests) <= state.fail_first
            payload = json.dumps({"error": "busy"} if failing else state.reply).encode()
            self.send_response(500 if failing else 200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@dataclass
class Mailbox:
    """What the loopback SMTP server accepted (and how many it turned away first)."""

    host: str
    port: int
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    refuse_first: int = 0
    refused: int = 0


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 keeping every message."""
    from aiosmtpd.controller import Controller

    box = Mailbox(host="127.0.0.1", port=0)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            if box.refused < box.refuse_first:
                box.refused += 1
                return "451 4.3.0 try again later"
            box.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    box.port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
