"""Choose the extractor for a file by its content and run it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from models.options import ExtractionOptions
from models.records import ExtractedArtifact
from models.transcriber import model_identity
from pipelines.extract import (
    docx_extractor,
    image_extractor,
    media_extractor,
    pdf_extractor,
    pptx_extractor,
    text_extractor,
)
from pipelines.extract.formats import detect_kind

Extractor = Callable[[Path, ExtractionOptions], ExtractedArtifact]

EXTRACTORS: dict[str, Extractor] = {
    "pdf": lambda p, o: pdf_extractor.extract_pdf(p, o.ocr),
    "docx": lambda p, o: docx_extractor.extract_docx(p),
    "pptx": lambda p, o: pptx_extractor.extract_pptx(p, o.ocr),
    "image": lambda p, o: image_extractor.extract_image(p, o.ocr),
    "media": lambda p, o: media_extractor.extract_media(p, o.transcriber),
    "text": lambda p, o: text_extractor.extract_text(p),
}


def fingerprint(kind: str, options: ExtractionOptions) -> str:
    """What an extraction's result depends on besides the bytes: extractor and settings."""
    ocr = f"ocr:{options.ocr.language}@{options.ocr.dpi}dpi"
    return {
        "pdf": f"pdf@{pdf_extractor.VERSION}|{ocr}",
        "image": f"image@{image_extractor.VERSION}|{ocr}",
        "docx": f"docx@{docx_extractor.VERSION}",
        "pptx": f"pptx@{pptx_extractor.VERSION}|{ocr}",
        "text": f"text@{text_extractor.VERSION}",
        "media": f"media@{media_extractor.VERSION}|{model_identity(options.transcriber)}",
    }[kind]


def detect(path: Path, text_allowed: bool = False) -> str:
    """The extractor key for a file: a content-checked kind, ``media`` or ``text``."""
    if text_allowed and path.suffix.lower() in {".md", ".txt", ".markdown"}:
        return "text"
    return detect_kind(path)
