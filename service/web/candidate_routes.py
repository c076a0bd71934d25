"""The candidate's area: drafts, the readiness report, fixing citations, submitting,
and resubmitting after a *not yet* with the changes between versions."""

from __future__ import annotations

import shutil
import tempfile
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from pipelines.rubric_catalog import RubricCatalog
from pipelines.submission import MANIFEST_NAME, ManifestError
from service.api.uploads import UploadLimits, UploadRefused, check_content_types, receive_zip
from service.context import ServiceContext
from service.jobs import work
from service.review import latest_done_report
from service.storage.tables import (
    ArtifactRow,
    DetailReview,
    FinalDecision,
    ReviewSubmission,
    SubmissionRow,
    User,
)
from service.submissions import load_for_storage, store_submission
from service.versions import compare_versions, version_chain
from service.web.routes import Ctx, PageUser, _render

router = APIRouter(include_in_schema=False)


def _own(ctx: ServiceContext, user: User, submission_id: str) -> SubmissionRow:
    """A submission of the signed-in candidate (404 for anyone else's)."""
    with ctx.db.session() as s:
        row = s.get(SubmissionRow, submission_id)
    if row is None or (row.owner_id != user.id and user.role != "admin"):
        raise HTTPException(404, f"no submission '{submission_id}'")
    return row


def _limits(ctx: ServiceContext) -> UploadLimits:
    return UploadLimits(
        max_file_bytes=int(ctx.settings.max_file_mb * 1024 * 1024),
        max_submission_bytes=int(ctx.settings.max_submission_mb * 1024 * 1024),
        max_files=ctx.settings.max_files,
    )


def _store_folder(
    ctx: ServiceContext, user: User, folder: Path, parent_id: str | None
) -> str | list[str]:
    """Validate and store a folder as a draft; the id, or the problems to show."""
    try:
        submission = load_for_storage(ctx, folder)
        check_content_types(submission)
    except ManifestError as e:
        return [f"submission.yaml: {p}" for p in e.problems]
    except UploadRefused as e:
        return [e.message]
    return store_submission(ctx, folder, submission, user.id, phase="draft", parent_id=parent_id)


@router.get("/mine")
def my_submissions(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    """A candidate's submissions: the latest version of each, newest first."""
    with ctx.db.session() as s:
        rows = list(
            s.scalars(
                select(SubmissionRow)
                .where(SubmissionRow.owner_id == user.id)
                .order_by(SubmissionRow.created_at.desc())
            )
        )
    children = {r.parent_id for r in rows if r.parent_id}
    latest = [r for r in rows if r.id not in children]
    credentials = sorted(RubricCatalog(ctx.settings.rubrics_dir).ids())
    return _render(request, "mine.html", user, rows=latest, credentials=credentials)


@router.post("/mine/new")
async def new_draft(
    request: Request,
    ctx: Ctx,
    user: PageUser,
    archive: Annotated[UploadFile, File()],
    parent_id: Annotated[str, Form()] = "",
) -> Response:
    """Upload a zipped submission folder as a draft (or as a new version of ``parent_id``)."""
    if user.role not in ("candidate", "admin"):
        raise HTTPException(403, "drafts are for candidates")
    if parent_id:
        _own(ctx, user, parent_id)
    incoming = ctx.settings.data_dir / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=incoming))
    try:
        try:
            await receive_zip(archive, folder, _limits(ctx))
        except UploadRefused as e:
            return _render(request, "mine_error.html", user, 400, problems=[e.message])
        result = _store_folder(ctx, user, folder, parent_id or None)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if isinstance(result, list):
        return _render(request, "mine_error.html", user, 422, problems=result)
    return RedirectResponse(f"/mine/{result}", status_code=303)


@router.post("/mine/new-files")
async def new_draft_from_files(
    request: Request,
    ctx: Ctx,
    user: PageUser,
    credential: Annotated[str, Form()],
    artifacts: Annotated[list[UploadFile], File()],
    overview: Annotated[UploadFile | None, File()] = None,
    reflection: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """A draft from files chosen one by one; the self-analysis is then filled in a form."""
    from service.api.uploads import clean_relative_path

    if user.role not in ("candidate", "admin"):
        raise HTTPException(403, "drafts are for candidates")
    limits = _limits(ctx)
    incoming = ctx.settings.data_dir / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=incoming))
    try:
        manifest: dict[str, Any] = {"credential": credential, "parts": {}, "artifacts": []}
        total = 0
        uploads = [("overview", overview), ("reflection", reflection)]
        uploads += [(f"A{i}", f) for i, f in enumerate(artifacts, start=1)]
        for role, upload in uploads:
            if upload is None or not upload.filename:
                continue
            try:
                name = clean_relative_path(Path(upload.filename).name)
            except UploadRefused as e:
                return _render(
                    request, "mine_error.html", user, e.status_code, problems=[e.message]
                )
            rel = name if role in ("overview", "reflection") else f"artifacts/{name}"
            if role in ("overview", "reflection"):
                rel = f"{role}{Path(name).suffix.lower()}"
            data = await upload.read(limits.max_file_bytes + 1)
            total += len(data)
            if len(data) > limits.max_file_bytes or total > limits.max_submission_bytes:
                return _render(
                    request,
                    "mine_error.html",
                    user,
                    413,
                    problems=[f"{name}: larger than the upload limit"],
                )
            target = folder / rel
            if target.exists():
                return _render(
                    request,
                    "mine_error.html",
                    user,
                    400,
                    problems=[f"{name}: two files with the same name"],
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            if role in ("overview", "reflection"):
                manifest["parts"][role] = rel
            else:
                manifest["artifacts"].append({"id": role, "file": rel, "title": Path(name).stem})
        (folder / MANIFEST_NAME).write_text(yaml.safe_dump(manifest, sort_keys=False))
        result = _store_folder(ctx, user, folder, None)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if isinstance(result, list):
        return _render(request, "mine_error.html", user, 422, problems=result)
    return RedirectResponse(f"/mine/{result}", status_code=303)


def _manifest(ctx: ServiceContext, submission_id: str) -> tuple[Path, dict[str, Any]]:
    folder = work.submission_folder(ctx, submission_id)
    data = yaml.safe_load((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    return folder, data


@router.get("/mine/{submission_id}")
def draft_page(request: Request, ctx: Ctx, user: PageUser, submission_id: str) -> HTMLResponse:
    """Progress while the artifacts are read, then the readiness report and what to fix."""
    row = _own(ctx, user, submission_id)
    with ctx.db.session() as s:
        artifacts = list(
            s.scalars(
                select(ArtifactRow)
                .where(ArtifactRow.submission_id == submission_id)
                .order_by(ArtifactRow.position)
            )
        )
        final = s.get(FinalDecision, submission_id)
        comments = []
        if final is not None:  # feedback per detail once the decision is made
            for r in s.scalars(
                select(DetailReview)
                .where(DetailReview.submission_id == submission_id)
                .order_by(DetailReview.detail_id)
            ):
                if r.comment:
                    comments.append((r.detail_id, r.decision, r.comment))
        reviewed = s.scalars(
            select(ReviewSubmission).where(ReviewSubmission.submission_id == submission_id)
        ).first()
    found = latest_done_report(ctx.db, submission_id)
    chain = version_chain(ctx.db, submission_id)
    latest = chain[-1].id == submission_id if chain else True
    _folder, manifest = _manifest(ctx, submission_id)
    rubric = ctx.rubric(row.credential)
    return _render(
        request,
        "draft.html",
        user,
        submission=row,
        artifacts=artifacts,
        ready=found is not None,
        final=final,
        comments=comments,
        under_review=reviewed is not None,
        chain=chain,
        latest=latest,
        citations=manifest.get("self_analysis") or [],
        artifact_ids=[a["id"] for a in manifest.get("artifacts") or []],
        detail_ids=[d.id for _o, d in rubric.details],
        working=row.status in ("queued", "running"),
    )


@router.get("/mine/{submission_id}/readiness.{fmt}")
def readiness_file(ctx: Ctx, user: PageUser, submission_id: str, fmt: str) -> Response:
    """The readiness report as a page (HTML) or a document to keep (PDF)."""
    _own(ctx, user, submission_id)
    found = latest_done_report(ctx.db, submission_id)
    if found is None:
        raise HTTPException(409, "the report is not ready yet")
    from models.report import AnalysisReport
    from pipelines.readiness import build_readiness
    from service.readiness_render import render_html, render_pdf

    report = AnalysisReport.model_validate(found[1])
    rubric = ctx.rubric(f"{report.rubric['id']}@{report.rubric['version']}")
    _folder, manifest = _manifest(ctx, submission_id)
    titles = {a["id"]: a.get("title") or a["file"] for a in manifest.get("artifacts") or []}
    readiness = build_readiness(report, rubric, titles)
    if fmt == "html":
        return HTMLResponse(render_html(readiness))
    if fmt == "pdf":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "readiness.pdf"
            render_pdf(readiness, path)
            data = path.read_bytes()
        return Response(
            data,
            media_type="application/pdf",
            headers={"Content-Disposition": 'attachment; filename="readiness.pdf"'},
        )
    raise HTTPException(404, "the report comes as .html or .pdf")


@router.post("/mine/{submission_id}/citations")
async def fix_citations(request: Request, ctx: Ctx, user: PageUser, submission_id: str) -> Response:
    """Save the edited self-analysis as a new draft version and check it again."""
    row = _own(ctx, user, submission_id)
    if row.phase != "draft":
        raise HTTPException(409, "this version is submitted; upload a new version instead")
    form = await request.form()
    entries = []
    for i in range(int(str(form.get("rows", "0")) or 0)):
        detail = str(form.get(f"detail_{i}", "")).strip()
        if not detail:
            continue
        entries.append(
            {
                "detail": detail,
                "artifact": str(form.get(f"artifact_{i}", "")).strip(),
                "location": str(form.get(f"location_{i}", "")).strip(),
                "explanation": str(form.get(f"explanation_{i}", "")).strip(),
            }
        )
    source, manifest = _manifest(ctx, submission_id)
    manifest["self_analysis"] = entries
    incoming = ctx.settings.data_dir / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=incoming))
    try:
        shutil.copytree(source, folder, dirs_exist_ok=True)
        (folder / MANIFEST_NAME).write_text(
            yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
        result = _store_folder(ctx, user, folder, submission_id)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if isinstance(result, list):
        return _render(request, "mine_error.html", user, 422, problems=result)
    return RedirectResponse(f"/mine/{result}", status_code=303)


@router.post("/mine/{submission_id}/submit")
def submit_for_assessment(ctx: Ctx, user: PageUser, submission_id: str) -> Response:
    """Send the latest draft to the assessors."""
    _own(ctx, user, submission_id)
    chain = version_chain(ctx.db, submission_id)
    if chain and chain[-1].id != submission_id:
        raise HTTPException(409, "a newer version exists; submit that one")
    with ctx.db.session() as s:
        row = s.get(SubmissionRow, submission_id)
        assert row is not None
        if row.status not in ("done", "failed"):
            raise HTTPException(409, "wait until the check has finished")
        row.phase = "submitted"
        from service.review import audit

        audit(s, user.id, "submit_for_assessment", submission_id, version=row.version)
    return RedirectResponse(f"/mine/{submission_id}", status_code=303)


@router.get("/mine/{submission_id}/changes")
def candidate_changes(
    request: Request, ctx: Ctx, user: PageUser, submission_id: str
) -> HTMLResponse:
    _own(ctx, user, submission_id)
    return _changes_page(request, ctx, user, submission_id)


@router.get("/review/{submission_id}/changes")
def assessor_changes(
    request: Request, ctx: Ctx, user: PageUser, submission_id: str
) -> HTMLResponse:
    from service.review import may_review

    if not may_review(ctx.db, user, submission_id):
        raise HTTPException(404, f"no submission '{submission_id}' for you to review")
    return _changes_page(request, ctx, user, submission_id)


def _changes_page(
    request: Request, ctx: ServiceContext, user: User, submission_id: str
) -> HTMLResponse:
    chain = version_chain(ctx.db, submission_id)
    pairs = [compare_versions(ctx.db, a, b) for a, b in pairwise(chain)]
    return _render(request, "changes.html", user, chain=chain, pairs=pairs, current=submission_id)
