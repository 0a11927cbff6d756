"""Fast text for whole columns: numbers written as ASCII byte matrices with numpy.

Arrow's ``strftime`` and string kernels cost microseconds a row; writing digits straight into a
``(rows, width)`` uint8 matrix and viewing it as fixed-width bytes is several times faster.
Right-aligned numbers become variable-length strings by keeping each row's tail (a boolean mask
over the matrix, flattened row by row, is exactly Arrow's string data buffer).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

ZERO = ord("0")
WHOLE = 10  # digits of the whole-yuan part at most


def strings(matrix: NDArray[np.uint8], start: NDArray[np.int64] | None = None) -> pa.Array:
    """Rows of ASCII codes (``rows × width``) as a string array; with ``start``, each row's
    text begins at its own column (right-aligned numbers lose their padding)."""
    rows, width = matrix.shape
    if start is None:
        data = np.ascontiguousarray(matrix).ravel()
        offsets = np.arange(rows + 1, dtype=np.int32) * width
    else:
        data = matrix[np.arange(width)[None, :] >= start[:, None]]
        offsets = np.zeros(rows + 1, dtype=np.int32)
        np.cumsum(width - start, out=offsets[1:])
    return pa.StringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(data))


PAIRS = np.array([[ZERO + i // 10, ZERO + i % 10] for i in range(100)], dtype=np.uint8)


def _digits_into(out: NDArray[np.uint8], values: NDArray[np.int64], first: int, width: int) -> None:
    """Write ``values`` zero-padded into columns ``first .. first + width``, two digits a pass."""
    rest = values.copy()
    col = first + width
    while col - first >= 2:
        out[:, col - 2 : col] = PAIRS[rest % 100]
        rest //= 100
        col -= 2
    if col > first:
        out[:, first] = rest % 10 + ZERO


def numbered(prefix: str, seq: NDArray[np.int64], width: int) -> pa.Array:
    """``prefix`` followed by ``seq`` zero-padded to ``width`` digits (``UP000000000042``)."""
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    out = np.empty((len(seq), len(head) + width), dtype=np.uint8)
    out[:, : len(head)] = head
    _digits_into(out, seq, len(head), width)
    return strings(out)


def iso_times(seconds: NDArray[np.int64]) -> pa.Array:
    """``YYYY-MM-DD HH:MM:SS`` for seconds since the epoch (wall-clock, no zone)."""
    days = (seconds // 86400).astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    year = months.astype(np.int64) // 12 + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months).astype(np.int64) + 1
    clock = seconds % 86400
    out = np.empty((len(seconds), 19), dtype=np.uint8)
    for first, width, values in (
        (0, 4, year), (5, 2, month), (8, 2, day),
        (11, 2, clock // 3600), (14, 2, clock % 3600 // 60), (17, 2, clock % 60),
    ):  # fmt: skip
        _digits_into(out, values, first, width)
    out[:, [4, 7]] = ord("-")
    out[:, 10] = ord(" ")
    out[:, [13, 16]] = ord(":")
    return strings(out)


def yuan(fen: NDArray[np.int64]) -> pa.Array:
    """Fen as yuan with two decimals: ``1234.50``, ``-12.00``."""
    whole, cents = np.abs(fen) // 100, np.abs(fen) % 100
    width = WHOLE + 4  # sign or digit slot, digits, point, two cents
    right = np.zeros((len(fen), width), dtype=np.uint8)
    _digits_into(right, whole, 1, WHOLE)
    right[:, WHOLE + 1] = ord(".")
    _digits_into(right, cents, WHOLE + 2, 2)
    length = np.ones(len(fen), dtype=np.int64)
    for power in range(1, WHOLE):
        length += whole >= 10**power
    start = WHOLE + 1 - length
    negative = fen < 0
    right[np.flatnonzero(negative), start[negative] - 1] = ord("-")
    return strings(right, start - negative)
