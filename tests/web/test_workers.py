"""``cockpit serve --workers N``: N processes, each listening on the port, all serving;
stopped together, and together when one dies."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.web.server import free_port, serve_command, serving

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(p) for p in task.read_text().split()]
    return found


def _workers(pid: int) -> list[int]:
    """The server's worker processes (not multiprocessing's resource tracker)."""
    return [
        p
        for p in _children(pid)
        if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()
        and b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()
    ]


def _peer_ports(pid: int) -> set[int]:
    """The remote ports of the TCP connections process ``pid`` holds (/proc/net/tcp*)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except FileNotFoundError:  # closed between the listing and the look (a busy worker)
            continue
        if target.startswith("socket:["):
            inodes.add(target.removeprefix("socket:[").removesuffix("]"))
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.add(int(fields[2].rsplit(":", 1)[1], 16))
    return ports


def _gone(pid: int, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def _get(url: str) -> tuple[socket.socket, bytes]:
    """A kept-open connection that has asked for /login, and the answer's first bytes."""
    host, port = url.removeprefix("http://").split(":")
    conn = socket.create_connection((host, int(port)), timeout=10)
    conn.sendall(f"GET /login HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    return conn, conn.recv(64)


def test_every_worker_takes_connections_and_all_stop_together(tmp_path: Path) -> None:
    with serving(tmp_path, workers=2) as (url, proc):
        workers = _workers(proc.pid)
        assert len(workers) == 2
        held = [_get(url) for _ in range(40)]
        try:
            assert all(first.startswith(b"HTTP/1.1 200") for _, first in held)
            # The kernel spreads connections over the workers' sockets by a hash of the
            # addresses: each takes some (all 40 on one: one chance in 2**39). Counted by
            # our own ports, so a socket a worker opens for anything else is not counted.
            ours = {conn.getsockname()[1] for conn, _ in held}
            taken = {w: len(_peer_ports(w) & ours) for w in workers}
            assert all(n > 0 for n in taken.values()), taken
            assert sum(taken.values()) == 40
        finally:
            for conn, _ in held:
                conn.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert all(_gone(w) for w in workers)


def test_a_dead_worker_stops_the_server(tmp_path: Path) -> None:
    with serving(tmp_path, workers=2) as (_, proc):
        first, second = _workers(proc.pid)
        os.kill(first, signal.SIGKILL)
        assert proc.wait(timeout=30) == 1
        assert _gone(second)


def test_a_port_in_use_fails_before_any_worker_starts(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        cmd, env = serve_command(tmp_path, port, workers=2)
        done = subprocess.run(cmd, env=env, capture_output=True, timeout=60)
    assert done.returncode != 0
    assert b"Address already in use" in done.stderr + done.stdout
