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
        "样本过少或不宜公布的单元格以“…”表示（指标目录的小单元格规则：商户过少、可反推、"
        "增速基数过小或误差过大），本公报不另设规则。“—”表示无数据。",
        "Cells too thin to publish are shown as “…” (the indicator catalogue's small-cell "
        "rules: too few merchants, recoverable by subtraction, a growth rate on too thin a base "
        "or too uncertain); the bulletin adds no rule of its own. “—” means no data.",
    ),
    (
        "抽样误差：样本数的可靠程度按指标目录公布的误差列示——“变异系数”为样本合计的相对标准"
        "误差（按商户重抽样，线性化计算），“±95%误差”为1.96倍标准误差（增速以百分点计）；"
        "估算的区县总量以临近预测的95%区间半宽列示。统计部门发布数不含抽样误差，"
        "其误差列为“—”。",
        "Sampling error: how reliable a sample figure is, as the indicator catalogue publishes "
        "it — “CV” is the sample total's relative standard error (merchants resampled, "
        "linearised), “± 95% margin” is 1.96 standard errors (a growth rate's in percentage "
        "points); an estimated district total carries half its nowcast's 95% band. The "
        "bureau's published figures carry no sampling error: their margin is “—”.",
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
        "消费券与补贴：兑付额、带动交易额与拉动比（毛口径）按项目台账计算，项目文件所载拉动比标注"
        "“报告”；实测效应与因果乘数由交易样本估计（商户×月泊松面板，附95%区间），另表列示，"
        "未评估的项目标注“未评估”。",
        "Programmes: money paid, the sales with it and gross leverage are computed from the "
        "programme ledger, and a leverage the programme file carries is labelled “reported”; "
        "the measured effect and causal multiplier are estimated from the sample of payments "
        "(merchant × month Poisson panel, with 95% intervals) in a table apart, and a "
        "programme never evaluated says “not evaluated”.",
    ),
)
