"""The bulletin as one HTML document (charts inline as SVG); WeasyPrint prints the same HTML."""

from __future__ import annotations

import base64
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


def chart_images(b: Bulletin, lang: Lang) -> list[tuple[str, str]]:
    """Each chart as (title, ``data:`` URI of its SVG): images inside the one HTML file, so
    the page needs no other file and each SVG keeps its own ids and styles."""
    out = []
    for chart in b.charts:
        svg = base64.b64encode(charts.render(chart, lang)).decode()
        out.append((chart.title(lang), f"data:image/svg+xml;base64,{svg}"))
    return out


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
        charts=chart_images(b, lang),
        font=family,
        version=version,
    )
