"""Check each self-analysis citation: does the cited place hold evidence for its detail?

The verdict uses the same scores as the status: a citation is ``supported`` when the
judge's score at the cited place clears the detail's weak bar; otherwise it is
``not_supported``, and ``better_location`` names the best-ranked suggestion that
clears the bar, when there is one elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.records import ArtifactSummary
from models.rubric import Thresholds
from models.submission import SelfAnalysisEntry
from pipelines.locations import LocationError, PageRange, TimeRange, parse_location
from pipelines.matching import DetailMatch, PlaceSuggestion
from pipelines.place_features import CitedPointer, cited_window

_END_TOLERANCE_S = 1.0


@dataclass(frozen=True)
class CitedPlace:
    """The place a citation names, as the report shows it."""

    artifact: str
    page: int | None
    start_s: float | None
    end_s: float | None
    raw: str
    last_page: int | None = None


@dataclass(frozen=True)
class CitationVerdict:
    """``supported``, ``not_supported`` (maybe with a better place) or ``invalid_reference``."""

    cited: CitedPlace
    verdict: str
    better_location: PlaceSuggestion | None = None
    reason: str | None = None
    cited_score: float | None = None


def _resolve(
    entry: SelfAnalysisEntry, artifacts: dict[str, ArtifactSummary]
) -> tuple[CitedPlace, PageRange | TimeRange | None, str | None]:
    raw = entry.location
    art = artifacts.get(entry.artifact)
    blank = CitedPlace(entry.artifact, None, None, None, raw)
    if art is None:
        known = ", ".join(sorted(artifacts)) or "none"
        return blank, None, f"unknown artifact '{entry.artifact}' (artifacts: {known})"
    try:
        place = parse_location(raw)
    except LocationError as e:
        return blank, None, str(e)
    if art.error:
        return blank, None, f"artifact {art.id} could not be read: {art.error}"
    if isinstance(place, PageRange):
        cited = CitedPlace(
            entry.artifact,
            place.first,
            None,
            None,
            raw,
            place.last if place.last != place.first else None,
        )
        if art.pages is None:
            return cited, None, f"{art.id} is a recording: cite a time such as 12:30-13:45"
        if place.last > art.pages:
            return cited, None, f"{art.id} has {art.pages} pages; '{raw}' is past the end"
        return cited, place, None
    cited = CitedPlace(entry.artifact, None, place.start_s, place.end_s, raw)
    if art.duration_s is None:
        return cited, None, f"{art.id} is not a recording: cite a page such as 'p. 4'"
    end = place.end_s if place.end_s is not None else place.start_s
    if end > art.duration_s + _END_TOLERANCE_S:
        return cited, None, f"{art.id} lasts {art.duration_s:.0f} s; '{raw}' is past the end"
    return cited, place, None


def check_citation(
    entry: SelfAnalysisEntry,
    match: DetailMatch,
    artifacts: dict[str, ArtifactSummary],
    thresholds: Thresholds,
) -> CitationVerdict:
    """The verdict on one citation, with a better place when the evidence is elsewhere."""
    cited, place, problem = _resolve(entry, artifacts)
    if place is None:
        return CitationVerdict(cited, "invalid_reference", reason=problem)
    if isinstance(place, PageRange):
        score = match.score_at(entry.artifact, range(place.first, place.last + 1), None)
    else:
        window = cited_window(place.start_s, place.end_s)
        score = match.score_at(entry.artifact, None, window)
    cited_score = score if score is not None else 0.0
    if cited_score >= thresholds.weak:
        return CitationVerdict(cited, "supported", cited_score=cited_score)
    better = next(
        (s for s in match.suggestions if s.score >= thresholds.weak and not _at(s, entry, place)),
        None,
    )
    return CitationVerdict(cited, "not_supported", better_location=better, cited_score=cited_score)


def _at(s: PlaceSuggestion, entry: SelfAnalysisEntry, place: PageRange | TimeRange) -> bool:
    """Whether a suggestion lies at the cited place."""
    if isinstance(place, PageRange):
        return CitedPointer("", entry.artifact, range(place.first, place.last + 1)).covers(s)
    return CitedPointer("", entry.artifact, window=cited_window(place.start_s, place.end_s)).covers(
        s
    )


def check_detail(
    entries: list[SelfAnalysisEntry],
    match: DetailMatch,
    artifacts: dict[str, ArtifactSummary],
    thresholds: Thresholds,
) -> CitationVerdict | None:
    """The verdict for a detail's citations (the most favourable when there are several)."""
    if not entries:
        return None
    verdicts = [check_citation(e, match, artifacts, thresholds) for e in entries]
    order = {"supported": 0, "not_supported": 1, "invalid_reference": 2}
    return min(verdicts, key=lambda v: order[v.verdict])
