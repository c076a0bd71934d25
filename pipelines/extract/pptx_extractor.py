"""PPTX slides as pages: each shape's text with its box in points, then the speaker notes."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pptx import Presentation
from pptx.shapes.autoshape import Shape
from pptx.shapes.base import BaseShape
from pptx.shapes.graphfrm import GraphicFrame
from pptx.shapes.group import GroupShape

from models.records import Box, ExtractedArtifact, Page, TextBlock
from pipelines.extract.errors import ExtractionError
from pipelines.text import normalize_text

NAME = "pptx"
VERSION = "1"
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


def extract_pptx(path: Path) -> ExtractedArtifact:
    """Read every slide (slide n = page n) in document order."""
    try:
        prs = Presentation(str(path))
    except Exception as e:
        raise ExtractionError(f"corrupt PPTX ({str(e).splitlines()[0]})") from None
    width = prs.slide_width / _EMU_PER_POINT if prs.slide_width else None
    height = prs.slide_height / _EMU_PER_POINT if prs.slide_height else None
    pages: list[Page] = []
    for number, slide in enumerate(prs.slides, start=1):
        blocks: list[TextBlock] = []
        for shape in _shapes(slide.shapes):
            box = _box(shape)
            for raw in _shape_texts(shape):
                text = normalize_text(raw)
                if text:
                    blocks.append(TextBlock(text=text, box=box))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            notes = normalize_text(slide.notes_slide.notes_text_frame.text)
            if notes:
                blocks.append(TextBlock(text=f"Speaker notes: {notes}"))
        pages.append(Page(number=number, width=width, height=height, blocks=blocks))
    if not pages:
        raise ExtractionError("the presentation has no slides")
    return ExtractedArtifact(kind="pptx", extractor=f"{NAME}@{VERSION}", pages=pages)
