"""Recordings through real ffmpeg and the bundled faster-whisper model."""

from pathlib import Path

import pytest

from models.options import TranscriberOptions
from pipelines.extract.errors import ExtractionError
from pipelines.extract.media_extractor import extract_media
from tests.factories import espeak_available, make_speech

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not espeak_available(), reason="espeak-ng/ffmpeg missing"),
]


def words(text: str) -> set[str]:
    return {w.strip(".,?!").lower() for w in text.split()}


def test_known_sentence_inside_its_time_range(speech_mp4):
    path, placed = speech_mp4
    out = extract_media(path, TranscriberOptions())
    assert out.kind == "video"
    assert out.transcript is not None
    assert out.transcript.duration_s == pytest.approx(placed[-1].end_s + 1.0, abs=1.0)
    target = placed[2]  # "I tried the word detective strategy and the first lesson failed."
    heard = [
        w
        for s in out.transcript.segments
        for w in s.words
        if w.text.strip(".,").lower() in {"detective", "strategy", "lesson"}
    ]
    assert len(heard) >= 2
    for w in heard:
        assert target.start_s - 1.0 <= w.start <= w.end <= target.end_s + 1.0
    for segment in out.transcript.segments:
        assert 0 <= segment.start <= segment.end <= out.transcript.duration_s + 0.5


@pytest.mark.parametrize("ext, kind", [(".m4a", "audio"), (".wav", "audio"), (".mp3", "audio")])
def test_audio_containers(tmp_path: Path, ext, kind):
    path = tmp_path / f"clip{ext}"
    make_speech(path, ["The coach gave specific feedback after the lesson."])
    out = extract_media(path, TranscriberOptions())
    assert out.kind == kind
    heard = words(" ".join(s.text for s in out.transcript.segments))
    assert {"coach", "feedback", "lesson"} <= heard


def test_missing_model_directory_is_a_clear_error(tmp_path: Path, speech_mp4):
    options = TranscriberOptions(model=str(tmp_path / "no-such-model"))
    with pytest.raises(ExtractionError, match="cannot load speech model"):
        extract_media(speech_mp4[0], options)
