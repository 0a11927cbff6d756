"""Compute a bulletin: the one structure the HTML, PDF, Excel and JSON renderers share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

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
    WarningItem,
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
    if total.value is None:
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
        programmes_table(rel),
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
            cells += [share, inputs.share_of(total, share), growth]
        rows.append(Row(key, zh, en, tuple(cells), 0 if not dtype else 1))
    cols: tuple[Column, ...] = ()
    for ytd in (False, True):
        if rel.combined and not ytd:
            continue
        when_zh = rel.label("zh-CN")[5:] if ytd else rel.month_label("zh-CN")
        when_en = rel.label("en").rsplit(" ", 1)[0] if ytd else rel.month_label("en")
        cols += (
            Column(f"{when_zh}占社零比重", f"{when_en}: share of total", "%", "%"),
            Column(f"{when_zh}规模（估算）", f"{when_en}: estimated", "亿元", "100m yuan"),
            Column("同比增长（样本）", "Growth y/y (sample)", "%", "%"),
        )
    return Table(
        "digital",
        "数字消费（按《关于大力推进数字消费的指导意见》四类）",
        "Digital consumption by the four types of the Guiding Opinions",
        cols,
        tuple(rows),
        "一笔交易可同时属于多类，各类之和大于去重合计。",
        "A payment can be of several types, so the types add to more than the de-duplicated total.",
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
        cells = (ytd, ytd_g) if rel.combined else (month, month_g, ytd, ytd_g)
        place = none_cell("rank", ytd_g.basis)
        if ytd_g.shown is not None:
            rank += 1
            place = Cell(rank, "rank", ytd_g.basis)
        elif ytd_g.suppressed:
            place = Cell(None, "rank", ytd_g.basis, suppressed=True)
        rows.append(Row(d.code, mark + d.name_zh, mark + d.name_en, (*cells, place)))
    cols = (*_columns(rel), Column("增速位次", "Rank by growth"))
    return Table(
        "districts", "分区县社会消费品零售总额", "Retail sales by district", cols, tuple(rows)
    )


def programmes_table(rel: Release) -> Table:
    """Each programme's month: money out, sales with it, gross leverage; effect apart."""
    rows = []
    for p in sources.programme_month(rel.months):
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
                    none_cell("x", "estimated"),
                ),
            )
        )
    cols = (
        Column("本期兑付", "Paid out", "万元", "10k yuan"),
        Column("带动交易额", "Sales with it", "万元", "10k yuan"),
        Column("拉动比（毛）", "Gross leverage", "倍", "x"),
        Column("因果乘数（实测）", "Causal multiplier (measured)", "倍", "x"),
    )
    return Table(
        "programmes",
        "消费券与补贴项目本期情况",
        "Voucher and subsidy programmes this period",
        cols,
        tuple(rows),
        "拉动比为带券交易额与补贴额之比，含本来就会发生的消费；因果乘数为双重差分实测的增量消费，"
        "需运行 cockpit programmes effect 后方有数值。",
        "Gross leverage counts all spending alongside a voucher, including what would have "
        "happened anyway; the causal multiplier is the measured increment (difference in "
        "differences) and shows only once `cockpit programmes effect` has been run.",
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
    cats = by_key["categories"].rows
    dists = by_key["districts"].rows
    digital = [r for r in by_key["digital"].rows if r.key != "digital_total"]
    drawn = (
        Chart(
            "trend",
            "line",
            "社会消费品零售总额当月增速",
            "Monthly retail sales growth, y/y",
            tuple(f"{r.year % 100:02d}/{r.short('zh-CN')}" for r in trend),
            tuple(f"{r.short('en')} {r.year % 100:02d}" for r in trend),
            (Series("同比增长", "Growth y/y", growth),),
            "%",
            "%",
        ),
        Chart(
            "categories",
            "barh",
            "按类别分累计增速",
            "Year-to-date growth by category",
            tuple(r.label_zh for r in cats),
            tuple(r.label_en for r in cats),
            (Series("同比增长", "Growth y/y", tuple(r.cells[-1].rounded for r in cats)),),
            "%",
            "%",
        ),
        Chart(
            "districts",
            "barh",
            "分区县累计增速",
            "Year-to-date growth by district",
            tuple(r.label_zh for r in dists),
            tuple(r.label_en for r in dists),
            (Series("同比增长", "Growth y/y", tuple(r.cells[-2].rounded for r in dists)),),
            "%",
            "%",
        ),
        Chart(
            "digital",
            "bar",
            "数字消费四类占社零比重（累计）",
            "Digital consumption types, share of total (YTD)",
            tuple(r.label_zh for r in digital),
            tuple(r.label_en for r in digital),
            (Series("占比", "Share", tuple(r.cells[-3].rounded for r in digital)),),
            "%",
            "%",
        ),
    )
    # A chart with nothing to draw (a district has no digital types) is left out.
    return tuple(c for c in drawn if any(v is not None for s in c.series for v in s.values))


def warnings(region: str) -> tuple[WarningItem, ...]:
    found = sources.open_warnings()
    if region != CITY_CODE:
        found = [w for w in found if region in w.subject]
    return tuple(
        WarningItem(w.severity, w.title_zh, w.title_en, w.summary_zh, w.summary_en) for w in found
    )
