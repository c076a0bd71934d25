"""Assessor-confirmed evidence as labels for evaluating rubric versions (the gold.yaml shape)."""

from __future__ import annotations

from sqlalchemy import select

from service.storage.database import Database
from service.storage.tables import DetailReview, Label, ReviewSubmission


def labelled_gold(db: Database) -> dict[str, dict]:
    """Per reviewed submission, gold details from what assessors confirmed or marked.

    A detail's places are those an assessor confirmed (and did not later reject) or
    marked; a detail with no such place that every assessor judged *not yet* is
    labelled as having no evidence. Other details are left out: nobody said where.
    """
    out: dict[str, dict] = {}
    with db.session() as s:
        reviewed = {r.submission_id for r in s.scalars(select(ReviewSubmission))}
        labels = s.scalars(
            select(Label).where(Label.submission_id.in_(reviewed)).order_by(Label.id)
        ).all()
        decisions = s.scalars(
            select(DetailReview).where(DetailReview.submission_id.in_(reviewed))
        ).all()
    places: dict[tuple[str, str], dict[tuple, dict]] = {}
    for label in labels:
        if label.kind not in ("confirm", "reject", "mark") or not label.artifact:
            continue
        key = (label.artifact, label.page, label.start_s, label.end_s)
        here = places.setdefault((label.submission_id, label.detail_id), {})
        if label.kind == "reject":
            here.pop(key, None)
            continue
        place: dict = {"artifact": label.artifact}
        if label.page is not None:
            place["page"] = label.page
        else:
            start = label.start_s or 0.0
            place.update(
                start_s=start, end_s=label.end_s if label.end_s is not None else start + 30
            )
        here[key] = place
    verdicts: dict[tuple[str, str], set[str | None]] = {}
    for d in decisions:
        verdicts.setdefault((d.submission_id, d.detail_id), set()).add(d.decision)
    for (sid, detail), found in places.items():
        if found:
            out.setdefault(sid, {"details": {}})["details"][detail] = list(found.values())
    for (sid, detail), decided in verdicts.items():
        gold = out.setdefault(sid, {"details": {}})["details"]
        if detail not in gold and decided == {"not_yet"}:
            gold[detail] = []
    return {sid: g for sid, g in out.items() if g["details"]}
