"""Issue a bulletin: compute it once, render every format, archive the version."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cockpit.bulletin.archive import Issued, archive
from cockpit.bulletin.compute import compute_bulletin
from cockpit.bulletin.excel import write_excel
from cockpit.bulletin.figures import Inputs
from cockpit.bulletin.html import render_html
from cockpit.bulletin.model import Bulletin, Lang
from cockpit.bulletin.pdf import write_pdf
from cockpit.lake import lake_of
from cockpit.reference import CITY_CODE


@dataclass(frozen=True)
class IssueResult:
    """A bulletin issued: the model, its archived version, whether it is new, seconds taken."""

    bulletin: Bulletin
    issued: Issued
    new: bool
    seconds: float


def render_all(
    b: Bulletin, lang: Lang, folder: Path, *, version: int | None = None
) -> dict[str, Path]:
    """Write the PDF, the workbook, the HTML and the model's JSON into ``folder``."""
    import json

    stem = f"bulletin-{b.region_code}-{b.period}-{lang}"
    html = render_html(b, lang, version=version)
    paths = {
        "html": folder / f"{stem}.html",
        "pdf": folder / f"{stem}.pdf",
        "xlsx": folder / f"{stem}.xlsx",
        "json": folder / f"{stem}.json",
    }
    paths["html"].write_text(html, "utf-8")
    write_pdf(html, paths["pdf"])
    write_excel(b, lang, paths["xlsx"], version=version)
    paths["json"].write_text(
        json.dumps(b.as_dict(), ensure_ascii=False, indent=1, default=str), "utf-8"
    )
    return paths


def issue_bulletin(
    *,
    month: str,
    region: str = CITY_CODE,
    lang: Lang = "zh-CN",
    home: Path | None = None,
    inputs: Inputs | None = None,
) -> IssueResult:
    """Compute, render and archive the bulletin of ``region`` for ``month``."""
    from cockpit.bulletin.archive import versions
    from cockpit.config import get_settings

    start = time.perf_counter()
    home = home or get_settings().home
    inputs = inputs or Inputs(lake_of(home))
    b = compute_bulletin(month=month, region=region, inputs=inputs)
    earlier = versions(home, b.region_code, b.period, lang)
    next_version = earlier[-1].version + 1 if earlier else 1
    with tempfile.TemporaryDirectory(prefix="bulletin-") as tmp:
        files = render_all(b, lang, Path(tmp), version=next_version)
        issued, new = archive(home, b, lang, files, b.figure_labels(lang))
    return IssueResult(b, issued, new, time.perf_counter() - start)
