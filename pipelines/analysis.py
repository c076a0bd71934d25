"""From a submission folder to the analysis report: ingest, embed + index, match, check, report."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from models.embedder import Embedder
from models.options import ExtractionOptions, LlmOptions
from models.report import (
    AnalysisReport,
    ContractArtifact,
    DetailResult,
    Location,
    PartResult,
    ReportSuggestion,
    SelfAnalysisResult,
)
from models.rubric import Rubric, Thresholds
from models.scoring import ScoringModel
from models.submission import Submission
from pipelines.ingest import IngestResult, ProgressCallback, ingest_submission
from pipelines.llm_notes import LlmNotes, llm_notes
from pipelines.matching import DetailMatch, EvidenceMatcher, PlaceSuggestion, SubmissionFeatures
from pipelines.notes import proficiency_note
from pipelines.selfcheck import CitationVerdict, check_detail

SNIPPET_CHARS = 400


@dataclass
class Analysis:
    """A finished analysis: the report and what it was made from."""

    report: AnalysisReport
    ingest: IngestResult
    matches: list[DetailMatch]


def _snippet(text: str) -> str:
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _suggestion(
    match: DetailMatch, s: PlaceSuggestion, thresholds: Thresholds, notes: LlmNotes | None = None
) -> ReportSuggestion:
    text = s.text
    suggestion = ReportSuggestion(
        artifact=s.artifact,
        page=s.page,
        start_s=round(s.start_s, 2) if s.start_s is not None else None,
        end_s=round(s.end_s, 2) if s.end_s is not None else None,
        score=round(s.score, 3),
        rank_score=round(s.rank_score, 3),
        snippet=_snippet(text),
        note=proficiency_note(match.detail, s.best, thresholds),
        box=s.box.model_dump() if s.box else None,
    )
    return notes.apply(suggestion, match.detail, s, text, thresholds) if notes else suggestion


def _place(s: PlaceSuggestion) -> Location:
    return Location(
        artifact=s.artifact,
        page=s.page,
        start_s=round(s.start_s, 2) if s.start_s is not None else None,
        end_s=round(s.end_s, 2) if s.end_s is not None else None,
    )


def _self_analysis(v: CitationVerdict | None) -> SelfAnalysisResult | None:
    if v is None:
        return None
    c = v.cited
    return SelfAnalysisResult(
        cited=Location(
            artifact=c.artifact,
            page=c.page,
            start_s=c.start_s,
            end_s=c.end_s,
            raw=c.raw,
            last_page=c.last_page,
        ),
        verdict=v.verdict,  # type: ignore[arg-type]
        better_location=_place(v.better_location) if v.better_location else None,
        reason=v.reason,
    )


def analyze_submission(
    submission: Submission,
    rubric: Rubric,
    options: ExtractionOptions,
    embedder: Embedder,
    index_root: Path | None,
    on_event: ProgressCallback | None = None,
    model: ScoringModel | None = None,
    llm: LlmOptions | None = None,
) -> Analysis:
    """Analyse a loaded submission against a rubric; every stage is timed. With ``llm``,
    proficiency notes are written by that language model (``pipelines.llm_notes``)."""
    started = time.perf_counter()
    ingest = ingest_submission(submission, options, on_event)
    ingest_s = time.perf_counter() - started
    return analyze_ingested(
        ingest, rubric, embedder, index_root, model, {"ingest": ingest_s}, llm=llm
    )


def analyze_ingested(
    ingest: IngestResult,
    rubric: Rubric,
    embedder: Embedder,
    index_root: Path | None,
    model: ScoringModel | None = None,
    timings: dict[str, float] | None = None,
    llm: LlmOptions | None = None,
    features: SubmissionFeatures | None = None,
) -> Analysis:
    """Match, check citations and build the report from an ingestion already done
    (in one process, or artifact by artifact across workers)."""
    timings = dict(timings or {})
    t0 = time.perf_counter() - sum(timings.values())
    submission = ingest.submission

    chunks = ingest.chunks
    matcher = EvidenceMatcher(rubric, embedder, model)
    t = time.perf_counter()
    if features is None:
        features = matcher.features(chunks, submission.self_analysis, index_root)
    timings["embed_index"] = time.perf_counter() - t

    t = time.perf_counter()
    matches = matcher.match(chunks, submission.self_analysis, index_root, features)
    timings["match"] = time.perf_counter() - t

    t = time.perf_counter()
    summaries = {a.summary.id: a.summary for a in ingest.artifacts}
    by_detail: dict[str, list] = {}
    for entry in submission.self_analysis:
        by_detail.setdefault(entry.detail, []).append(entry)
    with llm_notes(llm, rubric, submission.candidate, chunks) as notes:
        details = [
            DetailResult(
                id=m.detail.id,
                outcome=m.outcome_id,
                title=m.detail.title,
                status=m.status,  # type: ignore[arg-type]
                suggestions=[
                    _suggestion(m, s, rubric.thresholds_for(m.detail), notes) for s in m.suggestions
                ],
                self_analysis=_self_analysis(
                    check_detail(
                        by_detail.get(m.detail.id, []),
                        m,
                        summaries,
                        rubric.thresholds_for(m.detail),
                    )
                ),
            )
            for m in matches
        ]
        if notes is not None:
            timings["notes"] = notes.elapsed_s
    parts = {}
    for name, rule in rubric.parts.items():
        part = ingest.parts.get(name)
        words = part.words if part else 0
        parts[name] = PartResult(
            words=words,
            minimum=rule.minimum_words,
            meets_minimum=part is not None and part.error is None and words >= rule.minimum_words,
            file=part.file if part else None,
            error=part.error if part else "not submitted",
        )
    timings["report"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    report = AnalysisReport(
        submission={"credential": submission.credential, "candidate": submission.candidate},
        rubric={"id": rubric.id, "version": rubric.version},
        artifacts=[ContractArtifact.of(a.summary) for a in ingest.artifacts],
        details=details,
        parts=parts,
        timings_s={k: round(v, 3) for k, v in timings.items()},
    )
    return Analysis(report=report, ingest=ingest, matches=matches)
