"""Reads on the event loop from a SQLite file (``aioread.sqlite_rows``): a file made anew at
the same path (a restore) is read, not the one the connection opened first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from cockpit.access import aioread


def write_db(path: Path, names: list[str]) -> None:
    """A fresh file at ``path`` (a new inode) holding ``names``."""
    fresh = path.with_suffix(".new")
    conn = sqlite3.connect(fresh)
    conn.execute("CREATE TABLE t (name TEXT PRIMARY KEY)")
    conn.executemany("INSERT INTO t VALUES (?)", [(n,) for n in names])
    conn.commit()
    conn.close()
    fresh.replace(path)


SQL = "SELECT name FROM t WHERE name = ?"


def test_a_row_only_the_new_file_holds_is_found_at_once(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    write_db(path, ["old"])
    assert aioread.sqlite_rows(engine, SQL, ("old",)) == [("old",)]
    write_db(path, ["new"])
    assert aioread.sqlite_rows(engine, SQL, ("new",)) == [("new",)]  # a miss checks the file
    assert aioread.sqlite_rows(engine, SQL, ("old",)) == []


def test_a_replaced_file_is_noticed_when_the_check_comes_round(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    write_db(path, ["kept"])
    assert aioread.sqlite_rows(engine, SQL, ("kept",)) == [("kept",)]
    write_db(path, ["other"])  # "kept" is gone from the file now at the path
    monkeypatch.setattr(aioread, "INODE_RECHECK", 0.0)
    assert aioread.sqlite_rows(engine, SQL, ("kept",)) == []


def test_a_missing_file_or_table_hands_the_read_to_the_engine(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    assert aioread.sqlite_rows(engine, SQL, ("x",)) is None  # no file yet
    write_db(path, [])
    assert aioread.sqlite_rows(engine, "SELECT * FROM nowhere", ()) is None
    assert aioread.sqlite_rows(engine, SQL, ("x",)) == []  # connected again afterwards
    memory = create_engine("sqlite://")
    assert aioread.sqlite_rows(memory, SQL, ("x",)) is None
