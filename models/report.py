"""The analysis report (``shared/contract/ANALYSIS-REPORT.md``, schema ``evreview.analysis/1``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.records import ArtifactSummary

SCHEMA = "evreview.analysis/1"
Status = Literal["evidence_found", "weak_evidence", "no_evidence"]
Verdict = Literal["supported", "not_supported", "invalid_reference"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReportSuggestion(_Model):
    artifact: str
    page: int | None
    start_s: float | None
    end_s: float | None
    score: float = Field(ge=0, le=1)
    # The ranker's probability, which orders the suggestions (added field): ``score`` is the
    # judge's, from the rubric alone, and decides the status.
    rank_score: float | None = Field(default=None, ge=0, le=1)
    snippet: str
    note: str
    box: dict[str, float] | None = None
    # Who wrote ``note``: the extractive notes, or a language model (then with the exact
    # prompt sent, the model's raw answer and the model's name); ``note_error`` says why a
    # model note was asked for but the extractive note kept.
    note_source: Literal["llm", "extractive"] = "extractive"
    note_prompt: str | None = None
    note_answer: str | None = None
    note_model: str | None = None
    note_error: str | None = None


class Location(_Model):
    artifact: str
    page: int | None
    start_s: float | None
    end_s: float | None
    raw: str | None = None
    last_page: int | None = None


class SelfAnalysisResult(_Model):
    cited: Location
    verdict: Verdict
    better_location: Location | None
    reason: str | None = None


class DetailResult(_Model):
    id: str
    outcome: str
    title: str
    status: Status
    suggestions: list[ReportSuggestion]
    self_analysis: SelfAnalysisResult | None


class PartResult(_Model):
    words: int
    minimum: int
    meets_minimum: bool
    file: str | None = None
    error: str | None = None


class ContractArtifact(_Model):
    id: str
    file: str
    kind: str | None
    pages: int | None
    duration_s: float | None
    chunks: int
    ocr_pages: list[int]
    error: str | None

    @classmethod
    def of(cls, summary: ArtifactSummary) -> ContractArtifact:
        return cls(**summary.model_dump(exclude={"warnings"}))


class AnalysisReport(_Model):
    schema_: str = Field(default=SCHEMA, alias="schema")
    submission: dict[str, str | None]
    rubric: dict[str, str]
    artifacts: list[ContractArtifact]
    details: list[DetailResult]
    parts: dict[str, PartResult]
    timings_s: dict[str, float]

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def to_json_dict(self) -> dict:
        """The contract document."""
        return self.model_dump(by_alias=True)
