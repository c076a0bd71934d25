from pathlib import Path

import pytest

from pipelines.submission import ManifestError, load_submission
from tests.factories import make_text_pdf, write_manifest

KNOWN = {"professional-learning"}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "artifacts").mkdir()
    make_text_pdf(tmp_path / "artifacts" / "plan.pdf", ["Our plan."])
    (tmp_path / "overview.md").write_text("Overview text.", encoding="utf-8")
    return tmp_path


def manifest(**changes):
    base = {
        "credential": "professional-learning",
        "candidate": "Jordan Ellis",
        "parts": {"overview": "overview.md"},
        "artifacts": [{"id": "A1", "file": "artifacts/plan.pdf", "title": "Plan"}],
        "self_analysis": [{"detail": "EO1.1", "artifact": "A1", "location": "p. 1"}],
    }
    base.update(changes)
    return base


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ManifestError) as info:
        load_submission(folder, KNOWN)
    return info.value.problems


def test_loads_a_valid_folder(folder):
    write_manifest(folder, manifest())
    sub = load_submission(folder, KNOWN)
    assert sub.credential == "professional-learning"
    assert [a.id for a in sub.artifacts] == ["A1"]
    assert sub.artifacts[0].path == (folder / "artifacts" / "plan.pdf").resolve()
    assert sub.parts["overview"].name == "overview.md"
    assert sub.self_analysis[0].location == "p. 1"


def test_numeric_locations_are_kept_as_text(folder):
    # YAML reads an unquoted 95 as a number; the candidate meant a location string.
    write_manifest(
        folder, manifest(self_analysis=[{"detail": "EO1", "artifact": "A1", "location": 95}])
    )
    assert load_submission(folder, KNOWN).self_analysis[0].location == "95"


def test_missing_manifest(tmp_path):
    with pytest.raises(ManifestError) as info:
        load_submission(tmp_path, KNOWN)
    assert "submission.yaml" in str(info.value)


def test_bad_yaml_names_the_line(folder):
    (folder / "submission.yaml").write_text("credential: [unclosed\nartifacts: x\n")
    (problem,) = problems_of(folder)
    assert problem.startswith("bad YAML: line")
    assert "submission.yaml" in str(ManifestError(folder / "submission.yaml", [problem]))


def test_missing_file_names_the_field(folder):
    write_manifest(folder, manifest(artifacts=[{"id": "A1", "file": "artifacts/nope.pdf"}]))
    assert problems_of(folder) == ["artifacts[0].file: file not found: 'artifacts/nope.pdf'"]


def test_duplicate_artifact_id(folder):
    arts = [{"id": "A1", "file": "artifacts/plan.pdf"}, {"id": "A1", "file": "artifacts/plan.pdf"}]
    write_manifest(folder, manifest(artifacts=arts))
    assert problems_of(folder) == [
        "artifacts[1].id: duplicate artifact id 'A1' (already used by artifacts[0])"
    ]


def test_unknown_and_missing_credential(folder):
    write_manifest(folder, manifest(credential="underwater-basketry"))
    (problem,) = problems_of(folder)
    assert "credential: unknown credential 'underwater-basketry'" in problem
    assert "professional-learning" in problem
    write_manifest(folder, manifest(credential=None))
    assert problems_of(folder)[0].startswith("credential: required")


def test_all_problems_are_reported_at_once(folder):
    write_manifest(
        folder,
        manifest(
            credential="nope",
            parts={"overview": "missing.md", "epilogue": "overview.md"},
            artifacts=[{"file": "../escape.pdf"}],
        ),
    )
    problems = problems_of(folder)
    assert any(p.startswith("credential:") for p in problems)
    assert "parts.overview: file not found: 'missing.md'" in problems
    assert any(p.startswith("parts.epilogue: unknown part") for p in problems)
    assert "artifacts[0].id: required" in problems
    assert any("points outside the submission folder" in p for p in problems)


def test_no_artifacts(folder):
    write_manifest(folder, manifest(artifacts=[]))
    assert problems_of(folder) == ["artifacts: at least one artifact is required"]
