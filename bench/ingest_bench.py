"""Ingestion speed on the dev set, and the pipeline's overhead over the raw library calls.

Run from the project root::

    .venv/bin/python bench/ingest_bench.py [--devset ../shared/devset]
                                           [--out bench/results/ingest.json]
                                           [--repeats 5] [--ingest-repeats 3]
                                           [--text-repeats 30]

Every measure times the pipeline function and the bare library call it wraps on the
same inputs in the same run (interleaved, repeated), and reports
``ratio = pipeline wall time / raw wall time`` (1.00 = no overhead; for throughput
figures that is raw rate / pipeline rate). Figures are the best (fastest) of the
repeats, per file: on a shared machine the same Whisper call varies by up to ~1.7x
from run to run, for both sides alike, so the best run shows the overhead and a
median would mostly show the noise. The JSON keeps every run and the medians
(``*_median_s``, ``ratio_of_medians``).

Figures:

- **text PDF, pages/s** -- ``extract_pdf(path, OcrOptions())`` on the dev set's
  text-layer pages (PDFs that mix text and image-only pages are cut down to their
  text pages in a temp dir, so no OCR is timed here) vs ``pymupdf.open`` +
  ``page.get_text("dict")`` on every page of the same files. An extra row times the
  raw call with the pipeline's own flags and ``sort=True``, which splits the overhead
  into "PyMuPDF doing more work" and "Python around it".
- **OCR, s/page** -- ``extract_pdf`` on the PDFs that have image-only pages, divided
  by the number of OCR'd pages (the text pages of those files are included but cost
  milliseconds), vs rendering each image-only page at the OCR dpi with PyMuPDF and
  running ``tesseract stdin stdout -l eng --psm 3 tsv`` (``OMP_THREAD_LIMIT=1``) one
  page after another. ``extract_pdf`` runs tesseract on ``OcrOptions.workers``
  threads, so the ratio can be below 1 on a file with several scanned pages.
- **audio, audio s / wall s** -- ``extract_media(path, TranscriberOptions())`` on the
  dev set's recordings (ffprobe + ffmpeg decode + Whisper + records) vs
  ``WhisperModel(bundled tiny.en, device="cpu", compute_type="int8").transcribe(...)``
  on the already decoded 16 kHz audio with ``beam_size=5, word_timestamps=True,
  condition_on_previous_text=False``, generator consumed. Both models are loaded and
  warmed (one short transcription) before timing; load times and the ffmpeg decode
  time are separate rows.
- **ingest <submission>** -- ``ingest_submission(load_submission(folder), options)``
  wall time with the cache disabled, then with an empty cache in a temp dir (cold:
  extraction plus cache writes), then again on that cache (warm: every file a cache
  hit). The cold and warm rows put the no-cache time in the "raw" column.

The JSON written to ``--out`` holds every figure, the per-file timings, the
per-artifact ingest seconds and the software versions.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"

import argparse
import json
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pymupdf
import yaml

from models.options import ExtractionOptions, OcrOptions, TranscriberOptions
from models.transcriber import SAMPLE_RATE, bundled_whisper_path, get_transcriber
from pipelines.extract.media_extractor import decode_audio, extract_media, probe
from pipelines.extract.pdf_extractor import _FLAGS as PIPELINE_TEXT_FLAGS
from pipelines.extract.pdf_extractor import extract_pdf
from pipelines.extract.registry import detect
from pipelines.ingest import ingest_submission
from pipelines.submission import load_submission

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEVSET = PROJECT_ROOT.parent / "shared" / "devset"
DEFAULT_OUT = PROJECT_ROOT / "bench" / "results" / "ingest.json"
WARMUP_AUDIO_S = 10.0
RAW_WHISPER_KWARGS = {"beam_size": 5, "word_timestamps": True, "condition_on_previous_text": False}


@dataclass
class PdfFile:
    """One PDF of the dev set and which of its pages the pipeline OCRs."""

    label: str
    path: Path
    page_count: int
    ocr_pages: list[int]

    @property
    def text_pages(self) -> list[int]:
        """1-based numbers of the pages read from the text layer."""
        return [n for n in range(1, self.page_count + 1) if n not in self.ocr_pages]


@dataclass
class DevSet:
    """The dev set's submission folders, PDFs and recordings."""

    folders: list[Path]
    pdfs: list[PdfFile] = field(default_factory=list)
    recordings: list[tuple[str, Path]] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(wall seconds, result) of one call."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def best(values: list[float]) -> float:
    """The fastest run, rounded: the headline figure, least disturbed by other load."""
    return round(min(values), 6)


def median(values: list[float]) -> float:
    """The median run, rounded: reported next to the best run to show the spread."""
    return round(statistics.median(values), 6)


def ratio_of_medians(per_file: list[dict[str, Any]]) -> float:
    """Sum of the files' median pipeline times over the sum of their median raw times."""
    pipeline = sum(f["pipeline_median_s"] for f in per_file)
    return round(pipeline / sum(f["raw_median_s"] for f in per_file), 3)


def load_devset(devset: Path) -> DevSet:
    """Find every submission, classify each PDF's pages with the pipeline, list recordings.

    The pipeline's own ``extract_pdf`` decides which pages need OCR (this is also the
    untimed warm-up of PyMuPDF and tesseract); where the folder has a ``gold.yaml`` its
    ``ocr_pages`` are checked against that and any mismatch is reported.
    """
    folders = sorted(p.parent for p in devset.glob("*/submission.yaml"))
    if not folders:
        raise SystemExit(f"no submission folders (*/submission.yaml) under {devset}")
    found = DevSet(folders=folders)
    ocr = OcrOptions()
    for folder in folders:
        submission = load_submission(folder)
        gold_path = folder / "gold.yaml"
        gold = yaml.safe_load(gold_path.read_text(encoding="utf-8")) if gold_path.is_file() else {}
        gold_ocr = {a["file"]: a.get("ocr_pages", []) for a in gold.get("artifacts", [])}
        files = [(ref.file, ref.path, False) for ref in submission.artifacts]
        parts = submission.part_files.items()
        files += [(rel, submission.parts[name], True) for name, rel in parts]
        for rel, path, is_part in files:
            kind = detect(path, text_allowed=is_part)
            label = f"{folder.name}/{rel}"
            if kind == "media":
                found.recordings.append((label, path))
            elif kind == "pdf":
                extracted = extract_pdf(path, ocr)
                pdf = PdfFile(label, path, len(extracted.pages or []), extracted.ocr_pages)
                found.pdfs.append(pdf)
                if rel in gold_ocr and sorted(gold_ocr[rel]) != pdf.ocr_pages:
                    found.checks.append(
                        f"{label}: pipeline OCRs pages {pdf.ocr_pages}, gold.yaml says "
                        f"{gold_ocr[rel]}"
                    )
    return found


def text_only_copies(pdfs: list[PdfFile], tmp: Path) -> list[tuple[str, Path, int]]:
    """(label, path, pages) of PDFs holding only the dev set's text-layer pages.

    A PDF with no OCR pages is used as is; a mixed one is copied into ``tmp`` with
    its image-only pages removed; an all-image one is left out.
    """
    out = []
    for pdf in pdfs:
        pages = pdf.text_pages
        if not pages:
            continue
        if not pdf.ocr_pages:
            out.append((pdf.label, pdf.path, len(pages)))
            continue
        copy = tmp / pdf.label.replace("/", "__")
        with pymupdf.open(pdf.path) as doc:
            doc.select([n - 1 for n in pages])
            doc.save(copy)
        out.append((f"{pdf.label} (text pages {pages})", copy, len(pages)))
    return out


def raw_text_pdf(path: Path, flags: int | None = None, sort: bool = False) -> int:
    """The raw PyMuPDF call: open and ``get_text("dict")`` every page; returns pages read."""
    with pymupdf.open(path) as doc:
        for page in doc:
            page.get_text("dict", flags=flags, sort=sort)
        return doc.page_count


def bench_text_pdfs(pdfs: list[PdfFile], repeats: int) -> dict[str, Any]:
    """Pages per second of ``extract_pdf`` vs raw PyMuPDF on the text-layer pages."""
    ocr = OcrOptions()
    with tempfile.TemporaryDirectory(prefix="evreview-bench-pdf-") as tmp:
        files = text_only_copies(pdfs, Path(tmp))
        pages = sum(n for _, _, n in files)
        for _, path, _ in files:  # warm the page cache and PyMuPDF
            extract_pdf(path, ocr)
            raw_text_pdf(path)
        pipeline, raw, raw_flags = [], [], []
        for _ in range(repeats):
            pipeline.append(sum(timed(lambda p=p: extract_pdf(p, ocr))[0] for _, p, _ in files))
            raw.append(sum(timed(lambda p=p: raw_text_pdf(p))[0] for _, p, _ in files))
            raw_flags.append(
                sum(
                    timed(lambda p=p: raw_text_pdf(p, PIPELINE_TEXT_FLAGS, sort=True))[0]
                    for _, p, _ in files
                )
            )
        ocr_hits = [label for label, p, _ in files if extract_pdf(p, ocr).ocr_pages]
    pipeline_s, raw_s, raw_flags_s = best(pipeline), best(raw), best(raw_flags)
    return {
        "files": [{"file": label, "pages": n} for label, _, n in files],
        "pages": pages,
        "repeats": repeats,
        "pipeline_s": pipeline_s,
        "raw_s": raw_s,
        "raw_pipeline_flags_sort_s": raw_flags_s,
        "pipeline_runs_s": [round(x, 5) for x in pipeline],
        "raw_runs_s": [round(x, 5) for x in raw],
        "pipeline_pages_per_s": round(pages / pipeline_s, 1),
        "raw_pages_per_s": round(pages / raw_s, 1),
        "raw_pipeline_flags_sort_pages_per_s": round(pages / raw_flags_s, 1),
        "ratio": round(pipeline_s / raw_s, 3),
        "ratio_vs_raw_pipeline_flags_sort": round(pipeline_s / raw_flags_s, 3),
        "ratio_of_medians": round(median(pipeline) / median(raw), 3),
        "files_unexpectedly_ocrd": ocr_hits,
    }


def raw_ocr_pages(path: Path, pages: list[int], ocr: OcrOptions) -> tuple[float, float]:
    """Render each page at ``ocr.dpi`` and run tesseract on it, sequentially.

    Returns (render seconds, tesseract seconds) summed over the pages.
    """
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    command = ["tesseract", "stdin", "stdout", "-l", ocr.language, "--psm", "3", "tsv"]
    render_s = tesseract_s = 0.0
    with pymupdf.open(path) as doc:
        for number in pages:
            page = doc.load_page(number - 1)
            seconds, png = timed(lambda page=page: page.get_pixmap(dpi=ocr.dpi).tobytes("png"))
            render_s += seconds
            seconds, _ = timed(
                lambda png=png: subprocess.run(
                    command, input=png, capture_output=True, env=env, check=True
                )
            )
            tesseract_s += seconds
    return render_s, tesseract_s


def bench_ocr(pdfs: list[PdfFile], repeats: int) -> dict[str, Any]:
    """Seconds per OCR'd page of ``extract_pdf`` vs sequential render + tesseract."""
    ocr = OcrOptions()
    files = [pdf for pdf in pdfs if pdf.ocr_pages]
    if not files:
        return {}
    per_file = []
    for pdf in files:
        pipeline, render, tess = [], [], []
        for _ in range(repeats):
            pipeline.append(timed(lambda pdf=pdf: extract_pdf(pdf.path, ocr))[0])
            render_s, tess_s = raw_ocr_pages(pdf.path, pdf.ocr_pages, ocr)
            render.append(render_s)
            tess.append(tess_s)
        per_file.append(
            {
                "file": pdf.label,
                "pages": pdf.page_count,
                "ocr_pages": pdf.ocr_pages,
                "pipeline_s": best(pipeline),
                "raw_render_s": best(render),
                "raw_tesseract_s": best(tess),
                "raw_s": best([r + t for r, t in zip(render, tess, strict=True)]),
                "pipeline_median_s": median(pipeline),
                "raw_median_s": median([r + t for r, t in zip(render, tess, strict=True)]),
                "pipeline_runs_s": [round(x, 3) for x in pipeline],
                "raw_runs_s": [round(r + t, 3) for r, t in zip(render, tess, strict=True)],
            }
        )
    pages = sum(len(f["ocr_pages"]) for f in per_file)
    pipeline_s = sum(f["pipeline_s"] for f in per_file)
    raw_s = sum(f["raw_s"] for f in per_file)
    return {
        "workers": ocr.workers,
        "dpi": ocr.dpi,
        "language": ocr.language,
        "cpus": os.cpu_count(),
        "repeats": repeats,
        "ocr_pages": pages,
        "files": per_file,
        "pipeline_s": round(pipeline_s, 3),
        "raw_s": round(raw_s, 3),
        "raw_render_s": round(sum(f["raw_render_s"] for f in per_file), 3),
        "raw_tesseract_s": round(sum(f["raw_tesseract_s"] for f in per_file), 3),
        "pipeline_s_per_page": round(pipeline_s / pages, 3),
        "raw_s_per_page": round(raw_s / pages, 3),
        "ratio": round(pipeline_s / raw_s, 3),
        "ratio_of_medians": ratio_of_medians(per_file),
    }


def raw_transcribe(model: Any, audio: np.ndarray) -> str:
    """The raw faster-whisper call, generator consumed; returns the joined text."""
    segments, _info = model.transcribe(audio, **RAW_WHISPER_KWARGS)
    return " ".join(s.text.strip() for s in segments)


def bench_audio(recordings: list[tuple[str, Path]], repeats: int) -> dict[str, Any]:
    """Audio seconds per wall second of ``extract_media`` vs raw faster-whisper.

    Both models are loaded (timed, reported separately) and warmed on the first
    ``WARMUP_AUDIO_S`` seconds of the first recording before anything is timed.
    """
    from faster_whisper import WhisperModel

    if not recordings:
        return {}
    options = TranscriberOptions()
    model_path = bundled_whisper_path()
    pipeline_load_s, transcriber = timed(lambda: get_transcriber(options))
    raw_load_s, model = timed(
        lambda: WhisperModel(str(model_path), device="cpu", compute_type="int8")
    )
    warm = decode_audio(recordings[0][1])[: int(WARMUP_AUDIO_S * SAMPLE_RATE)]
    transcriber.transcribe(warm)
    raw_transcribe(model, warm)

    per_file = []
    for label, path in recordings:
        pipeline, raw, decode, probes = [], [], [], []
        same_text = True
        for _ in range(repeats):
            seconds, extracted = timed(lambda path=path: extract_media(path, options))
            pipeline.append(seconds)
            probes.append(timed(lambda path=path: probe(path))[0])
            seconds, audio = timed(lambda path=path: decode_audio(path))
            decode.append(seconds)
            seconds, text = timed(lambda audio=audio: raw_transcribe(model, audio))
            raw.append(seconds)
            pipeline_text = " ".join(s.text for s in extracted.transcript.segments)
            same_text = same_text and pipeline_text == text
        per_file.append(
            {
                "file": label,
                "audio_s": round(len(audio) / SAMPLE_RATE, 3),
                "pipeline_s": best(pipeline),
                "raw_s": best(raw),
                "pipeline_median_s": median(pipeline),
                "raw_median_s": median(raw),
                "ffprobe_s": best(probes),
                "ffmpeg_decode_s": best(decode),
                "pipeline_runs_s": [round(x, 3) for x in pipeline],
                "raw_runs_s": [round(x, 3) for x in raw],
                "same_transcript_text": same_text,
            }
        )
    audio_s = sum(f["audio_s"] for f in per_file)
    pipeline_s = sum(f["pipeline_s"] for f in per_file)
    raw_s = sum(f["raw_s"] for f in per_file)
    decode_s = sum(f["ffmpeg_decode_s"] for f in per_file)
    probe_s = sum(f["ffprobe_s"] for f in per_file)
    return {
        "model_path": str(model_path),
        "options": {
            "compute_type": options.compute_type,
            "beam_size": options.beam_size,
            "threads": options.threads,
        },
        "repeats": repeats,
        "model_load_s": {"pipeline": round(pipeline_load_s, 3), "raw": round(raw_load_s, 3)},
        "files": per_file,
        "audio_s": round(audio_s, 3),
        "pipeline_s": round(pipeline_s, 3),
        "raw_s": round(raw_s, 3),
        "ffmpeg_decode_s": round(decode_s, 3),
        "ffprobe_s": round(probe_s, 3),
        "pipeline_audio_s_per_s": round(audio_s / pipeline_s, 2),
        "raw_audio_s_per_s": round(audio_s / raw_s, 2),
        "ratio": round(pipeline_s / raw_s, 3),
        "ratio_vs_raw_plus_ffprobe_and_decode": round(pipeline_s / (raw_s + decode_s + probe_s), 3),
        "ratio_of_medians": ratio_of_medians(per_file),
    }


def ingest_once(folder: Path) -> dict[str, Any]:
    """One pass over a submission: no cache, then a fresh temp cache cold and warm."""
    submission = load_submission(folder)
    no_cache = ExtractionOptions(cache_dir=None)
    no_cache_s, plain = timed(lambda: ingest_submission(submission, no_cache))
    with tempfile.TemporaryDirectory(prefix="evreview-bench-cache-") as tmp:
        cached = ExtractionOptions(cache_dir=Path(tmp))
        cold_s, cold = timed(lambda: ingest_submission(submission, cached))
        warm_s, warm = timed(lambda: ingest_submission(submission, cached))
    errors = [f"{a.summary.id}: {a.summary.error}" for a in plain.artifacts if a.summary.error]
    errors += [f"{p.name}: {p.error}" for p in plain.parts.values() if p.error]
    runs = {"no_cache": plain, "cold_cache": cold, "warm_cache": warm}
    return {
        "seconds": {"no_cache": no_cache_s, "cold_cache": cold_s, "warm_cache": warm_s},
        "artifact_seconds": {
            (ref.id, run): result.artifacts[i].seconds
            for i, ref in enumerate(submission.artifacts)
            for run, result in runs.items()
        },
        "artifacts": len(plain.artifacts),
        "cold_cache_hits": sum(a.from_cache for a in cold.artifacts),
        "warm_cache_hits": sum(a.from_cache for a in warm.artifacts),
        "chunks": len(plain.chunks),
        "same_chunks_when_cached": [c.text for c in plain.chunks] == [c.text for c in warm.chunks],
        "errors": errors,
    }


def bench_ingest(folders: list[Path], repeats: int) -> list[dict[str, Any]]:
    """Whole-submission ingest per folder, best of ``repeats`` passes.

    The no-cache run uses ``ExtractionOptions(cache_dir=None)``; each pass then makes
    a new temp cache and ingests twice (cold: extract and store; warm: all hits).
    """
    results = []
    for folder in folders:
        passes = [ingest_once(folder) for _ in range(repeats)]
        last = passes[-1]
        figures = {
            f"{run}_s": best([p["seconds"][run] for p in passes])
            for run in ("no_cache", "cold_cache", "warm_cache")
        }
        figures["no_cache_median_s"] = median([p["seconds"]["no_cache"] for p in passes])
        per_artifact: dict[str, dict[str, float]] = {}
        for art, run in last["artifact_seconds"]:
            values = [p["artifact_seconds"][art, run] for p in passes]
            per_artifact.setdefault(art, {})[run] = best(values)
        results.append(
            {
                "submission": folder.name,
                "repeats": repeats,
                **figures,
                "no_cache_runs_s": [round(p["seconds"]["no_cache"], 3) for p in passes],
                "per_artifact_s": per_artifact,
                **{k: last[k] for k in ("artifacts", "cold_cache_hits", "warm_cache_hits")},
                **{k: last[k] for k in ("chunks", "same_chunks_when_cached", "errors")},
            }
        )
    return results


def table_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(measure, pipeline, raw, ratio) rows for the printed table."""
    rows: list[tuple[str, str, str, str]] = []
    text = results["text_pdf"]
    rows.append(
        (
            f"text PDF, pages/s ({text['pages']} pages)",
            f"{text['pipeline_pages_per_s']:.0f}",
            f"{text['raw_pages_per_s']:.0f}",
            f"{text['ratio']:.2f}",
        )
    )
    rows.append(
        (
            "  raw with pipeline's flags + sort, pages/s",
            f"{text['pipeline_pages_per_s']:.0f}",
            f"{text['raw_pipeline_flags_sort_pages_per_s']:.0f}",
            f"{text['ratio_vs_raw_pipeline_flags_sort']:.2f}",
        )
    )
    if ocr := results["ocr"]:
        rows.append(
            (
                f"OCR, s/page ({ocr['ocr_pages']} pages, workers={ocr['workers']} vs sequential)",
                f"{ocr['pipeline_s_per_page']:.2f}",
                f"{ocr['raw_s_per_page']:.2f}",
                f"{ocr['ratio']:.2f}",
            )
        )
        for f in ocr["files"]:
            n = len(f["ocr_pages"])
            rows.append(
                (
                    f"  {f['file']} ({n} OCR page{'s' if n > 1 else ''}), s/page",
                    f"{f['pipeline_s'] / n:.2f}",
                    f"{f['raw_s'] / n:.2f}",
                    f"{f['pipeline_s'] / f['raw_s']:.2f}",
                )
            )
    if audio := results["audio"]:
        rows.append(
            (
                f"audio, audio s / wall s ({audio['audio_s']:.0f} s of audio)",
                f"{audio['pipeline_audio_s_per_s']:.1f}",
                f"{audio['raw_audio_s_per_s']:.1f}",
                f"{audio['ratio']:.2f}",
            )
        )
        for f in audio["files"]:
            rows.append(
                (
                    f"  {f['file']} ({f['audio_s']:.0f} s), audio s / wall s",
                    f"{f['audio_s'] / f['pipeline_s']:.1f}",
                    f"{f['audio_s'] / f['raw_s']:.1f}",
                    f"{f['pipeline_s'] / f['raw_s']:.2f}",
                )
            )
        rows.append(
            (
                "  ffprobe + ffmpeg decode inside the pipeline, s",
                f"{audio['ffprobe_s'] + audio['ffmpeg_decode_s']:.2f}",
                "-",
                "-",
            )
        )
        rows.append(
            (
                "  Whisper model load (excluded above), s",
                f"{audio['model_load_s']['pipeline']:.2f}",
                f"{audio['model_load_s']['raw']:.2f}",
                f"{audio['model_load_s']['pipeline'] / audio['model_load_s']['raw']:.2f}",
            )
        )
    for sub in results["ingest"]:
        name, base = sub["submission"], sub["no_cache_s"]
        rows.append((f"ingest {name}, no cache, s", f"{base:.2f}", "-", "-"))
        rows.append(
            (
                f"ingest {name}, cold cache vs no cache, s",
                f"{sub['cold_cache_s']:.2f}",
                f"{base:.2f}",
                f"{sub['cold_cache_s'] / base:.2f}",
            )
        )
        rows.append(
            (
                f"ingest {name}, warm cache ({sub['warm_cache_hits']}/{sub['artifacts']} hits) "
                "vs no cache, s",
                f"{sub['warm_cache_s']:.3f}",
                f"{base:.2f}",
                f"{sub['warm_cache_s'] / base:.3f}",
            )
        )
    return rows


def format_table(rows: list[tuple[str, str, str, str]]) -> str:
    """A plain-text table with aligned columns."""
    header = ("measure", "pipeline", "raw", "ratio")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = []
    for i, row in enumerate([header, *rows]):
        numbers = zip(row[1:], widths[1:], strict=True)
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in numbers]
        lines.append("  ".join(cells))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def environment() -> dict[str, Any]:
    """Versions and machine facts the figures depend on."""
    from importlib.metadata import version

    tesseract = subprocess.run(["tesseract", "--version"], capture_output=True, text=True)
    ffmpeg = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True)
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "pymupdf": version("pymupdf"),
        "faster_whisper": version("faster-whisper"),
        "ctranslate2": version("ctranslate2"),
        "tesseract": (tesseract.stdout or tesseract.stderr).splitlines()[0],
        "ffmpeg": ffmpeg.stdout.splitlines()[0],
    }


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=DEFAULT_DEVSET, help="dev set folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed passes for OCR and audio (best kept)"
    )
    parser.add_argument(
        "--ingest-repeats", type=int, default=3, help="timed passes per submission (best kept)"
    )
    parser.add_argument(
        "--text-repeats", type=int, default=30, help="timed passes for text PDFs (best kept)"
    )
    return parser.parse_args()


def main() -> None:
    """Run every measure, print the table and write the JSON."""
    args = parse_args()
    started = time.perf_counter()
    load_start = [round(x, 2) for x in os.getloadavg()]  # other work on the machine skews it all
    print(f"dev set: {args.devset.resolve()}", flush=True)
    devset = load_devset(args.devset)
    print("timing text PDFs ...", flush=True)
    text_pdf = bench_text_pdfs(devset.pdfs, args.text_repeats)
    print("timing OCR ...", flush=True)
    ocr = bench_ocr(devset.pdfs, args.repeats)
    print("timing audio ...", flush=True)
    audio = bench_audio(devset.recordings, args.repeats)
    print("timing whole-submission ingest ...", flush=True)
    ingest = bench_ingest(devset.folders, args.ingest_repeats)
    results: dict[str, Any] = {
        "devset": str(args.devset.resolve()),
        "environment": environment(),
        "text_pdf": text_pdf,
        "ocr": ocr,
        "audio": audio,
        "ingest": ingest,
        "checks": devset.checks,
    }
    results["table"] = [
        dict(zip(("measure", "pipeline", "raw", "ratio"), row, strict=True))
        for row in table_rows(results)
    ]
    results["bench_wall_s"] = round(time.perf_counter() - started, 1)
    results["load_average_start_end"] = [load_start, [round(x, 2) for x in os.getloadavg()]]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    print()
    print(format_table(table_rows(results)))
    print("\nratio = pipeline time / raw time (for rates: raw rate / pipeline rate); figures")
    print("are the best of the repeats. Ratio of the medians instead:", end="")
    for name in ("text_pdf", "ocr", "audio"):
        if results[name]:
            print(f" {name} {results[name]['ratio_of_medians']:.2f}", end="")
    print()
    problems = list(devset.checks)
    problems += [f"text PDF unexpectedly OCR'd: {f}" for f in text_pdf["files_unexpectedly_ocrd"]]
    problems += [
        f"{f['file']}: pipeline and raw transcripts differ"
        for f in audio.get("files", [])
        if not f["same_transcript_text"]
    ]
    for sub in ingest:
        problems += [f"ingest {sub['submission']}: {e}" for e in sub["errors"]]
        if sub["warm_cache_hits"] != sub["artifacts"] or not sub["same_chunks_when_cached"]:
            problems.append(f"ingest {sub['submission']}: the warm-cache run was not all hits")
    for problem in problems:
        print(f"warning: {problem}")
    load = results["load_average_start_end"]
    print(f"\nwrote {args.out} ({results['bench_wall_s']} s; load average {load[0]} -> {load[1]})")


if __name__ == "__main__":
    main()
