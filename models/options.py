"""Typed options handed from the service's settings to the pipelines and model adapters.

The pipelines never read the environment: ``service.config.Settings`` builds
these records, so every stage states exactly which knobs it depends on (and the
extraction cache can fingerprint them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class TranscriberOptions:
    """How speech is recognised. ``model`` None means the bundled tiny.en model."""

    model: str | None = None
    compute_type: str = "int8"
    beam_size: int = 5
    threads: int = 0


@dataclass(frozen=True)
class OcrOptions:
    """How pages without a text layer, and images, are read with tesseract."""

    dpi: int = 300
    language: str = "eng"
    workers: int = 2


@dataclass(frozen=True)
class ChunkingOptions:
    """How extracted text is cut into located chunks."""

    target_words: int = 90
    max_words: int = 160
    transcript_target_words: int = 30
    transcript_max_seconds: float = 15.0


@dataclass(frozen=True)
class ExtractionOptions:
    """Everything extraction depends on; ``cache_dir`` None disables the cache."""

    transcriber: TranscriberOptions = field(default_factory=TranscriberOptions)
    ocr: OcrOptions = field(default_factory=OcrOptions)
    chunking: ChunkingOptions = field(default_factory=ChunkingOptions)
    cache_dir: Path | None = None


@dataclass(frozen=True)
class LlmOptions:
    """An OpenAI-compatible chat endpoint that writes the proficiency notes (optional).

    ``url`` is the API base (``http://127.0.0.1:11434/v1`` for Ollama); requests go to
    ``{url}/chat/completions``. ``api_key``, when set, is sent as a Bearer token.
    """

    url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout_s: float = 20.0


@dataclass(frozen=True)
class MatchingOptions:
    """Stages of evidence matching that can be switched off, to measure what each adds
    (``bench/eval_devset.py`` ablations); the defaults are the method as shipped."""

    sentence_windows: bool = True  # score sentence windows (False: whole chunks)
    layout_roles: bool = True  # contents, glossary, header, cover, placeholder blocks
    assertion_gate: bool = True  # plans, definitions and blanks never feed rubric features
