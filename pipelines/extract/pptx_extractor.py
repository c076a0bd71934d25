"""PPTX slides as pages: each shape's text with its box in points, then the speaker notes.

A slide with no usable text of its own (a photo of a flip chart, a scanned form pasted
in) is read by OCR from its pictures, each picture's words placed on the slide in
points; a slide whose pictures hold no text either gets a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pptx import Presentation
from pptx.shapes.autoshape import Shape
from pptx.shapes.base import BaseShape
from pptx.shapes.graphfrm import GraphicFrame
from pptx.shapes.group import GroupShape

from models.options import OcrOptions
from models.records import Box, ExtractedArtifact, Page, TextBlock
from pipelines.extract.errors import ExtractionError
from pipelines.extract.ocr import ocr_image
from pipelines.text import has_usable_text, normalize_text

NAME = "pptx"
VERSION = "2"  # 2: picture-only slides are OCR'd
_EMU_PER_POINT = 12700


def _shapes(shapes: Iterable[BaseShape]) -> Iterable[BaseShape]:
    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _shapes(shape.shapes)
        else:
            yield shape


def _box(shape: BaseShape) -> Box | None:
    if None in (shape.left, shape.top, shape.width, shape.height):
        return None
    x0, y0 = shape.left / _EMU_PER_POINT, shape.top / _EMU_PER_POINT
    return Box(
        x0=x0, y0=y0, x1=x0 + shape.width / _EMU_PER_POINT, y1=y0 + shape.height / _EMU_PER_POINT
    )


def _shape_texts(shape: BaseShape) -> list[str]:
    if isinstance(shape, Shape) and shape.has_text_frame:
        return [" ".join(p.text for p in shape.text_frame.paragraphs)]
    if isinstance(shape, GraphicFrame) and shape.has_table:
        return [" | ".join(cell.text for cell in row.cells) for row in shape.table.rows]
    return []


def _picture_blocks(shape: BaseShape, ocr: OcrOptions) -> list[TextBlock]:
    """OCR of a picture shape, its boxes moved from image pixels onto the slide (points)."""
    import pymupdf

    image = getattr(shape, "image", None)
    box = _box(shape)
    if image is None or box is None:
        return []
    try:
        pix = pymupdf.Pixmap(image.blob)
        png = pix.tobytes("png")  # re-encoded: tesseract never sees an odd stream
    except Exception:
        return []
    if not pix.width or not pix.height:
        return []
    sx, sy = (box.x1 - box.x0) / pix.width, (box.y1 - box.y0) / pix.height
    out = []
    for block in ocr_image(png, ocr):
        b = block.box
        placed = (
            Box(
                x0=box.x0 + b.x0 * sx,
                y0=box.y0 + b.y0 * sy,
                x1=box.x0 + b.x1 * sx,
                y1=box.y0 + b.y1 * sy,
            )
            if b is not None
            else box
        )
        out.append(TextBlock(text=block.text, box=placed))
    return out


def extract_pptx(path: Path, ocr: OcrOptions | None = None) -> ExtractedArtifact:
    """Read every slide (slide n = page n) in document order; with ``ocr``, slides with no
    usable text of their own are read from their pictures."""
    try:
        prs = Presentation(str(path))
    except Exception as e:
        raise ExtractionError(f"corrupt PPTX ({str(e).splitlines()[0]})") from None
    width = prs.slide_width / _EMU_PER_POINT if prs.slide_width else None
    height = prs.slide_height / _EMU_PER_POINT if prs.slide_height else None
    pages: list[Page] = []
    warnings: list[str] = []
    for number, slide in enumerate(prs.slides, start=1):
        blocks: list[TextBlock] = []
        shapes = list(_shapes(slide.shapes))
        for shape in shapes:
            box = _box(shape)
            for raw in _shape_texts(shape):
                text = normalize_text(raw)
                if text:
                    blocks.append(TextBlock(text=text, box=box))
        read_by_ocr = False
        pictures = [sh for sh in shapes if getattr(sh, "image", None) is not None]
        if pictures and not has_usable_text(" ".join(b.text for b in blocks)):
            if ocr is None:
                warnings.append(f"slide {number} holds only pictures; it was not read by OCR")
            else:
                found = [b for sh in pictures for b in _picture_blocks(sh, ocr)]
                if found:
                    blocks.extend(found)
                    read_by_ocr = True
                else:
                    warnings.append(f"slide {number} holds only pictures and OCR found no text")
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            notes = normalize_text(slide.notes_slide.notes_text_frame.text)
            if notes:
                blocks.append(TextBlock(text=f"Speaker notes: {notes}"))
        pages.append(
            Page(number=number, width=width, height=height, blocks=blocks, ocr=read_by_ocr)
        )
    if not pages:
        raise ExtractionError("the presentation has no slides")
    return ExtractedArtifact(
        kind="pptx", extractor=f"{NAME}@{VERSION}", pages=pages, warnings=warnings
    )
