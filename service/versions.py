"""Versions of a submission: the chain of resubmissions, and what changed between two."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from service.review import latest_done_report
from service.storage.database import Database
from service.storage.tables import ArtifactRow, SubmissionFile, SubmissionRow

STATUS_TEXT = {
    "evidence_found": "evidence found",
    "weak_evidence": "weak evidence",
    "no_evidence": "no evidence",
}


def version_chain(db: Database, submission_id: str) -> list[SubmissionRow]:
    """Every version of a submission, oldest first (following parent links both ways)."""
    with db.session() as s:
        row = s.get(SubmissionRow, submission_id)
        if row is None:
            return []
        while row.parent_id and (parent := s.get(SubmissionRow, row.parent_id)) is not None:
            row = parent
        chain = [row]
        while (
            child := s.scalars(
                select(SubmissionRow)
                .where(SubmissionRow.parent_id == chain[-1].id)
                .order_by(SubmissionRow.created_at.desc())
                .limit(1)
            ).first()
        ) is not None:
            chain.append(child)
    return chain


@dataclass
class VersionChanges:
    """What changed from one version to the next."""

    old_version: int
    new_version: int
    artifacts_added: list[str] = field(default_factory=list)
    artifacts_removed: list[str] = field(default_factory=list)
    artifacts_replaced: list[str] = field(default_factory=list)
    status_changes: list[tuple[str, str, str]] = field(default_factory=list)
    citation_changes: list[tuple[str, str, str]] = field(default_factory=list)
    part_changes: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.artifacts_added,
                self.artifacts_removed,
                self.artifacts_replaced,
                self.status_changes,
                self.citation_changes,
                self.part_changes,
            )
        )


def _artifact_files(db: Database, submission_id: str) -> dict[str, tuple[str, str]]:
    """artifact id -> (file, content hash)."""
    with db.session() as s:
        hashes = {
            f.path: f.sha256
            for f in s.scalars(
                select(SubmissionFile).where(SubmissionFile.submission_id == submission_id)
            )
        }
        return {
            a.artifact_id: (a.file, hashes.get(a.file, ""))
            for a in s.scalars(
                select(ArtifactRow).where(ArtifactRow.submission_id == submission_id)
            )
        }


def compare_versions(db: Database, old: SubmissionRow, new: SubmissionRow) -> VersionChanges:
    """Artifacts added or replaced, details whose status changed, citations fixed or broken."""
    out = VersionChanges(old.version, new.version)
    before, after = _artifact_files(db, old.id), _artifact_files(db, new.id)
    for aid, (file, sha) in after.items():
        if aid not in before:
            out.artifacts_added.append(f"{aid} ({file})")
        elif before[aid][1] != sha:
            out.artifacts_replaced.append(f"{aid} ({file})")
    out.artifacts_removed = [f"{aid} ({f})" for aid, (f, _) in before.items() if aid not in after]
    old_rep, new_rep = latest_done_report(db, old.id), latest_done_report(db, new.id)
    if old_rep is None or new_rep is None:
        return out
    old_details = {d["id"]: d for d in old_rep[1]["details"]}
    for d in new_rep[1]["details"]:
        was = old_details.get(d["id"])
        if was is None:
            continue
        if was["status"] != d["status"]:
            out.status_changes.append(
                (d["id"], STATUS_TEXT[was["status"]], STATUS_TEXT[d["status"]])
            )
        v_old = (was.get("self_analysis") or {}).get("verdict", "not cited")
        v_new = (d.get("self_analysis") or {}).get("verdict", "not cited")
        if v_old != v_new:
            out.citation_changes.append((d["id"], v_old.replace("_", " "), v_new.replace("_", " ")))
    for name, part in new_rep[1]["parts"].items():
        was_words = old_rep[1]["parts"].get(name, {}).get("words", 0)
        if part["words"] != was_words:
            out.part_changes.append((name, was_words, part["words"]))
    return out
