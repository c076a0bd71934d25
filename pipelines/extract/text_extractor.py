"""Plain text and Markdown (the written parts) as one page of paragraphs."""

from __future__ import annotations

import re
from pathlib import Path

from models.records import ExtractedArtifact, Page, TextBlock
from pipelines.extract.errors import ExtractionError
from pipelines.text import normalize_text

NAME = "text"
VERSION = "1"
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def extract_text(path: Path) -> ExtractedArtifact:
    """Read a UTF-8 text file; paragraphs are separated by blank lines."""
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ExtractionError("not UTF-8 text") from None
    blocks = [
        TextBlock(text=text)
        for para in _PARAGRAPH_BREAK.split(raw)
        if (text := normalize_text(para))
    ]
    return ExtractedArtifact(
        kind="text", extractor=f"{NAME}@{VERSION}", pages=[Page(number=1, blocks=blocks)]
    )
