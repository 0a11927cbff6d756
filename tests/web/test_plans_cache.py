"""The plans' progress on the pages: kept a while, and an older answer served while one
thread finds the new one (reading every target's forecasts takes seconds on a large city)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from cockpit.web import rooms


def test_an_old_answer_is_served_while_one_thread_finds_the_new(
    cockpit_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    calls: list[int] = []

    def all_progress(*, session: Any) -> list[int]:
        calls.append(1)
        if len(calls) > 1:
            assert release.wait(10)
        return [len(calls)]

    monkeypatch.setattr(rooms, "_api", lambda room, name: all_progress)
    monkeypatch.setattr(rooms, "_plans_cache", {})
    assert rooms._progress() == [1] and rooms._progress() == [1] and len(calls) == 1
    # Past its time: the old answer at once, to every request, and one refresh only.
    (key,) = rooms._plans_cache
    rooms._plans_cache[key] = (0.0, [1])
    assert rooms._progress() == [1] and rooms._progress() == [1]
    release.set()
    for thread in threading.enumerate():
        if thread.name == "plans-progress":
            thread.join(10)
    assert len(calls) == 2 and rooms._progress() == [2]
