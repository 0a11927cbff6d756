"""The people who pay: clear ids, cards, devices and age bands, as feeds carry them.

Built as whole arrays (digits as uint8 matrices turned into strings), never person by person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from cockpit.sample import text

SEGMENTS = ("resident", "out_of_town", "foreign_visitor")
SEGMENT_SHARES = (0.85, 0.13, 0.02)
AGE_BANDS = ("18-24", "25-34", "35-44", "45-59", "60+")
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
HOME_REGIONS = {
    "resident": ("500103", "500105", "500106", "500107", "500108", "500112", "500101", "500235"),
    "out_of_town": ("510104", "110105", "440106", "420102", "610113", "320102", "330106", "430104"),
}


@dataclass(frozen=True)
class Payers:
    """A pool of payers; index ``offset[s]..offset[s+1]`` is segment ``s``."""

    ids: pa.Array  # 18-character ID-card-like strings or 11-digit phones
    cards: pa.Array  # 19-digit UnionPay cards (62…) or 16-digit foreign cards (4…/5…)
    devices: pa.Array  # 16 hex digits
    age_band: NDArray[np.int8]  # index into AGE_BANDS
    offset: NDArray[np.int64]

    @property
    def size(self) -> int:
        return len(self.age_band)


def _strings(codes: NDArray[np.uint8]) -> pa.Array:
    """Rows of ASCII codes (n, width) as a string array."""
    return text.strings(codes.astype(np.uint8))


def _digits(rng: np.random.Generator, n: int, width: int) -> NDArray[np.uint8]:
    return rng.integers(0, 10, size=(n, width), dtype=np.uint8)


def _id_cards(
    rng: np.random.Generator, regions: tuple[str, ...], n: int
) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """ID-card numbers: region, birth date, sequence, ISO 7064 check character."""
    region = np.array([[int(ch) for ch in r] for r in regions], dtype=np.uint8)
    year = rng.integers(1945, 2007, size=n)
    month = rng.integers(1, 13, size=n)
    day = rng.integers(1, 29, size=n)
    birth = np.stack(
        [
            year // 1000,
            year // 100 % 10,
            year // 10 % 10,
            year % 10,
            month // 10,
            month % 10,
            day // 10,
            day % 10,
        ],
        axis=1,
    ).astype(np.uint8)
    body = np.concatenate(
        [region[rng.integers(0, len(regions), size=n)], birth, _digits(rng, n, 3)], axis=1
    )
    check = ID_CHECK[(body.astype(np.int64) @ ID_WEIGHTS) % 11]
    return np.concatenate([body + 48, check[:, None]], axis=1), year


def _phones(rng: np.random.Generator, n: int) -> NDArray[np.uint8]:
    head = np.stack([np.ones(n, dtype=np.uint8), rng.integers(3, 10, size=n, dtype=np.uint8)], 1)
    return np.concatenate([head, _digits(rng, n, 9)], axis=1) + 48


def _age_band(birth_year: NDArray[np.int64]) -> NDArray[np.int8]:
    age = 2025 - birth_year
    return np.searchsorted(np.array([25, 35, 45, 60]), age, side="right").astype(np.int8)


def _segment_ids(
    rng: np.random.Generator, segment: str, n: int
) -> tuple[pa.Array, NDArray[np.int8]]:
    phones = _strings(_phones(rng, n))
    if segment == "foreign_visitor":  # visitors pay with a local SIM's phone number
        return phones, rng.integers(0, len(AGE_BANDS), size=n).astype(np.int8)
    cards, year = _id_cards(rng, HOME_REGIONS[segment], n)
    use_phone = pa.array(rng.random(n) < 0.3)
    return pc.if_else(use_phone, phones, _strings(cards)), _age_band(year)


def _cards(rng: np.random.Generator, n: int, foreign: bool) -> pa.Array:
    if foreign:
        head = rng.integers(4, 6, size=(n, 1), dtype=np.uint8)
        return _strings(np.concatenate([head, _digits(rng, n, 15)], axis=1) + 48)
    head = np.tile(np.array([6, 2], dtype=np.uint8), (n, 1))
    return _strings(np.concatenate([head, _digits(rng, n, 17)], axis=1) + 48)


def make_payers(n: int, rng: np.random.Generator) -> Payers:
    """A pool of ``n`` payers split into residents, out-of-town and foreign visitors."""
    sizes = [max(50, int(n * s)) for s in SEGMENT_SHARES]
    ids, cards, ages = [], [], []
    for segment, size in zip(SEGMENTS, sizes, strict=True):
        seg_ids, seg_age = _segment_ids(rng, segment, size)
        ids.append(seg_ids)
        ages.append(seg_age)
        cards.append(_cards(rng, size, segment == "foreign_visitor"))
    total = sum(sizes)
    devices = _strings(HEX[rng.integers(0, 16, size=(total, 16))])
    return Payers(
        ids=pa.concat_arrays(ids),
        cards=pa.concat_arrays(cards),
        devices=devices,
        age_band=np.concatenate(ages),
        offset=np.cumsum([0, *sizes]),
    )
