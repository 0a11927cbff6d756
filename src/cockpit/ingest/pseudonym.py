"""Keyed pseudonyms for personal identifiers (payer, card, device): HMAC-SHA256.

The key is ``settings.pseudonym_key``; it never reaches the lake. A pseudonym is ``ps:``
and the first 32 hex digits of the HMAC, so values that are already pseudonyms (say, in a
corrected quarantine export) pass through unchanged. Hashing runs in DuckDB, vectorised,
once per distinct identifier; a bounded cache (keyed by a digest of the identifier, never
the identifier itself) spares repeat customers a second hash.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import polars as pl

PREFIX = "ps:"
PSEUDONYM_PATTERN = r"^ps:[0-9a-f]{32}$"
CACHE_LIMIT = 4_000_000  # about 200 MB of digests and pseudonyms
SEEDS = (0x5EED_0001, 0x5EED_0002)
RECENT_TIER = 200_000


def pseudonym(key: bytes, value: str) -> str:
    """The pseudonym of one identifier (for tests and single look-ups)."""
    return PREFIX + hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


class Pseudonymiser:
    """Replaces identifiers by their keyed pseudonyms, many at a time."""

    def __init__(self, key: bytes) -> None:
        import duckdb

        block = hashlib.sha256(key).digest() if len(key) > 64 else key
        block = block.ljust(64, b"\0")
        self._ipad = bytes(b ^ 0x36 for b in block).hex()
        self._opad = bytes(b ^ 0x5C for b in block).hex()
        self._con = duckdb.connect()
        self._main: Tier = _tier()
        self._recent: Tier = _tier()

    def close(self) -> None:
        """Release the DuckDB connection and forget the cache."""
        self._con.close()
        self._main = self._recent = _tier()

    def _hash(self, clear: pl.Series) -> pl.Series:
        self._con.register("clear_ids", pl.DataFrame({"clear": clear}).to_arrow())
        sql = (
            f"SELECT '{PREFIX}' || left(sha256(unhex('{self._opad}') || "
            f"unhex(sha256(unhex('{self._ipad}') || encode(clear)))), 32) AS ps FROM clear_ids"
        )
        try:
            table: Any = self._con.sql(sql).to_arrow_table()
        finally:
            self._con.unregister("clear_ids")
        return pl.Series("ps", table.column("ps"), dtype=pl.String)

    def apply(self, values: pl.Series) -> pl.Series:
        """Pseudonyms of ``values`` (nulls stay null, pseudonyms stay as they are)."""
        return self.apply_many([values])[0]

    def apply_many(self, columns: list[pl.Series]) -> list[pl.Series]:
        """Pseudonyms of several columns, hashing each distinct identifier once.

        Identifiers are matched through a 128-bit digest (two seeded 64-bit hashes) kept in
        sorted arrays, so a look-up is a binary search (its cost does not grow with the cache
        as a hash join's would) and the cache holds no clear identifier.
        """
        stacked = pl.concat([c.cast(pl.String) for c in columns])
        h1 = stacked.hash(seed=SEEDS[0]).to_numpy()
        h2 = stacked.hash(seed=SEEDS[1]).to_numpy()
        clear = stacked.is_not_null() & ~stacked.str.contains(PSEUDONYM_PATTERN).fill_null(False)
        wanted = pl.DataFrame({"h1": h1, "h2": h2, "clear": stacked}).filter(clear)
        wanted = wanted.unique(subset=["h1", "h2"]).sort("h1")
        found = self._find(wanted["h1"].to_numpy(), wanted["h2"].to_numpy())
        fresh = wanted.filter(pl.Series(found.is_null()))
        if fresh.height:
            ps = self._hash(fresh["clear"])
            found = found.scatter(found.is_null().arg_true(), ps)
            self._remember(fresh["h1"].to_numpy(), fresh["h2"].to_numpy(), ps)
        values = _lookup(wanted["h1"].to_numpy(), wanted["h2"].to_numpy(), found, h1, h2)
        # Rows that are not clear identifiers (nulls, pseudonyms already) keep their value.
        values = pl.select(
            pl.when(pl.lit(clear)).then(pl.lit(values)).otherwise(pl.lit(stacked))
        ).to_series()
        if (clear & values.is_null()).any():
            raise RuntimeError("an identifier found no pseudonym; nothing was written")
        out, offset = [], 0
        for column in columns:
            out.append(values.slice(offset, len(column)).alias(column.name))
            offset += len(column)
        return out

    def _find(self, h1: Any, h2: Any) -> pl.Series:
        """Cached pseudonyms of the digests (null where not cached)."""
        found = _lookup(*self._main, h1, h2)
        missing = found.is_null().arg_true()
        if missing.len() and len(self._recent[0]):
            at = missing.to_numpy()
            found = found.scatter(missing, _lookup(*self._recent, h1[at], h2[at]))
        return found

    def _remember(self, h1: Any, h2: Any, ps: pl.Series) -> None:
        """Add to the small recent tier; fold it into the main one when it has grown."""
        if len(self._main[0]) + len(self._recent[0]) + len(h1) > CACHE_LIMIT:
            self._main = self._recent = _tier()
        self._recent = _merge(self._recent, (h1, h2, ps))
        if len(self._recent[0]) > max(RECENT_TIER, len(self._main[0]) // 4):
            self._main, self._recent = _merge(self._main, self._recent), _tier()


Tier = tuple[Any, Any, pl.Series]  # sorted h1, aligned h2, aligned pseudonyms


def _tier() -> Tier:
    import numpy as np

    empty = np.empty(0, dtype=np.uint64)
    return empty, empty, pl.Series("ps", [], dtype=pl.String)


def _merge(a: Tier, b: Tier) -> Tier:
    import numpy as np

    h1 = np.concatenate([a[0], b[0]])
    order = np.argsort(h1, kind="stable")
    return h1[order], np.concatenate([a[1], b[1]])[order], pl.concat([a[2], b[2]]).gather(order)


def _lookup(keys1: Any, keys2: Any, values: pl.Series, h1: Any, h2: Any) -> pl.Series:
    """``values`` of the (h1, h2) digests in the table sorted by ``keys1`` (null if absent)."""
    import numpy as np

    if len(keys1) == 0:
        return pl.Series("ps", [None] * len(h1), dtype=pl.String)
    at = np.minimum(np.searchsorted(keys1, h1), len(keys1) - 1)
    hit = (keys1[at] == h1) & (keys2[at] == h2)
    picked = values.gather(at)
    return pl.select(pl.when(pl.lit(hit)).then(picked).otherwise(None).alias("ps")).to_series()
