"""Chunk vectors in a FAISS index per submission, saved beside its chunks.

The folder name derives from the embedding model and the chunk ids (which
derive from content), so a re-analysis of unchanged artifacts loads the index
and embeds nothing.
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
from models.records import Chunk


class ChunkIndex:
    """Inner-product (cosine, on unit vectors) search over one submission's chunks."""

    def __init__(self, chunk_ids: list[str], vectors: np.ndarray):
        self.chunk_ids = chunk_ids
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._index = faiss.IndexFlatIP(self.vectors.shape[1])
        if len(chunk_ids):
            self._index.add(self.vectors)
        self.loaded_from_disk = False

    def similarities(self, queries: np.ndarray) -> np.ndarray:
        """Cosine similarity of every query (rows) to every chunk (columns), in one batch."""
        n = len(self.chunk_ids)
        out = np.zeros((len(queries), n), dtype=np.float32)
        if n == 0 or len(queries) == 0:
            return out
        scores, ids = self._index.search(np.ascontiguousarray(queries, dtype=np.float32), n)
        np.put_along_axis(out, ids, scores, axis=1)
        return out

    def save(self, folder: Path, chunks: list[Chunk] | None = None) -> None:
        """Write index, ids (and the chunks, when given) atomically into ``folder``."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-"))
        try:
            faiss.write_index(self._index, str(tmp / "index.faiss"))
            (tmp / "chunk_ids.json").write_text(json.dumps(self.chunk_ids))
            if chunks is not None:
                (tmp / "chunks.json").write_text(json.dumps([c.model_dump() for c in chunks]))
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @classmethod
    def load(cls, folder: Path) -> ChunkIndex | None:
        """The saved index, or None when absent or damaged."""
        try:
            ids = json.loads((folder / "chunk_ids.json").read_text())
            index = faiss.read_index(str(folder / "index.faiss"))
            vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else None
        except (OSError, ValueError, RuntimeError):
            return None
        if vectors is None or len(ids) != len(vectors):
            return None
        out = cls(ids, vectors)
        out.loaded_from_disk = True
        return out


def index_folder(root: Path, embedder: Embedder, chunks: list[Chunk]) -> Path:
    """Where the index of these chunks under this model lives."""
    return _folder(root, embedder, [c.id for c in chunks])


def _folder(root: Path, embedder: Embedder, ids: list[str]) -> Path:
    key = hashlib.sha256("\n".join([embedder.identity, *ids]).encode()).hexdigest()[:24]
    return root / key


def build_or_load_index(root: Path | None, embedder: Embedder, chunks: list[Chunk]) -> ChunkIndex:
    """Load the saved index of these chunks, or embed them (batched) and save it."""
    folder = index_folder(root, embedder, chunks) if root else None
    saved = ChunkIndex.load(folder) if folder is not None else None
    if saved is not None and saved.chunk_ids == [c.id for c in chunks]:
        return saved
    index = ChunkIndex([c.id for c in chunks], embedder.embed([c.text for c in chunks]))
    if folder is not None:
        index.save(folder, chunks)
    return index


def build_or_load_vectors(
    root: Path | None, embedder: Embedder, keys: list[str], texts: list[str]
) -> np.ndarray:
    """Unit vectors of texts named by content-derived keys: loaded when saved under
    ``root`` before (a re-analysis of unchanged artifacts embeds nothing), else embedded
    in batches and saved."""
    folder = _folder(root, embedder, ["passages", *keys]) if root else None
    saved = ChunkIndex.load(folder) if folder is not None else None
    if saved is not None and saved.chunk_ids == keys:
        return saved.vectors
    vectors = embedder.embed(texts)
    if folder is not None and keys:
        ChunkIndex(keys, vectors).save(folder)
    return vectors
