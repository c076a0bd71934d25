"""The work of the service's jobs, shared by the embedded runner and the Celery tasks.

Jobs take ids and are idempotent: ingesting an artifact twice replaces its
chunks (their key is (submission, chunk id)), and the analysis starts once,
when the last artifact is read, through an atomic change of the submission's
stage.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from sqlalchemy import delete, func, select, update

from models.records import IngestedArtifact
from pipelines.analysis import analyze_ingested
from pipelines.ingest import IngestResult, ingest_artifact, read_written_part
from pipelines.submission import load_submission
from service.context import ServiceContext
from service.storage.tables import (
    ArtifactRow,
    ChunkRow,
    ReportRow,
    SubmissionFile,
    SubmissionRow,
    utcnow,
)

log = logging.getLogger(__name__)


def submission_folder(ctx: ServiceContext, submission_id: str) -> Path:
    """The submission laid out as a folder (from the file store), for the pipelines."""
    folder = ctx.settings.work_dir / submission_id
    with ctx.db.session() as s:
        files = s.scalars(
            select(SubmissionFile).where(SubmissionFile.submission_id == submission_id)
        ).all()
    for f in files:
        target = folder / f.path
        if not target.is_file() or target.stat().st_size != f.size:
            target.unlink(missing_ok=True)
            ctx.blobs.fetch(f.sha256, target)
    return folder


def remove_submission_folder(ctx: ServiceContext, submission_id: str) -> None:
    """Drop the laid-out copy (the file store keeps the originals)."""
    shutil.rmtree(ctx.settings.work_dir / submission_id, ignore_errors=True)


def run_ingest(ctx: ServiceContext, submission_id: str, artifact_id: str) -> bool:
    """Read one artifact into chunks; return True when it was the last one to read."""
    with ctx.db.session() as s:
        row = s.get(ArtifactRow, (submission_id, artifact_id))
        if row is None:
            log.warning("ingest of unknown artifact %s/%s skipped", submission_id, artifact_id)
            return False
        row.status = "reading"
        s.execute(
            update(SubmissionRow)
            .where(SubmissionRow.id == submission_id, SubmissionRow.status == "queued")
            .values(status="running")
        )
    folder = submission_folder(ctx, submission_id)
    submission = load_submission(folder)
    ref = submission.artifact(artifact_id)
    if ref is None:
        raise RuntimeError(f"artifact {artifact_id} is not in the stored manifest")
    result = ingest_artifact(ref, ctx.settings.extraction_options())
    with ctx.db.session() as s:
        # Replace, never add: a redelivered task leaves exactly one set of chunks.
        s.execute(
            delete(ChunkRow).where(
                ChunkRow.submission_id == submission_id, ChunkRow.artifact_id == artifact_id
            )
        )
        s.add_all(
            ChunkRow(
                submission_id=submission_id,
                chunk_id=c.id,
                artifact_id=artifact_id,
                seq=c.seq,
                data_json=c.model_dump_json(),
            )
            for c in result.chunks
        )
        row = s.get(ArtifactRow, (submission_id, artifact_id))
        assert row is not None
        row.status = "failed" if result.summary.error else "done"
        row.ingested_json = result.model_copy(update={"chunks": []}).model_dump_json()
    return claim_analysis(ctx, submission_id)


def claim_analysis(ctx: ServiceContext, submission_id: str) -> bool:
    """When every artifact is read, move the submission to matching (exactly once)."""
    with ctx.db.session() as s:
        pending = s.scalar(
            select(func.count())
            .select_from(ArtifactRow)
            .where(
                ArtifactRow.submission_id == submission_id,
                ArtifactRow.status.in_(("queued", "reading")),
            )
        )
        if pending:
            return False
        claimed = s.execute(
            update(SubmissionRow)
            .where(SubmissionRow.id == submission_id, SubmissionRow.stage == "reading")
            .values(stage="matching")
        ).rowcount  # type: ignore[attr-defined]
    return bool(claimed)


def pending_reports(ctx: ServiceContext, submission_id: str) -> list[int]:
    """Reports of a submission still to be made."""
    with ctx.db.session() as s:
        return list(
            s.scalars(
                select(ReportRow.id).where(
                    ReportRow.submission_id == submission_id,
                    ReportRow.status.in_(("queued", "running")),
                )
            )
        )


def load_ingest(ctx: ServiceContext, submission_id: str, folder: Path) -> IngestResult:
    """The stored ingestion of a submission: artifacts and chunks from the database."""
    from models.records import Chunk

    submission = load_submission(folder)
    with ctx.db.session() as s:
        rows = s.scalars(
            select(ArtifactRow)
            .where(ArtifactRow.submission_id == submission_id)
            .order_by(ArtifactRow.position)
        ).all()
        chunk_rows = s.scalars(
            select(ChunkRow)
            .where(ChunkRow.submission_id == submission_id)
            .order_by(ChunkRow.artifact_id, ChunkRow.seq)
        ).all()
    by_artifact: dict[str, list[Chunk]] = {}
    for c in chunk_rows:
        by_artifact.setdefault(c.artifact_id, []).append(Chunk.model_validate_json(c.data_json))
    artifacts = []
    for row in rows:
        if row.ingested_json is None:
            raise RuntimeError(f"artifact {row.artifact_id} has not been read")
        art = IngestedArtifact.model_validate_json(row.ingested_json)
        artifacts.append(art.model_copy(update={"chunks": by_artifact.get(row.artifact_id, [])}))
    options = ctx.settings.extraction_options()
    parts = {
        name: read_written_part(name, path, submission.part_files[name], options)
        for name, path in submission.parts.items()
    }
    return IngestResult(submission=submission, artifacts=artifacts, parts=parts)


def run_analysis(ctx: ServiceContext, report_id: int) -> None:
    """Match the stored chunks against the report's rubric and store the report."""
    with ctx.db.session() as s:
        report = s.get(ReportRow, report_id)
        if report is None or report.status == "done":
            return  # unknown, or a redelivered task whose work is already stored
        report.status = "running"
        submission_id, rubric_ref = report.submission_id, report.rubric_ref
    try:
        folder = submission_folder(ctx, submission_id)
        ingest = load_ingest(ctx, submission_id, folder)
        rubric = ctx.rubric(rubric_ref)
        analysis = analyze_ingested(
            ingest,
            rubric,
            ctx.embedder(),
            ctx.settings.index_dir,
            model=ctx.settings.scoring(),
            llm=ctx.settings.llm_options(),
        )
    except Exception as e:
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        with ctx.db.session() as s:
            s.execute(
                update(ReportRow)
                .where(ReportRow.id == report_id)
                .values(status="failed", error=message, finished_at=utcnow())
            )
            _settle_submission(s, submission_id)
        raise
    with ctx.db.session() as s:
        s.execute(
            update(ReportRow)
            .where(ReportRow.id == report_id)
            .values(
                status="done",
                rubric_id=rubric.id,
                rubric_version=rubric.version,
                report_json=json.dumps(analysis.report.to_json_dict()),
                error=None,
                finished_at=utcnow(),
            )
        )
        _settle_submission(s, submission_id)


def _settle_submission(s, submission_id: str) -> None:
    """Set the submission's status from its reports once nothing is pending."""
    statuses = set(
        s.scalars(select(ReportRow.status).where(ReportRow.submission_id == submission_id))
    )
    if statuses & {"queued", "running"}:
        return
    status = "done" if "done" in statuses else "failed"
    s.execute(
        update(SubmissionRow)
        .where(SubmissionRow.id == submission_id)
        .values(status=status, stage="done")
    )


def mark_ingest_failed(
    ctx: ServiceContext, submission_id: str, artifact_id: str, error: str
) -> bool:
    """Record an ingest job that crashed as the artifact's error; True if it was the last one."""
    from models.records import ArtifactSummary

    with ctx.db.session() as s:
        row = s.get(ArtifactRow, (submission_id, artifact_id))
        if row is None:
            return False
        summary = ArtifactSummary(id=artifact_id, file=row.file, kind=None, error=error)
        row.status = "failed"
        row.ingested_json = IngestedArtifact(summary=summary, title=row.title).model_dump_json()
    return claim_analysis(ctx, submission_id)
