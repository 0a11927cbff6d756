"""Find or start a PostgreSQL server for the tests, and make a throwaway database on it."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import psycopg

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 5432


def _accepts(host: str, port: int) -> bool:
    try:
        with psycopg.connect(
            host=host, port=port, user="postgres", dbname="postgres", connect_timeout=3
        ):
            return True
    except psycopg.Error:
        return False


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError(
        "No PostgreSQL found: nothing answers on 127.0.0.1:5432 and no initdb is installed "
        "(apt-get install postgresql)."
    )


def _as_postgres(args: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; drop to the postgres user when we are root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@contextmanager
def _started_server() -> Iterator[tuple[str, int]]:
    bindir = _pg_bin()
    datadir = Path(tempfile.mkdtemp(prefix="cockpit-pg-"))
    if os.geteuid() == 0:
        shutil.chown(datadir, "postgres", "postgres")
    port = _free_port()
    subprocess.run(
        _as_postgres(
            [
                str(bindir / "initdb"),
                "-D",
                str(datadir),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
            ]
        ),
        check=True,
        capture_output=True,
    )
    opts = f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1 -c max_connections=300"
    subprocess.run(
        _as_postgres(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(datadir),
                "-o",
                opts,
                "-w",
                "-l",
                str(datadir / "log"),
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield DEFAULT_HOST, port
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "fast", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(datadir, ignore_errors=True)


@contextmanager
def _server() -> Iterator[tuple[str, int]]:
    if _accepts(DEFAULT_HOST, DEFAULT_PORT):
        yield DEFAULT_HOST, DEFAULT_PORT
        return
    with _started_server() as address:
        yield address


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a SQLAlchemy URL to a new, empty database, dropped afterwards."""
    with _server() as (host, port):
        name = f"cockpit_test_{uuid.uuid4().hex[:10]}"
        admin: dict[str, Any] = dict(
            host=host, port=port, user="postgres", dbname="postgres", autocommit=True
        )
        with psycopg.connect(**admin) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@{host}:{port}/{name}"
        finally:
            with psycopg.connect(**admin) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
