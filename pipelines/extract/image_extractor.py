"""An image (PNG, JPEG) as one OCR'd page; boxes are in image pixels."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from models.options import OcrOptions
from models.records import ExtractedArtifact, Page
from pipelines.extract.errors import ExtractionError
from pipelines.extract.ocr import ocr_image

NAME = "image"
VERSION = "1"


def extract_image(path: Path, ocr: OcrOptions) -> ExtractedArtifact:
    """OCR the whole image as page 1."""
    try:
        pix = pymupdf.Pixmap(str(path))
        width, height = pix.width, pix.height
        png = pix.tobytes("png")  # re-encoded, so tesseract never sees a damaged stream
    except Exception as e:
        raise ExtractionError(f"corrupt or truncated image ({str(e).splitlines()[0]})") from None
    blocks = ocr_image(png, ocr)
    warnings = [] if blocks else ["OCR found no text in the image"]
    page = Page(number=1, width=width, height=height, blocks=blocks, ocr=True)
    return ExtractedArtifact(
        kind="image", extractor=f"{NAME}@{VERSION}", pages=[page], warnings=warnings
    )
