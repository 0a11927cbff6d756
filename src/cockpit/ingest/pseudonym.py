"""Keyed pseudonyms for personal identifiers (payer, card, device): HMAC-SHA256.

The key is ``settings.pseudonym_key``; it never reaches the lake. A pseudonym is ``ps:``
and the first 32 hex digits of the HMAC, so values that are already pseudonyms (say, in a
corrected quarantine export) pass through unchanged. Each identifier not yet seen is hashed
once: in DuckDB, vectorised (``sha256`` over the key's inner and outer pads), or with
Python's hashlib for a handful. A bounded cache spares repeat customers a second hash: a
table of slots keyed by a 128-bit digest of the identifier (two seeded 64-bit hashes),
never the identifier itself, each identifier in one of two slots. A look-up is a vectorised
gather (its cost does not grow with the cache); an identifier that lost its slots to
others is simply hashed again.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import polars as pl

# One pseudonym function for the product (programmes use it too): see cockpit.identity.
from cockpit.identity import PREFIX, PSEUDONYM_PATTERN, pseudonym

__all__ = ["PREFIX", "PSEUDONYM_PATTERN", "Pseudonymiser", "pseudonym"]
SEEDS = (0x5EED_0001, 0x5EED_0002)
CACHE_SLOTS = 1 << 22  # 4 million slots of 48 bytes: 192 MB, touched only as used
_DIGITS = 32  # the hex digits of the HMAC a pseudonym keeps
_WORDS = _DIGITS // 8  # as uint64 words of their ASCII bytes
FEW = 2_000  # fewer identifiers to hash than this: hashlib, else DuckDB


class Pseudonymiser:
    """Replaces identifiers by their keyed pseudonyms, many at a time."""

    def __init__(self, key: bytes, *, slots: int | None = None) -> None:
        import duckdb
        import numpy as np

        block = hashlib.sha256(key).digest() if len(key) > 64 else key
        block = block.ljust(64, b"\0")
        ipad, opad = bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)
        self._ipad, self._opad = ipad.hex(), opad.hex()
        self._states = (hashlib.sha256(ipad), hashlib.sha256(opad))
        self._con = duckdb.connect()
        size = slots or CACHE_SLOTS
        if size & (size - 1):
            raise ValueError("the number of cache slots must be a power of two")
        # One row per slot: digest h1, digest h2 (never 0: its low bit is set), and the 32
        # hex digits of the pseudonym (48 bytes in all). All zeros is an empty slot.
        self._slots = np.zeros((size, 2 + _WORDS), dtype=np.uint64)
        self._mask = np.uint64(size - 1)
        # The staging pipeline cleans in one thread and checks in another: one user at a time
        # of the DuckDB connection and the cache.
        self._lock = threading.Lock()

    def close(self) -> None:
        """Release the DuckDB connection and forget the cache."""
        import numpy as np

        self._con.close()
        self._slots = np.zeros((1, 2 + _WORDS), dtype=np.uint64)
        self._mask = np.uint64(0)

    def _hmac(self, clear: pl.Series) -> Any:
        """The pseudonym digits (32 hex, the HMAC's first half) of each value, as an
        (n, 4) uint64 array of their ASCII bytes.
        """
        import numpy as np

        if len(clear) <= FEW:
            # A handful (a cache that is warm): hashlib beats starting a DuckDB query.
            inner, outer = self._states
            out = []
            for value in clear.to_list():
                h = inner.copy()
                h.update(value.encode("utf-8"))
                o = outer.copy()
                o.update(h.digest())
                out.append(o.hexdigest()[:_DIGITS].encode("ascii"))
            digits = b"".join(out)
        else:
            self._con.register("clear_ids", pl.DataFrame({"clear": clear}).to_arrow())
            sql = (
                f"SELECT left(sha256(unhex('{self._opad}') || "
                f"unhex(sha256(unhex('{self._ipad}') || encode(clear)))), {_DIGITS}) AS d "
                "FROM clear_ids"
            )
            try:
                table: Any = self._con.sql(sql).to_arrow_table()
            finally:
                self._con.unregister("clear_ids")
            return _fixed_width(table.column("d").combine_chunks())
        return np.frombuffer(digits, dtype=np.uint64).reshape(-1, _WORDS).copy()

    def apply(self, values: pl.Series) -> pl.Series:
        """Pseudonyms of ``values`` (nulls stay null, pseudonyms stay as they are)."""
        with self._lock:
            return self._apply(values)

    def apply_many(self, columns: list[pl.Series]) -> list[pl.Series]:
        """Pseudonyms of several columns, hashing each identifier not yet seen once."""
        with self._lock:
            return [self._apply(column) for column in columns]

    def _apply(self, column: pl.Series) -> pl.Series:
        import numpy as np

        text = column.cast(pl.String)
        h1 = text.hash(seed=SEEDS[0]).to_numpy()
        h2 = text.hash(seed=SEEDS[1]).to_numpy() | np.uint64(1)
        clear = text.is_not_null()
        if text.str.starts_with(PREFIX).any():
            clear = clear & ~text.str.contains(PSEUDONYM_PATTERN).fill_null(False)
        digits, miss = self._cached(h1, h2)
        miss &= clear.to_numpy()
        if miss.any():
            digits[miss] = self._fresh(text.filter(pl.Series(miss)), h1[miss], h2[miss])
        out = _pseudonyms(digits).alias(column.name)
        if clear.all():
            return out
        return pl.select(
            pl.when(pl.lit(clear)).then(pl.lit(out)).otherwise(pl.lit(text))
        ).to_series()

    def _places(self, h1: Any, h2: Any) -> tuple[Any, Any]:
        """The two slots an identifier may sit in."""
        import numpy as np

        return (h1 & self._mask).astype(np.intp), (h2 >> np.uint64(1) & self._mask).astype(np.intp)

    def _cached(self, h1: Any, h2: Any) -> tuple[Any, Any]:
        """Cached pseudonym digits of the identifiers ((n, 4) uint64, garbage where
        missing) and which ones are missing.
        """
        import numpy as np

        first, second = self._places(h1, h2)
        found = np.take(self._slots, first, axis=0)
        miss = (found[:, 0] != h1) | (found[:, 1] != h2)
        if miss.any():
            # Only the identifiers not in their first slot look in their second.
            other = np.take(self._slots, second[miss], axis=0)
            found[miss] = other
            miss[miss] = (other[:, 0] != h1[miss]) | (other[:, 1] != h2[miss])
        return found[:, 2:], miss

    def _fresh(self, clear: pl.Series, h1: Any, h2: Any) -> Any:
        """Pseudonym digits of identifiers the cache does not hold (each hashed once),
        remembered.
        """
        import numpy as np

        wanted = pl.DataFrame({"h1": h1, "h2": h2, "clear": clear})
        distinct = wanted.unique(subset=["h1", "h2"]).with_row_index("i")
        digits = self._hmac(distinct["clear"])
        d1, d2 = distinct["h1"].to_numpy(), distinct["h2"].to_numpy()
        # The first slot if free, else the second (evicting what was there): a look-up
        # checks both, so identifiers seldom push each other out.
        first, second = self._places(d1, d2)
        place = np.where(self._slots[first, 1] == 0, first, second)
        self._slots[place] = np.column_stack([d1, d2, digits])
        at = wanted.join(distinct.drop("clear"), on=["h1", "h2"], how="left", maintain_order="left")
        return digits[at["i"].to_numpy()]


def _fixed_width(text: Any) -> Any:
    """An Arrow array of 32-character ASCII strings as an (n, 4) uint64 array of bytes."""
    import numpy as np
    import pyarrow as pa

    text = text.cast(pa.string())
    if text.null_count:
        raise RuntimeError("an identifier found no pseudonym; nothing was written")
    _, offsets_buffer, data = text.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32)[
        text.offset : text.offset + len(text) + 1
    ]
    if not (np.diff(offsets) == _DIGITS).all():
        raise RuntimeError("a pseudonym of unexpected length; nothing was written")
    raw = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]]
    return raw.view(np.uint64).reshape(-1, _WORDS).copy()


def _pseudonyms(digits: Any) -> pl.Series:
    """``ps:`` and the 32 hex digits of each row of ``digits``, built as one Arrow buffer."""
    import numpy as np
    import pyarrow as pa

    count = len(digits)
    width = len(PREFIX) + _DIGITS
    text = np.empty((count, width), dtype=np.uint8)
    text[:, len(PREFIX) :] = np.ascontiguousarray(digits).view(np.uint8)
    for i, byte in enumerate(PREFIX.encode()):
        text[:, i] = byte
    offsets = np.arange(0, width * count + 1, width, dtype=np.int32)
    array = pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(text))
    series = pl.Series("ps", array)  # Arrow strings are Polars strings: no cast to ask for
    assert series.dtype == pl.String
    return series
