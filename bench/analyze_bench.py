"""End-to-end time of ``analyze_submission`` on the dev set, beside the raw library cost.

Run from the project root::

    .venv/bin/python bench/analyze_bench.py [--devset ../shared/devset]
                                            [--out bench/results/analyze.json]
                                            [--repeats 1]

    .venv/bin/python bench/analyze_bench.py --one ../shared/devset/d01   (one submission,
                                            prints its figures as one JSON line)

Each submission is measured in a fresh child process (``--one``), so every figure
below belongs to that submission alone. The child:

1. loads the embedder (``get_embedder()``) and the transcriber
   (``get_transcriber(TranscriberOptions())``) once, and warms both (one short
   sentence; the first 10 s of one of the submission's recordings, or 2 s of
   silence). Load and warm-up times are reported separately and are not in any
   other figure.
2. runs ``analyze_submission`` with the extraction cache off
   (``ExtractionOptions(cache_dir=None)``) and ``index_root=None``, so every file
   is read and every chunk embedded. Its ``report.timings_s`` gives the stages
   ``ingest``, ``embed_index``, ``match``, ``report`` and ``total``.
3. reads ``ru_maxrss`` right after that first analysis: **peak MB** is the peak
   resident memory of a process that loaded both models and analysed this one
   submission (the target is under 2 GB); ``peak_mb_end`` in the JSON is the
   peak at the end of the child, after the raw calls too. ffmpeg and tesseract run
   as separate processes and are not counted (``RUSAGE_CHILDREN`` would report the
   size of the forked parent, not theirs).
4. measures the **raw cost** of the library calls the analysis makes, on the same
   files, with the same already loaded models, in the same process:

   - PDF: ``pymupdf.open`` + ``page.get_text("dict")`` on every page; pages with no
     text are rendered at the OCR dpi (300) and read with
     ``tesseract stdin stdout -l eng --psm 3 tsv`` (``OMP_THREAD_LIMIT=1``) on a
     2-worker thread pool, as the pipeline does;
   - DOCX: ``docx.Document(path)`` + every paragraph's text;
   - PPTX: ``pptx.Presentation(path)`` + the text of every shape with a text frame
     and the speaker notes;
   - audio/video: the ffmpeg decode to 16 kHz mono s16le (the command of
     ``media_extractor.decode_audio``) + ``WhisperModel.transcribe(audio,
     beam_size=5, word_timestamps=True, condition_on_previous_text=False)`` with
     its generator consumed, on the transcriber's own model object;
   - Markdown/text parts: reading the file;
   - embedding: ``SentenceTransformer.encode(texts, batch_size=32,
     normalize_embeddings=True)`` on the analysis' passage windows (the sentence
     windows of its chunks, ``pipelines.passages``), then on the query texts (detail
     "title: description", look-fors, example statements, the self-analysis
     explanations), as the pipeline does.

**ratio** = pipeline ``total`` / raw total (target ≤ 1.2). The JSON also splits it
by stage: ``ingest`` over raw extraction, ``embed_index`` over raw chunk
embedding, ``match`` over raw query embedding. Calls the pipeline makes that are
not in the raw cost (``ffprobe`` per recording, sha256 of every file) are timed
and listed under ``not_in_raw_s`` to explain the gap.

With ``--repeats N`` the pipeline and the raw calls are run N times, interleaved,
and the fastest of each is reported (all runs are kept in the JSON). Timings on a
loaded machine are noisy: run nothing else meanwhile.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEVSET = PROJECT_ROOT.parent / "shared" / "devset"
DEFAULT_OUT = PROJECT_ROOT / "bench" / "results" / "analyze.json"
TARGET_RATIO = 1.2
MEMORY_LIMIT_MB = 2048
SAMPLE_RATE = 16000
WARMUP_AUDIO_S = 10.0
STAGES = ["ingest", "embed_index", "match", "report"]


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(wall seconds, result) of one call."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (``ru_maxrss`` is KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def r3(x: float) -> float:
    """A duration rounded to the millisecond."""
    return round(x, 3)


# ---------------------------------------------------------------------------
# raw library calls
# ---------------------------------------------------------------------------
def raw_tesseract(png: bytes, language: str) -> str:
    """The tesseract command on one image, as the pipeline runs it; returns its TSV."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    command = ["tesseract", "stdin", "stdout", "-l", language, "--psm", "3", "tsv"]
    proc = subprocess.run(command, input=png, capture_output=True, env=env, check=True)
    return proc.stdout.decode("utf-8", "replace")


def raw_pdf(path: Path, dpi: int, language: str, workers: int) -> dict[str, Any]:
    """PyMuPDF text of every page; pages without text rendered and OCR'd on ``workers``."""
    import pymupdf

    to_ocr: list[tuple[int, bytes]] = []
    with pymupdf.open(path) as doc:
        for page in doc:
            blocks = page.get_text("dict")["blocks"]
            text = "".join(
                span["text"]
                for block in blocks
                if block.get("type") == 0
                for line in block["lines"]
                for span in line["spans"]
            )
            if not text.strip():
                to_ocr.append((page.number + 1, page.get_pixmap(dpi=dpi).tobytes("png")))
        pages = doc.page_count
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda item: raw_tesseract(item[1], language), to_ocr))
    return {"pages": pages, "ocr_pages": [n for n, _ in to_ocr]}


def raw_docx(path: Path) -> dict[str, Any]:
    """python-docx: open the document and read every paragraph's text."""
    import docx

    document = docx.Document(str(path))
    return {"chars": sum(len(p.text) for p in document.paragraphs)}


def raw_pptx(path: Path) -> dict[str, Any]:
    """python-pptx: open the deck, read every text frame and the speaker notes."""
    from pptx import Presentation

    chars = 0
    for slide in Presentation(str(path)).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                chars += len(shape.text_frame.text)
        if slide.has_notes_slide:
            chars += len(slide.notes_slide.notes_text_frame.text)
    return {"chars": chars}


def raw_decode(path: Path) -> np.ndarray:
    """ffmpeg to 16 kHz mono s16le (the command of ``decode_audio``), as float32 samples."""
    command = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-vn", "-ac", "1"]
    command += ["-ar", str(SAMPLE_RATE), "-f", "s16le", "-"]
    proc = subprocess.run(command, capture_output=True, check=True)
    return np.frombuffer(proc.stdout, dtype=np.int16).astype(np.float32) / 32768.0


def raw_transcribe(model: Any, audio: np.ndarray, beam_size: int) -> str:
    """faster-whisper with the pipeline's decoding settings, generator consumed."""
    segments, _info = model.transcribe(
        audio, beam_size=beam_size, word_timestamps=True, condition_on_previous_text=False
    )
    return " ".join(s.text.strip() for s in segments)


def raw_media(path: Path, model: Any, beam_size: int) -> dict[str, Any]:
    """Decode and transcribe one recording; the two costs are returned apart."""
    decode_s, audio = timed(lambda: raw_decode(path))
    transcribe_s, text = timed(lambda: raw_transcribe(model, audio, beam_size))
    return {
        "audio_s": round(len(audio) / SAMPLE_RATE, 3),
        "decode_s": r3(decode_s),
        "transcribe_s": r3(transcribe_s),
        "words": len(text.split()),
    }


def raw_text(path: Path) -> dict[str, Any]:
    """A Markdown or text file read and decoded."""
    return {"chars": len(path.read_bytes().decode("utf-8-sig"))}


def raw_image(path: Path, language: str) -> dict[str, Any]:
    """An image artifact: tesseract on the file's bytes."""
    return {"chars": len(raw_tesseract(path.read_bytes(), language))}


def raw_extract(path: Path, kind: str, options: Any, model: Any) -> dict[str, Any]:
    """The raw library calls for one file of this extractor kind."""
    ocr = options.ocr
    if kind == "pdf":
        return raw_pdf(path, ocr.dpi, ocr.language, max(1, ocr.workers))
    if kind == "docx":
        return raw_docx(path)
    if kind == "pptx":
        return raw_pptx(path)
    if kind == "media":
        return raw_media(path, model, options.transcriber.beam_size)
    if kind == "image":
        return raw_image(path, ocr.language)
    return raw_text(path)


def rubric_query_texts(rubric: Any, submission: Any) -> list[str]:
    """The query texts ``EvidenceMatcher`` embeds: per detail "title: description", its
    look-fors and example statements; and the self-analysis explanations."""
    texts: list[str] = []
    for _outcome, detail in rubric.details:
        texts.append(f"{detail.title}: {detail.description}")
        texts.extend(detail.look_fors)
        texts.extend(detail.examples)
    texts.extend(e.explanation for e in submission.self_analysis if e.explanation)
    return texts


def raw_encode(model: Any, texts: list[str]) -> np.ndarray:
    """sentence-transformers encode with the pipeline's batch size and normalisation."""
    return model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)


# ---------------------------------------------------------------------------
# one submission (child process)
# ---------------------------------------------------------------------------
def submission_files(submission: Any) -> list[dict[str, Any]]:
    """Every artifact and written part with its extractor kind (content-checked)."""
    from pipelines.extract.registry import detect

    files = [
        {"file": ref.file, "role": ref.id, "path": ref.path, "kind": detect(ref.path)}
        for ref in submission.artifacts
    ]
    for name, path in submission.parts.items():
        files.append(
            {
                "file": submission.part_files[name],
                "role": name,
                "path": path,
                "kind": detect(path, text_allowed=True),
            }
        )
    return files


def load_models(files: list[dict[str, Any]]) -> tuple[Any, Any, dict[str, float]]:
    """Load the embedder and the transcriber once and warm both; returns their times."""
    from models.embedder import get_embedder
    from models.options import TranscriberOptions
    from models.transcriber import get_transcriber

    embedder_s, embedder = timed(get_embedder)
    transcriber_s, transcriber = timed(lambda: get_transcriber(TranscriberOptions()))
    media = [f["path"] for f in files if f["kind"] == "media"]
    warm = raw_decode(media[0])[: int(WARMUP_AUDIO_S * SAMPLE_RATE)] if media else None
    if warm is None or warm.size == 0:
        warm = np.zeros(2 * SAMPLE_RATE, dtype=np.float32)
    warm_s, _ = timed(lambda: (embedder.embed(["warm up"]), transcriber.transcribe(warm)))
    loads = {"embedder_s": r3(embedder_s), "transcriber_s": r3(transcriber_s), "warm_s": r3(warm_s)}
    return embedder, transcriber, loads


def not_in_raw(files: list[dict[str, Any]]) -> dict[str, float]:
    """Library calls the pipeline makes beyond the raw set: ffprobe and file hashing."""
    from pipelines.extract.media_extractor import probe
    from pipelines.extraction_cache import file_sha256

    media = [f["path"] for f in files if f["kind"] == "media"]
    probe_s = sum(timed(lambda p=p: probe(p))[0] for p in media)
    sha_s = sum(timed(lambda f=f: file_sha256(f["path"]))[0] for f in files)
    return {"ffprobe_s": r3(probe_s), "sha256_s": r3(sha_s)}


def run_pipeline(submission: Any, rubric: Any, embedder: Any) -> Any:
    """One analysis with the extraction cache off and no saved index."""
    from models.options import ExtractionOptions
    from pipelines.analysis import analyze_submission

    options = ExtractionOptions(cache_dir=None)
    return analyze_submission(submission, rubric, options, embedder, index_root=None)


def run_raw(
    files: list[dict[str, Any]],
    chunk_texts: list[str],
    queries: list[str],
    embedder: Any,
    transcriber: Any,
) -> dict[str, Any]:
    """Every raw library call of one submission; per file and per kind of work."""
    from models.options import ExtractionOptions

    options = ExtractionOptions(cache_dir=None)
    per_file = []
    for f in files:
        seconds, detail = timed(
            lambda f=f: raw_extract(f["path"], f["kind"], options, transcriber._model)
        )
        per_file.append(
            {
                "file": f["file"],
                "role": f["role"],
                "kind": f["kind"],
                "raw_s": r3(seconds),
                **detail,
            }
        )
    chunks_s, vectors = timed(lambda: raw_encode(embedder._model, chunk_texts))
    queries_s, _ = timed(lambda: raw_encode(embedder._model, queries))
    extraction_s = sum(f["raw_s"] for f in per_file)
    return {
        "files": per_file,
        "extraction_s": r3(extraction_s),
        "embed_chunks_s": r3(chunks_s),
        "embed_queries_s": r3(queries_s),
        "total_s": r3(extraction_s + chunks_s + queries_s),
        "chunks": len(vectors),
        "queries": len(queries),
    }


def pipeline_figures(analysis: Any) -> dict[str, Any]:
    """Stage timings and per-artifact seconds of one analysis."""
    return {
        "timings_s": dict(analysis.report.timings_s),
        "artifacts": [
            {
                "id": a.summary.id,
                "kind": a.summary.kind,
                "seconds": r3(a.seconds),
                "chunks": a.summary.chunks,
                "ocr_pages": a.summary.ocr_pages,
                "error": a.summary.error,
            }
            for a in analysis.ingest.artifacts
        ],
    }


def ratios(pipeline: dict[str, float], raw: dict[str, Any]) -> dict[str, float | None]:
    """Pipeline over raw, overall and per stage (None where the raw cost is zero)."""

    def ratio(a: float, b: float) -> float | None:
        return round(a / b, 3) if b > 0 else None

    return {
        "total": ratio(pipeline["total"], raw["total_s"]),
        "ingest_vs_extraction": ratio(pipeline["ingest"], raw["extraction_s"]),
        "embed_index_vs_embed_chunks": ratio(pipeline["embed_index"], raw["embed_chunks_s"]),
        "match_vs_embed_queries": ratio(pipeline["match"], raw["embed_queries_s"]),
    }


def measure_one(folder: Path, repeats: int) -> dict[str, Any]:
    """Every figure of one submission, in this process (the ``--one`` mode)."""
    from pipelines.passages import build_passages
    from pipelines.rubric_catalog import RubricCatalog
    from pipelines.submission import load_submission

    submission = load_submission(folder)
    rubric = RubricCatalog().get(submission.credential)
    files = submission_files(submission)
    embedder, transcriber, loads = load_models(files)
    queries = rubric_query_texts(rubric, submission)

    pipeline_runs, raw_runs, peak = [], [], None
    for _ in range(repeats):
        analysis = run_pipeline(submission, rubric, embedder)
        if peak is None:
            peak = peak_mb()  # model load + warm-up + one analysis, nothing else yet
        pipeline_runs.append(pipeline_figures(analysis))
        # What the pipeline embeds: the sentence windows of its chunks (pipelines.passages).
        chunk_texts = [p.text for p in build_passages(analysis.ingest.chunks)]
        raw_runs.append(run_raw(files, chunk_texts, queries, embedder, transcriber))
    best_pipeline = min(pipeline_runs, key=lambda p: p["timings_s"]["total"])
    best_raw = min(raw_runs, key=lambda r: r["total_s"])
    pipeline_ocr = {a["id"]: a["ocr_pages"] for a in best_pipeline["artifacts"]}
    ocr_mismatch = [
        f"{f['role']}: pipeline OCR {pipeline_ocr[f['role']]}, raw OCR {f['ocr_pages']}"
        for f in best_raw["files"]
        if f["kind"] == "pdf"
        and f["role"] in pipeline_ocr
        and pipeline_ocr[f["role"]] != f["ocr_pages"]
    ]
    return {
        "submission": folder.name,
        "folder": str(folder),
        "repeats": repeats,
        "model_load": loads,
        "pipeline": best_pipeline,
        "raw": best_raw,
        "ratio": ratios(best_pipeline["timings_s"], best_raw),
        "not_in_raw_s": not_in_raw(files),
        "peak_mb": peak,
        "peak_mb_end": peak_mb(),
        "ocr_page_mismatch": ocr_mismatch,
        "runs": {
            "pipeline_total_s": [p["timings_s"]["total"] for p in pipeline_runs],
            "raw_total_s": [r["total_s"] for r in raw_runs],
        },
    }


# ---------------------------------------------------------------------------
# the whole dev set (parent process)
# ---------------------------------------------------------------------------
def spawn_one(folder: Path, repeats: int) -> dict[str, Any]:
    """Measure one submission in a fresh interpreter; returns its JSON figures."""
    command = [sys.executable, str(Path(__file__).resolve()), "--one", str(folder)]
    command += ["--repeats", str(repeats)]
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, check=False)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{folder.name}: child exited {proc.returncode}\n{proc.stderr}")
    result = json.loads(lines[-1])
    result["process_wall_s"] = r3(time.perf_counter() - started)
    return result


def table(results: list[dict[str, Any]]) -> str:
    """The printed summary: one row per submission, then the sums."""
    head = ["submission", "total s", *(f"{s} s" for s in STAGES), "raw s", "ratio", "peak MB"]
    rows = []
    for r in results:
        t = r["pipeline"]["timings_s"]
        rows.append(
            [
                r["submission"],
                f"{t['total']:.2f}",
                *(f"{t[s]:.2f}" for s in STAGES),
                f"{r['raw']['total_s']:.2f}",
                f"{r['ratio']['total']:.2f}",
                f"{r['peak_mb']:.0f}",
            ]
        )
    total = sum(r["pipeline"]["timings_s"]["total"] for r in results)
    raw = sum(r["raw"]["total_s"] for r in results)
    stage_sums = [sum(r["pipeline"]["timings_s"][s] for r in results) for s in STAGES]
    rows.append(
        [
            "all",
            f"{total:.2f}",
            *(f"{x:.2f}" for x in stage_sums),
            f"{raw:.2f}",
            f"{total / raw:.2f}",
            f"{max(r['peak_mb'] for r in results):.0f}",
        ]
    )
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{widths[0]}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    lines = [fmt.format(*head)] + [fmt.format(*row) for row in rows]
    return "\n".join(lines)


def detail_lines(results: list[dict[str, Any]]) -> list[str]:
    """Per submission: model loads, raw split, stage ratios, calls not in raw, checks."""
    out = []
    for r in results:
        load, raw, ratio = r["model_load"], r["raw"], r["ratio"]
        out.append(
            f"{r['submission']}: load embedder {load['embedder_s']:.2f} s, transcriber "
            f"{load['transcriber_s']:.2f} s, warm-up {load['warm_s']:.2f} s | raw extraction "
            f"{raw['extraction_s']:.2f} s, embed {raw['chunks']} chunks "
            f"{raw['embed_chunks_s']:.2f} s + {raw['queries']} queries "
            f"{raw['embed_queries_s']:.2f} s | ingest/extraction {ratio['ingest_vs_extraction']}"
            f", embed_index/chunks {ratio['embed_index_vs_embed_chunks']}, match/queries "
            f"{ratio['match_vs_embed_queries']} | not in raw: ffprobe "
            f"{r['not_in_raw_s']['ffprobe_s']:.2f} s, sha256 {r['not_in_raw_s']['sha256_s']:.3f}"
            " s"
        )
        out.extend(f"  OCR pages differ: {m}" for m in r["ocr_page_mismatch"])
    return out


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The dev-set figures checked against the targets."""
    total = sum(r["pipeline"]["timings_s"]["total"] for r in results)
    raw = sum(r["raw"]["total_s"] for r in results)
    peak = max(r["peak_mb"] for r in results)
    return {
        "pipeline_total_s": r3(total),
        "raw_total_s": r3(raw),
        "ratio": round(total / raw, 3),
        "ratio_target": TARGET_RATIO,
        "ratio_ok": total / raw <= TARGET_RATIO,
        "over_target": [r["submission"] for r in results if r["ratio"]["total"] > TARGET_RATIO],
        "peak_mb": peak,
        "memory_limit_mb": MEMORY_LIMIT_MB,
        "memory_ok": peak < MEMORY_LIMIT_MB,
    }


def environment() -> dict[str, Any]:
    """Machine and library versions, for comparing runs."""
    from importlib.metadata import version

    libs = [
        "pymupdf",
        "python-docx",
        "python-pptx",
        "faster-whisper",
        "ctranslate2",
        "sentence-transformers",
        "torch",
    ]
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "libraries": {name: version(name) for name in libs},
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=DEFAULT_DEVSET)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--repeats", type=int, default=1, help="runs per submission (best)")
    parser.add_argument("--one", type=Path, help="measure one submission folder, print JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """``--one``: measure a folder in-process; otherwise spawn one child per submission."""
    args = parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.one, max(1, args.repeats))))
        return 0
    folders = sorted(p.parent for p in args.devset.glob("*/submission.yaml"))
    if not folders:
        print(f"no submission folders under {args.devset}", file=sys.stderr)
        return 1
    results = []
    for folder in folders:
        print(f"measuring {folder.name} ...", file=sys.stderr, flush=True)
        results.append(spawn_one(folder, max(1, args.repeats)))
    print(table(results))
    print("\n".join(detail_lines(results)))
    totals = summary(results)
    print(
        f"ratio {totals['ratio']:.2f} (target ≤ {TARGET_RATIO}: "
        f"{'ok' if totals['ratio_ok'] else 'MISSED'}), peak {totals['peak_mb']:.0f} MB "
        f"(limit {MEMORY_LIMIT_MB} MB: {'ok' if totals['memory_ok'] else 'MISSED'})"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    document = {"summary": totals, "environment": environment(), "submissions": results}
    args.out.write_text(json.dumps(document, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
