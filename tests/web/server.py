"""``cockpit serve`` in a subprocess on a free loopback port, for tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_command(
    home: Path, port: int, *, workers: int = 1, extra_env: dict[str, str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """The command and environment of ``cockpit serve`` over ``home`` on ``port``."""
    env = {**os.environ, "COCKPIT_HOME": str(home), **(extra_env or {})}
    env.pop("COCKPIT_DB_URL", None)
    cmd = [sys.executable, "-c", "from cockpit.cli import app; app()", "serve", "--port", str(port)]
    return [*cmd, "--workers", str(workers)], env


@contextmanager
def served(home: Path, *, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """``cockpit serve`` over ``home`` on a free loopback port; yields its base URL."""
    with serving(home, extra_env=extra_env) as (url, _):
        yield url


@contextmanager
def serving(
    home: Path, *, extra_env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``served``, yielding the server's process too."""
    port = free_port()
    cmd, env = serve_command(home, port, workers=workers, extra_env=extra_env)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode() if proc.stdout else ""
                raise RuntimeError(f"cockpit serve exited: {out}")
            try:
                if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("cockpit serve did not answer within 60 s")
            time.sleep(0.2)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
