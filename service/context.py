"""What the API, the embedded runner and Celery workers share: settings, database, file
store, job queue, and the models (loaded once per process, on first use)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from models.rubric import Rubric
from pipelines.rubric_catalog import RubricCatalog
from service.config import Settings
from service.storage.blobs import BlobStore, LocalBlobStore, S3BlobStore
from service.storage.database import Database, migrate

if TYPE_CHECKING:
    from models.embedder import Embedder
    from service.jobs.queue import JobQueue


def make_blob_store(settings: Settings) -> BlobStore:
    """The configured content-addressed store."""
    if settings.s3_bucket:
        return S3BlobStore(settings.s3_bucket, settings.s3_prefix, settings.s3_endpoint_url)
    return LocalBlobStore(settings.resolved_blob_dir)


@dataclass
class ServiceContext:
    """One per process."""

    settings: Settings
    db: Database
    blobs: BlobStore
    queue: JobQueue | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, settings: Settings, run_migrations: bool = True) -> ServiceContext:
        """Connect to the database (bringing its schema up to date) and the file store."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        url = settings.resolved_database_url
        if run_migrations:
            migrate(url)
        ctx = cls(settings=settings, db=Database(url), blobs=make_blob_store(settings))
        if run_migrations:
            from service.rubric_versions import seed_from_files

            seed_from_files(ctx.db, ctx.catalog())
        return ctx

    def catalog(self) -> RubricCatalog:
        """The rubric files (shipped, and the extra folder)."""
        return RubricCatalog(self.settings.rubrics_dir)

    def rubric(self, ref: str) -> Rubric:
        """A rubric by ``ID`` (published version) or ``ID@VERSION``."""
        from service.rubric_versions import resolve

        return resolve(self.db, self.catalog(), ref)

    def embedder(self) -> Embedder:
        """The process-wide embedding model."""
        from models.embedder import get_embedder

        return get_embedder(self.settings.embedding_model, self.settings.embedding_threads)

    @property
    def scaled_out(self) -> bool:
        """Whether jobs go to Celery workers (Redis is configured)."""
        return bool(self.settings.redis_url)
