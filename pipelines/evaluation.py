"""Evaluate analysis reports against labelled evidence (``gold.yaml``), overall and per detail.

The figures follow the definitions the project is measured by:

- hit@1 / hit@3: details with gold places; one of the first 1 / 3 suggestions matches a gold
  place (same artifact and page; or, in a recording, a suggestion of at most 90 s that
  overlaps the gold range widened by 10 s on each side);
- found: details with gold places not reported ``no_evidence``;
- abstain: details whose gold list is empty reported ``no_evidence``;
- selfcheck: self-analysis entries whose verdict matches the gold verdict;
- betterloc: gold ``not_supported`` entries with a correct place that ``better_location`` hits;
- parts: written parts whose ``meets_minimum`` matches and whose word count is within 3 %.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TOLERANCE_S = 10.0
MAX_SPAN_S = 90.0
METRICS = ("hit1", "hit3", "found", "abstain", "selfcheck", "betterloc", "parts")


@dataclass
class Tally:
    """Hits over cases for each metric."""

    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))
    cases: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))

    def add(self, metric: str, ok: bool) -> None:
        self.cases[metric] += 1
        self.hits[metric] += int(ok)

    def merge(self, other: Tally) -> None:
        for m in METRICS:
            self.hits[m] += other.hits[m]
            self.cases[m] += other.cases[m]

    def value(self, metric: str) -> float | None:
        """The share of hits, or None when there is no case."""
        return self.hits[metric] / self.cases[metric] if self.cases[metric] else None


@dataclass
class Evaluation:
    """Figures overall and per detail, with the number of cases behind each."""

    overall: Tally = field(default_factory=Tally)
    per_detail: dict[str, Tally] = field(default_factory=dict)
    per_kind: dict[str, Tally] = field(default_factory=dict)
    submissions: list[str] = field(default_factory=list)

    def detail(self, detail_id: str) -> Tally:
        return self.per_detail.setdefault(detail_id, Tally())

    def kind(self, kind: str) -> Tally:
        """Figures of the details whose labelled evidence lies in one kind of place."""
        return self.per_kind.setdefault(kind, Tally())


PLACE_KINDS = ("text page", "OCR page", "recording")


def place_kind(place: tuple, ocr_pages: set[tuple[str, int]]) -> str:
    """A labelled place's kind: a recording, a page read by OCR, or a page with text."""
    if place[0] == "time":
        return "recording"
    return "OCR page" if (place[1], place[2]) in ocr_pages else "text page"


def _place(loc: Any) -> tuple | None:
    if not isinstance(loc, dict) or not loc.get("artifact"):
        return None
    if isinstance(loc.get("page"), int):
        return ("page", str(loc["artifact"]), loc["page"])
    times = [
        float(t) for t in (loc.get("start_s"), loc.get("end_s")) if isinstance(t, (int, float))
    ]
    if not times:
        return None
    first, last = times[0], times[-1]
    if last - first > MAX_SPAN_S:
        return None
    return ("time", str(loc["artifact"]), first, last)


def _gold_place(g: dict) -> tuple:
    if g.get("page") is not None:
        return ("page", str(g["artifact"]), int(g["page"]))
    return ("time", str(g["artifact"]), float(g["start_s"]), float(g["end_s"]))


def _matches(place: tuple | None, gold: tuple) -> bool:
    if place is None or place[0] != gold[0] or place[1] != gold[1]:
        return False
    if gold[0] == "page":
        return place[2] == gold[2]
    return place[2] <= gold[3] + TOLERANCE_S and place[3] >= gold[2] - TOLERANCE_S


def evaluate_report(report: dict, gold: dict, evaluation: Evaluation) -> None:
    """Add one submission's report to an evaluation."""
    details = {d.get("id"): d for d in report.get("details") or [] if isinstance(d, dict)}
    ocr_pages = {
        (str(a.get("id")), int(p))
        for a in report.get("artifacts") or []
        if isinstance(a, dict)
        for p in a.get("ocr_pages") or []
    }
    for detail_id, gold_places in (gold.get("details") or {}).items():
        entry = details.get(detail_id, {})
        status = entry.get("status")
        per = evaluation.detail(detail_id)
        places = [_gold_place(g) for g in gold_places or []]
        kinds = [evaluation.kind(k) for k in sorted({place_kind(g, ocr_pages) for g in places})]
        top = [_place(s) for s in (entry.get("suggestions") or [])[:3]]
        for tally in (evaluation.overall, per, *kinds):
            if places:
                tally.add("hit1", bool(top) and any(_matches(top[0], g) for g in places))
                tally.add("hit3", any(_matches(t, g) for t in top for g in places))
                tally.add("found", status in ("evidence_found", "weak_evidence"))
            else:
                tally.add("abstain", status == "no_evidence")
    for g in gold.get("self_analysis") or []:
        entry = details.get(g.get("detail"), {})
        sa = entry.get("self_analysis") if isinstance(entry, dict) else None
        verdict = sa.get("verdict") if isinstance(sa, dict) else None
        per = evaluation.detail(g.get("detail", "?"))
        correct = g.get("correct")
        for tally in (evaluation.overall, per):
            tally.add("selfcheck", verdict == g.get("verdict"))
            if g.get("verdict") == "not_supported" and correct:
                options = correct if isinstance(correct, list) else [correct]
                better = _place(sa.get("better_location")) if isinstance(sa, dict) else None
                tally.add("betterloc", any(_matches(better, _gold_place(c)) for c in options))
    parts = report.get("parts") or {}
    for name, g in (gold.get("parts") or {}).items():
        p = parts.get(name) or {}
        words = p.get("words")
        ok = (
            isinstance(words, int)
            and abs(words - g["words"]) <= 0.03 * g["words"]
            and p.get("meets_minimum") == g["meets_minimum"]
        )
        evaluation.overall.add("parts", ok)


def gold_sets(folder: Path) -> list[Path]:
    """Submission folders holding a gold.yaml: the folder itself, or its children."""
    if (folder / "gold.yaml").is_file():
        return [folder]
    return sorted(p for p in folder.iterdir() if (p / "gold.yaml").is_file())


def load_gold(folder: Path) -> dict:
    """The gold labels of a submission folder."""
    return yaml.safe_load((folder / "gold.yaml").read_text(encoding="utf-8"))
