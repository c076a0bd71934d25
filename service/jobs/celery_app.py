"""Celery over Redis for scale-out: tasks take ids, are acknowledged late, and are
delivered again when a worker dies in the middle (after the visibility timeout)."""

from __future__ import annotations

import logging

from celery import Celery, signals

log = logging.getLogger(__name__)
_context = None


def make_celery(redis_url: str, visibility_timeout_s: int = 3600) -> Celery:
    """A Celery app on Redis with the delivery guarantees the jobs rely on."""
    app = Celery("evreview", broker=redis_url)
    app.conf.update(
        task_acks_late=True,  # a task is acknowledged only once its work is stored
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # long tasks: do not hoard messages
        broker_transport_options={"visibility_timeout": visibility_timeout_s},
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    app.task(name="evreview.ingest_artifact")(_ingest_artifact)
    app.task(name="evreview.analyze_report")(_analyze_report)
    return app


def _ctx():
    """The worker process's context (database, store, queue), made on first use."""
    global _context
    if _context is None:
        from service.config import get_settings
        from service.context import ServiceContext
        from service.jobs.queue import CeleryQueue

        settings = get_settings()
        assert settings.redis_url, "EVREVIEW_REDIS_URL must be set for workers"
        _context = ServiceContext.create(settings, run_migrations=False)
        _context.queue = CeleryQueue(settings.redis_url, settings.task_visibility_timeout_s)
    return _context


def _ingest_artifact(submission_id: str, artifact_id: str) -> None:
    from service.jobs import dispatch

    dispatch.ingest_then_maybe_analyze(_ctx(), submission_id, artifact_id)


def _analyze_report(report_id: int) -> None:
    from service.jobs import dispatch

    try:
        dispatch.analyze(_ctx(), report_id)
    except Exception:
        log.exception("report %s failed", report_id)  # stored on the report


@signals.worker_process_init.connect
def _load_models(**_kwargs) -> None:
    """Load the models once per worker process, before its first task."""
    try:
        _ctx().embedder()
    except Exception:
        log.exception("could not preload the embedding model")
