"""PDF from the bulletin's HTML with WeasyPrint (no browser), and a PNG preview of a page."""

from __future__ import annotations

from pathlib import Path


def write_pdf(html: str, path: Path) -> Path:
    """Print ``html`` to ``path``; fonts come from fontconfig and are embedded (subset)."""
    from weasyprint import HTML

    HTML(string=html, base_url=str(path.parent)).write_pdf(str(path))
    return path


def png_preview(pdf: Path, out: Path, *, page: int = 1, dpi: int = 110) -> Path:
    """One page of ``pdf`` as a PNG (pdfium, from the pypdfium2 wheel)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        if not 1 <= page <= len(doc):
            raise ValueError(f"{pdf} has {len(doc)} pages; no page {page}")
        image = doc[page - 1].render(scale=dpi / 72).to_pil()
        image.save(out, format="PNG", optimize=True)
    finally:
        doc.close()
    return out
