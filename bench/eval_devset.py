"""Evidence matching on the dev set, out of sample: per half, per kind of place, ablations.

Run from the project root (``make eval``)::

    .venv/bin/python bench/eval_devset.py [--devset ../shared/devset] [--cache DIR]
        [--out bench/results/eval] [--no-ablation] [--write-model]

Every submission is read once (extraction cached in ``--cache``) and its features are
computed once. Then, for each submission in turn, the combiner and the weak threshold
are fitted on the other five only (``pipelines.out_of_sample``) and the held-out report
is written to ``<out>/oos/<name>.json``. Figures are printed for d01-d03, d04-d06 and
all six, overall and by kind of place (text page, OCR page, recording), then one row
per ablation (a signal or stage removed, refitted and scored out of sample the same
way). The in-sample figures of the model fitted on all six stand last, labelled as such.

``--write-model`` writes the model fitted on all six to ``rubrics/scoring/default.json``
and prints the thresholds proposed out of sample for it (``evreview calibrate`` prints
the same). The shared scorer (``../shared/eval/score.py``) is run on the out-of-sample
reports and its headline printed, so the figures can be checked independently.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from models.embedder import get_embedder
from models.options import ExtractionOptions, MatchingOptions
from models.rubric import Rubric
from pipelines.analysis import analyze_ingested
from pipelines.evaluation import METRICS, PLACE_KINDS, Evaluation, evaluate_report, load_gold
from pipelines.ingest import IngestResult, ingest_submission
from pipelines.matching import EvidenceMatcher
from pipelines.out_of_sample import (
    Fitter,
    LabelledSubmission,
    fitter,
    folds,
    proposal_over_all,
    with_thresholds,
)
from pipelines.place_features import ABSOLUTE_FEATURES, ALL_FEATURES, POINTER_FEATURES
from pipelines.rubric_catalog import RubricCatalog
from pipelines.submission import load_submission

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEVSET = PROJECT_ROOT.parent / "shared" / "devset"
DEFAULT_OUT = PROJECT_ROOT / "bench" / "results" / "eval"
DEFAULT_CACHE = PROJECT_ROOT / ".cache" / "eval-extraction"
MODEL_PATH = PROJECT_ROOT / "rubrics" / "scoring" / "default.json"
SCORER = PROJECT_ROOT.parent / "shared" / "eval" / "score.py"
EASY, HARD = ("d01", "d02", "d03"), ("d04", "d05", "d06")


def _without(names: tuple[str, ...], drop: set[str]) -> tuple[str, ...]:
    return tuple(n for n in names if n not in drop)


# Each signal removed in turn: from the ranker and the judge alike.
FEATURE_ABLATIONS: dict[str, set[str]] = {
    "candidate's explanation and citation": set(POINTER_FEATURES),
    "citation only (explanation kept)": {"cited"},
    "standing relative to the submission": {
        "dense_z",
        "dense_gap",
        "dense_specific",
        "lexical_z",
        "explain_z",
        "explain_lexical_z",
    },
    "lexical (BM25 and look-for word coverage)": {"lexical_z", "explain_lexical_z", "coverage"},
    "share of windows that cannot be evidence (feature)": {"non_body"},
    "intention and placeholder shares (features)": {"intention", "placeholder"},
}


@dataclass
class Loaded:
    """A dev-set submission read and labelled."""

    name: str
    ingest: IngestResult
    gold: dict


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=DEFAULT_DEVSET)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--scorer", type=Path, default=SCORER)
    parser.add_argument("--no-ablation", action="store_true")
    parser.add_argument("--write-model", action="store_true")
    return parser.parse_args(argv)


def load_all(devset: Path, cache: Path) -> list[Loaded]:
    """Every dev-set folder with a gold.yaml, ingested (extraction cached)."""
    options = ExtractionOptions(cache_dir=cache)
    out = []
    for gold_file in sorted(devset.glob("*/gold.yaml")):
        folder = gold_file.parent
        started = time.perf_counter()
        ingest = ingest_submission(load_submission(folder), options)
        out.append(Loaded(folder.name, ingest, load_gold(folder)))
        print(f"{folder.name}: read in {time.perf_counter() - started:.1f} s", flush=True)
    return out


def labelled(loaded: list[Loaded], matcher: EvidenceMatcher) -> list[LabelledSubmission]:
    """Features of every submission (no label is used to compute them)."""
    return [
        LabelledSubmission(
            item.name,
            matcher.features(item.ingest.chunks, item.ingest.submission.self_analysis),
            item.gold,
        )
        for item in loaded
    ]


def oos_reports(
    loaded: list[Loaded],
    subs: list[LabelledSubmission],
    rubric: Rubric,
    matcher: EvidenceMatcher,
    fit: Fitter | None = None,
) -> dict[str, dict]:
    """The report of every submission, from a model and thresholds fitted without it."""
    reports = {}
    for item, sub, fold in zip(loaded, subs, folds(subs, rubric, fit), strict=True):
        fold_rubric = with_thresholds(rubric, fold.thresholds)
        analysis = analyze_ingested(
            item.ingest, fold_rubric, matcher.embedder, None, fold.model, features=sub.features
        )
        reports[item.name] = analysis.report.to_json_dict()
    return reports


def figures(reports: dict[str, dict], loaded: list[Loaded]) -> dict[str, Evaluation]:
    """Evaluations of d01-d03, d04-d06 and all six."""
    out = {"d01-d03": Evaluation(), "d04-d06": Evaluation(), "all six": Evaluation()}
    for item in loaded:
        half = "d01-d03" if item.name in EASY else "d04-d06"
        for key in (half, "all six"):
            evaluate_report(reports[item.name], item.gold, out[key])
    return out


def _fmt(v: float | None) -> str:
    return "  -  " if v is None else f"{v:.3f}"


def print_table(title: str, evals: dict[str, Evaluation]) -> None:
    """One row per half: every metric, then hit@3 by kind of place."""
    print(f"\n{title}")
    head = " | ".join(f"{m:>9}" for m in METRICS)
    print(f"| {'set':8} | {head} |")
    for name, ev in evals.items():
        row = " | ".join(f"{_fmt(ev.overall.value(m)):>9}" for m in METRICS)
        print(f"| {name:8} | {row} |")
    print("by kind of place (hit@1 / hit@3 / found, with the number of details):")
    for name, ev in evals.items():
        cells = []
        for kind in PLACE_KINDS:
            t = ev.per_kind.get(kind)
            if t is None or not t.cases["hit3"]:
                cells.append(f"{kind}: -")
                continue
            vals = "/".join(_fmt(t.value(m)) for m in ("hit1", "hit3", "found"))
            cells.append(f"{kind}: {vals} (n={t.cases['hit3']})")
        print(f"  {name:8} " + "; ".join(cells))


def summary(evals: dict[str, Evaluation]) -> dict:
    """The figures as JSON: per half, overall and per kind, with counts."""

    def tally(t):
        return {m: {"value": t.value(m), "hits": t.hits[m], "cases": t.cases[m]} for m in METRICS}

    return {
        name: {
            "overall": tally(ev.overall),
            "per_kind": {k: tally(v) for k, v in ev.per_kind.items()},
        }
        for name, ev in evals.items()
    }


def ablation_row(name: str, evals: dict[str, Evaluation]) -> str:
    cells = []
    for half in ("d01-d03", "d04-d06"):
        t = evals[half].overall
        cells.append(
            " | ".join(_fmt(t.value(m)) for m in ("hit1", "hit3", "found", "abstain", "selfcheck"))
        )
    return f"| {name[:46]:46} | {cells[0]} | {cells[1]} |"


def run_scorer(scorer: Path, folder: Path, devset: Path) -> str:
    """The shared scorer's headline on a folder of reports."""
    if not scorer.is_file():
        return "(shared scorer not found)"
    proc = subprocess.run(
        [sys.executable, str(scorer), "--all", str(folder), str(devset), "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr


def main(argv: list[str] | None = None) -> int:
    """Figures out of sample, the ablation table and the in-sample figures."""
    args = parse_args(argv)
    loaded = load_all(args.devset, args.cache)
    if len(loaded) < 3:
        print(f"need at least 3 labelled submissions under {args.devset}", file=sys.stderr)
        return 1
    rubric = RubricCatalog().get(loaded[0].ingest.submission.credential)
    embedder = get_embedder()
    matcher = EvidenceMatcher(rubric, embedder)
    started = time.perf_counter()
    subs = labelled(loaded, matcher)
    print(f"features of {len(subs)} submissions in {time.perf_counter() - started:.1f} s")

    results: dict = {
        "rubric": f"{rubric.id}@{rubric.version}",
        "submissions": [s.name for s in subs],
    }
    reports = oos_reports(loaded, subs, rubric, matcher)
    oos_dir = args.out / "oos"
    oos_dir.mkdir(parents=True, exist_ok=True)
    for name, report in reports.items():
        (oos_dir / f"{name}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    evals = figures(reports, loaded)
    print_table(
        "OUT OF SAMPLE (fit on five submissions, score the sixth, all six rotations)", evals
    )
    print(
        "shared scorer on the out-of-sample reports:", run_scorer(args.scorer, oos_dir, args.devset)
    )
    results["out_of_sample"] = summary(evals)

    if not args.no_ablation:
        print(
            "\nABLATION, out of sample "
            "(d01-d03: hit1 | hit3 | found | abstain | selfcheck, then d04-d06)"
        )
        rows = {"full method": evals}
        for name, drop in FEATURE_ABLATIONS.items():
            fit = fitter(_without(ALL_FEATURES, drop), _without(ABSOLUTE_FEATURES, drop))
            rows[f"without {name}"] = figures(
                oos_reports(loaded, subs, rubric, matcher, fit), loaded
            )
        # Stages: features recomputed without them, then refitted out of sample.
        stages: dict[str, tuple[Rubric, MatchingOptions]] = {
            "without example evidence statements": (_without_examples(rubric), MatchingOptions()),
            "without sentence windows (whole chunks)": (
                rubric,
                MatchingOptions(sentence_windows=False),
            ),
            "without layout roles (all blocks body)": (rubric, MatchingOptions(layout_roles=False)),
            "without the gate (plans, definitions, blanks scored)": (
                rubric,
                MatchingOptions(assertion_gate=False),
            ),
        }
        for name, (plain, options) in stages.items():
            plain_matcher = EvidenceMatcher(plain, embedder, options=options)
            plain_subs = labelled(loaded, plain_matcher)
            rows[name] = figures(oos_reports(loaded, plain_subs, plain, plain_matcher), loaded)
        for name, ev in rows.items():
            print(ablation_row(name, ev))
        results["ablation"] = {name: summary(ev) for name, ev in rows.items()}

    model, thresholds, _cases = proposal_over_all(subs, rubric)
    shipped = with_thresholds(rubric, thresholds)
    in_sample = {
        item.name: analyze_ingested(
            item.ingest, shipped, embedder, None, model, features=sub.features
        ).report.to_json_dict()
        for item, sub in zip(loaded, subs, strict=True)
    }
    print_table(
        "IN SAMPLE (model fitted on all six, thresholds proposed out of sample) — not evidence",
        figures(in_sample, loaded),
    )
    results["in_sample"] = summary(figures(in_sample, loaded))
    results["proposed_thresholds"] = {"weak": thresholds.weak, "evidence": thresholds.evidence}
    print(
        f"\nthresholds proposed out of sample over all six: weak {thresholds.weak}, "
        f"evidence {thresholds.evidence}"
    )
    if args.write_model:
        MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
        MODEL_PATH.write_text(model.model_dump_json(indent=1) + "\n")
        print(f"wrote {MODEL_PATH.relative_to(PROJECT_ROOT)}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "figures.json").write_text(json.dumps(results, indent=1))
    return 0


def _without_examples(rubric: Rubric) -> Rubric:
    outcomes = [
        o.model_copy(update={"details": [d.model_copy(update={"examples": []}) for d in o.details]})
        for o in rubric.outcomes
    ]
    return rubric.model_copy(update={"outcomes": outcomes})


if __name__ == "__main__":
    sys.exit(main())
