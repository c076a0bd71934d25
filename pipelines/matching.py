"""Match chunks to every rubric detail: dense + lexical retrieval, grouped by place, scored.

For each detail the query is its description and each of its look-fors. A
chunk's raw relevance mixes
- dense similarity (MiniLM, cosine): the description and the best look-for;
- lexical evidence: BM25 over stemmed words and the best look-for's term coverage;
then passages that only name a topic (contents lines, glossary entries, running
headers) and passages that state intentions rather than what was done are
discounted. A fixed logistic maps the result to [0, 1], so a score means the
same for every detail of a rubric version; the rubric's thresholds turn the
best score into ``evidence_found``, ``weak_evidence`` or ``no_evidence``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from models.embedder import Embedder
from models.records import Chunk
from models.rubric import Detail, Rubric
from pipelines.index import ChunkIndex
from pipelines.lexical import bm25_scores, coverage, stems
from pipelines.text import split_sentences

MAX_SUGGESTIONS = 5
MAX_RECORDING_SPAN_S = 90.0

# Modality of intentions and placeholders: what is hoped or planned is not yet evidence.
_INTENTION = re.compile(
    # "want to" is left out: "I want to celebrate it" is said now, not planned.
    r"\b(hope|hopes|plan|plans|intend|intends|aim|aims|would like|are going|is going)"
    r"\s+to\b|\bwill be (added|developed|completed|written|made|shared|decided|created|defined)\b"
    r"|\b(coming soon|to be (added|developed|determined|decided|completed|defined)|not yet)\b"
    r"|\bnext year\b|\bonce\b[^.]*\bapproved\b|\blater (this|in the) year\b",
    re.I,
)


@dataclass(frozen=True)
class MatchingWeights:
    """How the signals combine; one set per rubric version so scores stay comparable.

    Measured on the dev set (bench/eval_devset.py); the region around these values
    gives the same figures, so they are not fitted to a corner.
    """

    dense_description: float = 0.4
    dense_look_for: float = 0.6
    dense: float = 0.7
    lexical_bm25: float = 0.3
    lexical_coverage: float = 0.3
    bm25_saturation: float = 4.0
    intention_discount: float = 0.75
    non_body_factor: float = 0.25
    competition: float = 0.5
    competition_margin: float = 0.05
    # The logistic maps raw relevance to [0, 1], 0.5 at ``center``; the rubric's thresholds
    # are set on that scale (`evreview calibrate` proposes them from labelled data).
    center: float = 0.45
    slope: float = 10.6


@dataclass(frozen=True)
class ChunkScore:
    """The relevance of one chunk to one detail, with what drove it."""

    chunk: Chunk
    score: float
    look_for_similarity: tuple[float, ...]
    look_for_coverage: tuple[float, ...]
    intention: float


@dataclass(frozen=True)
class PlaceSuggestion:
    """Where evidence for a detail may be: a page, or a stretch of a recording."""

    artifact: str
    page: int | None
    start_s: float | None
    end_s: float | None
    score: float
    best: ChunkScore
    chunks: tuple[ChunkScore, ...]


@dataclass
class DetailMatch:
    """Everything matching found for one detail."""

    detail: Detail
    outcome_id: str
    status: str
    suggestions: list[PlaceSuggestion]
    chunk_scores: list[ChunkScore] = field(default_factory=list)

    def score_at(
        self, artifact: str, pages: range | None, window: tuple[float, float] | None
    ) -> ChunkScore | None:
        """The best chunk score at a cited place (pages, or a time window)."""
        best = None
        for cs in self.chunk_scores:
            c = cs.chunk
            if c.artifact != artifact:
                continue
            if pages is not None and (c.page is None or c.page not in pages):
                continue
            if window is not None and (
                c.start_s is None or c.end_s is None or c.end_s < window[0] or c.start_s > window[1]
            ):
                continue
            if best is None or cs.score > best.score:
                best = cs
        return best


def intention_share(text: str) -> float:
    """Share of a passage's sentences that state an intention or a placeholder."""
    sentences = split_sentences(text)
    if not sentences:
        return 0.0
    return sum(1 for s in sentences if _INTENTION.search(s)) / len(sentences)


def _logistic(x: float, center: float, slope: float) -> float:
    return 1.0 / (1.0 + math.exp(-slope * (x - center)))


class EvidenceMatcher:
    """Scores chunks against every detail of one rubric."""

    def __init__(self, rubric: Rubric, embedder: Embedder, weights: MatchingWeights | None = None):
        self.rubric = rubric
        self.weights = weights or MatchingWeights()
        self.details = rubric.details
        texts: list[str] = []
        self._spans: list[tuple[int, int]] = []
        for _outcome, detail in self.details:
            start = len(texts)
            texts.append(f"{detail.title}: {detail.description}")
            texts.extend(detail.look_fors)
            self._spans.append((start, len(texts)))
        self._query_texts = texts
        self._query_vectors = embedder.embed(texts)  # once per rubric, in one batch
        self._look_for_stems = [
            [set(stems(lf)) for lf in detail.look_fors] for _o, detail in self.details
        ]

    def match(self, chunks: list[Chunk], index: ChunkIndex) -> list[DetailMatch]:
        """A ``DetailMatch`` for every detail, in rubric order."""
        w = self.weights
        sims = index.similarities(self._query_vectors)  # all queries in one batch
        # Every query of a rubric shares its topic (here: professional learning), so a
        # passage about that topic in general is similar to all of them. Subtracting each
        # chunk's mean similarity to the rubric's queries keeps what is specific to a detail
        # and lifts passages whose text is noisy overall (transcripts, OCR).
        if sims.shape[1]:
            sims = sims - sims.mean(axis=0, keepdims=True)
        lexical_queries = [" ".join(self._query_texts[a:b]) for a, b in self._spans]
        bm25 = bm25_scores([c.text for c in chunks], lexical_queries)
        chunk_stems = [set(stems(c.text)) for c in chunks]
        intentions = [intention_share(c.text) for c in chunks]
        n_details, n_chunks = len(self.details), len(chunks)
        raw = np.zeros((n_details, n_chunks), dtype=np.float64)
        covs: list[list[list[float]]] = []
        for d, (a, b) in enumerate(self._spans):
            look = sims[a + 1 : b]
            covs.append([])
            for j, chunk in enumerate(chunks):
                cov = [coverage(s, chunk_stems[j]) for s in self._look_for_stems[d]]
                covs[d].append(cov)
                dense = w.dense_description * sims[a, j] + w.dense_look_for * float(
                    look[:, j].max()
                )
                lex_bm = bm25[d, j] / (bm25[d, j] + w.bm25_saturation)
                value = w.dense * dense + w.lexical_bm25 * lex_bm + w.lexical_coverage * max(cov)
                if chunk.role != "body":
                    value *= w.non_body_factor
                raw[d, j] = value * (1.0 - w.intention_discount * intentions[j])
        # A passage that is far better evidence of another detail is probably not
        # evidence of this one: it is discounted by how far it trails the other.
        if n_details > 1 and n_chunks:
            top2 = np.sort(raw, axis=0)[-2:]
            best_other = np.where(raw >= top2[1], top2[0], top2[1])
            raw = raw - w.competition * np.maximum(0.0, best_other - raw - w.competition_margin)
        out = []
        for d, ((outcome, detail), (a, b)) in enumerate(
            zip(self.details, self._spans, strict=True)
        ):
            look = sims[a + 1 : b]
            scores = [
                ChunkScore(
                    chunk=chunk,
                    score=round(_logistic(float(raw[d, j]), w.center, w.slope), 4),
                    look_for_similarity=tuple(float(x) for x in look[:, j]),
                    look_for_coverage=tuple(covs[d][j]),
                    intention=intentions[j],
                )
                for j, chunk in enumerate(chunks)
            ]
            suggestions = group_by_place(scores)
            top = suggestions[0].score if suggestions else 0.0
            thresholds = self.rubric.thresholds_for(detail)
            if top >= thresholds.evidence:
                status = "evidence_found"
            elif top >= thresholds.weak:
                status = "weak_evidence"
            else:
                status = "no_evidence"
            shown = [s for s in suggestions if s.score >= thresholds.weak * 0.5]
            out.append(
                DetailMatch(
                    detail=detail,
                    outcome_id=outcome.id,
                    status=status,
                    # With no evidence, the closest places are still shown (fewer, and
                    # their notes say they fall below the bar), so an assessor can confirm
                    # the absence quickly.
                    suggestions=shown[: MAX_SUGGESTIONS if status != "no_evidence" else 3],
                    chunk_scores=scores,
                )
            )
        return out


def group_by_place(scores: list[ChunkScore]) -> list[PlaceSuggestion]:
    """One suggestion per page, or per stretch of a recording; best first.

    On a page, the best chunk speaks for the page. In a recording, the best
    chunk is extended by a neighbour that scores nearly as well (the passage
    ran across a chunk boundary), never beyond 90 seconds.
    """
    pages: dict[tuple[str, int], list[ChunkScore]] = {}
    timed: dict[str, list[ChunkScore]] = {}
    for cs in scores:
        if cs.chunk.page is not None:
            pages.setdefault((cs.chunk.artifact, cs.chunk.page), []).append(cs)
        else:
            timed.setdefault(cs.chunk.artifact, []).append(cs)
    out = []
    for (artifact, page), group in pages.items():
        best = max(group, key=lambda cs: cs.score)
        out.append(PlaceSuggestion(artifact, page, None, None, best.score, best, tuple(group)))
    for artifact, group in timed.items():
        group.sort(key=lambda cs: cs.chunk.start_s or 0.0)
        used: set[int] = set()
        for i in sorted(range(len(group)), key=lambda k: -group[k].score):
            if i in used:
                continue
            members = [i]
            for n in (i - 1, i + 1):
                if (
                    0 <= n < len(group)
                    and n not in used
                    and group[n].score >= group[i].score - 0.05
                ):
                    members.append(n)
            members.sort()
            start = group[members[0]].chunk.start_s or 0.0
            end = group[members[-1]].chunk.end_s or start
            if end - start > MAX_RECORDING_SPAN_S:
                members, start, end = (
                    [i],
                    group[i].chunk.start_s or 0.0,
                    group[i].chunk.end_s or 0.0,
                )
            used.update(members)
            chosen = tuple(group[m] for m in members)
            out.append(
                PlaceSuggestion(artifact, None, start, end, group[i].score, group[i], chosen)
            )
    out.sort(key=lambda s: -s.score)
    return out
