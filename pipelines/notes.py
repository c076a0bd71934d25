"""Proficiency notes for the assessor, written from the passage itself (extractive).

A note says which look-fors the passage appears to show and which it does not,
flags passages read by OCR or phrased as intentions, and never states a
decision: the assessor decides.
"""

from __future__ import annotations

from models.rubric import Detail, Thresholds
from pipelines.matching import PassageScore

_SHOWN_SIMILARITY = 0.45
_SHOWN_COVERAGE = 0.5


def look_fors_shown(detail: Detail, best: PassageScore) -> list[str]:
    """The look-fors this passage appears to show (by meaning or by its words)."""
    return [
        lf
        for lf, sim, cov in zip(
            detail.look_fors, best.look_for_similarity, best.look_for_coverage, strict=True
        )
        if sim >= _SHOWN_SIMILARITY or cov >= _SHOWN_COVERAGE
    ]


def proficiency_note(detail: Detail, best: PassageScore, thresholds: Thresholds) -> str:
    """A short note for the assessor about one suggested passage."""
    shown = look_fors_shown(detail, best)
    missing = [lf for lf in detail.look_fors if lf not in shown]
    parts = []
    if best.score < thresholds.weak:
        parts.append(
            "Below the evidence bar: the closest passage found, not evidence as it stands."
        )
    elif best.score < thresholds.evidence:
        parts.append("Related to this detail, but weaker than the evidence bar.")
    if shown:
        parts.append("Appears to show: " + "; ".join(shown) + ".")
    else:
        parts.append(f"Related to {detail.title.lower()}, but no look-for is clearly shown.")
    if missing:
        parts.append("Not seen in this passage: " + "; ".join(missing) + ".")
    if best.intention >= 0.5:
        parts.append("Much of it is phrased as a plan or intention, not as something done.")
    if best.chunk.ocr:
        parts.append("Text read by OCR from a scanned page; check the page image.")
    parts.append("A suggestion for the assessor to confirm, not a decision.")
    return " ".join(parts)
