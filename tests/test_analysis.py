"""`analyze` end to end with the real embedding model: the contract, abstention, citations."""

import json
import subprocess
import sys

import pytest
import yaml

from models.embedder import get_embedder
from models.options import ExtractionOptions
from pipelines.analysis import analyze_submission
from pipelines.matching import STATUS_TOP_K
from pipelines.rubric_catalog import RubricCatalog
from pipelines.submission import load_submission
from tests.conftest import DEVSET, requires_devset
from tests.contract import check_report
from tests.factories import make_text_pdf, write_manifest
from tests.test_bad_inputs import build_bad_submission

pytestmark = pytest.mark.slow
RUBRIC = RubricCatalog().get("professional-learning")
DETAIL_IDS = [d.id for _o, d in RUBRIC.details]


def analyze(folder, tmp_path):
    return analyze_submission(
        load_submission(folder),
        RUBRIC,
        ExtractionOptions(cache_dir=tmp_path / "cache"),
        get_embedder(),
        tmp_path / "index",
    )


@requires_devset()
@pytest.mark.parametrize("name", ["d01", "d02", "d03"])
def test_devset_reports_follow_the_contract(name, tmp_path):
    report = analyze(DEVSET / name, tmp_path).report.to_json_dict()
    check_report(report, DETAIL_IDS)
    gold = yaml.safe_load((DEVSET / name / "gold.yaml").read_text())
    for part, g in gold["parts"].items():
        assert report["parts"][part]["meets_minimum"] == g["meets_minimum"]
    cited = {e["detail"] for e in gold["self_analysis"]}
    for d in report["details"]:
        assert (d["self_analysis"] is not None) == (d["id"] in cited)
    for d in report["details"]:
        # Every detail shows what was considered; the status comes from the scores alone.
        assert 1 <= len(d["suggestions"]) <= 5
        top = max(s["score"] for s in d["suggestions"][:STATUS_TOP_K])
        bar = RUBRIC.thresholds
        expected = (
            "evidence_found"
            if top >= bar.evidence
            else "weak_evidence"
            if top >= bar.weak
            else "no_evidence"
        )
        assert d["status"] == expected, d["id"]
        if d["status"] == "no_evidence":
            assert all(s["note"].startswith("Below the evidence bar") for s in d["suggestions"])
    # Invalid references are reported as such, never as a crash.
    for g in gold["self_analysis"]:
        if g["verdict"] == "invalid_reference":
            d = next(x for x in report["details"] if x["id"] == g["detail"])
            assert d["self_analysis"]["verdict"] == "invalid_reference"


def test_broken_artifacts_still_give_a_full_report(tmp_path):
    folder = tmp_path / "sub"
    build_bad_submission(folder)
    report = analyze(folder, tmp_path).report.to_json_dict()
    check_report(report, DETAIL_IDS)
    errors = {a["id"]: a["error"] for a in report["artifacts"]}
    assert errors["OK"] is None and all(errors[k] for k in errors if k != "OK")
    assert report["parts"]["overview"] == {
        "words": 0,
        "minimum": 1000,
        "meets_minimum": False,
        "file": None,
        "error": "not submitted",
    }


@pytest.fixture(scope="module")
def narrow_portfolio(tmp_path_factory):
    """A portfolio about staff agreements and weekly learning teams, nothing else."""
    folder = tmp_path_factory.mktemp("narrow")
    make_text_pdf(
        folder / "culture.pdf",
        [
            "Staff agreements. In August every member of staff drafted and signed our norms: "
            "we keep confidences, we assume good intent, and we follow through on promises. "
            "An anonymous feedback form lets teachers raise concerns with the principal.",
            "Learning teams. Every Thursday afternoon is protected for professional learning "
            "communities. Teams read a book together, and the principal joins as a learner.",
            "Glossary\n\nProgram Evaluation: A systematic way of judging whether professional "
            "development worked, for example with Guskey's five levels.\n\n"
            "Timeline: A schedule of dated milestones that shows who owns each action.",
        ],
    )
    write_manifest(
        folder,
        {
            "credential": "professional-learning",
            "artifacts": [{"id": "A1", "file": "culture.pdf"}],
            "self_analysis": [
                {"detail": "EO1.1", "artifact": "A1", "location": "p. 2"},
                {"detail": "EO1.2", "artifact": "A1", "location": "page 2"},
                {"detail": "EO4.1", "artifact": "A1", "location": "p. 7"},
                {"detail": "EO4.2", "artifact": "A2", "location": "p. 1"},
            ],
        },
    )
    return folder


def test_unaddressed_details_come_out_no_evidence(narrow_portfolio, tmp_path):
    details = {d.id: d for d in analyze(narrow_portfolio, tmp_path).report.details}
    assert details["EO1.1"].status == "evidence_found"
    assert details["EO1.1"].suggestions[0].page == 1
    assert details["EO1.2"].suggestions[0].page == 2
    # A glossary that defines evaluation and timelines is not evidence of either.
    for detail_id in ("EO4.1", "EO4.2", "EO3.3", "EO2.3"):
        assert details[detail_id].status == "no_evidence", detail_id
        # The closest places are still listed, every one below the bar.
        assert details[detail_id].suggestions, detail_id
        assert all(s.score < RUBRIC.thresholds.weak for s in details[detail_id].suggestions)


def test_citations_are_verified(narrow_portfolio, tmp_path):
    details = {d.id: d for d in analyze(narrow_portfolio, tmp_path).report.details}
    eo11 = details["EO1.1"].self_analysis
    assert eo11.verdict == "not_supported"  # page 2 is about learning teams
    assert eo11.better_location is not None and eo11.better_location.page == 1
    assert details["EO1.2"].self_analysis.verdict == "supported"
    assert details["EO4.1"].self_analysis.verdict == "invalid_reference"
    assert "past the end" in details["EO4.1"].self_analysis.reason
    assert details["EO4.2"].self_analysis.verdict == "invalid_reference"
    assert "unknown artifact 'A2'" in details["EO4.2"].self_analysis.reason
    assert details["EO3.1"].self_analysis is None


def test_reanalysis_reuses_the_saved_index(narrow_portfolio, tmp_path):
    first = analyze(narrow_portfolio, tmp_path)
    again = analyze(narrow_portfolio, tmp_path)
    assert again.report.details == first.report.details
    assert len(list((tmp_path / "index").iterdir())) == 1  # the passage vectors, saved once


def test_cli_analyze_and_rubric_commands(sample_submission, tmp_path):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "service.cli", *args],
            capture_output=True,
            text=True,
            check=False,
        )

    out = tmp_path / "report.json"
    proc = run("analyze", str(sample_submission), "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "EO1.1 Trust" in proc.stdout and "not a decision" in proc.stdout
    check_report(json.loads(out.read_text()), DETAIL_IDS)

    assert "professional-learning" in run("rubrics", "list").stdout
    shown = run("rubrics", "show", "professional-learning").stdout
    assert "EO4.4 Best practice" in shown and "at least 1000 words" in shown
    assert run("rubrics", "validate").returncode == 0

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "id": "x",
                "title": "X",
                "version": "1",
                "thresholds": {"evidence": 0.2, "weak": 0.5},
                "outcomes": [
                    {
                        "id": "EO1",
                        "title": "t",
                        "details": [
                            {"id": "EO1.1", "title": "t", "description": "d", "look_fors": []}
                        ],
                    }
                ],
            }
        )
    )
    proc = run("rubrics", "validate", str(bad))
    assert proc.returncode == 2
    assert f"{bad}: thresholds: " in proc.stderr
    assert f"{bad}: outcomes[0].details[0].look_fors: " in proc.stderr
    proc = run("analyze", str(sample_submission), "--rubric", "nope", "--json", "-")
    assert proc.returncode == 2 and "unknown rubric 'nope'" in proc.stderr


def test_a_detail_can_have_its_own_thresholds(narrow_portfolio, tmp_path):
    data = RUBRIC.model_dump()
    data["outcomes"][0]["details"][0]["thresholds"] = {"evidence": 0.999, "weak": 0.998}
    strict = type(RUBRIC).model_validate(data)
    assert strict.thresholds_for(strict.details[0][1]).weak == 0.998
    report = analyze_submission(
        load_submission(narrow_portfolio),
        strict,
        ExtractionOptions(cache_dir=tmp_path / "c"),
        get_embedder(),
        tmp_path / "index",
    ).report
    details = {d.id: d for d in report.details}
    assert details["EO1.1"].status == "no_evidence"  # its own bar is out of reach
    assert details["EO1.2"].status == "evidence_found"  # the rubric's bar still applies
