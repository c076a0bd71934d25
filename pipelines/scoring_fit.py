"""Fit the ranker and the judge of ``models.scoring`` on labelled submissions.

Labels say, for every detail of a submission, where an assessor found the evidence
(none for a detail without evidence). Every candidate place of every detail is a case:
positive when it lies at a labelled place. The ranker learns from all of them; the
judge learns from the places the ranker puts first (the ones whose score decides a
status), so it learns to tell evidence from what merely resembles it there — contents
lines, glossaries, placeholders, intentions, the same word used about something else.

Both are L2-regularised logistic regressions (scikit-learn) over standardised
features; the ranker weighs positives and negatives equally (there are few
positives), the judge is left unweighted so its output stays a probability.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.scoring import LinearScorer, ScoringModel
from pipelines.place_features import ABSOLUTE_FEATURES, ALL_FEATURES, Place, rank_places

JUDGE_TOP_K = 5
REGULARISATION_C = 1.0


@dataclass(frozen=True)
class LabelledDetail:
    """One detail of one labelled submission: feature rows and which places are evidence."""

    submission: str
    places: list[Place]
    values: np.ndarray  # places x ALL_FEATURES
    positive: np.ndarray  # places: bool

    @property
    def has_evidence(self) -> bool:
        return bool(self.positive.any())


def _fit(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], balanced: bool) -> LinearScorer:
    from sklearn.linear_model import LogisticRegression  # imported only when fitting

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(
        C=REGULARISATION_C, max_iter=5000, class_weight="balanced" if balanced else None
    )
    if len(set(y.tolist())) < 2:
        raise ValueError("labels need places with and without evidence to fit a scorer")
    model.fit((x - mean) / scale, y)
    return LinearScorer(
        features=list(names),
        mean=[float(v) for v in mean],
        scale=[float(v) for v in scale],
        coef=[float(v) for v in model.coef_[0]],
        intercept=float(model.intercept_[0]),
    )


def select(values: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """The columns of ``values`` (named ALL_FEATURES) for a subset of feature names."""
    return values[:, [ALL_FEATURES.index(n) for n in names]]


def _fit_ranker(cases: list[LabelledDetail], names: tuple[str, ...]) -> LinearScorer:
    x = np.vstack([select(c.values, names) for c in cases])
    y = np.concatenate([c.positive for c in cases]).astype(int)
    return _fit(x, y, names, balanced=True)


def fit_scoring_model(
    cases: list[LabelledDetail],
    rank_features: tuple[str, ...] = ALL_FEATURES,
    judge_features: tuple[str, ...] = ABSOLUTE_FEATURES,
    top_k: int = JUDGE_TOP_K,
) -> ScoringModel:
    """Fit the ranker on every place, then the judge on each detail's top-ranked places
    (ranked by a ranker fitted without that detail's submission)."""
    ranker = _fit_ranker(cases, rank_features)
    # The judge learns from the places a ranker puts first on a submission it was not
    # fitted on (cross-fitting by submission), so it sees the near misses it will meet.
    names = sorted({c.submission for c in cases})
    jx, jy = [], []
    for name in names:
        others = [c for c in cases if c.submission != name]
        crossed = _fit_ranker(others, rank_features) if len(names) > 1 else ranker
        for c in (c for c in cases if c.submission == name):
            order = rank_places(c.places, crossed.probability(c.values, ALL_FEATURES), top_k)
            jx.append(select(c.values[order], judge_features))
            jy.append(c.positive[order])
    judge = _fit(np.vstack(jx), np.concatenate(jy).astype(int), judge_features, balanced=False)
    return ScoringModel(
        ranker=ranker,
        judge=judge,
        trained_on=sorted({c.submission for c in cases}),
        description=(
            "ranker: logistic regression over every feature, balanced classes; judge: logistic "
            f"regression over the rubric features of each detail's top {top_k} places"
        ),
    )
