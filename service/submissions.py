"""Storing a received submission folder and queueing its work."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import select

from models.submission import Submission
from pipelines.rubric_catalog import RubricCatalog
from pipelines.submission import MANIFEST_NAME, load_submission
from service.context import ServiceContext
from service.storage.tables import (
    ArtifactRow,
    ReportRow,
    SubmissionFile,
    SubmissionRow,
    utcnow,
)


def submission_files(folder: Path, submission: Submission) -> list[str]:
    """The files of a submission worth keeping: the manifest, the parts, the artifacts."""
    paths = [
        MANIFEST_NAME,
        *submission.part_files.values(),
        *(a.file for a in submission.artifacts),
    ]
    out: list[str] = []
    for p in paths:
        rel = Path(p).as_posix()
        if rel not in out:
            out.append(rel)
    return out


def load_for_storage(ctx: ServiceContext, folder: Path) -> Submission:
    """Load and validate a received folder (raises ManifestError)."""
    return load_submission(folder, RubricCatalog(ctx.settings.rubrics_dir).ids())


def store_submission(
    ctx: ServiceContext,
    folder: Path,
    submission: Submission,
    owner_id: int,
    *,
    phase: str = "submitted",
    parent_id: str | None = None,
) -> str:
    """Put the files in the store and the records in the database, then queue the work.

    Nothing is left behind when this fails: blobs it added are removed again. A new
    version of an earlier submission names it as ``parent_id``; both are kept.
    """
    assert ctx.queue is not None
    submission_id = uuid.uuid4().hex
    added: list[str] = []
    try:
        stored = []
        for rel in submission_files(folder, submission):
            path = folder / rel
            key, new = ctx.blobs.put(path)
            if new:
                added.append(key)
            stored.append((rel, key, path.stat().st_size))
        with ctx.db.session() as s:
            version = 1
            if parent_id is not None:
                parent = s.get(SubmissionRow, parent_id)
                version = (parent.version if parent else 0) + 1
            s.add(
                SubmissionRow(
                    id=submission_id,
                    owner_id=owner_id,
                    credential=submission.credential,
                    candidate=submission.candidate,
                    phase=phase,
                    version=version,
                    parent_id=parent_id,
                )
            )
            s.flush()
            s.add_all(
                SubmissionFile(submission_id=submission_id, path=rel, sha256=key, size=size)
                for rel, key, size in stored
            )
            s.add_all(
                ArtifactRow(
                    submission_id=submission_id,
                    artifact_id=a.id,
                    position=i,
                    file=a.file,
                    title=a.title,
                )
                for i, a in enumerate(submission.artifacts)
            )
            s.add(ReportRow(submission_id=submission_id, rubric_ref=submission.credential))
    except BaseException:
        for key in added:
            ctx.blobs.delete(key)
        raise
    for a in submission.artifacts:
        ctx.queue.ingest(submission_id, a.id)
    return submission_id


def request_analysis(ctx: ServiceContext, submission_id: str, rubric_ref: str) -> int:
    """Queue another report (earlier ones are kept); it runs now or once reading ends."""
    assert ctx.queue is not None
    with ctx.db.session() as s:
        row = s.get(SubmissionRow, submission_id)
        assert row is not None
        report = ReportRow(submission_id=submission_id, rubric_ref=rubric_ref)
        s.add(report)
        ready = row.stage != "reading"
        if ready:
            row.status, row.stage, row.updated_at = "running", "matching", utcnow()
        s.flush()
        report_id = report.id
    if ready:
        ctx.queue.analyze(report_id)
    return report_id


def latest_report_meta(
    ctx: ServiceContext, submission_id: str, report_id: int | None = None
) -> tuple[int, str, str | None] | None:
    """(id, status, error) of the newest finished report, or of the one asked for."""
    with ctx.db.session() as s:
        q = select(ReportRow.id, ReportRow.status, ReportRow.error).where(
            ReportRow.submission_id == submission_id
        )
        if report_id is not None:
            q = q.where(ReportRow.id == report_id)
        else:
            q = q.where(ReportRow.status == "done")
        row = s.execute(q.order_by(ReportRow.id.desc()).limit(1)).first()
    return (row[0], row[1], row[2]) if row else None


def report_json(ctx: ServiceContext, report_id: int) -> str:
    """The stored JSON of a finished report."""
    with ctx.db.session() as s:
        text = s.scalar(select(ReportRow.report_json).where(ReportRow.id == report_id))
    return text or "{}"
