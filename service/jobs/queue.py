"""Where jobs go: the embedded runner's table, or Celery over Redis."""

from __future__ import annotations

import threading
from typing import Protocol

from service.storage.database import Database
from service.storage.tables import JobRow


class JobQueue(Protocol):
    def ingest(self, submission_id: str, artifact_id: str) -> None:
        """Read one artifact."""
        ...

    def analyze(self, report_id: int) -> None:
        """Make one report."""
        ...


class EmbeddedQueue:
    """Jobs as rows of the ``jobs`` table, run by the in-process runner."""

    def __init__(self, db: Database):
        self.db = db
        self.wake = threading.Event()

    def _add(self, **values) -> None:
        with self.db.session() as s:
            s.add(JobRow(**values))
        self.wake.set()

    def ingest(self, submission_id: str, artifact_id: str) -> None:
        self._add(kind="ingest", submission_id=submission_id, artifact_id=artifact_id)

    def analyze(self, report_id: int) -> None:
        from service.storage.tables import ReportRow

        with self.db.session() as s:
            report = s.get(ReportRow, report_id)
            submission_id = report.submission_id if report else ""
        self._add(kind="analyze", submission_id=submission_id, report_id=report_id)


class CeleryQueue:
    """Jobs as Celery tasks on Redis, for `evreview worker` processes anywhere."""

    def __init__(self, redis_url: str, visibility_timeout_s: int):
        from service.jobs.celery_app import make_celery

        self.app = make_celery(redis_url, visibility_timeout_s)

    def ingest(self, submission_id: str, artifact_id: str) -> None:
        self.app.send_task("evreview.ingest_artifact", args=[submission_id, artifact_id])

    def analyze(self, report_id: int) -> None:
        self.app.send_task("evreview.analyze_report", args=[report_id])
