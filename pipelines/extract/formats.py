"""Decide what kind of file an artifact is from its content, not only its extension."""

from __future__ import annotations

import zipfile
from pathlib import Path

from models.records import ArtifactKind
from pipelines.extract.errors import ExtractionError

VIDEO_EXTENSIONS = {".mp4", ".mov", ".webm", ".mkv"}
AUDIO_EXTENSIONS = {".mp3", ".m4a", ".wav"}
ACCEPTED = "PDF, DOCX, PPTX, PNG, JPEG, MP4, MOV, WEBM, MKV, MP3, M4A, WAV"
_EXPECTED_KIND = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".pptx": "pptx",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    **{ext: "media" for ext in VIDEO_EXTENSIONS | AUDIO_EXTENSIONS},
}


def _sniff(head: bytes) -> str | None:
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image"
    if head.startswith(b"\xff\xd8\xff"):
        return "image"
    if head[4:8] == b"ftyp" or head.startswith(b"\x1a\x45\xdf\xa3"):
        return "media"  # ISO BMFF (mp4, mov, m4a) or Matroska (mkv, webm)
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "media"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "media"  # MP3
    return None


def _office_kind(path: Path) -> ArtifactKind:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except zipfile.BadZipFile:
        raise ExtractionError("corrupt or truncated office document (not a readable zip)") from None
    if "word/document.xml" in names:
        return "docx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    raise ExtractionError(f"a zip archive that is neither DOCX nor PPTX (accepted: {ACCEPTED})")


def detect_kind(path: Path) -> ArtifactKind | str:
    """The artifact kind, or ``"media"`` for a recording still to be probed.

    Raises ``ExtractionError`` for empty, unsupported or mislabelled files.
    """
    ext = path.suffix.lower()
    size = path.stat().st_size
    if size == 0:
        raise ExtractionError("empty file (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(2048)
    sniffed = _sniff(head)
    expected = _EXPECTED_KIND.get(ext)
    if sniffed is None:
        if expected is None:
            raise ExtractionError(f"unsupported format '{ext or path.name}' (accepted: {ACCEPTED})")
        raise ExtractionError(
            f"the content is not a valid {ext[1:].upper()} file (corrupt or mislabelled)"
        )
    if sniffed == "zip":
        return _office_kind(path)
    if expected is None and sniffed == "media":
        raise ExtractionError(f"unsupported format '{ext or path.name}' (accepted: {ACCEPTED})")
    return sniffed
