"""The bulletin as one HTML document (charts inline as SVG); WeasyPrint prints the same HTML."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from cockpit.bulletin import charts
from cockpit.bulletin.model import BASIS_MARK, Bulletin, Lang
from cockpit.bulletin.text import headline_text

TEMPLATES = Path(__file__).parent / "templates"
CN_NUMERALS = "一二三四五六七八九十"
WORDS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "issued": "编制日期",
        "data_version": "数据版本",
        "version": "版次",
        "item": "指标",
        "none": "本期无数据。",
        "warnings": "预警提示",
        "no_warnings": "本期无未处置预警。",
        "charts": "图示",
        "notes": "附注：数据来源与方法",
    },
    "en": {
        "issued": "Compiled",
        "data_version": "data version",
        "version": "issue",
        "item": "Item",
        "none": "Nothing this period.",
        "warnings": "Open warnings",
        "no_warnings": "No open warnings.",
        "charts": "Charts",
        "notes": "Notes on sources and methods",
    },
}
SEVERITY = {
    "zh-CN": {"info": "提示", "warning": "警告", "critical": "严重"},
    "en": {"info": "info", "warning": "warning", "critical": "critical"},
}
_XML_HEAD = re.compile(r"^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.S)


def _cn_number(n: int, lang: str) -> str:
    """Section numbers as the bureau writes them: 一、二、… (1. 2. … in English)."""
    if lang != "zh-CN":
        return f"{n}. "
    return (CN_NUMERALS[n - 1] if n <= 10 else str(n)) + "、"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"])
    )
    env.filters["cn_number"] = _cn_number
    return env


def _own_ids(svg: str, prefix: str) -> str:
    """Prefix the SVG's ids and references: matplotlib numbers them alike in every chart,
    and one page holds several charts."""
    svg = re.sub(r'\bid="', f'id="{prefix}-', svg)
    svg = re.sub(r'href="#', f'href="#{prefix}-', svg)
    return re.sub(r"url\(#", f"url(#{prefix}-", svg)


def chart_svgs(b: Bulletin, lang: Lang) -> list[str]:
    """Each chart as inline SVG (the XML prologue stripped, ids its own)."""
    return [
        _own_ids(_XML_HEAD.sub("", charts.render(c, lang).decode()), f"chart-{c.key}")
        for c in b.charts
    ]


def render_html(b: Bulletin, lang: Lang, *, version: int | None = None) -> str:
    """The whole document as one self-contained HTML page (no external file, no script)."""
    family, _ = charts.cjk_font()
    template = _environment().get_template("bulletin.html")
    return template.render(
        b=b,
        lang=lang,
        t=WORDS[lang],
        severity=SEVERITY[lang],
        marks=BASIS_MARK,
        headline=headline_text(b, lang),
        charts=chart_svgs(b, lang),
        font=family,
        version=version,
    )
