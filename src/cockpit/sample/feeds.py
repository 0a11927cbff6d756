"""Write the three transaction feeds, one file per year, as their senders deliver them.

- ``交易流水_银联_YYYY.csv``: GB18030, Chinese headers and labels, mixed time and money styles;
- ``transactions_platform_YYYY.parquet``: typed columns, English codes;
- ``transactions_wallet_YYYY.csv``: UTF-8 without BOM, English headers and codes.

Text columns are built with Arrow compute kernels over whole chunks, never row by row.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from numpy.typing import NDArray

from cockpit.sample import text
from cockpit.sample.merchants import CHANNELS, Merchants
from cockpit.sample.payers import AGE_BANDS, SEGMENTS, Payers
from cockpit.sample.transactions import PAYMENTS, US, Batch

UNIONPAY_HEADER = (
    "数据来源",
    "交易流水号",
    "交易时间",
    "交易金额(元)",
    "商户编号",
    "渠道",
    "支付方式",
    "付款人证件号",
    "卡号",
    "设备号",
    "付款人类型",
    "年龄段",
    "消费券编号",
    "退款标志",
)
WALLET_HEADER = (
    "source",
    "txn_id",
    "txn_time",
    "amount_yuan",
    "merchant_id",
    "channel",
    "payment_method",
    "payer_id",
    "card_no",
    "device_id",
    "payer_segment",
    "age_band",
    "voucher_id",
    "refund_flag",
)
CHANNEL_ZH = ("线下", "网络零售", "即时零售", "直播电商")
PAYMENT_ZH = ("银行卡", "移动支付", "数字人民币", "境外银行卡", "现金")
SEGMENT_ZH = ("本地居民", "外地游客", "境外游客")
TXN_PREFIX = {"unionpay": "UP", "platform_a": "PA", "wallet_b": "WB"}
VOUCHER_PREFIX = "YZV2026"
BAD_TIMES = ("2025-13-45 10:00:00", "昨天", "2024-02-30 25:61:00")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

# flags of Batch.flag
CLEAN, NEGATIVE, BAD_DATE, CONFLICT, REPEAT, FULL_WIDTH_AMOUNT = range(6)
FLAG_REASON = {
    NEGATIVE: "negative_amount_not_refund",
    BAD_DATE: "unparseable_date",
    CONFLICT: "conflicting_duplicate",
}


@dataclass(frozen=True)
class Lookups:
    """String pools the feeds take values from."""

    merchant_ids: pa.Array
    payers: Payers

    @staticmethod
    def build(merchants: Merchants, payers: Payers) -> Lookups:
        return Lookups(pa.array(merchants.ids, type=pa.string()), payers)


def _coded(dictionary: pa.Array, index: NDArray[Any], present: Any = None) -> pa.Array:
    """Values of ``dictionary`` by index, dictionary-encoded: no strings are copied (the CSV
    and Parquet writers read dictionaries directly)."""
    mask = None if present is None else ~present
    return pa.DictionaryArray.from_arrays(pa.array(index.astype(np.int32), mask=mask), dictionary)


def _labels(values: tuple[str, ...], index: NDArray[Any], present: Any = None) -> pa.Array:
    return _coded(pa.array(values, type=pa.string()), index, present)


def _optional(pool: pa.Array, index: NDArray[np.int64], present: NDArray[np.bool_]) -> pa.Array:
    return pool.take(pa.array(index, mask=~present))


def _numbered(prefix: str, seq: NDArray[np.int64], width: int, missing: Any = None) -> pa.Array:
    if missing is None:
        return text.numbered(prefix, seq, width)
    present = ~missing
    ids = text.numbered(prefix, seq[present], width)
    return pc.replace_with_mask(pa.nulls(len(seq), pa.string()), pa.array(present), ids)


def txn_id(source: str, seq: int) -> str:
    """The id of the ``seq``-th payment of ``source``."""
    return f"{TXN_PREFIX[source]}{seq:012d}"


def _text(values: NDArray[np.int64]) -> pa.Array:
    return pa.array(values).cast(pa.string())


def _pad(values: NDArray[np.int64], width: int) -> pa.Array:
    return pc.utf8_lpad(_text(values), width, padding="0")


def _join(*parts: Any) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _yuan_text(fen: NDArray[np.int64], styled: NDArray[np.bool_]) -> pa.Array:
    """``1234.50``; the ``styled`` rows as cashiers' exports write them, ``¥1,234.50``."""
    plain = text.yuan(fen)
    if not styled.any():
        return plain
    whole, cents = np.abs(fen) // 100, np.abs(fen) % 100
    w, c = whole[styled], cents[styled]
    s = pc.if_else(pa.array(fen[styled] < 0), "-", "")
    grouped = pc.if_else(
        pa.array(w >= 1_000_000),
        _join(_text(w // 1_000_000), ",", _pad(w // 1000 % 1000, 3), ",", _pad(w % 1000, 3)),
        pc.if_else(pa.array(w >= 1000), _join(_text(w // 1000), ",", _pad(w % 1000, 3)), _text(w)),
    )
    fancy = _join(s, "¥", grouped, ".", _pad(c, 2))
    return pc.replace_with_mask(plain, pa.array(styled), fancy)


def _time_text(ts: NDArray[np.int64], slashed: NDArray[np.bool_]) -> pa.Array:
    """``2025-03-01 08:00:00``; the ``slashed`` rows as ``2025/3/1 8:00:00``."""
    seconds = ts // US
    iso = text.iso_times(seconds)
    if not slashed.any():
        return iso
    sec = seconds[slashed]
    days = (sec // 86400).astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    year = months.astype(np.int64) // 12 + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months).astype(np.int64) + 1
    clock = sec % 86400
    alt = _join(
        _text(year),
        "/",
        _text(month),
        "/",
        _text(day),
        " ",
        _text(clock // 3600),
        ":",
        _pad(clock % 3600 // 60, 2),
        ":",
        _pad(clock % 60, 2),
    )
    return pc.replace_with_mask(iso, pa.array(slashed), alt)


def _spoil_text(
    column: pa.Array, rows: NDArray[np.int64], change: Callable[[int, str], str]
) -> pa.Array:
    """Replace a few values (a handful of rows: a Python loop over them is fine)."""
    if not len(rows):
        return column
    mask = np.zeros(len(column), dtype=bool)
    mask[rows] = True
    new = [change(k, column[int(i)].as_py()) for k, i in enumerate(rows)]
    return pc.replace_with_mask(column, pa.array(mask), pa.array(new, type=pa.string()))


def _styled(batch: Batch, rng: np.random.Generator, share: float) -> NDArray[np.bool_]:
    """Which rows get a house style; a repeated row is written exactly like its original."""
    styled = rng.random(len(batch)) < share
    repeats = np.flatnonzero(batch.flag == REPEAT)
    styled[repeats] = styled[repeats - 1]
    return styled


def _common(batch: Batch, look: Lookups, source: str) -> dict[str, pa.Array]:
    p = look.payers
    has_card = np.isin(batch.payment, [0, 3])
    has_device = np.isin(batch.payment, [1, 2]) | (batch.channel != 0)
    return {
        "txn_id": _numbered(TXN_PREFIX[source], batch.txn, 12),
        "merchant_id": _coded(look.merchant_ids, batch.merchant),
        "payer_id": p.ids.take(pa.array(batch.payer)),
        "card_no": _optional(p.cards, batch.payer, has_card),
        "device_id": _optional(p.devices, batch.payer, has_device),
        "voucher_id": _numbered(VOUCHER_PREFIX, batch.voucher, 8, batch.voucher < 0),
    }


def unionpay_table(batch: Batch, look: Lookups, rng: np.random.Generator) -> pa.Table:
    """The UnionPay acquirer's export: Chinese labels, some ¥-styled amounts and slashed dates."""
    c = _common(batch, look, "unionpay")
    n = len(batch)
    amount = _yuan_text(batch.amount, _styled(batch, rng, 0.05))
    amount = _spoil_text(
        amount,
        np.flatnonzero(batch.flag == FULL_WIDTH_AMOUNT),
        lambda _k, v: v.translate(FULL_WIDTH),
    )
    when = _spoil_text(
        _time_text(batch.ts, _styled(batch, rng, 0.1)),
        np.flatnonzero(batch.flag == BAD_DATE),
        lambda k, _v: BAD_TIMES[k % len(BAD_TIMES)],
    )
    columns = [
        _labels(("unionpay",), np.zeros(n, dtype=np.int32)),
        c["txn_id"],
        when,
        amount,
        c["merchant_id"],
        _labels(CHANNEL_ZH, batch.channel),
        _labels(PAYMENT_ZH, batch.payment),
        c["payer_id"],
        c["card_no"],
        c["device_id"],
        _labels(SEGMENT_ZH, batch.segment),
        _labels(AGE_BANDS, look.payers.age_band[batch.payer], batch.payment == 0),
        c["voucher_id"],
        _labels(("否", "是"), batch.refund),
    ]
    return pa.table(columns, names=list(UNIONPAY_HEADER))


def wallet_table(batch: Batch, look: Lookups, rng: np.random.Generator) -> pa.Table:
    """The wallet operator's export: English codes, Y/N refund flags."""
    c = _common(batch, look, "wallet_b")
    n = len(batch)
    when = _spoil_text(
        _time_text(batch.ts, _styled(batch, rng, 0.05)),
        np.flatnonzero(batch.flag == BAD_DATE),
        lambda k, _v: BAD_TIMES[(k + 1) % len(BAD_TIMES)],
    )
    columns = [
        _labels(("wallet_b",), np.zeros(n, dtype=np.int32)),
        c["txn_id"],
        when,
        _yuan_text(batch.amount, np.zeros(n, dtype=bool)),
        c["merchant_id"],
        _labels(CHANNELS, batch.channel),
        _labels(PAYMENTS, batch.payment),
        c["payer_id"],
        c["card_no"],
        c["device_id"],
        _labels(SEGMENTS, batch.segment),
        _labels(AGE_BANDS, look.payers.age_band[batch.payer]),
        c["voucher_id"],
        _labels(("N", "Y"), batch.refund),
    ]
    return pa.table(columns, names=list(WALLET_HEADER))


# Dictionary-encode only the columns with few distinct values (ids would waste the effort).
DICTIONARY_COLUMNS = [
    "source",
    "merchant_id",
    "channel",
    "payment_method",
    "payer_segment",
    "age_band",
]
PLATFORM_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("txn_id", pa.string()),
        ("ts", pa.timestamp("us")),
        ("amount_fen", pa.int64()),
        ("merchant_id", pa.string()),
        ("channel", pa.string()),
        ("payment_method", pa.string()),
        ("payer_id", pa.string()),
        ("card_no", pa.string()),
        ("device_id", pa.string()),
        ("payer_segment", pa.string()),
        ("age_band", pa.string()),
        ("voucher_id", pa.string()),
        ("is_refund", pa.bool_()),
    ]
)


# Low-cardinality columns are handed to the writer dictionary-encoded.
WRITE_SCHEMA = pa.schema(
    [
        pa.field(f.name, pa.dictionary(pa.int32(), pa.string()))
        if f.name in DICTIONARY_COLUMNS
        else f
        for f in PLATFORM_SCHEMA
    ]
)


def platform_table(batch: Batch, look: Lookups, rng: np.random.Generator) -> pa.Table:
    """The platform's typed export; it knows the age of about three payers in five."""
    del rng
    c = _common(batch, look, "platform_a")
    n = len(batch)
    columns = [
        _labels(("platform_a",), np.zeros(n, dtype=np.int32)),
        c["txn_id"],
        pa.array(batch.ts, pa.timestamp("us")),
        pa.array(batch.amount, pa.int64()),
        c["merchant_id"],
        _labels(CHANNELS, batch.channel),
        _labels(PAYMENTS, batch.payment),
        c["payer_id"],
        c["card_no"],
        c["device_id"],
        _labels(SEGMENTS, batch.segment),
        _labels(AGE_BANDS, look.payers.age_band[batch.payer], batch.payer % 5 >= 2),
        c["voucher_id"],
        pa.array(batch.refund),
    ]
    return pa.Table.from_arrays(columns, schema=WRITE_SCHEMA)


@dataclass
class FeedFile:
    """One yearly file being written."""

    name: str
    handle: BinaryIO | pq.ParquetWriter
    rows: int = 0


@dataclass
class FeedWriter:
    """Writes one source's yearly files and records where flagged rows landed."""

    source: str
    pattern: str  # file name with {year}
    build: Callable[[Batch, Lookups, np.random.Generator], pa.Table]
    encoding: str | None  # None: Parquet
    header: tuple[str, ...] = ()
    trailing_blank: bool = False
    out_dir: Path = Path(".")
    current: FeedFile | None = None
    done: dict[str, int] = field(default_factory=dict)

    def write(
        self, batch: Batch, year: int, look: Lookups, rng: np.random.Generator
    ) -> list[dict[str, Any]]:
        """Append ``batch``; return the flagged rows as {file, line, flag, txn_id}."""
        name = self.pattern.format(year=year)
        if self.current is None or self.current.name != name:
            self.close()
            self.current = self._open(name)
        table = self.build(batch, look, rng)
        out = self._flagged(batch, self.current)
        if isinstance(self.current.handle, pq.ParquetWriter):
            self.current.handle.write_table(table)
        else:
            self._write_csv(table, self.current.handle)
        self.current.rows += len(batch)
        return out

    def _open(self, name: str) -> FeedFile:
        path = self.out_dir / name
        if self.encoding is None:
            writer = pq.ParquetWriter(
                path,
                WRITE_SCHEMA,
                compression="snappy",
                use_dictionary=DICTIONARY_COLUMNS,
                dictionary_pagesize_limit=8 << 20,
                store_schema=False,  # readers see plain strings, not Arrow dictionaries
            )
            return FeedFile(name, writer)
        handle = path.open("wb")
        handle.write((",".join(self.header) + "\n").encode(self.encoding))
        return FeedFile(name, handle)

    def _write_csv(self, table: pa.Table, handle: BinaryIO) -> None:
        buf = io.BytesIO()
        pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False))
        data = buf.getvalue()
        if self.encoding != "utf-8":
            data = data.decode("utf-8").encode(self.encoding or "")
        handle.write(data)

    def _flagged(self, batch: Batch, file: FeedFile) -> list[dict[str, Any]]:
        rows = np.flatnonzero(batch.flag != CLEAN)
        return [
            {
                "file": file.name,
                "line": file.rows + int(i) + 2,
                "flag": int(batch.flag[i]),
                "txn_id": txn_id(self.source, int(batch.txn[i])),
            }
            for i in rows
        ]

    def close(self) -> None:
        if self.current is None:
            return
        handle = self.current.handle
        if isinstance(handle, pq.ParquetWriter):
            handle.close()
        else:
            if self.trailing_blank:
                handle.write(b"\n\n")
            handle.close()
        self.done[self.current.name] = self.current.rows
        self.current = None


def feed_writers(out_dir: Path) -> dict[str, FeedWriter]:
    """A writer per source, in the order of ``params.SOURCES``."""
    return {
        "unionpay": FeedWriter(
            "unionpay",
            "交易流水_银联_{year}.csv",
            unionpay_table,
            "gb18030",
            UNIONPAY_HEADER,
            out_dir=out_dir,
        ),
        "platform_a": FeedWriter(
            "platform_a",
            "transactions_platform_{year}.parquet",
            platform_table,
            None,
            out_dir=out_dir,
        ),
        "wallet_b": FeedWriter(
            "wallet_b",
            "transactions_wallet_{year}.csv",
            wallet_table,
            "utf-8",
            WALLET_HEADER,
            trailing_blank=True,
            out_dir=out_dir,
        ),
    }
