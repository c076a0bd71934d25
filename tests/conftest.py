"""Shared fixtures: isolated data folders and small real input files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models.options import ExtractionOptions, OcrOptions
from service.config import get_settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEVSET = SHARED / "devset"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory, monkeypatch):
    """Every test gets its own EVREVIEW_DATA_DIR, so caches never leak between tests."""
    monkeypatch.setenv("EVREVIEW_DATA_DIR", str(tmp_path_factory.mktemp("evreview-data")))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def options(tmp_path) -> ExtractionOptions:
    """Extraction options with a fresh cache and a modest OCR resolution."""
    return ExtractionOptions(ocr=OcrOptions(dpi=200, workers=2), cache_dir=tmp_path / "cache")


def requires_devset():
    return pytest.mark.skipif(not DEVSET.is_dir(), reason=f"dev set not found at {DEVSET}")


SPOKEN = [
    "Welcome to the planning meeting.",
    "Today we look at student work with the tuning protocol.",
    "I tried the word detective strategy and the first lesson failed.",
    "Thank you everyone, see you next week.",
]


@pytest.fixture(scope="session")
def speech_mp4(tmp_path_factory):
    """A real video with a black picture and four spoken sentences, and their times."""
    from tests.factories import espeak_available, make_speech

    if not espeak_available():
        pytest.skip("espeak-ng and ffmpeg are needed to make a spoken clip")
    path = tmp_path_factory.mktemp("speech") / "meeting.mp4"
    return path, make_speech(path, SPOKEN)


@pytest.fixture(scope="session")
def sample_submission(tmp_path_factory, speech_mp4):
    """A small submission folder with one artifact of each kind and both written parts."""
    import shutil

    from tests.factories import (
        make_docx,
        make_mixed_pdf,
        make_png,
        make_pptx,
        write_manifest,
    )

    folder = tmp_path_factory.mktemp("submission")
    arts = folder / "artifacts"
    arts.mkdir()
    make_mixed_pdf(
        arts / "plan.pdf",
        [
            ("Professional learning plan. Contents.", False),
            ("Needs analysis: our reading scores fell, so vocabulary is our focus.", False),
            ("Staff norms signed by every teacher on August 27.", True),
        ],
    )
    make_docx(arts / "growth.docx", [["Growth plans"], ["Individual growth plan for a teacher."]])
    make_pptx(
        arts / "launch.pptx", [("Launch", "Welcome back"), ("Design team", "Teachers chose.")]
    )
    make_png(arts / "signin.png", "Book study sign-in sheet.")
    shutil.copy(speech_mp4[0], arts / "meeting.mp4")
    (folder / "overview.md").write_text("# Overview\n\n" + "word " * 1200, encoding="utf-8")
    (folder / "reflection.md").write_text("Short reflection.", encoding="utf-8")
    write_manifest(
        folder,
        {
            "credential": "professional-learning",
            "candidate": "Test Candidate",
            "parts": {"overview": "overview.md", "reflection": "reflection.md"},
            "artifacts": [
                {"id": "A1", "file": "artifacts/plan.pdf"},
                {"id": "A2", "file": "artifacts/growth.docx"},
                {"id": "A3", "file": "artifacts/launch.pptx"},
                {"id": "A4", "file": "artifacts/signin.png"},
                {"id": "A5", "file": "artifacts/meeting.mp4"},
            ],
        },
    )
    return folder
