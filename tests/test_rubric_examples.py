"""Example evidence statements per rubric detail: shipped with the rubric, refused when empty,
edited in the admin form and kept through draft, publish and export."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from models.rubric import Detail, Rubric
from pipelines.rubric_catalog import (
    RubricCatalog,
    RubricError,
    bundled_rubrics_dir,
    load_rubric_file,
)
from service import rubric_versions
from service.storage.database import Database, migrate
from service.storage.tables import User
from service.web.rubric_routes import rubric_from_form


@pytest.fixture
def rubric() -> Rubric:
    return load_rubric_file(bundled_rubrics_dir() / "professional-learning.yaml")


def _form(rubric: Rubric) -> dict[str, str]:
    """The edit form's fields as rubric_edit.html fills them in for a rubric."""
    form = {
        "thresholds.evidence": str(rubric.thresholds.evidence),
        "thresholds.weak": str(rubric.thresholds.weak),
        "note_template": rubric.note_template or "",
    }
    form |= {f"parts.{n}": str(p.minimum_words) for n, p in rubric.parts.items()}
    for _o, d in rubric.details:
        form[f"{d.id}.description"] = d.description
        form[f"{d.id}.look_fors"] = "\n".join(d.look_fors)
        form[f"{d.id}.examples"] = "\n".join(d.examples)
        form[f"{d.id}.evidence"] = str(d.thresholds.evidence) if d.thresholds else ""
        form[f"{d.id}.weak"] = str(d.thresholds.weak) if d.thresholds else ""
    return form


def test_every_shipped_detail_has_example_statements(rubric):
    assert len(rubric.details) == 14
    for _o, d in rubric.details:
        assert len(d.examples) >= 6, d.id
        assert all(e.strip() for e in d.examples), d.id
        assert len(set(d.examples)) == len(d.examples), f"{d.id}: a statement is repeated"
    every = [e for _o, d in rubric.details for e in d.examples]
    assert len(set(every)) == len(every), "a statement stands under two details"


def test_an_empty_example_is_refused_with_a_clear_error():
    with pytest.raises(ValidationError, match="example 2 is empty"):
        Detail(id="EO1.1", title="t", description="d", look_fors=["x"], examples=["ok", "  "])
    assert Detail(id="EO1.1", title="t", description="d", look_fors=["x"]).examples == []


def test_an_empty_example_in_a_file_names_the_file_and_field(tmp_path, rubric):
    data = rubric.model_dump(exclude_none=True)
    examples = data["outcomes"][0]["details"][1]["examples"]
    examples.append("")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(RubricError) as e:
        load_rubric_file(bad)
    assert f"{bad}: outcomes[0].details[1].examples: " in str(e.value)
    assert f"example {len(examples)} is empty" in str(e.value)


def test_the_form_keeps_unchanged_examples(rubric):
    edited, errors = rubric_from_form(rubric, _form(rubric))
    assert errors == {}
    assert edited == rubric


def test_edited_examples_survive_the_form_draft_publish_and_export(tmp_path, rubric):
    url = f"sqlite:///{tmp_path / 'service.db'}"
    migrate(url)
    db = Database(url)
    catalog = RubricCatalog()
    rubric_versions.seed_from_files(db, catalog)
    with db.session() as s:
        admin = User(name="lead", role="admin", token_hash="x" * 64)
        s.add(admin)
    version = rubric_versions.create_draft(db, rubric.id, admin)
    draft = rubric_versions.resolve(db, catalog, f"{rubric.id}@{version}")
    assert draft.details[0][1].examples == rubric.details[0][1].examples

    form = _form(draft)
    # One statement replaced, blank lines and surrounding spaces dropped, as for look-fors.
    form["EO1.1.examples"] = (
        "  We agreed in August how staff meetings run and everyone signed the page.\n\n"
        "I answered every anonymous note from the staff room box in the Friday bulletin.\n"
    )
    form.pop("EO4.4.examples")  # a form without the field leaves the statements alone
    edited, errors = rubric_from_form(draft, form)
    assert errors == {} and edited is not None
    rubric_versions.save_draft(db, edited)
    rubric_versions.publish(db, rubric.id, version)

    exported = yaml.safe_load(rubric_versions.export(db, catalog, rubric.id))
    assert exported["version"] == version
    details = {d["id"]: d for o in exported["outcomes"] for d in o["details"]}
    assert details["EO1.1"]["examples"] == [
        "We agreed in August how staff meetings run and everyone signed the page.",
        "I answered every anonymous note from the staff room box in the Friday bulletin.",
    ]
    shipped = {d.id: d for _o, d in rubric.details}
    assert details["EO4.4"]["examples"] == shipped["EO4.4"].examples
    assert details["EO2.1"]["examples"] == shipped["EO2.1"].examples
    db.engine.dispose()


def test_clearing_the_look_fors_is_still_refused_beside_the_field(rubric):
    form = _form(rubric) | {"EO1.2.look_fors": "\n  \n"}
    edited, errors = rubric_from_form(rubric, form)
    assert edited is None
    assert list(errors) == ["EO1.2.look_fors"]


def test_the_edit_page_shows_examples_one_per_line_with_errors_beside_them(rubric):
    from types import SimpleNamespace

    from service.web.routes import templates

    page = templates.env.get_template("rubric_edit.html")
    common = {"user": None, "rubric": rubric, "published": rubric, "submissions": []}
    common |= {"row": SimpleNamespace(status="draft"), "preview": None, "side_by_side": None}
    html = page.render(**common, comparison=None, metrics=[], errors={}, values={})
    eo13 = rubric.details[2][1]
    assert f'name="EO1.3.examples" rows="{len(eo13.examples) + 1}" >' in html
    assert "\n".join(eo13.examples).replace("'", "&#39;") in html

    errors = {"EO1.3.examples": "Value error, example 2 is empty"}
    html = page.render(**common, comparison=None, metrics=[], errors=errors, values={})
    assert (
        '</textarea></label><span class="error field-error" data-field="EO1.3.examples">'
        "Value error, example 2 is empty</span>"
    ) in html


def test_the_admin_page_saves_edited_examples(rubric, monkeypatch):
    """The real POST route: the examples textarea is read, saved and shown again."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from service.config import get_settings
    from service.context import ServiceContext
    from service.web import routes, rubric_routes

    monkeypatch.delenv("EVREVIEW_DATABASE_URL", raising=False)
    monkeypatch.delenv("EVREVIEW_REDIS_URL", raising=False)
    get_settings.cache_clear()
    ctx = ServiceContext.create(get_settings())
    with ctx.db.session() as s:
        admin = User(name="lead", role="admin", token_hash="y" * 64)
        s.add(admin)
    app = FastAPI()
    app.state.ctx = ctx
    app.include_router(rubric_routes.router)
    app.dependency_overrides[routes.page_user] = lambda: admin
    client = TestClient(app)

    r = client.post(f"/admin/rubrics/{rubric.id}/drafts", follow_redirects=False)
    assert r.status_code == 303
    page = r.headers["location"]
    form = _form(ctx.rubric(f"{rubric.id}@{page.rsplit('/', 1)[-1]}"))
    form["EO3.2.examples"] = "The reading lead sat in on my lesson and we talked it over after.\n"
    assert client.post(page, data=form, follow_redirects=False).status_code == 303
    html = client.get(page).text
    assert (
        '<textarea name="EO3.2.examples" rows="2" >'
        "The reading lead sat in on my lesson and we talked it over after.</textarea>"
    ) in html

    form["thresholds.weak"] = "abc"  # refused: the typed examples are shown again, unsaved
    form["EO3.2.examples"] = "A second statement, typed but not saved."
    r = client.post(page, data=form)
    assert r.status_code == 422
    assert "A second statement, typed but not saved.</textarea>" in r.text
    saved = ctx.rubric(f"{rubric.id}@{page.rsplit('/', 1)[-1]}")
    assert {d.id: d for _o, d in saved.details}["EO3.2"].examples == [
        "The reading lead sat in on my lesson and we talked it over after."
    ]
    ctx.db.engine.dispose()
