"""Compute a bulletin: the one structure the HTML, PDF, Excel and JSON renderers share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from cockpit import reference
from cockpit.bulletin import sources
from cockpit.bulletin.figures import CATERING, Inputs, derived_growth, difference
from cockpit.bulletin.model import (
    Bulletin,
    Cell,
    Chart,
    Column,
    Headline,
    Note,
    Row,
    Series,
    Table,
    Unit,
    WarningItem,
    cv_cell,
    margin95,
    none_cell,
)
from cockpit.bulletin.notes import NOTES
from cockpit.bulletin.periods import Release, recent_releases, release_of
from cockpit.format import SHANGHAI
from cockpit.reference import CITY_CODE, CITY_NAME_EN, CITY_NAME_ZH, DIGITAL_TYPES

TREND_RELEASES = 13


class NoData(LookupError):
    """The lake holds nothing to make this bulletin from."""


def region_names(region: str) -> tuple[str, str, str]:
    """Chinese and English names, and the bureau's 全市 / 全区 / 全县."""
    if region == CITY_CODE:
        return CITY_NAME_ZH, CITY_NAME_EN, "全市"
    d = reference.district(region)
    return d.name_zh, d.name_en, "全" + d.type_zh


def compute_bulletin(
    *, month: str, region: str = CITY_CODE, inputs: Inputs | None = None, lake: Path | None = None
) -> Bulletin:
    """The bulletin of ``region`` (the city, or a GB/T 2260 district) for ``month``."""
    from cockpit.config import get_settings

    inputs = inputs or Inputs(lake or get_settings().lake_dir)
    rel = release_of(month)
    region = region if region == CITY_CODE else reference.current_district_code(region)
    region_zh, region_en, scope_zh = region_names(region)
    total, _ = inputs.total(region, rel)
    if total.value is None and not total.suppressed:
        raise NoData(
            f"no published or estimated retail sales for {region_zh} in {rel.period}: "
            "load the official series and feeds, then run `cockpit build`"
        )
    main = main_table(inputs, region, rel)
    tables = (
        main,
        categories_table(inputs, region, rel),
        digital_table(inputs, region, rel),
        districts_table(inputs, rel, region),
        *programmes_tables(inputs, rel),
    )
    return Bulletin(
        region_code=region,
        region_zh=region_zh,
        region_en=region_en,
        scope_zh=scope_zh,
        month=rel.month,
        period=rel.period,
        title_zh=f"{region_zh}{rel.label('zh-CN')}社会消费品零售总额及数字消费运行情况",
        title_en=f"{region_en}: retail sales and digital consumption, {rel.label('en')}",
        headline=headline(main, rel),
        tables=tables,
        charts=charts(inputs, region, rel, tables),
        warnings=warnings(region),
        notes=tuple(Note(zh, en) for zh, en in NOTES),
        data_version=inputs.data_version,
        computed_at=dt.datetime.now(SHANGHAI).isoformat(timespec="seconds"),
    )


def _columns(rel: Release) -> tuple[Column, ...]:
    ytd = (
        Column(rel.label("zh-CN")[5:], rel.label("en").rsplit(" ", 1)[0], "亿元", "100m yuan"),
        Column("同比增长", "Growth y/y", "%", "%"),
    )
    if rel.combined:
        return ytd
    month = (
        Column(rel.month_label("zh-CN"), rel.month_label("en"), "亿元", "100m yuan"),
        Column("同比增长", "Growth y/y", "%", "%"),
    )
    return month + ytd


def _cells(rel: Release, month: tuple[Cell, Cell], ytd: tuple[Cell, Cell]) -> tuple[Cell, ...]:
    return ytd if rel.combined else (*month, *ytd)


def main_table(inputs: Inputs, region: str, rel: Release) -> Table:
    """Total; goods and catering; online retail and its physical-goods share."""
    rows = [
        Row(
            "total",
            "社会消费品零售总额",
            "Total retail sales of consumer goods",
            _cells(rel, inputs.total(region, rel), inputs.total_ytd(region, rel)),
        )
    ]
    for key, zh, en in (
        ("goods", "商品零售", "Retail sales of goods"),
        ("catering", "餐饮收入", "Catering revenue"),
    ):
        rows.append(
            Row(
                key,
                zh,
                en,
                _cells(rel, *(_kind(inputs, region, rel, key, ytd) for ytd in (False, True))),
                1,
            )
        )
    for key, zh, en, ind in (
        ("online", "网上零售额（估算）", "Online retail sales (estimated)", "online_sales"),
        (
            "online_goods",
            "其中：实物商品网上零售额",
            "of which physical goods",
            "online_goods_share",
        ),
    ):
        rows.append(
            Row(
                key,
                zh,
                en,
                _cells(rel, *(_online(inputs, region, rel, ind, ytd) for ytd in (False, True))),
                1 if key != "online" else 0,
            )
        )
    share = [
        inputs.sample_share("online_goods_share", ms, region) for ms in (rel.months, rel.ytd_months)
    ]
    prev = rel.year_before()
    old = [
        inputs.sample_share("online_goods_share", ms, region)
        for ms in (prev.months, prev.ytd_months)
    ]
    pp = [
        Cell(s.value - o.value, "pp", "sample", s.suppressed or o.suppressed)
        if s.value is not None and o.value is not None
        else none_cell("pp", "sample")
        for s, o in zip(share, old, strict=True)
    ]
    rows.append(
        Row(
            "online_goods_share",
            "实物商品网上零售额占社零总额比重（%，增减为百分点）",
            "Physical goods online, share of total (%; change in points)",
            _cells(rel, (share[0], pp[0]), (share[1], pp[1])),
            1,
        )
    )
    note_zh, note_en = _nowcast_note(inputs, region, rel)
    return Table(
        "main",
        "社会消费品零售总额主要数据",
        "Main data: retail sales of consumer goods",
        _columns(rel),
        tuple(rows),
        note_zh,
        note_en,
    )


def _nowcast_note(inputs: Inputs, region: str, rel: Release) -> tuple[str, str]:
    """How reliable the release's estimate is, when the total is not yet published."""
    estimate = inputs.nowcast.get((rel.period, region, ""))
    if inputs.published(region, "retail_sales", rel.period) or estimate is None:
        return "", ""
    lo, hi = (Cell(v, "fen", "estimated").text for v in estimate[2:])
    zh = f"{rel.short('zh-CN')}总量尚未发布，为官方口径临近预测估算数，95%区间{lo}—{hi}亿元"
    en = f"{rel.short('en')} is not yet published: official-scale nowcast, 95% band {lo}–{hi}"
    accuracy = inputs.nowcast_accuracy.get((region, ""))
    if accuracy is not None:
        n, mape, cov = accuracy
        zh += f"（回测{n}期平均绝对百分比误差{mape:.1f}%"
        en += f" (backtest over {n} periods: MAPE {mape:.1f}%"
        if cov is not None:
            zh += f"，95%区间实际覆盖{100 * cov:.0f}%"
            en += f", the 95% band held {100 * cov:.0f}%"
        zh += "）"
        en += ")"
    return zh + "。", en + " (100m yuan)."


def _kind(inputs: Inputs, region: str, rel: Release, key: str, ytd: bool) -> tuple[Cell, Cell]:
    """Goods or catering: where catering is published, it and total less catering; else
    the sample's share of the total."""
    if inputs.published_category(region, rel, CATERING):
        of = inputs.level_ytd if ytd else inputs.level
        catering = of(region, rel, CATERING)
        if key == "catering":
            return catering
        goods = difference(of(region, rel, "")[0], catering[0])
        before = rel.year_before()
        old = difference(of(region, before, "")[0], of(region, before, CATERING)[0])
        return goods, derived_growth(goods, old)
    total = (inputs.total_ytd if ytd else inputs.total)(region, rel)[0]
    ind = f"{key}_sales"
    months = rel.ytd_months if ytd else rel.months
    level = inputs.share_of(total, inputs.sample_share(ind, months, region))
    return level, inputs.sample_growth(ind, rel, ytd, region)


def _online(inputs: Inputs, region: str, rel: Release, ind: str, ytd: bool) -> tuple[Cell, Cell]:
    total = (inputs.total_ytd if ytd else inputs.total)(region, rel)[0]
    months = rel.ytd_months if ytd else rel.months
    level = inputs.share_of(total, inputs.sample_share(ind, months, region))
    return level, inputs.sample_growth(ind, rel, ytd, region)


def categories_table(inputs: Inputs, region: str, rel: Release) -> Table:
    """Goods categories: the city's as published, a district's estimated from the sample."""
    rows = []
    for cat in reference.categories():
        if cat.kind != "goods" or not cat.in_bulletin:
            continue
        pair = [_category(inputs, region, rel, cat.code, ytd) for ytd in (False, True)]
        rows.append(Row(cat.code, cat.name_zh, cat.name_en, _cells(rel, pair[0], pair[1])))
    return Table(
        "categories",
        "按商品类别分零售额",
        "Retail sales by category of goods",
        _columns(rel),
        tuple(rows),
        "城市数据为统计部门按类别发布数（尚未发布的月份为估算，标注E）；"
        "区县数据为样本占比乘以总量的估算数。",
        "City figures as published by category (months not yet published are estimated, E); "
        "a district's are estimated as the sample's share of its total.",
    )


def _category(inputs: Inputs, region: str, rel: Release, code: str, ytd: bool) -> tuple[Cell, Cell]:
    """Published (or grown from last year's published figure); else the sample's share."""
    if inputs.published_category(region, rel, code):
        return (inputs.level_ytd if ytd else inputs.level)(region, rel, code)
    total = (inputs.total_ytd if ytd else inputs.total)(region, rel)[0]
    months = rel.ytd_months if ytd else rel.months
    share = inputs.sample_share("retail_sales", months, region, category=code)
    return inputs.share_of(total, share), inputs.sample_growth(
        "retail_sales", rel, ytd, region, category=code
    )


def digital_table(inputs: Inputs, region: str, rel: Release) -> Table:
    """The four types of the Guiding Opinions and the de-duplicated total."""
    if region != CITY_CODE:
        # The catalogue builds district × digital type nowhere: computed live, once a batch.
        inputs.add_district_types((rel.year - 1, rel.year))
    taxonomy = {t.code: t for t in reference.digital_taxonomy().types}
    entries = [("digital_total", "数字消费（去重合计）", "Digital consumption (de-duplicated)", "")]
    entries += [
        (code, taxonomy[code].name_zh, taxonomy[code].name_en, code) for code in DIGITAL_TYPES
    ]
    rows = []
    for key, zh, en, dtype in entries:
        cells: list[Cell] = []
        for ytd in (False, True):
            if rel.combined and not ytd:
                continue
            months = rel.ytd_months if ytd else rel.months
            total = (inputs.total_ytd if ytd else inputs.total)(region, rel)[0]
            by_type = {"digital_type": dtype} if dtype else {}
            share = inputs.sample_share("digital_consumption", months, region, **by_type)
            growth = inputs.sample_growth("digital_consumption", rel, ytd, region, **by_type)
            # The CV the catalogue publishes for the sample total the share rests on.
            row = inputs.catalogue_row("digital_consumption", rel, ytd, region, **by_type)
            cv = cv_cell(row.cv if row else None, share.suppressed)
            cells += [share, cv, inputs.share_of(total, share), growth, margin95(growth)]
        rows.append(Row(key, zh, en, tuple(cells), 0 if not dtype else 1))
    cols: tuple[Column, ...] = ()
    for ytd in (False, True):
        if rel.combined and not ytd:
            continue
        when_zh = rel.label("zh-CN")[5:] if ytd else rel.month_label("zh-CN")
        when_en = rel.label("en").rsplit(" ", 1)[0] if ytd else rel.month_label("en")
        cols += (
            Column(f"{when_zh}占社零比重", f"{when_en}: share of total", "%", "%"),
            Column("变异系数", "CV", "%", "%"),
            Column(f"{when_zh}规模（估算）", f"{when_en}: estimated", "亿元", "100m yuan"),
            Column("同比增长（样本）", "Growth y/y (sample)", "%", "%"),
            Column("±95%误差", "± 95% margin", "百分点", "points"),
        )
    return Table(
        "digital",
        "数字消费（按《关于大力推进数字消费的指导意见》四类）",
        "Digital consumption by the four types of the Guiding Opinions",
        cols,
        tuple(rows),
        "一笔交易可同时属于多类，各类之和大于去重合计。变异系数为指标目录公布的样本数字消费额的"
        "抽样相对标准误差（按商户重抽样），占比与规模以其为准；±为同比增速的95%误差范围"
        "（1.96倍标准误差）；指标目录因样本过少或误差过大而不公布的以“…”表示，"
        "目录未公布误差的以“—”表示。",
        "A payment can be of several types, so the types add to more than the de-duplicated "
        "total. CV: the sampling coefficient of variation the indicator catalogue publishes "
        "for the sample's digital consumption (merchants resampled), on which the share and "
        "the estimate rest; ±: the 95% margin of the growth rate (1.96 standard errors). What "
        "the catalogue withholds as too thin or too uncertain is “…”; “—” where it publishes "
        "no error.",
    )


def districts_table(inputs: Inputs, rel: Release, own: str) -> Table:
    """Every district, ranked by year-to-date growth."""
    found = []
    for d in reference.districts():
        ytd, ytd_g = inputs.total_ytd(d.code, rel)
        month, month_g = inputs.total(d.code, rel)
        found.append((d, month, month_g, ytd, ytd_g))
    # Ranked by year-to-date growth; a suppressed or missing growth has no rank.
    ranked = sorted(found, key=lambda f: -(f[4].shown if f[4].shown is not None else -1e18))
    rows = []
    rank = 0
    for d, month, month_g, ytd, ytd_g in ranked:
        mark = "★" if d.code == own else ""
        cells = (
            (ytd, margin95(ytd), ytd_g)
            if rel.combined
            else (month, margin95(month), month_g, ytd, margin95(ytd), ytd_g)
        )
        place = none_cell("rank", ytd_g.basis)
        if ytd_g.shown is not None:
            rank += 1
            place = Cell(rank, "rank", ytd_g.basis)
        elif ytd_g.suppressed:
            place = Cell(None, "rank", ytd_g.basis, suppressed=True)
        rows.append(Row(d.code, mark + d.name_zh, mark + d.name_en, (*cells, place)))
    margin = Column("±95%误差", "± 95% margin", "亿元", "100m yuan")
    base = _columns(rel)  # (level, growth) for the month (unless 1–2月) and the year to date
    cols = tuple(
        c
        for level, growth in zip(base[::2], base[1::2], strict=True)
        for c in (level, margin, growth)
    )
    cols = (*cols, Column("增速位次", "Rank by growth"))
    return Table(
        "districts",
        "分区县社会消费品零售总额",
        "Retail sales by district",
        cols,
        tuple(rows),
        "已发布数为统计部门数，不含抽样误差（±列为“—”）；尚未发布月份为估算数（E），"
        "±为其95%误差范围：临近预测的95%区间半宽，或按样本增速推算时增速标准误差的1.96倍；"
        "累计数的误差为各估算月误差之和（上限）。",
        "Published figures are the bureau's and carry no sampling error (± is “—”); a month "
        "not yet published is estimated (E) and ± is its 95% margin: half the nowcast's 95% "
        "band, or 1.96 standard errors of the sample growth it is grown at; a year to date "
        "adds its estimated months' margins (an upper bound).",
    )


LEVERAGE_NOTE = {
    "consumption_voucher": ("带券交易额 / 核销券额", "sales in voucher payments per yuan"),
    "purchase_subsidy": ("获补贴商品销售额 / 补贴额", "sales of subsidised purchases per yuan"),
    "trade_in_subsidy": ("以旧换新销售额 / 补贴额", "sales of new items traded in for per yuan"),
}


def programmes_tables(inputs: Inputs, rel: Release) -> tuple[Table, Table]:
    """Each programme's month from its ledger (money out, sales, gross leverage computed and
    as reported); apart, its effect as evaluated on the sample of payments."""
    months = sources.programme_month(rel.months)
    rows, kinds, reported = [], [], []
    for p in months:
        leverage = p.sales_fen / p.paid_fen if p.paid_fen else None
        rows.append(
            Row(
                p.code,
                p.name_zh,
                p.name_en,
                (
                    Cell(p.paid_fen, "wan", "programme"),
                    Cell(p.sales_fen, "wan", "programme"),
                    Cell(leverage, "x", "programme"),
                    Cell(p.reported_leverage, "x", "programme"),
                ),
            )
        )
        kinds.append(LEVERAGE_NOTE.get(p.kind, LEVERAGE_NOTE["purchase_subsidy"]))
        if p.reported_source:
            reported.append((p.name_zh, p.name_en, p.reported_source))
    zh_kinds = "；".join(sorted({k[0] for k in kinds}))
    en_kinds = "; ".join(sorted({k[1] for k in kinds}))
    ledger = Table(
        "programmes",
        "消费券与补贴项目本期情况",
        "Voucher and subsidy programmes this period",
        (
            Column("本期兑付", "Paid out", "万元", "10k yuan"),
            Column("带动交易额", "Sales with it", "万元", "10k yuan"),
            Column("拉动比（按台账计算）", "Gross leverage (computed)", "倍", "x"),
            Column("拉动比（项目文件报告）", "Gross leverage (reported)", "倍", "x"),
        ),
        tuple(rows),
        "兑付额、带动交易额和拉动比按项目台账计算"
        + (f"（{zh_kinds}）" if zh_kinds else "")
        + "，为毛口径，含本来就会发生的消费；“报告”为项目文件所载数"
        + "".join(f"（{zh}：{src}）" for zh, _, src in reported)
        + "，非本系统计算。",
        "Paid out, sales and gross leverage are computed from the programme ledger"
        + (f" ({en_kinds})" if en_kinds else "")
        + ", gross: they include spending that would have happened anyway; “reported” is the "
        "figure the programme file carries"
        + "".join(f" ({en}: {src})" for _, en, src in reported)
        + ", not computed here.",
    )
    return ledger, effects_table(inputs, months)


def effects_table(inputs: Inputs, months: list[sources.ProgrammeMonth]) -> Table:
    """Each programme's newest evaluation: the uplift and the causal multiplier with their
    95 % intervals, estimated from the sample of payments; "not evaluated" where none."""
    found = inputs.programme_effects
    rows, about_zh, about_en = [], [], []
    for p in months:
        e = found.get(p.code)
        if e is None:
            unit: tuple[Unit, ...] = ("%",) * 3 + ("x",) * 3
            cells = tuple(Cell(None, u, "sample", absent="not_evaluated") for u in unit)
            rows.append(Row(p.code, p.name_zh, p.name_en, cells))
            continue
        pct = [Cell(100 * e[k], "%", "sample") for k in ("uplift", "uplift_lo95", "uplift_hi95")]
        mult = [
            Cell(e[k], "x", "sample")
            for k in ("causal_multiplier", "multiplier_lo95", "multiplier_hi95")
        ]
        rows.append(Row(p.code, p.name_zh, p.name_en, (*pct, *mult)))
        start, end = e["window_start"], e["window_end"]
        passes = bool(e["pre_trend_passes"])
        about_zh.append(
            f"{p.name_zh}：评估期{start}至{end}，处理组{e['n_treated']}户、对照组"
            f"{e['n_control']}户，事前趋势等价检验{'通过' if passes else '未通过'}，"
            f"最小可检测效应{100 * (e['min_detectable'] or 0):.1f}%，评估于"
            f"{str(e['evaluated_at'])[:16]}"
        )
        about_en.append(
            f"{p.name_en}: {start} to {end}, {e['n_treated']} treated and {e['n_control']} "
            f"control merchants, pre-trend equivalence {'shown' if passes else 'not shown'}, "
            f"minimum detectable effect {100 * (e['min_detectable'] or 0):.1f}%, evaluated "
            f"{str(e['evaluated_at'])[:16]}"
        )
    return Table(
        "effects",
        "消费券与补贴项目实测效应（样本估计）",
        "Programmes' measured effect (estimated from the sample)",
        (
            Column("消费增幅（估计）", "Uplift (estimate)", "%", "%"),
            Column("95%区间下限", "95% CI low", "%", "%"),
            Column("95%区间上限", "95% CI high", "%", "%"),
            Column("因果乘数（估计）", "Causal multiplier (estimate)", "倍", "x"),
            Column("95%区间下限", "95% CI low", "倍", "x"),
            Column("95%区间上限", "95% CI high", "倍", "x"),
        ),
        tuple(rows),
        "由接入的交易样本估计（商户×月泊松面板，商户与月份固定效应，按商户聚类的标准误差），"
        "为项目评估期的效应，与本期兑付额和拉动比分列；因果乘数为增量消费与同一项目补贴额之比。"
        "未评估的项目标注“未评估”。" + "".join(f"{a}。" for a in about_zh),
        "Estimated from the sample of payments (merchant × month Poisson panel, merchant and "
        "month fixed effects, standard errors clustered by merchant), over the programme's "
        "evaluation window, apart from this period's money out and leverage; the causal "
        "multiplier is incremental spending per yuan of the same programme's subsidy. A "
        "programme never evaluated says “not evaluated”. "
        + "".join(f"{a}. " for a in about_en).rstrip(),
    )


def headline(main: Table, rel: Release) -> Headline:
    rows = {r.key: r.cells for r in main.rows}
    ytd = 0 if rel.combined else 2
    return Headline(
        period_zh=rel.label("zh-CN")[5:],
        period_en=rel.label("en"),
        month_zh=rel.month_label("zh-CN"),
        month_en=rel.month_label("en"),
        ytd=rows["total"][ytd],
        ytd_yoy=rows["total"][ytd + 1],
        month=rows["total"][0],
        month_yoy=rows["total"][1],
        goods_ytd=rows["goods"][ytd],
        goods_ytd_yoy=rows["goods"][ytd + 1],
        catering_ytd=rows["catering"][ytd],
        catering_ytd_yoy=rows["catering"][ytd + 1],
        online_ytd=rows["online"][ytd],
        online_goods_share_ytd=rows["online_goods_share"][ytd],
    )


def charts(
    inputs: Inputs, region: str, rel: Release, tables: tuple[Table, ...]
) -> tuple[Chart, ...]:
    """Four charts: the monthly growth trend, categories, districts, the digital types."""
    trend = recent_releases(rel, TREND_RELEASES)
    growth = tuple(inputs.total(region, r)[1].rounded for r in trend)
    by_key = {t.key: t for t in tables}
    growth_series = ("同比增长", "Growth y/y")
    drawn = (
        Chart(
            "trend",
            "line",
            "社会消费品零售总额当月增速",
            "Monthly retail sales growth, y/y",
            tuple(f"{r.year % 100:02d}/{r.short('zh-CN')}" for r in trend),
            tuple(f"{r.short('en')} {r.year % 100:02d}" for r in trend),
            (Series(*growth_series, growth),),
            "%",
            "%",
        ),
        _bars(
            "categories",
            "barh",
            ("按类别分累计增速", "Year-to-date growth by category"),
            growth_series,
            by_key["categories"].rows,
            -1,
        ),
        # the districts' year-to-date growth: before the rank
        _bars(
            "districts",
            "barh",
            ("分区县累计增速", "Year-to-date growth by district"),
            growth_series,
            by_key["districts"].rows,
            -2,
        ),
        # the types' year-to-date share: first of the year to date's five columns
        _bars(
            "digital",
            "bar",
            ("数字消费四类占社零比重（累计）", "Digital consumption types, share of total (YTD)"),
            ("占比", "Share"),
            tuple(r for r in by_key["digital"].rows if r.key != "digital_total"),
            -5,
        ),
    )
    # A chart with nothing to draw (a district has no digital types) is left out.
    return tuple(c for c in drawn if any(v is not None for s in c.series for v in s.values))


def _bars(
    key: str,
    kind: Literal["bar", "barh"],
    title: tuple[str, str],
    series: tuple[str, str],
    rows: tuple[Row, ...],
    column: int,
) -> Chart:
    """A bar chart of one column (``column``, from the right) of a table's rows, in %."""
    return Chart(
        key,
        kind,
        *title,
        tuple(r.label_zh for r in rows),
        tuple(r.label_en for r in rows),
        (Series(*series, tuple(r.cells[column].rounded for r in rows)),),
        "%",
        "%",
    )


def warnings(region: str) -> tuple[WarningItem, ...]:
    found = sources.open_warnings()
    if region != CITY_CODE:
        found = [w for w in found if region in w.subject]
    return tuple(
        WarningItem(w.severity, w.title_zh, w.title_en, w.summary_zh, w.summary_en) for w in found
    )
