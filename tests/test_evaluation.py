"""Evaluation figures: exact on a hand-made case; a deliberately worsened rubric is marked worse."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from pipelines.evaluation import Evaluation, evaluate_report
from pipelines.rubric_catalog import bundled_rubrics_dir
from tests.conftest import DEVSET, requires_devset

GOLD = {
    "details": {
        "EO1.1": [{"artifact": "A1", "page": 4}],
        "EO1.2": [{"artifact": "A2", "start_s": 100.0, "end_s": 130.0}],
        "EO1.3": [],
        "EO1.4": [],
    },
    "self_analysis": [
        {"detail": "EO1.1", "verdict": "supported"},
        {
            "detail": "EO1.2",
            "verdict": "not_supported",
            "correct": {"artifact": "A2", "start_s": 100.0, "end_s": 130.0},
        },
    ],
    "parts": {"overview": {"words": 1000, "meets_minimum": True}},
}


def suggestion(artifact, page=None, start=None, end=None):
    return {"artifact": artifact, "page": page, "start_s": start, "end_s": end, "score": 0.5}


REPORT = {
    "details": [
        # hit at rank 2: hit1 miss, hit3 hit
        {
            "id": "EO1.1",
            "status": "evidence_found",
            "suggestions": [suggestion("A1", 3), suggestion("A1", 4)],
            "self_analysis": {"verdict": "supported", "better_location": None},
        },
        # a 20 s passage ending 5 s before the gold range: within the 10 s tolerance
        {
            "id": "EO1.2",
            "status": "weak_evidence",
            "suggestions": [suggestion("A2", start=75.0, end=95.0)],
            "self_analysis": {
                "verdict": "not_supported",
                "better_location": suggestion("A2", start=200.0, end=210.0),
            },
        },
        {"id": "EO1.3", "status": "no_evidence", "suggestions": [], "self_analysis": None},
        {"id": "EO1.4", "status": "weak_evidence", "suggestions": [], "self_analysis": None},
    ],
    "parts": {"overview": {"words": 1025, "meets_minimum": True}},
}


def test_figures_computed_by_hand():
    ev = Evaluation()
    evaluate_report(REPORT, GOLD, ev)
    o = ev.overall
    assert (o.hits["hit1"], o.cases["hit1"]) == (1, 2)  # EO1.2 only
    assert (o.hits["hit3"], o.cases["hit3"]) == (2, 2)
    assert (o.hits["found"], o.cases["found"]) == (2, 2)
    assert (o.hits["abstain"], o.cases["abstain"]) == (1, 2)  # EO1.4 should have abstained
    assert (o.hits["selfcheck"], o.cases["selfcheck"]) == (2, 2)
    assert (o.hits["betterloc"], o.cases["betterloc"]) == (0, 1)  # 200-210 s misses 100-130 s
    assert (o.hits["parts"], o.cases["parts"]) == (1, 1)  # 1025 is within 3 % of 1000
    assert ev.per_detail["EO1.1"].value("hit1") == 0.0
    assert ev.per_detail["EO1.2"].value("hit1") == 1.0
    assert ev.per_detail["EO1.4"].value("abstain") == 0.0


@pytest.mark.slow
@requires_devset()
def test_a_worsened_rubric_is_marked_worse(tmp_path):
    rubric = yaml.safe_load((bundled_rubrics_dir() / "professional-learning.yaml").read_text())
    rubric["version"] = "1.0.1-draft"
    eo12 = rubric["outcomes"][0]["details"][1]
    assert eo12["id"] == "EO1.2"
    eo12["description"] = "Keeps the school buses on schedule."
    eo12["look_fors"] = ["bus routes and timetables", "drivers' rosters"]
    eo12["examples"] = ["The drivers' roster for the autumn bus routes was posted in the depot."]
    worse = tmp_path / "worse.yaml"
    worse.write_text(yaml.safe_dump(rubric, sort_keys=False))
    out = tmp_path / "figures.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "service.cli",
            "eval",
            "--rubric",
            str(worse),
            "--set",
            str(DEVSET / "d01"),
            "--against",
            "professional-learning",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    row = next(line for line in proc.stdout.splitlines() if "EO1.2" in line)
    assert "worse" in row
    figures = json.loads(out.read_text())
    assert figures["rubric"]["version"] == "1.0.1-draft"
    # The candidate's explanation still finds the page; the rubric no longer calls it
    # evidence (the status reads the rubric alone).
    assert figures["per_detail"]["EO1.2"]["found"]["value"] == 0.0
