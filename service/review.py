"""The assessor's review: assignments, actions on details, decisions, double-blind rules,
reconciliation, labels and the audit log. No HTTP here: the web pages call these."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from service.storage.database import Database
from service.storage.tables import (
    Assignment,
    AuditEntry,
    BrowserSession,
    DetailReview,
    FinalDecision,
    Label,
    ReportRow,
    ReviewSubmission,
    SubmissionRow,
    User,
    utcnow,
)

DECISIONS = ("proficient", "not_yet")
SESSION_DAYS = 7


class ReviewError(ValueError):
    """An action that is not allowed or not well formed; the message says why."""


# --- passwords and browser sessions -------------------------------------------------


def hash_password(password: str) -> str:
    """scrypt with a random salt, as 'scrypt$salt$hash'."""
    salt = secrets.token_hex(16)
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=2**14, r=8, p=1).hex()
    return f"scrypt${salt}${digest}"


def check_password(password: str, stored: str | None) -> bool:
    """Whether a password matches its stored hash (constant time)."""
    if not stored or stored.count("$") != 2:
        return False
    _scheme, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(password.encode(), salt=salt.encode(), n=2**14, r=8, p=1).hex()
    return secrets.compare_digest(candidate, digest)


def set_password(db: Database, name: str, password: str) -> None:
    """Give a user a password for signing in with a browser."""
    if len(password) < 8:
        raise ReviewError("a password needs at least 8 characters")
    with db.session() as s:
        user = s.scalars(select(User).where(User.name == name)).first()
        if user is None:
            raise ReviewError(f"no user named '{name}'")
        user.password_hash = hash_password(password)


def sign_in(db: Database, name: str, password: str) -> tuple[User, str] | None:
    """The user and a new session token, or None for a wrong name or password."""
    with db.session() as s:
        user = s.scalars(select(User).where(User.name == name)).first()
        if user is None or not check_password(password, user.password_hash):
            return None
        token = secrets.token_urlsafe(32)
        s.add(
            BrowserSession(
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                user_id=user.id,
                expires_at=utcnow() + timedelta(days=SESSION_DAYS),
            )
        )
        s.add(AuditEntry(user_id=user.id, action="sign_in"))
    return user, token


def user_for_session(db: Database, token: str) -> User | None:
    """The signed-in user of a session cookie, or None."""
    if not token:
        return None
    with db.session() as s:
        session = s.get(BrowserSession, hashlib.sha256(token.encode()).hexdigest())
        if session is None or session.expires_at < utcnow():
            return None
        return s.get(User, session.user_id)


def sign_out(db: Database, token: str) -> None:
    """End a browser session."""
    with db.session() as s:
        session = s.get(BrowserSession, hashlib.sha256(token.encode()).hexdigest())
        if session is not None:
            s.add(AuditEntry(user_id=session.user_id, action="sign_out"))
            s.delete(session)


def audit(
    s, user_id: int | None, action: str, submission_id: str | None = None, **detail: Any
) -> None:
    """Append to the audit log (inside the caller's transaction)."""
    s.add(
        AuditEntry(
            user_id=user_id,
            action=action,
            submission_id=submission_id,
            detail=json.dumps(detail, default=str) if detail else None,
        )
    )


# --- assignments and access -----------------------------------------------------------


def assign(db: Database, submission_id: str, assessor_name: str, admin: User) -> None:
    """Assign an assessor to a submission (admins only)."""
    if admin.role != "admin":
        raise ReviewError("only admins assign assessors")
    with db.session() as s:
        assessor = s.scalars(select(User).where(User.name == assessor_name)).first()
        if assessor is None or assessor.role not in ("assessor", "admin"):
            raise ReviewError(f"'{assessor_name}' is not an assessor")
        if s.get(SubmissionRow, submission_id) is None:
            raise ReviewError(f"no submission '{submission_id}'")
        if s.get(Assignment, (submission_id, assessor.id)) is None:
            s.add(
                Assignment(
                    submission_id=submission_id, assessor_id=assessor.id, assigned_by=admin.id
                )
            )
            audit(s, admin.id, "assign", submission_id, assessor=assessor.name)


def assessors_of(db: Database, submission_id: str) -> list[User]:
    """The assessors assigned to a submission, in the order they were assigned."""
    with db.session() as s:
        return list(
            s.scalars(
                select(User)
                .join(Assignment, Assignment.assessor_id == User.id)
                .where(Assignment.submission_id == submission_id)
                .order_by(Assignment.created_at, User.id)
            )
        )


def may_review(db: Database, user: User, submission_id: str) -> bool:
    """Assessors review what they are assigned; admins may open anything."""
    if user.role == "admin":
        return True
    if user.role != "assessor":
        return False
    with db.session() as s:
        return s.get(Assignment, (submission_id, user.id)) is not None


def latest_done_report(db: Database, submission_id: str) -> tuple[int, dict] | None:
    """(report id, report) of the newest finished analysis."""
    with db.session() as s:
        row = s.scalars(
            select(ReportRow)
            .where(ReportRow.submission_id == submission_id, ReportRow.status == "done")
            .order_by(ReportRow.id.desc())
            .limit(1)
        ).first()
    if row is None or row.report_json is None:
        return None
    return row.id, json.loads(row.report_json)


# --- the triage queue ------------------------------------------------------------------


@dataclass
class QueueRow:
    """One submission in an assessor's queue, with what triage needs."""

    id: str
    label: str
    status: str
    age_days: float
    evidence: int = 0
    weak: int = 0
    none: int = 0
    invalid_refs: int = 0
    parts_under: int = 0
    my_progress: str = ""
    submitted: bool = False

    @property
    def ready(self) -> bool:
        """Nothing that would send it straight back."""
        return self.none == 0 and self.invalid_refs == 0 and self.parts_under == 0


def anonymous_label(submission_id: str) -> str:
    """What assessors see instead of the candidate's name."""
    return f"Submission {submission_id[:6].upper()}"


def triage_queue(db: Database, user: User) -> list[QueueRow]:
    """The user's assigned submissions (all, for admins), with counts from their reports."""
    with db.session() as s:
        q = (
            select(SubmissionRow)
            .where(SubmissionRow.phase == "submitted")
            .order_by(SubmissionRow.created_at)
        )
        if user.role != "admin":
            q = q.join(Assignment, Assignment.submission_id == SubmissionRow.id).where(
                Assignment.assessor_id == user.id
            )
        rows = list(s.scalars(q))
        counts: dict[str, int] = {}
        for r in s.scalars(select(DetailReview).where(DetailReview.assessor_id == user.id)):
            if r.decision:
                counts[r.submission_id] = counts.get(r.submission_id, 0) + 1
        submitted = {
            r.submission_id
            for r in s.scalars(
                select(ReviewSubmission).where(ReviewSubmission.assessor_id == user.id)
            )
        }
    now = utcnow()
    out = []
    for row in rows:
        item = QueueRow(
            id=row.id,
            label=anonymous_label(row.id),
            status=row.status,
            age_days=(now - row.created_at).total_seconds() / 86400,
            submitted=row.id in submitted,
        )
        found = latest_done_report(db, row.id)
        if found:
            report = found[1]
            for d in report["details"]:
                key = {"evidence_found": "evidence", "weak_evidence": "weak"}.get(
                    d["status"], "none"
                )
                setattr(item, key, getattr(item, key) + 1)
                sa = d.get("self_analysis")
                if sa and sa["verdict"] == "invalid_reference":
                    item.invalid_refs += 1
            item.parts_under = sum(1 for p in report["parts"].values() if not p["meets_minimum"])
            item.my_progress = f"{counts.get(row.id, 0)}/{len(report['details'])}"
        out.append(item)
    return out


# --- actions on details ------------------------------------------------------------------


@dataclass
class Place:
    """A place in an artifact: a page, or a time range."""

    artifact: str
    page: int | None = None
    start_s: float | None = None
    end_s: float | None = None

    @property
    def key(self) -> str:
        """A stable key, as the review page writes it for a suggestion."""
        if self.page is not None:
            return f"{self.artifact}:p{self.page}"
        end = f"{self.end_s:g}" if self.end_s is not None else ""
        return f"{self.artifact}:t{self.start_s:g}-{end}"

    @property
    def text(self) -> str:
        """As a person reads it: 'A1 p. 4' or 'A2 0:05–0:20'."""
        if self.page is not None:
            return f"{self.artifact} p. {self.page}"

        def clock(x: float) -> str:
            return f"{int(x // 60)}:{int(x % 60):02d}"

        start = self.start_s or 0.0
        end = f"–{clock(self.end_s)}" if self.end_s is not None else ""
        return f"{self.artifact} {clock(start)}{end}"


def _report_meta(db: Database, submission_id: str) -> tuple[int | None, str | None, str | None]:
    found = latest_done_report(db, submission_id)
    if not found:
        return None, None, None
    rid, report = found
    return rid, report["rubric"]["id"], report["rubric"]["version"]


def _check_open(s, user: User, submission_id: str) -> None:
    if s.get(ReviewSubmission, (submission_id, user.id)) is not None:
        raise ReviewError("your review of this submission is submitted; it can no longer change")


PLACE_ACTIONS = ("confirm", "reject", "mark")


def _add_label(
    s, db: Database, user: User, submission_id: str, detail_id: str, kind: str, **fields: Any
) -> None:
    """Keep an action as a label (with the report and rubric version it was made on) and
    in the audit log, inside the caller's transaction; a submitted review is final."""
    _check_open(s, user, submission_id)
    report_id, rubric_id, rubric_version = _report_meta(db, submission_id)
    s.add(
        Label(
            submission_id=submission_id,
            report_id=report_id,
            detail_id=detail_id,
            assessor_id=user.id,
            kind=kind,
            rubric_id=rubric_id,
            rubric_version=rubric_version,
            **fields,
        )
    )
    audited: dict[str, Any] = {"detail": detail_id}
    if fields.get("artifact"):
        place = Place(
            fields["artifact"], fields.get("page"), fields.get("start_s"), fields.get("end_s")
        )
        audited["place"] = place.key
    if "decision" in fields:
        audited["decision"] = fields["decision"]
    audit(s, user.id, kind, submission_id, **audited)


def record_place(
    db: Database,
    user: User,
    submission_id: str,
    detail_id: str,
    kind: str,
    place: Place,
    rank: int | None = None,
    score: float | None = None,
) -> None:
    """Confirm or reject a suggested place, or mark another place, as evidence for a detail
    (saved at once, kept as a label)."""
    if kind not in PLACE_ACTIONS:
        raise ReviewError(f"unknown action '{kind}'")
    with db.session() as s:
        _add_label(
            s,
            db,
            user,
            submission_id,
            detail_id,
            kind,
            artifact=place.artifact,
            page=place.page,
            start_s=place.start_s,
            end_s=place.end_s,
            suggestion_rank=rank,
            machine_score=score,
        )


def decide_detail(
    db: Database,
    user: User,
    submission_id: str,
    detail_id: str,
    decision: str | None,
    comment: str | None,
) -> None:
    """Proficient or not yet on one detail, with a comment."""
    if decision is not None and decision not in DECISIONS:
        raise ReviewError(f"a decision is one of {', '.join(DECISIONS)}")
    with db.session() as s:
        _add_label(
            s, db, user, submission_id, detail_id, "decide", decision=decision, comment=comment
        )
        row = s.get(DetailReview, (submission_id, user.id, detail_id))
        if row is None:
            row = DetailReview(
                submission_id=submission_id, assessor_id=user.id, detail_id=detail_id
            )
            s.add(row)
        row.decision, row.comment = decision, comment


@dataclass
class DetailState:
    """One assessor's current work on one detail."""

    decision: str | None = None
    comment: str | None = None
    verdicts: dict[str, str] = field(default_factory=dict)  # place key -> confirm | reject
    marked: list[Place] = field(default_factory=list)


def review_state(db: Database, assessor_id: int, submission_id: str) -> dict[str, DetailState]:
    """An assessor's current state per detail, rebuilt from their labels."""
    out: dict[str, DetailState] = {}
    with db.session() as s:
        labels = s.scalars(
            select(Label)
            .where(Label.submission_id == submission_id, Label.assessor_id == assessor_id)
            .order_by(Label.id)
        ).all()
        reviews = s.scalars(
            select(DetailReview).where(
                DetailReview.submission_id == submission_id, DetailReview.assessor_id == assessor_id
            )
        ).all()
    for label in labels:
        st = out.setdefault(label.detail_id, DetailState())
        if label.kind in ("confirm", "reject") and label.artifact:
            place = Place(label.artifact, label.page, label.start_s, label.end_s)
            st.verdicts[place.key] = label.kind
        elif label.kind == "mark" and label.artifact:
            st.marked.append(Place(label.artifact, label.page, label.start_s, label.end_s))
    for r in reviews:
        st = out.setdefault(r.detail_id, DetailState())
        st.decision, st.comment = r.decision, r.comment
    return out


def overall_decision(detail_ids: list[str], state: dict[str, DetailState]) -> str | None:
    """The rubric's rule: proficient only when every detail is; None until all are decided."""
    decisions = [state.get(d, DetailState()).decision for d in detail_ids]
    if any(d is None for d in decisions):
        return None
    return "proficient" if all(d == "proficient" for d in decisions) else "not_yet"


def submit_review(
    db: Database, user: User, submission_id: str, detail_ids: list[str], feedback: str | None
) -> str:
    """Submit the overall decision; allowed only when every detail has one."""
    state = review_state(db, user.id, submission_id)
    decision = overall_decision(detail_ids, state)
    if decision is None:
        missing = [d for d in detail_ids if state.get(d, DetailState()).decision is None]
        raise ReviewError(f"decide every detail first (missing: {', '.join(missing)})")
    with db.session() as s:
        _check_open(s, user, submission_id)
        s.add(
            ReviewSubmission(
                submission_id=submission_id,
                assessor_id=user.id,
                decision=decision,
                feedback=feedback,
            )
        )
        audit(s, user.id, "submit_review", submission_id, decision=decision)
    return decision


def submitted_reviews(db: Database, submission_id: str) -> dict[int, ReviewSubmission]:
    """Submitted reviews by assessor id."""
    with db.session() as s:
        return {
            r.assessor_id: r
            for r in s.scalars(
                select(ReviewSubmission).where(ReviewSubmission.submission_id == submission_id)
            )
        }


def blind_lifted(db: Database, submission_id: str, double_blind: bool) -> bool:
    """Whether assessors may see each other's work: every assigned assessor has submitted."""
    if not double_blind:
        return True
    assigned = {u.id for u in assessors_of(db, submission_id)}
    return bool(assigned) and assigned <= set(submitted_reviews(db, submission_id))


def record_final_decision(
    db: Database, user: User, submission_id: str, decision: str, feedback: str
) -> None:
    """The reconciled decision with feedback for the candidate (admins)."""
    if user.role != "admin":
        raise ReviewError("only an admin (lead assessor) records the final decision")
    if decision not in DECISIONS:
        raise ReviewError(f"a decision is one of {', '.join(DECISIONS)}")
    with db.session() as s:
        row = s.get(FinalDecision, submission_id)
        if row is None:
            s.add(
                FinalDecision(
                    submission_id=submission_id,
                    decided_by=user.id,
                    decision=decision,
                    feedback=feedback,
                )
            )
        else:
            row.decision, row.feedback, row.decided_by = decision, feedback, user.id
            row.decided_at = utcnow()
        audit(s, user.id, "final_decision", submission_id, decision=decision)
