"""Charts drawn on the server with matplotlib in a CJK font installed from a Debian package.

SVG text is drawn as paths, so the PDF needs no font for the charts and no glyph can go
missing in a reader; Excel gets the same chart as PNG.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from cockpit.bulletin.model import Chart, Lang

#: Families tried in order: scripts/setup.sh installs fonts-wqy-microhei (fonts-noto-cjk works too).
CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC")
COLOURS = ("#c0392b", "#2471a3", "#7d8c8d", "#d68910")


class NoCJKFont(RuntimeError):
    """No Chinese font is installed: run scripts/setup.sh (Debian: fonts-wqy-microhei)."""


@cache
def cjk_font() -> tuple[str, Path]:
    """The family name and file of the first installed CJK font."""
    from matplotlib import font_manager

    for family in CJK_FAMILIES:
        try:
            path = font_manager.findfont(
                font_manager.FontProperties(family=family), fallback_to_default=False
            )
        except ValueError:
            continue
        return family, Path(path)
    raise NoCJKFont(
        f"none of {', '.join(CJK_FAMILIES)} is installed: run scripts/setup.sh "
        "(apt-get install fonts-wqy-microhei)"
    )


def render(chart: Chart, lang: Lang, fmt: str = "svg") -> bytes:
    """The chart as SVG or PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    family, _ = cjk_font()
    labels = chart.x_zh if lang == "zh-CN" else chart.x_en
    unit = chart.unit_zh if lang == "zh-CN" else chart.unit_en
    tall = chart.kind == "barh" and len(labels) > 12
    with plt.rc_context(
        {"font.family": family, "svg.fonttype": "path", "axes.unicode_minus": False}
    ):
        fig, ax = plt.subplots(figsize=(7.0, 6.0 if tall else 3.2), dpi=110)
        try:
            _draw(ax, chart, labels, lang)
            ax.set_title(chart.title(lang), fontsize=11)
            ax.grid(axis="x" if chart.kind == "barh" else "y", alpha=0.3)
            ax.spines[["top", "right"]].set_visible(False)
            if chart.kind == "barh":
                ax.set_xlabel(unit, fontsize=8)
            else:
                ax.set_ylabel(unit, fontsize=8)
            fig.tight_layout()
            out = io.BytesIO()
            fig.savefig(out, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
        finally:
            plt.close(fig)
    return out.getvalue()


def _draw(ax: object, chart: Chart, labels: tuple[str, ...], lang: Lang) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    positions = list(range(len(labels)))
    for i, s in enumerate(chart.series):
        values = [v if v is not None else float("nan") for v in s.values]
        colour = COLOURS[i % len(COLOURS)]
        name = s.label_zh if lang == "zh-CN" else s.label_en
        if chart.kind == "line":
            ax.plot(positions, values, marker="o", color=colour, label=name)
            for x, v in zip(positions, s.values, strict=True):
                if v is not None:
                    ax.annotate(f"{v:.1f}", (x, v), fontsize=7, ha="center", va="bottom")
        elif chart.kind == "bar":
            ax.bar(positions, values, color=colour, label=name)
        else:
            ax.barh(positions, values, color=colour, label=name)
    if chart.kind == "barh":
        ax.set_yticks(positions, labels, fontsize=7)
        ax.invert_yaxis()
        ax.axvline(0, color="#444", linewidth=0.6)
    else:
        ax.set_xticks(positions, labels, fontsize=7, rotation=30 if len(labels) > 6 else 0)
        ax.axhline(0, color="#444", linewidth=0.6)
