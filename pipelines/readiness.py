"""The candidate's readiness report: what an analysis means for a teacher about to submit.

``build_readiness`` turns an analysis report (``shared/contract/ANALYSIS-REPORT.md``) into
plain-language sections: evidence per detail, each self-analysis citation checked, evidence
not cited, word counts against the minimums, and artifacts that could not be read, plus
what blocks submission. It never carries a score: scores are for ranking passages, and a
number next to a detail reads like a grade.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.report import (
    AnalysisReport,
    ContractArtifact,
    DetailResult,
    Location,
    ReportSuggestion,
    SelfAnalysisResult,
)
from models.rubric import Rubric
from pipelines.locations import HOW_TO
from pipelines.place_features import cited_window

SCHEMA = "evreview.readiness/1"
DISCLAIMER = "Automated guidance, not an assessment decision: a human assessor decides."
DISCLAIMER_MORE = (
    "This report was made by software that reads your portfolio and points to where the "
    "evidence for each detail seems to be. It can miss evidence or mistake it. It does not "
    "score or grade your work; use it to check your submission before you send it."
)
HOW_TO_WRITE = HOW_TO[0].upper() + HOW_TO[1:] + "."

ReadinessStatus = Literal["evidence_found", "weak_evidence", "no_evidence"]
CitationKind = Literal["confirmed", "wrong_place", "broken"]

STATUS_LABEL: dict[str, str] = {
    "evidence_found": "Evidence found",
    "weak_evidence": "Weak evidence",
    "no_evidence": "No evidence found",
}
CITATION_LABEL: dict[str, str] = {
    "confirmed": "Confirmed",
    "wrong_place": "Wrong place",
    "broken": "Cannot be followed",
}


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class Place(_Record):
    """A place in an artifact, said the way a teacher would say it."""

    artifact: str
    title: str = Field(description="The artifact's title from the manifest (or its file name).")
    page: int | None = None
    last_page: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    label: str = Field(description="'page 6', 'slides 3–4', 'at 1:10–1:35'.")
    text: str = Field(description="The label with the artifact: 'page 6 of “Plan” (A1)'.")
    cite_as: str | None = Field(
        default=None, description="How to write this place in the self-analysis: 'p. 6'."
    )


class DetailReadiness(_Record):
    """One rubric detail: is there evidence, where, and what the look-fors ask for."""

    id: str
    title: str
    outcome: str
    outcome_title: str
    description: str
    status: ReadinessStatus
    status_label: str
    status_text: str
    passage: str | None = Field(default=None, description="The best passage (found or weak).")
    place: Place | None = None
    look_fors: list[str] = Field(
        default_factory=list, description="What the look-fors ask for (weak or missing only)."
    )
    cited: bool = False
    blocking: bool = False


class CitationCheck(_Record):
    """One self-analysis citation, checked."""

    detail: str
    detail_title: str
    kind: CitationKind
    kind_label: str
    cited: str = Field(description="The citation as written: 'A1 p. 14'.")
    cited_place: Place | None = None
    message: str
    suggestion: str | None = None
    evidence_place: Place | None = Field(
        default=None, description="Where the evidence for the detail seems to be, if elsewhere."
    )
    short: str = Field(description="A one-line reason, for the list of what blocks submission.")
    blocking: bool = False


class UncitedDetail(_Record):
    """A detail with evidence in the portfolio that the self-analysis does not cite."""

    detail: str
    title: str
    status: ReadinessStatus
    place: Place | None
    message: str


class PartCheck(_Record):
    """A written part's word count against its minimum."""

    name: str
    title: str
    words: int
    minimum: int
    meets: bool
    short_by: int
    file: str | None = None
    problem: str | None = None
    message: str


class UnreadableArtifact(_Record):
    """An artifact that could not be read, and why."""

    artifact: str
    title: str
    file: str
    reason: str


class ReadinessReport(_Record):
    """Everything a candidate needs to know before submitting; never a score."""

    schema_: str = Field(default=SCHEMA, alias="schema")
    candidate: str | None
    credential: str | None
    rubric_id: str
    rubric_title: str
    rubric_version: str
    created: str
    disclaimer: str = DISCLAIMER
    disclaimer_more: str = DISCLAIMER_MORE
    details: list[DetailReadiness]
    citations: list[CitationCheck]
    uncited: list[UncitedDetail]
    parts: list[PartCheck]
    unreadable: list[UnreadableArtifact]
    blocking: list[str]
    warnings: list[str]
    ready: bool

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    @property
    def counts(self) -> dict[str, int]:
        """How many details have evidence, weak evidence or none."""
        out = dict.fromkeys(STATUS_LABEL, 0)
        for d in self.details:
            out[d.status] += 1
        return out

    @property
    def headline(self) -> str:
        """The one-line verdict: what blocks submission, or that nothing does."""
        if self.ready:
            extra = (
                f" ({len(self.warnings)} thing{'s' if len(self.warnings) != 1 else ''} "
                "worth a look)"
                if self.warnings
                else ""
            )
            return f"Ready to submit: nothing blocks submission{extra}."
        n = len(self.blocking)
        problems = "1 problem blocks" if n == 1 else f"{n} problems block"
        return f"Not ready to submit: {problems} submission."

    def to_json_dict(self) -> dict:
        """The JSON form (``schema`` evreview.readiness/1)."""
        return self.model_dump(mode="json", by_alias=True)


# ---------------------------------------------------------------------------- places


def clock(seconds: float, up: bool = False) -> str:
    """m:ss (h:mm:ss past an hour); ``up`` rounds up, for the end of a range."""
    s = math.ceil(seconds) if up else math.floor(seconds)
    h, rest = divmod(max(s, 0), 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


class _Artifacts:
    """Artifact kinds and titles, to name places."""

    def __init__(self, artifacts: list[ContractArtifact], titles: dict[str, str]):
        self.by_id = {a.id: a for a in artifacts}
        self.titles = titles

    def title(self, artifact_id: str) -> str:
        if self.titles.get(artifact_id):
            return self.titles[artifact_id]
        art = self.by_id.get(artifact_id)
        return Path(art.file).name if art else artifact_id

    def named(self, artifact_id: str) -> str:
        """'“Title” (A1)'."""
        return f"“{self.title(artifact_id)}” ({artifact_id})"

    def unit(self, artifact_id: str) -> str:
        art = self.by_id.get(artifact_id)
        return "slide" if art is not None and art.kind == "pptx" else "page"

    def place(
        self,
        artifact_id: str,
        page: int | None,
        start_s: float | None,
        end_s: float | None,
        last_page: int | None = None,
    ) -> Place:
        named = self.named(artifact_id)
        cite_as = None
        if page is not None:
            unit = self.unit(artifact_id)
            if last_page is not None and last_page != page:
                label = f"{unit}s {page}–{last_page}"
                cite_as = f"pp. {page}-{last_page}" if unit == "page" else label.replace("–", "-")
            else:
                label = f"{unit} {page}"
                cite_as = f"p. {page}" if unit == "page" else label
            text = f"{label} of {named}"
        elif start_s is not None:
            if end_s is not None:
                label = f"at {clock(start_s)}–{clock(end_s, up=True)}"
                cite_as = f"{clock(start_s)}-{clock(end_s, up=True)}"
            else:
                label = f"at {clock(start_s)}"
                cite_as = clock(start_s)
            text = f"{named} {label}"
        else:
            label = ""
            text = named
        return Place(
            artifact=artifact_id,
            title=self.title(artifact_id),
            page=page,
            last_page=last_page,
            start_s=start_s,
            end_s=end_s,
            label=label,
            text=text,
            cite_as=cite_as,
        )

    def of(self, loc: Location | ReportSuggestion) -> Place:
        last = loc.last_page if isinstance(loc, Location) else None
        return self.place(loc.artifact, loc.page, loc.start_s, loc.end_s, last)


def _on(place: Place) -> str:
    """'on page 4 of “Plan” (A1)' or 'in “Meeting” (A2) at 1:10–1:35'."""
    return f"on {place.text}" if place.page is not None else f"in {place.text}"


def _seems(status: str, place: Place) -> str:
    """Where the evidence seems to be, saying so when it is only weak."""
    if status == "evidence_found":
        return f"The evidence seems to be {_on(place)}"
    return f"The closest related passage, weak evidence as it stands, is {_on(place)}"


def _covers(cited: Location, s: ReportSuggestion) -> bool:
    """Whether the cited place holds the suggested place."""
    if cited.artifact != s.artifact:
        return False
    if cited.page is not None and s.page is not None:
        return cited.page <= s.page <= (cited.last_page or cited.page)
    if cited.start_s is not None and s.start_s is not None:
        lo, hi = cited_window(cited.start_s, cited.end_s)
        return s.start_s < hi and (s.end_s if s.end_s is not None else s.start_s) > lo
    return False


# --------------------------------------------------------------------------- details


def _look_fors_text(look_fors: list[str]) -> str:
    return "; ".join(look_fors)


def _detail(
    d: DetailResult, rubric: Rubric, arts: _Artifacts, look_fors: list[str], description: str
) -> DetailReadiness:
    outcome_title = next((o.title for o in rubric.outcomes if o.id == d.outcome), d.outcome)
    best = d.suggestions[0] if d.suggestions and d.status != "no_evidence" else None
    cited = d.self_analysis is not None
    if d.status == "evidence_found":
        text = "Your portfolio appears to show this detail."
        if best is not None:
            text = f"Your portfolio appears to show this detail, {_on(arts.of(best))}."
    elif d.status == "weak_evidence":
        text = (
            "Something related was found, but it may not clearly show this detail. An assessor "
            "needs clear and compelling evidence: strengthen it, or point to a clearer example."
        )
    else:
        text = (
            "Nothing in your portfolio appears to show this detail. Add evidence of it and cite "
            "it in your self-analysis; one detail without evidence means the submission is not "
            "yet proficient."
        )
    return DetailReadiness(
        id=d.id,
        title=d.title,
        outcome=d.outcome,
        outcome_title=outcome_title,
        description=description,
        status=d.status,
        status_label=STATUS_LABEL[d.status],
        status_text=text,
        passage=best.snippet if best is not None else None,
        place=arts.of(best) if best is not None else None,
        look_fors=list(look_fors) if d.status != "evidence_found" else [],
        cited=cited,
        blocking=d.status == "no_evidence",
    )


# ------------------------------------------------------------------------- citations


def _cited_text(sa: SelfAnalysisResult) -> str:
    return f"{sa.cited.artifact} {sa.cited.raw}" if sa.cited.raw else sa.cited.artifact


def _evidence_elsewhere(d: DetailResult, arts: _Artifacts) -> Place | None:
    """Where the evidence seems to be when the citation does not point there."""
    sa = d.self_analysis
    if sa is None:
        return None
    if sa.better_location is not None:
        return arts.of(sa.better_location)
    if d.status == "no_evidence" or not d.suggestions:
        return None
    best = d.suggestions[0]
    return None if _covers(sa.cited, best) else arts.of(best)


def _cite_hint(place: Place) -> str:
    return f"artifact {place.artifact}, location '{place.cite_as}'" if place.cite_as else ""


def _broken(
    d: DetailResult, sa: SelfAnalysisResult, arts: _Artifacts
) -> tuple[str, str, list[str]]:
    """(message, short reason, advice) for a citation that cannot be followed."""
    c = sa.cited
    art = arts.by_id.get(c.artifact)
    who = f"for {d.id} {d.title}"
    if art is None:
        known = ", ".join(arts.named(a) for a in arts.by_id) or "none"
        return (
            f"You cite artifact {c.artifact} {who}, but your submission has no artifact "
            f"{c.artifact}. Its artifacts are: {known}.",
            f"artifact {c.artifact} is not in the submission",
            [
                "Use the id of an artifact listed in submission.yaml, or add the missing file "
                "to the submission.",
                HOW_TO_WRITE,
            ],
        )
    named = arts.named(c.artifact)
    if c.page is None and c.start_s is None:
        if art.error and (sa.reason is None or "could not be read" in sa.reason):
            return (
                f"You cite {named} {who}, but that file could not be read ({art.error}).",
                f"{c.artifact} could not be read",
                [
                    "Replace the file with one that opens (PDF, Word, PowerPoint, image, audio "
                    "or video), then check the location.",
                    HOW_TO_WRITE,
                ],
            )
        where = f"'{c.raw}'" if c.raw and c.raw.strip() else "no location"
        why = (sa.reason or "").split("; write a page")[0]
        why = "" if not why or why.startswith(("cannot read the location", "no location")) else why
        return (
            f"The location you wrote {who} in {named}, {where}, cannot be read"
            + (f" ({why})." if why else "."),
            f"the location {where} cannot be read",
            [HOW_TO_WRITE],
        )
    if c.page is not None:
        unit = arts.unit(c.artifact)
        if art.pages is None:
            return (
                f"You cite {unit} {c.page} of {named} {who}, but it is a recording and has no "
                f"{unit}s.",
                f"{c.artifact} is a recording, with no {unit}s",
                ["Cite a time in the recording, such as '12:30' or '12:30-13:45'.", HOW_TO_WRITE],
            )
        last = c.last_page or c.page
        asked = f"{unit} {last}" if last == c.page else f"{unit}s {c.page}–{last}"
        return (
            f"You cite {asked} of {named} {who}, but it has only {_plural(art.pages, unit)}.",
            f"{c.artifact} has only {_plural(art.pages, unit)}",
            [HOW_TO_WRITE],
        )
    assert c.start_s is not None
    when = clock(c.end_s if c.end_s is not None else c.start_s)
    if art.duration_s is None:
        return (
            f"You cite the time {when} in {named} {who}, but it is not a recording.",
            f"{c.artifact} is not a recording",
            [f"Cite a {arts.unit(c.artifact)}, such as 'p. 4' (or 'slide 3').", HOW_TO_WRITE],
        )
    if (c.end_s if c.end_s is not None else c.start_s) > art.duration_s:
        return (
            f"You cite {when} in {named} {who}, but the recording lasts only "
            f"{clock(art.duration_s)}.",
            f"{c.artifact} lasts only {clock(art.duration_s)}",
            [HOW_TO_WRITE],
        )
    reason = sa.reason or "the place cannot be found"
    return (
        f"The citation {who} ({_cited_text(sa)}) cannot be followed: {reason}.",
        "the citation cannot be followed",
        [HOW_TO_WRITE],
    )


def _citation(d: DetailResult, arts: _Artifacts, strong: float) -> CitationCheck:
    sa = d.self_analysis
    assert sa is not None
    cited_text = _cited_text(sa)
    resolvable = sa.cited.page is not None or sa.cited.start_s is not None
    cited_place = arts.of(sa.cited) if resolvable else None

    def make(
        kind: CitationKind,
        message: str,
        suggestion: str | None,
        elsewhere: Place | None,
        short: str,
    ) -> CitationCheck:
        return CitationCheck(
            detail=d.id,
            detail_title=d.title,
            kind=kind,
            kind_label=CITATION_LABEL[kind],
            cited=cited_text,
            cited_place=cited_place,
            message=message,
            suggestion=suggestion,
            evidence_place=elsewhere,
            short=short,
            blocking=kind != "confirmed",
        )

    if sa.verdict == "supported":
        assert cited_place is not None
        best = d.suggestions[0] if d.suggestions else None
        if (
            d.status == "evidence_found"
            and best is not None
            and not _covers(sa.cited, best)
            and not any(_covers(sa.cited, s) and s.score >= strong for s in d.suggestions)
        ):
            # Related, but the clearest passage is elsewhere: say where, without blocking.
            elsewhere = arts.of(best)
            return make(
                "confirmed",
                f"You cite {cited_place.text} for {d.id} {d.title}: it relates to this detail, "
                f"but the clearest evidence seems to be {_on(elsewhere)}.",
                f"Consider citing {_cite_hint(elsewhere)} as well or instead.",
                elsewhere,
                "confirmed; the clearest evidence is elsewhere",
            )
        return make(
            "confirmed",
            f"You cite {cited_place.text} for {d.id} {d.title}: it appears to show it.",
            None,
            None,
            "confirmed",
        )
    if sa.verdict == "not_supported":
        assert cited_place is not None
        found = _evidence_elsewhere(d, arts)
        message = (
            f"You cite {cited_place.text} for {d.id} {d.title}, but that place does not appear "
            "to show this detail."
        )
        if found is not None:
            message += f" {_seems(d.status, found)}."
            suggestion = (
                f"Cite {_cite_hint(found)} instead, and check that your explanation "
                "describes what is there."
            )
        elif d.status == "no_evidence":
            message += " Nothing else in your portfolio appears to show it either."
            suggestion = "Add evidence of this detail to your portfolio and cite where it is."
        else:
            message += " No clearer place was found elsewhere in your portfolio."
            suggestion = "Check the place you cite, or add clearer evidence and cite it."
        return make(
            "wrong_place",
            message,
            suggestion,
            found,
            f"your citation ({cited_text}) does not point to evidence of it",
        )
    message, short, advice = _broken(d, sa, arts)
    found = None
    if d.status != "no_evidence" and d.suggestions:
        found = arts.of(d.suggestions[0])
        advice.insert(0, f"{_seems(d.status, found)}: {_cite_hint(found)}.")
    return make(
        "broken",
        message,
        " ".join(advice),
        found,
        f"your citation ({cited_text}) cannot be followed: {short}",
    )


# ----------------------------------------------------------------------------- build


def _part(name: str, title: str, words: int, minimum: int, meets: bool, file, error) -> PartCheck:
    short_by = max(minimum - words, 0)
    problem = None
    if error == "not submitted" or (file is None and words == 0 and not error):
        problem = "not submitted"
        message = f"{title}: not submitted; it needs at least {minimum} words."
    elif error:
        problem = error
        message = f"{title}: could not be read ({error}); it needs at least {minimum} words."
    elif meets:
        message = f"{title}: {words} words; the minimum is {minimum}."
    else:
        message = (
            f"{title}: {words} words, {short_by} short of the {minimum}-word minimum. "
            "Add to it before you submit."
        )
    return PartCheck(
        name=name,
        title=title,
        words=words,
        minimum=minimum,
        meets=meets,
        short_by=short_by if not meets else 0,
        file=file,
        problem=problem,
        message=message,
    )


def build_readiness(
    report: AnalysisReport,
    rubric: Rubric,
    titles: dict[str, str],
    today: date | None = None,
) -> ReadinessReport:
    """The readiness report of an analysis, for the candidate; ``titles`` maps artifact
    ids to the titles the manifest gives them (file names are used otherwise)."""
    arts = _Artifacts(report.artifacts, titles)
    rubric_details = {d.id: d for _, d in rubric.details}

    details: list[DetailReadiness] = []
    citations: list[CitationCheck] = []
    uncited: list[UncitedDetail] = []
    blocking: list[str] = []
    warnings: list[str] = []
    for d in report.details:
        rd = rubric_details.get(d.id)
        item = _detail(d, rubric, arts, rd.look_fors if rd else [], rd.description if rd else "")
        details.append(item)
        name = f"{d.id} {d.title}"
        problems = []
        if d.status == "no_evidence":
            problems.append("no evidence found in the portfolio")
        elif d.status == "weak_evidence":
            warnings.append(f"{name}: the evidence found is weak")
        strong = rubric.thresholds_for(rd).evidence if rd else rubric.thresholds.evidence
        check = _citation(d, arts, strong) if d.self_analysis is not None else None
        if check is not None:
            citations.append(check)
            if check.blocking:
                problems.append(check.short)
            elif check.evidence_place is not None:
                warnings.append(f"{name}: the clearest evidence is not where your citation points")
        if problems:
            blocking.append(f"{name}: " + "; and ".join(problems))
        if d.self_analysis is None and d.status != "no_evidence" and d.suggestions:
            place = arts.of(d.suggestions[0])
            uncited.append(
                UncitedDetail(
                    detail=d.id,
                    title=d.title,
                    status=d.status,
                    place=place,
                    message=(
                        f"Your self-analysis does not cite {name}. "
                        f"{_seems(d.status, place)}. Add an entry for {d.id} with "
                        f"{_cite_hint(place)}, and explain how it shows the detail."
                    ),
                )
            )
            warnings.append(f"{name}: not cited in your self-analysis")

    parts: list[PartCheck] = []
    for pname, p in report.parts.items():
        rule = rubric.parts.get(pname)
        title = rule.title if rule else pname
        check_part = _part(pname, title, p.words, p.minimum, p.meets_minimum, p.file, p.error)
        parts.append(check_part)
        if not p.meets_minimum:
            if check_part.problem:
                blocking.append(f"{title}: {check_part.problem}")
            else:
                blocking.append(
                    f"{title}: {p.words} words, {check_part.short_by} short of the "
                    f"{p.minimum}-word minimum"
                )

    unreadable = [
        UnreadableArtifact(artifact=a.id, title=arts.title(a.id), file=a.file, reason=a.error)
        for a in report.artifacts
        if a.error
    ]
    for u in unreadable:
        blocking.append(f"{arts.named(u.artifact)} could not be read: {u.reason}")

    return ReadinessReport(
        candidate=report.submission.get("candidate"),
        credential=report.submission.get("credential"),
        rubric_id=rubric.id,
        rubric_title=rubric.title,
        rubric_version=rubric.version,
        created=(today or date.today()).isoformat(),
        details=details,
        citations=citations,
        uncited=uncited,
        parts=parts,
        unreadable=unreadable,
        blocking=blocking,
        warnings=warnings,
        ready=not blocking,
    )
