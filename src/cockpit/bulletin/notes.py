"""The bulletin's notes on sources and methods (zh-CN, en), stated once."""

from __future__ import annotations

NOTES: tuple[tuple[str, str], ...] = (
    (
        "社会消费品零售总额、分区县和分类别数据为统计部门发布数，同比增速按发布口径列示，不由总量反推。"
        "1—2月数据合并发布。",
        "Total, district and category retail sales are the statistics bureau's published figures; "
        "growth rates are shown as published, never re-derived from levels. January and February "
        "are released together.",
    ),
    (
        "标注“E”的为估算数：尚未发布月份的全市、区县和分类别数据为官方口径临近预测"
        "（同一模型，附95%区间与回测误差）；网上零售额、数字消费规模等统计部门不发布的总量，"
        "为样本占比乘以官方口径总量。",
        "Figures marked E are estimates: the city's, a district's or a category's figure for a "
        "month not yet published is the official-scale nowcast (one model, with its 95% band "
        "and backtest error); levels the bureau does not publish (online retail, digital "
        "consumption) are the sample's share applied to the official-scale total.",
    ),
    (
        "标注“S”的为样本数：来自接入的交易数据（支付、平台等），是全社会消费的样本而非全量，"
        "增速为相同月份样本合计的同比；标注“D”的为由发布数推算（如商品零售 = 总额 − 餐饮收入）。",
        "Figures marked S come from the sample of transactions the city loads (payments, "
        "platforms), not a census; their growth compares the same months' sample totals a year "
        "apart. Figures marked D are derived from published figures (goods = total − catering).",
    ),
    (
        "样本过少或不宜公布的单元格以“…”表示；指标目录公布抽样误差的，括注相对标准误差（CV）。"
        "“—”表示无数据。",
        "Cells too thin to publish are shown as “…”; where the indicator catalogue publishes a "
        "sampling error, its relative standard error (CV) is given. “—” means no data.",
    ),
    (
        "数字消费按商务部等8部门《关于大力推进数字消费 共创数字时代美好生活的指导意见》"
        "分为数字产品、数字服务、数字内容消费和数字渠道消费四类，一笔交易可同时属于多类。",
        "Digital consumption follows the Guiding Opinions on Vigorously Promoting Digital "
        "Consumption (MOFCOM and seven other departments): digital products, digital services, "
        "digital content, and consumption through digital channels; one payment can be of "
        "several types.",
    ),
    (
        "消费券与补贴：兑付额与带动交易额来自项目台账；拉动比为毛口径，因果乘数为双重差分实测，二者分列。",
        "Programmes: money paid and the sales with it come from the programme ledger; gross "
        "leverage and the measured (difference-in-differences) multiplier are shown apart.",
    ),
)
