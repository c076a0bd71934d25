"""Passage vectors saved per submission, so unchanged artifacts are never embedded again.

The folder name derives from the embedding model and the passages' content-derived
keys, so a re-analysis of unchanged artifacts (a new rubric version, a fixed
self-analysis) loads the vectors and embeds nothing. They are stored as a FAISS flat
index, written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import faiss
import numpy as np

from models.embedder import Embedder


class VectorIndex:
    """Unit vectors named by keys, saved and loaded as a FAISS flat index."""

    def __init__(self, keys: list[str], vectors: np.ndarray):
        self.keys = keys
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)

    def save(self, folder: Path) -> None:
        """Write the index and its keys atomically into ``folder``."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-"))
        try:
            index = faiss.IndexFlatIP(self.vectors.shape[1])
            index.add(self.vectors)
            faiss.write_index(index, str(tmp / "index.faiss"))
            (tmp / "keys.json").write_text(json.dumps(self.keys))
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @classmethod
    def load(cls, folder: Path) -> VectorIndex | None:
        """The saved index, or None when absent or damaged."""
        try:
            keys = json.loads((folder / "keys.json").read_text())
            index = faiss.read_index(str(folder / "index.faiss"))
            vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else None
        except (OSError, ValueError, RuntimeError):
            return None
        if vectors is None or len(keys) != len(vectors):
            return None
        return cls(keys, vectors)


def build_or_load_vectors(
    root: Path | None, embedder: Embedder, keys: list[str], texts: list[str]
) -> np.ndarray:
    """Unit vectors of texts named by content-derived keys: loaded when saved under
    ``root`` before, else embedded in batches and saved."""
    digest = hashlib.sha256("\n".join([embedder.identity, *keys]).encode()).hexdigest()[:24]
    folder = root / digest if root else None
    saved = VectorIndex.load(folder) if folder is not None else None
    if saved is not None and saved.keys == keys:
        return saved.vectors
    vectors = embedder.embed(texts)
    if folder is not None and keys:
        VectorIndex(keys, vectors).save(folder)
    return vectors
