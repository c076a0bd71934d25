"""Read every artifact and written part of a submission into located chunks.

Each artifact is read on its own: a corrupt, empty, protected or unsupported
file yields a one-line error on that artifact and the others are still read.
Unchanged files (same bytes, same extractor settings) come from the cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from models.options import ExtractionOptions
from models.records import (
    ArtifactSummary,
    ExtractedArtifact,
    IngestedArtifact,
    WrittenPart,
)
from models.submission import ArtifactRef, Submission
from pipelines.chunking import chunk_artifact
from pipelines.extract.errors import ExtractionError
from pipelines.extract.registry import EXTRACTORS, detect, fingerprint
from pipelines.extraction_cache import ExtractionCache, file_sha256
from pipelines.text import count_words

Stage = Literal["start", "done", "error"]
PART_KINDS = {"text", "pdf", "docx"}


@dataclass(frozen=True)
class IngestEvent:
    """Progress of one artifact, for a progress display."""

    artifact: str
    stage: Stage
    index: int
    total: int
    message: str | None = None


ProgressCallback = Callable[[IngestEvent], None]


@dataclass
class IngestResult:
    """Every artifact (read or failed) and every written part of a submission."""

    submission: Submission
    artifacts: list[IngestedArtifact]
    parts: dict[str, WrittenPart] = field(default_factory=dict)

    @property
    def chunks(self):
        return [c for a in self.artifacts for c in a.chunks]


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def _read(
    path: Path, options: ExtractionOptions, text_allowed: bool = False
) -> tuple[str, ExtractedArtifact, bool]:
    """(sha256, extraction, came from cache) for a file, or ExtractionError."""
    kind = detect(path, text_allowed=text_allowed)
    sha = file_sha256(path)
    fp = fingerprint(kind, options)
    cache = ExtractionCache(options.cache_dir) if options.cache_dir else None
    if cache and (hit := cache.get(sha, fp)) is not None:
        return sha, hit, True
    extracted = EXTRACTORS[kind](path, options)
    if cache:
        cache.put(sha, fp, extracted)
    return sha, extracted, False


def ingest_artifact(ref: ArtifactRef, options: ExtractionOptions) -> IngestedArtifact:
    """Extract and chunk one artifact; failures become the summary's one-line ``error``."""
    started = time.perf_counter()
    try:
        sha, extracted, cached = _read(ref.path, options)
    except ExtractionError as e:
        error = str(e)
    except Exception as e:  # never a traceback for a user's file
        error = f"could not be read ({type(e).__name__}: {_one_line(e)})"
    else:
        chunks = chunk_artifact(ref.id, sha, extracted, options.chunking)
        pages = extracted.pages
        summary = ArtifactSummary(
            id=ref.id,
            file=ref.file,
            kind=extracted.kind,
            pages=len(pages) if pages is not None else None,
            duration_s=extracted.transcript.duration_s if extracted.transcript else None,
            chunks=len(chunks),
            ocr_pages=extracted.ocr_pages,
            warnings=extracted.warnings,
        )
        sizes = {
            p.number: (p.width, p.height)
            for p in pages or []
            if p.width is not None and p.height is not None
        }
        return IngestedArtifact(
            summary=summary,
            sha256=sha,
            title=ref.title,
            page_sizes=sizes,
            chunks=chunks,
            from_cache=cached,
            seconds=time.perf_counter() - started,
        )
    return IngestedArtifact(
        summary=ArtifactSummary(id=ref.id, file=ref.file, kind=None, error=error),
        title=ref.title,
        seconds=time.perf_counter() - started,
    )


def read_written_part(name: str, path: Path, file: str, options: ExtractionOptions) -> WrittenPart:
    """A written part (md, txt, pdf, docx) as plain text with its word count."""
    try:
        kind = detect(path, text_allowed=True)
        if kind not in PART_KINDS:
            raise ExtractionError("a written part must be a .md, .txt, .pdf or .docx file")
        _sha, extracted, _cached = _read(path, options, text_allowed=True)
    except ExtractionError as e:
        return WrittenPart(name=name, file=file, error=str(e))
    except Exception as e:
        return WrittenPart(name=name, file=file, error=f"could not be read ({_one_line(e)})")
    text = "\n\n".join(b.text for p in extracted.pages or [] for b in p.blocks)
    return WrittenPart(name=name, file=file, text=text, words=count_words(text))


def ingest_submission(
    submission: Submission,
    options: ExtractionOptions,
    on_event: ProgressCallback | None = None,
) -> IngestResult:
    """Read every artifact, then the written parts, reporting progress per artifact."""
    total = len(submission.artifacts)
    artifacts = []
    for index, ref in enumerate(submission.artifacts):
        if on_event:
            on_event(IngestEvent(ref.id, "start", index, total))
        result = ingest_artifact(ref, options)
        artifacts.append(result)
        if on_event:
            stage: Stage = "error" if result.summary.error else "done"
            on_event(IngestEvent(ref.id, stage, index, total, result.summary.error))
    parts = {
        name: read_written_part(name, path, submission.part_files[name], options)
        for name, path in submission.parts.items()
    }
    return IngestResult(submission=submission, artifacts=artifacts, parts=parts)
