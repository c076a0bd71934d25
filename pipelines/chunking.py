"""Cut extracted artifacts into located chunks, keeping provenance and dropping nothing.

A page chunk never spans two pages and carries the union of its blocks'
boxes; a transcript chunk carries the exact start and end seconds of its first
and last word. Ids derive from the artifact's content hash, the extractor, the
chunking version and the place, so ingesting the same bytes twice gives the same
chunks, and a change to how chunks are cut or given roles gives new ids (saved
embedding indexes are keyed by chunk ids, so they are never reused stale).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from models.options import ChunkingOptions
from models.records import Box, Chunk, ExtractedArtifact, Page, Segment, Transcript, Word
from pipelines.passage_roles import block_roles
from pipelines.text import count_words, split_sentences

_SENTENCE_GAP_S = 1.0  # a pause this long ends a spoken sentence even without punctuation
# A pause this long after a sentence is taken as a change of speaker (or of topic).
_TURN_GAP_S = 0.6
# Bump when chunk boundaries or roles change (2: cover, placeholder and layout-based
# toc/glossary roles from pipelines.passage_roles).
CHUNKING_VERSION = "3"


def chunk_id(artifact_id: str, sha256: str, extractor: str, place: str, seq: int) -> str:
    """A deterministic chunk id: the same content, extractor, chunking and place give the
    same id."""
    key = f"{sha256}|{extractor}|chunking@{CHUNKING_VERSION}|{place}|{seq}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"{artifact_id}-{digest}"


@dataclass
class _Piece:
    text: str
    words: int
    box: Box | None = None
    start: float = 0.0
    end: float = 0.0
    role: str = "body"
    gap_after: float = 0.0  # spoken sentences: the pause after it, in seconds


def _split_long(text: str, box: Box | None, max_words: int, role: str) -> list[_Piece]:
    """Split an over-long block at sentence ends (or, failing that, every max_words)."""
    pieces: list[_Piece] = []
    buf: list[str] = []
    for sentence in split_sentences(text):
        tokens = sentence.split()
        while len(tokens) > max_words:  # a "sentence" longer than a chunk: a table, a list
            pieces.append(_Piece(" ".join(tokens[:max_words]), max_words, box, role=role))
            tokens = tokens[max_words:]
        if buf and count_words(" ".join([*buf, *tokens])) > max_words:
            joined = " ".join(buf)
            pieces.append(_Piece(joined, count_words(joined), box, role=role))
            buf = []
        buf.extend(tokens)
    if buf:
        joined = " ".join(buf)
        pieces.append(_Piece(joined, count_words(joined), box, role=role))
    return pieces


def _group(pieces: list[_Piece], target: int, max_words: int) -> list[list[_Piece]]:
    groups: list[list[_Piece]] = []
    current: list[_Piece] = []
    words = 0
    for piece in pieces:
        full = words >= target or words + piece.words > max_words
        if current and (full or piece.role != current[-1].role):
            groups.append(current)
            current, words = [], 0
        current.append(piece)
        words += piece.words
    if current:
        groups.append(current)
    return groups


def _union(boxes: list[Box | None]) -> Box | None:
    present = [b for b in boxes if b is not None]
    if not present:
        return None
    out = present[0]
    for b in present[1:]:
        out = out.union(b)
    return out


def chunk_pages(
    artifact_id: str, sha256: str, extracted: ExtractedArtifact, options: ChunkingOptions
) -> list[Chunk]:
    """Chunks of every page, in page order; each within a single page."""
    chunks: list[Chunk] = []
    pages = extracted.pages or []
    roles = block_roles(pages)
    for page in pages:
        chunks.extend(
            _chunk_page(artifact_id, sha256, extracted.extractor, page, options, len(chunks), roles)
        )
    return chunks


def _chunk_page(
    artifact_id: str,
    sha256: str,
    extractor: str,
    page: Page,
    options: ChunkingOptions,
    seq0: int,
    roles: Mapping[tuple[int, int], str],
) -> list[Chunk]:
    pieces: list[_Piece] = []
    for i, block in enumerate(page.blocks):
        role = roles.get((page.number, i), "body")
        n = count_words(block.text)
        if n > options.max_words:
            pieces.extend(_split_long(block.text, block.box, options.max_words, role))
        else:
            pieces.append(_Piece(block.text, n, block.box, role=role))
    out = []
    for i, group in enumerate(_group(pieces, options.target_words, options.max_words)):
        seq = seq0 + i
        out.append(
            Chunk(
                id=chunk_id(artifact_id, sha256, extractor, f"p{page.number}", seq),
                artifact=artifact_id,
                seq=seq,
                text=" ".join(p.text for p in group),
                page=page.number,
                box=_union([p.box for p in group]),
                ocr=page.ocr,
                role=group[0].role,  # type: ignore[arg-type]
            )
        )
    return out


def _sentences(transcript: Transcript) -> list[_Piece]:
    """Spoken sentences with exact times, from word time stamps (segments as fallback).

    A sentence ends at final punctuation or at a pause of ``_SENTENCE_GAP_S``; the
    recogniser's segment boundaries fall anywhere (often mid-sentence), so a sentence
    runs on across them. ``gap_after`` keeps the pause that follows each sentence.
    """
    out: list[_Piece] = []
    # Runs of worded segments are read word by word; a segment without word time stamps
    # is a sentence of its own (its text is never dropped).
    runs: list[list[Word] | Segment] = []
    for segment in transcript.segments:
        if segment.words:
            if runs and isinstance(runs[-1], list):
                runs[-1].extend(segment.words)
            else:
                runs.append(list(segment.words))
        elif segment.text.strip():
            runs.append(segment)
    for n, run in enumerate(runs):
        following = runs[n + 1] if n + 1 < len(runs) else None
        next_start = (
            None
            if following is None
            else following.start
            if isinstance(following, Segment)
            else following[0].start
        )
        if isinstance(run, Segment):
            piece = _Piece(run.text, count_words(run.text), start=run.start, end=run.end)
            piece.gap_after = next_start - run.end if next_start is not None else float("inf")
            out.append(piece)
            continue
        buf: list[Word] = []
        for i, word in enumerate(run):
            buf.append(word)
            nxt_start = run[i + 1].start if i + 1 < len(run) else next_start
            ends = word.text.rstrip("\"')").endswith((".", "?", "!"))
            gap = nxt_start - word.end if nxt_start is not None else float("inf")
            if i + 1 == len(run) or ends or gap > _SENTENCE_GAP_S:
                text = " ".join(w.text for w in buf)
                piece = _Piece(text, count_words(text), start=buf[0].start, end=buf[-1].end)
                piece.gap_after = gap
                out.append(piece)
                buf = []
    return out


def chunk_transcript(
    artifact_id: str, sha256: str, extracted: ExtractedArtifact, options: ChunkingOptions
) -> list[Chunk]:
    """Chunks of whole spoken sentences that follow the turns of a conversation.

    Once a chunk holds the target number of words it ends at the next pause long
    enough to be a change of speaker (``_TURN_GAP_S``), so an answer is not cut in
    half; past twice the target words or the longest span it ends at the next
    sentence end instead. Chunks never split a sentence.
    """
    if extracted.transcript is None:
        return []
    groups: list[list[_Piece]] = []
    current: list[_Piece] = []
    words = 0
    target = options.transcript_target_words
    for sentence in _sentences(extracted.transcript):
        current.append(sentence)
        words += sentence.words
        span = sentence.end - current[0].start
        at_turn = sentence.gap_after >= _TURN_GAP_S
        if (
            (words >= target and at_turn)
            or words >= 2 * target
            or (span >= options.transcript_max_seconds and words >= target // 2)
        ):
            groups.append(current)
            current, words = [], 0
    if current:
        groups.append(current)
    duration = extracted.transcript.duration_s
    chunks = []
    for seq, group in enumerate(groups):
        start = max(0.0, group[0].start)
        end = min(max(group[-1].end, start), duration) if duration else group[-1].end
        chunks.append(
            Chunk(
                id=chunk_id(artifact_id, sha256, extracted.extractor, f"t{start:.3f}", seq),
                artifact=artifact_id,
                seq=seq,
                text=" ".join(p.text for p in group),
                start_s=start,
                end_s=max(end, start),
            )
        )
    return chunks


def chunk_artifact(
    artifact_id: str, sha256: str, extracted: ExtractedArtifact, options: ChunkingOptions
) -> list[Chunk]:
    """Chunks of any extracted artifact."""
    if extracted.transcript is not None:
        return chunk_transcript(artifact_id, sha256, extracted, options)
    return chunk_pages(artifact_id, sha256, extracted, options)
