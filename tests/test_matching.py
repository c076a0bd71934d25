"""Evidence matching with the real embedding model: the pointer finds, the rubric judges."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import yaml

from models.embedder import get_embedder
from models.options import ExtractionOptions
from models.scoring import LinearScorer, ScoringModel
from pipelines.ingest import ingest_submission
from pipelines.matching import EvidenceMatcher, load_scoring_model
from pipelines.out_of_sample import LabelledSubmission, folds, proposal_over_all
from pipelines.place_features import ABSOLUTE_FEATURES, ALL_FEATURES, POINTER_FEATURES
from pipelines.rubric_catalog import RubricCatalog
from pipelines.submission import load_submission
from tests.factories import make_text_pdf, write_manifest
from tests.test_analysis import analyze

pytestmark = pytest.mark.slow
RUBRIC = RubricCatalog().get("professional-learning")

EVIDENCE_PAGE = (
    "Our Thursday Circle. Every other Thursday the staff meet in small circles and each "
    "teacher brings a lesson that did not go to plan. The group asks questions, nobody is "
    "graded on it, and the teacher leaves with one change to try the next week. Ms. Ortiz "
    "tried the change on Monday and reported back that her class stayed on task."
)
PLACEHOLDER_PAGE = (
    "Evaluation of the programme. [Insert survey results here.] Impact measures: to be "
    "attached. Participant feedback summary: TBD."
)
OTHER_PAGES = [
    "The bus loop was repainted in July and the car park now has two extra bays.",
    "Lunch duty rota: the rota is posted in the office and changes every half term.",
]


def _portfolio(folder, self_analysis):
    folder.mkdir(parents=True, exist_ok=True)
    make_text_pdf(folder / "plan.pdf", [EVIDENCE_PAGE, PLACEHOLDER_PAGE, *OTHER_PAGES])
    write_manifest(
        folder,
        {
            "credential": "professional-learning",
            "artifacts": [{"id": "A1", "file": "plan.pdf"}],
            "self_analysis": self_analysis,
        },
    )
    return folder


def _analyze(folder, tmp_path):
    return analyze(folder, tmp_path).report


def test_an_explanation_pointing_at_a_placeholder_does_not_make_it_evidence(tmp_path):
    folder = _portfolio(
        tmp_path / "sub",
        [
            {
                "detail": "EO4.2",
                "artifact": "A1",
                "location": "p. 2",
                "explanation": "The evaluation of the programme: survey results, impact "
                "measures and participant feedback, as Guskey's levels ask.",
            }
        ],
    )
    details = {d.id: d for d in _analyze(folder, tmp_path).details}
    eo42 = details["EO4.2"]
    assert eo42.status == "no_evidence"
    # The cited place is still shown (the explanation found it), below the bar.
    assert any(s.page == 2 for s in eo42.suggestions)
    assert all(s.score < RUBRIC.thresholds.weak for s in eo42.suggestions)
    assert eo42.self_analysis is not None and eo42.self_analysis.verdict == "not_supported"


def test_every_detail_lists_the_places_considered(tmp_path):
    report = _analyze(_portfolio(tmp_path / "sub", []), tmp_path)
    for d in report.details:
        assert 1 <= len(d.suggestions) <= 5, d.id
        scores = [s.score for s in d.suggestions]
        assert all(0.0 <= s <= 1.0 for s in scores)


def test_the_explanation_moves_the_place_it_describes_up(tmp_path):
    """The explanation is a second query: with it, the page it describes ranks first."""
    explanation = "Teachers bring a lesson that went wrong to the Thursday Circle and try a change"
    chunks = ingest_submission(
        load_submission(_portfolio(tmp_path / "sub", [])),
        ExtractionOptions(cache_dir=tmp_path / "cache"),
    ).chunks
    matcher = EvidenceMatcher(RUBRIC, get_embedder())
    entry = load_submission(
        _portfolio(
            tmp_path / "sub2",
            [{"detail": "EO1.3", "artifact": "A1", "location": "p. 9", "explanation": explanation}],
        )
    ).self_analysis
    ranked = {d.detail.id: d for d in matcher.match(chunks, entry)}
    plain = {d.detail.id: d for d in matcher.match(chunks, [])}
    # A page past the end is cited: only the explanation can have helped.
    assert ranked["EO1.3"].suggestions[0].page == 1
    assert ranked["EO1.3"].suggestions[0].rank_score >= plain["EO1.3"].suggestions[0].rank_score
    # The judge's score reads the rubric features only: the explanation leaves it unchanged.
    by_page = {s.page: s.score for s in ranked["EO1.3"].suggestions}
    for s in plain["EO1.3"].suggestions:
        assert by_page.get(s.page, s.score) == pytest.approx(s.score)


def test_the_shipped_model_judges_from_the_rubric_features_only():
    model = load_scoring_model()
    assert set(model.judge.features) <= set(ABSOLUTE_FEATURES)
    assert not set(model.judge.features) & set(POINTER_FEATURES)
    assert set(model.ranker.features) <= set(ALL_FEATURES)
    assert model.trained_on  # it says what it was fitted on


def test_a_damaged_scoring_model_is_refused_with_its_name(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"ranker": {"features": ["dense"]}}')
    with pytest.raises(ValueError, match=r"^broken\.json: not a scoring model"):
        ScoringModel.load(bad)
    with pytest.raises(ValueError, match="same length"):
        LinearScorer(features=["dense"], mean=[0.0, 1.0], scale=[1.0], coef=[1.0], intercept=0)
    scorer = LinearScorer(features=["topic"], mean=[0.0], scale=[1.0], coef=[1.0], intercept=0)
    with pytest.raises(ValueError, match="lacks"):
        scorer.probability(np.zeros((1, 1)), ("dense",))


def _labelled_set(root, n=4):
    """Small labelled submissions: evidence of risk taking on page 1, none of evaluation."""
    subs = []
    matcher = EvidenceMatcher(RUBRIC, get_embedder())
    for k in range(n):
        folder = root / f"s{k}"
        folder.mkdir(parents=True)
        pages = [EVIDENCE_PAGE.replace("Ortiz", f"Teacher{k}"), PLACEHOLDER_PAGE, *OTHER_PAGES]
        make_text_pdf(folder / "plan.pdf", pages)
        write_manifest(
            folder,
            {
                "credential": "professional-learning",
                "artifacts": [{"id": "A1", "file": "plan.pdf"}],
            },
        )
        gold = {"details": {"EO1.3": [{"artifact": "A1", "page": 1}], "EO4.2": []}}
        (folder / "gold.yaml").write_text(yaml.safe_dump(gold))
        ingest = ingest_submission(load_submission(folder), ExtractionOptions())
        feats = matcher.features(ingest.chunks, [])
        subs.append(LabelledSubmission(folder.name, feats, gold))
    return subs


def test_out_of_sample_folds_never_see_the_held_out_submission(tmp_path):
    subs = _labelled_set(tmp_path)
    for fold in folds(subs, RUBRIC):
        assert fold.held_out not in fold.model.trained_on
        assert len(fold.model.trained_on) == len(subs) - 1
        assert 0.0 <= fold.thresholds.weak <= fold.thresholds.evidence <= 1.0
    model, thresholds, cases = proposal_over_all(subs, RUBRIC)
    assert model.trained_on == sorted(s.name for s in subs)
    assert len(cases) == 2 * len(subs)  # one out-of-sample case per labelled detail
    # The evidence case scores above the empty one in every held-out submission.
    for k in range(len(subs)):
        evidence, empty = cases[2 * k], cases[2 * k + 1]
        assert evidence.has_evidence and not empty.has_evidence
        assert evidence.score > empty.score
        assert evidence.score >= thresholds.weak > empty.score


def _cli(tmp_path, *args, **env):
    """``evreview ARGS`` in a child process with its own data folder."""
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "EVREVIEW_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200", **env},
    )


def test_calibrate_proposes_out_of_sample_and_writes_the_model(tmp_path):
    _labelled_set(tmp_path / "set", n=3)
    out = tmp_path / "model.json"
    calibrate = ("calibrate", "--rubric", "professional-learning", "--set")
    proc = _cli(tmp_path, *calibrate, tmp_path / "set", "--write-model", out)
    assert proc.returncode == 0, proc.stderr
    assert "scores out of sample" in " ".join(proc.stdout.split())
    model = json.loads(out.read_text())
    assert model["trained_on"] == ["s0", "s1", "s2"]
    proc = _cli(tmp_path, *calibrate, tmp_path / "set" / "s0")
    assert proc.returncode == 2 and "at least 3 labelled submissions" in proc.stderr


def test_a_scoring_model_setting_that_is_not_a_model_is_one_line(tmp_path, sample_submission):
    bad = tmp_path / "model.json"
    bad.write_text("not json")
    proc = _cli(
        tmp_path, "analyze", sample_submission, "--json", "-", EVREVIEW_SCORING_MODEL=str(bad)
    )
    assert proc.returncode == 2
    assert "model.json: not a scoring model" in proc.stderr.strip().splitlines()[-1]
    assert "Traceback" not in proc.stderr and str(tmp_path) not in proc.stderr
