"""Server-rendered pages for assessors and admins: sign-in, triage queue, review, reconciliation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from sqlalchemy import select

from pipelines.locations import LocationError, PageRange, parse_location
from pipelines.rubric_catalog import RubricError
from service import review
from service.context import ServiceContext
from service.storage.tables import ChunkRow, FinalDecision, SubmissionRow, User

HERE = Path(__file__).parent
SESSION_COOKIE = "evreview_session"
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)


class NotSignedIn(Exception):
    """Raised by page dependencies; answered with a redirect to the sign-in page."""


def _ctx(request: Request) -> ServiceContext:
    return request.app.state.ctx


Ctx = Annotated[ServiceContext, Depends(_ctx)]


def page_user(request: Request, ctx: Ctx) -> User:
    """The signed-in user of a page (else a redirect to /login)."""
    user = review.user_for_session(ctx.db, request.cookies.get(SESSION_COOKIE, ""))
    if user is None:
        raise NotSignedIn()
    return user


PageUser = Annotated[User, Depends(page_user)]


def _reviewer(ctx: ServiceContext, user: User, submission_id: str) -> SubmissionRow:
    with ctx.db.session() as s:
        row = s.get(SubmissionRow, submission_id)
    if row is None or not review.may_review(ctx.db, user, submission_id):
        raise HTTPException(404, f"no submission '{submission_id}' for you to review")
    return row


def _render(
    request: Request, template: str, user: User | None, status: int = 200, **ctx: Any
) -> HTMLResponse:
    return templates.TemplateResponse(request, template, {"user": user, **ctx}, status_code=status)


def _place_text(loc: dict[str, Any]) -> str:
    if loc.get("page") is not None:
        return f"{loc['artifact']} p. {loc['page']}"
    if loc.get("start_s") is None:
        return loc.get("artifact") or "-"

    def clock(x: float) -> str:
        return f"{int(x // 60)}:{int(x % 60):02d}"

    end = f"–{clock(loc['end_s'])}" if loc.get("end_s") is not None else ""
    return f"{loc['artifact']} {clock(loc['start_s'])}{end}"


templates.env.filters["place"] = _place_text


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    return _render(request, "login.html", None)


@router.post("/login")
def login(
    request: Request, ctx: Ctx, name: Annotated[str, Form()], password: Annotated[str, Form()]
) -> Response:
    found = review.sign_in(ctx.db, name.strip(), password)
    if found is None:
        return _render(request, "login.html", None, 401, error="Wrong name or password.", name=name)
    user, token = found
    target = "/queue" if user.role in ("assessor", "admin") else "/mine"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", max_age=review.SESSION_DAYS * 86400
    )
    return response


@router.post("/logout")
def logout(request: Request, ctx: Ctx) -> Response:
    review.sign_out(ctx.db, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(user: PageUser) -> Response:
    return RedirectResponse("/queue" if user.role in ("assessor", "admin") else "/mine", 303)


SORTS = {
    "age": lambda r: -r.age_days,
    "none": lambda r: -r.none,
    "invalid": lambda r: -r.invalid_refs,
    "parts": lambda r: -r.parts_under,
    "ready": lambda r: (not r.ready, -r.age_days),
}


@router.get("/queue")
def queue(
    request: Request, ctx: Ctx, user: PageUser, sort: str = "ready", show: str = "all"
) -> HTMLResponse:
    """The triage queue: counts per status so incomplete work goes back and ready work first."""
    if user.role not in ("assessor", "admin"):
        raise HTTPException(403, "the queue is for assessors")
    rows = review.triage_queue(ctx.db, user)
    if show == "ready":
        rows = [r for r in rows if r.ready]
    elif show == "incomplete":
        rows = [r for r in rows if not r.ready]
    rows.sort(key=SORTS.get(sort, SORTS["ready"]))
    assessors: list[User] = []
    assigned: dict[str, list[str]] = {}
    if user.role == "admin":
        with ctx.db.session() as s:
            assessors = list(
                s.scalars(select(User).where(User.role == "assessor").order_by(User.name))
            )
        assigned = {r.id: [u.name for u in review.assessors_of(ctx.db, r.id)] for r in rows}
    return _render(
        request,
        "queue.html",
        user,
        rows=rows,
        sort=sort,
        show=show,
        assessors=assessors,
        assigned=assigned,
    )


@router.post("/queue/assign")
def assign(
    ctx: Ctx,
    user: PageUser,
    submission_id: Annotated[str, Form()],
    assessor: Annotated[str, Form()],
) -> Response:
    try:
        review.assign(ctx.db, submission_id, assessor, user)
    except review.ReviewError as e:
        raise HTTPException(400, str(e)) from None
    return RedirectResponse("/queue", status_code=303)


def _load_review(ctx: ServiceContext, submission_id: str) -> tuple[int, dict, Any]:
    found = review.latest_done_report(ctx.db, submission_id)
    if found is None:
        raise HTTPException(409, "this submission has no finished analysis yet")
    report_id, report = found
    try:
        rubric = ctx.rubric(f"{report['rubric']['id']}@{report['rubric']['version']}")
    except RubricError as e:
        raise HTTPException(500, str(e)) from None
    return report_id, report, rubric


def _transcript_around(
    ctx: ServiceContext, submission_id: str, artifact: str, start: float, end: float
) -> list[dict[str, Any]]:
    with ctx.db.session() as s:
        rows = s.scalars(
            select(ChunkRow)
            .where(ChunkRow.submission_id == submission_id, ChunkRow.artifact_id == artifact)
            .order_by(ChunkRow.seq)
        ).all()
    lines = []
    for row in rows:
        c = json.loads(row.data_json)
        if c["start_s"] is not None and c["end_s"] >= start - 30 and c["start_s"] <= end + 30:
            lines.append({**c, "inside": c["end_s"] >= start and c["start_s"] <= end})
    return lines


@router.get("/review/{submission_id}")
def review_page(
    request: Request,
    ctx: Ctx,
    user: PageUser,
    submission_id: str,
    detail: str | None = None,
    s: int = 0,
) -> HTMLResponse:
    """One submission: details down the side, suggestions and the evidence in place."""
    row = _reviewer(ctx, user, submission_id)
    _report_id, report, rubric = _load_review(ctx, submission_id)
    details = report["details"]
    ids = [d["id"] for d in details]
    current = next((d for d in details if d["id"] == detail), details[0])
    index = ids.index(current["id"])
    state = review.review_state(ctx.db, user.id, submission_id)
    mine = state.get(current["id"], review.DetailState())
    suggestions = current["suggestions"]
    selected = (
        suggestions[s] if 0 <= s < len(suggestions) else (suggestions[0] if suggestions else None)
    )
    artifacts = {a["id"]: a for a in report["artifacts"]}
    viewer = None
    if selected is not None:
        art = artifacts.get(selected["artifact"], {})
        if selected["page"] is not None:
            box = selected.get("box")
            query = (
                f"?box={box['x0']:.1f},{box['y0']:.1f},{box['x1']:.1f},{box['y1']:.1f}"
                if box
                else ""
            )
            base = f"/api/submissions/{submission_id}/artifacts/{selected['artifact']}"
            viewer = {
                "type": "page" if art.get("kind") in ("pdf", "image") else "text",
                "src": f"{base}/pages/{selected['page']}.png{query}",
                "kind": art.get("kind"),
            }
        else:
            viewer = {
                "type": "video" if art.get("kind") == "video" else "audio",
                "src": f"/api/submissions/{submission_id}/artifacts/{selected['artifact']}/file",
                "start": selected["start_s"],
                "end": selected["end_s"],
                "lines": _transcript_around(
                    ctx, submission_id, selected["artifact"], selected["start_s"], selected["end_s"]
                ),
            }
    submitted = review.submitted_reviews(ctx.db, submission_id)
    detail_info = {d.id: d for _o, d in rubric.details}
    overall = review.overall_decision(ids, state)
    return _render(
        request,
        "review.html",
        user,
        submission=row,
        label=review.anonymous_label(row.id),
        report=report,
        details=details,
        current=current,
        index=index,
        ids=ids,
        state=state,
        mine=mine,
        selected_rank=s,
        selected=selected,
        viewer=viewer,
        artifacts=artifacts,
        rubric=rubric,
        rubric_detail=detail_info.get(current["id"]),
        overall=overall,
        my_submission=submitted.get(user.id),
        blind_lifted=review.blind_lifted(ctx.db, submission_id, rubric.double_blind),
    )


class ActionRequest(BaseModel):
    detail: str
    kind: str  # confirm | reject | mark | decide
    artifact: str | None = None
    page: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    location: str | None = None
    rank: int | None = None
    score: float | None = None
    decision: str | None = None
    comment: str | None = None


@router.post("/review/{submission_id}/actions")
def review_action(
    request: Request, ctx: Ctx, user: PageUser, submission_id: str, action: ActionRequest
) -> JSONResponse:
    """Save one action at once (confirm, reject, mark another place, decide)."""
    # JSON only: a cross-site form cannot send it, so the session cookie cannot be abused.
    if request.headers.get("content-type", "").split(";")[0] != "application/json":
        raise HTTPException(415, "actions are sent as JSON")
    _reviewer(ctx, user, submission_id)
    _report_id, report, _rubric = _load_review(ctx, submission_id)
    if action.detail not in {d["id"] for d in report["details"]}:
        raise HTTPException(422, f"unknown detail '{action.detail}'")
    artifacts = {a["id"]: a for a in report["artifacts"]}
    try:
        if action.kind in ("confirm", "reject"):
            place = review.Place(action.artifact or "", action.page, action.start_s, action.end_s)
            review.record_place(
                ctx.db,
                user,
                submission_id,
                action.detail,
                action.kind,
                place,
                action.rank,
                action.score,
            )
        elif action.kind == "mark":
            place = _parse_place(action, artifacts)
            review.record_place(ctx.db, user, submission_id, action.detail, "mark", place)
        elif action.kind == "decide":
            review.decide_detail(
                ctx.db, user, submission_id, action.detail, action.decision or None, action.comment
            )
        else:
            raise review.ReviewError(f"unknown action '{action.kind}'")
    except review.ReviewError as e:
        return JSONResponse({"error": str(e)}, status_code=422)
    state = review.review_state(ctx.db, user.id, submission_id)
    ids = [d["id"] for d in report["details"]]
    st = state.get(action.detail, review.DetailState())
    return JSONResponse(
        {
            "ok": True,
            "decision": st.decision,
            "verdicts": st.verdicts,
            "marked": [p.text for p in st.marked],
            "overall": review.overall_decision(ids, state),
        }
    )


def _parse_place(action: ActionRequest, artifacts: dict[str, dict]) -> review.Place:
    art = artifacts.get(action.artifact or "")
    if art is None:
        raise review.ReviewError(f"unknown artifact '{action.artifact}'")
    try:
        loc = parse_location(action.location or "")
    except LocationError as e:
        raise review.ReviewError(str(e)) from None
    if isinstance(loc, PageRange):
        if art.get("pages") is None or loc.first > art["pages"]:
            raise review.ReviewError(f"{art['id']} has no page {loc.first}")
        return review.Place(art["id"], page=loc.first)
    if art.get("duration_s") is None or loc.start_s > art["duration_s"]:
        raise review.ReviewError(f"{art['id']} is not a recording that long")
    return review.Place(art["id"], start_s=loc.start_s, end_s=loc.end_s)


@router.post("/review/{submission_id}/submit")
def submit(
    request: Request,
    ctx: Ctx,
    user: PageUser,
    submission_id: str,
    feedback: Annotated[str, Form()] = "",
) -> Response:
    """Submit the overall decision (every detail must have one)."""
    _reviewer(ctx, user, submission_id)
    _report_id, report, _rubric = _load_review(ctx, submission_id)
    try:
        review.submit_review(
            ctx.db, user, submission_id, [d["id"] for d in report["details"]], feedback
        )
    except review.ReviewError as e:
        raise HTTPException(422, str(e)) from None
    return RedirectResponse(f"/review/{submission_id}", status_code=303)


@router.get("/review/{submission_id}/reconcile")
def reconcile_page(request: Request, ctx: Ctx, user: PageUser, submission_id: str) -> HTMLResponse:
    """Both assessors' decisions side by side, once both have submitted."""
    row = _reviewer(ctx, user, submission_id)
    _report_id, report, rubric = _load_review(ctx, submission_id)
    lifted = review.blind_lifted(ctx.db, submission_id, rubric.double_blind)
    if not lifted and user.role != "admin":
        return _render(
            request, "blind.html", user, status=403, label=review.anonymous_label(row.id)
        )
    assessors = review.assessors_of(ctx.db, submission_id)
    states = {a.id: review.review_state(ctx.db, a.id, submission_id) for a in assessors}
    rows = []
    for d in report["details"]:
        decisions = [states[a.id].get(d["id"], review.DetailState()) for a in assessors]
        values = {x.decision for x in decisions if x.decision}
        rows.append(
            {
                "detail": d,
                "decisions": decisions,
                "agree": len(values) == 1 and all(x.decision for x in decisions),
            }
        )
    with ctx.db.session() as s:
        final = s.get(FinalDecision, submission_id)
    return _render(
        request,
        "reconcile.html",
        user,
        label=review.anonymous_label(row.id),
        rows=rows,
        assessors=assessors,
        submitted=review.submitted_reviews(ctx.db, submission_id),
        final=final,
        lifted=lifted,
        submission=row,
    )


@router.post("/review/{submission_id}/final")
def final_decision(
    ctx: Ctx,
    user: PageUser,
    submission_id: str,
    decision: Annotated[str, Form()],
    feedback: Annotated[str, Form()] = "",
) -> Response:
    _reviewer(ctx, user, submission_id)
    try:
        review.record_final_decision(ctx.db, user, submission_id, decision, feedback)
    except review.ReviewError as e:
        raise HTTPException(403, str(e)) from None
    return RedirectResponse(f"/review/{submission_id}/reconcile", status_code=303)


def mount_web(app: FastAPI) -> None:
    """Add the pages, their static files, and the sign-in redirect to an app."""
    from service.web import (  # they use this module's helpers
        admin_routes,
        candidate_routes,
        rubric_routes,
    )

    app.include_router(router)
    app.include_router(admin_routes.router)
    app.include_router(candidate_routes.router)
    app.include_router(rubric_routes.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(NotSignedIn)
    async def _to_login(_request: Request, _exc: NotSignedIn) -> Response:
        return RedirectResponse("/login", status_code=303)
