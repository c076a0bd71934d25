"""Admin pages for rubric versions: edit a draft, preview it on one submission, compare it with
the published version on the assessor-labelled set, publish or roll back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from models.rubric import Rubric
from pipelines.calibration import Case, propose
from pipelines.evaluation import METRICS, Evaluation, Tally
from pipelines.rubric_catalog import RubricError
from service import rubric_versions
from service.context import ServiceContext
from service.label_sets import labelled_gold
from service.rubric_evaluation import analyse_stored, evaluate_on_labels
from service.storage.tables import SubmissionRow, User
from service.web.charts import paired_bars
from service.web.routes import Ctx, PageUser, _render

router = APIRouter(include_in_schema=False)


def _admin(user: User) -> None:
    if user.role != "admin":
        raise HTTPException(403, "rubrics are edited by admins")


@router.get("/admin/rubrics")
def rubric_list(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    _admin(user)
    return _render(request, "rubrics.html", user, rows=rubric_versions.versions(ctx.db))


@router.post("/admin/rubrics/{rubric_id}/drafts")
def new_draft(ctx: Ctx, user: PageUser, rubric_id: str) -> Response:
    _admin(user)
    try:
        version = rubric_versions.create_draft(ctx.db, rubric_id, user)
    except RubricError as e:
        raise HTTPException(404, str(e)) from None
    return RedirectResponse(f"/admin/rubrics/{rubric_id}/{version}", status_code=303)


def _tally(evaluation: Evaluation, detail: str) -> Tally | None:
    return evaluation.overall if detail == "overall" else evaluation.per_detail.get(detail)


def _compare_on_labels(ctx: ServiceContext, draft: Rubric, published: Rubric) -> dict[str, Any]:
    """Both versions evaluated on the assessor-labelled submissions, per detail."""
    gold = labelled_gold(ctx.db)
    results = {
        "draft": evaluate_on_labels(ctx, draft),
        "published": evaluate_on_labels(ctx, published),
    }
    rows = []
    worse_details = []
    hit3: list[tuple[str, float | None, float | None]] = []
    details = sorted(set(results["draft"].per_detail) | set(results["published"].per_detail))
    for detail in ["overall", *details]:
        cells = []
        a = _tally(results["draft"], detail)
        b = _tally(results["published"], detail)
        for m in ("hit1", "hit3", "found", "abstain"):
            va = a.value(m) if a else None
            vb = b.value(m) if b else None
            mark = "unchanged"
            if va is not None and vb is not None and abs(va - vb) > 1e-9:
                mark = "better" if va > vb else "worse"
            if mark == "worse" and detail != "overall":
                worse_details.append(detail)
            if m == "hit3" and detail != "overall":
                hit3.append((detail, va, vb))
            cells.append(
                {
                    "metric": m,
                    "draft": va,
                    "published": vb,
                    "mark": mark,
                    "cases": a.cases[m] if a else 0,
                }
            )
        rows.append({"detail": detail, "cells": cells})
    chart = paired_bars(
        f"hit@3 per detail: {draft.version} against {published.version}",
        hit3,
        (draft.version, f"{published.version} (published)"),
    )
    calibration = propose(
        "all details",
        [c for g_sid, g in gold.items() for c in _cases(ctx, g_sid, g, draft)],
        draft.thresholds.weak,
    )
    return {
        "rows": rows,
        "labelled": len(gold),
        "worse": sorted(set(worse_details)),
        "chart": chart,
        "calibration": calibration,
    }


def _cases(ctx: ServiceContext, submission_id: str, gold: dict, rubric: Rubric) -> list[Case]:
    """Best score and label of each labelled detail, for threshold calibration."""
    report = analyse_stored(ctx, submission_id, rubric)
    out = []
    for d in report["details"]:
        if d["id"] in gold["details"]:
            top = d["suggestions"][0]["score"] if d["suggestions"] else 0.0
            out.append(Case(top, bool(gold["details"][d["id"]])))
    return out


@router.get("/admin/rubrics/{rubric_id}/{version}")
def edit_page(
    request: Request,
    ctx: Ctx,
    user: PageUser,
    rubric_id: str,
    version: str,
    preview: str | None = None,
    compare: bool = False,
) -> HTMLResponse:
    """A version's content (editable for drafts), its preview and its comparison."""
    _admin(user)
    try:
        rubric = ctx.rubric(f"{rubric_id}@{version}")
        published = ctx.rubric(rubric_id)
    except RubricError as e:
        raise HTTPException(404, str(e)) from None
    return _edit_view(request, ctx, user, rubric, published, preview, compare, errors={})


def _edit_view(
    request: Request,
    ctx: ServiceContext,
    user: User,
    rubric: Rubric,
    published: Rubric,
    preview: str | None,
    compare: bool,
    errors: dict[str, str],
    status: int = 200,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    row = next(
        (r for r in rubric_versions.versions(ctx.db, rubric.id) if r.version == rubric.version),
        None,
    )
    with ctx.db.session() as s:
        submissions = list(
            s.scalars(
                select(SubmissionRow)
                .where(SubmissionRow.credential == rubric.id, SubmissionRow.status == "done")
                .order_by(SubmissionRow.created_at.desc())
                .limit(50)
            )
        )
    side_by_side = None
    if preview:
        new, old = analyse_stored(ctx, preview, rubric), analyse_stored(ctx, preview, published)
        old_details = {d["id"]: d for d in old["details"]}
        side_by_side = [(d, old_details[d["id"]]) for d in new["details"]]
    comparison = _compare_on_labels(ctx, rubric, published) if compare else None
    return _render(
        request,
        "rubric_edit.html",
        user,
        status=status,
        rubric=rubric,
        published=published,
        row=row,
        errors=errors,
        submissions=submissions,
        preview=preview,
        side_by_side=side_by_side,
        comparison=comparison,
        metrics=METRICS,
        values=values or {},
    )


def _lines(text: Any) -> list[str]:
    """A one-per-line textarea as a list, blank lines dropped."""
    return [line.strip() for line in str(text).splitlines() if line.strip()]


def rubric_from_form(
    current: Rubric, form: Mapping[str, Any]
) -> tuple[Rubric | None, dict[str, str]]:
    """The draft as the edit form changed it, or None and the errors keyed by form field."""
    data = current.model_dump()
    errors: dict[str, str] = {}

    def number(field: str, value: Any) -> float | None:
        try:
            return float(str(value))
        except ValueError:
            errors[field] = f"'{value}' is not a number"
            return None

    for key in ("evidence", "weak"):
        v = number(f"thresholds.{key}", form.get(f"thresholds.{key}", ""))
        if v is not None:
            data["thresholds"][key] = v
    for name in data["parts"]:
        v = number(f"parts.{name}", form.get(f"parts.{name}", ""))
        if v is not None:
            data["parts"][name]["minimum_words"] = int(v)
    template = str(form.get("note_template", data.get("note_template") or "")).strip()
    data["note_template"] = template or None
    for o in data["outcomes"]:
        for d in o["details"]:
            d["description"] = str(form.get(f"{d['id']}.description", d["description"])).strip()
            d["look_fors"] = _lines(form.get(f"{d['id']}.look_fors", ""))
            examples = form.get(f"{d['id']}.examples")
            if examples is not None:  # a form without the field keeps them
                d["examples"] = _lines(examples)
            own = {k: str(form.get(f"{d['id']}.{k}", "")).strip() for k in ("evidence", "weak")}
            if not any(own.values()):
                d["thresholds"] = None  # the rubric's thresholds apply
            else:
                own_values = {k: number(f"{d['id']}.thresholds", v or "?") for k, v in own.items()}
                if None not in own_values.values():
                    d["thresholds"] = own_values
    if errors:
        return None, errors
    try:
        return Rubric.model_validate(data), {}
    except ValidationError as e:
        for err in e.errors():
            loc = err["loc"]
            field = ".".join(str(x) for x in loc)
            if len(loc) >= 5 and loc[0] == "outcomes" and loc[2] == "details":
                detail_id = data["outcomes"][loc[1]]["details"][loc[3]]["id"]
                field = f"{detail_id}.{loc[4]}"
            errors[field] = err["msg"]
        return None, errors


@router.post("/admin/rubrics/{rubric_id}/{version}")
async def save_draft(
    request: Request, ctx: Ctx, user: PageUser, rubric_id: str, version: str
) -> Response:
    """Save the edited draft; validation errors are shown beside their fields."""
    _admin(user)
    try:
        current = ctx.rubric(f"{rubric_id}@{version}")
        published = ctx.rubric(rubric_id)
    except RubricError as e:
        raise HTTPException(404, str(e)) from None
    form = await request.form()
    edited, errors = rubric_from_form(current, form)
    if edited is not None:
        try:
            rubric_versions.save_draft(ctx.db, edited)
        except RubricError as e:
            raise HTTPException(409, str(e)) from None
        return RedirectResponse(f"/admin/rubrics/{rubric_id}/{version}", status_code=303)
    values = {k: str(v) for k, v in form.items()}
    return _edit_view(
        request, ctx, user, current, published, None, False, errors, status=422, values=values
    )


@router.post("/admin/rubrics/{rubric_id}/{version}/publish")
def publish(
    request: Request,
    ctx: Ctx,
    user: PageUser,
    rubric_id: str,
    version: str,
    confirm_worse: Annotated[str, Form()] = "",
) -> Response:
    """Publish a draft (or roll back to an earlier version); asks again if it is worse."""
    _admin(user)
    try:
        rubric = ctx.rubric(f"{rubric_id}@{version}")
        published = ctx.rubric(rubric_id)
    except RubricError as e:
        raise HTTPException(404, str(e)) from None
    if rubric.version != published.version and not confirm_worse:
        comparison = _compare_on_labels(ctx, rubric, published)
        if comparison["worse"]:
            return _render(
                request,
                "rubric_confirm.html",
                user,
                status=409,
                rubric=rubric,
                published=published,
                comparison=comparison,
            )
    rubric_versions.publish(ctx.db, rubric_id, version)
    return RedirectResponse("/admin/rubrics", status_code=303)
