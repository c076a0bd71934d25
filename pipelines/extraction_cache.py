"""A content-addressed cache of extraction results, so unchanged files are never re-read.

The key is the file's SHA-256 plus the extractor's fingerprint (its version
and the settings it depends on: OCR language and resolution, speech model and
decoding). Entries are written atomically, so a crash never leaves half a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from models.records import ExtractedArtifact


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class ExtractionCache:
    """Extraction results on disk, keyed by content hash and extractor fingerprint."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, sha256: str, fingerprint: str) -> Path:
        key = hashlib.sha256(f"{sha256}|{fingerprint}".encode()).hexdigest()
        return self.root / key[:2] / f"{key}.json"

    def get(self, sha256: str, fingerprint: str) -> ExtractedArtifact | None:
        """The stored result, or None (a damaged entry counts as absent)."""
        path = self._path(sha256, fingerprint)
        try:
            return ExtractedArtifact.model_validate_json(path.read_bytes())
        except (OSError, ValidationError, ValueError):
            return None

    def put(self, sha256: str, fingerprint: str, extracted: ExtractedArtifact) -> None:
        """Store a result atomically."""
        path = self._path(sha256, fingerprint)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(extracted.model_dump_json().encode())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
