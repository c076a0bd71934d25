"""Generic features of every candidate place for every rubric detail.

A candidate place is a page, or a window of a recording (``pipelines.passages``).
Two families of features are kept apart:

- *rubric* features say how well the place matches what the rubric asks for (its
  description, look-fors and example evidence statements): they decide whether a
  detail has evidence, so a candidate's pointer can never turn a placeholder or a
  glossary into evidence;
- *pointer* features say how well the place matches what the candidate wrote about
  the detail in the self-analysis (the explanation, and the cited place): they help
  to find and rank places only.

No feature names a word of any rubric or portfolio: each is a similarity, a share,
a rank or a layout role, and most are taken relative to the rest of the submission
(a portfolio about professional learning is similar to every detail of a rubric
about it; what counts is how much a place stands out).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from models.records import Box, Chunk
from pipelines.lexical import bm25_scores, coverage, stems
from pipelines.passage_cues import intention_share, placeholder_share
from pipelines.passages import Passage

NON_BODY_ROLES = frozenset({"furniture", "toc", "definition", "cover", "placeholder"})

RUBRIC_FEATURES: tuple[str, ...] = (
    "dense",  # best sentence-window similarity to any of the detail's queries
    "dense_top3",  # mean of the three best query similarities at that window
    "dense_specific",  # how much more the place fits this detail than the rubric's average
    "dense_level",  # dense minus the submission's typical best match (median over details)
    "dense_z",  # dense, standardised over the submission's places for this detail
    "dense_gap",  # dense minus the best place's dense for this detail (0 at the best)
    "lexical_z",  # BM25 over stemmed words, standardised over the submission's places
    "coverage",  # best share of a look-for's content words that the place's text holds
    "topic",  # the best window's similarity to the rubric's overview (on the rubric's subject)
    "non_body",  # share of the place's windows that cannot be evidence (see is_assertion)
    "intention",  # share of the best window's sentences that state a plan rather than a deed
    "placeholder",  # share of the best window's sentences that stand in for missing material
)
POINTER_FEATURES: tuple[str, ...] = (
    "explain_dense",  # best window similarity to the candidate's explanation
    "explain_z",  # the same, standardised over the submission's places
    "explain_lexical_z",  # BM25 against the explanation, standardised
    "cited",  # the place is (inside) the place the candidate cited
)
ALL_FEATURES: tuple[str, ...] = RUBRIC_FEATURES + POINTER_FEATURES
# Features whose value does not depend on the other places of the submission: the judge
# reads only these, so a portfolio with little in it cannot lift its best place into
# evidence just by being the best of little.
ABSOLUTE_FEATURES: tuple[str, ...] = tuple(
    f for f in RUBRIC_FEATURES if f not in {"dense_z", "dense_gap", "lexical_z"}
)


@dataclass(frozen=True)
class Place:
    """A page, or a stretch of a recording, with the windows that belong to it."""

    artifact: str
    page: int | None
    start_s: float | None
    end_s: float | None
    passages: tuple[int, ...]  # indexes into the passage list
    text: str = ""  # the whole text at the place, for lexical scoring
    ocr: bool = False
    box: Box | None = None

    @property
    def is_recording(self) -> bool:
        return self.page is None


# A single time stamp marks where a passage starts; look a little before and after it.
POINT_BEFORE_S = 5.0
POINT_AFTER_S = 30.0


def cited_window(start_s: float, end_s: float | None) -> tuple[float, float]:
    """The stretch a time citation points at: its range, or around a single time stamp."""
    if end_s is None:
        return (start_s - POINT_BEFORE_S, start_s + POINT_AFTER_S)
    return (start_s, end_s)


class Located(Protocol):
    """Anything with a place: a candidate place, a suggestion."""

    @property
    def artifact(self) -> str: ...
    @property
    def page(self) -> int | None: ...
    @property
    def start_s(self) -> float | None: ...
    @property
    def end_s(self) -> float | None: ...


@dataclass(frozen=True)
class CitedPointer:
    """What the self-analysis says about one detail: explanation text and cited place."""

    explanation: str
    artifact: str | None = None
    pages: range | None = None
    window: tuple[float, float] | None = None

    def covers(self, place: Located) -> bool:
        """Whether a place lies at the cited place (a page in the cited pages, or a
        stretch overlapping the cited time window)."""
        if self.artifact != place.artifact:
            return False
        if place.page is not None:
            return self.pages is not None and place.page in self.pages
        if self.window is None or place.start_s is None or place.end_s is None:
            return False
        return place.end_s >= self.window[0] and place.start_s <= self.window[1]


@dataclass
class DetailFeatures:
    """Features of every place for one detail, and the window that speaks for each place."""

    values: np.ndarray  # places x ALL_FEATURES
    best_passage: np.ndarray  # places: index of the best rubric window
    look_for_similarity: np.ndarray  # places x look-fors, at the best window


def group_places(passages: list[Passage], chunks: list[Chunk]) -> list[Place]:
    """Pages (all their windows together) and recording windows, each one place."""
    pages: dict[tuple[str, int], list[int]] = {}
    page_text: dict[tuple[str, int], list[str]] = {}
    for c in chunks:
        if c.page is not None:
            page_text.setdefault((c.artifact, c.page), []).append(c.text)
    places: list[Place] = []
    for i, p in enumerate(passages):
        if p.page is not None:
            pages.setdefault((p.artifact, p.page), []).append(i)
        else:
            places.append(Place(p.artifact, None, p.start_s, p.end_s, (i,), text=p.text))
    paged = [
        Place(
            art,
            page,
            None,
            None,
            tuple(idx),
            text=" ".join(page_text.get((art, page), [])),
            ocr=passages[idx[0]].ocr,
        )
        for (art, page), idx in pages.items()
    ]
    return paged + places


# A window is read as reporting something when most of its sentences neither state a
# plan nor stand in for missing material, and it is body text.
_ASSERTION_MAX_SHARE = 0.5


def is_assertion(passage: Passage, cues: tuple[float, float]) -> bool:
    """Whether a window can be evidence of something done: body text (not a contents
    line, glossary entry, running header, cover or placeholder block) whose sentences
    mostly report rather than intend (``passage_cues``). Only such windows feed the
    rubric features: a plan, a definition or a blank is not evidence however close its
    words are to the rubric's."""
    intention, placeholder = cues
    return (
        passage.role not in NON_BODY_ROLES
        and intention < _ASSERTION_MAX_SHARE
        and placeholder < _ASSERTION_MAX_SHARE
    )


def _z(column: np.ndarray) -> np.ndarray:
    if len(column) < 2:
        return np.zeros_like(column)
    sd = float(column.std())
    return (column - float(column.mean())) / sd if sd > 1e-9 else np.zeros_like(column)


def _place_max(window_scores: np.ndarray, places: list[Place]) -> tuple[np.ndarray, np.ndarray]:
    """Per place: the best window score and which window it was (rows: details)."""
    n_rows = window_scores.shape[0]
    best = np.zeros((n_rows, len(places)), dtype=np.float64)
    arg = np.zeros((n_rows, len(places)), dtype=np.int64)
    for j, place in enumerate(places):
        idx = np.asarray(place.passages)
        block = window_scores[:, idx]
        k = block.argmax(axis=1)
        best[:, j] = block[np.arange(n_rows), k]
        arg[:, j] = idx[k]
    return best, arg


@dataclass(frozen=True)
class QuerySet:
    """One detail's rubric queries: row ranges into the query matrix."""

    rows: tuple[int, ...]
    look_for_rows: tuple[int, ...]
    lexical_text: str
    look_for_stems: tuple[frozenset[str], ...] = ()


def compute_features(
    passages: list[Passage],
    places: list[Place],
    window_sims: np.ndarray,
    queries: list[QuerySet],
    pointers: list[CitedPointer | None],
    pointer_sims: list[np.ndarray | None],
    topic_sims: np.ndarray | None = None,
    assertion_gate: bool = True,
) -> list[DetailFeatures]:
    """Features of every place for every detail.

    ``window_sims`` holds the cosine similarity of every rubric query (rows) to every
    window (columns); ``pointer_sims[d]`` the similarity of detail d's explanation to
    every window (or None when the self-analysis does not mention the detail);
    ``topic_sims`` the similarity of the rubric's overview to every window (a word of
    the rubric used about another subject is far from it).
    """
    n_details = len(queries)
    n_places = len(places)
    cues = [(intention_share(p.text), placeholder_share(p.text)) for p in passages]
    eligible = np.array(
        [not assertion_gate or is_assertion(p, c) for p, c in zip(passages, cues, strict=True)],
        dtype=bool,
    )
    # Per detail and window: the best query, and the mean of the three best. Rubric
    # features read only windows that report something (see ``is_assertion``).
    best_q = np.zeros((n_details, len(passages)))
    top3 = np.zeros((n_details, len(passages)))
    for d, q in enumerate(queries):
        block = window_sims[list(q.rows)]
        best_q[d] = np.where(eligible, block.max(axis=0), 0.0)
        k = min(3, block.shape[0])
        top3[d] = np.where(eligible, np.sort(block, axis=0)[-k:].mean(axis=0), 0.0)
    dense, arg = _place_max(best_q, places)
    place_text = [
        " ".join(passages[i].text for i in p.passages if eligible[i]) if p.is_recording else p.text
        for p in places
    ]
    bm25 = bm25_scores(place_text, [q.lexical_text for q in queries]).astype(np.float64)
    explain_docs = [ptr.explanation if ptr else "" for ptr in pointers]
    bm25_x = bm25_scores([p.text for p in places], explain_docs).astype(np.float64)
    mean_over_details = dense.mean(axis=0)
    # How well this portfolio's writing matches the rubric's at all: its own words
    # may sit far from the rubric's everywhere, evidence included.
    typical_best = float(np.median(dense.max(axis=1))) if n_places else 0.0
    place_stems = [set(stems(t)) for t in place_text]
    ineligible_share = np.array([1.0 - float(np.mean(eligible[list(p.passages)])) for p in places])
    out: list[DetailFeatures] = []
    for d in range(n_details):
        values = np.zeros((n_places, len(ALL_FEATURES)))
        col = {name: i for i, name in enumerate(ALL_FEATURES)}
        values[:, col["dense"]] = dense[d]
        values[:, col["dense_top3"]] = top3[d, arg[d]]
        values[:, col["dense_specific"]] = dense[d] - mean_over_details
        values[:, col["dense_level"]] = dense[d] - typical_best
        values[:, col["dense_z"]] = _z(dense[d])
        values[:, col["dense_gap"]] = dense[d] - dense[d].max() if n_places else 0.0
        values[:, col["lexical_z"]] = _z(bm25[d])
        if queries[d].look_for_stems:
            values[:, col["coverage"]] = [
                max(coverage(q, place_stems[j]) for q in queries[d].look_for_stems)
                for j in range(n_places)
            ]
        for j in range(n_places):
            w = int(arg[d, j])
            values[j, col["non_body"]] = ineligible_share[j]
            values[j, col["intention"]], values[j, col["placeholder"]] = cues[w]
            if topic_sims is not None:
                values[j, col["topic"]] = float(topic_sims[w])
        ptr, sims = pointers[d], pointer_sims[d]
        if ptr is not None and sims is not None:
            x_best, _ = _place_max(sims[None, :], places)
            values[:, col["explain_dense"]] = x_best[0]
            values[:, col["explain_z"]] = _z(x_best[0])
            values[:, col["explain_lexical_z"]] = _z(bm25_x[d])
            values[:, col["cited"]] = [float(ptr.covers(p)) for p in places]
        look = np.asarray(queries[d].look_for_rows)
        look_sims = window_sims[look][:, arg[d]].T if len(look) else np.zeros((n_places, 0))
        out.append(
            DetailFeatures(values=values, best_passage=arg[d], look_for_similarity=look_sims)
        )
    return out


def _overlaps(a: Place, b: Place) -> bool:
    return (
        a.artifact == b.artifact
        and a.is_recording
        and b.is_recording
        and (a.start_s or 0.0) < (b.end_s or 0.0)
        and (b.start_s or 0.0) < (a.end_s or 0.0)
    )


def rank_places(places: list[Place], scores: np.ndarray, k: int) -> list[int]:
    """The k best places by score, best first; a recording window that overlaps one
    already taken is passed over (the same moment is suggested once)."""
    out: list[int] = []
    for j in np.argsort(-scores, kind="stable"):
        if any(_overlaps(places[int(j)], places[o]) for o in out):
            continue
        out.append(int(j))
        if len(out) == k:
            break
    return out
