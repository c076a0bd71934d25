"""Analyse every dev-set submission and score the reports against the gold labels.

Run from the project root::

    .venv/bin/python bench/eval_devset.py [--devset ../shared/devset]
                                          [--out bench/results/eval]
                                          [--cache DIR] [--verbose]

For each submission folder of the dev set that holds a ``gold.yaml`` the script
loads the submission, its rubric (``RubricCatalog().get(submission.credential)``)
and the bundled embedder (loaded once), runs ``analyze_submission`` and writes the
report (``report.to_json_dict()``, the contract document) to ``<out>/<name>.json``.
It then runs the shared scorer::

    python ../shared/eval/score.py --all <out> <devset>  (-q, or --verbose for every detail)

and prints its output. The scorer's last line is the headline::

    SCORE hit1=… hit3=… abstain=… found=… selfcheck=… betterloc=… parts=…

Extraction results are cached in ``--cache`` (a temp dir, dropped at the end, when
not given) and FAISS indexes in a temp dir, so a run always reads every file once.
A submission whose analysis fails is reported on stderr and gets no report (the
scorer counts it as empty). The script exits 0 whatever the scores.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse
import json
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from models.embedder import Embedder, get_embedder
from models.options import ExtractionOptions
from pipelines.analysis import analyze_submission
from pipelines.rubric_catalog import RubricCatalog
from pipelines.submission import load_submission

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEVSET = PROJECT_ROOT.parent / "shared" / "devset"
DEFAULT_OUT = PROJECT_ROOT / "bench" / "results" / "eval"
SCORER = PROJECT_ROOT.parent / "shared" / "eval" / "score.py"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=DEFAULT_DEVSET)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the reports")
    parser.add_argument("--cache", type=Path, default=None, help="extraction cache folder")
    parser.add_argument("--scorer", type=Path, default=SCORER, help="path of score.py")
    parser.add_argument("--verbose", action="store_true", help="print the per-detail log")
    return parser.parse_args(argv)


def gold_folders(devset: Path) -> list[Path]:
    """The dev set's submission folders that hold a ``gold.yaml``, by name."""
    return sorted(p.parent for p in devset.glob("*/gold.yaml"))


def analyze_folder(
    folder: Path,
    catalog: RubricCatalog,
    embedder: Embedder,
    options: ExtractionOptions,
    index_root: Path,
) -> dict:
    """Analyse one submission folder; return the report as its JSON document."""
    submission = load_submission(folder)
    rubric = catalog.get(submission.credential)
    analysis = analyze_submission(submission, rubric, options, embedder, index_root=index_root)
    return analysis.report.to_json_dict()


def write_reports(folders: list[Path], out: Path, cache_dir: Path, index_root: Path) -> list[Path]:
    """Analyse every folder and write ``<out>/<name>.json``; returns the reports written."""
    out.mkdir(parents=True, exist_ok=True)
    catalog = RubricCatalog()
    started = time.perf_counter()
    embedder = get_embedder()
    print(f"embedder loaded in {time.perf_counter() - started:.1f} s", flush=True)
    options = ExtractionOptions(cache_dir=cache_dir)
    written = []
    for folder in folders:
        target = out / f"{folder.name}.json"
        target.unlink(missing_ok=True)  # a stale report must not be scored
        started = time.perf_counter()
        try:
            report = analyze_folder(folder, catalog, embedder, options, index_root)
        except Exception:
            print(f"{folder.name}: analysis failed\n{traceback.format_exc()}", file=sys.stderr)
            continue
        target.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        written.append(target)
        print(f"{folder.name}: {time.perf_counter() - started:.1f} s -> {target}", flush=True)
    return written


def run_scorer(scorer: Path, out: Path, devset: Path, verbose: bool) -> str:
    """Run ``score.py --all out devset`` with this interpreter; return what it printed."""
    command = [sys.executable, str(scorer), "--all", str(out), str(devset)]
    if not verbose:
        command.append("-q")
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f"score.py exited {proc.returncode}:\n{proc.stderr}", file=sys.stderr)
    return proc.stdout


def main(argv: list[str] | None = None) -> int:
    """Write every report, score them and print the scorer's output."""
    args = parse_args(argv)
    folders = gold_folders(args.devset)
    if not folders:
        print(f"no submission folders with gold.yaml under {args.devset}", file=sys.stderr)
        return 0
    with tempfile.TemporaryDirectory(prefix="evreview-eval-") as tmp:
        cache_dir = args.cache or Path(tmp) / "cache"
        write_reports(folders, args.out, cache_dir, Path(tmp) / "index")
    print(run_scorer(args.scorer, args.out, args.devset, args.verbose), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
