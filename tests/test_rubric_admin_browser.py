"""An admin changes a look-for in the browser, previews it on one submission, compares it with
the published version on the assessor-labelled set, and publishes it."""

from __future__ import annotations

import os

import httpx
import pytest
import yaml

from tests.factories import make_text_pdf, write_manifest
from tests.service_process import ServiceProcess, cli, wait_done, zip_folder
from tests.test_review_browser import CHROMIUM, PASSWORD, launch, log_in, shot

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def admin_env(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright")
    tmp = tmp_path_factory.mktemp("rubric-admin")
    env = {**os.environ, "EVREVIEW_DATA_DIR": str(tmp / "data"), "HF_HUB_OFFLINE": "1"}
    env.pop("EVREVIEW_REDIS_URL", None)
    env.pop("EVREVIEW_DATABASE_URL", None)
    token = cli(env, "users", "add", "lead", "--role", "admin")
    cli(env, "users", "password", "lead", "--password", PASSWORD)
    cli(env, "users", "add", "ana", "--role", "assessor")
    cli(env, "users", "password", "ana", "--password", PASSWORD)
    folder = tmp / "sub"
    (folder / "artifacts").mkdir(parents=True)
    make_text_pdf(
        folder / "artifacts" / "plan.pdf",
        [
            "Staff agreements.\n\nIn August every member of staff drafted and signed our norms: "
            "we keep confidences, assume good intent and follow through on promises.",
            "Learning teams.\n\nEvery Thursday afternoon is protected time for professional "
            "learning communities; the principal joins a team as a learner.",
        ],
    )
    write_manifest(
        folder,
        {
            "credential": "professional-learning",
            "artifacts": [{"id": "A1", "file": "artifacts/plan.pdf"}],
        },
    )
    server = ServiceProcess(env, tmp / "server.log").start()
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as c:
        sid = c.post(
            "/api/submissions", files={"archive": ("s.zip", zip_folder(folder), "application/zip")}
        ).json()["id"]
        wait_done(c, sid)
    cli(env, "assign", sid, "ana")
    # Ana confirms that page 1 is the evidence for EO1.1 and submits her review: a label.
    with httpx.Client(base_url=server.url) as c:
        c.post("/login", data={"name": "ana", "password": PASSWORD})
        details = httpx.get(
            f"{server.url}/api/submissions/{sid}/analysis",
            headers={"Authorization": f"Bearer {token}"},
        ).json()["details"]
        r = c.post(
            f"/review/{sid}/actions",
            json={"detail": "EO1.1", "kind": "confirm", "artifact": "A1", "page": 1, "rank": 0},
        )
        assert r.status_code == 200, r.text
        for d in details:
            c.post(
                f"/review/{sid}/actions",
                json={"detail": d["id"], "kind": "decide", "decision": "proficient"},
            )
        assert c.post(f"/review/{sid}/submit").status_code in (200, 303)
    yield server, env, sid
    server.stop()


def test_admin_edits_previews_compares_and_publishes(admin_env):
    from playwright.sync_api import sync_playwright

    server, env, sid = admin_env
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        log_in(page, server.url, "lead", "queue")
        page.goto(f"{server.url}/admin/rubrics")
        page.click("tr.published button")  # new draft
        page.wait_for_selector("#rubric-form")
        draft_version = page.url.rsplit("/", 1)[-1]
        assert "draft" in draft_version

        # A bad threshold is refused beside its field, and nothing is saved.
        page.fill("input[name='thresholds.weak']", "abc")
        page.click("#save-draft")
        assert (
            "is not a number"
            in page.locator(".field-error[data-field='thresholds.weak']").inner_text()
        )

        # Reword EO1.1 so it no longer matches the staff agreements page.
        page.goto(f"{server.url}/admin/rubrics/professional-learning/{draft_version}")
        page.fill("textarea[name='EO1.1.description']", "Keeps the school buses on schedule.")
        page.fill("textarea[name='EO1.1.look_fors']", "bus routes and timetables\ndrivers' rosters")
        page.fill(
            "textarea[name='EO1.1.examples']",
            "The drivers' roster for the autumn bus routes was posted in the depot.",
        )
        page.click("#save-draft")
        page.wait_for_url(f"**/{draft_version}")
        assert (
            page.locator("textarea[name='EO1.1.look_fors']").input_value().startswith("bus routes")
        )

        # The preview on the submission shows EO1.1 changing.
        page.select_option("#preview-form select", sid)
        page.click("#preview-form button")
        row = page.locator("#preview tr[data-detail='EO1.1']")
        assert "changed" in (row.get_attribute("class") or "")
        assert "evidence found" in row.locator("td.old").inner_text()
        assert "no evidence" in row.locator("td.new").inner_text()
        shot(page, "rubric-preview")

        # Side by side on the assessor-labelled set: EO1.1 is worse.
        page.click("#compare-link")
        worse = page.locator("#comparison tr[data-detail='EO1.1'] td.worse")
        assert worse.count() >= 1
        assert page.locator("#comparison-chart svg > title").text_content().startswith("hit@3")
        assert "Weak threshold from these labels" in page.locator("#calibration").inner_text()
        shot(page, "rubric-comparison")

        # Publishing a worse version asks again; then it is published.
        page.click("#publish-form button")
        assert "EO1.1" in page.locator("#confirm-worse").inner_text()
        page.click("#confirm-worse button")
        page.wait_for_url("**/admin/rubrics")
        assert (
            page.locator(f"tr[data-version='{draft_version}']").inner_text().count("published") == 1
        )
        browser.close()

    exported = yaml.safe_load(
        cli(env, "rubrics", "export", f"professional-learning@{draft_version}")
    )
    eo11 = exported["outcomes"][0]["details"][0]
    assert eo11["look_fors"] == ["bus routes and timetables", "drivers' rosters"]
    # The published version is now the draft: a new analysis records it.
    assert (
        yaml.safe_load(cli(env, "rubrics", "export", "professional-learning"))["version"]
        == draft_version
    )
