"""Match a submission's passages to every rubric detail: find, rank and judge places.

1. Passages: windows of one or two sentences of a page, or one to three transcript
   chunks of a recording (``pipelines.passages``), embedded once (MiniLM) and cached.
2. Queries per detail: its title and description, every look-for and the example
   evidence statements the rubric's authors wrote (rubric data, editable by admins).
   The candidate's explanation of the detail in the self-analysis is a second,
   separate query.
3. Features per candidate place (``pipelines.place_features``): sentence-level
   similarity, standing relative to the rest of the submission, BM25, layout role,
   intention and placeholder shares, kind of place; and, apart, the explanation's
   similarity and whether the candidate cited the place.
4. A learned combiner (``models.scoring``): the *ranker* orders places with every
   feature; the *judge* scores the places shown from the rubric features alone. The
   judge's probability is the suggestion's score, and the best score among the
   places shown decides the status through the rubric's thresholds — so what the
   candidate wrote helps to find a place but never makes it evidence.

Every detail lists its best places (up to five) whatever its status, so an assessor
sees what was considered.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from models.embedder import Embedder
from models.options import MatchingOptions
from models.records import Box, Chunk
from models.rubric import Detail, Rubric
from models.scoring import ScoringModel
from models.submission import SelfAnalysisEntry
from pipelines.index import build_or_load_vectors
from pipelines.lexical import coverage, stems
from pipelines.locations import LocationError, PageRange, parse_location
from pipelines.passages import Passage, build_passages
from pipelines.place_features import (
    ALL_FEATURES,
    CitedPointer,
    DetailFeatures,
    Place,
    QuerySet,
    cited_window,
    compute_features,
    group_places,
    rank_places,
)

MAX_SUGGESTIONS = 5
# The status is read from the best score among the places shown.
STATUS_TOP_K = MAX_SUGGESTIONS
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "rubrics" / "scoring" / "default.json"


@lru_cache(maxsize=8)
def load_scoring_model(path: Path = DEFAULT_MODEL) -> ScoringModel:
    """The stored combiner (read once per process and path)."""
    return ScoringModel.load(path)


@dataclass(frozen=True)
class PassageScore:
    """The window that speaks for a place, with what the notes need to describe it."""

    chunk: Chunk
    text: str
    score: float
    look_for_similarity: tuple[float, ...]
    look_for_coverage: tuple[float, ...]
    intention: float


@dataclass(frozen=True)
class PlaceSuggestion:
    """Where evidence for a detail may be: a page, or a stretch of a recording.

    ``score`` is the judge's probability (it decides the status); ``rank_score`` the
    ranker's, which orders the suggestions."""

    artifact: str
    page: int | None
    start_s: float | None
    end_s: float | None
    score: float
    rank_score: float
    best: PassageScore
    text: str
    box: Box | None = None


@dataclass
class DetailMatch:
    """Everything matching found for one detail."""

    detail: Detail
    outcome_id: str
    status: str
    suggestions: list[PlaceSuggestion]
    places: list[Place] = field(default_factory=list)
    judge_scores: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def score_at(
        self, artifact: str, pages: range | None, window: tuple[float, float] | None
    ) -> float | None:
        """The judge's best score at a cited place (pages, or a time window), or None
        when no candidate place lies there."""
        pointer = CitedPointer("", artifact, pages, window)
        hits = [
            float(s)
            for p, s in zip(self.places, self.judge_scores, strict=True)
            if pointer.covers(p)
        ]
        return max(hits) if hits else None


@dataclass
class SubmissionFeatures:
    """The passages, places and features of one submission for every detail of a rubric."""

    passages: list[Passage]
    places: list[Place]
    chunks: dict[str, Chunk]
    details: list[DetailFeatures]


def pointer_of(entries: list[SelfAnalysisEntry]) -> CitedPointer | None:
    """What the self-analysis says of one detail: the explanations, and the first place
    cited that parses."""
    if not entries:
        return None
    explanation = " ".join(e.explanation.strip() for e in entries if e.explanation)
    for e in entries:
        try:
            loc = parse_location(e.location)
        except LocationError:
            continue
        if isinstance(loc, PageRange):
            return CitedPointer(explanation, e.artifact, range(loc.first, loc.last + 1))
        return CitedPointer(explanation, e.artifact, window=cited_window(loc.start_s, loc.end_s))
    return CitedPointer(explanation)


_QUERY_CACHE: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}


def _query_vectors(embedder: Embedder, texts: tuple[str, ...]) -> np.ndarray:
    """A rubric's query vectors, embedded once per process and rubric text."""
    key = (embedder.identity, texts)
    if key not in _QUERY_CACHE:
        if len(_QUERY_CACHE) > 32:  # rubric versions come and go; keep a few
            _QUERY_CACHE.clear()
        _QUERY_CACHE[key] = embedder.embed(list(texts))
    return _QUERY_CACHE[key]


def _passage_key(p: Passage) -> str:
    return hashlib.sha256(f"{'|'.join(p.chunk_ids)}|{p.text}".encode()).hexdigest()[:20]


class EvidenceMatcher:
    """Finds, ranks and judges places for every detail of one rubric."""

    def __init__(
        self,
        rubric: Rubric,
        embedder: Embedder,
        model: ScoringModel | None = None,
        options: MatchingOptions | None = None,
    ):
        self.rubric = rubric
        self.options = options or MatchingOptions()
        self.embedder = embedder
        self._model = model
        self.details = rubric.details
        texts: list[str] = []
        self.queries: list[QuerySet] = []
        for _outcome, detail in self.details:
            start = len(texts)
            texts.append(f"{detail.title}: {detail.description}")
            first_look = len(texts)
            texts.extend(detail.look_fors)
            end_look = len(texts)
            texts.extend(detail.examples)
            self.queries.append(
                QuerySet(
                    rows=tuple(range(start, len(texts))),
                    look_for_rows=tuple(range(first_look, end_look)),
                    lexical_text=" ".join(texts[start:end_look]),
                    look_for_stems=tuple(frozenset(stems(lf)) for lf in detail.look_fors),
                )
            )
        texts.append(rubric.overview or rubric.title)  # the rubric's subject, last
        self._query_vectors = _query_vectors(embedder, tuple(texts))

    @property
    def model(self) -> ScoringModel:
        """The combiner given, or the shipped one."""
        if self._model is None:
            self._model = load_scoring_model()
        return self._model

    def features(
        self,
        chunks: list[Chunk],
        self_analysis: list[SelfAnalysisEntry],
        index_root: Path | None = None,
    ) -> SubmissionFeatures:
        """Passages, places and every detail's features (no label, no model involved)."""
        if not self.options.layout_roles:
            chunks = [
                c if c.role == "body" else c.model_copy(update={"role": "body"}) for c in chunks
            ]
        passages = build_passages(chunks, self.options.sentence_windows)
        places = group_places(passages, chunks)
        vectors = build_or_load_vectors(
            index_root,
            self.embedder,
            [_passage_key(p) for p in passages],
            [p.text for p in passages],
        )
        window_sims = self._query_vectors @ vectors.T if len(passages) else np.zeros((0, 0))
        by_detail: dict[str, list[SelfAnalysisEntry]] = {}
        for entry in self_analysis:
            by_detail.setdefault(entry.detail, []).append(entry)
        pointers = [pointer_of(by_detail.get(d.id, [])) for _o, d in self.details]
        texts = [p.explanation for p in pointers if p is not None and p.explanation]
        explained = dict(zip(texts, self.embedder.embed(texts), strict=True)) if texts else {}
        pointer_sims = [
            vectors @ explained[p.explanation] if p is not None and p.explanation else None
            for p in pointers
        ]
        details = compute_features(
            passages,
            places,
            window_sims,
            self.queries,
            pointers,
            pointer_sims,
            topic_sims=window_sims[-1] if len(passages) else None,
            assertion_gate=self.options.assertion_gate,
        )
        return SubmissionFeatures(passages, places, {c.id: c for c in chunks}, details)

    def match(
        self,
        chunks: list[Chunk],
        self_analysis: list[SelfAnalysisEntry],
        index_root: Path | None = None,
        features: SubmissionFeatures | None = None,
    ) -> list[DetailMatch]:
        """A ``DetailMatch`` for every detail, in rubric order (from ``features`` when
        they were computed already: they depend on the rubric's text, not its thresholds
        or the scoring model)."""
        feats = features or self.features(chunks, self_analysis, index_root)
        return [
            self._detail_match(d, outcome.id, detail, feats)
            for d, (outcome, detail) in enumerate(self.details)
        ]

    def _detail_match(
        self, d: int, outcome_id: str, detail: Detail, feats: SubmissionFeatures
    ) -> DetailMatch:
        values = feats.details[d].values
        if not feats.places:
            return DetailMatch(detail, outcome_id, "no_evidence", [])
        rank = self.model.ranker.probability(values, ALL_FEATURES)
        judge = self.model.judge.probability(values, ALL_FEATURES)
        order = rank_places(feats.places, rank, MAX_SUGGESTIONS)
        suggestions = [self._suggestion(d, j, detail, feats, rank, judge) for j in order]
        top = max((s.score for s in suggestions[:STATUS_TOP_K]), default=0.0)
        thresholds = self.rubric.thresholds_for(detail)
        if top >= thresholds.evidence:
            status = "evidence_found"
        elif top >= thresholds.weak:
            status = "weak_evidence"
        else:
            status = "no_evidence"
        return DetailMatch(detail, outcome_id, status, suggestions, feats.places, judge)

    def _suggestion(
        self,
        d: int,
        j: int,
        detail: Detail,
        feats: SubmissionFeatures,
        rank: np.ndarray,
        judge: np.ndarray,
    ) -> PlaceSuggestion:
        place = feats.places[j]
        passage = feats.passages[int(feats.details[d].best_passage[j])]
        chunk = feats.chunks[passage.chunk_ids[0]]
        window_stems = set(stems(passage.text))
        best = PassageScore(
            chunk=chunk,
            text=passage.text,
            score=float(judge[j]),
            look_for_similarity=tuple(float(x) for x in feats.details[d].look_for_similarity[j]),
            look_for_coverage=tuple(
                coverage(s, window_stems) for s in self.queries[d].look_for_stems
            ),
            intention=float(values_of(feats, d, j, "intention")),
        )
        # A page shows its chunk around the best window; a recording, the window itself.
        text = passage.text if place.is_recording else chunk.text
        return PlaceSuggestion(
            artifact=place.artifact,
            page=place.page,
            start_s=place.start_s,
            end_s=place.end_s,
            score=round(float(judge[j]), 4),
            rank_score=round(float(rank[j]), 4),
            best=best,
            text=text,
            box=chunk.box if not place.is_recording else None,
        )


def values_of(feats: SubmissionFeatures, d: int, j: int, name: str) -> float:
    """One feature's value for detail ``d`` at place ``j``."""
    return float(feats.details[d].values[j, ALL_FEATURES.index(name)])
