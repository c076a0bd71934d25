"""Audio and video: ffprobe for the streams, ffmpeg for 16 kHz mono audio, Whisper for speech."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np

from models.options import TranscriberOptions
from models.records import ExtractedArtifact
from models.transcriber import SAMPLE_RATE, ModelUnavailable, get_transcriber
from pipelines.extract.errors import ExtractionError
from pipelines.extract.formats import AUDIO_EXTENSIONS

NAME = "media"
VERSION = "1"
_TIMEOUT_S = 3600


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        raise ExtractionError(f"reading recordings needs {tool}, which is not installed")


def probe(path: Path) -> tuple[str, float | None]:
    """(kind, duration in seconds) of a recording; kind is 'audio' or 'video'."""
    _require("ffprobe")
    proc = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExtractionError(
            f"corrupt or truncated recording ({reason[-1] if reason else 'ffprobe failed'})"
        )
    info = json.loads(proc.stdout or b"{}")
    streams = info.get("streams", [])
    has_audio = any(s.get("codec_type") == "audio" for s in streams)
    # A cover picture in an audio file is a 'video' stream with the attached_pic flag.
    has_video = any(
        s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
        for s in streams
    )
    if not has_audio:
        raise ExtractionError("the recording has no audio track")
    duration = info.get("format", {}).get("duration")
    kind = "video" if has_video and path.suffix.lower() not in AUDIO_EXTENSIONS else "audio"
    return kind, float(duration) if duration else None


def decode_audio(path: Path) -> np.ndarray:
    """The recording's audio as 16 kHz mono float32 samples."""
    _require("ffmpeg")
    proc = subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(path),
            "-vn",
            "-ac",
            "1",
            "-ar",
            str(SAMPLE_RATE),
            "-f",
            "s16le",
            "-",
        ],
        capture_output=True,
        timeout=_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0 and not proc.stdout:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExtractionError(f"cannot decode audio ({reason[-1] if reason else 'ffmpeg failed'})")
    samples = np.frombuffer(proc.stdout, dtype=np.int16).astype(np.float32) / 32768.0
    if samples.size == 0:
        raise ExtractionError("the recording holds no audio samples")
    return samples


def extract_media(path: Path, options: TranscriberOptions) -> ExtractedArtifact:
    """Transcribe a recording with segment and word time stamps."""
    kind, duration = probe(path)
    audio = decode_audio(path)
    try:
        transcript = get_transcriber(options).transcribe(audio)
    except ModelUnavailable as e:
        raise ExtractionError(str(e)) from None
    if duration is not None:
        transcript = transcript.model_copy(update={"duration_s": round(duration, 3)})
    warnings = [] if transcript.segments else ["no speech recognised in the recording"]
    return ExtractedArtifact(
        kind=kind,  # type: ignore[arg-type]
        extractor=f"{NAME}@{VERSION}",
        transcript=transcript,
        warnings=warnings,
    )
