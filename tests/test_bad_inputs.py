"""Bad artifacts give a one-line error on that artifact; every other artifact is still read."""

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.ingest import ingest_submission
from pipelines.submission import load_submission
from tests.factories import make_protected_pdf, make_text_pdf, write_manifest


def build_bad_submission(folder: Path, speech_mp4: Path | None = None) -> dict[str, str]:
    """A submission with one good PDF and one broken file of each kind; id -> expected error."""
    arts = folder / "artifacts"
    arts.mkdir(parents=True)
    make_text_pdf(arts / "good.pdf", ["A good page about staff norms."])
    good = (arts / "good.pdf").read_bytes()
    (arts / "truncated.pdf").write_bytes(good[:300])
    (arts / "garbage.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00\x13garbage" * 50)
    (arts / "empty.pdf").write_bytes(b"")
    make_protected_pdf(arts / "locked.pdf")
    (arts / "notes.xyz").write_text("unsupported", encoding="utf-8")
    (arts / "fake.docx").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    (arts / "fake.mp4").write_bytes(b"this is not a video at all")
    (arts / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    expected = {
        "T": "corrupt or truncated PDF",
        "G": "corrupt or truncated PDF",
        "E": "empty file (0 bytes)",
        "P": "password-protected PDF",
        "U": "unsupported format '.xyz' (accepted: PDF, DOCX, PPTX",
        "D": "corrupt or truncated office document",
        "F": "the content is not a valid MP4 file",
        "I": "corrupt or truncated image",
    }
    files = {
        "T": "truncated.pdf",
        "G": "garbage.pdf",
        "E": "empty.pdf",
        "P": "locked.pdf",
        "U": "notes.xyz",
        "D": "fake.docx",
        "F": "fake.mp4",
        "I": "photo.png",
    }
    entries = [{"id": "OK", "file": "artifacts/good.pdf"}]
    entries += [{"id": k, "file": f"artifacts/{v}"} for k, v in files.items()]
    if speech_mp4 is not None:
        clip = speech_mp4.read_bytes()
        (arts / "cut.mp4").write_bytes(clip[: len(clip) // 3])
        entries.append({"id": "C", "file": "artifacts/cut.mp4"})
        expected["C"] = "corrupt or truncated recording"
    write_manifest(folder, {"credential": "professional-learning", "artifacts": entries})
    return expected


def test_each_bad_file_gets_its_own_error(tmp_path, options, speech_mp4):
    expected = build_bad_submission(tmp_path, speech_mp4[0])
    result = ingest_submission(load_submission(tmp_path), options)
    arts = {a.summary.id: a.summary for a in result.artifacts}
    assert arts["OK"].error is None and arts["OK"].chunks == 1
    for art_id, message in expected.items():
        error = arts[art_id].error
        assert error is not None and message in error, (art_id, error)
        assert "\n" not in error and "Traceback" not in error
        assert arts[art_id].chunks == 0


@pytest.mark.slow
def test_cli_reports_errors_without_traceback(tmp_path):
    build_bad_submission(tmp_path)
    out = tmp_path / "ingest.json"
    proc = subprocess.run(
        [sys.executable, "-m", "service.cli", "ingest", str(tmp_path), "--json", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1  # some artifacts failed; the rest was read and written
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "password-protected PDF" in proc.stdout + proc.stderr
    assert out.is_file()
