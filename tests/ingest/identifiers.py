"""Scan every file under a COCKPIT_HOME for clear identifiers: raw bytes (UTF-8 and UTF-16),
and Parquet files decoded too (their pages may be compressed)."""

from __future__ import annotations

from pathlib import Path


def clear_identifiers_under(home: Path, clear: list[str]) -> list[tuple[str, str]]:
    """(file, identifier) for each clear identifier found in any file under ``home``."""
    import pyarrow.parquet as pq

    found = []
    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        data = path.read_bytes()
        texts = [data]
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            texts.append("\n".join(map(str, table.to_pylist())).encode("utf-8"))
        for value in clear:
            for text in texts:
                if any(value.encode(e) in text for e in ("utf-8", "utf-16-le", "utf-16-be")):
                    found.append((str(path.relative_to(home)), value))
                    break
    return found
