"""Typed records that flow one way through the pipeline, each carrying its provenance.

Extraction yields ``ExtractedArtifact`` (pages of located ``TextBlock`` or a
``Transcript`` of timed ``Segment``/``Word``); chunking yields ``Chunk``; the
ingest stage yields ``IngestedArtifact`` whose ``summary`` is exactly the
``artifacts[]`` entry of the analysis report contract.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ArtifactKind = Literal["pdf", "docx", "pptx", "image", "audio", "video", "text"]
PAGED_KINDS: frozenset[str] = frozenset({"pdf", "docx", "pptx", "image", "text"})
RECORDING_KINDS: frozenset[str] = frozenset({"audio", "video"})


class Record(BaseModel):
    """Base of every record: immutable, and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Box(Record):
    """A rectangle on a page: origin top-left, in the page's own units.

    PDF and PPTX pages use points (1/72 inch); images use pixels. The page's
    ``width``/``height`` are in the same units, so a viewer can scale.
    """

    x0: float
    y0: float
    x1: float
    y1: float

    @model_validator(mode="after")
    def _ordered(self) -> Box:
        if self.x1 < self.x0 or self.y1 < self.y0:
            raise ValueError(f"box corners out of order: {self}")
        return self

    def union(self, other: Box) -> Box:
        """The smallest box holding both."""
        return Box(
            x0=min(self.x0, other.x0),
            y0=min(self.y0, other.y0),
            x1=max(self.x1, other.x1),
            y1=max(self.y1, other.y1),
        )


class TextBlock(Record):
    """A passage as laid out on a page (a paragraph, a table row, a slide shape)."""

    text: str
    box: Box | None = None


class Page(Record):
    """One page (PDF page, slide, DOCX page between breaks, or an image)."""

    number: int = Field(ge=1)
    width: float | None = None
    height: float | None = None
    blocks: list[TextBlock] = Field(default_factory=list)
    ocr: bool = False


class Word(Record):
    """One recognised word with its time stamps in seconds."""

    start: float
    end: float
    text: str
    probability: float | None = None


class Segment(Record):
    """One stretch of recognised speech."""

    start: float
    end: float
    text: str
    words: list[Word] = Field(default_factory=list)


class Transcript(Record):
    """Everything recognised in a recording."""

    duration_s: float
    language: str | None = None
    segments: list[Segment] = Field(default_factory=list)


class ExtractedArtifact(Record):
    """The raw reading of one file: pages for paged kinds, a transcript for recordings."""

    kind: ArtifactKind
    extractor: str
    pages: list[Page] | None = None
    transcript: Transcript | None = None
    warnings: list[str] = Field(default_factory=list)

    @property
    def ocr_pages(self) -> list[int]:
        return [p.number for p in self.pages or [] if p.ocr]


PassageRole = Literal["body", "furniture", "toc", "definition", "cover", "placeholder"]


class Chunk(Record):
    """A located passage: on one page (with its box) or in one time range of a recording.

    ``role`` tells body text from passages that only name a topic or stand in for one:
    running headers/footers (furniture), table-of-contents lines, glossary definitions,
    a cover page's lines, and placeholders for material that is not there
    (``pipelines.passage_roles``).
    """

    id: str
    artifact: str
    seq: int = Field(ge=0, description="Order of the chunk within its artifact.")
    text: str
    role: PassageRole = "body"
    page: int | None = Field(default=None, ge=1)
    box: Box | None = None
    start_s: float | None = None
    end_s: float | None = None
    ocr: bool = False

    @model_validator(mode="after")
    def _one_place(self) -> Chunk:
        timed = self.start_s is not None or self.end_s is not None
        if (self.page is None) == (not timed):
            raise ValueError("a chunk has either a page or a time range, not both or neither")
        if timed and (self.start_s is None or self.end_s is None or self.end_s < self.start_s):
            raise ValueError(f"bad time range {self.start_s}..{self.end_s}")
        if self.box is not None and self.page is None:
            raise ValueError("a box needs a page")
        return self


class ArtifactSummary(Record):
    """Exactly the ``artifacts[]`` entry of the analysis report contract (plus warnings)."""

    id: str
    file: str
    kind: ArtifactKind | None
    pages: int | None = None
    duration_s: float | None = None
    chunks: int = 0
    ocr_pages: list[int] = Field(default_factory=list)
    error: str | None = None
    warnings: list[str] = Field(default_factory=list)


class IngestedArtifact(Record):
    """One artifact after extraction and chunking, or the one-line reason it failed."""

    summary: ArtifactSummary
    sha256: str | None = None
    title: str | None = None
    page_sizes: dict[int, tuple[float, float]] = Field(default_factory=dict)
    chunks: list[Chunk] = Field(default_factory=list)
    from_cache: bool = False
    seconds: float = 0.0


class WrittenPart(Record):
    """A written part of the submission (overview, reflection) as plain text."""

    name: str
    file: str | None
    text: str = ""
    words: int = 0
    error: str | None = None
