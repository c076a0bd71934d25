"""The candidate's flow in a real browser: upload, a flagged citation, fix, re-check, submit."""

from __future__ import annotations

import os

import httpx
import pytest

from tests.factories import make_text_pdf, write_manifest
from tests.service_process import ServiceProcess, cli, zip_folder
from tests.test_review_browser import CHROMIUM, PASSWORD, launch, log_in, shot

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def candidate_env(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright")
    tmp = tmp_path_factory.mktemp("candidate")
    env = {**os.environ, "EVREVIEW_DATA_DIR": str(tmp / "data"), "HF_HUB_OFFLINE": "1"}
    env.pop("EVREVIEW_REDIS_URL", None)
    env.pop("EVREVIEW_DATABASE_URL", None)
    admin_token = cli(env, "users", "add", "lead", "--role", "admin")
    cli(env, "users", "add", "cara", "--role", "candidate")
    cli(env, "users", "password", "cara", "--password", PASSWORD)
    folder = tmp / "sub"
    (folder / "artifacts").mkdir(parents=True)
    make_text_pdf(
        folder / "artifacts" / "plan.pdf",
        [
            "Staff agreements.\n\nIn August every member of staff drafted and signed our norms: "
            "we keep confidences, assume good intent and follow through on promises. An "
            "anonymous feedback form lets teachers raise concerns.",
            "Learning teams.\n\nEvery Thursday afternoon is protected time for professional "
            "learning communities; the principal joins a team as a learner.",
        ],
    )
    (folder / "overview.md").write_text("Our story. " * 300, encoding="utf-8")
    write_manifest(
        folder,
        {
            "credential": "professional-learning",
            "parts": {"overview": "overview.md"},
            "artifacts": [{"id": "A1", "file": "artifacts/plan.pdf", "title": "PL plan"}],
            "self_analysis": [
                {"detail": "EO1.1", "artifact": "A1", "location": "p. 2"},  # wrong place
                {"detail": "EO1.2", "artifact": "A1", "location": "page 9"},  # no such page
            ],
        },
    )
    (tmp / "sub.zip").write_bytes(zip_folder(folder))
    server = ServiceProcess(env, tmp / "server.log").start()
    yield server, tmp / "sub.zip", admin_token
    server.stop()


def test_candidate_checks_fixes_and_submits(candidate_env):
    from playwright.sync_api import sync_playwright

    server, archive, admin_token = candidate_env
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        log_in(page, server.url, "cara", "mine")
        page.set_input_files("#new-draft input[type=file]", str(archive))
        page.click("#new-draft button")
        page.wait_for_selector("iframe.report-frame", timeout=120_000)  # progress page refreshes
        first_id = page.url.rsplit("/", 1)[-1]
        report = page.frame_locator("iframe.report-frame").locator("body")
        # The frame may still be loading: wait for the report's last section before reading.
        report.locator("text=What blocks submission").first.wait_for(timeout=30_000)
        page.wait_for_function(
            "document.querySelector('iframe.report-frame').contentDocument.readyState"
            " === 'complete'"
        )
        text = report.inner_text(timeout=30_000)
        assert "not an assessment decision" in text.lower() or "not a decision" in text.lower()
        assert "EO1.1" in text and "page 1" in text  # the wrong page, with where the evidence is
        assert "EO1.2" in text and "p. 4" in text  # the broken one, with how to write it
        shot(page, "candidate-readiness")

        # Fix both citations and check again: a new version.
        page.fill("input[name=location_0]", "p. 1")
        page.fill("input[name=location_1]", "page 2")
        page.click("#citations-form button")
        page.wait_for_selector("iframe.report-frame", timeout=120_000)
        second_id = page.url.rsplit("/", 1)[-1]
        assert second_id != first_id
        page.click("#changes-link")
        changes = page.locator(".citation-changes").inner_text()
        assert "EO1.1: not supported → supported" in changes
        assert "EO1.2: invalid reference → supported" in changes
        shot(page, "candidate-changes")

        page.goto(f"{server.url}/mine/{second_id}")
        page.click("#submit-assessment")
        page.wait_for_selector("text=submitted for assessment")
        assert page.locator("#citations-form").count() == 0
        pdf = page.request.get(f"{server.url}/mine/{second_id}/readiness.pdf")
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
        browser.close()

    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {admin_token}"}) as c:
        listed = {s["id"]: s for s in c.get("/api/submissions").json()}
        assert listed[first_id]["phase"] == "draft" and listed[second_id]["phase"] == "submitted"
        assert listed[second_id]["version"] == 2 and listed[second_id]["parent_id"] == first_id
        report = c.get(f"/api/submissions/{second_id}/analysis").json()
        verdicts = {d["id"]: (d["self_analysis"] or {}).get("verdict") for d in report["details"]}
        assert verdicts["EO1.1"] == "supported" and verdicts["EO1.2"] == "supported"


def test_candidate_uploads_files_one_by_one_and_fills_the_self_analysis(candidate_env, tmp_path):
    from playwright.sync_api import sync_playwright

    server, archive, _admin_token = candidate_env
    import zipfile

    with zipfile.ZipFile(archive) as zf:
        (tmp_path / "plan.pdf").write_bytes(zf.read("artifacts/plan.pdf"))
        (tmp_path / "overview.md").write_bytes(zf.read("overview.md"))
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page()
        log_in(page, server.url, "cara", "mine")
        page.set_input_files("#new-files input[name=overview]", str(tmp_path / "overview.md"))
        page.set_input_files("#new-files input[name=artifacts]", str(tmp_path / "plan.pdf"))
        page.click("#new-files button")
        page.wait_for_selector("#citations-form", timeout=120_000)
        page.select_option("select[name=detail_0]", "EO1.1")
        page.select_option("select[name=artifact_0]", "A1")
        page.fill("input[name=location_0]", "p. 1")
        page.click("#citations-form button")
        page.wait_for_selector("iframe.report-frame", timeout=120_000)
        assert page.locator("input[name=location_0]").input_value() == "p. 1"
        browser.close()
