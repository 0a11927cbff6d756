"""Numbers written as text by byte matrices agree with Python's own formatting."""

from __future__ import annotations

import datetime as dt

import numpy as np

from cockpit.sample import text


def test_yuan_text_matches_python_formatting_for_any_sign_and_size() -> None:
    rng = np.random.default_rng(1)
    fen = np.concatenate([rng.integers(-(10**9), 10**11, 5000), [0, 1, -1, 99, -100, 100, 10**11]])
    expected = [("-" if v < 0 else "") + f"{abs(v) // 100}.{abs(v) % 100:02d}" for v in fen]
    assert text.yuan(fen.astype(np.int64)).to_pylist() == expected


def test_iso_times_match_datetime_for_every_hour_across_years() -> None:
    base = dt.datetime(2023, 1, 1)
    moments = [base + dt.timedelta(hours=h, seconds=h * 7 % 60) for h in range(0, 4 * 8784, 7)]
    epoch = dt.datetime(1970, 1, 1)
    seconds = np.array([int((m - epoch).total_seconds()) for m in moments], dtype=np.int64)
    assert text.iso_times(seconds).to_pylist() == [str(m) for m in moments]


def test_numbered_ids_are_zero_padded_after_their_prefix() -> None:
    ids = text.numbered("UP", np.array([0, 42, 123456789012], dtype=np.int64), 12)
    assert ids.to_pylist() == ["UP000000000000", "UP000000000042", "UP123456789012"]
    assert text.numbered("V", np.array([7], dtype=np.int64), 3).to_pylist() == ["V007"]
