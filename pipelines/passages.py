"""Short passages scored on their own, each carrying the place an assessor would open.

A 90-word chunk's mean embedding dilutes the one sentence that is the evidence,
so matching scores windows of one or two sentences of a page, and windows of
one to three consecutive transcript chunks of a recording (so that a question
and its answer, spoken by two people, stay together). A page is one place; in a
recording each window is a candidate place of its own, at most 90 seconds long.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.records import Box, Chunk, PassageRole
from pipelines.text import count_words, split_sentences

MAX_RECORDING_SPAN_S = 90.0
# A window this short (a heading, a label) says too little to be scored alone.
MIN_WINDOW_WORDS = 5
# Spoken windows: up to this many consecutive chunks and seconds.
MAX_SPOKEN_CHUNKS = 3
MAX_SPOKEN_SPAN_S = 60.0


@dataclass(frozen=True)
class Passage:
    """A window of text at one place: a page (artifact + page + box) or a time range."""

    artifact: str
    text: str
    role: PassageRole
    chunk_ids: tuple[str, ...]
    page: int | None = None
    box: Box | None = None
    start_s: float | None = None
    end_s: float | None = None
    ocr: bool = False

    @property
    def place_key(self) -> tuple[str, int] | None:
        """The page this passage belongs to, or None for a recording window."""
        return (self.artifact, self.page) if self.page is not None else None


def _page_windows(chunk: Chunk) -> list[Passage]:
    sentences = [s.strip() for s in split_sentences(chunk.text) if s.strip()]
    out: list[Passage] = []
    seen: set[str] = set()

    def add(text: str) -> None:
        if text in seen:
            return
        seen.add(text)
        out.append(
            Passage(
                artifact=chunk.artifact,
                text=text,
                role=chunk.role,
                chunk_ids=(chunk.id,),
                page=chunk.page,
                box=chunk.box,
                ocr=chunk.ocr,
            )
        )

    for i, sentence in enumerate(sentences):
        if count_words(sentence) >= MIN_WINDOW_WORDS:
            add(sentence)
        if i + 1 < len(sentences):
            add(f"{sentence} {sentences[i + 1]}")
    if not out and chunk.text.strip():
        add(chunk.text.strip())
    return out


def _spoken_windows(chunks: list[Chunk]) -> list[Passage]:
    ordered = sorted(chunks, key=lambda c: (c.start_s or 0.0, c.seq))
    out: list[Passage] = []
    for i in range(len(ordered)):
        for n in range(1, MAX_SPOKEN_CHUNKS + 1):
            group = ordered[i : i + n]
            if len(group) < n:
                break
            start, end = group[0].start_s or 0.0, group[-1].end_s or 0.0
            if n > 1 and end - start > MAX_SPOKEN_SPAN_S:
                break
            out.append(
                Passage(
                    artifact=group[0].artifact,
                    text=" ".join(c.text for c in group),
                    role=group[0].role,
                    chunk_ids=tuple(c.id for c in group),
                    start_s=start,
                    end_s=max(end, start),
                )
            )
    return out


def build_passages(chunks: list[Chunk], sentence_windows: bool = True) -> list[Passage]:
    """Every window of every chunk, pages first in document order, then recordings
    (``sentence_windows=False``: one passage per chunk, as an ablation measures)."""
    out: list[Passage] = []
    timed: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        if chunk.page is not None:
            out.extend(_page_windows(chunk) if sentence_windows else [_whole(chunk)])
        else:
            timed.setdefault(chunk.artifact, []).append(chunk)
    for artifact_chunks in timed.values():
        if sentence_windows:
            out.extend(_spoken_windows(artifact_chunks))
        else:
            out.extend(_whole(c) for c in artifact_chunks)
    return out


def _whole(chunk: Chunk) -> Passage:
    return Passage(
        artifact=chunk.artifact,
        text=chunk.text,
        role=chunk.role,
        chunk_ids=(chunk.id,),
        page=chunk.page,
        box=chunk.box,
        start_s=chunk.start_s,
        end_s=chunk.end_s,
        ocr=chunk.ocr,
    )
