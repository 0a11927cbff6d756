"""The monthly bulletin in the statistics bureau's form: one computed model, three formats.

    from cockpit.bulletin import compute_bulletin, render_html, write_pdf, write_excel

    b = compute_bulletin(month="2026-10")            # the city; region="500103" a district
    html = render_html(b, "zh-CN")                   # self-contained, charts inline (SVG)
    write_pdf(html, Path("b.pdf")); write_excel(b, "zh-CN", Path("b.xlsx"))

``issue_bulletin`` renders every format, archives them immutably with their hashes and the
data version, and says what changed since the last issue; ``run_schedule`` issues and
delivers them on the schedule in ``bulletin/schedule.yaml``. See docs/bulletin.md.
"""

from cockpit.bulletin.archive import Issued, all_issued, find_issued
from cockpit.bulletin.compute import NoData, compute_bulletin
from cockpit.bulletin.excel import write_excel
from cockpit.bulletin.html import render_html
from cockpit.bulletin.model import Bulletin, Cell
from cockpit.bulletin.pdf import png_preview, write_pdf
from cockpit.bulletin.periods import BadMonth, Release, release_of

__all__ = [
    "BadMonth",
    "Bulletin",
    "Cell",
    "Issued",
    "NoData",
    "Release",
    "all_issued",
    "compute_bulletin",
    "find_issued",
    "png_preview",
    "release_of",
    "render_html",
    "write_excel",
    "write_pdf",
]
