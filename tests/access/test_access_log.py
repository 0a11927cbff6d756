"""The access log is written by a thread, and nothing queued is lost at shutdown."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cockpit.db import ensure_schema
from cockpit.web.guard import buffer_access_log


@pytest.fixture
def client(cockpit_home: Path) -> Iterator[TestClient]:
    from cockpit.web.app import create_app

    ensure_schema()
    with TestClient(create_app()) as c:
        yield c


def test_buffered_access_lines_all_reach_the_log_when_it_stops(client: TestClient) -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    root = logging.getLogger()
    root.addHandler(handler)
    level = logging.getLogger("cockpit.web.access").level
    logging.getLogger("cockpit.web.access").setLevel(logging.INFO)
    stop = buffer_access_log()
    try:
        for n in range(50):
            client.get(f"/api/cockpit/periods?lang=en&n={n}")
    finally:
        stop()
        root.removeHandler(handler)
        logging.getLogger("cockpit.web.access").setLevel(level)
    lines = [line for line in out.getvalue().splitlines() if "/api/cockpit/periods" in line]
    assert len(lines) == 50
    assert lines[0].startswith("testclient - GET /api/cockpit/periods ")
