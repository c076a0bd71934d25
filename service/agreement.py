"""Agreement figures for admins: how often assessors accept the machine's first suggestion,
how well the machine's status agrees with assessors' decisions, and how well two assessors
agree with each other. Pure functions over plain data, plus ``agreement_figures`` that reads
them from the database."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from service.storage.database import Database
from service.storage.tables import Assignment, DetailReview, Label, ReportRow

EVIDENCE = "evidence"
NO_EVIDENCE = "no_evidence"

# The machine's status per detail (ANALYSIS-REPORT.md) and an assessor's decision, both
# reduced to the same two categories so they can be compared.
MACHINE_CATEGORY = {
    "evidence_found": EVIDENCE,
    "weak_evidence": EVIDENCE,
    "no_evidence": NO_EVIDENCE,
}
DECISION_CATEGORY = {"proficient": EVIDENCE, "not_yet": NO_EVIDENCE}


# --- kappa ------------------------------------------------------------------------------


def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa for two raters who each gave one categorical label to the same items.

    With n items, ``pairs[i] = (label of rater A, label of rater B)``::

        p_o = (number of items where A and B agree) / n          observed agreement
        p_e = sum over categories k of (n_A(k) / n) * (n_B(k) / n)   agreement by chance
        kappa = (p_o - p_e) / (1 - p_e)

    where ``n_A(k)`` is how many items rater A put in category k. kappa is 1 for perfect
    agreement, 0 for agreement no better than chance, and negative for worse than chance.

    Returns None when there are no pairs. When p_e = 1 (both raters used one and the same
    category for every item, so p_o = 1 too) the formula is 0/0; that case returns 1.0.
    Computed on counts, so the result is exact up to the final division.
    """
    n = len(pairs)
    if n == 0:
        return None
    agreed = sum(1 for a, b in pairs if a == b)
    count_a = Counter(a for a, _ in pairs)
    count_b = Counter(b for _, b in pairs)
    # Multiply through by n^2: kappa = (n*agreed - sum n_A*n_B) / (n^2 - sum n_A*n_B).
    chance = sum(count_a[k] * count_b.get(k, 0) for k in count_a)
    if chance == n * n:
        return 1.0
    return (n * agreed - chance) / (n * n - chance)


# --- figures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    """Agreement of two raters over ``n`` items, ``agreed`` of them with the same label."""

    n: int = 0
    agreed: int = 0
    kappa: float | None = None

    @property
    def percent(self) -> float | None:
        """Observed agreement in percent (None without items)."""
        return 100.0 * self.agreed / self.n if self.n else None

    @classmethod
    def of(cls, pairs: Sequence[tuple[Hashable, Hashable]]) -> Agreement:
        return cls(
            n=len(pairs), agreed=sum(1 for a, b in pairs if a == b), kappa=cohen_kappa(pairs)
        )


@dataclass(frozen=True)
class Acceptance:
    """Of ``n`` verdicts on the machine's first suggestion, ``confirmed`` were confirmations."""

    n: int = 0
    confirmed: int = 0

    @property
    def rate(self) -> float | None:
        """Share confirmed, 0..1 (None without verdicts)."""
        return self.confirmed / self.n if self.n else None


@dataclass(frozen=True)
class DetailAgreement:
    """One detail's row: machine vs. assessor, and assessor vs. assessor."""

    detail_id: str
    machine: Agreement = field(default_factory=Agreement)
    assessors: Agreement = field(default_factory=Agreement)


@dataclass(frozen=True)
class AgreementFigures:
    """Everything the agreement page shows; ``details`` is sorted by detail id."""

    first_suggestion: Acceptance
    machine_overall: Agreement
    assessors_overall: Agreement
    details: list[DetailAgreement]


@dataclass(frozen=True)
class Verdict:
    """A confirm/reject label on a suggested place; ``seq`` orders labels (the label id)."""

    seq: int
    assessor_id: int
    submission_id: str
    detail_id: str
    kind: str  # confirm | reject
    suggestion_rank: int | None
    artifact: str | None = None
    page: int | None = None
    start_s: float | None = None
    end_s: float | None = None

    @property
    def key(self) -> tuple[object, ...]:
        return (
            self.assessor_id,
            self.submission_id,
            self.detail_id,
            self.artifact,
            self.page,
            self.start_s,
            self.end_s,
        )


@dataclass(frozen=True)
class Decision:
    """An assessor's current decision on one detail of one submission (a DetailReview)."""

    submission_id: str
    assessor_id: int
    detail_id: str
    decision: str | None


def first_suggestion_acceptance(verdicts: Iterable[Verdict]) -> Acceptance:
    """How often assessors confirm the machine's first suggestion (suggestion_rank 0).

    Only confirm/reject labels on rank 0 count. An assessor may change their mind about a
    place: the latest label (highest ``seq``) per assessor + submission + detail + place wins.
    """
    latest: dict[tuple[object, ...], Verdict] = {}
    for v in verdicts:
        if v.suggestion_rank != 0 or v.kind not in ("confirm", "reject"):
            continue
        seen = latest.get(v.key)
        if seen is None or v.seq > seen.seq:
            latest[v.key] = v
    return Acceptance(
        n=len(latest), confirmed=sum(1 for v in latest.values() if v.kind == "confirm")
    )


def _by_detail(
    items: Iterable[tuple[str, str, str]],
) -> tuple[dict[str, Agreement], Agreement]:
    per: dict[str, list[tuple[str, str]]] = defaultdict(list)
    everything: list[tuple[str, str]] = []
    for detail_id, a, b in items:
        per[detail_id].append((a, b))
        everything.append((a, b))
    return {d: Agreement.of(p) for d, p in per.items()}, Agreement.of(everything)


def machine_assessor_agreement(
    items: Iterable[tuple[str, str | None, str | None]],
) -> tuple[dict[str, Agreement], Agreement]:
    """Agreement of the machine's status with assessors' decisions, per detail and overall.

    ``items`` are (detail id, machine status, assessor decision), one per assessor and
    detail. The status maps to "evidence" (evidence_found, weak_evidence) or "no_evidence";
    the decision to "evidence" (proficient) or "no_evidence" (not_yet). Items with a missing
    or unknown value on either side are left out.
    """
    pairs = []
    for detail_id, status, decision in items:
        m = MACHINE_CATEGORY.get(status or "")
        a = DECISION_CATEGORY.get(decision or "")
        if m is not None and a is not None:
            pairs.append((detail_id, m, a))
    return _by_detail(pairs)


def assessor_assessor_agreement(
    decisions: Iterable[Decision], assessor_order: Mapping[str, Sequence[int]]
) -> tuple[dict[str, Agreement], Agreement]:
    """Agreement between two assessors on proficient/not_yet, per detail and overall.

    ``assessor_order`` lists each submission's assigned assessors in the order they were
    assigned. For each submission and detail, the first two assigned assessors who both
    decided it form one pair (rater A = the one assigned first); decisions by anyone not
    assigned, and details decided by fewer than two, are left out. Different submissions may
    have different assessors: as usual in practice, rater A and rater B stand for "the first"
    and "the second" assessor, not for two fixed people.
    """
    decided: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    for d in decisions:
        if d.decision in DECISION_CATEGORY:
            decided[(d.submission_id, d.detail_id)][d.assessor_id] = d.decision
    pairs = []
    for (submission_id, detail_id), by_assessor in decided.items():
        raters = [a for a in assessor_order.get(submission_id, ()) if a in by_assessor]
        if len(raters) >= 2:
            pairs.append((detail_id, by_assessor[raters[0]], by_assessor[raters[1]]))
    return _by_detail(pairs)


def combine(
    acceptance: Acceptance,
    machine: tuple[dict[str, Agreement], Agreement],
    assessors: tuple[dict[str, Agreement], Agreement],
) -> AgreementFigures:
    """The figures, with one row per detail that has either kind of agreement."""
    ids = sorted(set(machine[0]) | set(assessors[0]))
    return AgreementFigures(
        first_suggestion=acceptance,
        machine_overall=machine[1],
        assessors_overall=assessors[1],
        details=[
            DetailAgreement(
                detail_id=d,
                machine=machine[0].get(d, Agreement()),
                assessors=assessors[0].get(d, Agreement()),
            )
            for d in ids
        ],
    )


# --- from the database --------------------------------------------------------------------


def _statuses(report_json: str | None) -> dict[str, str] | None:
    if report_json is None:
        return None
    report = json.loads(report_json)
    return {d["id"]: d["status"] for d in report.get("details", [])}


def agreement_figures(db: Database) -> AgreementFigures:
    """All agreement figures, over every submission in the database.

    For machine vs. assessor, the machine's status comes from the report the assessor's
    latest "decide" label on that detail refers to; when that label has no report (or there
    is no such label), from the latest finished report of the submission. A decision whose
    report is missing or does not list the detail is left out.
    """
    with db.session() as s:
        verdicts = [
            Verdict(
                seq=label.id,
                assessor_id=label.assessor_id,
                submission_id=label.submission_id,
                detail_id=label.detail_id,
                kind=label.kind,
                suggestion_rank=label.suggestion_rank,
                artifact=label.artifact,
                page=label.page,
                start_s=label.start_s,
                end_s=label.end_s,
            )
            for label in s.scalars(
                select(Label).where(
                    Label.kind.in_(("confirm", "reject")), Label.suggestion_rank == 0
                )
            )
        ]
        # The report each assessor's latest decision on a detail was made against.
        decided_on: dict[tuple[str, int, str], int | None] = {}
        for sub, assessor, detail, report_id in s.execute(
            select(Label.submission_id, Label.assessor_id, Label.detail_id, Label.report_id)
            .where(Label.kind == "decide")
            .order_by(Label.id)
        ):
            decided_on[(sub, assessor, detail)] = report_id
        decisions = [
            Decision(r.submission_id, r.assessor_id, r.detail_id, r.decision)
            for r in s.scalars(select(DetailReview).where(DetailReview.decision.is_not(None)))
        ]
        order: dict[str, list[int]] = defaultdict(list)
        for sub, assessor in s.execute(
            select(Assignment.submission_id, Assignment.assessor_id).order_by(
                Assignment.created_at, Assignment.assessor_id
            )
        ):
            order[sub].append(assessor)
        latest_done: dict[str, int] = {}
        for rid, sub in s.execute(
            select(ReportRow.id, ReportRow.submission_id)
            .where(ReportRow.status == "done", ReportRow.report_json.is_not(None))
            .order_by(ReportRow.id)
        ):
            latest_done[sub] = rid
        wanted = {rid for rid in decided_on.values() if rid is not None}
        wanted |= {
            latest_done[d.submission_id] for d in decisions if d.submission_id in latest_done
        }
        statuses: dict[int, dict[str, str] | None] = {}
        if wanted:
            for rid, report_json in s.execute(
                select(ReportRow.id, ReportRow.report_json).where(ReportRow.id.in_(wanted))
            ):
                statuses[rid] = _statuses(report_json)

    machine_items: list[tuple[str, str | None, str | None]] = []
    for d in decisions:
        report_id = decided_on.get((d.submission_id, d.assessor_id, d.detail_id))
        if report_id is None:
            report_id = latest_done.get(d.submission_id)
        found = statuses.get(report_id) if report_id is not None else None
        if found is None or d.detail_id not in found:
            continue
        machine_items.append((d.detail_id, found[d.detail_id], d.decision))

    return combine(
        first_suggestion_acceptance(verdicts),
        machine_assessor_agreement(machine_items),
        assessor_assessor_agreement(decisions, order),
    )
