"""Out-of-sample fitting and figures: leave one labelled submission out, all rotations.

Everything fitted on labels — the ranker, the judge and the weak threshold — is fitted
on the other submissions only, and the held-out one is scored with what they gave:

- for each held-out submission H, the combiner is fitted on the others;
- its weak threshold is proposed from scores the others got *out of sample* too (an
  inner leave-one-out over the others), so no label of H and no in-sample score is used;
- H's report is built with that model and threshold.

``proposal_over_all`` does the same over every labelled submission: the threshold a
model fitted on all of them should ship with, proposed from out-of-sample scores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from models.rubric import Rubric, Thresholds
from models.scoring import ScoringModel
from pipelines.calibration import Case, propose
from pipelines.matching import STATUS_TOP_K, SubmissionFeatures
from pipelines.place_features import ABSOLUTE_FEATURES, ALL_FEATURES, Place, rank_places
from pipelines.scoring_fit import LabelledDetail, fit_scoring_model

Fitter = Callable[[list[LabelledDetail]], ScoringModel]


@dataclass
class LabelledSubmission:
    """A submission's features with its labels (the ``gold.yaml`` shape)."""

    name: str
    features: SubmissionFeatures
    gold: dict


def _at(place: Place, label: dict) -> bool:
    """Whether a place lies at a label: the same page, or a recording window overlapping it."""
    if str(label.get("artifact")) != place.artifact:
        return False
    if label.get("page") is not None:
        return place.page == int(label["page"])
    if place.page is not None or place.start_s is None or place.end_s is None:
        return False
    return place.start_s < float(label["end_s"]) and place.end_s > float(label["start_s"])


def labelled_details(sub: LabelledSubmission, detail_ids: list[str]) -> list[LabelledDetail]:
    """One case per detail the labels speak of."""
    out = []
    for d, detail_id in enumerate(detail_ids):
        if detail_id not in (sub.gold.get("details") or {}):
            continue
        labels = sub.gold["details"][detail_id] or []
        positive = np.array([any(_at(p, g) for g in labels) for p in sub.features.places])
        out.append(
            LabelledDetail(sub.name, sub.features.places, sub.features.details[d].values, positive)
        )
    return out


def detail_cases(model: ScoringModel, cases: list[LabelledDetail]) -> list[Case]:
    """The status score (best judge score among the places shown) of each labelled detail."""
    out = []
    for c in cases:
        if not c.places:
            out.append(Case(0.0, c.has_evidence))
            continue
        rank = model.ranker.probability(c.values, ALL_FEATURES)
        shown = rank_places(c.places, rank, STATUS_TOP_K)
        judge = model.judge.probability(c.values[shown], ALL_FEATURES)
        out.append(Case(float(judge.max()), c.has_evidence))
    return out


def evidence_bar(cases: list[Case], weak: float) -> float:
    """The evidence threshold: above every no-evidence score seen (and never below weak)."""
    empty = [c.score for c in cases if not c.has_evidence]
    top = max(empty, default=weak)
    return round(min(max(weak, top + 0.01), 0.99), 3)


def fitter(rank_features: tuple[str, ...], judge_features: tuple[str, ...]) -> Fitter:
    """A fitting function over chosen features (an ablation drops some)."""
    return lambda cases: fit_scoring_model(cases, rank_features, judge_features)


def out_of_sample_cases(
    subs: list[LabelledSubmission], detail_ids: list[str], fit: Fitter
) -> list[Case]:
    """Every detail's status score from a model fitted without its submission."""
    out: list[Case] = []
    for held in subs:
        train = [c for s in subs if s is not held for c in labelled_details(s, detail_ids)]
        out += detail_cases(fit(train), labelled_details(held, detail_ids))
    return out


def thresholds_from(cases: list[Case], current: Thresholds) -> Thresholds:
    """Weak bar proposed from the cases (balanced found/abstain); evidence bar above it."""
    proposal = propose("all details", cases, current.weak)
    weak = proposal.proposed if proposal.proposed is not None else current.weak
    return Thresholds(weak=weak, evidence=evidence_bar(cases, weak))


@dataclass
class Fold:
    """What one held-out submission is scored with."""

    held_out: str
    model: ScoringModel
    thresholds: Thresholds


def folds(
    subs: list[LabelledSubmission],
    rubric: Rubric,
    fit: Fitter | None = None,
) -> list[Fold]:
    """For each submission: a model and thresholds fitted on the others only."""
    fit = fit or fitter(ALL_FEATURES, ABSOLUTE_FEATURES)
    ids = [d.id for _o, d in rubric.details]
    out = []
    for held in subs:
        others = [s for s in subs if s is not held]
        model = fit([c for s in others for c in labelled_details(s, ids)])
        inner = out_of_sample_cases(others, ids, fit)
        out.append(Fold(held.name, model, thresholds_from(inner, rubric.thresholds)))
    return out


def proposal_over_all(
    subs: list[LabelledSubmission], rubric: Rubric, fit: Fitter | None = None
) -> tuple[ScoringModel, Thresholds, list[Case]]:
    """The model fitted on every submission, and thresholds proposed out of sample."""
    fit = fit or fitter(ALL_FEATURES, ABSOLUTE_FEATURES)
    ids = [d.id for _o, d in rubric.details]
    cases = out_of_sample_cases(subs, ids, fit)
    model = fit([c for s in subs for c in labelled_details(s, ids)])
    return model, thresholds_from(cases, rubric.thresholds), cases


def with_thresholds(rubric: Rubric, thresholds: Thresholds) -> Rubric:
    """The rubric with new rubric-wide thresholds (per-detail ones dropped: one bar is fitted)."""
    outcomes = [
        o.model_copy(
            update={"details": [d.model_copy(update={"thresholds": None}) for d in o.details]}
        )
        for o in rubric.outcomes
    ]
    return rubric.model_copy(update={"thresholds": thresholds, "outcomes": outcomes})
