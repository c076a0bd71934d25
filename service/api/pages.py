"""Page images with chosen passages highlighted, rendered with PyMuPDF."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from models.records import Box

HIGHLIGHT = (1.0, 0.75, 0.0)


class PageError(ValueError):
    """The page cannot be rendered as asked."""


def parse_box(text: str) -> Box:
    """A box from 'x0,y0,x1,y1' (page units, origin top-left)."""
    try:
        x0, y0, x1, y1 = (float(v) for v in text.split(","))
        return Box(x0=x0, y0=y0, x1=x1, y1=y1)
    except ValueError:
        raise PageError(
            f"box '{text}' must be four numbers x0,y0,x1,y1 with x0<=x1, y0<=y1"
        ) from None


def render_page(path: Path, kind: str, number: int, boxes: list[Box], dpi: int = 110) -> bytes:
    """PNG of page ``number`` (1-based) of a PDF or an image, with ``boxes`` highlighted.

    Boxes are in the units the chunks carry: points for PDFs, pixels for images.
    """
    if kind not in ("pdf", "image"):
        raise PageError(f"page images exist for PDF and image artifacts, not for {kind}")
    if not 24 <= dpi <= 300:
        raise PageError("dpi must be between 24 and 300")
    doc = pymupdf.open(path)
    try:
        if not 1 <= number <= doc.page_count:
            raise PageError(f"no page {number}: the artifact has {doc.page_count} page(s)")
        page = doc.load_page(number - 1)
        scale = 1.0
        if kind == "image":
            # Image boxes come from OCR in pixels; the image's page may be in other units.
            width_px = pymupdf.Pixmap(str(path)).width
            scale = page.rect.width / width_px if width_px else 1.0
        for b in boxes:
            rect = pymupdf.Rect(b.x0 * scale, b.y0 * scale, b.x1 * scale, b.y1 * scale)
            page.draw_rect(rect, color=HIGHLIGHT, fill=HIGHLIGHT, fill_opacity=0.3, width=1.5)
        return page.get_pixmap(dpi=dpi).tobytes("png")
    finally:
        doc.close()
