"""`evreview ingest` as a user runs it: a real process, its table and its JSON."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow
CONTRACT_KEYS = ["id", "file", "kind", "pages", "duration_s", "chunks", "ocr_pages", "error"]


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args], capture_output=True, text=True, check=False
    )


def test_ingest_writes_contract_artifacts_and_located_chunks(sample_submission, tmp_path):
    out = tmp_path / "ingest.json"
    proc = run("ingest", str(sample_submission), "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "meeting.mp4" in proc.stdout and "OCR pages" in proc.stdout
    doc = json.loads(out.read_text())
    assert [list(a) for a in doc["artifacts"]] == [CONTRACT_KEYS] * 5
    video = next(a for a in doc["artifacts"] if a["id"] == "A5")
    assert video["kind"] == "video" and video["pages"] is None and video["duration_s"] > 0
    chunks = doc["chunks"]
    assert sum(a["chunks"] for a in doc["artifacts"]) == len(chunks)
    for c in chunks:
        assert c["text"] and c["artifact"] in {"A1", "A2", "A3", "A4", "A5"}
        assert (c["page"] is None) != (c["start_s"] is None)
    assert doc["parts"]["overview"]["words"] == 1201


def test_json_to_stdout_keeps_the_table_off_it(sample_submission):
    proc = run("ingest", str(sample_submission), "--json", "-")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["schema"] == "evreview.ingest/1"
    assert "OCR pages" in proc.stderr


def test_manifest_error_is_one_clear_message(tmp_path):
    (tmp_path / "submission.yaml").write_text("credential: professional-learning\n")
    proc = run("ingest", str(tmp_path))
    assert proc.returncode == 2
    assert "submission.yaml: artifacts: at least one artifact is required" in proc.stderr
    assert "Traceback" not in proc.stderr
