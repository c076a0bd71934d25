"""Ingesting whole submissions: provenance, determinism, nothing dropped, the cache."""

import os
import shutil
from pathlib import Path

import pytest

from models.options import ExtractionOptions, OcrOptions
from pipelines.extract.registry import EXTRACTORS, detect
from pipelines.ingest import ingest_submission
from pipelines.submission import load_submission

pytestmark = pytest.mark.slow


def by_id(result):
    return {a.summary.id: a for a in result.artifacts}


def test_every_kind_is_read_with_provenance(sample_submission, options):
    result = ingest_submission(load_submission(sample_submission), options)
    arts = by_id(result)
    assert {k: a.summary.kind for k, a in arts.items()} == {
        "A1": "pdf",
        "A2": "docx",
        "A3": "pptx",
        "A4": "image",
        "A5": "video",
    }
    assert all(a.summary.error is None for a in arts.values())
    assert arts["A1"].summary.pages == 3 and arts["A1"].summary.ocr_pages == [3]
    assert arts["A4"].summary.ocr_pages == [1]
    assert arts["A5"].summary.duration_s > 10 and arts["A5"].summary.pages is None
    for art in arts.values():
        assert art.summary.chunks == len(art.chunks) > 0
        for chunk in art.chunks:
            if art.summary.kind == "video":
                assert chunk.page is None
                assert 0 <= chunk.start_s <= chunk.end_s <= art.summary.duration_s
            else:
                assert 1 <= chunk.page <= art.summary.pages and chunk.start_s is None
                if chunk.box is not None:
                    w, h = art.page_sizes[chunk.page]
                    assert 0 <= chunk.box.x0 <= chunk.box.x1 <= w + 0.5
                    assert 0 <= chunk.box.y0 <= chunk.box.y1 <= h + 0.5
    needs = [c for c in arts["A1"].chunks if "vocabulary" in c.text]
    assert [c.page for c in needs] == [2]
    norms = [c for c in arts["A1"].chunks if "norms" in c.text.lower()]
    assert [(c.page, c.ocr) for c in norms] == [(3, True)]
    assert result.parts["overview"].words == 1201  # "#" holds no letter: not a word
    assert result.parts["reflection"].words == 2


def test_nothing_is_dropped_by_chunking(sample_submission, options):
    """Every word the extractors read is in exactly one chunk of the same page."""
    sub = load_submission(sample_submission)
    result = ingest_submission(sub, options)
    for ref, art in zip(sub.artifacts, result.artifacts, strict=True):
        kind = detect(ref.path)
        if kind == "media":
            continue
        extracted = EXTRACTORS[kind](ref.path, options)
        for page in extracted.pages:
            read = " ".join(b.text for b in page.blocks).split()
            chunked = " ".join(c.text for c in art.chunks if c.page == page.number).split()
            assert chunked == read


def test_long_pages_are_split_but_never_across_pages(tmp_path, options):
    from tests.factories import make_text_pdf, write_manifest

    sentence = "Teachers met every week to look at student work together. "
    make_text_pdf(tmp_path / "long.pdf", [sentence * 30, sentence * 3])
    write_manifest(tmp_path, {"credential": "x", "artifacts": [{"id": "A1", "file": "long.pdf"}]})
    art = ingest_submission(load_submission(tmp_path), options).artifacts[0]
    first = [c for c in art.chunks if c.page == 1]
    assert len(first) >= 2  # 300 words, at most 160 a chunk
    assert all(len(c.text.split()) <= options.chunking.max_words for c in art.chunks)
    assert [c.seq for c in art.chunks] == list(range(len(art.chunks)))


def test_ids_are_deterministic(sample_submission, tmp_path):
    sub = load_submission(sample_submission)
    first = ingest_submission(sub, ExtractionOptions(cache_dir=None))
    second = ingest_submission(sub, ExtractionOptions(cache_dir=tmp_path / "c"))
    ids1 = [c.id for c in first.chunks]
    assert ids1 == [c.id for c in second.chunks]
    assert len(set(ids1)) == len(ids1)


def test_unchanged_artifacts_are_not_read_again(sample_submission, options, monkeypatch):
    sub = load_submission(sample_submission)
    first = ingest_submission(sub, options)
    assert not any(a.from_cache for a in first.artifacts)
    # Without tesseract, ffmpeg or ffprobe on PATH, OCR and transcription cannot run:
    # the second ingestion must come entirely from the cache.
    bare = Path(os.environ["EVREVIEW_DATA_DIR"]) / "bare-bin"
    bare.mkdir()
    monkeypatch.setenv("PATH", str(bare))
    assert shutil.which("tesseract") is None and shutil.which("ffmpeg") is None
    second = ingest_submission(sub, options)
    assert all(a.from_cache for a in second.artifacts)
    assert [c.model_dump() for c in second.chunks] == [c.model_dump() for c in first.chunks]
    # Other OCR settings are other results: that artifact is read again (and now fails).
    third = ingest_submission(
        sub, ExtractionOptions(ocr=OcrOptions(dpi=150), cache_dir=options.cache_dir)
    )
    assert "tesseract" in (by_id(third)["A1"].summary.error or "")
    assert by_id(third)["A2"].from_cache
