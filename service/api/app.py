"""The FastAPI application: submissions, their analysis, artifact files and page images."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, Header, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import select
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipelines.rubric_catalog import RubricError
from pipelines.submission import ManifestError
from service.api.pages import PageError, parse_box, render_page
from service.api.uploads import (
    UploadLimits,
    UploadRefused,
    check_content_types,
    receive_files,
    receive_zip,
)
from service.config import Settings, get_settings
from service.context import ServiceContext
from service.jobs import work
from service.storage.tables import ArtifactRow, ReportRow, SubmissionRow, User
from service.submissions import (
    latest_report_meta,
    load_for_storage,
    report_json,
    request_analysis,
    store_submission,
)
from service.users import user_for_token

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".wav": "audio/wav",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


class UploadSizeGuard:
    """Refuse an upload by its declared length before anything is read.

    Starlette spools a multipart body to disk before any route sees it, so the
    submission limit must be enforced here. A plain ASGI middleware: it costs other
    requests nothing (unlike ``@app.middleware("http")``).
    """

    def __init__(self, app: Any, max_submission_mb: float):
        self.app = app
        self.limit = int(max_submission_mb * 1024 * 1024) + 1024 * 1024  # form overhead
        self.max_submission_mb = max_submission_mb

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] == "/api/submissions"
        ):
            headers = dict(scope.get("headers") or [])
            length = headers.get(b"content-length")
            response = None
            if length is None:
                response = _error(411, "uploads need a Content-Length header")
            elif not length.isdigit() or int(length) > self.limit:
                response = _error(
                    413,
                    f"the upload is larger than the submission limit "
                    f"({self.max_submission_mb:g} MB)",
                )
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": message, **extra})


def _context(request: Request) -> ServiceContext:
    return request.app.state.ctx


Ctx = Annotated[ServiceContext, Depends(_context)]


SESSION_COOKIE = "evreview_session"


def current_user(
    request: Request, ctx: Ctx, authorization: Annotated[str | None, Header()] = None
) -> User:
    """The user of the request's bearer token, or of the browser's session cookie (for
    page images and players in the review pages); 401 without either."""
    scheme, _, token = (authorization or "").partition(" ")
    if authorization:
        user = user_for_token(ctx.db, token.strip()) if scheme.lower() == "bearer" else None
    else:
        from service.review import user_for_session

        user = user_for_session(ctx.db, request.cookies.get(SESSION_COOKIE, ""))
    if user is None:
        raise HTTPException(401, "missing or invalid API token (Authorization: Bearer <token>)")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def _visible(ctx: ServiceContext, user: User, submission_id: str) -> SubmissionRow:
    """A submission the user may see; candidates see only their own (others: 404)."""
    with ctx.db.session() as s:
        row = s.get(SubmissionRow, submission_id)
    if row is None or (user.role == "candidate" and row.owner_id != user.id):
        raise HTTPException(404, f"no submission '{submission_id}'")
    return row


def _require(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise HTTPException(403, f"this needs the role {' or '.join(roles)} (you are {user.role})")


class Accepted(BaseModel):
    id: str
    status: str
    url: str


class AnalyzeRequest(BaseModel):
    rubric: str | None = None


def create_app(settings: Settings | None = None, *, start_runner: bool = True) -> FastAPI:
    """The application; with no Redis set it runs jobs in-process (the embedded default)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx = ServiceContext.create(settings)
        runner = None
        if ctx.scaled_out:
            from service.jobs.queue import CeleryQueue

            assert settings.redis_url
            ctx.queue = CeleryQueue(settings.redis_url, settings.task_visibility_timeout_s)
        else:
            from service.jobs.queue import EmbeddedQueue
            from service.jobs.runner import EmbeddedRunner

            queue = EmbeddedQueue(ctx.db)
            ctx.queue = queue
            runner = EmbeddedRunner(ctx, queue)
            app.state.runner = runner
            if start_runner:
                runner.start()
        app.state.ctx = ctx
        yield
        if runner is not None:
            runner.stop()
        ctx.db.engine.dispose()

    app = FastAPI(
        title="evreview",
        description="Evidence review for educator micro-credentials. Every route needs "
        "`Authorization: Bearer <token>` (tokens: `evreview users add NAME --role ROLE`).",
        version="0.1.0",
        lifespan=lifespan,
    )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return _error(422, "; ".join(problems), problems=problems)

    app.add_middleware(UploadSizeGuard, max_submission_mb=settings.max_submission_mb)
    reports: dict[int, bytes] = {}
    owners: dict[str, int] = {}  # submission -> owner (an owner never changes)
    latest: dict[tuple[str, int | None], tuple[float, tuple[int, str, str | None]]] = {}

    from service.web.routes import mount_web

    mount_web(app)

    @app.get("/api/health")
    def health(ctx: Ctx) -> dict[str, str]:
        """Liveness, and whether jobs run in-process or on Celery workers."""
        return {"status": "ok", "jobs": "celery" if ctx.scaled_out else "embedded"}

    @app.post("/api/submissions", status_code=202, response_model=Accepted)
    async def create_submission(
        ctx: Ctx,
        user: CurrentUser,
        archive: Annotated[
            UploadFile | None, File(description="A zip of a submission folder")
        ] = None,
        manifest: Annotated[UploadFile | None, File(description="submission.yaml")] = None,
        files: Annotated[
            list[UploadFile] | None,
            File(description="The manifest's files; each file name is its path in the folder"),
        ] = None,
        draft: Annotated[
            bool, Form(description="Keep it as the candidate's draft (not yet for assessment)")
        ] = False,
    ) -> Accepted | JSONResponse:
        """Upload a submission (a zip, or the manifest and its files); its work is queued."""
        _require(user, "candidate", "admin")
        limits = UploadLimits(
            max_file_bytes=int(ctx.settings.max_file_mb * 1024 * 1024),
            max_submission_bytes=int(ctx.settings.max_submission_mb * 1024 * 1024),
            max_files=ctx.settings.max_files,
        )
        incoming = ctx.settings.data_dir / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(dir=incoming))
        try:
            if archive is not None and manifest is None and not files:
                await receive_zip(archive, folder, limits)
            elif archive is None and manifest is not None:
                await receive_files(manifest, files or [], folder, limits)
            else:
                return _error(400, "send either 'archive' (a zip) or 'manifest' with 'files'")
            try:
                submission = load_for_storage(ctx, folder)
            except ManifestError as e:
                problems = [f"submission.yaml: {p}" for p in e.problems]
                return _error(422, "; ".join(problems), problems=problems)
            check_content_types(submission)
            phase = "draft" if draft else "submitted"
            submission_id = store_submission(ctx, folder, submission, user.id, phase=phase)
        except UploadRefused as e:
            return _error(e.status_code, e.message)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return Accepted(id=submission_id, status="queued", url=f"/api/submissions/{submission_id}")

    @app.get("/api/submissions")
    def list_submissions(ctx: Ctx, user: CurrentUser) -> list[dict[str, Any]]:
        """The submissions the user may see, newest first."""
        with ctx.db.session() as s:
            q = select(SubmissionRow).order_by(SubmissionRow.created_at.desc())
            if user.role == "candidate":
                q = q.where(SubmissionRow.owner_id == user.id)
            rows = s.scalars(q).all()
        return [_summary(r) for r in rows]

    @app.get("/api/submissions/{submission_id}")
    def get_submission(ctx: Ctx, user: CurrentUser, submission_id: str) -> dict[str, Any]:
        """Status, and progress per artifact and stage."""
        row = _visible(ctx, user, submission_id)
        with ctx.db.session() as s:
            arts = s.scalars(
                select(ArtifactRow)
                .where(ArtifactRow.submission_id == submission_id)
                .order_by(ArtifactRow.position)
            ).all()
            reports = s.scalars(
                select(ReportRow)
                .where(ReportRow.submission_id == submission_id)
                .order_by(ReportRow.id)
            ).all()
        return {
            **_summary(row),
            "artifacts": [_artifact(a) for a in arts],
            "reports": [
                {
                    "id": r.id,
                    "rubric": r.rubric_ref,
                    "rubric_version": r.rubric_version,
                    "status": r.status,
                    "error": r.error,
                    "created_at": r.created_at.isoformat(),
                    "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                }
                for r in reports
            ],
        }

    @app.get("/api/submissions/{submission_id}/analysis")
    def get_analysis(
        ctx: Ctx, user: CurrentUser, submission_id: str, report: int | None = None
    ) -> Response:
        """The analysis report (shared/contract/ANALYSIS-REPORT.md): the newest, or ?report=ID."""
        owner = owners.get(submission_id)
        if owner is None:
            owners[submission_id] = _visible(ctx, user, submission_id).owner_id
        elif user.role == "candidate" and owner != user.id:
            raise HTTPException(404, f"no submission '{submission_id}'")
        key = (submission_id, report)
        cached = latest.get(key)
        if cached is not None and cached[0] > time.monotonic():
            found: tuple[int, str, str | None] | None = cached[1]
        else:
            found = latest_report_meta(ctx, submission_id, report)
            if found is not None and found[1] == "done":
                # A newer report shows within a second; reads under load skip the database.
                if len(latest) > 10_000:
                    latest.clear()
                latest[key] = (time.monotonic() + 1.0, found)
        if found is None or found[1] != "done":
            if found is not None and found[1] == "failed":
                return _error(409, f"the analysis failed: {found[2]}")
            row = _visible(ctx, user, submission_id)
            return _error(
                409, f"the analysis is not ready yet (submission {row.status}, stage {row.stage})"
            )
        body = reports.get(found[0])
        if body is None:
            # A finished report never changes: keep its bytes (bounded) for repeated reads.
            body = report_json(ctx, found[0]).encode()
            if len(reports) > 256:
                reports.clear()
            reports[found[0]] = body
        return Response(body, media_type="application/json")

    @app.post("/api/submissions/{submission_id}/analyze", status_code=202)
    def analyze_again(
        ctx: Ctx, user: CurrentUser, submission_id: str, body: AnalyzeRequest | None = None
    ) -> dict[str, Any]:
        """Analyse again (e.g. with a newer rubric version); earlier reports are kept."""
        row = _visible(ctx, user, submission_id)
        rubric_ref = (body.rubric if body else None) or row.credential
        if (
            rubric_ref.partition("@")[0] != rubric_ref.partition("@")[0].strip()
            or "/" in rubric_ref
        ):
            raise HTTPException(422, "name a rubric as ID or ID@VERSION")
        try:
            ctx.rubric(rubric_ref)
        except RubricError as e:
            raise HTTPException(422, str(e).splitlines()[0]) from None
        report_id = request_analysis(ctx, submission_id, rubric_ref)
        return {"report_id": report_id, "status": "queued"}

    @app.get("/api/submissions/{submission_id}/artifacts/{artifact_id}/file")
    def artifact_file(
        ctx: Ctx, user: CurrentUser, submission_id: str, artifact_id: str
    ) -> FileResponse:
        """The artifact's file; recordings answer HTTP range requests, so players can seek."""
        path, _kind = _artifact_path(ctx, user, submission_id, artifact_id)
        return FileResponse(
            path,
            media_type=MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"),
            filename=path.name,
            content_disposition_type="inline",
        )

    @app.get("/api/submissions/{submission_id}/artifacts/{artifact_id}/pages/{number}.png")
    def page_image(
        ctx: Ctx,
        user: CurrentUser,
        submission_id: str,
        artifact_id: str,
        number: int,
        box: Annotated[list[str] | None, Query(description="x0,y0,x1,y1 to highlight")] = None,
        dpi: int = 110,
    ) -> Response:
        """A PNG of one page of a PDF or image, with the chosen boxes highlighted."""
        path, kind = _artifact_path(ctx, user, submission_id, artifact_id)
        try:
            png = render_page(path, kind, number, [parse_box(b) for b in box or []], dpi)
        except PageError as e:
            raise HTTPException(
                422 if "box" in str(e) or "dpi" in str(e) else 404, str(e)
            ) from None
        return Response(png, media_type="image/png")

    def _artifact_path(
        ctx: ServiceContext, user: User, submission_id: str, artifact_id: str
    ) -> tuple[Path, str]:
        _visible(ctx, user, submission_id)
        with ctx.db.session() as s:
            art = s.get(ArtifactRow, (submission_id, artifact_id))
        if art is None:
            raise HTTPException(404, f"no artifact '{artifact_id}' in submission {submission_id}")
        kind = ""
        if art.ingested_json:
            kind = json.loads(art.ingested_json)["summary"].get("kind") or ""
        folder = work.submission_folder(ctx, submission_id)
        return folder / art.file, kind

    return app


def _summary(row: SubmissionRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "phase": row.phase,
        "version": row.version,
        "parent_id": row.parent_id,
        "credential": row.credential,
        "candidate": row.candidate,
        "status": row.status,
        "stage": row.stage,
        "error": row.error,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def _artifact(a: ArtifactRow) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": a.artifact_id,
        "file": a.file,
        "title": a.title,
        "status": a.status,
    }
    if a.ingested_json:
        summary = json.loads(a.ingested_json)["summary"]
        out.update(
            {
                k: summary.get(k)
                for k in ("kind", "pages", "duration_s", "chunks", "ocr_pages", "error")
            }
        )
    return out
