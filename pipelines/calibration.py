"""Propose the thresholds that best separate evidence from non-evidence, from labelled data.

For each detail (and for the rubric as a whole) we collect, per labelled
submission, the best score the analysis gave and whether the labels say there
is evidence. The proposed weak threshold maximises balanced accuracy (the mean
of *found* and *abstain*); among equally good cut points it takes the middle
of the widest gap, so the bar sits as far as possible from both sides. With
too few cases of either kind there is no proposal: a threshold fitted to two
examples would only describe those two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

MIN_EVIDENCE_CASES = 3
MIN_EMPTY_CASES = 1


@dataclass(frozen=True)
class Case:
    """One detail of one labelled submission: the best score and the label."""

    score: float
    has_evidence: bool


@dataclass
class Proposal:
    """A proposed weak threshold with the figures it would give, against the current one."""

    detail: str
    cases: list[Case] = field(default_factory=list)
    current: float = 0.0
    proposed: float | None = None
    reason: str = ""

    @property
    def evidence_cases(self) -> int:
        return sum(c.has_evidence for c in self.cases)

    @property
    def empty_cases(self) -> int:
        return sum(not c.has_evidence for c in self.cases)

    def rates(self, threshold: float) -> tuple[float | None, float | None]:
        """(found, abstain) at a threshold."""
        pos = [c for c in self.cases if c.has_evidence]
        neg = [c for c in self.cases if not c.has_evidence]
        found = sum(c.score >= threshold for c in pos) / len(pos) if pos else None
        abstain = sum(c.score < threshold for c in neg) / len(neg) if neg else None
        return found, abstain


def _balanced(found: float | None, abstain: float | None) -> float:
    values = [v for v in (found, abstain) if v is not None]
    return sum(values) / len(values) if values else 0.0


def propose(detail: str, cases: list[Case], current: float) -> Proposal:
    """The best weak threshold for these cases (None when the labels are too few)."""
    p = Proposal(detail, list(cases), current)
    if p.evidence_cases < MIN_EVIDENCE_CASES or p.empty_cases < MIN_EMPTY_CASES:
        p.reason = (
            f"needs at least {MIN_EVIDENCE_CASES} labelled places with evidence and "
            f"{MIN_EMPTY_CASES} without (has {p.evidence_cases} and {p.empty_cases})"
        )
        return p
    scores = sorted({round(c.score, 6) for c in cases})
    # Candidate cuts: the middle of every gap between neighbouring scores, and the ends.
    cuts = [scores[0] - 1e-6, *((a + b) / 2 for a, b in pairwise(scores))]
    cuts.append(scores[-1] + 1e-6)
    best_value = max(_balanced(*p.rates(t)) for t in cuts)
    best_cuts = [t for t in cuts if abs(_balanced(*p.rates(t)) - best_value) < 1e-12]

    def gap(t: float) -> float:
        below = max((s for s in scores if s < t), default=t)
        above = min((s for s in scores if s >= t), default=t)
        return above - below

    choice = max(best_cuts, key=gap)
    p.proposed = round(min(max(choice, 0.0), 1.0), 3)
    p.reason = "maximises balanced found/abstain; middle of the widest gap"
    return p
