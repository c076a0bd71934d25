"""Job bodies with the follow-up each one triggers, shared by both runners."""

from __future__ import annotations

from service.context import ServiceContext
from service.jobs import work


def ingest_then_maybe_analyze(ctx: ServiceContext, submission_id: str, artifact_id: str) -> None:
    """Read an artifact; the job that reads the last one queues the analysis."""
    assert ctx.queue is not None
    try:
        last = work.run_ingest(ctx, submission_id, artifact_id)
    except Exception as e:
        # The pipeline records bad files itself; this is an unexpected crash of the job.
        text = str(e).strip().splitlines()
        last = work.mark_ingest_failed(
            ctx,
            submission_id,
            artifact_id,
            f"could not be read ({text[0] if text else type(e).__name__})",
        )
    if last:
        for report_id in work.pending_reports(ctx, submission_id):
            ctx.queue.analyze(report_id)


def analyze(ctx: ServiceContext, report_id: int) -> None:
    """Make a report (failures are stored on the report)."""
    work.run_analysis(ctx, report_id)
