"""The indicator catalogue: every indicator declared once, with its formula as Ibis.

A formula is written over the *fact table* (``cockpit.indicators.fact``): each transaction
joined to the merchant version valid on its date, with flags for online, night-time,
digital types and so on. ``num`` is the Ibis aggregate of the indicator; ratio indicators
add a ``den`` and their value is ``scale * num / den``. Keeping numerator and denominator
apart lets year-to-date and same-store figures be summed exactly, in integer fen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

DIMENSIONS = (
    "month",
    "day",
    "district",
    "business_district",
    "category",
    "channel",
    "digital_type",
    "payer_segment",
    "payment_method",
)
# Dimensions that are not time; each is a column of the fact table (digital_type is unpivoted).
CUT_DIMENSIONS = DIMENSIONS[2:]
NIGHT_HOURS = (18, 2)  # night-time is 18:00 to 02:00, as in the Ministry of Commerce's 夜间经济

Kind = Literal["sum", "ratio", "merchants"]
Formula = Callable[[Any], Any]


@dataclass(frozen=True)
class Indicator:
    """One indicator of the catalogue."""

    id: str
    name_zh: str
    name_en: str
    unit: str
    kind: Kind
    definition: str
    num: Formula
    den: Formula | None = None
    scale: float = 1.0
    dimensions: tuple[str, ...] = DIMENSIONS

    @property
    def growth_unit(self) -> str:
        """Growth of a share is a change in percentage points; of a level, a percentage."""
        return "pp" if self.unit == "%" else "%"

    @property
    def additive_over_time(self) -> bool:
        """Whether months add up (for 1–2月 and 1–N月累计); merchant counts do not."""
        return self.kind != "merchants"

    @property
    def same_store(self) -> bool:
        """Whether same-store growth is defined (it is not for merchant counts)."""
        return self.kind != "merchants"

    def formula(self, t: Any) -> Any:
        """The indicator as one Ibis expression over the fact table ``t``."""
        num = self.num(t)
        if self.den is None:
            return num
        return num * self.scale / self.den(t)


def _sales(t: Any) -> Any:
    return t.amount_fen.sum()


def _sales_where(pred: Callable[[Any], Any]) -> Formula:
    return lambda t: t.amount_fen.sum(where=pred(t))


def _is_visitor(t: Any) -> Any:
    return t.payer_segment.isin(["out_of_town", "foreign_visitor"])


def _paid_with(method: str) -> Callable[[Any], Any]:
    return lambda t: t.payment_method == method


def _sale_count(t: Any) -> Any:
    return t.count(where=~t.is_refund)


ALL = DIMENSIONS
NO_CHANNEL = tuple(d for d in DIMENSIONS if d != "channel")
NO_PAYMENT = tuple(d for d in DIMENSIONS if d != "payment_method")

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "retail_sales",
        "社会消费品零售额（样本）",
        "Retail sales (sample)",
        "fen",
        "sum",
        "Net sales of goods and catering in the feeds (refunds subtracted).",
        _sales,
    ),
    Indicator(
        "goods_sales",
        "商品零售额",
        "Retail sales of goods",
        "fen",
        "sum",
        "Net sales of merchants in goods categories (RS01–RS18).",
        _sales_where(lambda t: t.kind == "goods"),
    ),
    Indicator(
        "catering_sales",
        "餐饮收入",
        "Catering revenue",
        "fen",
        "sum",
        "Net sales of catering merchants (CT01).",
        _sales_where(lambda t: t.kind == "catering"),
    ),
    Indicator(
        "online_sales",
        "网上零售额",
        "Online retail sales",
        "fen",
        "sum",
        "Net sales through channels flagged online in codes.yaml (NBS: 网上零售额).",
        _sales_where(lambda t: t.is_online),
        dimensions=NO_CHANNEL,
    ),
    Indicator(
        "online_share",
        "网上零售额占比",
        "Online share of retail sales",
        "%",
        "ratio",
        "Online retail sales as a percentage of retail sales.",
        _sales_where(lambda t: t.is_online),
        _sales,
        100.0,
        NO_CHANNEL,
    ),
    Indicator(
        "online_goods_share",
        "实物商品网上零售额占比",
        "Online physical-goods share",
        "%",
        "ratio",
        "Online sales of goods (not catering) as a percentage of retail sales, as NBS "
        "reports 实物商品网上零售额占社会消费品零售总额的比重.",
        _sales_where(lambda t: t.is_online & (t.kind == "goods")),
        _sales,
        100.0,
        NO_CHANNEL,
    ),
    Indicator(
        "digital_consumption",
        "数字消费额",
        "Digital consumption",
        "fen",
        "sum",
        "Net sales that are of at least one digital type of digital_taxonomy.yaml, counted "
        "once (de-duplicated); cut by digital_type, each type in full (types overlap).",
        _sales_where(lambda t: t.is_digital),
    ),
    Indicator(
        "digital_share",
        "数字消费占比",
        "Digital share of retail sales",
        "%",
        "ratio",
        "De-duplicated digital consumption as a percentage of retail sales.",
        _sales_where(lambda t: t.is_digital),
        _sales,
        100.0,
    ),
    Indicator(
        "night_sales",
        "夜间消费额",
        "Night-time sales",
        "fen",
        "sum",
        "Net sales with a timestamp from 18:00 to 02:00 (Asia/Shanghai), dated by the "
        "transaction's own date.",
        _sales_where(lambda t: t.is_night),
    ),
    Indicator(
        "night_share",
        "夜间消费占比",
        "Night-time share",
        "%",
        "ratio",
        "Night-time sales (18:00–02:00) as a percentage of retail sales.",
        _sales_where(lambda t: t.is_night),
        _sales,
        100.0,
    ),
    Indicator(
        "visitor_sales",
        "外来消费额",
        "Visitors' spending",
        "fen",
        "sum",
        "Net sales paid by out-of-town and foreign visitors.",
        _sales_where(_is_visitor),
    ),
    Indicator(
        "foreign_visitor_sales",
        "境外来客消费额",
        "Foreign visitors' spending",
        "fen",
        "sum",
        "Net sales paid by foreign visitors.",
        _sales_where(lambda t: t.payer_segment == "foreign_visitor"),
    ),
    Indicator(
        "ecny_share",
        "数字人民币支付占比",
        "e-CNY share of payments",
        "%",
        "ratio",
        "Net sales paid in e-CNY as a percentage of retail sales.",
        _sales_where(_paid_with("ecny")),
        _sales,
        100.0,
        NO_PAYMENT,
    ),
    Indicator(
        "foreign_card_share",
        "境外银行卡支付占比",
        "Foreign-card share of payments",
        "%",
        "ratio",
        "Net sales paid with foreign bank cards as a percentage of retail sales.",
        _sales_where(_paid_with("foreign_card")),
        _sales,
        100.0,
        NO_PAYMENT,
    ),
    Indicator(
        "transactions",
        "交易笔数",
        "Transactions",
        "count",
        "sum",
        "Number of payments, refunds not counted.",
        _sale_count,
    ),
    Indicator(
        "avg_ticket",
        "笔均消费",
        "Average ticket",
        "fen",
        "ratio",
        "Net sales divided by the number of payments.",
        _sales,
        _sale_count,
    ),
    Indicator(
        "active_merchants",
        "活跃商户数",
        "Active merchants",
        "count",
        "merchants",
        "Merchants with at least one payment (refunds aside) in the period.",
        lambda t: t.merchant_id.nunique(where=~t.is_refund),
    ),
    Indicator(
        "new_merchants",
        "新开业商户数",
        "New merchants",
        "count",
        "merchants",
        "Active merchants whose opening date falls in the month of their payment.",
        lambda t: t.merchant_id.nunique(where=~t.is_refund & t.is_new),
    ),
    Indicator(
        "voucher_sales",
        "消费券带动消费额",
        "Voucher-linked sales",
        "fen",
        "sum",
        "Net sales of payments in which a voucher was redeemed (the whole payment).",
        _sales_where(lambda t: t.voucher_id.notnull()),
    ),
)

_BY_ID = {i.id: i for i in INDICATORS}


class UnknownIndicator(KeyError):
    """No indicator has this id."""


def indicator(indicator_id: str) -> Indicator:
    """The indicator of ``indicator_id``."""
    try:
        return _BY_ID[indicator_id]
    except KeyError:
        known = ", ".join(_BY_ID)
        raise UnknownIndicator(f"no indicator {indicator_id!r}; known: {known}") from None


def check_dimensions(ind: Indicator, by: list[str]) -> None:
    """Refuse a cut the indicator does not allow."""
    for dim in by:
        if dim not in DIMENSIONS:
            raise ValueError(f"unknown dimension {dim!r}; known: {', '.join(DIMENSIONS)}")
        if dim not in ind.dimensions:
            raise ValueError(f"{ind.id} cannot be cut by {dim}")
