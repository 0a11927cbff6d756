"""The headline paragraph in the statistics bureau's phrasing, from the bulletin's cells."""

from __future__ import annotations

from cockpit.bulletin.model import Bulletin, Cell, Lang

BASIS_ZH = {"estimated": "（估算）", "sample": "（样本）", "derived": "（推算）"}
BASIS_EN = {"estimated": " (estimated)", "sample": " (sample)", "derived": " (derived)"}


def _change_zh(c: Cell) -> str:
    if c.shown is None:
        return f"同比增速{c.text}"
    shown = round(c.shown, 1)
    if shown < 0:
        return f"同比下降{abs(shown):.1f}%"
    return f"同比增长{shown:.1f}%"


def _change_en(c: Cell) -> str:
    if c.shown is None:
        return f"growth {c.text}"
    shown = round(c.shown, 1)
    word = "down" if shown < 0 else "up"
    return f"{word} {abs(shown):.1f}% year on year"


def _total_zh(lead: str, level: Cell, growth: Cell) -> str:
    """One sentence of the total: 1—10月，全市社会消费品零售总额X亿元（估算），同比增长Y%。"""
    mark = BASIS_ZH.get(level.basis, "")
    return f"{lead}社会消费品零售总额{level.text}亿元{mark}，{_change_zh(growth)}。"


def _total_en(lead: str, level: Cell, growth: Cell) -> str:
    mark = BASIS_EN.get(level.basis, "")
    return f"{lead} {level.text} hundred million yuan{mark}, {_change_en(growth)}."


def headline_text(b: Bulletin, lang: Lang) -> str:
    """ "1—10月，全市社会消费品零售总额X亿元，同比增长Y%。其中，10月份…" and its English."""
    h = b.headline
    if lang == "zh-CN":
        out = _total_zh(f"{h.period_zh}，{b.scope_zh}", h.ytd, h.ytd_yoy)
        if h.month_zh:
            out += _total_zh(f"其中，{h.month_zh}", h.month, h.month_yoy)
        return out + (
            f"按消费类型分，{h.period_zh}商品零售额{h.goods_ytd.text}亿元，{_change_zh(h.goods_ytd_yoy)}；"
            f"餐饮收入{h.catering_ytd.text}亿元，{_change_zh(h.catering_ytd_yoy)}。"
            f"网上零售额{h.online_ytd.text}亿元（估算），实物商品网上零售额占社会消费品零售总额的比重为"
            f"{h.online_goods_share_ytd.text}%（样本）。"
        )
    out = _total_en(
        f"In {h.period_en}, total retail sales of consumer goods in {b.region_en} were",
        h.ytd,
        h.ytd_yoy,
    )
    if h.month_en:
        out += " " + _total_en(f"In {h.month_en} alone they were", h.month, h.month_yoy)
    return out + (
        f" Retail sales of goods were {h.goods_ytd.text} hundred million yuan, "
        f"{_change_en(h.goods_ytd_yoy)}; catering revenue {h.catering_ytd.text} hundred million "
        f"yuan, {_change_en(h.catering_ytd_yoy)}. Online retail sales were {h.online_ytd.text} "
        f"hundred million yuan (estimated); physical goods bought online were "
        f"{h.online_goods_share_ytd.text}% of total retail sales (sample)."
    )
