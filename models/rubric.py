"""Rubric records and their strict schema (``rubrics/*.yaml``)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_DETAIL_ID = re.compile(r"^[A-Za-z]+\d+(\.\d+)+$")
# What a proficiency-note template (Jinja) may use; see ``pipelines.llm_notes``.
NOTE_TEMPLATE_VARIABLES = frozenset(
    {"detail", "passage", "place", "look_fors_shown", "status", "score", "ocr"}
)


def _check_note_template(v: str | None) -> str | None:
    """A note template must be valid Jinja and use only the variables notes provide."""
    if v is None:
        return v
    import jinja2
    from jinja2 import meta

    try:
        ast = jinja2.Environment().parse(v)
    except jinja2.TemplateSyntaxError as e:
        raise ValueError(f"bad template, line {e.lineno}: {e.message}") from None
    unknown = sorted(meta.find_undeclared_variables(ast) - NOTE_TEMPLATE_VARIABLES)
    if unknown:
        known = ", ".join(sorted(NOTE_TEMPLATE_VARIABLES))
        raise ValueError(f"unknown template variable {', '.join(unknown)} (known: {known})")
    return v


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Detail(_Strict):
    """One detail of an essential outcome: what an assessor must see demonstrated."""

    id: str
    title: str
    description: str
    look_fors: list[str] = Field(min_length=1)
    examples: list[str] = Field(
        default_factory=list,
        description=(
            "Example evidence statements: how a portfolio might show this detail, written from "
            "the rubric's meaning."
        ),
    )
    note_template: str | None = Field(
        default=None, description="Jinja prompt for language-model notes (over the rubric's)."
    )
    thresholds: Thresholds | None = Field(
        default=None, description="This detail's own thresholds (over the rubric's)."
    )

    _note_template = field_validator("note_template")(_check_note_template)

    @field_validator("examples")
    @classmethod
    def _examples_not_blank(cls, v: list[str]) -> list[str]:
        for i, example in enumerate(v, start=1):
            if not example.strip():
                raise ValueError(f"example {i} is empty: write a statement or remove the line")
        return v

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not _DETAIL_ID.match(v):
            raise ValueError(f"'{v}' is not a detail id like EO1.1")
        return v


class Outcome(_Strict):
    """An essential outcome (EO) and its details."""

    id: str
    title: str
    description: str = ""
    details: list[Detail] = Field(min_length=1)


class PartRule(_Strict):
    """A written part and its minimum length in words."""

    title: str
    minimum_words: int = Field(ge=0)


class Thresholds(_Strict):
    """Scores at or above ``evidence`` are evidence; at or above ``weak``, weak evidence."""

    evidence: float = Field(ge=0, le=1)
    weak: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _order(self) -> Thresholds:
        if self.weak > self.evidence:
            raise ValueError("weak must not be above evidence")
        return self


class Rubric(_Strict):
    """A micro-credential's rubric: outcomes, details, part minimums and thresholds."""

    id: str
    title: str
    version: str
    overview: str = ""
    decision_rule: str = "every_detail_proficient"
    double_blind: bool = Field(
        default=False, description="Two assessors review without seeing each other's work."
    )
    parts: dict[str, PartRule] = Field(default_factory=dict)
    thresholds: Thresholds
    outcomes: list[Outcome] = Field(min_length=1)
    note_template: str | None = Field(
        default=None, description="Jinja prompt for language-model notes of every detail."
    )

    _note_template = field_validator("note_template")(_check_note_template)

    @model_validator(mode="after")
    def _unique_ids(self) -> Rubric:
        seen: set[str] = set()
        for outcome in self.outcomes:
            for detail in outcome.details:
                if detail.id in seen:
                    raise ValueError(f"duplicate detail id {detail.id}")
                if not detail.id.startswith(outcome.id + "."):
                    raise ValueError(f"detail {detail.id} is not under outcome {outcome.id}")
                seen.add(detail.id)
        return self

    def thresholds_for(self, detail: Detail) -> Thresholds:
        """A detail's own thresholds, or the rubric's."""
        return detail.thresholds or self.thresholds

    @property
    def details(self) -> list[tuple[Outcome, Detail]]:
        """Every detail with its outcome, in rubric order."""
        return [(o, d) for o in self.outcomes for d in o.details]


Detail.model_rebuild()  # its thresholds refer to a class defined below it
