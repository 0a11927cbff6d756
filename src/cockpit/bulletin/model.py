"""The bulletin as one typed structure: every renderer (HTML, PDF, Excel, JSON) reads it.

A ``Cell`` keeps the raw value (fen, or a percentage) and what it is (official, estimated,
sample, derived); the formatting the bureau uses (亿元 and % to one decimal, "…" for a
suppressed cell, "—" for none) is ``Cell.text`` and nothing else.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Basis = Literal["official", "estimated", "derived", "sample", "programme", "margin"]
Unit = Literal["fen", "wan", "%", "pp", "x", "count", "rank"]
Lang = Literal["zh-CN", "en"]
LANGS: tuple[Lang, ...] = ("zh-CN", "en")
FEN_PER_YI = 10**10  # 1 亿元 = 10^8 yuan = 10^10 fen
FEN_PER_WAN = 10**6  # 1 万元 = 10^6 fen (programmes are small beside the city)
SUPPRESSED = "…"
MISSING = "—"
Z95 = 1.959964  # a 95 % margin is Z95 standard errors
#: Why a cell holds no figure, where "—" (no data) would mislead: (zh-CN, en).
ABSENT = {"not_evaluated": ("未评估", "not evaluated")}

BASIS_MARK = {
    "official": "",
    "estimated": "E",
    "derived": "D",
    "sample": "S",
    "programme": "P",
    "margin": "",  # a ± or CV column: its figure's basis is marked
}


@dataclass(frozen=True)
class Cell:
    """One figure: raw value in its unit, what kind of figure it is, and its reliability."""

    value: float | None
    unit: Unit
    basis: Basis
    suppressed: bool = False
    se: float | None = None  # standard error in the cell's unit, where the source publishes one
    absent: str = ""  # a key of ABSENT: why there is no figure (printed in words)

    @property
    def shown(self) -> float | None:
        """The number as printed (亿元 for money), before rounding; None if not printed."""
        if self.suppressed or self.value is None or not math.isfinite(self.value):
            return None
        if self.unit == "fen":
            return self.value / FEN_PER_YI
        if self.unit == "wan":
            return self.value / FEN_PER_WAN
        return float(self.value)

    @property
    def text(self) -> str:
        """As the bureau prints it: one decimal; ranks and counts whole."""
        if self.suppressed:
            return SUPPRESSED
        if self.absent:
            return ABSENT[self.absent][1]
        shown = self.shown
        if shown is None:
            return MISSING
        if self.unit in ("count", "rank"):
            return f"{round(shown):d}"
        return f"{round(shown, 1) + 0.0:.1f}"  # + 0.0: a value that rounds to zero is "0.0"

    def display(self, lang: Lang) -> str:
        """``text`` in ``lang``: a figure, "…", "—", or why there is none ("未评估")."""
        if self.absent and not self.suppressed:
            return ABSENT[self.absent][0 if lang == "zh-CN" else 1]
        return self.text

    @property
    def rounded(self) -> float | None:
        """The printed value as a number (for Excel cells and tests)."""
        shown = self.shown
        if shown is None:
            return None
        return float(round(shown)) if self.unit in ("count", "rank") else round(shown, 1) + 0.0


def none_cell(unit: Unit, basis: Basis = "official") -> Cell:
    return Cell(None, unit, basis)


def margin95(c: Cell) -> Cell:
    """The 95 % margin (± Z95 standard errors) of ``c``, in its unit (a growth rate's in
    percentage points); "…" where ``c`` is hidden, "—" where no error is published."""
    unit: Unit = "pp" if c.unit == "%" else c.unit
    if c.suppressed:
        return Cell(None, unit, "margin", suppressed=True)
    if c.se is None or c.shown is None or not math.isfinite(c.se):
        return none_cell(unit, "margin")
    return Cell(Z95 * c.se, unit, "margin")


def cv_cell(cv: float | None, hidden: bool) -> Cell:
    """A coefficient of variation (a fraction) as a % cell."""
    if hidden:
        return Cell(None, "%", "margin", suppressed=True)
    if cv is None or not math.isfinite(cv):
        return none_cell("%", "margin")
    return Cell(100 * cv, "%", "margin")


@dataclass(frozen=True)
class Row:
    """A table row: a stable key (for diffs between versions), labels, cells."""

    key: str
    label_zh: str
    label_en: str
    cells: tuple[Cell, ...]
    indent: int = 0

    def label(self, lang: Lang) -> str:
        return self.label_zh if lang == "zh-CN" else self.label_en


@dataclass(frozen=True)
class Column:
    zh: str
    en: str
    unit_zh: str = ""
    unit_en: str = ""

    def label(self, lang: Lang) -> str:
        name, unit = (self.zh, self.unit_zh) if lang == "zh-CN" else (self.en, self.unit_en)
        return (
            f"{name}（{unit}）"
            if unit and lang == "zh-CN"
            else f"{name} ({unit})"
            if unit
            else name
        )


@dataclass(frozen=True)
class Table:
    key: str
    title_zh: str
    title_en: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    note_zh: str = ""
    note_en: str = ""

    def title(self, lang: Lang) -> str:
        return self.title_zh if lang == "zh-CN" else self.title_en

    def note(self, lang: Lang) -> str:
        return self.note_zh if lang == "zh-CN" else self.note_en


@dataclass(frozen=True)
class Series:
    label_zh: str
    label_en: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Chart:
    """A chart's data; ``charts.render`` draws it (SVG for HTML and PDF, PNG for Excel)."""

    key: str
    kind: Literal["line", "bar", "barh"]
    title_zh: str
    title_en: str
    x_zh: tuple[str, ...]
    x_en: tuple[str, ...]
    series: tuple[Series, ...]
    unit_zh: str
    unit_en: str

    def title(self, lang: Lang) -> str:
        return self.title_zh if lang == "zh-CN" else self.title_en


@dataclass(frozen=True)
class Headline:
    """The figures the headline paragraph states."""

    period_zh: str  # 1—10月
    period_en: str  # January–October
    month_zh: str  # 10月份 ('' for the 1–2月 release)
    month_en: str
    ytd: Cell
    ytd_yoy: Cell
    month: Cell
    month_yoy: Cell
    goods_ytd: Cell
    goods_ytd_yoy: Cell
    catering_ytd: Cell
    catering_ytd_yoy: Cell
    online_ytd: Cell
    online_goods_share_ytd: Cell


@dataclass(frozen=True)
class WarningItem:
    severity: str
    title_zh: str
    title_en: str
    summary_zh: str
    summary_en: str


@dataclass(frozen=True)
class Note:
    zh: str
    en: str


@dataclass(frozen=True)
class Bulletin:
    """Everything a bulletin states, computed once."""

    region_code: str
    region_zh: str
    region_en: str
    scope_zh: str  # 全市, 全区 or 全县: how the bureau names the whole region in a sentence
    month: str  # the release's last month, YYYY-MM
    period: str  # the release: YYYY-MM, or YYYY-01-02 for 1–2月
    title_zh: str
    title_en: str
    headline: Headline
    tables: tuple[Table, ...]
    charts: tuple[Chart, ...]
    warnings: tuple[WarningItem, ...]
    notes: tuple[Note, ...]
    data_version: str
    computed_at: str
    extra: dict[str, Any] = field(default_factory=dict)

    def table(self, key: str) -> Table:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)

    def title(self, lang: Lang) -> str:
        return self.title_zh if lang == "zh-CN" else self.title_en

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def figures(self) -> dict[str, str]:
        """Every printed figure by a stable key: what two versions are compared on."""
        out: dict[str, str] = {}
        h = self.headline
        for name in ("ytd", "ytd_yoy", "month", "month_yoy"):
            out[f"headline.{name}"] = getattr(h, name).text
        for t in self.tables:
            for r in t.rows:
                for i, c in enumerate(r.cells):
                    out[f"{t.key}.{r.key}.{i}"] = c.text
        for i, w in enumerate(self.warnings):
            out[f"warnings.{i}"] = f"{w.severity}: {w.title_zh}"
        return out

    def figure_labels(self, lang: Lang = "zh-CN") -> dict[str, str]:
        """A readable name of every key of ``figures``: table, row, column."""
        zh = lang == "zh-CN"
        out = {
            "headline.ytd": "标题段：累计" if zh else "headline: year to date",
            "headline.ytd_yoy": "标题段：累计增速" if zh else "headline: year-to-date growth",
            "headline.month": "标题段：当月" if zh else "headline: month",
            "headline.month_yoy": "标题段：当月增速" if zh else "headline: month's growth",
        }
        for t in self.tables:
            for r in t.rows:
                for i, col in enumerate(t.columns[: len(r.cells)]):
                    out[f"{t.key}.{r.key}.{i}"] = (
                        f"{t.title(lang)} / {r.label(lang)} / {col.label(lang)}"
                    )
        return out
