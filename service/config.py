"""One settings object for the whole service, read from ``EVREVIEW_*`` variables.

Nothing here does work at import time; ``get_settings()`` reads the environment
once per process and the result is passed down to the pipelines.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.options import (
    ChunkingOptions,
    ExtractionOptions,
    LlmOptions,
    OcrOptions,
    TranscriberOptions,
)
from models.scoring import ScoringModel


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "evreview"


class Settings(BaseSettings):
    """Every tunable of evreview. Each field is read from ``EVREVIEW_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="EVREVIEW_", extra="ignore")

    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where caches, stores and the embedded database live.",
    )
    # Speech recognition (faster-whisper).
    whisper_model: str | None = Field(
        default=None,
        description="A CTranslate2 Whisper model directory, or a size name already in the "
        "local cache (tiny.en, base, ...). Default: the bundled tiny.en model.",
    )
    whisper_compute_type: str = "int8"
    whisper_beam_size: int = 5
    whisper_threads: int = 0  # 0: let CTranslate2 use every core
    # OCR (tesseract).
    ocr_dpi: int = 300
    ocr_language: str = "eng"
    ocr_workers: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1))
    # Chunking.
    chunk_target_words: int = 90
    chunk_max_words: int = 160
    transcript_chunk_target_words: int = 30
    transcript_chunk_max_seconds: float = 15.0
    # Sentence embeddings (sentence-transformers).
    embedding_model: str | None = Field(
        default=None,
        description="A sentence-transformers model directory. Default: the bundled "
        "all-MiniLM-L6-v2.",
    )
    embedding_threads: int = Field(
        default=0, description="CPU threads for embeddings (0: torch's default, every core)."
    )
    rubrics_dir: Path | None = Field(
        default=None, description="An extra folder of rubric YAML files."
    )
    scoring_model: Path | None = Field(
        default=None,
        description="A scoring model (JSON written by `evreview calibrate --write-model`). "
        "Default: rubrics/scoring/default.json.",
    )
    # The service: embedded default (SQLite, local files, in-process runner) unless set.
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db. "
        "Default: SQLite in the data folder.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL; when set, jobs go to Celery workers (`evreview worker`).",
    )
    blob_dir: Path | None = Field(
        default=None, description="Local content-addressed file store. Default: data folder."
    )
    s3_bucket: str | None = Field(
        default=None, description="Store artifacts in this S3-compatible bucket instead."
    )
    s3_endpoint_url: str | None = None
    s3_prefix: str = "evreview/"
    max_file_mb: float = 200.0
    max_submission_mb: float = 1024.0
    max_files: int = 200
    task_visibility_timeout_s: int = Field(
        default=3600,
        description="Seconds before a task a dead worker held is delivered again.",
    )
    runner_poll_s: float = 1.0
    # Optional language-model notes (an OpenAI-compatible chat endpoint: Ollama, vLLM, ...).
    llm_url: str | None = Field(
        default=None,
        description="API base of an OpenAI-compatible chat endpoint, e.g. "
        "http://127.0.0.1:11434/v1. With llm_model set, proficiency notes are written by "
        "the model; otherwise they stay extractive.",
    )
    llm_model: str | None = Field(default=None, description="The model name the server knows.")
    llm_api_key: SecretStr | None = Field(default=None, description="Sent as a Bearer token.")
    llm_timeout_s: float = Field(default=20.0, gt=0, description="Seconds per request.")

    @property
    def extraction_cache_dir(self) -> Path:
        return self.data_dir / "cache" / "extract"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'evreview.db'}"

    @property
    def resolved_blob_dir(self) -> Path:
        return self.blob_dir or self.data_dir / "blobs"

    @property
    def work_dir(self) -> Path:
        """Where stored submissions are laid out as folders for the pipelines."""
        return self.data_dir / "work"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    def extraction_options(self) -> ExtractionOptions:
        """The typed options the extraction pipeline takes (pipelines never read env)."""
        return ExtractionOptions(
            transcriber=TranscriberOptions(
                model=self.whisper_model,
                compute_type=self.whisper_compute_type,
                beam_size=self.whisper_beam_size,
                threads=self.whisper_threads,
            ),
            ocr=OcrOptions(dpi=self.ocr_dpi, language=self.ocr_language, workers=self.ocr_workers),
            chunking=ChunkingOptions(
                target_words=self.chunk_target_words,
                max_words=self.chunk_max_words,
                transcript_target_words=self.transcript_chunk_target_words,
                transcript_max_seconds=self.transcript_chunk_max_seconds,
            ),
            cache_dir=self.extraction_cache_dir,
        )

    def scoring(self) -> ScoringModel | None:
        """The scoring model the setting names (read once per process), or None for the
        shipped one."""
        if self.scoring_model is None:
            return None
        from pipelines.matching import load_scoring_model

        return load_scoring_model(self.scoring_model)

    def llm_options(self) -> LlmOptions | None:
        """The language-model notes' options, or None (extractive notes) unless both the
        URL and the model are set."""
        url, model = (self.llm_url or "").strip(), (self.llm_model or "").strip()
        if not (url and model):
            return None
        return LlmOptions(
            url=url,
            model=model,
            api_key=self.llm_api_key.get_secret_value() if self.llm_api_key else None,
            timeout_s=self.llm_timeout_s,
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
