"""The embedded job runner: a thread in the API process working through the ``jobs`` table.

It survives restarts: at start, jobs left ``running`` by a process that stopped
are queued again, and the work is idempotent, so running them twice is safe.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import select, update

from service.context import ServiceContext
from service.jobs import dispatch
from service.jobs.queue import EmbeddedQueue
from service.storage.tables import JobRow

log = logging.getLogger(__name__)


class EmbeddedRunner:
    """Runs queued jobs one at a time in a background thread."""

    def __init__(self, ctx: ServiceContext, queue: EmbeddedQueue):
        self.ctx = ctx
        self.queue = queue
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Re-queue interrupted jobs and start working."""
        with self.ctx.db.session() as s:
            resumed = s.execute(
                update(JobRow).where(JobRow.status == "running").values(status="queued")
            ).rowcount  # type: ignore[attr-defined]
        if resumed:
            log.info("resuming %d interrupted job(s)", resumed)
        self._thread = threading.Thread(target=self._loop, name="evreview-runner", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the current job and stop."""
        self._stop.set()
        self.queue.wake.set()
        if self._thread:
            self._thread.join(timeout)

    def _claim(self) -> JobRow | None:
        with self.ctx.db.session() as s:
            job = s.scalars(
                select(JobRow).where(JobRow.status == "queued").order_by(JobRow.id).limit(1)
            ).first()
            if job is None:
                return None
            claimed = s.execute(
                update(JobRow)
                .where(JobRow.id == job.id, JobRow.status == "queued")
                .values(status="running", attempts=job.attempts + 1)
            ).rowcount  # type: ignore[attr-defined]
            return job if claimed else None

    def run_pending(self) -> int:
        """Run every queued job now (also used by tests); returns how many ran."""
        ran = 0
        while not self._stop.is_set() and (job := self._claim()) is not None:
            status, error = "done", None
            try:
                if job.kind == "ingest":
                    assert job.artifact_id is not None
                    dispatch.ingest_then_maybe_analyze(self.ctx, job.submission_id, job.artifact_id)
                elif job.kind == "analyze":
                    assert job.report_id is not None
                    dispatch.analyze(self.ctx, job.report_id)
            except Exception as e:  # stored on the report; the runner goes on
                log.exception("job %s failed", job.id)
                status, error = "failed", str(e)[:2000]
            with self.ctx.db.session() as s:
                s.execute(
                    update(JobRow).where(JobRow.id == job.id).values(status=status, error=error)
                )
            ran += 1
        return ran

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_pending()
            except Exception:  # a database hiccup must not kill the runner
                log.exception("runner error")
            self.queue.wake.wait(self.ctx.settings.runner_poll_s)
            self.queue.wake.clear()
