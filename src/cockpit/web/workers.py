"""``cockpit serve --workers N``: N server processes, each with its own listening socket.

One Python process uses one core, so a machine's cores need several processes. Uvicorn's own
``--workers`` shares one listening socket among them, and whichever process wakes first takes
the waiting connections: a burst of clients connecting at once lands unevenly (seen in the
claims burst: 94 and 158 keep-alive connections on two workers), and the clients of the
busier process wait about 1.3 times as long, for the life of their connections.

Here each worker binds its own socket to the same address with ``SO_REUSEPORT``, and the
kernel spreads new connections over the sockets by a hash of their addresses: evenly in
expectation, whatever each process is doing at that moment. The parent starts the workers,
stops them all on Ctrl+C or SIGTERM, and stops the rest (exit status 1) if one dies.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

BACKLOG = 4096


def can_share_port() -> bool:
    """Whether this system spreads connections over sockets sharing a port (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def bind_shared(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``, listening, that other processes may bind too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock


@dataclass(frozen=True)
class WorkerPlan:
    """What each worker process runs: a socket on ``host:port`` and ``run(sock)``."""

    host: str
    port: int
    run: Callable[[socket.socket], None]  # picklable: a module-level function


def _worker(plan: WorkerPlan) -> None:
    # A Ctrl+C meant for the parent reaches the whole process group: ignored while the worker
    # starts (no traceback from a half-done import); uvicorn then installs its own handlers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    plan.run(bind_shared(plan.host, plan.port))


def check_port(host: str, port: int) -> None:
    """Raise ``OSError`` if ``host:port`` cannot be listened on (in use, not an address here).

    Checked before any worker starts; the socket is closed again at once, as a listening
    socket left behind would be handed connections of its own."""
    bind_shared(host, port).close()


def run_workers(plan: WorkerPlan, workers: int) -> int:
    """Run ``workers`` processes of ``plan`` until interrupted; the exit status to give."""
    context = multiprocessing.get_context("spawn")
    procs: list[BaseProcess] = [
        context.Process(target=_worker, args=(plan,), name=f"cockpit-worker-{i}")
        for i in range(workers)
    ]
    for proc in procs:
        proc.start()
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous: dict[int, Any] = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    status = 0
    try:
        while not stopping:
            if any(not p.is_alive() for p in procs):
                status = 1  # a worker died: stop the others rather than serve short-handed
                break
            for proc in procs:
                proc.join(timeout=0.5 / len(procs))
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()  # SIGTERM: uvicorn finishes its requests and shuts down
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return status
