"""Check each room's line coverage against its floor, from the data pytest-cov just wrote.

Run by scripts/test.sh after the suite (``coverage json`` first). The whole package's floor
is ``fail_under`` in pyproject.toml; a room's floor here is a little under what its tests
reached when it was set, so a room whose tests stop covering its code fails the run.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

# Percent of statements each room's tests must run: about three points under what the whole
# suite reached on 2026-12-07 (the figure after each floor), in-process code only.
FLOORS = {
    "(top)": 85,  # 87.3
    "alerts": 90,  # 93.7
    "forecast": 87,  # 90.3
    "indicators": 87,  # 90.2
    "ingest": 89,  # 92.1
    "plans": 80,  # 83.2
    "programmes": 85,  # 88.9
    "reference": 95,  # 97.4
    "sample": 95,  # 98.4
    "scenarios": 87,  # 90.6
    "web": 79,  # 82.1
}

DEFAULT_FLOOR = 80  # a room added since: the package floor until it is measured


def room_of(path: str) -> str:
    """``src/cockpit/<room>/...`` → ``<room>``; modules at the top → ``(top)``."""
    parts = Path(path).parts
    i = parts.index("cockpit")
    return parts[i + 1] if len(parts) > i + 2 else "(top)"


def by_room(report: dict[str, object]) -> dict[str, tuple[int, int]]:
    """(statements, covered) per room from a ``coverage json`` report."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    files = report["files"]
    assert isinstance(files, dict)
    for path, data in files.items():
        summary = data["summary"]
        room = totals[room_of(path)]
        room[0] += summary["num_statements"]
        room[1] += summary["covered_lines"]
    return {room: (n, c) for room, (n, c) in totals.items()}


def main(path: str) -> int:
    rooms = by_room(json.loads(Path(path).read_text("utf-8")))
    failed = []
    print(f"{'room':<12} {'stmts':>6} {'cover':>6} {'floor':>6}")
    for room, (n, covered) in sorted(rooms.items()):
        pct = 100.0 * covered / n if n else 100.0
        floor = FLOORS.get(room, DEFAULT_FLOOR)
        mark = "" if pct >= floor else "  below its floor"
        print(f"{room:<12} {n:>6} {pct:>5.1f}% {floor:>5}%{mark}")
        if pct < floor:
            failed.append(room)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "coverage.json"))
