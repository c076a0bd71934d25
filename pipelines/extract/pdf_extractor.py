"""PDF pages into located text blocks (PyMuPDF), with OCR for pages that have no text layer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pymupdf

from models.options import OcrOptions
from models.records import Box, ExtractedArtifact, Page, TextBlock
from pipelines.extract.errors import ExtractionError
from pipelines.extract.ocr import ocr_image
from pipelines.text import has_usable_text, normalize_text

NAME = "pdf"
VERSION = "1"
# Ligatures are expanded (the dev set's PDFs keep 'ﬁ' glyphs) and hyphenated
# line ends joined, so words match what a reader sees.
_FLAGS = (pymupdf.TEXTFLAGS_DICT & ~pymupdf.TEXT_PRESERVE_LIGATURES) | pymupdf.TEXT_DEHYPHENATE
_FLAGS &= ~pymupdf.TEXT_PRESERVE_IMAGES


def open_pdf(path: Path) -> pymupdf.Document:
    """Open a PDF, turning every way it can fail into a one-line ``ExtractionError``."""
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as e:  # PyMuPDF raises several types for damaged files
        raise ExtractionError(f"corrupt or truncated PDF ({str(e).splitlines()[0]})") from None
    if doc.needs_pass or doc.is_encrypted:
        doc.close()
        raise ExtractionError("password-protected PDF: save a copy without a password")
    if doc.page_count == 0:
        doc.close()
        raise ExtractionError("the PDF has no pages (corrupt or truncated)")
    return doc


def _text_blocks(page: pymupdf.Page) -> list[TextBlock]:
    blocks: list[TextBlock] = []
    for block in page.get_text("dict", flags=_FLAGS, sort=True)["blocks"]:
        if block.get("type") != 0:
            continue
        lines = [" ".join(span["text"] for span in line["spans"]) for line in block["lines"]]
        text = normalize_text(" ".join(lines))
        if text:
            x0, y0, x1, y1 = block["bbox"]
            blocks.append(TextBlock(text=text, box=Box(x0=x0, y0=y0, x1=x1, y1=y1)))
    return blocks


def _needs_ocr(page: pymupdf.Page, blocks: list[TextBlock]) -> bool:
    if has_usable_text(" ".join(b.text for b in blocks)):
        return False
    # A page with neither images nor drawings is blank: nothing to OCR.
    return bool(page.get_images(full=False)) or bool(page.get_drawings())


def extract_pdf(path: Path, ocr: OcrOptions) -> ExtractedArtifact:
    """Read every page: the text layer where usable, OCR where not."""
    doc = open_pdf(path)
    pages: dict[int, Page] = {}
    warnings: list[str] = []
    to_ocr: list[tuple[int, float, float, bytes]] = []
    try:
        for index in range(doc.page_count):
            number = index + 1
            try:
                page = doc.load_page(index)
                rect = page.rect
                blocks = _text_blocks(page)
                if _needs_ocr(page, blocks):
                    # Render here (PyMuPDF is not thread-safe); tesseract runs in parallel below.
                    png = page.get_pixmap(dpi=ocr.dpi).tobytes("png")
                    to_ocr.append((number, rect.width, rect.height, png))
                    continue
                pages[number] = Page(
                    number=number, width=rect.width, height=rect.height, blocks=blocks
                )
            except Exception as e:
                warnings.append(f"page {number} could not be read ({str(e).splitlines()[0]})")
                pages[number] = Page(number=number)
        page_count = doc.page_count
    finally:
        doc.close()

    scale = 72.0 / ocr.dpi
    with ThreadPoolExecutor(max_workers=max(1, ocr.workers)) as pool:
        results = list(pool.map(lambda item: ocr_image(item[3], ocr, scale), to_ocr))
    for (number, width, height, _png), blocks in zip(to_ocr, results, strict=True):
        pages[number] = Page(number=number, width=width, height=height, blocks=blocks, ocr=True)

    if all(not p.blocks for p in pages.values()):
        warnings.append("no text found on any page")
    return ExtractedArtifact(
        kind="pdf",
        extractor=f"{NAME}@{VERSION}",
        pages=[pages[n] for n in range(1, page_count + 1)],
        warnings=warnings,
    )
